"""``tf.math``: the elementwise and reduction ops under their ``tf.math`` names.

Example:
    >>> import minitf as tf
    >>> tf.math.log(tf.constant(1.0))
    <tf.Tensor: shape=(), dtype=float32, numpy=0.0>
"""

from minitf.ops.elementwise import (  # noqa: F401
    abs, add, ceil, cos, divide, equal, exp, floor, floordiv, floormod, greater,
    greater_equal, is_finite, is_nan, less, less_equal, log, log1p, logical_and,
    logical_not, logical_or, logical_xor, maximum, minimum, multiply, negative, not_equal,
    pow, round, rsqrt, sigmoid, sign, sin, sqrt, square, subtract, tanh, truediv,
)
from minitf.ops.cumulative import cumprod, cumsum  # noqa: F401
from minitf.ops.extra_math import squared_difference  # noqa: F401
from minitf.ops.nn import l2_normalize, log_softmax, softmax, softplus  # noqa: F401
from minitf.ops.sorting import top_k  # noqa: F401
from minitf.ops.arg_reduction import argmax, argmin  # noqa: F401
from minitf.ops.reduction import (  # noqa: F401
    reduce_all, reduce_any, reduce_logsumexp, reduce_max, reduce_mean,
    reduce_min, reduce_prod, reduce_std, reduce_sum, reduce_variance,
)

mod = floormod
__all__ = [n for n in dir() if not n.startswith("_")]

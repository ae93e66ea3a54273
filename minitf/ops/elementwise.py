"""Elementwise ops: one import point for the three families that implement them.

* :mod:`minitf.ops.unary` — ``exp``, ``log``, ``sqrt``, ``tanh``, ``sigmoid``, ``abs``...
* :mod:`minitf.ops.arithmetic` — ``add``, ``subtract``, ``multiply``, ``truediv``,
  ``pow``, ``maximum``... and ``clip_by_value``
* :mod:`minitf.ops.comparison` — comparisons, logic, ``where``, ``cast``

(:mod:`minitf.ops._elementwise_core` holds what they share: the primitive factories,
the dtype-kind checks and the fast path of every public elementwise function.)

Example:
    >>> from minitf.ops import elementwise as ew
    >>> import minitf as tf
    >>> ew.multiply(tf.constant([1.0, 2.0]), 3.0).numpy()
    array([3., 6.], dtype=float32)
"""

from minitf.ops._elementwise_core import (  # noqa: F401
    ANY, BOOL, FLOAT, INTEGER, NUMERIC, SIGNED, correctly_rounded,
)
from minitf.ops.arithmetic import (  # noqa: F401
    add, add_p, clip_by_value, div_p, divide, floordiv, floordiv_p, floormod, maximum,
    maximum_p, minimum, minimum_p, mod_p, mul_p, multiply, neg_p, negative, pow, pow_p,
    sub_p, subtract, truediv,
)
from minitf.ops.comparison import (  # noqa: F401
    cast, cast_p, equal, equal_p, greater, greater_equal, greater_equal_p, greater_p, less,
    less_equal, less_equal_p, less_p, logical_and, logical_and_p, logical_or, logical_or_p,
    logical_xor, logical_xor_p, not_equal, not_equal_p, select_p, where,
)
from minitf.ops.unary import (  # noqa: F401
    abs, abs_p, ceil, ceil_p, cos, cos_p, exp, exp_p, floor, floor_p, is_finite,
    is_finite_p, is_nan, is_nan_p, log, log1p, log1p_p, log_p, logical_not, logical_not_p,
    round, round_p, rsqrt, sigmoid, sigmoid_p, sign, sign_p, sin, sin_p, sqrt, sqrt_p,
    square, tanh, tanh_p,
)

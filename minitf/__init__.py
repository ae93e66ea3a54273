"""minitf: TensorFlow's basics, rebuilt in readable Python.

Write ``import minitf as tf`` and TensorFlow's guides run unchanged.

Example:
    >>> import minitf as tf
    >>> x = tf.constant([[1., 2., 3.], [4., 5., 6.]])
    >>> tf.reduce_sum(x, axis=0)
    <tf.Tensor: shape=(3,), dtype=float32, numpy=array([5., 7., 9.], dtype=float32)>
"""

from __future__ import annotations

from minitf import dtypes, errors, nest  # noqa: F401
from minitf.dtypes import (  # noqa: F401
    DType, as_dtype, bool, double, float16, float32, float64, half, int8, int16, int32,
    int64, string, uint8, uint16, uint32, uint64,
)
from minitf.core.spec import TensorShape, TensorSpec  # noqa: F401
from minitf.tensor import Tensor, convert_to_tensor, is_tensor  # noqa: F401
from minitf import ops as _ops  # noqa: F401  (installs Tensor operators)
from minitf.variables import Variable, init_scope  # noqa: F401
from minitf.variables import _install_operators as _install_variable_operators
from minitf.name_scope import name_scope  # noqa: F401
from minitf.device import device  # noqa: F401
from minitf import config, linalg, math, nn, random, train  # noqa: F401
from minitf import data  # noqa: F401  (tf.data: input pipelines)
from minitf.autodiff import GradientTape, UnconnectedGradients  # noqa: F401
from minitf.custom_grad import custom_gradient  # noqa: F401
from minitf import testing  # noqa: F401  (assert_allclose, check_grads)
from minitf.function import function  # noqa: F401
from minitf.module import Module  # noqa: F401
from minitf.ops.control_flow import cond, while_loop  # noqa: F401
from minitf.ops.logging_ops import print_tensors as print  # noqa: F401,A001
from minitf import autograph  # noqa: F401  (tf.autograph.to_code shows converted code)
from minitf.ops.creation import (  # noqa: F401
    constant, fill, linspace, ones, ones_like, range, zeros, zeros_like,
)
from minitf.ops.elementwise import (  # noqa: F401
    abs, add, cast, clip_by_value, cos, divide, equal, exp, floor, floordiv, greater,
    greater_equal, less, less_equal, logical_and, logical_not, logical_or, maximum,
    minimum, multiply, negative, not_equal, pow, round, sigmoid, sign, sin, sqrt, square,
    subtract, tanh, truediv, where,
)
from minitf.ops.clipping import clip_by_global_norm, clip_by_norm, norm  # noqa: F401
from minitf.ops.cumulative import cumsum  # noqa: F401
from minitf.ops.einsum import einsum  # noqa: F401
from minitf.ops.rearrange import (  # noqa: F401
    ensure_shape, gather_nd, repeat, reverse, roll, sequence_mask,
)
from minitf.ops.sorting import argsort, sort  # noqa: F401
from minitf.ops.indexing import boolean_mask, gather, one_hot  # noqa: F401
from minitf.ops.linalg import eye, matmul, tensordot  # noqa: F401
from minitf.ops.arg_reduction import argmax, argmin  # noqa: F401
from minitf.ops.reduction import (  # noqa: F401
    reduce_all, reduce_any, reduce_logsumexp, reduce_max, reduce_mean,
    reduce_min, reduce_prod, reduce_std, reduce_sum,
)
from minitf.ops.joining import concat, pad, split, stack, tile, unstack  # noqa: F401
from minitf.ops.shape import (  # noqa: F401
broadcast_to, expand_dims, identity, rank, reshape, shape, size, squeeze, stop_gradient,
transpose,
)

_install_variable_operators()
from minitf import keras  # noqa: E402,F401  (tf.keras: layers, models, training)
from minitf import saved_model  # noqa: E402,F401  (tf.saved_model: save/load, data only)
from minitf import distribute  # noqa: E402,F401  (tf.distribute: on torch.distributed)

newaxis = None
__version__ = "0.1.0"

__all__ = [
    # types
    "DType", "as_dtype", "dtypes", "TensorShape", "TensorSpec", "Tensor", "Variable",
    "bool", "double", "float16", "float32", "float64", "half", "int8", "int16", "int32",
    "int64", "string", "uint8", "uint16", "uint32", "uint64", "newaxis",
    # namespaces
    "config", "errors", "linalg", "math", "nest", "nn", "random", "train",
    "data", "testing",
    # creation
    "constant", "convert_to_tensor", "eye", "fill", "identity", "is_tensor", "linspace",
    "ones", "ones_like", "range", "zeros", "zeros_like",
    # math
    "abs", "add", "cast", "clip_by_global_norm", "clip_by_norm", "clip_by_value", "cos",
    "divide", "einsum", "equal", "exp", "floor", "floordiv", "norm",
    "greater", "greater_equal", "less", "less_equal", "logical_and", "logical_not",
    "logical_or", "matmul", "maximum", "minimum", "multiply", "negative", "not_equal", "pow",
    "round", "sigmoid", "sign", "sin", "sqrt", "square", "subtract", "tanh", "tensordot",
    "truediv", "where",
    "argsort", "cumsum", "ensure_shape", "gather_nd", "repeat", "reverse", "roll",
    "sequence_mask", "sort",
    # reductions
    "argmax", "argmin", "reduce_all", "reduce_any", "reduce_logsumexp", "reduce_max",
    "reduce_mean", "reduce_min", "reduce_prod", "reduce_std", "reduce_sum",
    # shapes and indexing
    "boolean_mask", "broadcast_to", "concat", "expand_dims", "gather", "one_hot", "pad",
    "rank", "reshape", "shape", "size", "split", "squeeze", "stack", "tile", "transpose",
    "unstack",
    # autodiff, devices, scopes
    "GradientTape", "UnconnectedGradients", "custom_gradient", "stop_gradient", "device",
    "init_scope", "name_scope",
    # tf.keras, tf.saved_model
    "keras", "saved_model", "distribute",
    # graphs: tf.function, modules, control flow
    "function", "Module", "cond", "while_loop", "print", "autograph",
]

"""``argmax`` / ``argmin``: the position of the largest or smallest value along an axis.

They reduce to int64 (or int32) positions, not values, so they are not differentiable.
Axes are normalised as in :mod:`minitf.ops.reduction`.

Example:
    >>> import minitf as tf
    >>> tf.argmax(tf.constant([[1, 9], [7, 2]]), axis=1).numpy()
    array([1, 0])
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf import errors
from minitf.core.interpreters import bind1
from minitf.core.primitive import NOT_DIFFERENTIABLE, Primitive
from minitf.core.spec import TensorSpec
from minitf.ops._operands import dims_str, to_tensor
from minitf.ops.reduction import normalize_axes
from minitf.tensor import Tensor

argmax_p = Primitive("argmax")
argmin_p = Primitive("argmin")
for _prim, _fn in ((argmax_p, np.argmax), (argmin_p, np.argmin)):
    def _arg_abstract(x: TensorSpec, *, axis: int, output_type: str) -> TensorSpec:
        shape = tuple(d for i, d in enumerate(x.shape._dims) if i != axis)
        return TensorSpec._make(shape, _dtypes.as_dtype(output_type))

    def _arg_impl(x: np.ndarray, *, axis: int, output_type: str, _fn: Any = _fn) -> np.ndarray:
        return np.asarray(_fn(x, axis=axis)).astype(_dtypes.as_dtype(output_type).np)

    _prim.def_abstract_eval(_arg_abstract)
    _prim.def_impl("numpy")(_arg_impl)
    _prim.def_vjp(NOT_DIFFERENTIABLE)


def _arg(prim: Primitive, x: Any, axis: Any, output_type: Any, op: str) -> Tensor:
    x = to_tensor(x)
    rank = len(x._shape)
    if rank == 0:
        raise errors.InvalidArgumentError(None, None, f"{op} needs a tensor of rank >= 1, "
                                          f"got a scalar: a single value has no position "
                                          f"to find; pass a vector.")
    axis = normalize_axes(0 if axis is None else axis, rank, op)
    if len(axis) != 1:
        raise errors.InvalidArgumentError(None, None, f"{op} takes one axis, got {axis}.")
    if x._shape[axis[0]] == 0:
        raise errors.InvalidArgumentError(
            None, None, f"Reduction axis {axis[0]} is empty in shape {dims_str(x._shape)} "
            f"[Op:{op}]: {op} of no elements has no answer. Check the tensor is non-empty "
            f"along that axis, or pick another axis.")
    return bind1(prim, x, axis=axis[0], output_type=_dtypes.as_dtype(output_type).name)


def argmax(input: Any, axis: Any = None, output_type: Any = _dtypes.int64,  # noqa: A002
           name: Optional[str] = None) -> Tensor:
    """Index of the largest value along ``axis`` (default 0), as int64.

    Example:
        >>> import minitf as tf
        >>> tf.argmax(tf.constant([[1, 9], [7, 2]]), axis=1).numpy()
        array([1, 0])
    """
    return _arg(argmax_p, input, axis, output_type, "ArgMax")


def argmin(input: Any, axis: Any = None, output_type: Any = _dtypes.int64,  # noqa: A002
           name: Optional[str] = None) -> Tensor:
    """Index of the smallest value along ``axis`` (default 0), as int64.

    Example:
        >>> import minitf as tf
        >>> tf.argmin(tf.constant([3, 1, 2])).numpy()
        np.int64(1)
    """
    return _arg(argmin_p, input, axis, output_type, "ArgMin")

"""Comparisons and logic (bool results, not differentiable), ``where`` (the ``select``
primitive) and ``cast``.

Example:
    >>> import minitf as tf
    >>> tf.where(tf.constant([1, 5]) > 2, 1.0, 0.0).numpy()
    array([0., 1.], dtype=float32)
"""

from __future__ import annotations

import operator
from typing import Any, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf import errors
from minitf.core.interpreters import bind1
from minitf.core.primitive import NOT_DIFFERENTIABLE, Primitive
from minitf.core.spec import TensorSpec
from minitf.ops._elementwise_core import (
    ANY, BOOL, NUMERIC, _apply_binary, _binary, _fit, _scalar, _scalar_fast,
)
from minitf.ops._operands import binary_operands, broadcast_shapes, describe, to_tensor
from minitf.tensor import Tensor

# Equality also compares strings (object arrays of bytes), as TF's Equal does.
equal_p = _binary("eq", _scalar_fast(np.equal, operator.eq), ANY + "O", _dtypes.bool)
not_equal_p = _binary("ne", _scalar_fast(np.not_equal, operator.ne), ANY + "O", _dtypes.bool)
less_p = _binary("lt", _scalar_fast(np.less, operator.lt), NUMERIC, _dtypes.bool)
less_equal_p = _binary("le", _scalar_fast(np.less_equal, operator.le), NUMERIC, _dtypes.bool)
greater_p = _binary("gt", _scalar_fast(np.greater, operator.gt), NUMERIC, _dtypes.bool)
greater_equal_p = _binary("ge", _scalar_fast(np.greater_equal, operator.ge), NUMERIC,
                          _dtypes.bool)
logical_and_p = _binary("logical_and", np.logical_and, BOOL)
logical_or_p = _binary("logical_or", np.logical_or, BOOL)
logical_xor_p = _binary("logical_xor", np.logical_xor, BOOL)


def equal(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``x == y`` elementwise (bool result).

    Example:
        >>> import minitf as tf
        >>> tf.equal(tf.constant([1, 2]), 2).numpy()
        array([False,  True])
    """
    return _apply_binary(equal_p, x, y, "Equal")


def not_equal(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``x != y`` elementwise.

    Example:
        >>> import minitf as tf
        >>> tf.not_equal(tf.constant([1, 2]), 2).numpy()
        array([ True, False])
    """
    return _apply_binary(not_equal_p, x, y, "NotEqual")


def less(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``x < y`` elementwise.

    Example:
        >>> import minitf as tf
        >>> tf.less(tf.constant([1, 2]), 2).numpy()
        array([ True, False])
    """
    return _apply_binary(less_p, x, y, "Less")


def less_equal(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``x <= y`` elementwise.

    Example:
        >>> import minitf as tf
        >>> tf.less_equal(tf.constant([1, 3]), 2).numpy()
        array([ True, False])
    """
    return _apply_binary(less_equal_p, x, y, "LessEqual")


def greater(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``x > y`` elementwise.

    Example:
        >>> import minitf as tf
        >>> tf.greater(tf.constant([1, 3]), 2).numpy()
        array([False,  True])
    """
    return _apply_binary(greater_p, x, y, "Greater")


def greater_equal(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``x >= y`` elementwise.

    Example:
        >>> import minitf as tf
        >>> tf.greater_equal(tf.constant([1, 2]), 2).numpy()
        array([False,  True])
    """
    return _apply_binary(greater_equal_p, x, y, "GreaterEqual")


def logical_and(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """Boolean AND.

    Example:
        >>> import minitf as tf
        >>> tf.logical_and(tf.constant([True, True]), tf.constant([True, False])).numpy()
        array([ True, False])
    """
    return _apply_binary(logical_and_p, x, y, "LogicalAnd")


def logical_or(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """Boolean OR.

    Example:
        >>> import minitf as tf
        >>> tf.logical_or(tf.constant([False, False]), tf.constant([True, False])).numpy()
        array([ True, False])
    """
    return _apply_binary(logical_or_p, x, y, "LogicalOr")


def logical_xor(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """Boolean XOR.

    Example:
        >>> import minitf as tf
        >>> tf.math.logical_xor(tf.constant([True, True]), tf.constant([True, False])).numpy()
        array([False,  True])
    """
    return _apply_binary(logical_xor_p, x, y, "LogicalXor")


for _p in (equal_p, not_equal_p, less_p, less_equal_p, greater_p, greater_equal_p,
           logical_and_p, logical_or_p, logical_xor_p):
    _p.def_vjp(NOT_DIFFERENTIABLE)


select_p = Primitive("select")


@select_p.def_abstract_eval
def _select_abstract(c: TensorSpec, x: TensorSpec, y: TensorSpec) -> TensorSpec:
    if c.dtype is not _dtypes.bool:
        raise errors.InvalidArgumentError(None, None,
                                          f"where: condition must be bool, got {c.dtype.name}")
    if x.dtype is not y.dtype:
        raise errors.InvalidArgumentError(
            None, None, f"where: x and y must have one dtype, got {x.dtype.name} and "
            f"{y.dtype.name}")
    shape = broadcast_shapes(broadcast_shapes(c.shape._dims, x.shape._dims, "SelectV2"),
                             y.shape._dims, "SelectV2")
    return TensorSpec._make(shape, x.dtype)


select_p.def_impl("numpy")(np.where)


def where(condition: Any, x: Any = None, y: Any = None, name: Optional[str] = None) -> Tensor:
    """Picks ``x`` where ``condition`` is True, else ``y`` (all three broadcast).

    With only ``condition``, returns the int64 coordinates of its True elements.

    Example:
        >>> import minitf as tf
        >>> tf.where(tf.constant([True, False]), 1.0, 0.0).numpy()
        array([1., 0.], dtype=float32)
    """
    condition = to_tensor(condition)
    if x is None and y is None:
        from minitf.ops.indexing import where_indices
        return where_indices(condition)
    if x is None or y is None:
        raise ValueError("tf.where needs both x and y, or neither.")
    if condition._dtype is not _dtypes.bool:
        raise errors.InvalidArgumentError(
            None, None, f"where: condition must be a bool tensor, got {describe(condition)}; "
            f"build it with a comparison such as x > 0.")
    x, y = binary_operands(x, y, "SelectV2")
    # The output shape is that of all three broadcast together (x or y may be rank 0).
    shape = broadcast_shapes(broadcast_shapes(condition._shape, x._shape, "SelectV2"),
                             y._shape, "SelectV2")
    from minitf.ops._operands import broadcast_to_shape
    condition = broadcast_to_shape(condition, shape, x) if condition._shape != shape else condition
    x = broadcast_to_shape(x, shape, condition) if x._shape and x._shape != shape else x
    y = broadcast_to_shape(y, shape, condition) if y._shape and y._shape != shape else y
    return bind1(select_p, condition, x, y)


cast_p = Primitive("cast")
cast_p.elementwise = "cast"


@cast_p.def_abstract_eval
def _cast_abstract(x: TensorSpec, *, dtype: str) -> TensorSpec:
    return TensorSpec._make(x.shape._dims, _dtypes.as_dtype(dtype))


@cast_p.def_impl("numpy")
def _cast_numpy(x: np.ndarray, *, dtype: str) -> np.ndarray:
    target = _dtypes.as_dtype(dtype).np
    if x.dtype.kind == "f" and target.kind in "iu":
        # TF truncates toward zero; NaN/inf become the dtype's minimum, not UB.
        with np.errstate(invalid="ignore"):
            return np.asarray(np.trunc(x)).astype(target)
    return np.asarray(x).astype(target)


def cast(x: Any, dtype: Any, name: Optional[str] = None) -> Tensor:
    """Converts a tensor to ``dtype`` (floats to ints truncate toward zero).

    Example:
        >>> import minitf as tf
        >>> tf.cast(tf.constant([1.7, -1.7]), tf.int32)
        <tf.Tensor: shape=(2,), dtype=int32, numpy=array([ 1, -1], dtype=int32)>
    """
    dtype = _dtypes.as_dtype(dtype)
    x = to_tensor(x)
    if x._dtype is dtype:
        return x
    return bind1(cast_p, x, dtype=dtype.name)


@select_p.def_vjp
def _select_vjp(g: Tensor, c: Tensor, x: Tensor, y: Tensor, *, out: Tensor,
                needs: tuple = (False, True, True)) -> tuple:
    zero = _scalar(0, g)
    return (None, _fit(bind1(select_p, c, g, zero), x) if needs[1] else None,
            _fit(bind1(select_p, c, zero, g), y) if needs[2] else None)


@cast_p.def_vjp
def _cast_vjp(g: Tensor, x: Tensor, *, out: Tensor, dtype: str) -> tuple:
    # Gradients pass through casts between float types; integer sides get none.
    if x._dtype.is_floating and g._dtype.is_floating:
        return (bind1(cast_p, g, dtype=x._dtype.name),)
    return (None,)

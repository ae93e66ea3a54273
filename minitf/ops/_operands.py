"""Turning the arguments of a public op into the tensors its primitive expects.

Public functions accept anything TensorFlow accepts (tensors, variables, Python numbers,
lists, NumPy arrays). Before ``bind`` they are converted here with TF's rules:

* a Python scalar next to a tensor takes the tensor's dtype (``x * 2`` on float32 is
  float32); a float that cannot take an integer dtype is an ``InvalidArgumentError``;
* two tensors of different dtypes never combine: ``InvalidArgumentError`` naming both;
* shapes broadcast NumPy-style, and the broadcast is made *explicit*: a
  ``broadcast_to`` equation is inserted for each operand that must grow, so binary
  primitives only ever see equal shapes (or a rank-0 operand) and their VJPs stay simple.

Example:
    >>> import minitf as tf
    >>> from minitf.ops._operands import broadcast_shapes
    >>> broadcast_shapes((2, 1), (3,), "add")
    (2, 3)
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from minitf import dtypes as _dtypes
from minitf import errors
from minitf.core.interpreters import _state
from minitf.core.interpreters import bind1
from minitf.core.primitive import PRIMITIVES
from minitf.core.spec import shape_str
from minitf.tensor import Tensor, convert_to_tensor

__all__ = ["to_tensor", "binary_operands", "broadcast_shapes", "dims_str"]


def to_tensor(x: Any, dtype: Optional[_dtypes.DType] = None) -> Tensor:
    """``convert_to_tensor`` with a fast path for values that are already tensors."""
    if isinstance(x, Tensor):
        return x
    return convert_to_tensor(x, dtype)


def dims_str(shape: Sequence) -> str:
    """TF's error-message format for shapes: ``[2,3]``."""
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def broadcast_shapes(a: Sequence, b: Sequence, op: str) -> tuple:
    """NumPy broadcasting of two static shapes (None = unknown size).

    Raises:
        InvalidArgumentError: naming both shapes, if they cannot broadcast.
    """
    # BEGIN SOLUTION tensors: broadcast two shapes, or raise; spec: tests/test_ops_forward.py
    if len(a) < len(b):
        a = (1,) * (len(b) - len(a)) + tuple(a)
    elif len(b) < len(a):
        b = (1,) * (len(a) - len(b)) + tuple(b)
    out = []
    for da, db in zip(a, b):
        if da == db:
            out.append(da)
        elif da == 1:
            out.append(db)
        elif db == 1:
            out.append(da)
        elif da is None or db is None:
            out.append(da if db is None else db)
        else:
            raise errors.InvalidArgumentError(
                None, None,
                f"Incompatible shapes: {dims_str(a)} vs. {dims_str(b)} [Op:{op}]. Two "
                f"shapes broadcast when, aligned from the right, each pair of sizes is equal "
                f"or one of them is 1; reshape or tf.expand_dims one operand so they do.")
    return tuple(out)
    # END SOLUTION


def _convert_partner(value: Any, dtype: _dtypes.DType, op: str) -> Tensor:
    # TF converts the non-tensor operand with the tensor's dtype; a value that cannot take
    # that dtype (1.5 for int32) is converted on its own and then fails the dtype check.
    t = type(value)
    if t is float and dtype._kind == "f" or t is int and dtype._kind != "b":
        if not _state["multi_backend"] and dtype._kind == "f":
            # A NumPy scalar, as rank-0 results are: scalar math then stays on NumPy's
            # fast scalar path instead of going through a ufunc on a 0-d array.
            arr = dtype.scalar(value)
        else:
            arr = np.array(value).astype(dtype.np) if t is int else np.array(value, dtype.np)
            if _state["multi_backend"]:
                arr = _to_device(arr)
        out = object.__new__(Tensor)
        out._value = arr
        out._dtype = dtype
        return out
    as_tensor = getattr(t, "_as_tensor", None)
    if as_tensor is not None:  # a Variable: its current value, as the tapes see it
        value = as_tensor(value)
        if value._dtype is dtype:
            return value
    try:
        return convert_to_tensor(value, dtype=dtype)
    except (TypeError, ValueError):
        return convert_to_tensor(value)


def _multi_backend() -> bool:
    return _state["multi_backend"]


def _to_device(arr: np.ndarray) -> Any:
    from minitf.core.interpreters import _creation_backend
    return _creation_backend().from_numpy(arr)


def binary_operands(x: Any, y: Any, op: str) -> tuple[Tensor, Tensor]:
    """Converts, dtype-checks and broadcasts the two operands of a binary op.

    Args:
        x, y: the operands as the user passed them.
        op: TF's op name for messages (``"AddV2"``).

    Returns:
        Two tensors of one dtype whose shapes are equal, or one of which is rank 0.

    Raises:
        InvalidArgumentError: for different dtypes or shapes that do not broadcast.
    """
    if not isinstance(x, Tensor):
        if isinstance(y, Tensor):
            x = _convert_partner(x, y._dtype, op)
        elif hasattr(type(y), "_as_tensor"):
            y = type(y)._as_tensor(y)
            x = _convert_partner(x, y._dtype, op) if not hasattr(type(x), "_as_tensor") \
                else type(x)._as_tensor(x)
        else:
            x = convert_to_tensor(x)
    if not isinstance(y, Tensor):
        y = _convert_partner(y, x._dtype, op)
    if x._dtype is not y._dtype:
        raise errors.InvalidArgumentError(
            None, None,
            f"cannot compute {op} as input #1(zero-based) was expected to be a "
            f"{x._dtype.name} tensor but is a {y._dtype.name} tensor [Op:{op}]. TensorFlow "
            f"never converts dtypes implicitly: cast one operand, e.g. "
            f"tf.cast(y, tf.{x._dtype.name}).")
    xs, ys = x._shape, y._shape
    if xs == ys and None not in xs:
        return x, y
    if not xs or not ys:
        # A rank-0 operand broadcasts for free: primitives accept it as it is.
        return x, y
    out = broadcast_shapes(xs, ys, op)
    if xs != out or None in xs:
        x = broadcast_to_shape(x, out, y)
    if ys != out or None in ys:
        y = broadcast_to_shape(y, out, x)
    return x, y


def broadcast_to_shape(x: Tensor, shape: tuple, partner: Tensor) -> Tensor:
    """Inserts ``broadcast_to`` when ``x``'s shape differs from ``shape``.

    In a traced graph with unknown (None) sizes the target is only known at run time;
    then ``partner`` is passed as a shape reference (see ``broadcast_to``'s primitive).
    """
    broadcast_to_p = PRIMITIVES["broadcast_to"]  # (shape.py imports this module)
    if None in shape:
        if x._shape == shape:
            return x
        return bind1(broadcast_to_p, x, partner, shape=shape)
    if tuple(x._shape) == shape:
        return x
    return bind1(broadcast_to_p, x, shape=shape)


def describe(x: Tensor) -> str:
    """``shape=(2, 3) dtype=float32`` for error messages."""
    return f"shape={shape_str(x._shape)} dtype={x._dtype.name}"

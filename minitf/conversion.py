"""Conversion: TensorFlow's rules for turning Python and NumPy values into tensors.

* a Python float becomes float32, an int int32 (int64 if it does not fit; a ValueError
  beyond int64), a bool bool, a str a ``tf.string``;
* NumPy arrays and scalars keep their dtype;
* a nested list must be rectangular, and its dtype comes from its *first* leaf (see
  :class:`_Leaves`); tensors inside a list are stacked;
* ``dtype=`` converts Python numbers and NumPy arrays, refuses floats for integer dtypes,
  and never changes a tensor's dtype (that is ``tf.cast``'s job).

:mod:`minitf.tensor` re-exports :func:`convert_to_tensor` and :func:`to_array`.

Example:
    >>> import minitf as tf
    >>> tf.convert_to_tensor([1, 2.0]).dtype, tf.convert_to_tensor([1, True]).dtype
    (tf.float32, tf.int32)
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf.core import interpreters
from minitf.tensor import Tensor, host_array

__all__ = ["convert_to_tensor", "to_array"]

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


class _Leaves:
    """What a nested Python sequence holds, found in one depth-first walk.

    TensorFlow infers a nested list's dtype from its *first* leaf: ``[1, 2.0]`` is
    float32 (an int may become a float), ``[True, 1]`` is refused (a bool may not become
    an int) while ``[1, True]`` is int32, ``[np.float64(1), 2.0]`` is float64 but
    ``[2.0, np.float64(1)]`` float32. Tensors inside a list are stacked: the first
    tensor's dtype is the dtype of the whole.
    """

    __slots__ = ("first", "first_np_dtype", "kinds", "tensor_dtype", "wide_int")

    def __init__(self) -> None:
        self.first: Optional[str] = None
        self.first_np_dtype: Any = None
        self.kinds: set = set()
        self.tensor_dtype: Optional[_dtypes.DType] = None
        self.wide_int = False  # some int needs int64

    def walk(self, value: Any) -> "_Leaves":
        for v in value:
            t = type(v)
            if t is list or t is tuple:
                self.walk(v)
                continue
            if t is float:
                kind = "float"
            elif t is int:
                kind = "int"
                if not _INT32_MIN <= v <= _INT32_MAX:
                    if not _INT64_MIN <= v <= _INT64_MAX:
                        raise ValueError(
                            "Can't convert Python sequence with out-of-range integer to "
                            f"Tensor: {v} does not fit in int64. Use a float, or smaller "
                            "numbers.")
                    self.wide_int = True
            elif t is bool:
                kind = "bool"
            elif isinstance(v, Tensor) or hasattr(t, "_as_tensor"):
                kind = "tensor"
                if self.tensor_dtype is None:
                    self.tensor_dtype = v.dtype
            elif isinstance(v, (np.generic, np.ndarray)):
                kind = {"f": "npfloat", "i": "int", "u": "int", "b": "bool", "U": "str",
                        "S": "str"}.get(v.dtype.kind, "other")
                if kind == "int" and np.size(v) and (np.min(v) < _INT32_MIN
                                                     or np.max(v) > _INT32_MAX):
                    self.wide_int = True
            elif isinstance(v, (str, bytes)):
                kind = "str"
            else:
                kind = "other"
            if self.first is None:
                self.first = kind
                self.first_np_dtype = getattr(v, "dtype", None)
            self.kinds.add(kind)
        return self


_MIXED = "Can't convert Python sequence with mixed types to Tensor."


def _sequence_to_array(value: Any, dtype: Optional[_dtypes.DType]) -> np.ndarray:
    """A nested list/tuple as an array, with TF's first-leaf dtype inference."""
    leaves = _Leaves().walk(value)
    kinds = leaves.kinds
    if "other" in kinds:
        raise ValueError(
            f"Attempt to convert a value ({value!r}) with an unsupported type to a Tensor: "
            f"only numbers, bools, strings, NumPy values and tensors can be nested.")
    if "str" in kinds:
        if len(kinds) > 1:
            raise ValueError(_MIXED + " Strings cannot be mixed with numbers.")
        if dtype is not None and dtype is not _dtypes.string:
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
        arr = _rectangular(value, object)
        return np.vectorize(lambda s: s.encode() if isinstance(s, str) else s,
                            otypes=[object])(arr) if arr.size else arr
    if leaves.tensor_dtype is not None:
        # Stacking tensors: every leaf is converted to the first tensor's dtype.
        target = leaves.tensor_dtype if dtype is None else dtype
        return _rectangular(_leaves_as(value, target), target.np)
    if dtype is not None:
        if kinds & {"float", "npfloat"} and not dtype.is_floating:
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}"
                            if len(repr(value)) < 80 else
                            f"Cannot convert a Python float to EagerTensor of dtype "
                            f"{dtype.name}")
        if dtype.is_bool and kinds - {"bool"}:
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype bool")
        return _rectangular(value, None).astype(dtype.np)
    first = leaves.first
    if first == "bool" and kinds != {"bool"}:
        raise ValueError(_MIXED + " A list that starts with a bool must hold only bools; "
                         "write 1/0 for numbers, or cast with tf.cast.")
    arr = _rectangular(value, None)
    if first is None:  # only empty lists: TF's default is float32
        return arr.astype(np.float32)
    if first == "npfloat":
        return arr.astype(leaves.first_np_dtype)
    if first == "float" or kinds & {"float", "npfloat"}:
        return arr.astype(np.float32)
    if first == "int":
        return arr.astype(np.int64 if leaves.wide_int else np.int32)
    return arr.astype(np.bool_)


def _rectangular(value: Any, np_dtype: Any) -> np.ndarray:
    # NumPy raises (or builds an object array) for ragged nesting; TF says ValueError.
    try:
        arr = np.array(value, dtype=np_dtype)
    except (ValueError, TypeError):
        arr = None
    if arr is None or (arr.dtype == object and np_dtype is not object):
        raise ValueError(
            "Can't convert non-rectangular Python sequence to Tensor: every inner list "
            "at one depth must have the same length (pad the short ones, or see "
            "tf.ragged in TensorFlow).")
    return arr


def _leaves_as(value: Any, dtype: _dtypes.DType) -> Any:
    """The nested structure with every leaf converted to ``dtype`` (for stacking)."""
    if type(value) is list or type(value) is tuple:
        return [_leaves_as(v, dtype) for v in value]
    if isinstance(value, Tensor) or hasattr(type(value), "_as_tensor"):
        t = value if isinstance(value, Tensor) else type(value)._as_tensor(value)
        if t._dtype is not dtype:
            from minitf import errors
            raise errors.InvalidArgumentError(
                None, None, f"cannot compute Pack as input #1(zero-based) was expected to "
                f"be a {dtype.name} tensor but is a {t._dtype.name} tensor [Op:Pack]. "
                f"Tensors stacked from a list must share one dtype; tf.cast them first.")
        return host_array(t)
    return to_array(value, dtype)


def _python_to_array(value: Any, dtype: Optional[_dtypes.DType]) -> np.ndarray:
    """Converts a Python scalar or nested sequence with TF's dtype inference."""
    t = type(value)
    if t is float:
        if dtype is None:
            return np.array(value, np.float32)
        if not dtype.is_floating:
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
        return np.array(value, dtype.np)
    if t is bool:
        return np.array(value, np.bool_ if dtype is None else dtype.np)
    if t is int:
        if not _INT64_MIN <= value <= _INT64_MAX and (dtype is None or dtype.is_integer):
            raise ValueError(
                f"Can't convert Python sequence with out-of-range integer to Tensor: "
                f"{value} does not fit in int64. Use a float (e.g. {value}.0) instead.")
        if dtype is None:
            dtype = _dtypes.int32 if _INT32_MIN <= value <= _INT32_MAX else _dtypes.int64
        if dtype is _dtypes.bool:
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype bool")
        # Like TF, an int that does not fit an explicit integer dtype wraps around.
        return np.array(value).astype(dtype.np)
    if isinstance(value, (str, bytes)):
        if dtype is not None and dtype is not _dtypes.string:
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
        return np.array(value.encode() if isinstance(value, str) else value, dtype=object)
    if t is not list and t is not tuple:
        raise ValueError(
            f"Attempt to convert a value ({value!r}) with an unsupported type ({t}) to a "
            f"Tensor.")
    return _sequence_to_array(value, dtype)


def to_array(value: Any, dtype: Optional[_dtypes.DType] = None) -> np.ndarray:
    """Host array for any convertible value (tensors included), with TF's rules."""
    if isinstance(value, Tensor):
        arr = host_array(value)
        return arr if dtype is None else arr.astype(dtype.np)
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind in "US":
            value = np.vectorize(lambda s: s.encode() if isinstance(s, str) else s,
                                 otypes=[object])(value)
        _dtypes.from_numpy(value.dtype)  # raises a clear TypeError for complex etc.
        return np.array(value, dtype=None if dtype is None else dtype.np)
    as_tensor = getattr(type(value), "_as_tensor", None)
    if as_tensor is not None:
        return to_array(as_tensor(value), dtype)
    if hasattr(value, "__array__") and not isinstance(value, (list, tuple)):
        return to_array(np.asarray(value), dtype)
    return _python_to_array(value, dtype)


def _wrap_host(arr: np.ndarray) -> Tensor:
    """A Tensor on the current device holding a host array."""
    state = interpreters._state
    if not state["resolved"]:
        interpreters.resolve_default_device()
    backend = interpreters._creation_backend() if state["multi_backend"] else None
    t = object.__new__(Tensor)
    t._value = arr if backend is None else backend.from_numpy(arr)
    t._dtype = _dtypes.from_numpy(arr.dtype)
    return t


def convert_to_tensor(value: Any, dtype: Any = None, dtype_hint: Any = None,
                      name: Optional[str] = None) -> Tensor:
    """Converts a Python value, NumPy array, Variable or Tensor to a Tensor.

    TensorFlow's inference: a Python float becomes float32, an int int32 (int64 if it
    does not fit), a bool bool; NumPy values keep their dtype; nested lists must be
    rectangular and must not mix bools with numbers.

    Args:
        value: the value.
        dtype: the required dtype. A Tensor of another dtype is refused (use
            ``tf.cast``); Python floats are refused for integer dtypes.
        dtype_hint: a dtype to try first; falls back to inference if it does not fit.
        name: unused (kept for TF compatibility).

    Returns:
        A Tensor.

    Raises:
        ValueError: for ragged or mixed-type nested lists, or a Tensor whose dtype
            differs from ``dtype``.
        TypeError: for values that cannot take the requested dtype.

    Example:
        >>> import minitf as tf
        >>> tf.convert_to_tensor([1, 2, 3])
        <tf.Tensor: shape=(3,), dtype=int32, numpy=array([1, 2, 3], dtype=int32)>
    """
    if isinstance(value, Tensor):
        if dtype is not None and _dtypes.as_dtype(dtype) is not value._dtype:
            raise ValueError(
                f"Tensor conversion requested dtype {_dtypes.as_dtype(dtype).name} for "
                f"Tensor with dtype {value._dtype.name}: {value!r}. Use tf.cast(x, "
                f"tf.{_dtypes.as_dtype(dtype).name}) to change a tensor's dtype.")
        return value
    as_tensor = getattr(type(value), "_as_tensor", None)
    if as_tensor is not None:
        return convert_to_tensor(as_tensor(value), dtype)
    if dtype is None and dtype_hint is not None:
        try:
            return _wrap_host(to_array(value, _dtypes.as_dtype(dtype_hint)))
        except (TypeError, ValueError):
            pass
    return _wrap_host(to_array(value, None if dtype is None else _dtypes.as_dtype(dtype)))

"""``Tensor``: an immutable value with a dtype and a device, and conversion into one.

A Tensor wraps a *buffer* owned by a backend (a NumPy array on the CPU, a torch CUDA
tensor on the GPU) and never changes after it is made: every op returns a new tensor.
Its ``repr`` and ``str`` are TensorFlow's, character for character, so a tutorial's
output matches TensorFlow's.

Operators (``+``, ``@``, ``[]``...) are attached by :mod:`minitf.ops` once the ops exist.

Example:
    >>> import minitf as tf
    >>> x = tf.constant([[1., 2.], [3., 4.]])
    >>> x
    <tf.Tensor: shape=(2, 2), dtype=float32, numpy=
    array([[1., 2.],
           [3., 4.]], dtype=float32)>
    >>> print(x[0])
    tf.Tensor([1. 2.], shape=(2,), dtype=float32)
"""

from __future__ import annotations

from typing import Any, Iterator, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf.backends import numpy_backend  # noqa: F401  (registers the host buffers)
from minitf.core import interpreters
from minitf.core.spec import TensorShape, shape_str

__all__ = ["Tensor", "convert_to_tensor", "is_tensor", "host_array"]


class Tensor:
    """An immutable multi-dimensional array with a dtype, like ``tf.Tensor``.

    Tensors are made by ops (``tf.constant``, ``tf.add``...), never by calling this class.

    Example:
        >>> import minitf as tf
        >>> t = tf.constant([1, 2, 3])
        >>> t.shape, t.dtype, t.numpy()
        (TensorShape([3]), tf.int32, array([1, 2, 3], dtype=int32))
    """

    __slots__ = ("_value", "_dtype")
    # NumPy defers `ndarray + Tensor` to Tensor.__radd__ when this is higher than its own.
    __array_priority__ = 100

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError(
            "Tensors are not created by calling tf.Tensor(...); use tf.constant(value) or "
            "tf.convert_to_tensor(value).")

    # -- static facts ----------------------------------------------------------------
    @property
    def dtype(self) -> _dtypes.DType:
        """The element type, e.g. ``tf.float32``."""
        return self._dtype

    @property
    def shape(self) -> TensorShape:
        """The shape as a :class:`TensorShape`."""
        return TensorShape._from_tuple(tuple(self._value.shape))

    @property
    def _shape(self) -> tuple:
        # Internal: the shape as a plain tuple (None entries only for graph tensors).
        # ndarray.shape is a tuple and torch.Size a tuple subclass: no copy needed.
        return self._value.shape

    def get_shape(self) -> TensorShape:
        """Alias of :attr:`shape`."""
        return self.shape

    @property
    def ndim(self) -> int:
        """The rank."""
        return len(self._value.shape)

    @property
    def device(self) -> str:
        """The full name of the device holding the buffer."""
        return interpreters.backend_of(self._value).device_name

    @property
    def name(self) -> str:
        """Eager tensors have no name (TF raises the same AttributeError)."""
        raise AttributeError("Tensor.name is undefined when eager execution is enabled.")

    # -- values ----------------------------------------------------------------------
    def numpy(self) -> Any:
        """A NumPy copy of the value (a NumPy scalar for rank 0, as in TF).

        Example:
            >>> import minitf as tf
            >>> tf.constant(3.0).numpy()
            np.float32(3.0)
        """
        v = host_array(self)
        return v[()] if v.ndim == 0 else v.copy()

    def __array__(self, dtype: Any = None, copy: Optional[bool] = None) -> np.ndarray:
        v = host_array(self)
        if dtype is not None and v.dtype != dtype:
            return v.astype(dtype)
        return v.copy() if copy else v

    def __len__(self) -> int:
        shape = self._shape
        if not shape:
            raise TypeError("Scalar tensor has no `len()`")
        if shape[0] is None:
            raise TypeError("len() of a graph tensor with unknown first dimension; use "
                            "tf.shape(x)[0].")
        return shape[0]

    def __iter__(self) -> Iterator["Tensor"]:
        shape = self._shape
        if not shape:
            raise TypeError("Cannot iterate over a scalar tensor.")
        from minitf.ops.joining import unstack
        return iter(unstack(self))

    def __bool__(self) -> bool:
        v = host_array(self)
        # TF: an empty tensor is False; more than one element is ambiguous (ValueError).
        return False if v.size == 0 else bool(v)

    def __float__(self) -> float:
        # TF converts any one-element tensor ([2.5] too); NumPy 2 only rank-0 arrays.
        v = host_array(self)
        return float(v.reshape(()) if v.size == 1 else v)

    def __int__(self) -> int:
        return int(host_array(self))  # rank 0 only, as TF 2.21

    def __index__(self) -> int:
        if not (self._dtype.is_integer) or self._shape != ():
            raise TypeError(
                f"Only integer scalar tensors can be used as an index; got shape "
                f"{shape_str(self._shape)} dtype {self._dtype.name}.")
        return int(host_array(self))

    def __hash__(self) -> int:
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")

    def ref(self) -> "Reference":
        """A hashable reference to this tensor (for use as a dict key).

        Example:
            >>> import minitf as tf
            >>> t = tf.constant(1)
            >>> {t.ref(): "one"}[t.ref()]
            'one'
        """
        return Reference(self)

    experimental_ref = ref

    def __copy__(self) -> "Tensor":
        return self  # immutable

    def __deepcopy__(self, memo: dict) -> "Tensor":
        return self

    def __reduce__(self) -> tuple:
        return (convert_to_tensor, (self.numpy(),))

    # -- printing: TensorFlow's formats exactly ---------------------------------------
    def __repr__(self) -> str:
        return (f"<tf.Tensor: shape={shape_str(self._shape)}, dtype={self._dtype.name}, "
                f"numpy={numpy_text(host_array(self), is_repr=True)}>")

    def __str__(self) -> str:
        return (f"tf.Tensor({numpy_text(host_array(self))}, shape={shape_str(self._shape)}, "
                f"dtype={self._dtype.name})")


class Reference:
    """A hashable handle on a tensor or variable, compared by identity (``tensor.ref()``)."""

    __slots__ = ("_obj",)

    def __init__(self, obj: Any) -> None:
        self._obj = obj

    def deref(self) -> Any:
        """The referenced object."""
        return self._obj

    def __hash__(self) -> int:
        return id(self._obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reference) and other._obj is self._obj

    def __repr__(self) -> str:
        return f"<Reference wrapping {self._obj!r}>"


interpreters._set_tensor_class(Tensor)


def host_array(t: Any) -> np.ndarray:
    """The tensor's value as a host ndarray (no copy for NumPy buffers)."""
    v = t._value
    if v is None:
        raise _symbolic_value_error(t)
    if isinstance(v, np.ndarray):
        return v
    if isinstance(v, np.generic):
        return np.asarray(v)
    return interpreters.backend_of(v).to_numpy(v)


def _symbolic_value_error(t: Any) -> Exception:
    return NotImplementedError(
        "Cannot convert a symbolic tf.Tensor to a NumPy value: this tensor belongs to a "
        "tf.function being traced and has no value yet. Use tf ops on it inside the "
        "function (tf.print to see it when it runs), or return it and call .numpy() on "
        "the result.")


def numpy_text(value: np.ndarray, is_repr: bool = False) -> str:
    """How TensorFlow prints a value inside ``repr``/``str`` of a tensor or variable."""
    if value.ndim == 0:
        item = value.item()
        if value.dtype == object and isinstance(item, str):
            item = item.encode()
        text = repr(item) if is_repr else str(value[()])
    else:
        if value.dtype == object:
            value = np.vectorize(lambda s: s.encode() if isinstance(s, str) else s,
                                 otypes=[object])(value)
        text = repr(value) if is_repr else str(value)
    if "\n" in text:
        text = "\n" + text
    return text


def is_tensor(x: Any) -> bool:
    """Whether ``x`` is a tensor (``tf.is_tensor``).

    Example:
        >>> import minitf as tf
        >>> tf.is_tensor(tf.constant(1)), tf.is_tensor(1)
        (True, False)
    """
    return isinstance(x, Tensor)


# Conversion lives in its own module (it needs Tensor, defined above); re-exported here,
# where the rest of minitf imports it from.
from minitf.conversion import (  # noqa: E402, F401
    _python_to_array, _wrap_host, convert_to_tensor, to_array,
)

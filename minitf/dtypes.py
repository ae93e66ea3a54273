"""Data types with TensorFlow's names, reprs and rules.

A :class:`DType` wraps one NumPy dtype. minitf follows TensorFlow's strictness: two
tensors of different dtypes never combine implicitly (``int32 + float32`` is an
``InvalidArgumentError``), so every conversion in a program is a visible ``tf.cast``.

Example:
    >>> import minitf as tf
    >>> tf.float32
    tf.float32
    >>> tf.float32.as_numpy_dtype
    <class 'numpy.float32'>
    >>> tf.int8.max
    127
"""

from __future__ import annotations

from typing import Any

import numpy as np

_pybool = bool  # Python's bool, saved before `bool` below becomes tf.bool

__all__ = [
    "DType", "as_dtype",
    "float16", "float32", "float64", "half", "double",
    "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool",
    "string",
]


class DType:
    """A tensor element type, such as ``tf.float32``.

    Args:
        name: TensorFlow's name of the type (``"float32"``).
        numpy_dtype: the NumPy dtype that stores it.

    Example:
        >>> import minitf as tf
        >>> tf.float32.is_floating, tf.int32.is_integer, tf.bool.is_bool
        (True, True, True)
    """

    __slots__ = ("_name", "_np", "_kind", "_scalars")

    def __init__(self, name: str, numpy_dtype: Any) -> None:
        self._name = name
        self._np = np.dtype(numpy_dtype)
        # NumPy's kind letter ("f", "i", "u", "b", "O"): ops check it on every call.
        self._kind = self._np.kind
        self._scalars: dict = {}  # Python number -> NumPy scalar; see scalar()

    def scalar(self, number: Any) -> Any:
        """The NumPy scalar of this dtype for a Python number, made once per number.

        Making one costs ~0.5 µs (``np.float32(0.01)``); a training step makes the same
        few (the learning rate, a batch size) every time. NumPy scalars are immutable,
        so one serves every caller. Zero is not cached: ``-0.0 == 0.0`` as dict keys.

        Example:
            >>> import minitf as tf
            >>> tf.float32.scalar(0.5), tf.float32.scalar(0.5) is tf.float32.scalar(0.5)
            (np.float32(0.5), True)
        """
        got = self._scalars.get(number)
        if got is None or not number:
            got = self._np.type(number)
            if number:
                if len(self._scalars) >= 256:  # a loop over many values: start over
                    self._scalars.clear()
                self._scalars[number] = got
        return got

    @property
    def name(self) -> str:
        """TensorFlow's name, e.g. ``'float32'``."""
        return self._name

    @property
    def as_numpy_dtype(self) -> type:
        """The NumPy scalar type, e.g. ``numpy.float32`` (TF returns the type, not a dtype)."""
        return self._np.type

    @property
    def np(self) -> np.dtype:
        """The NumPy ``dtype`` object (minitf's internal handle)."""
        return self._np

    @property
    def is_floating(self) -> bool:
        """True for float16, float32 and float64."""
        return self._np.kind == "f"

    @property
    def is_integer(self) -> bool:
        """True for the signed and unsigned integer types (not bool)."""
        return self._np.kind in "iu"

    @property
    def is_unsigned(self) -> bool:
        """True for uint8 and the other unsigned integers."""
        return self._np.kind == "u"

    @property
    def is_bool(self) -> bool:
        """True for ``tf.bool``."""
        return self._np.kind == "b"

    @property
    def is_complex(self) -> bool:
        """Always False: minitf has no complex types."""
        return False

    @property
    def is_numeric(self) -> bool:
        """True for floats and integers."""
        return self.is_floating or self.is_integer

    @property
    def size(self) -> int:
        """Bytes per element."""
        return self._np.itemsize

    @property
    def min(self) -> Any:
        """The smallest representable value (``-inf`` is not it: TF gives the finite minimum).

        A NumPy scalar for floats, a Python int for integers (as TF); bool and string
        have none (TypeError).
        """
        if self.is_floating:
            return np.finfo(self._np).min
        if not self.is_integer:
            raise TypeError(f"Cannot find minimum value of {self} with type {self}.")
        return int(np.iinfo(self._np).min)

    @property
    def max(self) -> Any:
        """The largest representable finite value (see :attr:`min`)."""
        if self.is_floating:
            return np.finfo(self._np).max
        if not self.is_integer:
            raise TypeError(f"Cannot find maximum value of {self} with type {self}.")
        return int(np.iinfo(self._np).max)

    @property
    def base_dtype(self) -> DType:
        """The dtype itself (TF 1 reference dtypes do not exist in minitf)."""
        return self

    @property
    def real_dtype(self) -> DType:
        """The dtype itself (no complex types)."""
        return self

    def is_compatible_with(self, other: Any) -> bool:
        """Whether ``other`` names the same type.

        Example:
            >>> import minitf as tf
            >>> tf.float32.is_compatible_with("float32")
            True
        """
        try:
            return as_dtype(other) is self
        except TypeError:
            return False

    def __repr__(self) -> str:
        return f"tf.{self._name}"

    def __str__(self) -> str:
        # TensorFlow prints dtypes as <dtype: 'float32'> through print() and str().
        return f"<dtype: '{self._name}'>"

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if other is None:
            return False
        try:
            return as_dtype(other) is self
        except TypeError:
            return False

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self._name)

    def __reduce__(self) -> tuple:
        return (as_dtype, (self._name,))


float16 = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
uint32 = DType("uint32", np.uint32)
uint64 = DType("uint64", np.uint64)
bool = DType("bool", np.bool_)  # noqa: A001 - TF's public name is tf.bool
# Strings are stored as NumPy object arrays of ``bytes``, as TF's ``.numpy()`` shows them;
# only creation, equality, printing and tf.data pass them around.
string = DType("string", np.object_)
half = float16
double = float64

ALL_DTYPES: tuple[DType, ...] = (
    float16, float32, float64, int8, int16, int32, int64,
    uint8, uint16, uint32, uint64, bool, string,
)
_BY_NAME: dict[str, DType] = {d.name: d for d in ALL_DTYPES}
_BY_NAME.update({"half": float16, "double": float64})
# NumPy dtype -> DType. Looked up on every op result, so a plain dict keyed by np.dtype.
_BY_NUMPY: dict[np.dtype, DType] = {d.np: d for d in ALL_DTYPES}


def from_numpy(np_dtype: np.dtype) -> DType:
    """The DType of a NumPy dtype (unicode strings map to ``tf.string``)."""
    try:
        return _BY_NUMPY[np_dtype]
    except KeyError:
        if np_dtype.kind in "USO":
            return string
        raise TypeError(
            f"NumPy dtype {np_dtype} has no minitf equivalent; cast the array to one of "
            f"{', '.join(d.name for d in ALL_DTYPES)} first."
        ) from None


def as_dtype(type_value: Any) -> DType:
    """Converts a name, NumPy type or DType into a :class:`DType`.

    Args:
        type_value: ``tf.float32``, ``"float32"``, ``np.float32``, ``np.dtype('float32')``
            or a Python type (as in TF: ``float`` → float32, ``bool`` → bool,
            ``int`` → int64 through NumPy).

    Returns:
        The matching DType.

    Raises:
        TypeError: if the value names no dtype.

    Example:
        >>> import minitf as tf
        >>> import numpy as np
        >>> tf.as_dtype(np.int64)
        tf.int64
    """
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, str):
        try:
            return _BY_NAME[type_value]
        except KeyError:
            pass
    elif type_value is float:
        return float32
    elif type_value is str or type_value is bytes:
        raise TypeError(f"Cannot convert the argument `type_value`: {type_value!r} to a "
                        f"TensorFlow DType; use tf.string.")
    elif type_value is int:
        # TF refuses: a Python int could be int32 or int64.
        raise TypeError(f"Cannot convert the argument `type_value`: {type_value!r} to a "
                        f"TensorFlow DType; name the width: tf.int32 or tf.int64.")
    elif type_value is _pybool:
        return bool
    else:
        try:
            return from_numpy(np.dtype(type_value))
        except (TypeError, ValueError):
            pass
    raise TypeError(
        f"Cannot convert {type_value!r} to a dtype. Use one of: "
        f"{', '.join('tf.' + d.name for d in ALL_DTYPES)}."
    )


def __getattr__(name: str) -> Any:
    # tf.dtypes.cast is tf.cast; imported lazily (the ops import this module).
    if name == "cast":
        from minitf.ops.elementwise import cast
        return cast
    raise AttributeError(f"module 'minitf.dtypes' has no attribute {name!r}")

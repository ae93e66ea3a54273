"""Static types: :class:`TensorShape` and :class:`TensorSpec`.

A ``TensorSpec`` (a shape that may hold ``None`` dims, plus a dtype) is what abstract
evaluation works on: tracing a function computes the spec of every value without
computing the value.

Example:
    >>> import minitf as tf
    >>> tf.TensorShape([None, 3])
    TensorShape([None, 3])
    >>> tf.TensorSpec([2], tf.float32)
    TensorSpec(shape=(2,), dtype=tf.float32, name=None)
"""

from __future__ import annotations

from typing import Any, Iterator, Optional, Sequence

from minitf import dtypes as _dtypes

__all__ = ["TensorShape", "TensorSpec", "Dimension"]

Dimension = Optional[int]


def _as_dim(d: Any) -> Optional[int]:
    if d is None:
        return None
    if hasattr(d, "value") and not isinstance(d, int):  # a TF1-style Dimension object
        d = d.value
        if d is None:
            return None
    try:
        d = int(d.__index__())
    except (AttributeError, TypeError):
        raise TypeError(f"Dimension value must be an integer or None, got {d!r}.") from None
    if d < 0:
        raise ValueError(f"Dimension {d} must be >= 0 (use None for an unknown size).")
    return d


class TensorShape:
    """The shape of a tensor: a tuple of sizes where ``None`` means unknown.

    ``TensorShape(None)`` has unknown rank. Shapes compare equal to tuples and lists.

    Args:
        dims: a sequence of ints or None, or None for unknown rank.

    Example:
        >>> import minitf as tf
        >>> s = tf.TensorShape([2, 3])
        >>> s.rank, s[0], s.as_list(), s == (2, 3)
        (2, 2, [2, 3], True)
    """

    __slots__ = ("_dims",)

    def __init__(self, dims: Any) -> None:
        if dims is None:
            self._dims: Optional[tuple] = None
        elif isinstance(dims, TensorShape):
            self._dims = dims._dims
        elif isinstance(dims, (int,)) or hasattr(dims, "__index__"):
            self._dims = (_as_dim(dims),)
        else:
            self._dims = tuple(_as_dim(d) for d in dims)

    @classmethod
    def _from_tuple(cls, dims: Optional[tuple]) -> "TensorShape":
        # Internal fast constructor: dims is already a tuple of int/None (or None).
        s = object.__new__(cls)
        s._dims = dims
        return s

    @property
    def rank(self) -> Optional[int]:
        """The number of dimensions, or None if unknown."""
        return None if self._dims is None else len(self._dims)

    @property
    def ndims(self) -> Optional[int]:
        """Alias of :attr:`rank`."""
        return self.rank

    @property
    def dims(self) -> Optional[list]:
        """The dimensions as a list (None entries for unknown sizes)."""
        return None if self._dims is None else list(self._dims)

    def as_list(self) -> list:
        """The dimensions as a Python list.

        Raises:
            ValueError: if the rank is unknown.

        Example:
            >>> import minitf as tf
            >>> tf.TensorShape([None, 4]).as_list()
            [None, 4]
        """
        if self._dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self._dims)

    def as_tuple(self) -> Optional[tuple]:
        """The dimensions as a tuple (minitf extra; None for unknown rank)."""
        return self._dims

    def is_fully_defined(self) -> bool:
        """True when the rank and every dimension are known."""
        return self._dims is not None and all(d is not None for d in self._dims)

    def num_elements(self) -> Optional[int]:
        """The number of elements, or None if not fully defined."""
        if not self.is_fully_defined():
            return None
        n = 1
        for d in self._dims:
            n *= d
        return n

    def is_compatible_with(self, other: Any) -> bool:
        """Whether the two shapes could describe the same tensor (None matches anything).

        Example:
            >>> import minitf as tf
            >>> tf.TensorShape([None, 3]).is_compatible_with([5, 3])
            True
        """
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return True
        if len(self._dims) != len(other._dims):
            return False
        return all(a is None or b is None or a == b for a, b in zip(self._dims, other._dims))

    def merge_with(self, other: Any) -> "TensorShape":
        """The most specific shape compatible with both.

        Raises:
            ValueError: if the shapes are incompatible.
        """
        other = as_shape(other)
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are not compatible.")
        if self._dims is None:
            return other
        if other._dims is None:
            return self
        return TensorShape([a if a is not None else b for a, b in zip(self._dims, other._dims)])

    def most_specific_compatible_shape(self, other: Any) -> "TensorShape":
        """The most specific shape that both shapes are compatible with (used by retracing).

        Example:
            >>> import minitf as tf
            >>> tf.TensorShape([2, 3]).most_specific_compatible_shape([4, 3])
            TensorShape([None, 3])
        """
        other = as_shape(other)
        if self._dims is None or other._dims is None or len(self._dims) != len(other._dims):
            return TensorShape(None)
        return TensorShape([a if a == b else None for a, b in zip(self._dims, other._dims)])

    def concatenate(self, other: Any) -> "TensorShape":
        """The shape with ``other``'s dimensions appended."""
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return TensorShape(None)
        return TensorShape(self._dims + other._dims)

    def with_rank(self, rank: int) -> "TensorShape":
        """This shape if it has the given rank (unknown rank becomes ``rank`` Nones)."""
        if self._dims is None:
            return TensorShape([None] * rank)
        if len(self._dims) != rank:
            raise ValueError(f"Shape {self} must have rank {rank}.")
        return self

    def assert_is_compatible_with(self, other: Any) -> None:
        """Raises ValueError if the shapes are not compatible."""
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {as_shape(other)} are incompatible")

    def __len__(self) -> int:
        if self._dims is None:
            raise ValueError("Cannot take the length of shape with unknown rank.")
        return len(self._dims)

    def __iter__(self) -> Iterator[Optional[int]]:
        if self._dims is None:
            raise ValueError("Cannot iterate over a shape with unknown rank.")
        return iter(self._dims)

    def __getitem__(self, key: Any) -> Any:
        if self._dims is None:
            if isinstance(key, slice):
                return TensorShape(None)
            return None
        if isinstance(key, slice):
            return TensorShape._from_tuple(self._dims[key])
        return self._dims[key]

    def __bool__(self) -> bool:
        return self._dims is not None

    def __eq__(self, other: object) -> bool:
        try:
            other = as_shape(other)
        except (TypeError, ValueError):
            return NotImplemented
        return self._dims == other._dims

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash(self._dims)

    def __add__(self, other: Any) -> "TensorShape":
        return self.concatenate(other)

    def __radd__(self, other: Any) -> "TensorShape":
        return as_shape(other).concatenate(self)

    def __repr__(self) -> str:
        if self._dims is None:
            return "TensorShape(None)"
        return f"TensorShape({list(self._dims)})"

    def __str__(self) -> str:
        if self._dims is None:
            return "<unknown>"
        if len(self._dims) == 1:
            return f"({self._dims[0]},)"
        return "(" + ", ".join(str(d) for d in self._dims) + ")"

    def __reduce__(self) -> tuple:
        return (TensorShape, (self.dims,))


def as_shape(shape: Any) -> TensorShape:
    """Converts a list, tuple or TensorShape to a TensorShape."""
    if isinstance(shape, TensorShape):
        return shape
    return TensorShape(shape)


class TensorSpec:
    """Describes a tensor by shape and dtype: the type of a value in a traced graph.

    Args:
        shape: a shape (None dims allowed; ``None`` for unknown rank).
        dtype: the element type (default float32).
        name: an optional name (used as the argument name in signatures).

    Example:
        >>> import minitf as tf
        >>> spec = tf.TensorSpec([None, 3], tf.float32)
        >>> spec.is_compatible_with(tf.zeros([5, 3]))
        True
    """

    __slots__ = ("_shape", "_dtype", "_name")

    def __init__(self, shape: Any, dtype: Any = _dtypes.float32, name: Optional[str] = None):
        self._shape = as_shape(shape)
        self._dtype = _dtypes.as_dtype(dtype)
        self._name = name

    @classmethod
    def _make(cls, shape: Optional[tuple], dtype: _dtypes.DType) -> "TensorSpec":
        # Internal fast constructor used by abstract evaluation.
        s = object.__new__(cls)
        s._shape = TensorShape._from_tuple(shape)
        s._dtype = dtype
        s._name = None
        return s

    @classmethod
    def from_tensor(cls, tensor: Any, name: Optional[str] = None) -> "TensorSpec":
        """The spec of an existing tensor."""
        return cls(tensor.shape, tensor.dtype, name)

    @property
    def shape(self) -> TensorShape:
        """The (possibly partial) shape."""
        return self._shape

    @property
    def dtype(self) -> _dtypes.DType:
        """The element type."""
        return self._dtype

    @property
    def name(self) -> Optional[str]:
        """The optional name."""
        return self._name

    def is_compatible_with(self, other: Any) -> bool:
        """Whether a tensor or spec fits this spec (same dtype, compatible shape)."""
        return self._dtype == other.dtype and self._shape.is_compatible_with(other.shape)

    def most_specific_compatible_type(self, other: "TensorSpec") -> "TensorSpec":
        """The spec that covers both (dims that differ become None)."""
        if self._dtype != other.dtype:
            raise ValueError(f"No TensorSpec covers both {self} and {other}: dtypes differ.")
        return TensorSpec(self._shape.most_specific_compatible_shape(other.shape), self._dtype,
                          self._name)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, TensorSpec) and self._dtype is other._dtype
                and self._shape == other._shape and self._name == other._name)

    def __hash__(self) -> int:
        return hash((self._shape._dims, self._dtype, self._name))

    def __repr__(self) -> str:
        name = "None" if self._name is None else repr(self._name)
        return f"TensorSpec(shape={self._shape}, dtype={self._dtype!r}, name={name})"


def shape_str(shape: Sequence) -> str:
    """Formats a shape tuple the way TF prints shapes: ``(2, 3)``, ``(2,)``, ``()``."""
    return str(TensorShape._from_tuple(tuple(shape)))

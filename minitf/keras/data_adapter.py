"""Turning ``fit``'s inputs into batches: NumPy arrays, tensors, or a dataset.

Arrays are batched by *slicing*: once per epoch the samples are permuted with one
fancy-index copy per array, and each batch is then a contiguous view wrapped as a tensor
without another copy. A ``tf.data.Dataset`` (or any iterable of batches) is iterated as
it is.

Example:
    >>> import numpy as np
    >>> from minitf.keras.data_adapter import ArrayBatches
    >>> data = ArrayBatches(np.arange(10.0), np.arange(10), batch_size=4, shuffle=False)
    >>> [tuple(b[0].shape) for b in data.epoch()]
    [(4,), (4,), (2,)]
"""

from __future__ import annotations

import math
from typing import Any, Iterator, Optional

import numpy as np

from minitf import nest
from minitf.core import interpreters
from minitf.tensor import Tensor, convert_to_tensor, host_array
from minitf.variables import Variable

__all__ = ["unpack_x_y_sample_weight", "pack_x_y_sample_weight", "ArrayBatches",
           "IterableBatches", "make_batches", "train_validation_split", "is_array_like"]


def unpack_x_y_sample_weight(data: Any) -> tuple:
    """``(x, y, sample_weight)`` from a batch that is ``x``, ``(x,)``, ``(x, y)`` or
    ``(x, y, sw)``.

    Example:
        >>> from minitf.keras.data_adapter import unpack_x_y_sample_weight
        >>> unpack_x_y_sample_weight((1, 2))
        (1, 2, None)
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found a tuple of {len(data)} elements.")


def pack_x_y_sample_weight(x: Any, y: Any = None, sample_weight: Any = None) -> tuple:
    """The inverse of :func:`unpack_x_y_sample_weight`.

    Example:
        >>> from minitf.keras.data_adapter import pack_x_y_sample_weight
        >>> pack_x_y_sample_weight(1, 2)
        (1, 2)
    """
    if y is None:
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def is_array_like(x: Any) -> bool:
    """True for arrays, tensors, numbers and (nested) lists/dicts of them.

    Example:
        >>> import numpy as np
        >>> from minitf.keras.data_adapter import is_array_like
        >>> is_array_like([np.zeros(3), 1.0]), is_array_like(iter([]))
        (True, False)
    """
    if isinstance(x, (np.ndarray, Tensor, Variable, int, float, np.number)):
        return True
    if isinstance(x, (list, tuple)):
        return all(is_array_like(v) for v in x)
    if isinstance(x, dict):
        return all(is_array_like(v) for v in x.values())
    return False


def _host(x: Any) -> np.ndarray:
    if isinstance(x, Variable):
        x = x.value()
    arr = host_array(x) if isinstance(x, Tensor) else np.asarray(x)
    if arr.dtype == np.float64:
        arr = arr.astype(np.float32)  # Keras computes in float32 (floatx)
    if arr.ndim == 0:
        raise ValueError(f"fit/evaluate/predict need arrays with a batch axis; got a scalar "
                         f"{arr!r}.")
    return arr


def _as_tensor(arr: np.ndarray) -> Tensor:
    # A view of the epoch's permuted copy, wrapped without another copy or dtype checks.
    if interpreters._state["multi_backend"]:
        return convert_to_tensor(arr)
    t = object.__new__(Tensor)
    t._value = arr
    t._dtype = interpreters._DTYPE_OF_BUFFER_DTYPE[arr.dtype]
    return t


def train_validation_split(arrays: tuple, validation_split: float) -> tuple:
    """Splits every array at ``floor(n · (1 - validation_split))``: the *last* samples
    validate, before any shuffling (Keras's rule).

    Example:
        >>> import numpy as np
        >>> from minitf.keras.data_adapter import train_validation_split
        >>> train, val = train_validation_split((np.arange(10),), 0.2)
        >>> train[0].tolist(), val[0].tolist()
        ([0, 1, 2, 3, 4, 5, 6, 7], [8, 9])
    """
    if not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, got {validation_split}")
    flat = [a for a in nest.flatten(list(arrays)) if a is not None]
    n = len(_host(flat[0]))
    split = int(math.floor(n * (1.0 - validation_split)))
    if split == 0 or split == n:
        raise ValueError(f"validation_split={validation_split} leaves no data for training "
                         f"or validation with {n} samples.")

    def cut(part: slice) -> Any:
        return nest.map_structure(lambda a: None if a is None else _host(a)[part],
                                  list(arrays))
    return tuple(cut(slice(0, split))), tuple(cut(slice(split, None)))


class ArrayBatches:
    """Batches of in-memory arrays, reshuffled every epoch.

    Args:
        x, y, sample_weight: arrays (or nested lists/dicts of arrays) with equal first
            dimensions.
        batch_size: samples per batch (the last batch may be smaller).
        shuffle: permute the samples at the start of each epoch.

    Example:
        >>> import numpy as np
        >>> from minitf.keras.data_adapter import ArrayBatches
        >>> ArrayBatches(np.zeros((10, 2)), batch_size=4).num_batches
        3
    """

    def __init__(self, x: Any, y: Any = None, sample_weight: Any = None, batch_size: int = 32,
                 shuffle: bool = True) -> None:
        self._structure = pack_x_y_sample_weight(x, y, sample_weight)
        self._arrays = [_host(a) for a in nest.flatten(list(self._structure))]
        sizes = {len(a) for a in self._arrays}
        if len(sizes) != 1:
            raise ValueError(
                f"Data cardinality is ambiguous: the arrays have first dimensions "
                f"{[len(a) for a in self._arrays]}. Make sure all arrays contain the same "
                f"number of samples.")
        self.num_samples = sizes.pop()
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.num_batches = max(1, math.ceil(self.num_samples / self.batch_size))

    def epoch(self) -> Iterator[tuple]:
        """One pass over the data, as batch structures of tensors."""
        arrays = self._arrays
        if self.shuffle:
            from minitf.ops.random import generator_for, get_seed
            perm = generator_for(get_seed(None)).permutation(self.num_samples)
            arrays = [a[perm] for a in arrays]
        pack = nest.pack_sequence_as
        structure = list(self._structure)
        bs = self.batch_size
        single = len(arrays) <= 3 and all(not isinstance(s, (list, tuple, dict))
                                          for s in structure)
        for start in range(0, self.num_samples, bs):
            batch = [_as_tensor(a[start:start + bs]) for a in arrays]
            yield tuple(batch) if single else tuple(pack(structure, batch))


class IterableBatches:
    """Batches from a ``tf.data.Dataset`` (or any re-iterable of batches).

    ``num_batches`` is None until one full pass has been seen (the progress bar then
    shows ``Unknown``), as in Keras.

    Example:
        >>> import minitf as tf
        >>> from minitf.keras.data_adapter import IterableBatches
        >>> ds = tf.data.Dataset.range(6).batch(4)
        >>> [tuple(b[0].shape) for b in IterableBatches(ds).epoch()]
        [(4,), (2,)]
    """

    def __init__(self, data: Any) -> None:
        self._data = data
        self.num_batches: Optional[int] = None
        try:
            n = len(data)
            self.num_batches = int(n) if n is not None and n >= 0 else None
        except TypeError:
            pass

    def epoch(self) -> Iterator[tuple]:
        """One pass over the dataset; each element as ``(x, y[, sw])`` tensors."""
        count = 0
        for element in self._data:
            count += 1
            yield tuple(nest.map_structure(_element_tensor, e) for e in _as_tuple(element))
        if self.num_batches is None:
            self.num_batches = count


def _as_tuple(element: Any) -> tuple:
    return tuple(element) if isinstance(element, (tuple, list)) else (element,)


def _element_tensor(v: Any) -> Any:
    if isinstance(v, Tensor) or v is None:
        return v
    return _as_tensor(_host(v)) if isinstance(v, np.ndarray) else convert_to_tensor(v)


class _StepLimited:
    """``steps`` batches per epoch from an endless stream of epochs (steps_per_epoch)."""

    def __init__(self, source: Any, steps: int) -> None:
        self._source, self.num_batches = source, int(steps)
        self._stream: Optional[Iterator] = None

    def epoch(self) -> Iterator[tuple]:
        for _ in range(self.num_batches):
            try:
                if self._stream is None:
                    raise StopIteration
                batch = next(self._stream)
            except StopIteration:
                self._stream = iter(self._source.epoch())
                try:
                    batch = next(self._stream)
                except StopIteration:
                    return
            yield batch


def make_batches(x: Any, y: Any = None, sample_weight: Any = None,
                 batch_size: Optional[int] = None, shuffle: bool = True,
                 steps: Optional[int] = None) -> Any:
    """The right batcher for ``x``: arrays are sliced, datasets iterated.

    Raises:
        ValueError: when a dataset comes with ``y`` or ``batch_size`` (a dataset already
            yields ``(x, y)`` batches).

    Example:
        >>> import numpy as np
        >>> from minitf.keras.data_adapter import make_batches
        >>> type(make_batches(np.zeros((5, 1)), np.zeros(5))).__name__
        'ArrayBatches'
    """
    if is_array_like(x):
        source: Any = ArrayBatches(x, y, sample_weight, batch_size or 32, shuffle)
    else:
        if y is not None:
            raise ValueError("`y` argument is not supported when using a dataset or a "
                             "generator as input: it must yield (x, y) batches itself.")
        if batch_size is not None:
            raise ValueError("`batch_size` is not supported with a dataset input: batch the "
                             "dataset with dataset.batch(batch_size).")
        source = IterableBatches(x)
    return _StepLimited(source, steps) if steps else source

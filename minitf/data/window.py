"""``Dataset.window``: each element is a small dataset of ``size`` consecutive elements.

Window ``k`` starts at input element ``k·shift`` and holds the elements at
``k·shift + j·stride`` for ``j < size`` (fewer at the end, unless ``drop_remainder``).
A window of a tuple (or dict) element is a tuple (or dict) of datasets, one per
component. Windows are usually flattened straight back into tensors:

    ds.window(5, shift=1, drop_remainder=True).flat_map(lambda w: w.batch(5))

gives every run of 5 consecutive elements as one tensor — the sliding windows of the
tf.data guide's time-series section. Only ``size`` elements (plus the stride's gaps)
are held at a time, so an infinite input works.

Example:
    >>> import minitf as tf
    >>> windows = tf.data.Dataset.range(7).window(3, shift=2)
    >>> [[int(x) for x in w] for w in windows]
    [[0, 1, 2], [2, 3, 4], [4, 5, 6], [6]]
"""

from __future__ import annotations

import collections
from typing import Any, Iterator, Optional

from minitf import errors, nest
from minitf.data import structure
from minitf.data.dataset import Dataset
from minitf.data.options import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, count_arg

__all__ = ["WindowDataset"]


class _WindowComponent(Dataset):
    """One component of one window: its rows, in memory (a few elements)."""

    _tf_name = "_VariantDataset"

    def __init__(self, rows: list, spec: Any) -> None:
        super().__init__((), spec)
        self._rows = rows

    def _generate(self) -> Iterator[list]:
        return ([row] for row in self._rows)

    def _cardinality(self) -> int:
        return len(self._rows)


class WindowDataset(Dataset):
    """``window(size, shift, stride, drop_remainder)`` (see the module docstring)."""

    _tf_name = "_WindowDataset"

    def __init__(self, input_dataset: Dataset, size: Any, shift: Any, stride: Any,
                 drop_remainder: bool) -> None:
        size = count_arg(size, "size", "window")
        shift = size if shift is None else count_arg(shift, "shift", "window")
        stride = count_arg(stride, "stride", "window")
        for what, value in (("size", size), ("shift", shift), ("stride", stride)):
            if value <= 0:
                raise errors.InvalidArgumentError(
                    None, None, f"Window {what} must be greater than zero (got {value}). "
                    f"[Op:WindowDataset] window(size, shift, stride): pass positive counts.")
        self._size, self._shift, self._stride = size, shift, stride
        self._drop = bool(drop_remainder)
        spec = nest.map_structure(structure.DatasetSpec, input_dataset.element_spec)
        super().__init__((input_dataset,), spec)

    def _window(self, members: list) -> list:
        # A window as a flat element: one small dataset per component of the input.
        leaves = structure.flatten(self._inputs[0].element_spec)
        return [_WindowComponent([m[i] for m in members], spec)
                for i, spec in enumerate(leaves)]

    def _generate(self) -> Iterator[list]:
        size, shift, stride = self._size, self._shift, self._stride
        span = (size - 1) * stride  # from a window's first element to its last
        inputs = self._inputs[0]._elements()
        buffer: collections.deque = collections.deque()  # (index, flat element)
        next_index, exhausted, start = 0, False, 0
        try:
            while True:
                while not exhausted and next_index <= start + span:
                    flat = next(inputs, None)
                    if flat is None:
                        exhausted = True
                    else:
                        buffer.append((next_index, flat))
                        next_index += 1
                while buffer and buffer[0][0] < start:
                    buffer.popleft()
                members = [flat for i, flat in buffer
                           if i <= start + span and (i - start) % stride == 0]
                if not members or (self._drop and len(members) < size):
                    return  # later windows would be emptier still
                yield self._window(members)
                start += shift
        finally:
            getattr(inputs, "close", lambda: None)()

    def _cardinality(self) -> int:
        n = self._inputs[0]._cardinality()
        if n in (INFINITE_CARDINALITY, UNKNOWN_CARDINALITY):
            return n
        if not self._drop:
            return -(-n // self._shift)  # a window at every start before the end
        last_start = n - 1 - (self._size - 1) * self._stride
        return 0 if last_start < 0 else last_start // self._shift + 1


def window(dataset: Dataset, size: Any, shift: Optional[Any], stride: Any,
           drop_remainder: bool) -> WindowDataset:
    """Builds the window dataset (the method's body lives here, with the class)."""
    return WindowDataset(dataset, size, shift, stride, drop_remainder)

"""Row plans: the vectorised path for pipelines over in-memory arrays.

``from_tensor_slices(arrays)`` needs no per-element work at all: its elements are rows
of arrays that already exist. Transformations that only *choose rows* (``shuffle``,
``take``, ``skip``, ``repeat``, ``cache``) keep that property: they change the order of
row indices, never the data. A :class:`RowPlan` records exactly that — the flat arrays
plus a function giving, for one pass, the row indices in order as *chunks* (a ``slice``
for a contiguous run, an int array otherwise).

``batch`` over a plan then cuts the index stream into groups of ``batch_size`` and
gathers each group with one slice (``x[i:i + 32]``, no copy) or one fancy index
(``x[idx]``, one copy of the batch) per component, instead of stacking 32 single rows.

Example:
    >>> import numpy as np
    >>> from minitf.data.plan import RowPlan, plan_batches
    >>> plan = RowPlan([np.arange(5)], lambda: iter([np.array([4, 0, 3, 1, 2])]), 5)
    >>> [b[0].tolist() for b in plan_batches(plan, 2, drop_remainder=False)]
    [[4, 0], [3, 1], [2]]
"""

from __future__ import annotations

import itertools
from typing import Callable, Iterator, Union

import numpy as np

__all__ = ["RowPlan", "Chunk", "plan_rows", "plan_batches", "take_chunks", "skip_chunks",
           "one_order"]

Chunk = Union[slice, np.ndarray]


class RowPlan:
    """Flat arrays with a shared first dimension, and the row order of each pass.

    Args:
        arrays: the flat components; row ``i`` of the element is ``[a[i] for a in arrays]``.
        orders: called once per pass; yields the pass's row indices as chunks.
        rows_per_pass: how many rows one pass yields (``-1``: infinitely many).

    Example:
        >>> import numpy as np
        >>> from minitf.data.plan import RowPlan, plan_rows
        >>> plan = RowPlan([np.arange(3)], lambda: iter([slice(0, 3)]), 3)
        >>> [int(r[0]) for r in plan_rows(plan)]
        [0, 1, 2]
    """

    __slots__ = ("arrays", "orders", "rows_per_pass", "in_order")

    def __init__(self, arrays: list, orders: Callable[[], Iterator[Chunk]],
                 rows_per_pass: int, in_order: bool = False) -> None:
        self.arrays = arrays
        self.orders = orders
        self.rows_per_pass = rows_per_pass
        # True when a pass is exactly rows 0, 1, ..., rows_per_pass - 1 (plain slices).
        self.in_order = in_order

    @classmethod
    def rows(cls, arrays: list) -> "RowPlan":
        """All rows of ``arrays`` in order (what ``from_tensor_slices`` makes)."""
        n = len(arrays[0])
        return cls(arrays, lambda: iter((slice(0, n),)), n, in_order=True)

    def with_orders(self, orders: Callable[[], Iterator[Chunk]],
                    rows_per_pass: int) -> "RowPlan":
        """The same arrays read in another order."""
        return RowPlan(self.arrays, orders, rows_per_pass)


def _as_indices(chunk: Chunk) -> np.ndarray:
    if isinstance(chunk, slice):
        return np.arange(chunk.start, chunk.stop, dtype=np.int64)
    return chunk


def _chunk_len(chunk: Chunk) -> int:
    if isinstance(chunk, slice):
        return chunk.stop - chunk.start
    return len(chunk)


def _cut(chunk: Chunk, start: int, stop: int) -> Chunk:
    if isinstance(chunk, slice):
        return slice(chunk.start + start, chunk.start + stop)
    return chunk[start:stop]


def take_chunks(chunks: Iterator[Chunk], count: int) -> Iterator[Chunk]:
    """The first ``count`` rows of a chunk stream."""
    left = count
    for chunk in chunks:
        if left <= 0:
            return
        n = _chunk_len(chunk)
        if n > left:
            chunk = _cut(chunk, 0, left)
            n = left
        left -= n
        yield chunk


def skip_chunks(chunks: Iterator[Chunk], count: int) -> Iterator[Chunk]:
    """A chunk stream without its first ``count`` rows."""
    left = count
    for chunk in chunks:
        n = _chunk_len(chunk)
        if left >= n:
            left -= n
            continue
        if left:
            chunk = _cut(chunk, left, n)
            left = 0
        yield chunk


def one_order(chunks: Iterator[Chunk]) -> np.ndarray:
    """A finite chunk stream as one int64 index array (used by ``shuffle`` and ``cache``)."""
    parts = [_as_indices(c) for c in chunks]
    if len(parts) == 1:
        return parts[0]  # (callers index with it; nothing writes into it)
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def plan_rows(plan: RowPlan) -> Iterator[list]:
    """One pass of the plan's elements, one flat row at a time."""
    arrays = plan.arrays
    for chunk in plan.orders():
        rows = range(chunk.start, chunk.stop) if isinstance(chunk, slice) else chunk.tolist()
        for i in rows:
            yield [a[i] for a in arrays]


def plan_batches(plan: RowPlan, batch_size: int, drop_remainder: bool) -> Iterator[list]:
    """One pass of the plan's batches: each a flat list of ``batch_size``-row arrays.

    Contiguous runs are sliced (views: the batch costs no copy); shuffled runs are
    gathered with one fancy index per component. Rows left over at the end of a chunk
    are carried into the next chunk, so batches span chunk (e.g. epoch) boundaries just
    as element-by-element batching would.
    """
    arrays = plan.arrays
    if plan.in_order:
        return _slice_batches(arrays, plan.rows_per_pass, batch_size, drop_remainder)
    return _gathered_batches(plan, batch_size, drop_remainder)


def _gathered_batches(plan: RowPlan, batch_size: int, drop_remainder: bool
                      ) -> Iterator[list]:
    arrays = plan.arrays
    pending = None  # index array of rows waiting for the rest of their batch
    for chunk in plan.orders():
        if isinstance(chunk, slice):
            start, stop = chunk.start, chunk.stop
            if pending is not None:  # complete the open batch, then slice again
                take = min(batch_size - len(pending), stop - start)
                pending = np.concatenate([pending, np.arange(start, start + take)])
                start += take
                if len(pending) < batch_size:
                    continue
                yield [a[pending] for a in arrays]
                pending = None
            end = start + (stop - start) // batch_size * batch_size
            for s in range(start, end, batch_size):
                yield [a[s:s + batch_size] for a in arrays]
            if end < stop:
                pending = np.arange(end, stop, dtype=np.int64)
            continue
        idx = _as_indices(chunk)
        if pending is not None:
            idx = np.concatenate([pending, idx])
            pending = None
        end = len(idx) // batch_size * batch_size
        for s in range(0, end, batch_size):
            sel = idx[s:s + batch_size]
            yield [a[sel] for a in arrays]
        if end < len(idx):
            pending = idx[end:]
    if pending is not None and not drop_remainder:
        yield [a[pending] for a in arrays]


def _slice_batches(arrays: list, rows: int, batch_size: int, drop_remainder: bool
                   ) -> Iterator[list]:
    # The hot loop of from_tensor_slices(...).batch(n): every batch is a slice (a view,
    # no copy). The usual (features, labels) pair is written out to skip building a
    # list comprehension per batch; this loop is most of the pipeline's cost.
    end = rows if not drop_remainder else rows // batch_size * batch_size
    if len(arrays) == 2:
        a0, a1 = arrays
        for s in range(0, end, batch_size):
            e = s + batch_size
            yield [a0[s:e], a1[s:e]]
    else:
        for s in range(0, end, batch_size):
            e = s + batch_size
            yield [a[s:e] for a in arrays]


def repeat_orders(orders: Callable[[], Iterator[Chunk]], count: int) -> Iterator[Chunk]:
    """``count`` passes of a plan's orders back to back (``count < 0``: forever)."""
    passes = itertools.count() if count < 0 else range(count)
    for _ in passes:
        yield from orders()

"""``shuffle``: TensorFlow's buffered shuffle, with its seed semantics.

The algorithm (TF's): fill a buffer with the first ``buffer_size`` elements; then each
output is drawn uniformly from the buffer and its slot refilled with the next input.
When the input runs out, the buffer is emptied in uniformly random order. With
``buffer_size`` at least the dataset's size this is a uniform random permutation; a
smaller buffer only mixes elements that are less than about ``buffer_size`` apart.

Seeds follow ``tf.random``: the pair (global seed, op seed) is fixed when the dataset is
built (a fresh random pair when neither is set), and pass ``k`` over the dataset
shuffles with the stream ``(global, op, k)`` — Philox keyed by the pair, its counter
starting at ``(0, 0, 0, k)`` — so every pass has a new order, yet a rebuilt dataset with
the same seeds replays the same sequence of orders. With
``reshuffle_each_iteration=False`` every pass uses ``k = 0``.

A buffer that holds the whole pass makes one uniform permutation per pass, and those
are drawn ahead in blocks: the ``K`` passes ``bK .. bK+K-1`` take the ``K``
permutations drawn one after another from the stream whose counter starts at
``(0, 0, 1, b)``, where ``K`` is as many as fit in 65536 row numbers (at most 64; one
for 65536 rows or more). Re-keying a generator and shuffling costs a small dataset's
epoch ~30 µs in a training loop (its code is cold by then); a block costs ~3 µs a pass.

Example:
    >>> import minitf as tf
    >>> ds = tf.data.Dataset.range(6).shuffle(6, seed=1)
    >>> a, b = list(ds.as_numpy_iterator()), list(ds.as_numpy_iterator())
    >>> sorted(a) == sorted(b) == list(range(6)), a != b
    (True, True)
    >>> a == list(tf.data.Dataset.range(6).shuffle(6, seed=1).as_numpy_iterator())
    True
"""

from __future__ import annotations

import itertools
import sys
import threading
from typing import Any, Callable, Iterator, Optional

import numpy as np

from minitf import errors
from minitf.data.dataset import Dataset
from minitf.data.options import UNKNOWN_CARDINALITY, count_arg
from minitf.data.plan import RowPlan, one_order
from minitf.ops.random import get_seed

__all__ = ["ShuffleDataset", "buffer_shuffle", "passes_per_block", "shuffle_indices"]

_MASK64 = (1 << 64) - 1
_ZERO_BUFFER = np.zeros(4, np.uint64)
_ZERO_BUFFER.flags.writeable = False
_DRAW_BLOCK = 1024  # random slot numbers drawn per NumPy call in the steady state
_BLOCK_ELEMENTS = 1 << 16  # row numbers in a block of whole-pass permutations (see above)
_BLOCK_PASSES = 64


def passes_per_block(n: int) -> int:
    """How many whole-pass permutations of ``n`` rows are drawn at once (see above).

    Example:
        >>> passes_per_block(201), passes_per_block(10_000), passes_per_block(100_000)
        (64, 6, 1)
    """
    return max(1, min(_BLOCK_PASSES, _BLOCK_ELEMENTS // max(n, 1)))


def buffer_shuffle(items: Iterator[Any], buffer_size: int, rng: np.random.Generator,
                   whole_pass: Optional[Callable[[int], np.ndarray]] = None
                   ) -> Iterator[Any]:
    """TF's shuffle buffer over any iterator (elements or row indices).

    ``whole_pass(n)``, if given, is the order in which a buffer that holds the whole
    input (``n`` items, no draw made) is emptied; by default ``rng.permutation(n)``.

    Example:
        >>> import numpy as np
        >>> from minitf.data.shuffle import buffer_shuffle
        >>> out = list(buffer_shuffle(iter(range(10)), 3, np.random.default_rng(0)))
        >>> sorted(out) == list(range(10))
        True
    """
    # BEGIN SOLUTION data: the shuffle buffer, draws as documented; spec: tests/test_data_shuffle.py
    buf = list(itertools.islice(items, buffer_size))
    slots: Iterator[int] = iter(())
    drew = False
    for item in items:
        # Steady state: the buffer is full (len == buffer_size) and input remains.
        drew = True
        j = next(slots, None)
        if j is None:
            slots = iter(rng.integers(0, len(buf), _DRAW_BLOCK).tolist())
            j = next(slots)
        yield buf[j]
        buf[j] = item
    # Input exhausted: draining by uniform draws without replacement is a permutation.
    order = whole_pass(len(buf)) if whole_pass is not None and not drew \
        else rng.permutation(len(buf))
    for j in order.tolist():
        yield buf[j]
    # END SOLUTION


def shuffle_indices(order: np.ndarray, buffer_size: int, rng: np.random.Generator
                    ) -> np.ndarray:
    """``buffer_shuffle`` of a row-index array, vectorised when the buffer holds it all.

    Makes exactly the random draws ``buffer_shuffle`` makes, so both give the same order.

    Example:
        >>> import numpy as np
        >>> from minitf.data.shuffle import buffer_shuffle, shuffle_indices
        >>> rng = lambda: np.random.default_rng(3)
        >>> order = shuffle_indices(np.arange(6), 6, rng())
        >>> order.tolist() == list(buffer_shuffle(iter(range(6)), 6, rng()))
        True
    """
    if len(order) <= buffer_size:
        return order[rng.permutation(len(order))]
    return np.fromiter(buffer_shuffle(iter(order.tolist()), buffer_size, rng), np.int64,
                       len(order))


class ShuffleDataset(Dataset):
    """``shuffle(buffer_size, seed, reshuffle_each_iteration)``."""

    _tf_name = "_ShuffleDataset"

    def __init__(self, input_dataset: Dataset, buffer_size: Any, seed: Optional[int],
                 reshuffle_each_iteration: Optional[bool]) -> None:
        size = count_arg(buffer_size, "buffer_size", "shuffle")
        if size <= 0 and size != UNKNOWN_CARDINALITY:
            raise errors.InvalidArgumentError(
                None, None, f"shuffle: buffer_size must be greater than zero or "
                f"UNKNOWN_CARDINALITY, got {size}. For a full shuffle pass the dataset's "
                f"size (e.g. x.shape[0]).")
        # UNKNOWN_CARDINALITY asks for a buffer as large as the whole dataset.
        self._buffer_size = sys.maxsize if size == UNKNOWN_CARDINALITY else size
        pair = get_seed(seed)
        if pair is None:  # unseeded: a fixed random pair for this dataset's lifetime
            pair = tuple(int(w) for w in np.random.SeedSequence().generate_state(2, np.uint64))
        self._seed = pair
        self._reshuffle = True if reshuffle_each_iteration is None \
            else bool(reshuffle_each_iteration)
        self._epoch = 0
        self._lock = threading.Lock()  # passes may start in prefetch threads
        self._generator: Optional[np.random.Generator] = None  # see _whole_pass_order
        self._block: Any = None  # ((block index, rows), read-only orders): the last block
        self._made_plan: Any = None  # (the input's plan, this dataset's plan from it)
        self._philox_key: Optional[np.ndarray] = None  # see _philox_state
        super().__init__((input_dataset,), None)

    def _take_epoch(self) -> int:
        # The caller holds self._lock.
        epoch = self._epoch
        if self._reshuffle:
            self._epoch += 1
        return epoch

    def _philox_state(self, epoch: int) -> dict:
        # Pass k draws from Philox keyed by the seed pair, from counter (0, 0, 0, k):
        # streams 2**192 draws apart, so no two passes overlap (TF's stateless RNG is
        # Philox keyed by the seed, too).
        # (The setter copies the arrays: the constant ones are made once per dataset.)
        key = self._philox_key
        if key is None:
            key = self._philox_key = np.array([w & _MASK64 for w in self._seed], np.uint64)
        return {"bit_generator": "Philox",
                "state": {"counter": np.array([0, 0, 0, epoch & _MASK64], np.uint64),
                          "key": key},
                "buffer": _ZERO_BUFFER, "buffer_pos": 4, "has_uint32": 0, "uinteger": 0}

    def _next_rng(self) -> np.random.Generator:
        """A new generator for the next pass (the buffered path draws all pass long)."""
        with self._lock:
            epoch = self._take_epoch()
        return self._rng_for(epoch)

    def _rng_for(self, epoch: int) -> np.random.Generator:
        bits = np.random.Philox()
        bits.state = self._philox_state(epoch)
        return np.random.Generator(bits)

    def _whole_pass_order(self, epoch: int, n: int) -> np.ndarray:
        """Pass ``epoch``'s permutation of ``n`` rows, from its block (see the module
        docstring); the caller holds the lock. Read-only: the block serves later passes."""
        per_block = passes_per_block(n)
        block_index, row = divmod(epoch, per_block)
        block = self._block
        if block is None or block[0] != (block_index, n):
            state = self._philox_state(block_index)
            state["state"]["counter"][2] = 1  # (apart from every pass's own stream)
            rng = self._generator
            if rng is None:
                rng = self._generator = np.random.Generator(np.random.Philox())
            rng.bit_generator.state = state
            orders = np.tile(np.arange(n), (per_block, 1))
            rng.permuted(orders, axis=1, out=orders)  # (row by row: permutation(n) each)
            orders.flags.writeable = False
            block = self._block = ((block_index, n), orders)
        return block[1][row]

    def _shuffled(self, order: np.ndarray) -> np.ndarray:
        """One pass's row order: ``shuffle_indices`` with this pass's generator."""
        if len(order) > self._buffer_size:
            return shuffle_indices(order, self._buffer_size, self._next_rng())
        with self._lock:  # the buffer holds it all: one permutation
            return order[self._whole_pass_order(self._take_epoch(), len(order))]

    def _permutation(self, n: int) -> np.ndarray:
        """``_shuffled(arange(n))`` for an input read in order: the permutation itself."""
        with self._lock:
            return self._whole_pass_order(self._take_epoch(), n)

    def _plan(self) -> Optional[RowPlan]:
        plan = self._inputs[0]._plan()
        made = self._made_plan  # (an input's plan made once gives this one once too)
        if made is not None and made[0] is plan:
            return made[1]
        n = -1 if plan is None else plan.rows_per_pass
        if n < 0:
            return None
        if plan.in_order and n <= self._buffer_size:
            mine = plan.with_orders(lambda: iter((self._permutation(n),)), n)
        else:
            inner = plan.orders
            mine = plan.with_orders(lambda: iter((self._shuffled(one_order(inner())),)), n)
        self._made_plan = (plan, mine)
        return mine

    def _generate(self) -> Iterator[list]:
        if self._plan() is not None:
            return Dataset._generate(self)
        with self._lock:
            epoch = self._take_epoch()

        def whole_pass(n: int) -> np.ndarray:
            with self._lock:
                return self._whole_pass_order(epoch, n)

        return buffer_shuffle(self._inputs[0]._elements(), self._buffer_size,
                              self._rng_for(epoch), whole_pass)

    def _cardinality(self) -> int:
        return self._inputs[0]._cardinality()

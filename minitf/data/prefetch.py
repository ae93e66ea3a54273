"""``prefetch``: a background thread that runs the pipeline ahead of the consumer.

While the training step uses batch ``k``, a producer thread is already making batches
``k + 1 ... k + buffer_size`` and parks them in a bounded buffer. NumPy releases the GIL
in its kernels, so the overlap is real for array work. ``tf.data.AUTOTUNE`` sizes the
buffer from the first element: as many elements as fit in 64 MiB, from 2 to 64.

The thread is tied to one pass: an exception in the producer is re-raised in the
consumer at the element where it happened; abandoning the pass (``break``, or dropping
the iterator) sets a stop flag, empties the buffer so a blocked producer wakes up, and
joins the thread — no thread outlives its pass.

Example:
    >>> import minitf as tf
    >>> ds = tf.data.Dataset.range(5).map(lambda x: x * 2).prefetch(tf.data.AUTOTUNE)
    >>> [int(x) for x in ds]
    [0, 2, 4, 6, 8]
"""

from __future__ import annotations

import collections
import contextvars
import threading
from typing import Any, Iterator, Optional

from minitf.data.dataset import Dataset
from minitf.data.options import AUTOTUNE, autotune_buffer

__all__ = ["PrefetchDataset", "prefetched"]

class _Handoff:
    """A bounded buffer between one producer thread and one consumer.

    The consumer takes *everything* buffered in one locked step, so with small elements
    the two threads trade the GIL once per buffer-full rather than once per element
    (``queue.Queue`` would switch threads for nearly every element, ~10 µs each).
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity  # AUTOTUNE: set from the first element's size
        self.items: collections.deque = collections.deque()
        self.cond = threading.Condition()
        self.done = False      # the producer has finished (normally or with an error)
        self.error: Optional[BaseException] = None
        self.stopped = False   # the consumer has gone away

    def put(self, item: Any) -> bool:
        """Waits for room and appends ``item``; False once the consumer has stopped."""
        if self.capacity == AUTOTUNE:
            self.capacity = autotuned_capacity(item)
        with self.cond:
            while len(self.items) >= self.capacity and not self.stopped:
                self.cond.wait()
            if self.stopped:
                return False
            self.items.append(item)
            if len(self.items) == 1:
                self.cond.notify()
            return True

    def finish(self, error: Optional[BaseException] = None) -> None:
        with self.cond:
            self.done, self.error = True, error
            self.cond.notify()

    def take_all(self) -> list:
        """Everything buffered (waiting for at least one item); [] at the end."""
        with self.cond:
            while not self.items and not self.done:
                self.cond.wait()
            items = list(self.items)
            self.items.clear()
            self.cond.notify()  # the producer may be waiting for room
            return items

    def stop(self) -> None:
        with self.cond:
            self.stopped = True
            self.items.clear()
            self.cond.notify()


# AUTOTUNE buffers as many elements as fit in this many bytes, within [2, 64]. Small
# elements need a deep buffer: each hand-over between the threads costs a GIL switch,
# and a deep buffer lets the consumer take many elements per switch.
AUTOTUNE_BYTES = 64 << 20
AUTOTUNE_RANGE = (2, 64)


def autotuned_capacity(flat: list) -> int:
    """The AUTOTUNE buffer size for elements like ``flat`` (a flat list of arrays).

    Example:
        >>> import numpy as np
        >>> from minitf.data.prefetch import autotuned_capacity
        >>> autotuned_capacity([np.zeros((32, 8), np.float32)])
        64
        >>> autotuned_capacity([np.zeros((32, 224, 224, 3), np.float32)])
        3
    """
    nbytes = max(1, sum(getattr(a, "nbytes", 8) for a in flat))
    low, high = AUTOTUNE_RANGE
    return max(low, min(high, AUTOTUNE_BYTES // nbytes))


def prefetched(dataset: Dataset, buffer_size: int) -> Iterator[list]:
    """One pass over ``dataset`` produced by a background thread, ``buffer_size`` ahead.

    Example:
        >>> import minitf as tf
        >>> from minitf.data.prefetch import prefetched
        >>> [int(flat[0]) for flat in prefetched(tf.data.Dataset.range(3), 2)]
        [0, 1, 2]
    """
    handoff = _Handoff(buffer_size)

    def produce() -> None:
        elements = None
        try:
            elements = dataset._elements()
            for flat in elements:
                if not handoff.put(flat):
                    return
            handoff.finish()
        except BaseException as e:  # noqa: BLE001 - re-raised in the consumer
            handoff.finish(e)
        finally:
            close = getattr(elements, "close", None)
            if close is not None:
                close()  # stops upstream prefetch threads too

    # The thread sees the consumer's context (its tf.device); dataset functions drop tapes.
    context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(produce,), daemon=True,
                              name="minitf-data-prefetch")
    thread.start()
    try:
        while True:
            items = handoff.take_all()
            if not items:
                if handoff.error is not None:
                    raise handoff.error
                return
            yield from items
    finally:
        handoff.stop()
        thread.join()


class PrefetchDataset(Dataset):
    """``prefetch(buffer_size)``: the same elements, made ahead in a thread."""

    _tf_name = "_PrefetchDataset"

    def __init__(self, input_dataset: Dataset, buffer_size: Any) -> None:
        self._buffer_size = autotune_buffer(buffer_size, "prefetch")
        super().__init__((input_dataset,), None)

    def _generate(self) -> Iterator[list]:
        if self._buffer_size == 0:
            return self._inputs[0]._elements()
        return prefetched(self._inputs[0], self._buffer_size)

    def _cardinality(self) -> int:
        return self._inputs[0]._cardinality()

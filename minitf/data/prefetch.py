"""``prefetch``: a background thread that runs the pipeline ahead of the consumer.

While the training step uses batch ``k``, a producer thread is already making batches
``k + 1 ... k + buffer_size`` and parks them in a bounded queue. NumPy releases the GIL
in its kernels, so the overlap is real for array work.

The thread is tied to one pass: an exception in the producer is re-raised in the
consumer at the element where it happened; abandoning the pass (``break``, or dropping
the iterator) sets a stop flag, drains the queue so a blocked producer wakes up, and
joins the thread — no thread outlives its pass.

Example:
    >>> import minitf as tf
    >>> ds = tf.data.Dataset.range(5).map(lambda x: x * 2).prefetch(tf.data.AUTOTUNE)
    >>> [int(x) for x in ds]
    [0, 2, 4, 6, 8]
"""

from __future__ import annotations

import contextvars
import queue
import threading
from typing import Any, Iterator

from minitf.data.dataset import Dataset
from minitf.data.options import autotune_buffer

__all__ = ["PrefetchDataset", "prefetched"]

_ITEM, _END, _ERROR = 0, 1, 2
_POLL_S = 0.05  # how often a producer blocked on a full queue checks the stop flag


def _put(q: queue.Queue, message: tuple, stop: threading.Event) -> bool:
    """Puts ``message`` unless the consumer has stopped; False once it has."""
    while not stop.is_set():
        try:
            q.put(message, timeout=_POLL_S)
            return True
        except queue.Full:
            continue
    return False


def prefetched(dataset: Dataset, buffer_size: int) -> Iterator[list]:
    """One pass over ``dataset`` produced by a background thread, ``buffer_size`` ahead.

    Example:
        >>> import minitf as tf
        >>> from minitf.data.prefetch import prefetched
        >>> [int(flat[0]) for flat in prefetched(tf.data.Dataset.range(3), 2)]
        [0, 1, 2]
    """
    q: queue.Queue = queue.Queue(maxsize=buffer_size)
    stop = threading.Event()

    def produce() -> None:
        elements = None
        try:
            elements = dataset._elements()
            for flat in elements:
                if not _put(q, (_ITEM, flat), stop):
                    return
            _put(q, (_END, None), stop)
        except BaseException as e:  # noqa: BLE001 - re-raised in the consumer
            _put(q, (_ERROR, e), stop)
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
            kind, value = q.get()
            if kind == _ITEM:
                yield value
            elif kind == _END:
                return
            else:
                raise value
    finally:
        stop.set()
        _drain(q)
        thread.join()


def _drain(q: queue.Queue) -> None:
    while True:
        try:
            q.get_nowait()
        except queue.Empty:
            return


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

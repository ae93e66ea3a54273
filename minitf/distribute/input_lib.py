"""Input for several replicas: each worker reads its own shard of every global batch.

The user batches with the **global** batch size ``B`` (what one optimizer step sees in
total). Each global batch is split along its first axis into ``n`` contiguous parts of
about ``B / n`` rows — the first ``B mod n`` parts one row longer, like
``np.array_split`` — and worker ``r`` reads part ``r``. Every worker runs the whole input
pipeline and keeps its part (TensorFlow's sharding "by data"): simple and always
correct, at the cost of each worker reading all the data.

Example:
    >>> from minitf.distribute.input_lib import shard_bounds
    >>> [shard_bounds(10, 4, r) for r in range(4)]
    [(0, 3), (3, 6), (6, 8), (8, 10)]
"""

from __future__ import annotations

import warnings
from typing import Any, Iterator

import numpy as np

from minitf import nest
from minitf.tensor import Tensor, convert_to_tensor

__all__ = ["shard_bounds", "InputContext", "DistributedDataset",
           "DistributedDatasetsFromFunction", "ShardedBatches"]


def shard_bounds(batch_size: int, num_replicas: int, replica_id: int) -> tuple:
    """Rows ``[start, stop)`` of a global batch that ``replica_id`` reads.

    Example:
        >>> shard_bounds(7, 2, 0), shard_bounds(7, 2, 1)
        ((0, 4), (4, 7))
    """
    # BEGIN SOLUTION distribute: a replica's rows of a global batch; spec: tests/test_distribute.py
    base, extra = divmod(int(batch_size), int(num_replicas))
    start = replica_id * base + min(replica_id, extra)
    return start, start + base + (1 if replica_id < extra else 0)
    # END SOLUTION


def _rows(t: Any, start: int, stop: int) -> Any:
    """Rows ``start:stop`` of a batch component (a view for NumPy buffers)."""
    if not isinstance(t, Tensor):
        t = convert_to_tensor(t)
    if not t._shape:
        raise ValueError(f"experimental_distribute_dataset splits each element along its "
                         f"first (batch) axis, but got a scalar {t!r}. Batch the dataset "
                         f"with the global batch size first: dataset.batch(global_batch).")
    if isinstance(t._value, np.ndarray):
        from minitf.keras.data_adapter import _as_tensor
        return _as_tensor(t._value[start:stop])
    return t[start:stop]


def shard_element(element: Any, replica_id: int, num_replicas: int) -> Any:
    """This replica's rows of every tensor of a global batch (a nest).

    Example:
        >>> import minitf as tf
        >>> x, y = shard_element((tf.range(6), tf.range(6) * 10), 1, 2)
        >>> x.numpy().tolist(), y.numpy().tolist()
        ([3, 4, 5], [30, 40, 50])
    """
    if num_replicas == 1:
        return element
    flat = nest.flatten(element)
    size = _batch_size(flat)
    start, stop = shard_bounds(size, num_replicas, replica_id)
    return nest.pack_sequence_as(element, [None if t is None else _rows(t, start, stop)
                                           for t in flat])


def _batch_size(flat: list) -> int:
    for t in flat:
        if t is not None:
            shape = t._shape if isinstance(t, Tensor) else np.shape(t)
            if not shape:
                _rows(t, 0, 0)  # raises the teaching error for scalars
            return int(shape[0])
    return 0


class InputContext:
    """What ``dataset_fn`` needs to build one worker's input pipeline.

    Args:
        num_input_pipelines: how many input pipelines there are (one per worker).
        input_pipeline_id: this pipeline's index (the worker's rank).
        num_replicas_in_sync: how many replicas take each step.

    Example:
        >>> ctx = InputContext(num_input_pipelines=2, input_pipeline_id=1,
        ...                    num_replicas_in_sync=4)
        >>> ctx.get_per_replica_batch_size(64), ctx
        (16, tf.distribute.InputContext(input pipeline id 1, total: 2))
    """

    def __init__(self, num_input_pipelines: int = 1, input_pipeline_id: int = 0,
                 num_replicas_in_sync: int = 1) -> None:
        self.num_input_pipelines = int(num_input_pipelines)
        self.input_pipeline_id = int(input_pipeline_id)
        self.num_replicas_in_sync = int(num_replicas_in_sync)

    def get_per_replica_batch_size(self, global_batch_size: int) -> int:
        """``global_batch_size / num_replicas_in_sync``.

        Raises:
            ValueError: if it does not divide evenly (TF's rule).
        """
        if global_batch_size % self.num_replicas_in_sync:
            raise ValueError(f"The `global_batch_size` {global_batch_size} is not divisible "
                             f"by `num_replicas_in_sync` {self.num_replicas_in_sync}")
        return global_batch_size // self.num_replicas_in_sync

    def __repr__(self) -> str:
        return (f"tf.distribute.InputContext(input pipeline id {self.input_pipeline_id}, "
                f"total: {self.num_input_pipelines})")


class DistributedDataset:
    """A dataset of global batches, read as this worker's shards.

    Iterating yields, for each global batch, the rows this replica reads (possibly none,
    for a last batch smaller than the number of replicas: every worker still takes the
    step, so the collectives stay matched — divide losses by the *global* batch size
    with ``tf.nn.compute_average_loss`` and an empty shard contributes zero).

    Example:
        >>> import minitf as tf
        >>> ds = DistributedDataset(tf.data.Dataset.range(6).batch(4), replica_id=1,
        ...                         num_replicas=2)
        >>> [x.numpy().tolist() for x in ds]
        [[2, 3], [5]]
    """

    def __init__(self, dataset: Any, replica_id: int, num_replicas: int) -> None:
        self._dataset = dataset
        self._replica_id, self._num_replicas = int(replica_id), int(num_replicas)

    def __iter__(self) -> Iterator[Any]:
        for element in self._dataset:
            yield shard_element(element, self._replica_id, self._num_replicas)

    @property
    def element_spec(self) -> Any:
        """The dataset's element spec (shards keep it: the batch axis is unknown)."""
        return self._dataset.element_spec

    def __repr__(self) -> str:
        return (f"<DistributedDataset: replica {self._replica_id} of {self._num_replicas}, "
                f"over {self._dataset!r}>")


class DistributedDatasetsFromFunction:
    """The per-worker dataset made by ``dataset_fn(input_context)``, iterated as is.

    Example:
        >>> import minitf as tf
        >>> [int(x) for x in DistributedDatasetsFromFunction(tf.data.Dataset.range(2))]
        [0, 1]
    """

    def __init__(self, dataset: Any) -> None:
        self._dataset = dataset

    def __iter__(self) -> Iterator[Any]:
        return iter(self._dataset)

    @property
    def element_spec(self) -> Any:
        """The per-worker dataset's element spec."""
        return self._dataset.element_spec


class ShardedBatches:
    """Keras's batches (``fit``/``evaluate``), each cut to this worker's shard.

    Two details keep the workers in step, because every training step ends in a
    collective that all of them must join:

    * array data shuffled by ``fit`` is shuffled with a seed shared by all workers
      (rank 0's, broadcast once), so they cut the *same* global batches;
    * a last global batch with fewer rows than replicas is skipped by every worker
      (at most ``num_replicas - 1`` samples per epoch), since an empty shard would make
      Keras's mean loss 0/0.

    Args:
        source: an ``ArrayBatches`` or ``IterableBatches`` of global batches.
        replica_id, num_replicas: this worker and the worker count.
        seed: the shared shuffling seed.

    Example:
        >>> import numpy as np
        >>> from minitf.keras.data_adapter import ArrayBatches
        >>> src = ArrayBatches(np.arange(10.0), batch_size=4, shuffle=False)
        >>> [b[0].numpy().tolist() for b in ShardedBatches(src, 1, 2, seed=0).epoch()]
        [[2.0, 3.0], [6.0, 7.0], [9.0]]
    """

    def __init__(self, source: Any, replica_id: int, num_replicas: int, seed: int) -> None:
        self._source = source
        self._replica_id, self._num_replicas = replica_id, num_replicas
        self._seed, self._epochs, self._warned = int(seed), 0, False
        self.num_batches = getattr(source, "num_batches", None)

    def _global_batches(self) -> Iterator[tuple]:
        from minitf.keras.data_adapter import ArrayBatches
        src = self._source
        if isinstance(src, ArrayBatches) and src.shuffle:
            # The same permutation on every worker: (shared seed, epoch number).
            perm = np.random.default_rng([self._seed, self._epochs]).permutation(
                src.num_samples)
            arrays = nest.pack_sequence_as(list(src._structure), [a[perm] for a in src._arrays])
            src = ArrayBatches(*arrays, batch_size=src.batch_size, shuffle=False)
        self._epochs += 1
        return src.epoch()

    def epoch(self) -> Iterator[tuple]:
        """One pass: this worker's shard of each global batch."""
        for batch in self._global_batches():
            rows = _batch_size(nest.flatten(batch))
            if rows < self._num_replicas:  # some worker would get no rows: all skip it
                if not self._warned:
                    self._warned = True
                    warnings.warn(f"A global batch of {rows} row(s) cannot give each of the "
                                  f"{self._num_replicas} replicas a row; every worker skips "
                                  f"it. Choose the number of samples or the batch size so "
                                  f"the last batch has at least {self._num_replicas} rows.",
                                  stacklevel=2)
                continue
            yield shard_element(batch, self._replica_id, self._num_replicas)

"""``tf.distribute.Strategy``: scope, replica context, ``run`` and ``reduce``.

minitf runs **one replica per process** — the way torch's ``DistributedDataParallel``
works — rather than TensorFlow's one thread per device in one process. Every process
runs the same script (SPMD: single program, multiple data); what makes them one
training job is that, at the same points of the program, they all take part in the same
collectives (see :mod:`minitf.distribute.collectives`):

* variables created in ``strategy.scope()`` get rank 0's initial value (a broadcast);
* each worker reads its own shard of each global batch;
* before each optimizer step the gradients are summed over workers;
* ``strategy.reduce`` and ``ReplicaContext.all_reduce`` combine values.

So ``strategy.run(fn, args)`` calls ``fn`` once, on this process's replica, and returns
its result as is: with one local replica there is nothing to wrap (TensorFlow, too,
returns plain tensors when a worker holds a single replica).

Two contexts, as in TensorFlow:

* **cross-replica** — inside ``with strategy.scope():`` but outside ``run``: code that
  sees all replicas (``strategy.reduce``; creating variables);
* **replica** — inside ``strategy.run(fn)``: code that is one replica
  (``tf.distribute.get_replica_context().all_reduce``).

Outside any scope the *default strategy* is in effect: one replica, no communication.

Example:
    >>> import minitf as tf
    >>> strategy = tf.distribute.get_strategy()          # the default strategy
    >>> strategy.num_replicas_in_sync, tf.distribute.has_strategy()
    (1, False)
    >>> strategy.reduce(tf.distribute.ReduceOp.MEAN, tf.constant([1.0, 3.0]), axis=0)
    <tf.Tensor: shape=(), dtype=float32, numpy=2.0>
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Callable, Iterator, Optional

from minitf import nest
from minitf.distribute import collectives
from minitf.distribute.cluster_resolver import ClusterResolver
from minitf.distribute.reduce_op import ReduceOp, as_reduce_op
from minitf.tensor import Tensor, convert_to_tensor

__all__ = ["Strategy", "StrategyExtended", "ReplicaContext", "get_strategy", "has_strategy",
           "get_replica_context", "in_cross_replica_context", "current_strategy"]

# (strategy, in_replica_context) while a scope or ``run`` is active; None outside.
_current: contextvars.ContextVar = contextvars.ContextVar("minitf_strategy", default=None)


class StrategyExtended:
    """``strategy.extended``: facts for code that saves or logs only once per job.

    Example:
        >>> import minitf as tf
        >>> ext = tf.distribute.get_strategy().extended
        >>> ext.should_checkpoint, ext.worker_devices
        (True, ('/job:localhost/replica:0/task:0/device:CPU:0',))
    """

    def __init__(self, strategy: "Strategy") -> None:
        self._strategy = strategy

    @property
    def should_checkpoint(self) -> bool:
        """True on the chief (rank 0): the one worker that should write checkpoints."""
        return self._strategy._resolver.rank == 0

    should_save_summary = should_checkpoint

    @property
    def worker_devices(self) -> tuple:
        """The devices of this worker's replica (one per process in minitf)."""
        return (self._strategy._device,)


class Strategy:
    """A way of running one training step on several replicas in sync.

    Subclasses decide the workers (:class:`MirroredStrategy`,
    :class:`MultiWorkerMirroredStrategy`); this base holds what they share. A base
    ``Strategy`` is the default strategy: one replica, no communication.

    Example:
        >>> import minitf as tf
        >>> s = tf.distribute.get_strategy()
        >>> s.run(lambda x: x * 2, args=(tf.constant(3.0),)).numpy()
        np.float32(6.0)
    """

    def __init__(self, resolver: Optional[ClusterResolver] = None,
                 device: str = "/job:localhost/replica:0/task:0/device:CPU:0") -> None:
        self._resolver = resolver or ClusterResolver()
        self._device = device
        self.extended = StrategyExtended(self)

    # -- facts ----------------------------------------------------------------------------
    @property
    def num_replicas_in_sync(self) -> int:
        """How many replicas take part in each step (the number of worker processes)."""
        return self._resolver.num_workers

    @property
    def cluster_resolver(self) -> ClusterResolver:
        """Who the workers are: ``task_type``, ``task_id``, ``num_workers``..."""
        return self._resolver

    # -- contexts -------------------------------------------------------------------------
    @contextlib.contextmanager
    def scope(self) -> Iterator["Strategy"]:
        """Makes this the current strategy (cross-replica context).

        Variables created inside are *mirrored*: every worker starts from rank 0's
        value. Keras models and optimizers created inside remember the strategy, so
        ``fit`` later shards their batches and all-reduces their gradients.

        Raises:
            RuntimeError: inside the scope of a different strategy (TF's message).

        Example:
            >>> import minitf as tf
            >>> strategy = tf.distribute.MirroredStrategy()
            >>> with strategy.scope():
            ...     print(tf.distribute.get_strategy() is strategy)
            True
        """
        active = _current.get()
        if active is not None and active[0] is not self:
            raise RuntimeError(f"Mixing different tf.distribute.Strategy objects: {self} is "
                               f"not {active[0]}")
        token = _current.set((self, active[1] if active is not None else False))
        try:
            yield self
        finally:
            _current.reset(token)

    def run(self, fn: Callable, args: tuple = (), kwargs: Optional[dict] = None,
            options: Any = None) -> Any:
        """Calls ``fn(*args, **kwargs)`` as this process's replica; returns its result.

        Inside ``fn``, ``tf.distribute.get_replica_context()`` gives the replica's
        context (its id, ``all_reduce``), and optimizers all-reduce gradients.

        Raises:
            RuntimeError: when called from inside another ``run`` (TF's message).

        Example:
            >>> import minitf as tf
            >>> strategy = tf.distribute.MirroredStrategy()
            >>> def step(x):
            ...     ctx = tf.distribute.get_replica_context()
            ...     return ctx.all_reduce("SUM", x)
            >>> strategy.run(step, args=(tf.constant(2.0),)).numpy()
            np.float32(2.0)
        """
        active = _current.get()
        if active is not None and active[1]:
            raise RuntimeError("Method requires being in cross-replica context, use "
                               "get_replica_context().merge_call()")
        token = _current.set((self, True))
        try:
            return fn(*args, **(kwargs or {}))
        finally:
            _current.reset(token)

    # -- reductions -----------------------------------------------------------------------
    def reduce(self, reduce_op: Any, value: Any, axis: Optional[int]) -> Any:
        """Combines a per-replica ``value`` into one value, the same on every worker.

        Args:
            reduce_op: ``ReduceOp.SUM`` or ``ReduceOp.MEAN`` (or ``"SUM"``/``"MEAN"``).
            value: a tensor (or a nest of tensors) that each replica computed.
            axis: None to combine the replicas' values elementwise; an axis to also
                reduce along it — ``MEAN`` then averages over *all* elements of all
                replicas along that axis, not the replicas' means (replicas may hold
                different numbers of elements).

        Raises:
            RuntimeError: inside ``run`` (reduce is a cross-replica method).

        Example:
            >>> import minitf as tf
            >>> s = tf.distribute.get_strategy()
            >>> s.reduce("SUM", tf.constant([[1.0, 2.0], [3.0, 4.0]]), axis=0).numpy()
            array([4., 6.], dtype=float32)
        """
        active = _current.get()
        if active is not None and active[1]:
            raise RuntimeError("`strategy.reduce` is a cross-replica method: call it outside "
                               "`strategy.run` (inside, use tf.distribute.get_replica_context()"
                               ".all_reduce).")
        op = as_reduce_op(reduce_op)
        flat = [convert_to_tensor(v) for v in nest.flatten(value)]
        if axis is None:
            out = self._all_reduce(op, flat)
        else:
            out = _reduce_along_axis(op, flat, axis, self._all_reduce)
        return nest.pack_sequence_as(value, out)

    def _all_reduce(self, op: ReduceOp, tensors: list) -> list:
        """SUM or MEAN of each tensor over the replicas (one collective per dtype)."""
        summed = collectives.all_reduce_tensors(tensors)
        if op is ReduceOp.MEAN and self.num_replicas_in_sync > 1:
            from minitf.ops.elementwise import divide
            return [_divide_keeping_dtype(s, self.num_replicas_in_sync, divide)
                    for s in summed]
        return summed

    def experimental_local_results(self, value: Any) -> tuple:
        """The values this worker's replicas hold: ``(value,)`` with one replica each.

        Example:
            >>> import minitf as tf
            >>> tf.distribute.get_strategy().experimental_local_results(1.0)
            (1.0,)
        """
        return (value,)

    # -- input ----------------------------------------------------------------------------
    def experimental_distribute_dataset(self, dataset: Any, options: Any = None) -> Any:
        """The dataset's global batches, split so each worker reads its own shard.

        Each global batch of ``B`` elements is cut into ``num_replicas_in_sync`` parts of
        about ``B / num_replicas_in_sync`` (the first ``B mod n`` get one more); worker
        ``r`` reads part ``r``. Every worker iterates the whole input pipeline (TF's
        *sharding by data*), so a shuffled dataset needs a fixed seed.

        Example:
            >>> import minitf as tf
            >>> s = tf.distribute.get_strategy()
            >>> ds = s.experimental_distribute_dataset(tf.data.Dataset.range(5).batch(2))
            >>> [x.numpy().tolist() for x in ds]
            [[0, 1], [2, 3], [4]]
        """
        from minitf.distribute.input_lib import DistributedDataset
        return DistributedDataset(dataset, self._resolver.rank, self.num_replicas_in_sync)

    def distribute_datasets_from_function(self, dataset_fn: Callable,
                                          options: Any = None) -> Any:
        """Calls ``dataset_fn(input_context)`` on each worker; its dataset is this
        worker's input as is (``dataset_fn`` shards and batches per replica itself).

        Example:
            >>> import minitf as tf
            >>> s = tf.distribute.get_strategy()
            >>> def make(ctx):
            ...     return tf.data.Dataset.range(4).batch(ctx.get_per_replica_batch_size(2))
            >>> [x.numpy().tolist() for x in s.distribute_datasets_from_function(make)]
            [[0, 1], [2, 3]]
        """
        from minitf.distribute.input_lib import DistributedDatasetsFromFunction, InputContext
        context = InputContext(num_input_pipelines=self.num_replicas_in_sync,
                               input_pipeline_id=self._resolver.rank,
                               num_replicas_in_sync=self.num_replicas_in_sync)
        return DistributedDatasetsFromFunction(dataset_fn(context))

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__name__} object at {id(self):#x}>"


def _divide_keeping_dtype(total: Tensor, count: Any, divide: Callable) -> Tensor:
    # A float mean stays in its dtype; an integer mean truncates, as TF's reductions do.
    if total.dtype.is_floating:
        return divide(total, convert_to_tensor(count, dtype=total.dtype))
    from minitf.ops.elementwise import floordiv
    return floordiv(total, convert_to_tensor(count, dtype=total.dtype))


def _reduce_along_axis(op: ReduceOp, tensors: list, axis: int,
                       all_reduce: Callable[[ReduceOp, list], list]) -> list:
    """Reduces along ``axis`` locally, then over replicas; a MEAN divides the global
    sum by the global count (sums and counts travel in the same collective)."""
    from minitf.ops.reduction import reduce_sum
    sums = [reduce_sum(t, axis=axis) for t in tensors]
    if op is ReduceOp.SUM:
        return all_reduce(ReduceOp.SUM, sums)
    counts = [_count_along(t, axis) for t in tensors]
    reduced = all_reduce(ReduceOp.SUM, sums + counts)
    from minitf.ops.elementwise import divide
    n = len(tensors)
    return [_divide_keeping_dtype(s, c, divide) for s, c in zip(reduced[:n], reduced[n:])]


def _count_along(t: Tensor, axis: int) -> Tensor:
    """The number of elements along ``axis``, in ``t``'s dtype (known when traced, or
    read from the shape at run time when the trace left it unknown)."""
    size = t._shape[axis]
    if size is not None:
        return convert_to_tensor(size, dtype=t.dtype)
    from minitf.ops.elementwise import cast
    from minitf.ops.shape import shape
    return cast(shape(t)[axis], t.dtype)


class ReplicaContext:
    """What the code of one replica can ask: its id, the replica count, ``all_reduce``.

    Example:
        >>> import minitf as tf
        >>> ctx = tf.distribute.get_replica_context()     # the default replica context
        >>> ctx.num_replicas_in_sync, int(ctx.replica_id_in_sync_group)
        (1, 0)
    """

    def __init__(self, strategy: Strategy) -> None:
        self._strategy = strategy

    @property
    def strategy(self) -> Strategy:
        """The strategy this replica belongs to."""
        return self._strategy

    @property
    def num_replicas_in_sync(self) -> int:
        """How many replicas run each step."""
        return self._strategy.num_replicas_in_sync

    @property
    def replica_id_in_sync_group(self) -> Tensor:
        """This replica's index, ``0 .. num_replicas_in_sync - 1`` (an int32 tensor)."""
        from minitf.dtypes import int32
        return convert_to_tensor(self._strategy._resolver.rank, dtype=int32)

    def all_reduce(self, reduce_op: Any, value: Any, options: Any = None) -> Any:
        """SUM or MEAN of ``value`` (a tensor or nest) over all replicas, on every replica.

        Differentiable: a gradient through it is all-reduced too.

        Example:
            >>> import minitf as tf
            >>> ctx = tf.distribute.get_replica_context()
            >>> [float(v) for v in ctx.all_reduce("MEAN", [tf.constant(1.0), tf.constant(4)])]
            [1.0, 4.0]
        """
        flat = [convert_to_tensor(v) for v in nest.flatten(value)]
        out = self._strategy._all_reduce(as_reduce_op(reduce_op), flat)
        return nest.pack_sequence_as(value, out)

    def merge_call(self, merge_fn: Callable, args: tuple = (),
                   kwargs: Optional[dict] = None) -> Any:
        """Runs ``merge_fn(strategy, *args, **kwargs)`` in cross-replica context.

        Example:
            >>> import minitf as tf
            >>> ctx = tf.distribute.get_replica_context()
            >>> ctx.merge_call(lambda s, x: s.reduce("SUM", x, axis=None), args=(1.0,))
            <tf.Tensor: shape=(), dtype=float32, numpy=1.0>
        """
        token = _current.set((self._strategy, False))
        try:
            return merge_fn(self._strategy, *args, **(kwargs or {}))
        finally:
            _current.reset(token)


_DEFAULT = Strategy()


def current_strategy() -> Optional[Strategy]:
    """The strategy of the enclosing scope or ``run``; None under the default strategy.

    Example:
        >>> current_strategy() is None
        True
    """
    active = _current.get()
    return active[0] if active is not None else None


def get_strategy() -> Strategy:
    """The current strategy: the enclosing scope's, else the default strategy.

    Example:
        >>> import minitf as tf
        >>> tf.distribute.get_strategy().num_replicas_in_sync
        1
    """
    return current_strategy() or _DEFAULT


def has_strategy() -> bool:
    """Whether a (non-default) strategy's scope is active.

    Example:
        >>> import minitf as tf
        >>> tf.distribute.has_strategy()
        False
    """
    return current_strategy() is not None


def in_cross_replica_context() -> bool:
    """True inside a strategy's scope but outside ``run`` (TF's rule: False under the
    default strategy).

    Example:
        >>> import minitf as tf
        >>> with tf.distribute.MirroredStrategy().scope():
        ...     print(tf.distribute.in_cross_replica_context())
        True
    """
    active = _current.get()
    return active is not None and not active[1]


def get_replica_context() -> Optional[ReplicaContext]:
    """The replica context inside ``run`` (or under the default strategy); None in
    cross-replica context.

    Example:
        >>> import minitf as tf
        >>> s = tf.distribute.MirroredStrategy()
        >>> with s.scope():
        ...     print(tf.distribute.get_replica_context())
        None
    """
    active = _current.get()
    if active is None:
        return ReplicaContext(_DEFAULT)
    return ReplicaContext(active[0]) if active[1] else None

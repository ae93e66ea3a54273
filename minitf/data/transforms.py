"""Element-wise transformations: ``map``, ``filter``, ``take``, ``skip``, ``repeat``,
``enumerate``, ``shard``, ``take_while`` and ``with_options``.

The cardinality rules are TensorFlow's, including its corner cases (checked against TF
2.21): ``take(-1)`` keeps everything while ``take(-2)`` also keeps everything but
reports an unknown cardinality; ``skip`` with a negative count skips everything;
``repeat`` of an empty dataset is empty even when repeated forever.

Example:
    >>> import minitf as tf
    >>> ds = tf.data.Dataset.range(10).skip(2).take(5).repeat(2)
    >>> int(ds.cardinality()), list(ds.as_numpy_iterator())[:6]
    (10, [np.int64(2), np.int64(3), np.int64(4), np.int64(5), np.int64(6), np.int64(2)])
"""

from __future__ import annotations

import collections
import contextvars
import itertools
from typing import Any, Callable, Iterator, Optional

import numpy as np

from minitf import errors
from minitf.core.spec import TensorSpec
from minitf import dtypes as _dtypes
from minitf.data import structure
from minitf.data.dataset import Dataset
from minitf.data.functions import (StructuredFunction, first_output_spec, normalize_output,
                                   traced_output_spec)
from minitf.data.options import (INFINITE_CARDINALITY, UNKNOWN_CARDINALITY,
                                 autotune_parallelism, count_arg)
from minitf.data.plan import RowPlan, one_order, repeat_orders, skip_chunks, take_chunks
from minitf.tensor import Tensor, host_array

__all__ = ["MapDataset", "FilterDataset", "TakeDataset", "SkipDataset", "RepeatDataset",
           "EnumerateDataset", "ShardDataset", "TakeWhileDataset", "OptionsDataset"]


def _first_element(dataset: Dataset) -> Optional[list]:
    it = dataset._elements()
    try:
        return next(it, None)
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()


class MapDataset(Dataset):
    """``map(fn)``: ``fn`` applied to every element (in order, optionally in threads)."""

    def __init__(self, input_dataset: Dataset, fn: Callable[..., Any],
                 num_parallel_calls: Optional[int]) -> None:
        self._fn = StructuredFunction(fn, input_dataset.element_spec, "map")
        self._threads = autotune_parallelism(num_parallel_calls, "map")
        self._tf_name = "_ParallelMapDataset" if num_parallel_calls is not None \
            else "_MapDataset"
        super().__init__((input_dataset,), self._fn.trace())  # None: found lazily

    def _compute_spec(self) -> Any:
        spec = traced_output_spec(self._fn)
        if spec is None:
            spec = first_output_spec(self._fn, _first_element(self._inputs[0]))
        return spec

    def _apply(self, flat: list, leaves: list) -> list:
        out = structure.flatten(normalize_output(self._fn(flat), "map's result"))
        if len(out) != len(leaves):
            raise errors.InvalidArgumentError(
                None, None, f"map: the function returned {len(out)} components for one "
                f"element and {len(leaves)} for another; every element of a dataset must "
                f"have the same structure (element_spec {self.element_spec}).")
        for a, s in zip(out, leaves):
            if a.dtype != s.dtype.np:
                raise errors.InvalidArgumentError(
                    None, None, f"map: the function returned a {structure._dtype_of(a).name} "
                    f"component where earlier elements gave {s.dtype.name}; every element "
                    f"must have the same dtypes. Use tf.cast inside the function.")
        return out

    def _generate(self) -> Iterator[list]:
        leaves = structure.flatten(self.element_spec)
        inputs = self._inputs[0]._elements()
        if not self._threads:
            return (self._apply(flat, leaves) for flat in inputs)
        return _parallel_map(lambda flat: self._apply(flat, leaves), inputs, self._threads)

    def _cardinality(self) -> int:
        return self._inputs[0]._cardinality()


def _parallel_map(apply: Callable[[list], list], inputs: Iterator[list],
                  threads: int) -> Iterator[list]:
    """``map(apply, inputs)`` computed by ``threads`` workers, results in input order.

    Up to ``threads`` elements are in flight; NumPy releases the GIL inside its kernels,
    so large elements map in parallel. Closing the generator (abandoning the pass)
    cancels what has not started and waits for what has, so no thread outlives it.
    """
    from concurrent.futures import ThreadPoolExecutor
    context = contextvars.copy_context()  # keep tf.device; call_in_pipeline drops tapes
    pool = ThreadPoolExecutor(threads, thread_name_prefix="minitf-data-map")
    pending: collections.deque = collections.deque()
    try:
        for flat in inputs:
            pending.append(pool.submit(context.copy().run, apply, flat))
            if len(pending) >= threads:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _predicate_value(result: Any, op: str) -> bool:
    # A predicate must give a scalar tf.bool (a Python/NumPy bool converts to one).
    if isinstance(result, (bool, np.bool_)):
        return bool(result)
    if isinstance(result, Tensor):
        if result._dtype is _dtypes.bool and result._shape == ():
            return bool(host_array(result))
        spec = TensorSpec(result.shape, result.dtype)
    else:
        arr = np.asarray(result)
        if arr.dtype == np.bool_ and arr.shape == ():
            return bool(arr)
        spec = TensorSpec(arr.shape, structure._dtype_of(arr)) if arr.dtype != object \
            else type(result).__name__
    raise ValueError(f"Invalid `predicate`. `predicate` must return a `tf.bool` scalar "
                     f"tensor, but its return type is {spec}. ({op}: compare explicitly, "
                     f"e.g. `x > 0`, or reduce with tf.reduce_all.)")


def _check_predicate_spec(spec: Any) -> None:
    # With a traced predicate TF checks the result type when the dataset is built.
    if spec is not None and not (isinstance(spec, TensorSpec) and spec.dtype is _dtypes.bool
                                 and spec.shape.rank == 0):
        raise ValueError(f"Invalid `predicate`. `predicate` must return a `tf.bool` scalar "
                         f"tensor, but its return type is {spec}. (Compare explicitly, "
                         f"e.g. `x > 0`, or reduce with tf.reduce_all.)")


class FilterDataset(Dataset):
    """``filter(predicate)``: the elements for which ``predicate`` is True."""

    _tf_name = "_FilterDataset"

    def __init__(self, input_dataset: Dataset, predicate: Callable[..., Any]) -> None:
        self._predicate = StructuredFunction(predicate, input_dataset.element_spec, "filter")
        _check_predicate_spec(self._predicate.trace())
        super().__init__((input_dataset,), input_dataset.element_spec)

    def _generate(self) -> Iterator[list]:
        keep = self._predicate
        return (flat for flat in self._inputs[0]._elements()
                if _predicate_value(keep(flat), "filter"))

    def _cardinality(self) -> int:
        return UNKNOWN_CARDINALITY


class TakeWhileDataset(Dataset):
    """``take_while(predicate)``: elements up to the first for which it is False."""

    _tf_name = "_TakeWhileDataset"

    def __init__(self, input_dataset: Dataset, predicate: Callable[..., Any]) -> None:
        self._predicate = StructuredFunction(predicate, input_dataset.element_spec,
                                             "take_while")
        _check_predicate_spec(self._predicate.trace())
        super().__init__((input_dataset,), input_dataset.element_spec)

    def _generate(self) -> Iterator[list]:
        keep = self._predicate
        return itertools.takewhile(lambda flat: _predicate_value(keep(flat), "take_while"),
                                   self._inputs[0]._elements())

    def _cardinality(self) -> int:
        return UNKNOWN_CARDINALITY


class _RowSelection(Dataset):
    # Shared by take/skip/shard: the input's plan (if any) with a new row order.
    def _plan(self) -> Optional[RowPlan]:
        plan = self._inputs[0]._plan()
        if plan is None:
            return None
        return self._select(plan)

    def _select(self, plan: RowPlan) -> Optional[RowPlan]:
        raise NotImplementedError

    def _generate(self) -> Iterator[list]:
        plan = self._plan()
        if plan is not None:
            return Dataset._generate(self)
        return self._select_elements(self._inputs[0]._elements())

    def _select_elements(self, elements: Iterator[list]) -> Iterator[list]:
        raise NotImplementedError


class TakeDataset(_RowSelection):
    """``take(count)``: the first ``count`` elements (all of them if ``count < 0``)."""

    _tf_name = "_TakeDataset"

    def __init__(self, input_dataset: Dataset, count: Any) -> None:
        self._count = count_arg(count, "count", "take")
        super().__init__((input_dataset,), None)

    def _select(self, plan: RowPlan) -> RowPlan:
        if self._count < 0:
            return plan
        count, inner = self._count, plan.orders
        rows = count if plan.rows_per_pass < 0 else min(count, plan.rows_per_pass)
        return plan.with_orders(lambda: take_chunks(inner(), count), rows)

    def _select_elements(self, elements: Iterator[list]) -> Iterator[list]:
        return elements if self._count < 0 else itertools.islice(elements, self._count)

    def _cardinality(self) -> int:
        # TF's rule verbatim: min(n, count) — so take(-2) of a finite dataset reports -2.
        n, count = self._inputs[0]._cardinality(), self._count
        if n == UNKNOWN_CARDINALITY:
            return UNKNOWN_CARDINALITY
        if n == INFINITE_CARDINALITY:
            return count
        if count == INFINITE_CARDINALITY:
            return n
        return min(n, count)


class SkipDataset(_RowSelection):
    """``skip(count)``: all but the first ``count`` elements (none if ``count < 0``)."""

    _tf_name = "_SkipDataset"

    def __init__(self, input_dataset: Dataset, count: Any) -> None:
        self._count = count_arg(count, "count", "skip")
        super().__init__((input_dataset,), None)

    def _select(self, plan: RowPlan) -> RowPlan:
        count, inner = self._count, plan.orders
        if count < 0:
            return plan.with_orders(lambda: iter(()), 0)
        rows = plan.rows_per_pass if plan.rows_per_pass < 0 else max(
            0, plan.rows_per_pass - count)
        return plan.with_orders(lambda: skip_chunks(inner(), count), rows)

    def _select_elements(self, elements: Iterator[list]) -> Iterator[list]:
        if self._count < 0:
            collections.deque(elements, maxlen=0)  # runs the input to its end, as TF
            return iter(())
        return itertools.islice(elements, self._count, None)

    def _cardinality(self) -> int:
        n = self._inputs[0]._cardinality()
        if n < 0:
            return n
        return 0 if self._count < 0 else max(0, n - self._count)


class ShardDataset(_RowSelection):
    """``shard(num_shards, index)``: every ``num_shards``-th element from ``index``."""

    _tf_name = "_ShardDataset"

    def __init__(self, input_dataset: Dataset, num_shards: Any, index: Any) -> None:
        k = count_arg(num_shards, "num_shards", "shard")
        i = count_arg(index, "index", "shard")
        if k <= 0:
            raise errors.InvalidArgumentError(
                None, None, f"Number of shards must be greater than zero (currently "
                f"num_shards = {k}).")
        if not 0 <= i < k:
            raise errors.InvalidArgumentError(
                None, None, f"Index must be between 0 and {k - 1} (currently index = {i}): "
                f"shard(num_shards, index) keeps the elements at positions index, "
                f"index + num_shards, ...")
        self._k, self._i = k, i
        super().__init__((input_dataset,), None)

    def _select(self, plan: RowPlan) -> Optional[RowPlan]:
        if plan.rows_per_pass < 0:
            return None
        k, i, inner = self._k, self._i, plan.orders
        rows = len(range(i, plan.rows_per_pass, k))
        return plan.with_orders(lambda: iter((one_order(inner())[i::k],)), rows)

    def _select_elements(self, elements: Iterator[list]) -> Iterator[list]:
        return itertools.islice(elements, self._i, None, self._k)

    def _cardinality(self) -> int:
        n = self._inputs[0]._cardinality()
        if n < 0:
            return n
        return n // self._k + (1 if self._i < n % self._k else 0)


class RepeatDataset(Dataset):
    """``repeat(count)``: ``count`` passes over the input (forever if None or negative)."""

    _tf_name = "_RepeatDataset"

    def __init__(self, input_dataset: Dataset, count: Any) -> None:
        self._count = -1 if count is None else count_arg(count, "count", "repeat")
        super().__init__((input_dataset,), None)

    def _plan(self) -> Optional[RowPlan]:
        plan = self._inputs[0]._plan()
        if plan is None:
            return None
        count, n = self._count, plan.rows_per_pass
        if count == 0 or n == 0:
            return plan.with_orders(lambda: iter(()), 0)
        rows = -1 if count < 0 or n < 0 else n * count
        inner = plan.orders
        return plan.with_orders(lambda: repeat_orders(inner, count), rows)

    def _generate(self) -> Iterator[list]:
        if self._plan() is not None:
            return Dataset._generate(self)
        return self._passes()

    def _passes(self) -> Iterator[list]:
        passes = itertools.count() if self._count < 0 else range(self._count)
        for _ in passes:
            empty = True
            for flat in self._inputs[0]._elements():
                empty = False
                yield flat
            if empty:
                return  # repeating an empty dataset forever is still empty (TF does this)

    def _cardinality(self) -> int:
        n, count = self._inputs[0]._cardinality(), self._count
        if count == 0 or n == 0:
            return 0
        if count < 0 or n == INFINITE_CARDINALITY:
            return INFINITE_CARDINALITY
        if n == UNKNOWN_CARDINALITY:
            return UNKNOWN_CARDINALITY
        return n * count


class EnumerateDataset(Dataset):
    """``enumerate(start)``: ``(index, element)`` pairs with an int64 index."""

    _tf_name = "_ZipDataset"  # TF builds enumerate as zip(range(start, ...), dataset)

    def __init__(self, input_dataset: Dataset, start: Any) -> None:
        self._start = count_arg(start, "start", "enumerate")
        super().__init__((input_dataset,), None)

    def _compute_spec(self) -> Any:
        return (TensorSpec._make((), _dtypes.int64), self._inputs[0].element_spec)

    def _generate(self) -> Iterator[list]:
        make = np.int64
        return ([make(i)] + flat
                for i, flat in enumerate(self._inputs[0]._elements(), self._start))

    def _cardinality(self) -> int:
        return self._inputs[0]._cardinality()


class OptionsDataset(Dataset):
    """``with_options(options)``: the same elements, with options attached."""

    _tf_name = "_OptionsDataset"

    def __init__(self, input_dataset: Dataset, options: Any) -> None:
        from minitf.data.options import Options
        if not isinstance(options, Options):
            raise TypeError(f"with_options: expected a tf.data.Options, got "
                            f"{type(options).__name__}.")
        super().__init__((input_dataset,), None)
        self._options = input_dataset._options.merge(options)

    def _plan(self) -> Optional[RowPlan]:
        return self._inputs[0]._plan()

    def _generate(self) -> Iterator[list]:
        return self._inputs[0]._elements()

    def _cardinality(self) -> int:
        return self._inputs[0]._cardinality()

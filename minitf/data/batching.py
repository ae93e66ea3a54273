"""Grouping elements: ``batch``, ``unbatch`` and ``padded_batch``.

``batch(n)`` stacks ``n`` consecutive elements along a new first axis. Over in-memory
rows (a :class:`~minitf.data.plan.RowPlan`) it slices or gathers whole batches at once;
otherwise it collects ``n`` flat elements and ``np.stack``\\ s each component. The batch
dimension of the spec is ``None`` unless ``drop_remainder=True`` guarantees it.

Example:
    >>> import minitf as tf
    >>> ds = tf.data.Dataset.range(7).batch(3)
    >>> [b.numpy().tolist() for b in ds]
    [[0, 1, 2], [3, 4, 5], [6]]
    >>> [int(x) for x in ds.unbatch()] == list(range(7))
    True
"""

from __future__ import annotations

import operator
from typing import Any, Iterator, Optional

import numpy as np

from minitf import errors, nest
from minitf.core import interpreters
from minitf.core.spec import TensorShape, TensorSpec, as_shape
from minitf.data import structure
from minitf.data.dataset import Dataset
from minitf.data.options import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, count_arg
from minitf.data.plan import one_order, plan_batches
from minitf.tensor import Tensor

__all__ = ["BatchDataset", "UnbatchDataset", "PaddedBatchDataset"]


def _batch_size(batch_size: Any, op: str) -> int:
    n = count_arg(batch_size, "batch_size", op)
    if n <= 0:
        raise errors.InvalidArgumentError(
            None, None, f"{op}: Batch size must be greater than zero, got batch_size={n}.")
    return n


def _batched_cardinality(n: int, batch_size: int, drop_remainder: bool) -> int:
    if n < 0:
        return n  # infinite stays infinite, unknown stays unknown
    return n // batch_size if drop_remainder else -(-n // batch_size)


def _batched_spec(spec: Any, batch_size: int, drop_remainder: bool) -> Any:
    lead = TensorShape([batch_size if drop_remainder else None])
    return nest.map_structure(lambda s: TensorSpec(lead.concatenate(s.shape), s.dtype), spec)


def _stack(elements: list) -> list:
    out = []
    for k in range(len(elements[0])):
        parts = [e[k] for e in elements]
        try:
            out.append(np.stack(parts))
        except ValueError:
            first = np.shape(parts[0])
            j = next(i for i, p in enumerate(parts) if np.shape(p) != first)
            raise errors.InvalidArgumentError(
                None, None, f"Cannot batch tensors with different shapes in component {k}. "
                f"First element had shape {list(first)} and element {j} had shape "
                f"{list(np.shape(parts[j]))}. Use padded_batch to pad them to a common "
                f"shape, or map them to one shape first.") from None
    return out


def _tensor_slice_batches(arrays: list, dtypes: list, rows: int, batch_size: int,
                          drop_remainder: bool, new: Any = object.__new__) -> Iterator[tuple]:
    """Batches of in-order rows as tuples of Tensors: the fused hot loop.

    ``from_tensor_slices((x, y)).batch(32)`` spends most of its time here, so slicing and
    wrapping are done in one generator (a Tensor is object.__new__ plus two slot
    stores; the slice is a view, so a batch costs no copy).
    """
    end = rows if not drop_remainder else rows // batch_size * batch_size
    if len(arrays) == 2:
        (a0, a1), (d0, d1) = arrays, dtypes
        for s in range(0, end, batch_size):
            e = s + batch_size
            t = new(Tensor)
            t._value, t._dtype = a0[s:e], d0
            u = new(Tensor)
            u._value, u._dtype = a1[s:e], d1
            yield (t, u)
        return
    for s in range(0, end, batch_size):
        e = s + batch_size
        batch = []
        for a, d in zip(arrays, dtypes):
            t = new(Tensor)
            t._value, t._dtype = a[s:e], d
            batch.append(t)
        yield tuple(batch)


# A shuffled pass of at most this many bytes is gathered at once (one fancy index per
# component per pass, then every batch is a slice of it) instead of batch by batch
# (one fancy index per component per batch). Above it, the extra copy of the pass is
# not worth its memory.
_GATHER_PASS_BYTES = 16 << 20


def _row_bytes(plan: Any) -> int:
    rows = len(plan.arrays[0]) if plan.arrays else 0
    return sum(map(_NBYTES, plan.arrays)) // rows if rows else 0


_NBYTES = operator.attrgetter("nbytes")


def _tensor_gathered_batches(plan: Any, dtypes: list, batch_size: int,
                             drop_remainder: bool) -> Iterator[tuple]:
    """Batches of a shuffled (or otherwise reordered) small pass: gathered once, sliced.

    The same batches as ``plan_batches`` (the pass's row order cut into groups of
    ``batch_size``), from one gather of the whole pass.
    """
    order = one_order(plan.orders())  # (when the first batch is asked for, as before)
    gathered = [a[order] for a in plan.arrays]
    yield from _tensor_slice_batches(gathered, dtypes, len(order), batch_size,
                                     drop_remainder)


class BatchDataset(Dataset):
    """``batch(batch_size, drop_remainder)``."""

    _tf_name = "_BatchDataset"
    _flat_dtypes: Any = None  # made on first use (see _tensor_elements)

    def __init__(self, input_dataset: Dataset, batch_size: Any, drop_remainder: bool) -> None:
        self._batch_size = _batch_size(batch_size, "batch")
        self._drop = bool(drop_remainder)
        super().__init__((input_dataset,), None)

    def _compute_spec(self) -> Any:
        return _batched_spec(self._inputs[0].element_spec, self._batch_size, self._drop)

    def _generate(self) -> Iterator[list]:
        plan = self._inputs[0]._plan()
        if plan is not None:
            return plan_batches(plan, self._batch_size, self._drop)
        return self._stacked()

    def _tensor_elements(self) -> Optional[Iterator[tuple]]:
        if not interpreters._state["resolved"]:
            interpreters.resolve_default_device()  # a GPU backend would need copies
        plan = self._inputs[0]._plan()
        spec = self.element_spec
        if plan is None or interpreters._state["multi_backend"]:
            return None
        if not plan.in_order and not 0 <= plan.rows_per_pass * _row_bytes(plan) \
                <= _GATHER_PASS_BYTES:
            return None  # batches are gathered one by one (plan_batches)
        dtypes = self._flat_dtypes
        if dtypes is None:  # once per dataset: its spec never changes
            flat_tuple = type(spec) is tuple and not any(nest.is_nested(s) for s in spec)
            # Other structures take the general packer (False: not this path).
            dtypes = self._flat_dtypes = [s.dtype for s in structure.flatten(spec)] \
                if flat_tuple or isinstance(spec, TensorSpec) else False
        if dtypes is False:
            return None
        if plan.in_order:
            return _tensor_slice_batches(plan.arrays, dtypes, plan.rows_per_pass,
                                         self._batch_size, self._drop)
        return _tensor_gathered_batches(plan, dtypes, self._batch_size, self._drop)

    def _stacked(self) -> Iterator[list]:
        # BEGIN SOLUTION data: batch, keep or drop the rest; spec: tests/test_data_batching.py
        size, buf = self._batch_size, []
        for flat in self._inputs[0]._elements():
            buf.append(flat)
            if len(buf) == size:
                yield _stack(buf)
                buf = []
        if buf and not self._drop:
            yield _stack(buf)
        # END SOLUTION

    def _cardinality(self) -> int:
        return _batched_cardinality(self._inputs[0]._cardinality(), self._batch_size,
                                    self._drop)


class UnbatchDataset(Dataset):
    """``unbatch()``: splits each element along its first axis into rows."""

    _tf_name = "_UnbatchDataset"

    def __init__(self, input_dataset: Dataset) -> None:
        leaves = structure.flatten(input_dataset.element_spec)
        known = None
        for s in leaves:
            if s.shape.rank == 0:
                raise ValueError("Cannot unbatch an input with scalar components: "
                                 f"element_spec is {input_dataset.element_spec}. Batch "
                                 "first, or use the dataset as it is.")
            d = s.shape[0]
            if d is not None:
                if known is not None and d != known:
                    raise ValueError(
                        f"`unbatch()` is only supported for datasets of elements whose "
                        f"components have a matching leading dimension. Encountered both "
                        f"{known} and {d}.")
                known = d
        self._known_rows = known
        super().__init__((input_dataset,), nest.map_structure(
            lambda s: TensorSpec(s.shape[1:], s.dtype), input_dataset.element_spec))

    def _generate(self) -> Iterator[list]:
        for flat in self._inputs[0]._elements():
            n = flat[0].shape[0]
            if any(c.shape[0] != n for c in flat):
                raise errors.InvalidArgumentError(
                    None, None, f"unbatch: input components have different first dimensions "
                    f"{[c.shape[0] for c in flat]}; every component of an element must hold "
                    f"the same number of rows.")
            for i in range(n):
                yield [c[i] for c in flat]

    def _cardinality(self) -> int:
        n = self._inputs[0]._cardinality()
        if n == INFINITE_CARDINALITY:
            return n
        if n == UNKNOWN_CARDINALITY or self._known_rows is None:
            return UNKNOWN_CARDINALITY
        return n * self._known_rows


def _map_up_to(spec: Any, value: Any, fn: Any, what: str) -> Any:
    """Applies ``fn(spec_leaf, value_part)`` following ``spec``'s structure (a shape such
    as ``[6]`` in ``value`` is one part, not a structure)."""
    if isinstance(spec, dict):
        if not isinstance(value, dict) or set(value) != set(spec):
            raise ValueError(f"padded_batch: {what} {value!r} does not match the structure "
                             f"of the element spec {spec}.")
        return {k: _map_up_to(spec[k], value[k], fn, what) for k in spec}
    if isinstance(spec, tuple):
        if not isinstance(value, (tuple, list)) or len(value) != len(spec):
            raise ValueError(f"padded_batch: {what} {value!r} does not match the structure "
                             f"of the element spec {spec}.")
        return tuple(_map_up_to(s, v, fn, what) for s, v in zip(spec, value))
    return fn(spec, value)


def _padded_shape(spec: TensorSpec, shape: Any) -> TensorShape:
    padded = as_shape(spec.shape if shape is None else
                      (shape.numpy().tolist() if hasattr(shape, "numpy") else shape))
    if padded.rank is None:
        raise ValueError(f"padded_batch: the shape of component {spec} has unknown rank; "
                         f"pass padded_shapes explicitly.")
    if not padded.is_compatible_with(spec.shape):
        raise ValueError(f"The padded shape {padded} is not compatible with the shape "
                         f"{spec.shape} of the corresponding input component.")
    return padded


def _padding_value(spec: TensorSpec, value: Any) -> Any:
    if value is None:
        return b"" if spec.dtype.name == "string" else np.zeros((), spec.dtype.np)[()]
    arr = structure.normalize_element(value, "padding_values")
    if arr.shape != ():
        raise ValueError(f"Invalid `padding_values`: each padding value must be a scalar, "
                         f"got shape {arr.shape}.")
    if arr.dtype != spec.dtype.np:
        raise TypeError(f"Invalid `padding_values`. `padding_values` values type "
                        f"{structure._dtype_of(arr)} does not match type {spec.dtype} of "
                        f"the corresponding input component. Give the value that dtype, "
                        f"e.g. tf.constant(-1, {spec.dtype!r}).")
    return arr[()]


class PaddedBatchDataset(Dataset):
    """``padded_batch``: batches elements of different shapes by padding them.

    Each dimension is padded to ``padded_shapes`` where it gives a size, and otherwise to
    the largest size in the batch, with ``padding_values`` (0, False or b"" by default).
    """

    _tf_name = "_PaddedBatchDataset"

    def __init__(self, input_dataset: Dataset, batch_size: Any, padded_shapes: Any,
                 padding_values: Any, drop_remainder: bool) -> None:
        self._batch_size = _batch_size(batch_size, "padded_batch")
        self._drop = bool(drop_remainder)
        spec = input_dataset.element_spec
        shapes = (nest.map_structure(lambda s: _padded_shape(s, None), spec)
                  if padded_shapes is None else
                  _map_up_to(spec, padded_shapes, _padded_shape, "padded_shapes"))
        values = (nest.map_structure(lambda s: _padding_value(s, None), spec)
                  if padding_values is None else
                  _map_up_to(spec, padding_values, _padding_value, "padding_values"))
        # Without padded_shapes every dimension pads to the batch's longest (for a known
        # dimension all elements already share that size), so the spec's sizes are
        # never trusted over the data.
        self._targets = [s.as_tuple() if padded_shapes is not None else (None,) * s.rank
                         for s in nest.flatten(shapes)]
        self._values = nest.flatten(values)
        lead = TensorShape([self._batch_size if self._drop else None])
        super().__init__((input_dataset,), nest.map_structure(
            lambda s, p: TensorSpec(lead.concatenate(p), s.dtype), spec, shapes))

    def _generate(self) -> Iterator[list]:
        size, buf = self._batch_size, []
        for flat in self._inputs[0]._elements():
            buf.append(flat)
            if len(buf) == size:
                yield self._pad(buf)
                buf = []
        if buf and not self._drop:
            yield self._pad(buf)

    def _pad(self, elements: list) -> list:
        out = []
        for k, (target, value) in enumerate(zip(self._targets, self._values)):
            parts = [e[k] for e in elements]
            sizes = np.array([p.shape for p in parts]).reshape(len(parts), -1)
            dims = tuple(int(sizes[:, j].max()) if d is None else d
                         for j, d in enumerate(target))
            if any(p.shape[j] > dims[j] for p in parts for j in range(len(dims))):
                raise errors.DataLossError(
                    None, None, f"Attempted to pad to a smaller size than the input element: "
                    f"component {k} has an element of shape "
                    f"{max((p.shape for p in parts), key=lambda s: s)} but padded_shapes "
                    f"asks for {dims}. Enlarge padded_shapes (or use None to pad to the "
                    f"longest element in the batch).")
            batch = np.full((len(parts),) + dims, value, dtype=parts[0].dtype)
            for i, p in enumerate(parts):
                batch[(i,) + tuple(slice(0, d) for d in p.shape)] = p
            out.append(batch)
        return out

    def _cardinality(self) -> int:
        return _batched_cardinality(self._inputs[0]._cardinality(), self._batch_size,
                                    self._drop)


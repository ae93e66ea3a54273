"""``flat_map`` and ``interleave``: one dataset per element, their elements merged.

``interleave(fn, cycle_length, block_length)`` keeps ``cycle_length`` of the datasets
``fn`` makes open at once and takes ``block_length`` elements from each in turn; when one
runs out, the next input element's dataset takes its place in the cycle. This is how a
pipeline reads several files at once (one dataset per file name). ``flat_map(fn)`` is
the case ``cycle_length=1, block_length=1``: each dataset to its end, one after another.

The order is TensorFlow's (its ``InterleaveDataset`` loop, checked against TF 2.21):

    while the input has elements or a slot is open:
        slot open       -> next element of its dataset, or close it and move on
        slot empty      -> open the next input element's dataset in it
        input exhausted -> move on

``num_parallel_calls`` is accepted and the order kept (TF's ``deterministic=True``);
the datasets are read in the caller's thread.

Example:
    >>> import minitf as tf
    >>> ds = tf.data.Dataset.range(1, 4)
    >>> make = lambda x: tf.data.Dataset.from_tensors(x).repeat(3)
    >>> [int(x) for x in ds.interleave(make, cycle_length=2, block_length=2)]
    [1, 1, 2, 2, 1, 2, 3, 3, 3]
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterator, Optional

from minitf import errors
from minitf.data import structure
from minitf.data.dataset import Dataset
from minitf.data.functions import StructuredFunction, zeros_like_spec
from minitf.data.options import AUTOTUNE, UNKNOWN_CARDINALITY, count_arg
from minitf.data.transforms import _first_element

__all__ = ["InterleaveDataset"]


class InterleaveDataset(Dataset):
    """The dataset of ``interleave`` (and ``flat_map``: cycle and block length 1)."""

    def __init__(self, input_dataset: Dataset, fn: Callable[..., Any], cycle_length: Any,
                 block_length: Any, op: str, parallel: bool = False) -> None:
        cycle = AUTOTUNE if cycle_length is None else count_arg(cycle_length, "cycle_length",
                                                                  op)
        block = 1 if block_length is None else count_arg(block_length, "block_length", op)
        if cycle == AUTOTUNE:
            cycle = os.cpu_count() or 1  # TF: the runtime picks, as many as CPU cores
        for name, value in (("cycle_length", cycle), ("block_length", block)):
            if value <= 0:
                raise errors.InvalidArgumentError(
                    None, None, f"{name} must be greater than zero (got {value}). [Op:"
                    f"InterleaveDataset] {op}: pass a positive count, or None for the default.")
        self._cycle, self._block, self._op = cycle, block, op
        self._fn = StructuredFunction(fn, input_dataset.element_spec, op)
        self._tf_name = {"flat_map": "_FlatMapDataset"}.get(
            op, "_ParallelInterleaveDataset" if parallel else "_InterleaveDataset")
        super().__init__((input_dataset,), None)
        _ = self.element_spec  # as TF: a function that returns no dataset fails here

    def _dataset_for(self, flat: list) -> Dataset:
        made = self._fn(flat)
        if not isinstance(made, Dataset):
            raise TypeError(f"{self._op}: the function must return a tf.data.Dataset for each "
                            f"element, got {type(made).__name__}. Wrap values in one, e.g. "
                            f"tf.data.Dataset.from_tensor_slices(x) (or use map for a "
                            f"one-to-one transformation).")
        return made

    def _compute_spec(self) -> Any:
        # TF traces the function; minitf builds the dataset of the first element (or of
        # a zero stand-in for an empty input) and reads its element_spec.
        first = _first_element(self._inputs[0])
        if first is None:
            first = zeros_like_spec(self._inputs[0].element_spec)
        return self._dataset_for(first).element_spec

    def _checked(self, flat: list, leaves: list) -> list:
        if len(flat) != len(leaves) or any(a.dtype != s.dtype.np for a, s in
                                           zip(flat, leaves)):
            got = structure.spec_of(structure.normalize_element(tuple(flat)))
            raise errors.InvalidArgumentError(
                None, None, f"{self._op}: the datasets the function returns must all have "
                f"the same element structure and dtypes; the first had {self.element_spec}, "
                f"a later one gives {got}. Cast inside the function so that they agree.")
        return flat

    def _generate(self) -> Iterator[list]:
        leaves = structure.flatten(self.element_spec)
        inputs = self._inputs[0]._elements()
        cycle: list = [None] * self._cycle  # each slot: an open dataset's iterator
        slot = taken = num_open = 0
        end_of_input = False
        try:
            while not end_of_input or num_open:
                current = cycle[slot]
                if current is not None:
                    flat = next(current, None)
                    if flat is not None:
                        yield self._checked(flat, leaves)
                        taken += 1
                        if taken < self._block:
                            continue
                    else:
                        cycle[slot] = None
                        num_open -= 1
                elif not end_of_input:
                    element = next(inputs, None)
                    if element is None:
                        end_of_input = True
                    else:
                        cycle[slot] = self._dataset_for(element)._elements()
                        num_open += 1
                    continue
                slot, taken = (slot + 1) % self._cycle, 0  # on to the next slot
        finally:
            for it in cycle:
                getattr(it, "close", lambda: None)()
            getattr(inputs, "close", lambda: None)()

    def _cardinality(self) -> int:
        return UNKNOWN_CARDINALITY


def interleave(dataset: Dataset, fn: Callable[..., Any], cycle_length: Optional[int],
               block_length: Optional[int], num_parallel_calls: Optional[int],
               op: str) -> InterleaveDataset:
    """Builds the dataset; ``num_parallel_calls`` only names it (the order is kept)."""
    if num_parallel_calls is not None:
        count_arg(num_parallel_calls, "num_parallel_calls", op)
    return InterleaveDataset(dataset, fn, cycle_length, block_length, op,
                             parallel=num_parallel_calls is not None)

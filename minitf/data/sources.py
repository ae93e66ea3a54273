"""Where elements come from: tensor slices, single tensors, ranges, zips, concatenation,
and Python generators.

Example:
    >>> import minitf as tf
    >>> ds = tf.data.Dataset.range(3).concatenate(tf.data.Dataset.range(10, 12))
    >>> list(ds.as_numpy_iterator())
    [np.int64(0), np.int64(1), np.int64(2), np.int64(10), np.int64(11)]
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Iterator, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf import errors, nest
from minitf.core.spec import TensorSpec
from minitf.data import structure
from minitf.data.dataset import Dataset
from minitf.data.options import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, count_arg
from minitf.data.plan import RowPlan
from minitf.tensor import Tensor, host_array, to_array

__all__ = ["TensorSliceDataset", "TensorDataset", "RangeDataset", "ZipDataset",
           "ConcatenateDataset", "GeneratorDataset", "SliceSizeError"]


class SliceSizeError(errors.InvalidArgumentError, ValueError):
    """Components of ``from_tensor_slices`` with different first dimensions.

    An ``InvalidArgumentError`` that is also a ``ValueError``: TensorFlow raises
    ``ValueError`` here (its shapes are static), and code written for either class works.
    """


class TensorSliceDataset(Dataset):
    """``Dataset.from_tensor_slices``: row ``i`` of every component is element ``i``."""

    _tf_name = "_TensorSliceDataset"
    _rows_plan: Optional[RowPlan] = None  # made on first use (see _plan)

    def __init__(self, tensors: Any) -> None:
        element = structure.normalize_element(tensors, "from_tensor_slices input")
        flat = structure.flatten(element)
        if not flat:
            raise ValueError("Invalid `tensors`. `tensors` should not be empty: "
                             "from_tensor_slices needs at least one tensor to slice.")
        for a in flat:
            if a.ndim == 0:
                raise ValueError(
                    f"Unbatching a tensor is only supported for rank >= 1: "
                    f"from_tensor_slices got a scalar ({a.dtype} {a[()]!r}). Use "
                    f"Dataset.from_tensors for a single element, or pass a list/array.")
        sizes = [a.shape[0] for a in flat]
        if len(set(sizes)) > 1:
            shapes = [tuple(a.shape) for a in flat]
            raise SliceSizeError(
                None, None,
                f"from_tensor_slices: all components must have the same size in their first "
                f"dimension, but their first dimensions are {sizes} (shapes {shapes}); "
                f"dimensions {sizes[0]} and {next(s for s in sizes if s != sizes[0])} are "
                f"not compatible. Slice the inputs to a common length, e.g. x[:n], y[:n].")
        self._arrays = flat
        self._n = sizes[0]
        super().__init__((), nest.map_structure(
            lambda a: TensorSpec._make(tuple(a.shape[1:]), structure._dtype_of(a)), element))

    def _plan(self) -> RowPlan:
        # Immutable (the arrays, and every pass reads all rows in order): made once.
        plan = self._rows_plan
        if plan is None:
            plan = self._rows_plan = RowPlan.rows(self._arrays)
        return plan

    def _cardinality(self) -> int:
        return self._n


class TensorDataset(Dataset):
    """``Dataset.from_tensors``: one element."""

    _tf_name = "_TensorDataset"

    def __init__(self, tensors: Any) -> None:
        element = structure.normalize_element(tensors, "from_tensors input")
        self._flat = structure.flatten(element)
        super().__init__((), structure.spec_of(element))

    def _generate(self) -> Iterator[list]:
        yield list(self._flat)

    def _cardinality(self) -> int:
        return 1


# Ranges up to this many rows are materialised as an array (32 MiB of int64), so that
# range(...).shuffle(...).batch(...) takes the vectorised row-plan path.
_RANGE_PLAN_LIMIT = 1 << 22


class RangeDataset(Dataset):
    """``Dataset.range``: like Python's ``range``, as scalar tensors (int64 by default)."""

    _tf_name = "_RangeDataset"

    def __init__(self, args: tuple, output_type: Any) -> None:
        if not 1 <= len(args) <= 3:
            raise TypeError(f"Dataset.range takes 1 to 3 positional arguments (stop, or "
                            f"start, stop[, step]), got {len(args)}.")
        ints = [count_arg(a, name, "Dataset.range")
                for a, name in zip(args, ("start", "stop", "step") if len(args) > 1
                                   else ("stop",))]
        start, stop, step = (0, ints[0], 1) if len(ints) == 1 else (ints + [1])[:3]
        if step == 0:
            raise errors.InvalidArgumentError(
                None, None, "Dataset.range: step must be a non-zero integer.")
        self._range = range(start, stop, step)
        dtype = _dtypes.int64 if output_type is None else _dtypes.as_dtype(output_type)
        self._np_dtype = dtype.np
        self._array: Optional[np.ndarray] = None
        super().__init__((), TensorSpec._make((), dtype))

    def _plan(self) -> Optional[RowPlan]:
        n = len(self._range)
        if n > _RANGE_PLAN_LIMIT:
            return None
        if self._array is None:
            r = self._range
            self._array = np.arange(r.start, r.stop, r.step).astype(self._np_dtype)
        return RowPlan.rows([self._array])

    def _generate(self) -> Iterator[list]:
        if len(self._range) <= _RANGE_PLAN_LIMIT:
            return super()._generate()
        make = self._np_dtype.type
        return ([make(i)] for i in self._range)

    def _cardinality(self) -> int:
        return len(self._range)


def _zip_cardinality(counts: list) -> int:
    # TF: any unknown input makes the zip unknown; infinite inputs don't bound it.
    if UNKNOWN_CARDINALITY in counts:
        return UNKNOWN_CARDINALITY
    finite = [n for n in counts if n != INFINITE_CARDINALITY]
    return min(finite) if finite else INFINITE_CARDINALITY


class ZipDataset(Dataset):
    """``Dataset.zip``: a nest of datasets read in lock step."""

    _tf_name = "_ZipDataset"

    def __init__(self, datasets: Any) -> None:
        if isinstance(datasets, list):
            datasets = tuple(datasets)
        flat = nest.flatten(datasets)
        for d in flat:
            if not isinstance(d, Dataset):
                raise TypeError(
                    f"Invalid input to `zip`. Inputs are expected to be (nested) structures "
                    f"of `tf.data.Dataset` objects but encountered object of type "
                    f"{type(d)}. Wrap values with Dataset.from_tensors(...).repeat() to "
                    f"zip them with a dataset.")
        if not flat:
            raise ValueError("zip needs at least one dataset.")
        self._structure = datasets
        self._datasets = flat
        super().__init__(tuple(flat), None)

    def _compute_spec(self) -> Any:
        return nest.map_structure(lambda d: d.element_spec, self._structure)

    def _generate(self) -> Iterator[list]:
        streams = [d._elements() for d in self._datasets]
        for parts in zip(*streams):
            yield [a for part in parts for a in part]

    def _cardinality(self) -> int:
        return _zip_cardinality([d._cardinality() for d in self._datasets])


class ConcatenateDataset(Dataset):
    """``a.concatenate(b)``: the elements of ``a`` then those of ``b``."""

    _tf_name = "_ConcatenateDataset"

    def __init__(self, first: Dataset, second: Dataset) -> None:
        if not isinstance(second, Dataset):
            raise TypeError(f"concatenate: expected a tf.data.Dataset, got "
                            f"{type(second).__name__}.")
        a, b = first.element_spec, second.element_spec
        try:
            nest.assert_same_structure(a, b, check_types=False)
        except (TypeError, ValueError):
            raise TypeError(f"Incompatible dataset elements:\n  {a} vs.   {b}\n"
                            f"concatenate needs elements of the same structure.") from None
        spec = nest.map_structure(
            lambda s, t: structure.most_specific_spec(s, t, "concatenate"), a, b)
        super().__init__((first, second), spec)

    def _generate(self) -> Iterator[list]:
        return itertools.chain(self._inputs[0]._elements(), self._inputs[1]._elements())

    def _cardinality(self) -> int:
        n1, n2 = (d._cardinality() for d in self._inputs)
        if INFINITE_CARDINALITY in (n1, n2):
            return INFINITE_CARDINALITY
        if UNKNOWN_CARDINALITY in (n1, n2):
            return UNKNOWN_CARDINALITY
        return n1 + n2


def _as_tuples(value: Any) -> Any:
    # In signatures a list means a tuple of components.
    if isinstance(value, (list, tuple)) and not hasattr(type(value), "_fields"):
        return tuple(_as_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _as_tuples(v) for k, v in value.items()}
    return value


class GeneratorDataset(Dataset):
    """``Dataset.from_generator``: each pass calls ``generator(*args)`` and converts what
    it yields to the declared signature."""

    _tf_name = "_FlatMapDataset"  # TF implements from_generator as a flat_map

    def __init__(self, generator: Callable[..., Any], output_types: Any, output_shapes: Any,
                 args: Any, output_signature: Any) -> None:
        if not callable(generator):
            raise TypeError("`generator` must be a Python callable (e.g. a function "
                            "containing `yield`), not an iterator or a list.")
        if output_signature is not None:
            if output_types is not None or output_shapes is not None:
                raise TypeError("The `output_types` argument can not be used together with "
                                "the `output_signature` argument.")
            spec = _as_tuples(output_signature)
            for s in nest.flatten(spec):
                if not isinstance(s, TensorSpec):
                    raise TypeError(
                        f"`output_signature` must contain objects that are subclass of "
                        f"`tf.TypeSpec` but found {type(s)} which is not. Describe each "
                        f"component with tf.TensorSpec(shape, dtype).")
        elif output_types is not None:
            types = _as_tuples(output_types)
            spec = _specs_from_types(types, output_shapes)
        else:
            raise TypeError("To specify the output signature you need to provide either the "
                            "`output_signature` argument or the `output_types` argument.")
        self._generator = generator
        self._args = tuple(_generator_arg(a) for a in (args or ()))
        self._leaves = nest.flatten(spec)
        super().__init__((), spec)

    def _generate(self) -> Iterator[list]:
        try:
            values = iter(self._generator(*self._args))
        except Exception as e:  # noqa: BLE001 - reported as TF reports it, chained
            raise _generator_error(e) from e
        spec, leaves = self._spec, self._leaves
        while True:
            try:
                value = next(values)
            except StopIteration:
                return
            except Exception as e:  # noqa: BLE001
                raise _generator_error(e) from e
            yield [_convert_leaf(v, s) for v, s in zip(_flatten_up_to(spec, value), leaves)]

    def _cardinality(self) -> int:
        return UNKNOWN_CARDINALITY


def _specs_from_types(types: Any, shapes: Any) -> Any:
    """TensorSpecs from the older ``output_types``/``output_shapes`` pair, following the
    structure of ``types`` (a shape such as ``(None,)`` is one leaf, not a structure)."""
    if isinstance(types, dict):
        return {k: _specs_from_types(t, None if shapes is None else shapes[k])
                for k, t in types.items()}
    if isinstance(types, tuple):
        if shapes is not None and len(shapes) != len(types):
            raise ValueError(f"from_generator: output_shapes {shapes!r} does not match the "
                             f"structure of output_types {types!r}.")
        return tuple(_specs_from_types(t, None if shapes is None else s)
                     for t, s in zip(types, shapes if shapes is not None else types))
    return TensorSpec(shapes, types)


def _generator_arg(value: Any) -> Any:
    arr = to_array(value)
    return arr[()] if arr.ndim == 0 else arr


def _generator_error(e: Exception) -> errors.OpError:
    return errors.UnknownError(
        None, None, f"{type(e).__name__}: {e}\n(raised inside the `generator` given to "
        f"Dataset.from_generator; the original traceback is chained above.)")


def _flatten_up_to(spec: Any, value: Any) -> list:
    if isinstance(spec, tuple):
        if not isinstance(value, (tuple, list)) or len(value) != len(spec):
            raise _structure_error(spec, value)
        return [leaf for s, v in zip(spec, value) for leaf in _flatten_up_to(s, v)]
    if isinstance(spec, dict):
        if not isinstance(value, dict) or set(value) != set(spec):
            raise _structure_error(spec, value)
        return [leaf for k in sorted(spec) for leaf in _flatten_up_to(spec[k], value[k])]
    return [value]


def _structure_error(spec: Any, value: Any) -> errors.OpError:
    types = nest.map_structure(lambda s: s.dtype, spec)
    return errors.InvalidArgumentError(
        None, None, f"TypeError: `generator` yielded an element that did not match the "
        f"expected structure. The expected structure was {types}, but the yielded element "
        f"was {value!r}.")


def _convert_leaf(value: Any, spec: TensorSpec) -> np.ndarray:
    # As TF: NumPy's conversion to the spec's dtype (a float yielded for int32 truncates).
    if isinstance(value, Tensor):
        value = host_array(value)
    try:
        if spec.dtype is _dtypes.string:
            arr = to_array(value)
        else:
            arr = np.array(value, dtype=spec.dtype.np)  # a copy: generators may reuse buffers
    except (TypeError, ValueError) as e:
        raise errors.InvalidArgumentError(
            None, None, f"TypeError: `generator` yielded an element that could not be "
            f"converted to the expected type {spec.dtype.name}: {value!r} ({e}).") from None
    if not spec.shape.is_compatible_with(arr.shape):
        raise errors.InvalidArgumentError(
            None, None, f"TypeError: `generator` yielded an element of shape "
            f"{tuple(arr.shape)} where an element of shape {spec.shape} was expected.")
    return arr

"""Elements and their structure: how a dataset element is stored and handed out.

An *element* is a nest of tuples, namedtuples and dicts whose leaves are tensors. Inside
a pipeline every element travels *flat*: a list of host NumPy arrays (one per leaf, in
``tf.nest.flatten`` order, dict keys sorted). Only at the pipeline's end is the flat list
*packed* back into the element's structure of ``Tensor``\\ s. Keeping NumPy arrays inside
makes a step of the pipeline cost a slice or a ``np.stack``, not an op dispatch.

As in tf.data, a Python *list* is not a structure: ``from_tensor_slices([[1, 2], [3, 4]])``
slices one tensor. Only a function's top-level list result is read as a tuple (TF does the
same, with a warning).

Example:
    >>> import numpy as np
    >>> from minitf.data import structure
    >>> element = structure.normalize_element(({"a": [1, 2]}, np.float32(3.0)))
    >>> for spec in structure.spec_of(element):
    ...     print(spec)
    {'a': TensorSpec(shape=(2,), dtype=tf.int32, name=None)}
    TensorSpec(shape=(), dtype=tf.float32, name=None)
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from minitf import nest
from minitf.core import interpreters
from minitf.core.spec import TensorSpec
from minitf.tensor import Tensor, _wrap_host, host_array, to_array

__all__ = ["normalize_element", "spec_of", "flatten", "make_packer", "pack_numpy",
           "check_same_structure", "most_specific_spec", "spec_str", "DatasetSpec"]

_new = object.__new__


def normalize_element(value: Any, what: str = "element") -> Any:
    """``value`` with every leaf converted to a host array by TF's dtype rules.

    Tuples, namedtuples and dicts are kept as structure; lists, numbers, NumPy arrays,
    tensors and variables are leaves.

    Raises:
        TypeError: for ``None`` or a nested ``Dataset`` leaf.

    Example:
        >>> from minitf.data.structure import normalize_element
        >>> normalize_element((1.5, [1, 2]))
        (array(1.5, dtype=float32), array([1, 2], dtype=int32))
    """
    if isinstance(value, dict):
        return type(value)((k, normalize_element(v, what)) for k, v in value.items()) \
            if type(value) is not dict else {k: normalize_element(v, what)
                                              for k, v in value.items()}
    if isinstance(value, tuple):
        items = [normalize_element(v, what) for v in value]
        return type(value)(*items) if hasattr(type(value), "_fields") else tuple(items)
    return _leaf_array(value, what)


def _leaf_array(value: Any, what: str) -> np.ndarray:
    if isinstance(value, Tensor):
        return np.asarray(host_array(value))
    if value is None:
        raise TypeError(
            f"tf.data cannot hold None in an {what}: every leaf must be convertible to a "
            f"tensor. Use an empty tuple () for 'nothing', or a placeholder value.")
    if isinstance(value, list) and value and all(
            isinstance(v, (np.ndarray, Tensor)) for v in value):
        # As TF: a list of arrays/tensors is stacked keeping their dtype (int64 stays
        # int64), where a list of Python numbers follows tf.constant's inference.
        return np.stack([np.asarray(host_array(v)) if isinstance(v, Tensor) else v
                         for v in value])
    from minitf.data.dataset import Dataset
    if isinstance(value, Dataset):
        raise TypeError(f"minitf's tf.data cannot nest a Dataset inside an {what}; use "
                        f"Dataset.zip or concatenate to combine datasets.")
    return to_array(value)


def spec_of(element: Any) -> Any:
    """The structure of ``TensorSpec``\\ s describing a normalized element.

    Example:
        >>> import numpy as np
        >>> from minitf.data.structure import spec_of
        >>> spec_of({"x": np.zeros((2, 3), np.float32)})
        {'x': TensorSpec(shape=(2, 3), dtype=tf.float32, name=None)}
    """
    return nest.map_structure(
        lambda a: TensorSpec._make(tuple(a.shape), _dtype_of(a)), element)


def _dtype_of(array: np.ndarray) -> Any:
    from minitf import dtypes
    return dtypes.from_numpy(array.dtype)


def flatten(structure: Any) -> list:
    """The leaves of an element or spec, in tf.nest order (dict keys sorted)."""
    return nest.flatten(structure)


def check_same_structure(expected: Any, got: Any, what: str) -> None:
    """Raises TypeError if ``got`` does not have the nesting of ``expected``."""
    try:
        nest.assert_same_structure(expected, got, check_types=False)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{what}: the structure {spec_str(got)} does not match the expected "
                        f"structure {spec_str(expected)}. ({e})") from None


def spec_str(structure: Any) -> str:
    """A short text for a structure of specs or values (for error messages)."""
    return repr(nest.map_structure(
        lambda s: s.dtype.name + str(s.shape) if isinstance(s, TensorSpec) else s, structure))


def most_specific_spec(a: TensorSpec, b: TensorSpec, op: str) -> TensorSpec:
    """The spec covering both (``concatenate``, ``from_generator``): dims that differ
    become None, ranks that differ give an unknown shape.

    Raises:
        TypeError: if the dtypes differ.
    """
    if a.dtype != b.dtype:
        raise TypeError(f"Incompatible dataset elements:\n  {a} vs.   {b}\n({op}: cast one "
                        f"side with .map(lambda x: tf.cast(x, {a.dtype!r})).)")
    return TensorSpec(a.shape.most_specific_compatible_shape(b.shape), a.dtype)


# ---------------------------------------------------------------------------------------
# Packing: flat host arrays -> the element's structure of Tensors. This runs once per
# element handed to the user, so the common structures get straight-line closures: a
# Tensor is made with object.__new__ and two slot stores (no conversion, no checks: the
# arrays already have the spec's dtypes).
# ---------------------------------------------------------------------------------------
def make_packer(spec: Any) -> Callable[[Sequence[Any]], Any]:
    """A function turning a flat list of host arrays into the element of ``spec``.

    With a GPU backend active the arrays are copied to the default device (as TF copies
    a batch from its CPU pipeline to the GPU); otherwise they are wrapped without a copy.

    Example:
        >>> import numpy as np
        >>> import minitf as tf
        >>> from minitf.data.structure import make_packer
        >>> pack = make_packer((tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32)))
        >>> pack([np.int32(1), np.int32(2)])
        (<tf.Tensor: shape=(), dtype=int32, numpy=1>, <tf.Tensor: shape=(), dtype=int32, numpy=2>)
    """
    state = interpreters._state
    if not state["resolved"]:
        interpreters.resolve_default_device()
    leaves = flatten(spec)
    if any(isinstance(s, DatasetSpec) for s in leaves):
        # Windows: dataset leaves are handed out as they are, tensors wrapped as usual.
        def pack_with_datasets(flat: Sequence[Any]) -> Any:
            return nest.pack_sequence_as(spec, [
                v if isinstance(s, DatasetSpec) else _wrap_host(np.asarray(v))
                for v, s in zip(flat, leaves)])
        return pack_with_datasets
    if state["multi_backend"]:
        return lambda flat: nest.pack_sequence_as(
            spec, [_wrap_host(np.asarray(v)) for v in flat])
    dtypes = tuple(s.dtype for s in leaves)
    if not nest.is_nested(spec):
        (d,) = dtypes

        def pack_one(flat: Sequence[Any]) -> Tensor:
            t = _new(Tensor)
            t._value = flat[0]
            t._dtype = d
            return t
        return pack_one
    flat_tuple = type(spec) is tuple and not any(nest.is_nested(s) for s in spec)
    if flat_tuple and len(spec) == 2:
        d0, d1 = dtypes

        def pack_pair(flat: Sequence[Any]) -> tuple:
            # The (features, labels) pair of most training loops.
            a, b = flat
            t = _new(Tensor)
            t._value = a
            t._dtype = d0
            u = _new(Tensor)
            u._value = b
            u._dtype = d1
            return (t, u)
        return pack_pair

    def wrap(value: Any, dtype: Any) -> Tensor:
        t = _new(Tensor)
        t._value = value
        t._dtype = dtype
        return t
    if flat_tuple:
        return lambda flat: tuple(map(wrap, flat, dtypes))
    return lambda flat: nest.pack_sequence_as(spec, list(map(wrap, flat, dtypes)))


def pack_numpy(spec: Any, flat: Sequence[Any]) -> Any:
    """The element as NumPy values (``as_numpy_iterator``): arrays are copies, so the
    caller may change them without touching the dataset's own data; rank 0 gives a NumPy
    scalar, as ``Tensor.numpy()`` does.

    Example:
        >>> import numpy as np
        >>> import minitf as tf
        >>> from minitf.data.structure import pack_numpy
        >>> pack_numpy({"a": tf.TensorSpec([], tf.int64)}, [np.array(3)])
        {'a': np.int64(3)}
    """
    values = []
    for v in flat:
        if isinstance(v, np.ndarray):
            v = v[()] if v.ndim == 0 else v.copy()
        values.append(v)
    return nest.pack_sequence_as(spec, values)


class DatasetSpec:
    """The spec of an element that is itself a dataset (what ``Dataset.window`` makes).

    Args:
        element_spec: the spec of the inner dataset's elements.
        dataset_shape: always ``TensorShape([])`` here (TF's batched datasets of datasets
            are not supported).

    Example:
        >>> import minitf as tf
        >>> tf.data.Dataset.range(5).window(2).element_spec
        DatasetSpec(TensorSpec(shape=(), dtype=tf.int64, name=None), TensorShape([]))
    """

    def __init__(self, element_spec: Any, dataset_shape: Any = ()) -> None:
        from minitf.core.spec import TensorShape
        self.element_spec = element_spec
        self.dataset_shape = TensorShape(dataset_shape)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, DatasetSpec) and other.element_spec == self.element_spec

    def __hash__(self) -> int:
        return hash(("DatasetSpec", repr(self.element_spec)))

    def __repr__(self) -> str:
        return f"DatasetSpec({self.element_spec!r}, {self.dataset_shape!r})"

"""``tf.data.Dataset``: the pipeline object, its sources, and iteration.

A ``Dataset`` is a *description* of a sequence of elements: building one
(``from_tensor_slices``, ``.shuffle``, ``.batch``...) computes nothing but the element
spec and the cardinality. Each ``for`` loop (each ``iter``) starts a fresh pass that pulls elements
through the chain of transformations, as in TensorFlow.

Every dataset class implements two small hooks:

* ``_generate()`` — one pass, yielding each element as a *flat list of host arrays*
  (see :mod:`minitf.data.structure`);
* ``_plan()`` — optionally, a :class:`~minitf.data.plan.RowPlan` when the elements are
  rows of in-memory arrays, which lets ``batch`` slice instead of stack;
* ``_tensor_elements()`` — optionally, elements already wrapped as Tensors (the fused
  loop of ``from_tensor_slices(...).batch(n)``).

The transformations themselves (``map``, ``batch``...) are in
:mod:`minitf.data.methods`; the classes implementing them in the modules named after them.

Example:
    >>> import minitf as tf
    >>> ds = tf.data.Dataset.from_tensor_slices(([1., 2., 3.], [0, 1, 0])).batch(2)
    >>> for x, y in ds:
    ...     print(x.numpy(), y.numpy())
    [1. 2.] [0 1]
    [3.] [0]
    >>> int(ds.cardinality())
    2
"""

from __future__ import annotations

import operator
from typing import Any, Callable, Iterator, Optional

import numpy as np

from minitf import errors
from minitf.core import interpreters
from minitf.data import structure
from minitf.data.methods import TransformationMethods
from minitf.data.options import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Options
from minitf.tensor import Tensor, _wrap_host

__all__ = ["Dataset", "OwnedIterator", "NumpyIterator"]


class Dataset(TransformationMethods):
    """A sequence of elements and the transformations that make them (``tf.data.Dataset``).

    Make one with a source (``from_tensor_slices``, ``from_tensors``, ``range``, ``zip``,
    ``from_generator``) and chain transformations. Iterating yields minitf Tensors in the
    structure of ``element_spec``.

    Example:
        >>> import minitf as tf
        >>> list(tf.data.Dataset.range(5).filter(lambda x: x % 2 == 0).as_numpy_iterator())
        [np.int64(0), np.int64(2), np.int64(4)]
    """

    # Caches made on first use, as class-level defaults (never through __dict__, which
    # makes every attribute read of the instance slower in CPython 3.11).
    _packer_cache: Optional[tuple] = None  # (GPU backend active?, packer)

    # Set by every subclass's __init__ (through Dataset.__init__).
    _inputs: tuple = ()

    def __init__(self, inputs: tuple = (), spec: Any = None) -> None:
        self._inputs = inputs
        self._spec = spec  # None: computed on first use by _compute_spec
        self._options = inputs[0]._options if inputs else Options()

    # -- the hooks subclasses implement ----------------------------------------------
    def _generate(self) -> Iterator[list]:
        """One pass over the elements, each a flat list of host arrays."""
        plan = self._plan()
        if plan is None:
            raise NotImplementedError(f"{type(self).__name__} must implement _generate")
        from minitf.data.plan import plan_rows
        return plan_rows(plan)

    def _plan(self) -> Any:
        """A RowPlan when the elements are rows of in-memory arrays, else None."""
        return None

    def _cardinality(self) -> int:
        """The number of elements as a Python int (or one of the two constants)."""
        return UNKNOWN_CARDINALITY

    def _tensor_elements(self) -> Optional[Iterator[tuple]]:
        """Optionally, one pass of elements already wrapped as a flat tuple of Tensors
        (a fused fast path; only for a single-tensor or flat-tuple element_spec)."""
        return None

    def _compute_spec(self) -> Any:
        # Most transformations keep their input's spec; computed lazily, so building a
        # pipeline after a `map` does not run the map function early.
        if self._inputs:
            return self._inputs[0].element_spec
        raise NotImplementedError(f"{type(self).__name__} has no element spec")

    # -- static facts ----------------------------------------------------------------
    @property
    def element_spec(self) -> Any:
        """The structure of ``tf.TensorSpec``\\ s of one element.

        Example:
            >>> import minitf as tf
            >>> tf.data.Dataset.range(3).batch(2).element_spec
            TensorSpec(shape=(None,), dtype=tf.int64, name=None)
        """
        if self._spec is None:
            self._spec = self._compute_spec()
        return self._spec

    def cardinality(self) -> Tensor:
        """The number of elements as an int64 scalar tensor, by TensorFlow's rules.

        ``tf.data.INFINITE_CARDINALITY`` (-1) after ``repeat()``;
        ``tf.data.UNKNOWN_CARDINALITY`` (-2) when only iterating could tell (``filter``).

        Example:
            >>> import minitf as tf
            >>> ds = tf.data.Dataset.range(10)
            >>> int(ds.batch(3).cardinality()), int(ds.repeat().cardinality())
            (4, -1)
        """
        return _wrap_host(np.array(self._cardinality(), np.int64))

    def __len__(self) -> int:
        n = self._cardinality()
        if n == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN_CARDINALITY:
            raise TypeError("The dataset length is unknown. (Use dataset.cardinality() to "
                            "check before calling len(), or count with "
                            "dataset.reduce(0, lambda n, _: n + 1).)")
        return n

    def __bool__(self) -> bool:
        # As in TF: a dataset is truthy even when empty, so `if ds:` never calls len().
        return True

    def __repr__(self) -> str:
        # TF's class names (e.g. _BatchDataset), so printed pipelines match TF's output.
        name = getattr(self, "_tf_name", type(self).__name__)
        return f"<{name} element_spec={self.element_spec}>"

    def options(self) -> Options:
        """The ``tf.data.Options`` set on this pipeline."""
        return self._options

    # -- iteration ---------------------------------------------------------------------
    def __iter__(self) -> "OwnedIterator":
        """A fresh pass over the dataset, yielding Tensors in the element's structure.

        Example:
            >>> import minitf as tf
            >>> ds = tf.data.Dataset.range(2)
            >>> [int(x) for x in ds], [int(x) for x in ds]
            ([0, 1], [0, 1])
        """
        return OwnedIterator(self)

    def _elements(self) -> Iterator[list]:
        # What a consumer (a transformation or the iterator) reads: one fresh pass.
        return self._generate()

    def _packer(self) -> Callable[[list], Any]:
        """``structure.make_packer`` of the element spec, made once per dataset.

        A training loop starts a pass every epoch; building the packer walks the spec
        (~20 µs). It depends only on the spec and on whether a GPU backend is active.
        """
        cached = self._packer_cache
        if cached is not None and cached[0] == interpreters._state["multi_backend"]:
            return cached[1]
        packer = structure.make_packer(self.element_spec)  # may resolve the device first
        self._packer_cache = (interpreters._state["multi_backend"], packer)
        return packer

    def as_numpy_iterator(self) -> "NumpyIterator":
        """Iterates the elements as NumPy values (copies: safe to modify).

        Example:
            >>> import minitf as tf
            >>> ds = tf.data.Dataset.from_tensor_slices({"a": [1, 2], "b": [3., 4.]})
            >>> list(ds.as_numpy_iterator())
            [{'a': np.int32(1), 'b': np.float32(3.0)}, {'a': np.int32(2), 'b': np.float32(4.0)}]
        """
        return NumpyIterator(self)

    def reduce(self, initial_state: Any, reduce_func: Callable[[Any, Any], Any]) -> Any:
        """Folds the elements into one state: ``state = reduce_func(state, element)``.

        Args:
            initial_state: a structure of tensors (or convertible values).
            reduce_func: takes the state and one element (a structure, not unpacked)
                and returns a new state of the same structure and dtypes.

        Raises:
            TypeError: if the new state's dtypes differ from the initial state's.

        Example:
            >>> import minitf as tf
            >>> import numpy as np
            >>> tf.data.Dataset.range(5).reduce(np.int64(0), lambda s, x: s + x)
            <tf.Tensor: shape=(), dtype=int64, numpy=10>
        """
        from minitf.data.functions import call_in_pipeline
        state_arrays = structure.normalize_element(initial_state, "initial_state")
        state_spec = structure.spec_of(state_arrays)
        leaves = structure.flatten(state_spec)
        state = structure.make_packer(state_spec)(structure.flatten(state_arrays))
        for element in self:
            new_state = call_in_pipeline(reduce_func, state, element)
            state = _check_state(new_state, state_spec, leaves)
        return state

    def apply(self, transformation_func: Callable[["Dataset"], "Dataset"]) -> "Dataset":
        """``transformation_func(self)``, for chaining custom transformations.

        Example:
            >>> import minitf as tf
            >>> int(tf.data.Dataset.range(9).apply(lambda d: d.take(4)).cardinality())
            4
        """
        out = transformation_func(self)
        if not isinstance(out, Dataset):
            raise TypeError(f"apply: `transformation_func` must return a Dataset, got "
                            f"{type(out).__name__}.")
        return out

    # -- sources (implemented in minitf.data.sources) ----------------------------------
    @staticmethod
    def from_tensor_slices(tensors: Any, name: Optional[str] = None) -> "Dataset":
        """A dataset whose elements are the slices of ``tensors`` along their first axis.

        ``tensors`` may be one tensor/array/list or a tuple/dict nest of them; every
        component must have the same first dimension.

        Raises:
            InvalidArgumentError: (also a ``ValueError``, as TF raises) when the first
                dimensions differ.

        Example:
            >>> import minitf as tf
            >>> import numpy as np
            >>> ds = tf.data.Dataset.from_tensor_slices((np.zeros((3, 2)), [1, 2, 3]))
            >>> for spec in ds.element_spec:
            ...     print(spec)
            TensorSpec(shape=(2,), dtype=tf.float64, name=None)
            TensorSpec(shape=(), dtype=tf.int32, name=None)
        """
        from minitf.data.sources import TensorSliceDataset
        return TensorSliceDataset(tensors)

    @staticmethod
    def from_tensors(tensors: Any, name: Optional[str] = None) -> "Dataset":
        """A dataset of exactly one element: ``tensors`` itself.

        Example:
            >>> import minitf as tf
            >>> list(tf.data.Dataset.from_tensors([1, 2]).as_numpy_iterator())
            [array([1, 2], dtype=int32)]
        """
        from minitf.data.sources import TensorDataset
        return TensorDataset(tensors)

    @staticmethod
    def range(*args: Any, output_type: Any = None, name: Optional[str] = None) -> "Dataset":
        """``range(stop)``, ``range(start, stop[, step])`` as int64 scalars (by default).

        Example:
            >>> import minitf as tf
            >>> list(tf.data.Dataset.range(1, 8, 3).as_numpy_iterator())
            [np.int64(1), np.int64(4), np.int64(7)]
        """
        from minitf.data.sources import RangeDataset
        return RangeDataset(args, output_type)

    @staticmethod
    def zip(*datasets: Any, name: Optional[str] = None) -> "Dataset":
        """Elements of several datasets side by side, stopping at the shortest.

        Takes one (nested) tuple/dict of datasets, or datasets as separate arguments.

        Example:
            >>> import minitf as tf
            >>> a, b = tf.data.Dataset.range(3), tf.data.Dataset.range(10, 12)
            >>> list(tf.data.Dataset.zip(a, b).as_numpy_iterator())
            [(np.int64(0), np.int64(10)), (np.int64(1), np.int64(11))]
        """
        from minitf.data.sources import ZipDataset
        if len(datasets) == 1:
            datasets = datasets[0]
        return ZipDataset(datasets)

    @staticmethod
    def from_generator(generator: Callable[..., Any], output_types: Any = None,
                       output_shapes: Any = None, args: Any = None,
                       output_signature: Any = None, name: Optional[str] = None) -> "Dataset":
        """A dataset whose elements a Python generator yields; each pass calls it anew.

        Describe the elements with ``output_signature`` (a structure of
        ``tf.TensorSpec``), or with the older ``output_types`` (and ``output_shapes``).

        Example:
            >>> import minitf as tf
            >>> def gen():
            ...     for i in range(3):
            ...         yield i, [1.0] * i
            >>> ds = tf.data.Dataset.from_generator(gen, output_signature=(
            ...     tf.TensorSpec([], tf.int32), tf.TensorSpec([None], tf.float32)))
            >>> [y.shape.as_list() for _, y in ds]
            [[0], [1], [2]]
        """
        from minitf.data.sources import GeneratorDataset
        return GeneratorDataset(generator, output_types, output_shapes, args,
                                output_signature)


def _check_state(new_state: Any, spec: Any, leaves: list) -> Any:
    # The state may change shape between steps (TF relaxes it), never dtype or structure.
    if isinstance(new_state, list):
        new_state = tuple(new_state)
    arrays = structure.normalize_element(new_state, "reduce state")
    flat = structure.flatten(arrays)
    if len(flat) != len(leaves):
        raise errors.InvalidArgumentError(
            None, None, f"reduce: the number of components of the initial state and the "
            f"reduce function output does not match (initial_state={len(leaves)}, "
            f"output={len(flat)}). Return a state with the structure of initial_state.")
    structure.check_same_structure(spec, new_state, "reduce")
    for arr, s in zip(flat, leaves):
        if arr.dtype != s.dtype.np:
            got = structure._dtype_of(arr)
            raise TypeError(f"The element types for the new state must match the initial "
                            f"state. Expected {s.dtype} but got {got}. Give initial_state "
                            f"the dtype the function returns (e.g. np.int64(0) for an int64 "
                            f"dataset), or tf.cast inside reduce_func.")
    return structure.make_packer(structure.spec_of(arrays))(flat)


class OwnedIterator(map):
    """The iterator of one pass over a dataset (``iter(dataset)``).

    It subclasses the built-in ``map`` on purpose: ``next`` then runs in C, and the only
    Python work per element is the pipeline itself and packing the flat arrays into
    Tensors. Abandoning it (``break``) releases the pass: generators are closed when
    collected, which stops any ``prefetch`` threads.

    Example:
        >>> import minitf as tf
        >>> it = iter(tf.data.Dataset.range(2))
        >>> next(it), it.get_next()
        (<tf.Tensor: shape=(), dtype=int64, numpy=0>, <tf.Tensor: shape=(), dtype=int64, numpy=1>)
    """

    def __new__(cls, dataset: Dataset) -> "OwnedIterator":
        spec = dataset.element_spec
        fused = dataset._tensor_elements()
        if fused is None:
            self = super().__new__(cls, dataset._packer(), dataset._elements())
        else:
            # Already Tensors: only the structure remains, by C-level functions (tuple()
            # of a tuple is the tuple itself; itemgetter(0) unwraps a single tensor).
            shape = tuple if type(spec) is tuple else operator.itemgetter(0)
            self = super().__new__(cls, shape, fused)
        self._element_spec = spec
        return self

    @property
    def element_spec(self) -> Any:
        """The element spec of the dataset being iterated."""
        return self._element_spec

    def get_next(self) -> Any:
        """The next element; ``tf.errors.OutOfRangeError`` at the end (TF's graph style)."""
        try:
            return next(self)
        except StopIteration:
            raise errors.OutOfRangeError(None, None, "End of sequence") from None


class NumpyIterator(map):
    """The iterator of ``Dataset.as_numpy_iterator()``: elements as NumPy values."""

    def __new__(cls, dataset: Dataset) -> "NumpyIterator":
        spec = dataset.element_spec
        return super().__new__(cls, lambda flat: structure.pack_numpy(spec, flat),
                               dataset._elements())

    def __repr__(self) -> str:
        return "<NumpyIterator>"

"""tf.data sources: from_tensor_slices, from_tensors, range, zip, concatenate,
from_generator — structures, dtypes, element specs and errors.

Expected specs, reprs and error classes were checked against TensorFlow 2.21.
"""

from __future__ import annotations

import collections

import numpy as np
import pytest
from hypothesis import given, strategies as st

import minitf as tf
from tests.strategies import sliceable_arrays

pytestmark = pytest.mark.data
D = tf.data.Dataset


@given(sliceable_arrays())
def test_from_tensor_slices_yields_rows_of_every_component(arrays):
    ds = D.from_tensor_slices(arrays)
    rows = list(ds.as_numpy_iterator())
    assert len(rows) == len(arrays[0]) == len(ds) == int(ds.cardinality())
    for i, row in enumerate(rows):
        for component, value in zip(arrays, row):
            np.testing.assert_array_equal(value, component[i])
            assert np.asarray(value).dtype == component.dtype
    for spec, a in zip(ds.element_spec, arrays):
        assert spec.shape == a.shape[1:] and spec.dtype.as_numpy_dtype == a.dtype


def test_the_seed_pair_gives_float32_tensors():
    x = np.linspace(-2, 2, 201, dtype=np.float32)
    ds = D.from_tensor_slices((x, x ** 2))
    xs, ys = next(iter(ds))
    assert isinstance(xs, tf.Tensor) and xs.dtype == tf.float32 and ys.dtype == tf.float32
    assert xs.shape == [] and float(xs) == -2.0


def test_python_lists_follow_tf_dtype_inference_and_are_tensors_not_structures():
    # Real TF: a list is converted to one tensor; Python floats give float32, ints int32.
    ds = D.from_tensor_slices(([1, 2, 3], [4.0, 5.0, 6.0]))
    assert ds.element_spec == (tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.float32))
    ds = D.from_tensor_slices([np.array([1, 2]), np.array([3, 4])])
    assert ds.element_spec == tf.TensorSpec([2], tf.int64)


def test_dicts_namedtuples_and_nesting_are_kept():
    Point = collections.namedtuple("Point", "x y")
    ds = D.from_tensor_slices({"b": Point([1, 2], [3., 4.]), "a": ([5, 6], {"c": [[7], [8]]})})
    first = next(iter(ds.as_numpy_iterator()))
    assert isinstance(first["b"], Point) and list(first) == ["b", "a"]
    assert first["b"].y == np.float32(3.0) and first["a"][1]["c"].tolist() == [7]
    assert ds.element_spec["a"][1]["c"] == tf.TensorSpec([1], tf.int32)


def test_tensor_inputs_and_mutating_the_numpy_source_afterwards():
    x = np.arange(4.0)
    ds = D.from_tensor_slices((tf.constant([1, 2, 3, 4]), x))
    x[:] = -1  # TF copies the data when the dataset is built
    assert [float(b) for _, b in ds] == [0.0, 1.0, 2.0, 3.0]


def test_as_numpy_iterator_returns_copies():
    ds = D.from_tensor_slices(np.zeros((2, 3))).batch(2)
    a = next(iter(ds.as_numpy_iterator()))
    a[:] = 7
    assert next(iter(ds.as_numpy_iterator())).sum() == 0


def test_mismatched_first_dimensions_name_the_sizes():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[3, 4\]"):
        D.from_tensor_slices((np.zeros(3), np.zeros((4, 2))))
    # TensorFlow raises ValueError here; minitf's error is both.
    with pytest.raises(ValueError, match="3 and 4"):
        D.from_tensor_slices({"a": np.zeros(3), "b": np.zeros(4)})


@pytest.mark.parametrize("bad, error, text", [
    (1.0, ValueError, "rank >= 1"),
    ((), ValueError, "should not be empty"),
    ([[1, 2], [3]], ValueError, "non-rectangular"),
    ((np.zeros(2), None), TypeError, "None"),
])
def test_from_tensor_slices_rejects(bad, error, text):
    with pytest.raises(error, match=text):
        D.from_tensor_slices(bad)


def test_empty_slices_keep_the_row_spec():
    ds = D.from_tensor_slices(np.zeros((0, 3)))
    assert ds.element_spec == tf.TensorSpec([3], tf.float64) and list(ds) == []
    assert D.from_tensor_slices([]).element_spec == tf.TensorSpec([], tf.float32)


def test_from_tensors_is_one_element():
    ds = D.from_tensors(([1, 2], {"k": 3.0}))
    (only,) = list(ds.as_numpy_iterator())
    assert only[0].tolist() == [1, 2] and only[1]["k"] == np.float32(3.0)
    assert ds.element_spec[0] == tf.TensorSpec([2], tf.int32) and len(ds) == 1


@given(st.integers(-20, 20), st.integers(-20, 20), st.integers(-5, 5).filter(bool))
def test_range_matches_python_range_as_int64(start, stop, step):
    ds = D.range(start, stop, step)
    values = list(ds.as_numpy_iterator())
    assert values == list(range(start, stop, step))
    assert all(type(v) is np.int64 for v in values)
    assert int(ds.cardinality()) == len(range(start, stop, step))


def test_range_forms_and_errors():
    assert list(D.range(3).as_numpy_iterator()) == [0, 1, 2]
    assert D.range(2, output_type=tf.int32).element_spec == tf.TensorSpec([], tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="non-zero"):
        D.range(0, 5, 0)
    with pytest.raises(TypeError, match="1.5"):
        D.range(1.5)


def test_zip_stops_at_the_shortest_and_nests():
    a, b = D.range(3), D.range(10, 20)
    assert list(D.zip(a, b).as_numpy_iterator()) == [(0, 10), (1, 11), (2, 12)]
    nested = D.zip((a, {"y": b, "x": a.map(lambda v: v * 2)}))
    first = next(iter(nested.as_numpy_iterator()))
    assert first == (0, {"y": 10, "x": 0})
    assert list(first[1]) == ["y", "x"]
    with pytest.raises(TypeError, match="Invalid input to `zip`"):
        D.zip((a, 5))


def test_concatenate_relaxes_shapes_and_refuses_other_dtypes():
    a = D.from_tensors([1, 2])
    b = D.from_tensors([1, 2, 3])
    assert a.concatenate(b).element_spec == tf.TensorSpec([None], tf.int32)
    assert D.range(3).concatenate(D.range(2).batch(2)).element_spec.shape.rank is None
    with pytest.raises(TypeError, match="Incompatible dataset elements"):
        D.range(3).concatenate(D.range(2).map(lambda x: tf.cast(x, tf.int32)))


def _gen():
    for i in range(3):
        yield i, np.ones(i, np.float32)


def test_from_generator_with_output_signature():
    ds = D.from_generator(_gen, output_signature=(
        tf.TensorSpec([], tf.int32), tf.TensorSpec([None], tf.float32)))
    rows = list(ds.as_numpy_iterator())
    assert [r[1].shape for r in rows] == [(0,), (1,), (2,)]
    assert rows[2][0] == np.int32(2) and int(ds.cardinality()) == tf.data.UNKNOWN_CARDINALITY
    assert [len(list(ds)), len(list(ds))] == [3, 3]  # each pass calls the generator again


def test_from_generator_older_types_and_shapes_and_args():
    ds = D.from_generator(_gen, output_types=(tf.int32, tf.float32))
    assert ds.element_spec[1].shape.rank is None
    ds = D.from_generator(_gen, output_types=(tf.int32, tf.float32),
                          output_shapes=((), (None,)))
    assert ds.element_spec == (tf.TensorSpec([], tf.int32), tf.TensorSpec([None], tf.float32))
    ds = D.from_generator(lambda n: iter(range(n)), output_types=tf.int64, args=(3,))
    assert list(ds.as_numpy_iterator()) == [0, 1, 2]


def test_from_generator_copies_reused_buffers():
    def reuse():
        buf = np.zeros(2)
        for i in range(3):
            buf[:] = i
            yield buf
    ds = D.from_generator(reuse, output_signature=tf.TensorSpec([2], tf.float64))
    assert [float(t[0]) for t in list(ds)] == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("kwargs, text", [
    ({}, "either the `output_signature`"),
    ({"output_types": tf.int32, "output_signature": tf.TensorSpec([], tf.int32)},
     "can not be used together"),
    ({"output_signature": (1, 2)}, "tf.TypeSpec"),
])
def test_from_generator_signature_errors(kwargs, text):
    with pytest.raises(TypeError, match=text):
        D.from_generator(_gen, **kwargs)
    with pytest.raises(TypeError, match="callable"):
        D.from_generator(iter([1]), output_types=tf.int32)


def test_from_generator_element_errors():
    wrong_shape = D.from_generator(_gen, output_signature=(
        tf.TensorSpec([], tf.int32), tf.TensorSpec([2], tf.float32)))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"shape \(0,\).*\(2,\)"):
        list(wrong_shape)
    wrong_structure = D.from_generator(lambda: iter([1]), output_signature=(
        tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected structure"):
        list(wrong_structure)

    def boom():
        yield 1
        raise RuntimeError("boom")
    ds = D.from_generator(boom, output_types=tf.int32)
    with pytest.raises(tf.errors.UnknownError, match="RuntimeError: boom") as info:
        list(ds)
    assert isinstance(info.value.__cause__, RuntimeError)


def test_reprs_use_tensorflows_class_names():
    assert repr(D.range(3).batch(2)) == \
        "<_BatchDataset element_spec=TensorSpec(shape=(None,), dtype=tf.int64, name=None)>"
    assert repr(D.from_tensor_slices([1, 2])).startswith("<_TensorSliceDataset")
    assert repr(D.range(3).cache()).startswith("<CacheDataset")
    assert repr(D.range(3).map(lambda x: x, num_parallel_calls=2)).startswith(
        "<_ParallelMapDataset")

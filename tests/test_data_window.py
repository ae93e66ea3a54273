"""``Dataset.window``: elements that are datasets, TF's window arithmetic.

Values and specs printed by TensorFlow 2.21 for the same pipelines (the tf.data guide's
time-series section); a property comparing every window, and the cardinality, with a
direct computation over random sizes, shifts, strides and lengths; the errors.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitf as tf

pytestmark = pytest.mark.data


def _windows(ds):
    return [[int(x) for x in w] for w in ds]


def test_the_guides_windows_as_tensorflow_prints_them():
    range_ds = tf.data.Dataset.range(100000)
    window_ds = range_ds.window(5)
    assert repr(window_ds) == ("<_WindowDataset element_spec=DatasetSpec(TensorSpec("
                               "shape=(), dtype=tf.int64, name=None), TensorShape([]))>")
    assert int(window_ds.cardinality()) == 20000
    assert _windows(window_ds.take(2)) == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    batches = range_ds.window(10, shift=5, stride=3).flat_map(
        lambda sub: sub.batch(10, drop_remainder=True))
    assert [b.numpy().tolist() for b in batches.take(2)] == [
        [0, 3, 6, 9, 12, 15, 18, 21, 24, 27], [5, 8, 11, 14, 17, 20, 23, 26, 29, 32]]


def test_tuple_and_dict_elements_give_datasets_per_component():
    pairs = tf.data.Dataset.from_tensor_slices(([1, 2, 3], [4., 5., 6.])).window(2)
    assert repr(pairs.element_spec) == (
        "(DatasetSpec(TensorSpec(shape=(), dtype=tf.int32, name=None), TensorShape([])), "
        "DatasetSpec(TensorSpec(shape=(), dtype=tf.float32, name=None), TensorShape([])))")
    assert [([int(v) for v in a], [float(v) for v in b]) for a, b in pairs] == [
        ([1, 2], [4.0, 5.0]), ([3], [6.0])]
    named = tf.data.Dataset.from_tensor_slices({"a": [1, 2, 3]}).window(2)
    assert list(named.element_spec) == ["a"]


def test_windows_can_be_reduced_with_map():
    sums = tf.data.Dataset.range(10).window(3).map(
        lambda w: w.reduce(tf.constant(0, tf.int64), lambda s, x: s + x))
    assert sums.element_spec == tf.TensorSpec([], tf.int64)
    assert [int(s) for s in sums] == [3, 12, 21, 9]  # TF 2.21 prints the same


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 14), st.integers(1, 5), st.integers(1, 5), st.integers(1, 3),
       st.booleans())
def test_every_window_and_the_cardinality(n, size, shift, stride, drop):
    ds = tf.data.Dataset.range(n).window(size, shift=shift, stride=stride,
                                         drop_remainder=drop)
    expected = []
    for start in range(0, n, shift):
        members = [i for i in range(start, min(n, start + (size - 1) * stride + 1), stride)]
        if drop and len(members) < size:
            break
        expected.append(members)
    assert _windows(ds) == expected
    assert int(ds.cardinality()) == len(expected)


def test_an_infinite_input_gives_windows_lazily():
    ds = tf.data.Dataset.range(3).repeat().window(4, shift=2)
    assert int(ds.cardinality()) == tf.data.INFINITE_CARDINALITY
    assert _windows(ds.take(3)) == [[0, 1, 2, 0], [2, 0, 1, 2], [1, 2, 0, 1]]


def test_non_positive_arguments_are_refused():
    for kw, what in ((dict(size=0), "size"), (dict(size=2, shift=0), "shift"),
                     (dict(size=2, stride=0), "stride")):
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=f"Window {what} must be greater than zero"):
            tf.data.Dataset.range(3).window(**kw)

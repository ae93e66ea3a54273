"""``Dataset.flat_map`` and ``Dataset.interleave``.

Orders printed by TensorFlow 2.21 for the same pipelines; properties that hold for any
cycle and block length (nothing lost or duplicated, each inner dataset read in its own
order, ``cycle_length=1`` is ``flat_map``, ``flat_map`` of row slices undoes ``batch``);
and the errors.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitf as tf

pytestmark = pytest.mark.data


def _repeat_self(x):
    return tf.data.Dataset.from_tensors(x).repeat(x)


def _ints(ds):
    return [int(v) for v in ds.as_numpy_iterator()]


def test_orders_printed_by_tensorflow():
    ds = tf.data.Dataset.range(1, 6)
    assert _ints(ds.flat_map(_repeat_self)) == [1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5]
    assert _ints(ds.interleave(_repeat_self, cycle_length=3)) == [
        1, 2, 3, 2, 3, 4, 3, 4, 5, 4, 5, 4, 5, 5, 5]
    assert _ints(ds.interleave(_repeat_self, cycle_length=2, block_length=3,
                               num_parallel_calls=tf.data.AUTOTUNE)) == [
        1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5]
    three = tf.data.Dataset.range(1, 4).interleave(
        lambda x: tf.data.Dataset.from_tensors(x).repeat(3), cycle_length=2, block_length=2)
    assert _ints(three) == [1, 1, 2, 2, 1, 2, 3, 3, 3]


def test_spec_cardinality_and_names_as_tensorflow():
    ds = tf.data.Dataset.range(1, 6)
    flat = ds.flat_map(_repeat_self)
    assert repr(flat) == ("<_FlatMapDataset element_spec=TensorSpec(shape=(), "
                          "dtype=tf.int64, name=None)>")
    assert int(flat.cardinality()) == tf.data.UNKNOWN_CARDINALITY
    assert repr(ds.interleave(_repeat_self, 2)).startswith("<_InterleaveDataset ")
    assert repr(ds.interleave(_repeat_self, 2, num_parallel_calls=2)).startswith(
        "<_ParallelInterleaveDataset ")


def test_tuple_elements_are_unpacked_and_kept():
    pairs = tf.data.Dataset.from_tensor_slices(([1, 2], [3, 4])).flat_map(
        lambda a, b: tf.data.Dataset.from_tensor_slices(([a, b], [b, a])))
    assert pairs.element_spec == (tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32))
    assert [(int(a), int(b)) for a, b in pairs] == [(1, 3), (3, 1), (2, 4), (4, 2)]


def test_an_empty_input_gives_an_empty_dataset_with_a_spec():
    empty = tf.data.Dataset.range(0).flat_map(lambda x: tf.data.Dataset.from_tensors(x))
    assert empty.element_spec == tf.TensorSpec([], tf.int64) and list(empty) == []


def test_each_pass_starts_afresh():
    ds = tf.data.Dataset.range(1, 4).interleave(_repeat_self, cycle_length=2)
    assert _ints(ds) == _ints(ds)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=0, max_size=6), st.integers(1, 4),
       st.integers(1, 4))
def test_interleave_keeps_every_element_and_each_inner_order(lengths, cycle, block):
    # Inner dataset k yields 100*k + 0, 100*k + 1, ...: its elements name their source.
    sizes = tf.data.Dataset.from_tensor_slices(np.array(lengths, np.int64))
    source = sizes.enumerate().interleave(
        lambda k, n: tf.data.Dataset.range(n).map(lambda i: 100 * k + i),
        cycle_length=cycle, block_length=block)
    got = _ints(source)
    expected = [100 * k + i for k, n in enumerate(lengths) for i in range(n)]
    assert sorted(got) == sorted(expected)
    for k in range(len(lengths)):
        assert [v for v in got if v // 100 == k] == [100 * k + i for i in range(lengths[k])]
    if cycle == 1:
        assert got == expected  # one slot: the datasets one after another, as flat_map


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 20), st.integers(1, 6))
def test_flat_map_of_row_slices_undoes_batch(n, batch):
    batched = tf.data.Dataset.range(n).batch(batch)
    assert _ints(batched.flat_map(tf.data.Dataset.from_tensor_slices)) == list(range(n))


def test_errors_say_what_to_write():
    ds = tf.data.Dataset.range(3)
    with pytest.raises(TypeError, match=r"flat_map: the function must return a "
                                        r"tf.data.Dataset.*got Tensor"):
        ds.flat_map(lambda x: x)
    for kw, name in ((dict(cycle_length=0), "cycle_length"),
                     (dict(block_length=0), "block_length")):
        with pytest.raises(tf.errors.InvalidArgumentError, match=f"{name} must be greater"):
            ds.interleave(_repeat_self, **kw)
    mixed = ds.flat_map(lambda x: tf.data.Dataset.from_tensors(x) if int(x) < 1
                        else tf.data.Dataset.from_tensors(tf.cast(x, tf.float32)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="same element structure"):
        list(mixed)

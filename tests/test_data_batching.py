"""tf.data batching: batch, unbatch, padded_batch — the vectorised row path and the
stacking path must agree, ``unbatch(batch(d))`` is ``d``, and specs/errors follow TF.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import minitf as tf
from tests.strategies import sliceable_arrays

pytestmark = pytest.mark.data
D = tf.data.Dataset


def rows(ds: tf.data.Dataset) -> list:
    out = []
    for e in ds.as_numpy_iterator():
        out.append(tuple(np.asarray(v) for v in (e if isinstance(e, tuple) else (e,))))
    return out


def assert_same_rows(a: list, b: list) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert len(x) == len(y)
        for u, v in zip(x, y):
            assert u.dtype == v.dtype
            np.testing.assert_array_equal(u, v)


@given(sliceable_arrays(max_rows=20), st.integers(1, 7), st.booleans())
def test_batch_matches_numpy_slicing(arrays, size, drop):
    ds = D.from_tensor_slices(arrays).batch(size, drop_remainder=drop)
    n = len(arrays[0])
    end = n // size * size if drop else n
    expected = [tuple(a[i:i + size] for a in arrays) for i in range(0, end, size)]
    assert_same_rows(rows(ds), expected)
    assert int(ds.cardinality()) == len(expected)
    assert ds.element_spec[0].shape[0] == (size if drop else None)


@given(sliceable_arrays(max_rows=20), st.integers(1, 7), st.booleans())
def test_row_plan_and_stacking_paths_agree(arrays, size, drop):
    fast = D.from_tensor_slices(arrays).batch(size, drop)
    # map(identity) hides the row plan, so batch stacks element by element.
    slow = D.from_tensor_slices(arrays).map(lambda *xs: xs).batch(size, drop)
    assert_same_rows(rows(fast), rows(slow))


@given(sliceable_arrays(max_rows=20), st.integers(1, 6))
def test_unbatch_of_batch_is_identity(arrays, size):
    ds = D.from_tensor_slices(arrays)
    assert_same_rows(rows(ds.batch(size).unbatch()), rows(ds))
    assert ds.batch(size).unbatch().element_spec == ds.element_spec


@given(st.integers(0, 30), st.integers(1, 8), st.integers(1, 3))
def test_batches_span_repeat_boundaries(n, size, count):
    # Row plans carry leftover rows into the next pass, like element-wise batching.
    got = [b.tolist() for b in D.range(n).repeat(count).batch(size).as_numpy_iterator()]
    flat = list(range(n)) * count
    assert got == [flat[i:i + size] for i in range(0, len(flat), size)]


@given(sliceable_arrays(max_rows=20), st.integers(1, 7), st.booleans(), st.integers(1, 3),
       st.integers(0, 5))
def test_a_small_shuffled_pass_gathered_at_once_gives_the_batches_gathered_one_by_one(
        arrays, size, drop, count, seed):
    # Iterating a tuple dataset gathers a small shuffled pass once and slices it; the
    # NumPy iterator (a packer over plan_batches) gathers each batch by itself. The same
    # seed gives both the same orders, pass after pass (repeat spans passes too).
    import minitf.data.batching as batching

    def passes():  # a new dataset each time: its pass counter starts at 0
        ds = D.from_tensor_slices(arrays).shuffle(5, seed=seed).repeat(count)
        ds = ds.batch(size, drop)
        return [[tuple(np.atleast_1d(t.numpy()) for t in (batch if isinstance(batch, tuple)
                                                      else (batch,)))
                 for batch in ds] for _ in range(2)]
    gathered = passes()
    limit, batching._GATHER_PASS_BYTES = batching._GATHER_PASS_BYTES, -1  # never at once
    try:
        one_by_one = passes()
    finally:
        batching._GATHER_PASS_BYTES = limit
    assert len(gathered) == len(one_by_one)
    for a, b in zip(gathered, one_by_one):
        assert len(a) == len(b)
        for batch_a, batch_b in zip(a, b):
            for x, y in zip(batch_a, batch_b):
                np.testing.assert_array_equal(x, y)


def test_fused_batches_are_tensors_of_the_right_dtype():
    x = np.arange(10, dtype=np.float32).reshape(5, 2)
    y = np.arange(5, dtype=np.int64)
    batches = list(D.from_tensor_slices((x, y)).batch(2))
    assert [b[0].shape.as_list() for b in batches] == [[2, 2], [2, 2], [1, 2]]
    assert all(isinstance(b, tuple) and b[0].dtype == tf.float32 and b[1].dtype == tf.int64
               for b in batches)
    single = list(D.from_tensor_slices(y).batch(4))
    assert isinstance(single[0], tf.Tensor) and single[1].numpy().tolist() == [4]
    named = D.from_tensor_slices({"x": x, "y": y}).batch(4)
    assert next(iter(named))["y"].numpy().tolist() == [0, 1, 2, 3]


def test_batch_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="greater than zero"):
        D.range(3).batch(0)
    with pytest.raises(TypeError):
        D.range(3).batch(2.5)
    ragged = D.from_tensors([1, 2]).concatenate(D.from_tensors([1, 2, 3]))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="different shapes in component 0.*shape \\[2\\].*\\[3\\]"):
        list(ragged.batch(2))


def test_unbatch_errors():
    with pytest.raises(ValueError, match="scalar components"):
        D.range(3).unbatch()
    with pytest.raises(ValueError, match="Encountered both 2 and 3"):
        D.from_tensors(([1, 2], [1, 2, 3])).unbatch()


def _lengths(n: int) -> tf.data.Dataset:
    return D.range(n).map(lambda x: tf.fill([x], x))


def test_padded_batch_pads_to_the_longest_in_each_batch():
    # Values printed by TF 2.21.
    got = [b.tolist() for b in _lengths(5).padded_batch(2).as_numpy_iterator()]
    assert got == [[[0], [1]], [[2, 2, 0], [3, 3, 3]], [[4, 4, 4, 4]]]
    assert _lengths(5).padded_batch(2).element_spec == tf.TensorSpec([None, None], tf.int64)


def test_padded_batch_with_shapes_values_and_structures():
    ds = _lengths(5).padded_batch(2, padded_shapes=[6], padding_values=np.int64(-1),
                                  drop_remainder=True)
    assert ds.element_spec == tf.TensorSpec([2, 6], tf.int64)
    assert [b.tolist() for b in ds.as_numpy_iterator()] == [
        [[-1] * 6, [1] + [-1] * 5], [[2, 2] + [-1] * 4, [3, 3, 3] + [-1] * 3]]
    pairs = D.range(3).map(lambda x: (tf.fill([x], x), x)).padded_batch(2)
    (a, b), (c, d) = pairs.as_numpy_iterator()
    assert a.tolist() == [[0], [1]] and b.tolist() == [0, 1] and c.tolist() == [[2, 2]]


@given(st.lists(st.integers(0, 5), min_size=1, max_size=10), st.integers(1, 4))
def test_padded_batch_keeps_every_value(lengths, size):
    def gen():
        for i, n in enumerate(lengths):
            yield np.full(n, i + 1, np.int32)
    ds = D.from_generator(gen, output_signature=tf.TensorSpec([None], tf.int32))
    out = [b for b in ds.padded_batch(size).as_numpy_iterator()]
    flat = [row for b in out for row in b]
    assert len(flat) == len(lengths)
    for i, (row, n) in enumerate(zip(flat, lengths)):
        assert row[:n].tolist() == [i + 1] * n and not row[n:].any()


def test_padded_batch_errors():
    with pytest.raises(ValueError, match="not compatible with the shape \\(\\)"):
        D.range(3).padded_batch(2, padded_shapes=[3])
    with pytest.raises(tf.errors.DataLossError, match="smaller size"):
        list(_lengths(5).padded_batch(2, padded_shapes=[2]))
    with pytest.raises(TypeError, match="padding_values"):
        _lengths(5).padded_batch(2, padding_values=-1)  # int32 for int64 data, as in TF


_row_steps = st.lists(st.one_of(
    st.tuples(st.just("take"), st.integers(-1, 25)),
    st.tuples(st.just("skip"), st.integers(0, 25)),
    st.tuples(st.just("repeat"), st.integers(0, 3)),
    st.tuples(st.just("shard"), st.integers(1, 3)),
    st.tuples(st.just("shuffle"), st.integers(1, 30)),
    st.tuples(st.just("cache"), st.none()),
), max_size=4)


@given(st.integers(0, 20), _row_steps, st.integers(1, 6), st.booleans())
def test_batching_after_row_selections_matches_the_list_model(n, steps, size, drop):
    # These steps keep the vectorised row plan: the batches must still be the model's.
    ds, model = D.from_tensor_slices(np.arange(n)), list(range(n))
    for name, arg in steps:
        if name == "take":
            ds, model = ds.take(arg), (model if arg < 0 else model[:arg])
        elif name == "skip":
            ds, model = ds.skip(arg), model[arg:]
        elif name == "repeat":
            ds, model = ds.repeat(arg), model * arg
        elif name == "shard":
            ds, model = ds.shard(arg, 0), model[::arg]
        elif name == "shuffle":
            ds = ds.shuffle(arg, seed=3, reshuffle_each_iteration=False)
            model = [int(v) for v in ds.as_numpy_iterator()]
        else:
            ds = ds.cache()
    got = [b.tolist() for b in ds.batch(size, drop).as_numpy_iterator()]
    end = len(model) // size * size if drop else len(model)
    assert got == [model[i:i + size] for i in range(0, end, size)]

"""tf.data shuffle: the seed guide's training loop, TF's buffer semantics, and TF's seed
semantics (new order per pass; seeds replay the same sequence of orders).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import minitf as tf
from minitf.data.shuffle import buffer_shuffle, passes_per_block, shuffle_indices

pytestmark = pytest.mark.data
D = tf.data.Dataset


def order(ds: tf.data.Dataset) -> list:
    return [int(v) for v in ds.as_numpy_iterator()]


def test_the_seed_guides_dataset_gives_7_batches_and_a_new_order_each_epoch():
    x = np.linspace(-2, 2, 201, dtype=np.float32)
    y = x ** 2 + 2 * x - 5
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    dataset = dataset.shuffle(buffer_size=x.shape[0]).batch(32)
    epochs = []
    for _ in range(3):
        sizes, xs = [], []
        for x_batch, y_batch in dataset:
            assert x_batch.dtype == tf.float32 and y_batch.dtype == tf.float32
            xb = x_batch.numpy()
            np.testing.assert_allclose(y_batch.numpy(), xb ** 2 + 2 * xb - 5,
                                       rtol=1e-6, atol=1e-6)  # pairs stay together
            sizes.append(x_batch.shape[0])
            xs.extend(x_batch.numpy().tolist())
        assert sizes == [32] * 6 + [9]
        assert sorted(xs) == sorted(x.tolist())
        epochs.append(xs)
    assert epochs[0] != epochs[1] != epochs[2]
    assert len(dataset) == 7


@given(st.integers(0, 40), st.integers(1, 50), st.integers(0, 2**31 - 1))
def test_shuffle_keeps_the_multiset_and_a_seed_reproduces_it(n, buffer, seed):
    ds = D.range(n).shuffle(buffer, seed=seed)
    first = order(ds)
    assert sorted(first) == list(range(n))
    assert order(D.range(n).shuffle(buffer, seed=seed)) == first  # rebuilt: same order
    assert int(ds.cardinality()) == n


@given(st.integers(1, 40), st.integers(1, 10), st.integers(0, 1000))
def test_buffer_semantics_bound_how_early_an_element_can_appear(n, buffer, seed):
    # Output k is drawn from a buffer holding inputs up to index k + buffer - 1.
    out = order(D.range(n).shuffle(buffer, seed=seed))
    assert all(v < k + buffer for k, v in enumerate(out))


def test_buffer_of_one_keeps_the_order():
    assert order(D.range(10).shuffle(1)) == list(range(10))


def test_reshuffle_each_iteration():
    ds = D.range(20).shuffle(20, seed=3)
    a, b = order(ds), order(ds)
    assert a != b
    again = D.range(20).shuffle(20, seed=3)
    assert [order(again), order(again)] == [a, b]  # the sequence of orders replays
    fixed = D.range(20).shuffle(20, seed=3, reshuffle_each_iteration=False)
    assert order(fixed) == order(fixed)
    assert order(fixed.repeat(2)) == order(fixed) * 2
    # repeat() after shuffle reshuffles each repetition, like separate epochs.
    assert order(D.range(20).shuffle(20, seed=3).repeat(2)) == a + b


def test_global_seed_makes_unseeded_shuffles_repeat():
    tf.random.set_seed(5)
    a, b = order(D.range(30).shuffle(30)), order(D.range(30).shuffle(30))
    tf.random.set_seed(5)
    assert [order(D.range(30).shuffle(30)), order(D.range(30).shuffle(30))] == [a, b]
    assert a != b  # the op seeds differ (a counter), as in TF


def test_row_plan_and_element_paths_shuffle_identically():
    # The vectorised path (shuffling row indices) makes the same draws as the buffer
    # over elements, so both give the same order for the same seed.
    rng = lambda: np.random.default_rng(7)  # noqa: E731
    for n, buffer in [(50, 50), (50, 8), (5, 100)]:
        items = list(buffer_shuffle(iter(range(n)), buffer, rng()))
        assert shuffle_indices(np.arange(n), buffer, rng()).tolist() == items
    x = np.arange(40)
    fast = order(D.from_tensor_slices(x).shuffle(8, seed=2))
    slow = order(D.from_tensor_slices(x).map(lambda v: v).shuffle(8, seed=2))
    assert fast == slow
    # A buffer holding everything: the row plan permutes with a generator the dataset
    # re-keys per pass, the element path makes a new one per pass; same orders, pass
    # after pass.
    fast_ds = D.from_tensor_slices(x).shuffle(40, seed=3)
    slow_ds = D.from_tensor_slices(x).map(lambda v: v).shuffle(40, seed=3)
    passes = [(order(fast_ds), order(slow_ds)) for _ in range(3)]
    assert all(f == s for f, s in passes)
    assert passes[0][0] != passes[1][0] != passes[2][0]


def test_whole_pass_orders_come_in_blocks_that_replay_and_stay_uniform():
    # A buffer holding the whole pass draws passes_per_block(n) permutations at once.
    # Across block boundaries: every pass a permutation, a new one each pass, the same
    # sequence from a rebuilt dataset and from the element path; the orders handed
    # out are read-only (a block serves later passes).
    n = 2000
    per_block = passes_per_block(n)
    assert per_block == 32
    x = np.arange(n)
    fast_ds = D.from_tensor_slices(x).shuffle(n, seed=4)
    again = D.from_tensor_slices(x).shuffle(n, seed=4)
    slow_ds = D.from_tensor_slices(x).map(lambda v: v).shuffle(n, seed=4)
    passes = [order(fast_ds) for _ in range(per_block + 3)]
    assert all(sorted(p) == x.tolist() for p in passes)
    assert len({tuple(p) for p in passes}) == len(passes)
    assert [order(again) for _ in passes] == passes
    assert [order(slow_ds) for _ in passes] == passes
    # Uniform: over many passes each row lands in each half about equally often.
    small = D.range(10).shuffle(10, seed=9)
    firsts = np.array([order(small)[0] for _ in range(3 * passes_per_block(10))])
    counts = np.bincount(firsts, minlength=10)
    assert counts.min() > 0 and counts.max() < 45  # ~19 each; a stuck row would fail
    with pytest.raises(ValueError, match="read-only"):
        fast_ds._permutation(n)[0] = 1


def test_shuffle_then_batch_uses_whole_rows():
    x = np.arange(100, dtype=np.float32)
    ds = D.from_tensor_slices((x, -x)).shuffle(100, seed=0).batch(16)
    seen = []
    for xb, yb in ds:
        np.testing.assert_array_equal(yb.numpy(), -xb.numpy())
        seen.extend(xb.numpy().tolist())
    assert sorted(seen) == x.tolist() and seen != x.tolist()


@pytest.mark.parametrize("size", [0, -5])
def test_bad_buffer_sizes(size):
    with pytest.raises(tf.errors.InvalidArgumentError, match="greater than zero"):
        D.range(3).shuffle(size)
    with pytest.raises(TypeError):
        D.range(3).shuffle(2.5)


def test_unknown_cardinality_buffer_shuffles_everything():
    out = order(D.range(30).shuffle(tf.data.UNKNOWN_CARDINALITY, seed=1))
    assert sorted(out) == list(range(30)) and out != list(range(30))

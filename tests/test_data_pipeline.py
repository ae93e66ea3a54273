"""tf.data passes, prefetch and cache: each ``for`` is a fresh pass; prefetching runs in
a thread that propagates errors and never outlives its pass; caches (memory and file)
replay the first complete pass.
"""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import minitf as tf
from tests.strategies import sliceable_arrays

pytestmark = pytest.mark.data
D = tf.data.Dataset


def prefetch_threads() -> list:
    return [t for t in threading.enumerate() if t.name == "minitf-data-prefetch"]


def wait_for_no_prefetch_threads(timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while prefetch_threads() and time.monotonic() < end:
        time.sleep(0.01)
    return not prefetch_threads()


def flat_rows(ds: tf.data.Dataset) -> list:
    return [[np.asarray(v) for v in tf.nest.flatten(e)] for e in ds.as_numpy_iterator()]


def test_each_for_loop_is_a_fresh_pass_yielding_tensors():
    ds = D.from_tensor_slices({"a": [1, 2, 3]}).map(lambda d: d["a"] * 10)
    assert [int(v) for v in ds] == [10, 20, 30]
    assert [int(v) for v in ds] == [10, 20, 30]
    it1, it2 = iter(ds), iter(ds)
    assert int(next(it1)) == 10 and int(next(it1)) == 20 and int(next(it2)) == 10
    assert isinstance(next(iter(ds)), tf.Tensor)
    with pytest.raises(tf.errors.OutOfRangeError):
        for _ in range(4):
            it2.get_next()


@settings(max_examples=20)
@given(sliceable_arrays(max_rows=15), st.integers(0, 4), st.integers(1, 5))
def test_prefetch_yields_the_same_sequence(arrays, buffer, size):
    base = D.from_tensor_slices(arrays).map(lambda *xs: xs).batch(size)
    expected = flat_rows(base)
    got = flat_rows(base.prefetch(buffer))
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)
    assert wait_for_no_prefetch_threads()


def _recording_source(log: list, n: int = 6) -> tf.data.Dataset:
    # A generator records, per element, the thread that produced it (map functions may
    # be traced, and then their Python runs only once).
    def gen():
        for i in range(n):
            log.append(threading.current_thread().name)
            yield i
    return D.from_generator(gen, output_signature=tf.TensorSpec([], tf.int64))


def test_prefetch_really_runs_ahead_in_a_thread():
    producers = []
    ds = _recording_source(producers).map(lambda x: x * 2).prefetch(3)
    it = iter(ds)
    assert int(next(it)) == 0
    deadline = time.monotonic() + 5
    while len(producers) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)  # the consumer is idle; the producer keeps filling the buffer
    assert len(producers) >= 4
    assert set(producers) == {"minitf-data-prefetch"}
    assert [int(v) for v in it] == [2, 4, 6, 8, 10]


def test_prefetch_propagates_producer_errors_in_order():
    def gen():
        yield 1
        yield 2
        raise RuntimeError("broken input")
    ds = D.from_generator(gen, output_types=tf.int32).prefetch(tf.data.AUTOTUNE)
    got = []
    with pytest.raises(tf.errors.UnknownError, match="broken input"):
        for v in ds:
            got.append(int(v))
    assert got == [1, 2]
    assert wait_for_no_prefetch_threads()


def test_abandoned_iteration_leaks_no_threads():
    ds = D.range(10).repeat().map(lambda x: x + 1).prefetch(2).prefetch(2)
    for _ in range(3):
        for i, _v in enumerate(ds):
            if i == 5:
                break
    it = iter(ds)
    next(it)
    del it
    assert wait_for_no_prefetch_threads()


def test_prefetch_arguments():
    assert [int(v) for v in D.range(3).prefetch(0)] == [0, 1, 2]
    with pytest.raises(tf.errors.InvalidArgumentError, match="buffer_size"):
        D.range(3).prefetch(-2)


def test_memory_cache_replays_the_first_complete_pass():
    log = []
    ds = _recording_source(log, 5).map(lambda x: x + 1).cache()
    first = [int(v) for v in ds]
    assert first == [1, 2, 3, 4, 5] and len(log) == 5
    assert [int(v) for v in ds] == first and len(log) == 5  # read from the cache


def test_memory_cache_ignores_an_abandoned_pass_and_freezes_shuffles():
    ds = D.range(6).shuffle(6).cache()
    assert [int(v) for v in ds] == [int(v) for v in ds]
    log = []
    ds = _recording_source(log, 4).cache()
    next(iter(ds))  # abandoned after one element: nothing is cached
    before = len(log)
    assert [int(v) for v in ds] == [0, 1, 2, 3]
    assert len(log) - before == 4
    assert [int(v) for v in ds] == [0, 1, 2, 3] and len(log) - before == 4


def _counting_generator(calls: list):
    def gen():
        calls.append(1)
        for i in range(4):
            yield i, np.full(i, 0.5, np.float32)
    return gen


def test_file_cache_writes_data_only_and_reads_it_on_later_passes(tmp_path):
    calls = []
    spec = (tf.TensorSpec([], tf.int64), tf.TensorSpec([None], tf.float32))
    path = str(tmp_path / "cache")
    ds = D.from_generator(_counting_generator(calls), output_signature=spec).cache(path)
    first = flat_rows(ds)
    assert os.path.exists(path + ".npz") and len(calls) == 1
    with np.load(path + ".npz", allow_pickle=False) as archive:  # no pickled objects
        assert "__meta__" in archive.files
    second = flat_rows(ds)
    assert len(calls) == 1  # the generator did not run again: the file was read
    for a, b in zip(first, second):
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)
    # A new dataset with the same filename reads the same file.
    again = D.from_generator(_counting_generator(calls), output_signature=spec).cache(path)
    assert len(flat_rows(again)) == 4 and len(calls) == 1


def test_file_cache_over_arrays_batches_from_the_file(tmp_path):
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    path = str(tmp_path / "rows")
    ds = D.from_tensor_slices((x, x[:, 0])).shuffle(6, seed=4).cache(path)
    first = [b[0].numpy().tolist() for b in ds.batch(4)]
    assert os.path.exists(path + ".npz")
    assert [b[0].numpy().tolist() for b in ds.batch(4)] == first  # frozen order
    assert sorted(r for b in first for r in b) == x.tolist()


def test_file_cache_refuses_a_file_of_other_dtypes_and_an_abandoned_pass_writes_nothing(
        tmp_path):
    path = str(tmp_path / "c")
    ds = D.range(5).map(lambda x: x).cache(path)
    it = iter(ds)
    next(it)
    del it
    assert not os.path.exists(path + ".npz")
    list(ds)
    other = D.range(5).map(lambda x: tf.cast(x, tf.float32)).cache(path)
    with pytest.raises(tf.errors.DataLossError, match="dtypes"):
        list(other)


def test_truncated_cache_file_is_a_clear_error(tmp_path):
    path = str(tmp_path / "t")
    list(D.range(5).map(lambda x: x).cache(path))
    with open(path + ".npz", "r+b") as f:
        f.truncate(20)
    with pytest.raises(tf.errors.DataLossError, match="Delete it"):
        list(D.range(5).map(lambda x: x).cache(path))

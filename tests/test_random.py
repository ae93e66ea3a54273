"""``tf.random``: TensorFlow's global-seed / op-seed semantics, and what each op draws.

The seed rules (each checked with TensorFlow 2.21):

* after ``set_seed(s)`` a program's sequence of random ops repeats exactly;
* consecutive calls of one op continue its stream (they do not repeat);
* an op seed alone (no global seed) repeats *across processes*, not within one;
* no seed at all: fresh numbers in every process.

The numbers themselves differ from TensorFlow's (NumPy's Philox generator draws them).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitf as tf
from tests.strategies import shapes

pytestmark = pytest.mark.tensors


def same(a: tf.Tensor, b: tf.Tensor) -> bool:
    return np.array_equal(a.numpy(), b.numpy())


def test_global_seed_repeats_the_whole_sequence() -> None:
    tf.random.set_seed(3)
    a, b = tf.random.uniform([4]), tf.random.normal([4])
    tf.random.set_seed(3)
    c, d = tf.random.uniform([4]), tf.random.normal([4])
    assert same(a, c) and same(b, d)
    tf.random.set_seed(3)
    assert not same(tf.random.uniform([4]), tf.random.uniform([4]))  # the stream goes on
    tf.random.set_seed(4)
    assert not same(tf.random.uniform([4]), a)  # another seed, other numbers


def test_set_seed_restarts_the_op_counter() -> None:
    # TF: the first uniform after set_seed(3) equals the first uniform of an earlier run
    # after set_seed(3), whatever ran in between.
    tf.random.set_seed(3)
    first = tf.random.uniform([2])
    tf.random.normal([5])
    tf.random.set_seed(3)
    assert same(tf.random.uniform([2]), first)


def test_global_and_op_seed_together() -> None:
    tf.random.set_seed(3)
    e, f = tf.random.uniform([3], seed=7), tf.random.uniform([3], seed=7)
    tf.random.set_seed(3)
    assert same(tf.random.uniform([3], seed=7), e)
    assert not same(e, f)  # repeated calls continue the stream
    tf.random.set_seed(3)
    assert not same(tf.random.uniform([3], seed=8), e)


def test_op_seed_alone_continues_within_a_process() -> None:
    a = tf.random.uniform([3], seed=1)
    assert not same(a, tf.random.uniform([3], seed=1))


_PROGRAM = """
import minitf as tf
print(tf.random.uniform([3], seed=5).numpy().tolist())
print(tf.random.uniform([3], seed=5).numpy().tolist())
print(tf.random.normal([3]).numpy().tolist())
"""


def test_op_seed_alone_repeats_across_processes_and_no_seed_does_not() -> None:
    runs = [subprocess.run([sys.executable, "-c", _PROGRAM], capture_output=True, text=True,
                           timeout=120, check=True).stdout.splitlines() for _ in range(2)]
    assert runs[0][:2] == runs[1][:2]  # seed=5: the same numbers in every process
    assert runs[0][0] != runs[0][1]
    assert runs[0][2] != runs[1][2]  # unseeded: new numbers each run


@given(shape=shapes(), dtype=st.sampled_from([tf.float16, tf.float32, tf.float64]),
       seed=st.integers(0, 2**31 - 1))
def test_shapes_and_dtypes(shape: tuple, dtype: tf.DType, seed: int) -> None:
    for fn in (tf.random.normal, tf.random.uniform, tf.random.truncated_normal):
        t = fn(shape, dtype=dtype, seed=seed)
        assert t.shape == shape and t.dtype == dtype
        assert np.all(np.isfinite(t.numpy()))
    for shape_arg in (list(shape), tf.constant(shape, tf.int32), tf.TensorShape(shape)):
        assert tf.random.normal(shape_arg).shape == shape


@given(lo=st.floats(-10, 10), width=st.floats(0.1, 10), seed=st.integers(0, 1000))
def test_uniform_stays_in_its_range(lo: float, width: float, seed: int) -> None:
    x = tf.random.uniform([200], minval=lo, maxval=lo + width, seed=seed).numpy()
    lo32, hi32 = np.float32(lo), np.float32(lo + width)
    # [minval, maxval) up to float32 rounding of minval + u * (maxval - minval)
    assert x.min() >= lo32 - 1e-5 * max(1, abs(lo32)) and x.max() <= hi32
    assert tf.random.uniform([50], seed=seed).numpy().max() < 1.0


def test_integer_uniform() -> None:
    for dtype in (tf.int32, tf.int64):
        x = tf.random.uniform([1000], minval=-3, maxval=4, dtype=dtype, seed=1)
        assert x.dtype == dtype
        assert set(x.numpy().tolist()) == set(range(-3, 4))  # every value, maxval excluded


def test_distributions() -> None:
    tf.random.set_seed(0)
    n = tf.random.normal([20000], mean=2.0, stddev=3.0).numpy()
    assert abs(n.mean() - 2.0) < 0.1 and abs(n.std() - 3.0) < 0.1
    t = tf.random.truncated_normal([20000], mean=1.0, stddev=0.5).numpy()
    assert np.all(np.abs(t - 1.0) <= 2 * 0.5 + 1e-6)  # within two standard deviations
    assert abs(t.mean() - 1.0) < 0.02
    u = tf.random.uniform([20000]).numpy()
    assert abs(u.mean() - 0.5) < 0.02 and u.min() >= 0.0


@given(shape=shapes(min_dims=1, min_side=1), seed=st.integers(0, 1000))
def test_shuffle_permutes_the_first_axis(shape: tuple, seed: int) -> None:
    x = np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape)
    y = tf.random.shuffle(tf.constant(x), seed=seed)
    assert y.shape == shape and y.dtype == tf.int32
    rows = sorted(r.tobytes() for r in y.numpy())
    assert rows == sorted(r.tobytes() for r in x)  # the same rows, reordered


def test_refusals() -> None:
    with pytest.raises(TypeError):  # TF: Cannot convert 0.0 to EagerTensor of dtype int32
        tf.random.normal([2], dtype=tf.int32)
    with pytest.raises(ValueError, match="maxval"):
        tf.random.uniform([2], dtype=tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.random.uniform([2], minval=5, maxval=5, dtype=tf.int32)

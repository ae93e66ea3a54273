"""``tf.norm``, ``tf.clip_by_norm``, ``tf.clip_by_global_norm`` and ``tf.linalg.global_norm``.

Forward values against NumPy's formula ``t * c / max(norm, c)`` over hypothesis inputs;
the promises a training loop relies on (the norm after clipping is at most the bound,
the direction is kept, tensors within the bound are unchanged); gradients against
float64 finite differences away from the kink ``norm == clip_norm``, and at ``t = 0``
where the naive ``sqrt`` would give NaN. The fixed values were printed by TF 2.21.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import minitf as tf
from minitf.testing import check_grads
from tests.strategies import FLOAT_DTYPES, arrays, shapes

# One chapter per test (coursework grades by marker): forward ops are chapter 1.


@pytest.mark.tensors
def test_norm_values_printed_by_tensorflow():
    x = tf.constant([[3.0, -4.0], [1.0, 2.0]])
    np.testing.assert_allclose(float(tf.norm(x)), 5.477226, rtol=1e-6)
    np.testing.assert_allclose(tf.norm(x, axis=1).numpy(), [5.0, 2.236068], rtol=1e-6)
    assert float(tf.norm(x, ord=1)) == 10.0 and float(tf.norm(x, ord=np.inf)) == 4.0
    assert float(tf.norm(x, ord=1, axis=[0, 1])) == 6.0        # largest column sum
    assert float(tf.norm(x, ord=np.inf, axis=[0, 1])) == 7.0   # largest row sum
    np.testing.assert_allclose(float(tf.norm(x, ord="fro", axis=[0, 1])), 5.477226, rtol=1e-6)
    np.testing.assert_allclose(float(tf.norm(x, ord=3)), 4.641589, rtol=1e-6)
    assert tf.norm(x, axis=1, keepdims=True).shape == (2, 1)
    assert tf.linalg.norm is tf.norm


@pytest.mark.tensors
@settings(max_examples=40, deadline=None)
@given(st.data(), st.sampled_from(["euclidean", 1, np.inf, 3]))
def test_vector_norms_match_numpy(data, order):
    shape = data.draw(shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), label="shape")
    x = data.draw(arrays(tf.float64, shape, low=-5, high=5), label="x")
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    p = 2 if order == "euclidean" else order
    np.testing.assert_allclose(tf.norm(x, ord=order, axis=axis).numpy(),
                               np.linalg.norm(x, ord=p, axis=axis), rtol=1e-10, atol=1e-12)


@pytest.mark.tensors
def test_norm_refuses_what_it_cannot_compute_and_says_why():
    x = tf.constant([[3.0, -4.0], [1.0, 2.0]])
    with pytest.raises(ValueError, match="supported matrix norm"):
        tf.norm(x, ord=2, axis=[0, 1])  # the spectral norm needs an SVD
    with pytest.raises(ValueError, match="'fro' is for matrices"):
        tf.norm(x, ord="fro")
    with pytest.raises(ValueError, match="supported vector norm"):
        tf.norm(x, ord=0)
    with pytest.raises(ValueError, match="pair of distinct axes"):
        tf.norm(x, axis=[0, 0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="norm expects floating"):
        tf.norm(tf.constant([1, 2]))


@pytest.mark.autodiff
def test_norm_gradient_is_the_unit_vector():
    check_grads(lambda t: tf.norm(t), [np.array([3.0, -4.0, 1.0])])
    check_grads(lambda t: tf.norm(t, ord=3, axis=1), [np.array([[3.0, -4.0], [1.0, 2.0]])])


def _clip_reference(x: np.ndarray, c: float, axes=None) -> np.ndarray:
    norm = np.sqrt(np.sum(x.astype(np.float64) ** 2, axis=axes, keepdims=True))
    return x * c / np.maximum(norm, c)


@pytest.mark.tensors
@settings(max_examples=60, deadline=None)
@given(st.data(), st.sampled_from(FLOAT_DTYPES), st.floats(0.1, 10.0))
def test_clip_by_norm_matches_numpy_and_bounds_the_norm(data, dtype, c):
    x = data.draw(arrays(dtype, data.draw(shapes(max_side=4)), low=-5, high=5), label="x")
    got = tf.clip_by_norm(tf.constant(x), c).numpy()
    assert got.dtype == x.dtype and got.shape == x.shape
    np.testing.assert_allclose(got, _clip_reference(x, c), rtol=1e-5, atol=1e-6)
    assert np.sqrt(np.sum(got.astype(np.float64) ** 2)) <= c * (1 + 1e-5)
    if np.sqrt(np.sum(x.astype(np.float64) ** 2)) <= c:
        np.testing.assert_allclose(got, x, rtol=1e-6)  # within the bound: unchanged


@pytest.mark.tensors
@settings(max_examples=40, deadline=None)
@given(st.data(), st.floats(0.1, 10.0))
def test_clip_by_norm_along_axes_clips_each_slice(data, c):
    shape = data.draw(shapes(min_dims=2, max_dims=3, min_side=1, max_side=4), label="shape")
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    x = data.draw(arrays(tf.float64, shape, low=-5, high=5), label="x")
    got = tf.clip_by_norm(tf.constant(x), c, axes=[axis]).numpy()
    np.testing.assert_allclose(got, _clip_reference(x, c, axes=axis), rtol=1e-10)
    norms = np.sqrt(np.sum(got ** 2, axis=axis))
    assert np.all(norms <= c * (1 + 1e-10))


@pytest.mark.tensors
def test_clip_by_norm_values_printed_by_tensorflow():
    assert tf.clip_by_norm(tf.constant([3.0, 4.0]), 1.0).numpy().tolist() == \
        pytest.approx([0.6, 0.8])
    rows = tf.clip_by_norm(tf.constant([[3.0, 4.0], [0.3, 0.4]]), 1.0, axes=[1]).numpy()
    np.testing.assert_allclose(rows, [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)
    assert tf.clip_by_norm(tf.constant([0.0, 0.0]), 1.0).numpy().tolist() == [0.0, 0.0]
    # A negative bound acts as 0; a vector bound broadcasts against the norm.
    assert tf.clip_by_norm(tf.constant([3.0, 4.0]), -1.0).numpy().tolist() == [0.0, 0.0]
    np.testing.assert_allclose(tf.clip_by_norm(tf.constant([3.0, 4.0]), [1.0, 2.0]).numpy(),
                               [0.6, 1.6], rtol=1e-6)


@pytest.mark.autodiff
@settings(max_examples=30, deadline=None)
@given(st.data(), st.floats(0.5, 6.0))
def test_clip_by_norm_gradients_match_finite_differences(data, c):
    shape = data.draw(shapes(min_dims=1, max_dims=2, min_side=1, max_side=3), label="shape")
    x = data.draw(arrays(tf.float64, shape, low=-4, high=4), label="x")
    norm = float(np.sqrt(np.sum(x ** 2)))
    assume(abs(norm - c) > 1e-2 and norm > 1e-2)  # the kink, and the corner at 0
    check_grads(lambda t: tf.clip_by_norm(t, c), [x])


@pytest.mark.autodiff
def test_clip_by_norm_gradient_at_zero_is_one_not_nan():
    x = tf.constant([0.0, 0.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.clip_by_norm(x, 1.0))
    assert tape.gradient(y, x).numpy().tolist() == [1.0, 1.0]  # TF 2.21: [1. 1.]


@pytest.mark.tensors
@settings(max_examples=40, deadline=None)
@given(st.data(), st.floats(0.1, 10.0))
def test_clip_by_global_norm_scales_all_tensors_by_one_factor(data, c):
    n = data.draw(st.integers(1, 3), label="n")
    xs = [data.draw(arrays(tf.float64, data.draw(shapes(max_side=3)), low=-5, high=5))
          for _ in range(n)]
    clipped, norm = tf.clip_by_global_norm([tf.constant(x) for x in xs], c)
    expected_norm = np.sqrt(sum(np.sum(x ** 2) for x in xs))
    np.testing.assert_allclose(float(norm), expected_norm, rtol=1e-10)
    np.testing.assert_allclose(float(tf.linalg.global_norm(xs)), expected_norm, rtol=1e-10)
    scale = c / max(expected_norm, c)
    for got, x in zip(clipped, xs):
        np.testing.assert_allclose(got.numpy(), x * scale, rtol=1e-10, atol=1e-12)
    new_norm = np.sqrt(sum(np.sum(g.numpy() ** 2) for g in clipped))
    assert new_norm <= c * (1 + 1e-10)


@pytest.mark.tensors
def test_clip_by_global_norm_values_printed_by_tensorflow():
    clipped, norm = tf.clip_by_global_norm(
        [tf.constant([3.0, 0.0]), None, tf.constant([4.0])], 1.0)
    assert clipped[1] is None and float(norm) == 5.0
    np.testing.assert_allclose(clipped[0].numpy(), [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(clipped[2].numpy(), [0.8], rtol=1e-6)
    within, norm = tf.clip_by_global_norm([tf.constant([3.0, 0.0])], 10.0)
    assert within[0].numpy().tolist() == [3.0, 0.0] and float(norm) == 3.0
    given_norm, norm = tf.clip_by_global_norm([tf.constant([3.0, 0.0])], 1.0,
                                              use_norm=tf.constant(6.0))
    assert given_norm[0].numpy().tolist() == [0.5, 0.0] and float(norm) == 6.0
    # An infinite norm poisons the result with NaN rather than hiding a diverged step.
    poisoned, norm = tf.clip_by_global_norm([tf.constant([np.inf, 0.0])], 1.0)
    assert np.isnan(poisoned[0].numpy()).all() and np.isinf(float(norm))


@pytest.mark.tensors
def test_errors_say_what_to_pass():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"clip_by_norm.*int32.*tf.cast"):
        tf.clip_by_norm(tf.constant([3, 4]), 1)
    with pytest.raises(TypeError, match=r"t_list.*sequence.*\[t\]"):
        tf.clip_by_global_norm(tf.constant([1.0]), 1.0)


@pytest.mark.keras
def test_optimizer_clipping_uses_the_same_rules():
    v = tf.Variable([0.0, 0.0])
    grads = tf.constant([3.0, 4.0])
    tf.keras.optimizers.SGD(1.0, clipnorm=1.0).apply_gradients([(grads, v)])
    np.testing.assert_allclose(v.numpy(), [-0.6, -0.8], rtol=1e-6)
    w = tf.Variable([0.0, 0.0])
    tf.keras.optimizers.SGD(1.0, global_clipnorm=1.0).apply_gradients(
        [(tf.constant([3.0, 0.0]), v), (tf.constant([0.0, 4.0]), w)])
    np.testing.assert_allclose(w.numpy(), [0.0, -0.8], rtol=1e-6)

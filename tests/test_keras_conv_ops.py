"""conv2d, max_pool2d and avg_pool2d: forward against a loop-by-window NumPy reference,
gradients (and second derivatives) against finite differences, TF's SAME geometry."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitf as tf
from minitf.ops.conv import same_pads
from minitf.testing import check_grads

pytestmark = pytest.mark.keras


def naive_windows(x: np.ndarray, k: tuple, s: tuple, pads: tuple, d: tuple = (1, 1),
                  fill: float = 0.0):
    """Yields (a, b, window) for each output position, computed with plain loops."""
    xp = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)), constant_values=fill)
    span = ((k[0] - 1) * d[0] + 1, (k[1] - 1) * d[1] + 1)
    oh = (xp.shape[1] - span[0]) // s[0] + 1
    ow = (xp.shape[2] - span[1]) // s[1] + 1
    for a in range(oh):
        for b in range(ow):
            r, c = a * s[0], b * s[1]
            yield a, b, xp[:, r:r + span[0]:d[0], c:c + span[1]:d[1], :]


def naive_conv(x, w, s, pads, d=(1, 1)):
    out = {}
    for a, b, win in naive_windows(x, w.shape[:2], s, pads, d):
        out[a, b] = np.tensordot(win, w, axes=([1, 2, 3], [0, 1, 2]))
    oh, ow = max(k[0] for k in out) + 1, max(k[1] for k in out) + 1
    res = np.zeros((x.shape[0], oh, ow, w.shape[3]))
    for (a, b), v in out.items():
        res[:, a, b, :] = v
    return res


def naive_pool(x, k, s, pads, kind):
    fill = -np.inf if kind == "max" else 0.0
    ones = np.ones_like(x)
    cells = {}
    for (a, b, win), (_, _, cnt) in zip(naive_windows(x, k, s, pads, fill=fill),
                                        naive_windows(ones, k, s, pads)):
        cells[a, b] = win.max(axis=(1, 2)) if kind == "max" else \
            win.sum(axis=(1, 2)) / cnt.sum(axis=(1, 2))
    oh, ow = max(c[0] for c in cells) + 1, max(c[1] for c in cells) + 1
    res = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for (a, b), v in cells.items():
        res[:, a, b, :] = v
    return res


def pads_for(padding, hw, k, s, d=(1, 1)):
    return same_pads(hw, k, s, d) if padding == "SAME" else ((0, 0), (0, 0))


geometry = st.tuples(st.integers(3, 7), st.integers(3, 7), st.integers(1, 3), st.integers(1, 3),
                     st.integers(1, 2), st.integers(1, 2), st.sampled_from(["SAME", "VALID"]))


@given(geometry, st.integers(1, 2))
def test_conv2d_matches_the_loop_reference(g, dilation):
    h, w, kh, kw, sh, sw, padding = g
    rng = np.random.default_rng(h * 100 + w)
    x = rng.standard_normal((2, h, w, 3))
    f = rng.standard_normal((kh, kw, 3, 4))
    d = (dilation, dilation) if (sh, sw) == (1, 1) else (1, 1)
    if padding == "VALID" and (h < (kh - 1) * d[0] + 1 or w < (kw - 1) * d[1] + 1):
        return
    got = tf.nn.conv2d(x, f, strides=(sh, sw), padding=padding, dilations=d).numpy()
    want = naive_conv(x, f, (sh, sw), pads_for(padding, (h, w), (kh, kw), (sh, sw), d), d)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


@given(geometry, st.sampled_from(["max", "avg"]))
def test_pools_match_the_loop_reference(g, kind):
    h, w, kh, kw, sh, sw, padding = g
    x = np.random.default_rng(h * 10 + w).standard_normal((2, h, w, 3))
    op = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
    got = op(x, (kh, kw), (sh, sw), padding).numpy()
    want = naive_pool(x, (kh, kw), (sh, sw), pads_for(padding, (h, w), (kh, kw), (sh, sw)), kind)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_same_padding_and_avg_divisor_match_tensorflow():
    # Printed by TensorFlow 2.21: tf.nn.avg_pool2d / max_pool2d(x, 3, 2, "SAME") on
    # x = reshape(range(20.), [1, 4, 5, 1]) (padding is not counted in the average).
    x = tf.reshape(tf.range(20.0), [1, 4, 5, 1])
    np.testing.assert_allclose(tf.nn.avg_pool2d(x, 3, 2, "SAME")[0, :, :, 0].numpy(),
                               [[5.5, 7.0, 8.5], [13.0, 14.5, 16.0]])
    np.testing.assert_allclose(tf.nn.max_pool2d(x, 3, 2, "SAME")[0, :, :, 0].numpy(),
                               [[11.0, 13.0, 14.0], [16.0, 18.0, 19.0]])
    assert same_pads((5, 5), (3, 3), (2, 2)) == ((1, 1), (1, 1))
    assert same_pads((4, 4), (2, 2), (2, 2)) == ((0, 0), (0, 0))
    assert same_pads((4, 4), (3, 3), (1, 1)) == ((1, 1), (1, 1))
    assert same_pads((6,), (4,), (1,)) == ((1, 2),)  # the odd pixel goes at the end


@pytest.mark.parametrize("strides,padding,dilations", [
    ((1, 1), "SAME", (1, 1)), ((2, 2), "SAME", (1, 1)), ((2, 1), "VALID", (1, 1)),
    ((1, 1), "VALID", (2, 2)), ((3, 3), "VALID", (1, 1))])
def test_conv2d_gradients(strides, padding, dilations):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 6, 5, 2))
    w = rng.standard_normal((3, 2, 2, 3))

    def conv(x, w):
        return tf.nn.conv2d(x, w, strides, padding, dilations=dilations)
    check_grads(conv, [x, w], modes=("direction",))


def test_conv2d_second_derivatives():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 4, 4, 2))
    w = rng.standard_normal((2, 2, 2, 2))

    def conv(x, w):
        return tf.nn.conv2d(x, w, 2, "SAME")
    # The VJP of conv2d binds the backprop pair, whose VJPs bind conv2d again.
    check_grads(conv, [x, w], order=3, modes=("direction",))


@pytest.mark.parametrize("op", [tf.nn.max_pool2d, tf.nn.avg_pool2d])
@pytest.mark.parametrize("ksize,strides,padding", [(2, 2, "VALID"), (3, 2, "SAME"),
                                                   (3, 1, "SAME"), ((2, 3), (1, 2), "VALID")])
def test_pool_gradients(op, ksize, strides, padding):
    # Distinct values: max-pool ties (where the gradient is a choice) never happen.
    x = np.random.default_rng(2).permutation(2 * 5 * 6 * 2).reshape(2, 5, 6, 2) / 7.0
    check_grads(lambda x: op(x, ksize, strides, padding), [x], order=2,
                modes=("direction",))


def test_max_pool_gradient_goes_to_the_first_maximum_like_tensorflow():
    # TF routes a tied window's gradient to its first maximum (row-major), not split.
    x = tf.constant(np.ones((1, 2, 2, 1)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.max_pool2d(x, 2, 2, "VALID")
    g = tape.gradient(y, x).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(g, [[1.0, 0.0], [0.0, 0.0]])


def test_conv_errors_teach():
    with pytest.raises(tf.errors.InvalidArgumentError, match="4-dimensional"):
        tf.nn.conv2d(tf.ones([3, 3, 1]), tf.ones([2, 2, 1, 1]), 1, "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError, match="in_channels"):
        tf.nn.conv2d(tf.ones([1, 3, 3, 2]), tf.ones([2, 2, 1, 1]), 1, "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError, match="cast"):
        tf.nn.conv2d(tf.ones([1, 3, 3, 1]), tf.ones([2, 2, 1, 1], tf.float64), 1, "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError, match="larger than"):
        tf.nn.max_pool2d(tf.ones([1, 2, 2, 1]), 3, 1, "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError, match="SAME"):
        tf.nn.conv2d(tf.ones([1, 3, 3, 1]), tf.ones([2, 2, 1, 1]), 1, "FULL")


def test_conv_in_a_traced_function_matches_eager():
    x = tf.random.normal([2, 5, 5, 3])
    w = tf.random.normal([3, 3, 3, 4])

    @tf.function
    def f(x, w):
        with tf.GradientTape() as tape:
            tape.watch(w)
            y = tf.reduce_sum(tf.nn.max_pool2d(tf.nn.conv2d(x, w, 1, "SAME"), 2, 2, "VALID"))
        return y, tape.gradient(y, w)

    y, g = f(x, w)
    with tf.GradientTape() as tape:
        tape.watch(w)
        y2 = tf.reduce_sum(tf.nn.max_pool2d(tf.nn.conv2d(x, w, 1, "SAME"), 2, 2, "VALID"))
    np.testing.assert_allclose(y.numpy(), y2.numpy(), rtol=1e-5)
    np.testing.assert_allclose(g.numpy(), tape.gradient(y2, w).numpy(), rtol=1e-5, atol=1e-5)

"""The preprocessing, 1-D, reshaping and activation layers: output shapes and weights as
TensorFlow 2.21 (Keras 3) reports them, values against NumPy, float64 gradients, config
and ``.keras`` round trips, a summary as Keras prints it, and a model trained with
``Normalization.adapt`` in front of ``Conv1D``."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitf as tf
from minitf.testing import check_grads

pytestmark = pytest.mark.keras
L = tf.keras.layers


# ---------------------------------------------------------------------------------------
# NumPy references (written from the definitions, not from minitf's code)
# ---------------------------------------------------------------------------------------
def _same_left_pad(n, window, stride):
    """TF's "SAME": ceil(n / stride) outputs, the odd padding element at the end."""
    total = max((-(-n // stride) - 1) * stride + window - n, 0)
    return total // 2, total - total // 2


def conv1d_ref(x, w, b=None, stride=1, padding="valid", dilation=1):
    k = w.shape[0]
    span = (k - 1) * dilation + 1
    left, right = {"valid": (0, 0), "causal": (span - 1, 0)}.get(
        padding, None) or _same_left_pad(x.shape[1], span, stride)
    xp = np.pad(x, ((0, 0), (left, right), (0, 0)))
    out_len = (xp.shape[1] - span) // stride + 1
    y = np.stack([sum(xp[:, t * stride + j * dilation] @ w[j] for j in range(k))
                  for t in range(out_len)], axis=1)
    return y if b is None else y + b


def pool1d_ref(x, size, stride, padding, reduce):
    n = x.shape[1]
    if padding == "valid":
        left, out_len = 0, (n - size) // stride + 1
    else:
        left, out_len = _same_left_pad(n, size, stride)[0], -(-n // stride)
    # A "SAME" window reduces only the real steps it covers (TF's average divides by them).
    return np.stack([reduce(x[:, max(t * stride - left, 0):t * stride - left + size], axis=1)
                     for t in range(out_len)], axis=1)


def bilinear_ref(x, sh, sw):
    """tf.image.resize(bilinear, half-pixel centres), one output pixel at a time."""
    b, h, w, c = x.shape
    out = np.zeros((b, h * sh, w * sw, c), x.dtype)
    for i in range(h * sh):
        yi = (i + 0.5) / sh - 0.5
        y0, fy = math.floor(yi), yi - math.floor(yi)
        ya, yb = min(max(y0, 0), h - 1), min(max(y0 + 1, 0), h - 1)
        for j in range(w * sw):
            xj = (j + 0.5) / sw - 0.5
            x0, fx = math.floor(xj), xj - math.floor(xj)
            xa, xb = min(max(x0, 0), w - 1), min(max(x0 + 1, 0), w - 1)
            top = x[:, ya, xa] * (1 - fx) + x[:, ya, xb] * fx
            bottom = x[:, yb, xa] * (1 - fx) + x[:, yb, xb] * fx
            out[:, i, j] = top * (1 - fy) + bottom * fy
    return out


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * (np.exp(np.minimum(x, 0)) - 1))


_RANDOM_ALPHA = tf.keras.initializers.RandomNormal(stddev=1.0, seed=3)

# (name, factory, input shape, TF 2.21's output shape, TF 2.21's weight shapes,
#  NumPy reference(x, weights)). The shapes and weight lists are what TensorFlow 2.21
# printed for the same layer and input (layer(x).shape, [w.shape for w in layer.weights]).
CASES = [
    ("conv1d_valid", lambda: L.Conv1D(4, 3), (2, 10, 3), (2, 8, 4), [(3, 3, 4), (4,)],
     lambda x, w: conv1d_ref(x, w[0], w[1])),
    ("conv1d_same_stride2_relu", lambda: L.Conv1D(4, 3, strides=2, padding="same",
                                                  activation="relu"),
     (2, 10, 3), (2, 5, 4), [(3, 3, 4), (4,)],
     lambda x, w: np.maximum(conv1d_ref(x, w[0], w[1], 2, "same"), 0)),
    ("conv1d_causal_dilated", lambda: L.Conv1D(4, 3, padding="causal", dilation_rate=2),
     (2, 10, 3), (2, 10, 4), [(3, 3, 4), (4,)],
     lambda x, w: conv1d_ref(x, w[0], w[1], 1, "causal", 2)),
    ("conv1d_dilated_nobias", lambda: L.Conv1D(2, 3, dilation_rate=2, use_bias=False),
     (2, 10, 3), (2, 6, 2), [(3, 3, 2)], lambda x, w: conv1d_ref(x, w[0], None, 1, "valid", 2)),
    ("max_pool1d", lambda: L.MaxPooling1D(), (2, 9, 3), (2, 4, 3), [],
     lambda x, w: pool1d_ref(x, 2, 2, "valid", np.max)),
    ("max_pool1d_same", lambda: L.MaxPooling1D(3, 2, padding="same"), (2, 9, 3), (2, 5, 3), [],
     lambda x, w: pool1d_ref(x, 3, 2, "same", np.max)),
    ("avg_pool1d_same", lambda: L.AveragePooling1D(3, 2, padding="same"), (2, 9, 3), (2, 5, 3),
     [], lambda x, w: pool1d_ref(x, 3, 2, "same", np.mean)),
    ("global_avg_pool1d", lambda: L.GlobalAveragePooling1D(), (2, 9, 3), (2, 3), [],
     lambda x, w: x.mean(1)),
    ("global_max_pool1d_keepdims", lambda: L.GlobalMaxPooling1D(keepdims=True), (2, 9, 3),
     (2, 1, 3), [], lambda x, w: x.max(1, keepdims=True)),
    ("zero_padding2d", lambda: L.ZeroPadding2D(), (2, 4, 5, 3), (2, 6, 7, 3), [],
     lambda x, w: np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))),
    ("zero_padding2d_asymmetric", lambda: L.ZeroPadding2D(((1, 2), (3, 0))), (2, 4, 5, 3),
     (2, 7, 8, 3), [], lambda x, w: np.pad(x, ((0, 0), (1, 2), (3, 0), (0, 0)))),
    ("up_sampling2d", lambda: L.UpSampling2D(), (2, 4, 5, 3), (2, 8, 10, 3), [],
     lambda x, w: x.repeat(2, axis=1).repeat(2, axis=2)),
    ("up_sampling2d_bilinear", lambda: L.UpSampling2D((2, 3), interpolation="bilinear"),
     (2, 4, 5, 3), (2, 8, 15, 3), [], lambda x, w: bilinear_ref(x, 2, 3)),
    ("cropping2d", lambda: L.Cropping2D(((1, 0), (2, 1))), (2, 4, 5, 3), (2, 3, 2, 3), [],
     lambda x, w: x[:, 1:, 2:4]),
    ("cropping2d_int", lambda: L.Cropping2D(1), (2, 4, 5, 3), (2, 2, 3, 3), [],
     lambda x, w: x[:, 1:3, 1:4]),
    ("repeat_vector", lambda: L.RepeatVector(3), (2, 5), (2, 3, 5), [],
     lambda x, w: np.repeat(x[:, None], 3, axis=1)),
    ("permute", lambda: L.Permute((2, 1)), (2, 4, 5), (2, 5, 4), [],
     lambda x, w: x.transpose(0, 2, 1)),
    ("permute_rank4", lambda: L.Permute((3, 1, 2)), (2, 4, 5, 3), (2, 3, 4, 5), [],
     lambda x, w: x.transpose(0, 3, 1, 2)),
    ("identity", lambda: L.Identity(), (2, 4), (2, 4), [], lambda x, w: x),
    ("elu", lambda: L.ELU(), (2, 4), (2, 4), [], lambda x, w: _elu(x)),
    ("elu_alpha", lambda: L.ELU(alpha=0.5), (2, 4), (2, 4), [], lambda x, w: _elu(x, 0.5)),
    ("prelu", lambda: L.PReLU(alpha_initializer=_RANDOM_ALPHA), (2, 4, 5), (2, 4, 5), [(4, 5)],
     lambda x, w: np.where(x > 0, x, w[0] * x)),
    ("prelu_shared", lambda: L.PReLU(alpha_initializer=_RANDOM_ALPHA, shared_axes=[1]),
     (2, 4, 5), (2, 4, 5), [(1, 5)], lambda x, w: np.where(x > 0, x, w[0] * x)),
    ("leaky_relu_default", lambda: L.LeakyReLU(), (2, 4), (2, 4), [],
     lambda x, w: np.where(x > 0, x, 0.3 * x)),
    ("rescaling", lambda: L.Rescaling(2.0, 1.0), (2, 4), (2, 4), [], lambda x, w: 2 * x + 1),
    ("rescaling_per_channel", lambda: L.Rescaling([1.0, 2.0], offset=[0.0, -1.0]), (3, 2),
     (3, 2), [], lambda x, w: x * [1.0, 2.0] + [0.0, -1.0]),
    ("normalization_given", lambda: L.Normalization(mean=[1.0, 2.0, 3.0],
                                                    variance=[0.5, 1.0, 4.0]),
     (4, 3), (4, 3), [], lambda x, w: (x - [1, 2, 3]) / np.sqrt([0.5, 1.0, 4.0])),
    ("normalization_invert", lambda: L.Normalization(mean=1.0, variance=4.0, invert=True),
     (4, 3), (4, 3), [], lambda x, w: 1 + 2 * x),
    # Not adapted: mean 0 and variance 1 (the identity), in three weights (count is int64).
    ("normalization_unadapted", lambda: L.Normalization(), (4, 3), (4, 3), [(3,), (3,), ()],
     lambda x, w: x),
    ("normalization_axis1", lambda: L.Normalization(axis=1), (2, 3, 4), (2, 3, 4),
     [(3,), (3,), ()], lambda x, w: x),
]


@pytest.mark.parametrize("name,make,shape,out_shape,weight_shapes,reference", CASES,
                         ids=[c[0] for c in CASES])
def test_layer_output_and_weights(name, make, shape, out_shape, weight_shapes, reference):
    layer = make()
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    y = layer(x)
    assert tuple(y.shape) == out_shape
    assert [tuple(w.shape) for w in layer.weights] == weight_shapes
    assert layer.count_params() == sum(math.prod(s) for s in weight_shapes)
    weights = [w.numpy() for w in layer.weights]
    np.testing.assert_allclose(y.numpy(), reference(x, weights), rtol=1e-5, atol=1e-5)
    assert y.dtype == tf.float32


def test_bilinear_up_sampling_matches_tensorflow_values():
    x = np.arange(6, dtype=np.float32).reshape(1, 2, 3, 1)
    y = L.UpSampling2D((2, 2), interpolation="bilinear")(x).numpy()[0, :, :, 0]
    # TF 2.21 printed this for keras.layers.UpSampling2D((2, 2), interpolation="bilinear").
    np.testing.assert_allclose(y, [[0.0, 0.25, 0.75, 1.25, 1.75, 2.0],
                                   [0.75, 1.0, 1.5, 2.0, 2.5, 2.75],
                                   [2.25, 2.5, 3.0, 3.5, 4.0, 4.25],
                                   [3.0, 3.25, 3.75, 4.25, 4.75, 5.0]], rtol=1e-6)
    y = L.UpSampling2D((2, 1))(x).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(y, [[0, 1, 2], [0, 1, 2], [3, 4, 5], [3, 4, 5]])


def test_conv1d_and_pooling_values_tensorflow_printed():
    seq = np.arange(6, dtype=np.float32).reshape(1, 6, 1)
    ones = dict(kernel_initializer="ones", use_bias=False)
    # TF 2.21: [0, 1, 3, 5] (causal), [3, 9, 9] (same, stride 2), [1, 3, 4.5] (average).
    assert L.Conv1D(1, 2, padding="causal", **ones)(seq[:, :4]).numpy().ravel().tolist() == \
        [0, 1, 3, 5]
    assert L.Conv1D(1, 3, padding="same", strides=2, **ones)(seq).numpy().ravel().tolist() == \
        [3, 9, 9]
    assert L.AveragePooling1D(3, 2, padding="same")(seq).numpy().ravel().tolist() == \
        [1, 3, 4.5]
    assert L.AveragePooling1D(2, 1, padding="same")(seq).numpy().ravel().tolist() == \
        [0.5, 1.5, 2.5, 3.5, 4.5, 5]


@settings(max_examples=25, deadline=None)
@given(steps=st.integers(1, 12), k=st.integers(1, 4), stride=st.integers(1, 3),
       dilation=st.integers(1, 3), padding=st.sampled_from(["valid", "same", "causal"]),
       channels=st.integers(1, 3), seed=st.integers(0, 2 ** 16))
def test_conv1d_matches_numpy_for_any_geometry(steps, k, stride, dilation, padding, channels,
                                               seed):
    if stride > 1 and dilation > 1:
        dilation = 1  # Keras refuses the combination (tested below)
    if padding == "valid" and (k - 1) * dilation + 1 > steps:
        padding = "same"
    layer = L.Conv1D(2, k, strides=stride, padding=padding, dilation_rate=dilation,
                     bias_initializer="random_normal")
    x = np.random.default_rng(seed).standard_normal((2, steps, channels)).astype(np.float32)
    y = layer(x).numpy()
    want = conv1d_ref(x, layer.kernel.numpy(), layer.bias.numpy(), stride, padding, dilation)
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)


@settings(max_examples=25, deadline=None)
@given(steps=st.integers(1, 10), size=st.integers(1, 4), stride=st.integers(1, 3),
       padding=st.sampled_from(["valid", "same"]), seed=st.integers(0, 2 ** 16))
def test_pooling1d_matches_numpy_for_any_geometry(steps, size, stride, padding, seed):
    if padding == "valid" and size > steps:
        padding = "same"
    x = np.random.default_rng(seed).standard_normal((2, steps, 3)).astype(np.float32)
    for layer, reduce in [(L.MaxPooling1D(size, stride, padding), np.max),
                          (L.AveragePooling1D(size, stride, padding), np.mean)]:
        np.testing.assert_allclose(layer(x).numpy(), pool1d_ref(x, size, stride, padding,
                                                                reduce), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------------------
# Gradients (float64, finite differences)
# ---------------------------------------------------------------------------------------
def _with_weights(layer, names):
    """``f(x, *weights)`` computing ``layer.call(x)`` with the given tensors standing in for
    the named variables: check_grads differentiates arguments, so the weights enter as
    arguments."""
    def f(x, *weights):
        saved = [getattr(layer, n) for n in names]
        try:
            for n, w in zip(names, weights):
                setattr(layer, n, w)
            return layer.call(x)
        finally:
            for n, v in zip(names, saved):
                setattr(layer, n, v)
    f.__name__ = type(layer).__name__
    return f


GRAD_CASES = [
    ("conv1d_same", lambda: L.Conv1D(2, 3, strides=2, padding="same", activation="tanh"),
     (2, 7, 3), ["kernel", "bias"]),
    ("conv1d_causal_dilated", lambda: L.Conv1D(2, 2, padding="causal", dilation_rate=2),
     (1, 6, 2), ["kernel", "bias"]),
    ("prelu", lambda: L.PReLU(alpha_initializer=_RANDOM_ALPHA), (2, 3, 2), ["alpha"]),
    ("prelu_shared", lambda: L.PReLU(alpha_initializer=_RANDOM_ALPHA, shared_axes=[1]),
     (2, 3, 2), ["alpha"]),
    ("normalization", lambda: L.Normalization(mean=[1.0, -2.0], variance=[0.5, 3.0]), (3, 2),
     []),
    ("normalization_invert", lambda: L.Normalization(mean=0.5, variance=2.0, invert=True),
     (3, 2), []),
    ("rescaling", lambda: L.Rescaling([2.0, -1.0], 0.5), (3, 2), []),
    ("max_pool1d_same", lambda: L.MaxPooling1D(3, 2, padding="same"), (2, 7, 2), []),
    ("avg_pool1d_same", lambda: L.AveragePooling1D(3, 2, padding="same"), (2, 7, 2), []),
    ("global_avg_pool1d", lambda: L.GlobalAveragePooling1D(), (2, 4, 3), []),
    ("global_max_pool1d", lambda: L.GlobalMaxPooling1D(), (2, 4, 3), []),
    ("up_sampling2d_nearest", lambda: L.UpSampling2D((2, 3)), (1, 2, 3, 2), []),
    ("up_sampling2d_bilinear", lambda: L.UpSampling2D((3, 2), interpolation="bilinear"),
     (1, 2, 3, 2), []),
    ("zero_padding2d", lambda: L.ZeroPadding2D(((1, 0), (2, 1))), (1, 2, 3, 2), []),
    ("cropping2d", lambda: L.Cropping2D(((1, 0), (0, 1))), (1, 3, 3, 2), []),
    ("repeat_vector", lambda: L.RepeatVector(3), (2, 3), []),
    ("permute", lambda: L.Permute((2, 1)), (2, 3, 4), []),
    ("elu", lambda: L.ELU(alpha=0.7), (3, 4), []),
]


@pytest.mark.parametrize("name,make,shape,weight_names", GRAD_CASES,
                         ids=[c[0] for c in GRAD_CASES])
def test_gradients_float64(name, make, shape, weight_names):
    layer = make()
    layer = type(layer).from_config({**layer.get_config(), "dtype": "float64"})
    # Distinct values, away from 0: no ties for max pooling, no kink of (P)ReLU/ELU.
    n = math.prod(shape)
    x = (np.random.default_rng(1).permutation(n).reshape(shape) + 0.5) / n * 4.0 - 2.0
    layer(tf.constant(x))  # build (a NumPy float64 array would be cast to float32)
    weights = [getattr(layer, w).numpy() for w in weight_names]
    check_grads(_with_weights(layer, weight_names), [x] + weights)


# ---------------------------------------------------------------------------------------
# Normalization: adapt, statistics, Keras 3's epsilon
# ---------------------------------------------------------------------------------------
def test_normalization_adapt_like_tensorflow():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    layer = L.Normalization()
    layer.adapt(x)
    # TF 2.21: weights mean/variance/count, non-trainable; count (int64) stays 0; the
    # population variance; build config (None, 3) for a dataset, (4, 3) for an array.
    assert [(w.name, w.dtype.name, w.trainable) for w in layer.weights] == [
        ("mean", "float32", False), ("variance", "float32", False), ("count", "int64", False)]
    np.testing.assert_array_equal(layer.adapt_mean.numpy(), [4.5, 5.5, 6.5])
    np.testing.assert_array_equal(layer.adapt_variance.numpy(), [11.25, 11.25, 11.25])
    assert int(layer.count.numpy()) == 0
    np.testing.assert_allclose(layer(x).numpy()[:, 0], [-1.3416408, -0.4472136, 0.4472136,
                                                        1.3416408], rtol=1e-6)
    assert tuple(layer.mean.shape) == (1, 3) and tuple(layer.variance.shape) == (1, 3)
    assert layer.trainable_weights == [] and layer.count_params() == 7

    flat = L.Normalization(axis=None)
    flat.adapt(x)
    # TF: one scalar mean 5.5 and variance 11.916667 for all elements.
    np.testing.assert_allclose(flat.mean.numpy(), [[5.5]])
    np.testing.assert_allclose(flat.variance.numpy(), [[11.916667]], rtol=1e-6)
    assert [tuple(w.shape) for w in flat.weights] == [(), (), ()]

    per_row = L.Normalization(axis=1)
    data = np.random.default_rng(0).standard_normal((5, 3, 2)).astype(np.float32)
    per_row.adapt(data)
    assert tuple(per_row.mean.shape) == (1, 3, 1)  # as TF prints it
    np.testing.assert_allclose(per_row.adapt_mean.numpy(), data.mean(axis=(0, 2)), rtol=1e-5)


def test_normalization_divides_by_at_least_1e_7_like_keras_3():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    y = L.Normalization(mean=[1.0, 2.0, 3.0], variance=[0.0, 1.0, 4.0])(x).numpy()
    # TF 2.21 printed these values: a zero variance divides by max(sqrt(0), 1e-7).
    np.testing.assert_allclose(y, [[-1e7, -1, -0.5], [2e7, 2, 1], [5e7, 5, 2.5],
                                   [8e7, 8, 4]], rtol=1e-6)
    tiny = L.Normalization(mean=0.0, variance=1e-9)
    np.testing.assert_allclose(tiny(np.ones((1, 1), np.float32)).numpy(), [[31622.775]],
                               rtol=1e-6)
    ints = L.Normalization(mean=[1.0, 2.0], variance=[1.0, 4.0])(np.ones((2, 2), np.int32))
    np.testing.assert_array_equal(ints.numpy(), [[0, -0.5], [0, -0.5]])  # cast to float32


@settings(max_examples=30, deadline=None)
@given(rows=st.integers(1, 30), batch=st.integers(1, 33), seed=st.integers(0, 2 ** 16))
def test_adapt_on_batches_equals_adapt_on_the_array(rows, batch, seed):
    x = (np.random.default_rng(seed).standard_normal((rows, 3)) * [1, 10, 100] + [0, 5, -50]
         ).astype(np.float32)
    whole = L.Normalization()
    whole.adapt(x)
    streamed = L.Normalization()
    streamed.adapt(tf.data.Dataset.from_tensor_slices((x, x[:, 0])).batch(batch))  # (x, y)
    listed = L.Normalization()
    listed.adapt([x[i:i + batch] for i in range(0, rows, batch)])
    for other in (streamed, listed):
        np.testing.assert_allclose(other.adapt_mean.numpy(), whole.adapt_mean.numpy(),
                                   rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(other.adapt_variance.numpy(), whole.adapt_variance.numpy(),
                                   rtol=1e-4, atol=1e-4)


def test_adapt_accepts_tensors_and_unbatched_datasets():
    x = np.random.default_rng(0).standard_normal((300, 2)).astype(np.float32)
    a, b = L.Normalization(), L.Normalization()
    a.adapt(tf.constant(x))
    b.adapt(tf.data.Dataset.from_tensor_slices(x[:, 0]).map(lambda v: tf.stack([v, v])))
    np.testing.assert_allclose(a.adapt_mean.numpy(), x.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b.adapt_mean.numpy(), [x[:, 0].mean()] * 2, rtol=1e-5,
                               atol=1e-6)


def test_errors_name_the_layer_the_shapes_and_the_fix():
    with pytest.raises(ValueError, match="both `mean` and `variance` must be set"):
        L.Normalization(mean=1.0)
    layer = L.Normalization()
    layer.adapt(np.ones((4, 3), np.float32))
    with pytest.raises(ValueError, match=r"incompatible shape, data.shape=\(4, 2\)"):
        layer.adapt(np.ones((4, 2), np.float32))
    with pytest.raises(ValueError, match="nothing to learn"):
        L.Normalization(mean=0.0, variance=1.0).adapt(np.ones((2, 1), np.float32))
    with pytest.raises(TypeError, match="np.asarray"):
        L.Normalization().adapt([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match="Invalid permutation argument `dims`"):
        L.Permute((1, 3))
    with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
        L.RepeatVector(2)(np.ones((2, 4, 5), np.float32))
    with pytest.raises(ValueError, match=r"cropping.*should be smaller.*\(2, 4, 5, 3\)"):
        L.Cropping2D(((2, 2), (0, 0)))(np.ones((2, 4, 5, 3), np.float32))
    with pytest.raises(ValueError, match="dilation_rate > 1"):
        L.Conv1D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match=r"conv1d.*3 steps but the window spans 5"):
        L.Conv1D(2, 5, name="conv1d_short")(np.ones((2, 3, 1), np.float32))
    with pytest.raises(ValueError, match="expected min_ndim=3, found ndim=2"):
        L.Conv1D(2, 3)(np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match="padding.*Received: padding=bogus"):
        L.Conv1D(2, 3, padding="bogus")
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=4"):
        L.MaxPooling1D()(np.ones((2, 4, 5, 3), np.float32))
    with pytest.raises(ValueError, match="should have two elements"):
        L.ZeroPadding2D((1, 2, 3))
    with pytest.raises(ValueError, match="interpolation"):
        L.UpSampling2D(interpolation="bicubic")
    with pytest.raises(ValueError, match="shared_axes"):
        L.PReLU(shared_axes=[3])(np.ones((2, 4, 5), np.float32))


# ---------------------------------------------------------------------------------------
# Configuration, saving, summary, training
# ---------------------------------------------------------------------------------------
CONFIG_LAYERS = [
    L.Normalization(), L.Normalization(axis=(1, 2), mean=[[1.0, 2.0]], variance=[[3.0, 4.0]]),
    L.Normalization(axis=None, invert=True), L.Rescaling(1 / 255, offset=-1),
    L.Rescaling([1.0, 2.0]),
    L.Conv1D(8, 3, strides=2, padding="same", activation="relu",
             kernel_regularizer=tf.keras.regularizers.L2(0.01)),
    L.Conv1D(4, (5,), padding="causal", dilation_rate=2, use_bias=False),
    L.MaxPooling1D(3, 1, "same"), L.AveragePooling1D(2), L.GlobalAveragePooling1D(),
    L.GlobalMaxPooling1D(keepdims=True), L.ZeroPadding2D(((1, 2), (3, 0))),
    L.UpSampling2D((2, 3), interpolation="bilinear"), L.Cropping2D(1), L.RepeatVector(4),
    L.Permute((3, 1, 2)), L.Identity(), L.ELU(0.5), L.PReLU(shared_axes=[1, 2]),
]


@pytest.mark.parametrize("layer", CONFIG_LAYERS, ids=lambda la: type(la).__name__)
def test_get_config_from_config_round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config and type(clone) is type(layer)
    as_json = tf.keras.saving.serialize_keras_object(layer)
    assert as_json["class_name"] == type(layer).__name__
    assert as_json["module"] == "keras.layers"
    assert tf.keras.saving.deserialize_keras_object(as_json).get_config() == config


def test_config_keys_are_keras_3s():
    # The keys TF 2.21 writes for these layers (beyond name, trainable and dtype).
    expected = {
        L.Normalization(): ["axis", "invert", "mean", "variance"],
        L.Rescaling(2.0): ["scale", "offset"],
        L.Conv1D(2, 3): ["filters", "kernel_size", "strides", "padding", "data_format",
                         "dilation_rate", "groups", "activation", "use_bias",
                         "kernel_initializer", "bias_initializer", "kernel_regularizer",
                         "bias_regularizer", "activity_regularizer", "kernel_constraint",
                         "bias_constraint"],
        L.MaxPooling1D(): ["pool_size", "padding", "strides", "data_format"],
        L.GlobalAveragePooling1D(): ["data_format", "keepdims"],
        L.ZeroPadding2D(): ["padding", "data_format"],
        L.UpSampling2D(): ["size", "data_format", "interpolation"],
        L.Cropping2D(): ["cropping", "data_format"],
        L.RepeatVector(2): ["n"], L.Permute((1,)): ["dims"], L.Identity(): [],
        L.ELU(): ["alpha"],
        L.PReLU(): ["alpha_initializer", "alpha_regularizer", "alpha_constraint",
                    "shared_axes"],
    }
    for layer, keys in expected.items():
        assert list(layer.get_config()) == ["name", "trainable", "dtype"] + keys, layer
    assert L.Normalization().get_config()["axis"] == [-1]  # TF: (-1,), a list in JSON
    assert L.Conv1D(2, 3).get_config()["kernel_size"] == [3]


def sequence_model():
    return tf.keras.Sequential([
        tf.keras.Input((16, 2)), L.Normalization(),
        L.Conv1D(8, 3, padding="causal", activation="relu"), L.MaxPooling1D(), L.Conv1D(4, 3),
        L.AveragePooling1D(2, padding="same"), L.GlobalMaxPooling1D(), L.RepeatVector(2),
        L.Permute((2, 1)), L.PReLU(), L.Identity(), L.Flatten(), L.Dense(1)], name="seq")


def image_model():
    return tf.keras.Sequential([
        tf.keras.Input((6, 6, 2)), L.Rescaling(1 / 255), L.ZeroPadding2D(1), L.Conv2D(3, 3),
        L.UpSampling2D(2, interpolation="bilinear"), L.Cropping2D(((1, 1), (2, 0))), L.ELU(),
        L.GlobalAveragePooling2D(), L.Dense(2)], name="img")


# What TensorFlow 2.21 printed for sequence_model().summary(line_length=76).
SEQUENCE_SUMMARY = """\
Model: "seq"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ normalization (Normalization)   │ (None, 16, 2)          │             5 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ conv1d (Conv1D)                 │ (None, 16, 8)          │            56 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ max_pooling1d (MaxPooling1D)    │ (None, 8, 8)           │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ conv1d_1 (Conv1D)               │ (None, 6, 4)           │           100 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ average_pooling1d               │ (None, 3, 4)           │             0 │
│ (AveragePooling1D)              │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ global_max_pooling1d            │ (None, 4)              │             0 │
│ (GlobalMaxPooling1D)            │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ repeat_vector (RepeatVector)    │ (None, 2, 4)           │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ permute (Permute)               │ (None, 4, 2)           │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ p_re_lu (PReLU)                 │ (None, 4, 2)           │             8 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ identity (Identity)             │ (None, 4, 2)           │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ flatten (Flatten)               │ (None, 8)              │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense (Dense)                   │ (None, 1)              │             9 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 178 (716.00 B)
 Trainable params: 173 (692.00 B)
 Non-trainable params: 5 (24.00 B)"""


def test_summaries_match_tensorflow():
    tf.keras.backend.clear_session()  # layer names start again at "normalization"
    lines = []
    sequence_model().summary(line_length=76, print_fn=lines.append)
    assert lines == [SEQUENCE_SUMMARY]
    model = image_model()
    # TF 2.21's rows for image_model(): output shapes and parameter counts.
    assert [(layer.output.shape, layer.count_params()) for layer in model.layers] == [
        ((None, 6, 6, 2), 0), ((None, 8, 8, 2), 0), ((None, 6, 6, 3), 57),
        ((None, 12, 12, 3), 0), ((None, 10, 10, 3), 0), ((None, 10, 10, 3), 0),
        ((None, 3), 0), ((None, 2), 8)]
    lines = []
    model.summary(line_length=76, print_fn=lines.append)
    assert lines[0].endswith(" Total params: 65 (260.00 B)\n Trainable params: 65 (260.00 B)\n"
                             " Non-trainable params: 0 (0.00 B)")


def test_keras_file_round_trip_with_the_new_layers(tmp_path):
    rng = np.random.default_rng(0)
    model = sequence_model()
    x = (rng.standard_normal((8, 16, 2)) * [3.0, 30.0] + [1.0, -20.0]).astype(np.float32)
    model.layers[0].adapt(x)
    model.save(tmp_path / "seq.keras")
    restored = tf.keras.models.load_model(tmp_path / "seq.keras")
    assert [type(la).__name__ for la in restored.layers] == [type(la).__name__
                                                             for la in model.layers]
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(restored.layers[0].adapt_mean.numpy(), x.mean(axis=(0, 1)),
                               rtol=1e-5)
    assert [w.path for w in restored.weights] == [w.path for w in model.weights]

    model = image_model()
    images = rng.integers(0, 256, (3, 6, 6, 2)).astype(np.float32)
    model.save(tmp_path / "img.keras")
    restored = tf.keras.models.load_model(tmp_path / "img.keras")
    np.testing.assert_allclose(restored.predict(images, verbose=0),
                               model.predict(images, verbose=0), rtol=1e-5, atol=1e-6)
    assert restored.layers[3].get_config()["interpolation"] == "bilinear"


def test_fit_with_normalization_adapt_and_conv1d():
    # Noisy sequences on very different scales; the target is the mean of the
    # standardized difference of the two channels (what Normalization makes easy).
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((96, 12, 2)) * [1.0, 100.0] + [5.0, -300.0]).astype(np.float32)
    z = (x - x.reshape(-1, 2).mean(0)) / x.reshape(-1, 2).std(0)
    y = (z[:, :, 0] - z[:, :, 1]).mean(1, keepdims=True).astype(np.float32)
    norm = L.Normalization()
    norm.adapt(x)
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([tf.keras.Input((12, 2)), norm,
                                 L.Conv1D(4, 3, padding="same"),
                                 L.GlobalAveragePooling1D(), L.Dense(1)])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.03), loss="mse")
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.1 * losses[0], losses
    # adapt's statistics are not trained.
    np.testing.assert_allclose(norm.adapt_mean.numpy(), x.reshape(-1, 2).mean(0), rtol=1e-5)
    assert len(model.trainable_weights) == 4

"""Every layer: its output against NumPy, its weights, its gradients (float64 finite
differences), its config round trip, and a save/load round trip inside a model."""

from __future__ import annotations

import os

import numpy as np
import pytest

import minitf as tf
from minitf.testing import check_grads

pytestmark = pytest.mark.keras
L = tf.keras.layers


def _np(x):
    return np.asarray(x)


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


# (name, factory, input shape, NumPy reference(x, weights) or None, expected weight shapes)
CASES = [
    ("dense", lambda: L.Dense(3, activation="tanh"), (4, 5),
     lambda x, w: np.tanh(x @ w[0] + w[1]), [(5, 3), (3,)]),
    ("dense_nobias_rank3", lambda: L.Dense(2, use_bias=False), (2, 3, 4),
     lambda x, w: x @ w[0], [(4, 2)]),
    ("lambda", lambda: L.Lambda(lambda x: tf.stack([x, x ** 2], axis=1)), (6,),
     lambda x, w: np.stack([x, x ** 2], axis=1), []),
    ("flatten", lambda: L.Flatten(), (2, 3, 4), lambda x, w: x.reshape(2, 12), []),
    ("reshape", lambda: L.Reshape((2, -1)), (3, 6), lambda x, w: x.reshape(3, 2, 3), []),
    ("dropout_inference", lambda: L.Dropout(0.5), (4, 3), lambda x, w: x, []),
    ("activation", lambda: L.Activation("sigmoid"), (4, 3),
     lambda x, w: 1 / (1 + np.exp(-x)), []),
    ("relu", lambda: L.ReLU(max_value=0.5), (4, 3), lambda x, w: np.clip(x, 0, 0.5), []),
    ("leaky_relu", lambda: L.LeakyReLU(0.1), (4, 3),
     lambda x, w: np.where(x > 0, x, 0.1 * x), []),
    ("softmax", lambda: L.Softmax(), (4, 3), lambda x, w: _softmax(x), []),
    ("batch_norm_inference", lambda: L.BatchNormalization(), (4, 3),
     lambda x, w: (x - w[2]) / np.sqrt(w[3] + 1e-3) * w[0] + w[1],
     [(3,), (3,), (3,), (3,)]),
    ("layer_norm", lambda: L.LayerNormalization(), (4, 3),
     lambda x, w: (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-3)
     * w[0] + w[1], [(3,), (3,)]),
    ("conv2d", lambda: L.Conv2D(4, 3, padding="same", activation="relu"), (2, 5, 5, 3),
     None, [(3, 3, 3, 4), (4,)]),
    ("max_pool", lambda: L.MaxPooling2D(), (2, 4, 6, 3),
     lambda x, w: x.reshape(2, 2, 2, 3, 2, 3).max(axis=(2, 4)), []),
    ("avg_pool", lambda: L.AveragePooling2D(pool_size=(2, 3)), (2, 4, 6, 3),
     lambda x, w: x.reshape(2, 2, 2, 2, 3, 3).mean(axis=(2, 4)), []),
    ("global_avg_pool", lambda: L.GlobalAveragePooling2D(), (2, 4, 6, 3),
     lambda x, w: x.mean(axis=(1, 2)), []),
    ("global_max_pool", lambda: L.GlobalMaxPooling2D(), (2, 4, 6, 3),
     lambda x, w: x.max(axis=(1, 2)), []),
]


@pytest.mark.parametrize("name,make,shape,reference,weight_shapes", CASES,
                         ids=[c[0] for c in CASES])
def test_layer_output_and_weights(name, make, shape, reference, weight_shapes):
    layer = make()
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    y = layer(x)
    weights = [w.numpy() for w in layer.weights]
    assert [tuple(w.shape) for w in layer.weights] == weight_shapes
    assert layer.count_params() == sum(int(np.prod(s)) for s in weight_shapes)
    if reference is not None:
        np.testing.assert_allclose(y.numpy(), reference(x, weights), rtol=1e-5, atol=1e-5)


def test_conv2d_layer_is_conv_plus_bias():
    layer = L.Conv2D(2, (2, 3), strides=(1, 2), padding="valid")
    x = tf.random.normal([1, 4, 7, 3])
    y = layer(x)
    want = tf.nn.conv2d(x, layer.kernel, (1, 2), "VALID") + layer.bias
    np.testing.assert_allclose(y.numpy(), want.numpy(), rtol=1e-6)
    assert y.shape == (1, 3, 3, 2)


def _loss_gradients_match_finite_differences(layer, x, training=None, eps=1e-6):
    """<tape gradient, d> equals a central difference along d, for x and every weight."""
    rng = np.random.default_rng(3)
    x = tf.constant(x)
    y0 = layer(x, training=training) if layer._call_has_training_arg else layer(x)
    probe = tf.constant(rng.standard_normal(y0.shape))

    def loss():
        out = layer(x, training=training) if layer._call_has_training_arg else layer(x)
        return float(tf.reduce_sum(out * probe))

    with tf.GradientTape() as tape:
        tape.watch(x)
        out = layer(x, training=training) if layer._call_has_training_arg else layer(x)
        total = tf.reduce_sum(out * probe)
    grads = tape.gradient(total, [x] + layer.trainable_weights)
    assert grads[0] is not None
    d = rng.standard_normal(x.shape)
    x_arr = x.numpy()
    x = tf.constant(x_arr + eps * d)
    up = loss()
    x = tf.constant(x_arr - eps * d)
    down = loss()
    x = tf.constant(x_arr)
    np.testing.assert_allclose(np.sum(grads[0].numpy() * d), (up - down) / (2 * eps),
                               rtol=1e-5, atol=1e-6)
    for var, g in zip(layer.trainable_weights, grads[1:]):
        value = var.numpy()
        d = rng.standard_normal(value.shape)
        var.assign(value + eps * d)
        up = loss()
        var.assign(value - eps * d)
        down = loss()
        var.assign(value)
        np.testing.assert_allclose(np.sum(g.numpy() * d), (up - down) / (2 * eps),
                                   rtol=1e-5, atol=1e-6, err_msg=var.path)


GRAD_CASES = [
    ("dense", lambda: L.Dense(3, activation="tanh", dtype="float64"), (4, 5), None),
    ("conv2d", lambda: L.Conv2D(2, 3, strides=2, padding="same", dtype="float64"),
     (2, 5, 5, 3), None),
    ("batch_norm_training", lambda: L.BatchNormalization(dtype="float64"), (6, 3), True),
    ("batch_norm_conv_axis1", lambda: L.BatchNormalization(axis=1, dtype="float64"),
     (4, 3, 2), True),
    ("layer_norm", lambda: L.LayerNormalization(dtype="float64"), (4, 5), None),
    ("embedding_then_dense", None, None, None),
    ("max_pool", lambda: L.MaxPooling2D(dtype="float64"), (1, 4, 4, 2), None),
    ("global_avg_pool", lambda: L.GlobalAveragePooling2D(dtype="float64"), (2, 3, 3, 2), None),
]


@pytest.mark.parametrize("name,make,shape,training", [c for c in GRAD_CASES if c[1]],
                         ids=[c[0] for c in GRAD_CASES if c[1]])
def test_layer_gradients(name, make, shape, training):
    layer = make()
    # Distinct values keep max-pooling away from ties.
    x = np.random.default_rng(1).permutation(int(np.prod(shape))).reshape(shape) / 5.0 - 1.0
    _loss_gradients_match_finite_differences(layer, x, training)


def test_embedding_gradient_is_a_scatter_add():
    emb = L.Embedding(5, 3, dtype="float64")
    ids = tf.constant([[1, 1, 4]])
    with tf.GradientTape() as tape:
        out = emb(ids)
        loss = tf.reduce_sum(out)
    g = tf.convert_to_tensor(tape.gradient(loss, emb.embeddings)).numpy()
    np.testing.assert_array_equal(g, [[0] * 3, [2] * 3, [0] * 3, [0] * 3, [1] * 3])
    np.testing.assert_array_equal(out.numpy()[0, 2], emb.embeddings.numpy()[4])


def test_layer_functions_pass_check_grads():
    # The activations and merge layers are compositions of primitives: check_grads proves
    # them through the public API in float64.
    x = np.random.default_rng(0).standard_normal((3, 4))
    for name in ["relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus", "softsign",
                 "silu", "gelu", "hard_sigmoid", "mish", "log_softmax"]:
        check_grads(tf.keras.activations.get(name), [x + 0.05], modes=("direction",))
    check_grads(lambda a, b: L.Concatenate()([a, b]), [x, x[:, :2]])
    check_grads(lambda a, b: L.Add()([a, b]), [x, 2 * x])
    check_grads(lambda a, b: L.Average()([a, b]), [x, 2 * x])
    check_grads(lambda a, b: L.Multiply()([a, b]), [x, 2 * x])


def test_merge_layers_against_numpy():
    a, b = np.arange(6.0).reshape(2, 3), np.ones((2, 3))
    np.testing.assert_array_equal(L.Add()([a, b]).numpy(), a + b)
    np.testing.assert_array_equal(L.Subtract()([a, b]).numpy(), a - b)
    np.testing.assert_array_equal(L.Multiply()([a, b]).numpy(), a * b)
    np.testing.assert_array_equal(L.Average()([a, b]).numpy(), (a + b) / 2)
    np.testing.assert_array_equal(L.Maximum()([a, b]).numpy(), np.maximum(a, b))
    np.testing.assert_array_equal(L.Minimum()([a, b]).numpy(), np.minimum(a, b))
    np.testing.assert_array_equal(L.Concatenate(axis=0)([a, b]).numpy(), np.concatenate([a, b]))
    with pytest.raises(ValueError, match="list of at least 2"):
        L.Add()(a)


def test_dropout_in_training_zeroes_and_rescales():
    tf.random.set_seed(0)
    y = L.Dropout(0.25)(tf.ones([10000]), training=True).numpy()
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.02


def test_batch_norm_updates_moving_statistics_in_training_only():
    bn = L.BatchNormalization(momentum=0.5)
    x = np.array([[1.0, 10.0], [3.0, 30.0]], np.float32)
    bn(x)  # inference: no update
    np.testing.assert_array_equal(bn.moving_mean.numpy(), [0, 0])
    y = bn(x, training=True).numpy()
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.5 * x.mean(0))
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.5 + 0.5 * x.var(0))
    np.testing.assert_allclose(y, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3), rtol=1e-5)
    assert [w.name for w in bn.non_trainable_weights] == ["moving_mean", "moving_variance"]
    bn.trainable = False  # a frozen BatchNormalization runs in inference mode
    bn(x, training=True)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.5 * x.mean(0))
    assert bn.trainable_weights == [] and len(bn.non_trainable_weights) == 4


CONFIG_LAYERS = [
    L.Dense(3, activation="relu", use_bias=False, kernel_initializer="he_normal"),
    L.Flatten(), L.Reshape((3, 2)), L.Dropout(0.3, seed=2), L.Activation("tanh"),
    L.ReLU(max_value=6.0), L.LeakyReLU(0.2), L.Softmax(axis=1),
    L.BatchNormalization(momentum=0.9, epsilon=1e-5), L.LayerNormalization(axis=-1),
    L.Embedding(10, 4), L.Concatenate(axis=1), L.Add(), L.Multiply(),
    L.Conv2D(8, (3, 2), strides=2, padding="same"), L.MaxPooling2D(3, 1, "same"),
    L.AveragePooling2D(), L.GlobalAveragePooling2D(keepdims=True),
]


@pytest.mark.parametrize("layer", CONFIG_LAYERS, ids=lambda la: type(la).__name__)
def test_get_config_from_config_round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    assert type(clone) is type(layer)
    as_json = tf.keras.saving.serialize_keras_object(layer)
    assert as_json["class_name"] == type(layer).__name__
    again = tf.keras.saving.deserialize_keras_object(as_json)
    assert again.get_config() == config


SAVE_MODELS = {
    "dense": lambda: [tf.keras.Input((5,)), L.Dense(3, activation="relu"), L.Dense(2)],
    "conv": lambda: [tf.keras.Input((6, 6, 2)), L.Conv2D(3, 3, padding="same"),
                     L.BatchNormalization(), L.MaxPooling2D(), L.AveragePooling2D(1),
                     L.GlobalAveragePooling2D(), L.Dense(2)],
    "embedding": lambda: [tf.keras.Input((4,), dtype="int32"), L.Embedding(7, 3), L.Flatten(),
                          L.LayerNormalization(), L.Dropout(0.5), L.Softmax()],
    "lambda": lambda: [tf.keras.Input((3,)), L.Lambda(lambda x: tf.concat([x, x * x], 1)),
                       L.Reshape((2, 3)), L.ReLU(), L.Activation("tanh"), L.Flatten()],
}


@pytest.mark.parametrize("kind", sorted(SAVE_MODELS))
def test_keras_file_round_trip(kind, tmp_path):
    model = tf.keras.Sequential(SAVE_MODELS[kind]())
    shape = (3,) + tuple(model.input_shape[1:])
    x = np.random.default_rng(0).integers(0, 7, shape).astype("int32") if kind == "embedding" \
        else np.random.default_rng(0).standard_normal(shape).astype("float32")
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    restored = tf.keras.models.load_model(path)
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    assert [w.path for w in restored.weights] == [w.path for w in model.weights]


def test_custom_layer_with_add_weight_and_auto_config(tmp_path):
    @tf.keras.saving.register_keras_serializable(package="TestLayers")
    class Scale(L.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, x):
            return self.factor * x * self.w

    layer = Scale(3.0)
    assert layer(tf.ones([2, 4])).numpy().tolist() == [[3.0] * 4] * 2
    assert layer.get_config()["factor"] == 3.0  # from the constructor arguments
    model = tf.keras.Sequential([tf.keras.Input((4,)), Scale(0.5)])
    model.save(tmp_path / "s.keras")
    restored = tf.keras.models.load_model(tmp_path / "s.keras")
    assert type(restored.layers[0]).__name__ == "Scale"
    assert restored.layers[0].factor == 0.5


def test_input_spec_errors_teach():
    dense = L.Dense(2)
    dense(tf.ones([1, 3]))
    with pytest.raises(ValueError, match="expected axis -1 of the input to have value 3"):
        dense(tf.ones([1, 4]))
    with pytest.raises(ValueError, match="min_ndim=2"):
        L.Dense(2)(tf.ones([3]))


def test_weights_paths_names_and_trainable_flag():
    tf.keras.backend.clear_session()
    model = tf.keras.Sequential([tf.keras.Input((3,)), L.Dense(2), L.BatchNormalization()])
    assert [w.path for w in model.weights] == [
        "sequential/dense/kernel", "sequential/dense/bias",
        "sequential/batch_normalization/gamma", "sequential/batch_normalization/beta",
        "sequential/batch_normalization/moving_mean",
        "sequential/batch_normalization/moving_variance"]
    assert len(model.trainable_weights) == 4 and len(model.non_trainable_weights) == 2
    model.layers[0].trainable = False
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 4
    assert repr(model.layers[0].kernel).startswith("<Variable path=sequential/dense/kernel, "
                                                   "shape=(3, 2), dtype=float32, value=")


def test_initializers_accept_names_classes_and_plain_callables():
    d = L.Dense(2, kernel_initializer=tf.random.normal)  # the seed guide's form
    d.build((None, 3))
    assert d.kernel.shape == (3, 2)
    d = L.Dense(2, kernel_initializer=tf.keras.initializers.Constant(0.5),
                bias_initializer="ones")
    d.build((None, 1))
    assert d.kernel.numpy().tolist() == [[0.5, 0.5]] and d.bias.numpy().tolist() == [1, 1]
    with pytest.raises(ValueError, match="Could not interpret initializer"):
        L.Dense(2, kernel_initializer="no_such_init")


@pytest.mark.parametrize("make", [
    lambda **kw: tf.keras.layers.Dense(2, **kw),
    lambda **kw: tf.keras.layers.Conv1D(2, 3, **kw),
    lambda **kw: tf.keras.layers.Conv2D(2, 3, **kw)])
def test_kernel_and_bias_regularizers_survive_a_config_round_trip(make):
    # Conv2D used to save None for them, and from_config kept a dict, not a regularizer.
    layer = make(kernel_regularizer=tf.keras.regularizers.L2(0.25), bias_regularizer="l1")
    again = type(layer).from_config(layer.get_config())
    assert isinstance(again.kernel_regularizer, tf.keras.regularizers.L2)
    assert again.kernel_regularizer.l2 == 0.25
    assert isinstance(again.bias_regularizer, tf.keras.regularizers.L1)
    assert again.get_config() == layer.get_config()

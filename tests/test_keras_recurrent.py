"""SimpleRNN, LSTM, GRU and Bidirectional: shapes, weights and outputs as TensorFlow 2.21
(Keras 3) gives them, float64 gradients, tracing, configs, saving and training."""

from __future__ import annotations

import os

import numpy as np
import pytest

import minitf as tf
from minitf.keras.initializers import Orthogonal
from minitf.keras.layers.bidirectional import Bidirectional
from minitf.keras.layers.recurrent import GRU, LSTM, SimpleRNN
from minitf.testing import check_grads

pytestmark = pytest.mark.keras


def _fill(shape, k):
    """Small deterministic values: 0.5 sin(0.7 i + k) over the flattened shape."""
    n = int(np.prod(shape))
    return (0.5 * np.sin(np.arange(n) * 0.7 + k)).reshape(shape).astype(np.float32)


X = _fill((2, 4, 3), 0.0) * 2  # batch 2, time 4, features 3


def _set_fill_weights(layer):
    layer.build(X.shape)
    layer.set_weights([_fill(w.shape, i + 1) for i, w in enumerate(layer.weights)])
    return layer


# TensorFlow 2.21 (Keras 3, CPU) printed these, rounded to 6 decimals, for the same layers
# built on X.shape with the same _fill weights (keras.layers.LSTM... and set_weights).
TF_OUTPUTS = {
    "simple_rnn": (lambda: SimpleRNN(2, return_sequences=True, return_state=True), {}, [
        [[[-0.013344, -0.625006], [0.62183, 0.533029], [-0.216724, -0.457513],
          [-0.04284, -0.526312]],
         [[0.571674, 0.331557], [-0.219951, -0.407679], [-0.040104, -0.536127],
          [0.601774, 0.506683]]],
        [[-0.04284, -0.526312], [0.601774, 0.506683]]]),
    "lstm": (lambda: LSTM(2, return_sequences=True, return_state=True), {}, [
        [[[0.02109, -0.021061], [-0.153367, -0.13903], [-0.062153, 0.075518],
          [0.001005, -0.004645]],
         [[-0.163851, -0.127207], [-0.063319, 0.079866], [-0.000554, -0.006601],
          [-0.16521, -0.126985]]],
        [[0.001005, -0.004645], [-0.16521, -0.126985]],
        [[0.002323, -0.010903], [-0.343524, -0.215667]]]),
    "gru": (lambda: GRU(2, return_sequences=True, return_state=True), {}, [
        [[[-0.086211, 0.163917], [-0.184945, -0.038103], [-0.268162, -0.043313],
          [-0.208944, 0.162389]],
         [[-0.137205, -0.150212], [-0.242541, -0.095813], [-0.199525, 0.139096],
          [-0.252308, -0.055233]]],
        [[-0.208944, 0.162389], [-0.252308, -0.055233]]]),
    "gru_reset_before": (lambda: GRU(2, reset_after=False, return_sequences=True), {}, [
        [[[-0.049462, 0.298828], [-0.124195, 0.056921], [-0.210034, 0.091803],
          [-0.117746, 0.338436]],
         [[-0.113281, -0.115436], [-0.210102, 0.030476], [-0.120625, 0.318932],
          [-0.157294, 0.070093]]]]),
    "lstm_go_backwards": (lambda: LSTM(2, go_backwards=True, return_sequences=True), {}, [
        [[[0.020118, -0.023913], [-0.054629, 0.11374], [-0.177654, -0.110405],
          [-0.051426, -0.040538]],
         [[-0.165549, -0.124796], [-0.042165, -0.049962], [-0.057803, 0.101123],
          [-0.178842, -0.109037]]]]),
    "lstm_initial_state": (lambda: LSTM(2),
                           {"initial_state": [_fill((2, 2), 7), _fill((2, 2), 8)]},
                           [[[0.002065, -0.005582], [-0.162612, -0.130885]]]),
    "bidirectional_lstm": (lambda: Bidirectional(LSTM(2, return_sequences=True)), {}, [
        [[[0.02109, -0.021061, 0.045369, 0.00687], [-0.153367, -0.13903, 0.137621, -0.028773],
          [-0.062153, 0.075518, 0.028112, -0.072334],
          [0.001005, -0.004645, -0.036251, 0.016773]],
         [[-0.163851, -0.127207, 0.17017, 0.005734], [-0.063319, 0.079866, 0.052938, -0.050629],
          [-0.000554, -0.006601, 0.034891, 0.084406],
          [-0.16521, -0.126985, 0.102107, 0.076542]]]]),
}


@pytest.mark.parametrize("case", sorted(TF_OUTPUTS))
def test_outputs_match_tensorflow(case):
    make, call_kwargs, expected = TF_OUTPUTS[case]
    out = _set_fill_weights(make())(X, **call_kwargs)
    outs = list(out) if isinstance(out, tuple) else [out]
    assert len(outs) == len(expected)
    for got, want in zip(outs, expected):
        np.testing.assert_allclose(got.numpy(), np.array(want), atol=2e-6, rtol=0)


# (layer, keyword arguments, output shapes TF 2.21 gives for X of shape (2, 4, 3))
SHAPE_CASES = [(cls, kw, shapes) for cls, n_states in ((SimpleRNN, 1), (LSTM, 2), (GRU, 1))
               for kw, shapes in [({}, [(2, 2)]), ({"return_sequences": True}, [(2, 4, 2)]),
                                  ({"return_state": True}, [(2, 2)] * (1 + n_states)),
                                  ({"return_sequences": True, "return_state": True},
                                   [(2, 4, 2)] + [(2, 2)] * n_states),
                                  ({"go_backwards": True}, [(2, 2)])]]


@pytest.mark.parametrize("cls,kwargs,shapes", SHAPE_CASES,
                         ids=[f"{c.__name__}-{'-'.join(k) or 'default'}" for c, k, _ in
                              SHAPE_CASES])
def test_output_shapes_as_tensorflow(cls, kwargs, shapes):
    out = cls(2, **kwargs)(X)
    assert isinstance(out, tuple) == bool(kwargs.get("return_state"))  # Keras 3: a tuple
    assert [tuple(t.shape) for t in (out if isinstance(out, tuple) else [out])] == shapes
    # The symbolic (functional) shapes: the batch axis unknown.
    symbolic = cls(2, **kwargs)(tf.keras.Input((4, 3)))
    symbolic = symbolic if isinstance(symbolic, tuple) else [symbolic]
    assert [t.shape for t in symbolic] == [(None,) + s[1:] for s in shapes]


@pytest.mark.parametrize("make,shapes", [
    (lambda: SimpleRNN(2, name="simple_rnn"), [(3, 2), (2, 2), (2,)]),
    (lambda: LSTM(2, name="lstm"), [(3, 8), (2, 8), (8,)]),
    (lambda: GRU(2, name="gru"), [(3, 6), (2, 6), (2, 6)]),
    (lambda: GRU(2, reset_after=False, name="gru"), [(3, 6), (2, 6), (6,)]),
    (lambda: LSTM(2, use_bias=False, name="lstm"), [(3, 8), (2, 8)]),
], ids=["simple_rnn", "lstm", "gru", "gru_reset_before", "lstm_no_bias"])
def test_weights_as_tensorflow(make, shapes):
    layer = make()
    layer(X)
    assert [tuple(w.shape) for w in layer.weights] == shapes
    assert layer.count_params() == sum(int(np.prod(s)) for s in shapes)
    cell = {"simple_rnn": "simple_rnn_cell", "lstm": "lstm_cell", "gru": "gru_cell"}
    names = ["kernel", "recurrent_kernel", "bias"][:len(shapes)]
    assert [w.path for w in layer.weights] == [f"{layer.name}/{cell[layer.name]}/{n}"
                                              for n in names]
    assert layer.kernel is layer.cell.kernel is layer.weights[0]


def test_default_initializers_as_keras():
    lstm = LSTM(3)
    lstm.build((None, 5, 2))
    # unit_forget_bias: the forget block (i, f, c, o) starts at 1.
    np.testing.assert_array_equal(lstm.bias.numpy(), [0] * 3 + [1] * 3 + [0] * 6)
    u = lstm.recurrent_kernel.numpy()  # (3, 12) from Orthogonal: orthonormal rows
    np.testing.assert_allclose(u @ u.T, np.eye(3), atol=1e-5)
    q = Orthogonal(gain=2.0, seed=3)((6, 4)).numpy()  # orthogonal columns, times gain
    np.testing.assert_allclose(q.T @ q, 4 * np.eye(4), atol=1e-5)
    tf.random.set_seed(5)  # seeds as minitf's other initializers: one stream per seed
    first = Orthogonal(seed=3)((4, 4)).numpy()
    tf.random.set_seed(5)
    np.testing.assert_array_equal(Orthogonal(seed=3)((4, 4)).numpy(), first)
    assert Orthogonal()((2, 3, 4)).shape == (2, 3, 4)
    with pytest.raises(ValueError, match="rank >= 2"):
        Orthogonal()((3,))
    assert GRU(2, bias_initializer="ones")(X).shape == (2, 2)


def _with_weights(layer):
    """f(x, *weights): the layer's output with its cell's weights replaced by tensors."""
    cell = layer.cell

    def f(x, *weights):
        saved = cell.kernel, cell.recurrent_kernel, cell.bias
        cell.kernel, cell.recurrent_kernel, cell.bias = weights
        try:
            out = layer(x)
        finally:
            cell.kernel, cell.recurrent_kernel, cell.bias = saved
        return out
    f.__name__ = type(layer).__name__
    return f


@pytest.mark.parametrize("make", [
    lambda: LSTM(2, return_sequences=True, dtype="float64"),
    lambda: GRU(2, return_sequences=True, return_state=True, dtype="float64"),
    lambda: GRU(2, reset_after=False, go_backwards=True, dtype="float64"),
], ids=["lstm", "gru", "gru_reset_before"])
def test_gradients_float64(make):
    layer = make()
    x = np.random.default_rng(0).standard_normal((2, 3, 2))
    layer(x)
    weights = [w.numpy() for w in layer.weights]
    check_grads(_with_weights(layer), [x] + weights)
    # Training differentiates the variables themselves: the tape reaches every one.
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.nest.flatten(layer(x))[0] ** 2)
    assert all(g is not None for g in tape.gradient(loss, layer.trainable_weights))


@pytest.mark.parametrize("make", [
    lambda: LSTM(3, return_sequences=True, return_state=True),
    lambda: GRU(3, go_backwards=True), lambda: SimpleRNN(3, activation="relu"),
    lambda: Bidirectional(GRU(3, return_sequences=True, return_state=True), merge_mode="ave"),
], ids=["lstm", "gru", "simple_rnn", "bidirectional"])
def test_eager_equals_tf_function(make):
    layer = make()
    x = tf.constant(np.random.default_rng(1).standard_normal((2, 5, 4)).astype("float32"))
    initial = tf.random.normal([2, 3]) if isinstance(layer, GRU) else None
    eager = layer(x, initial_state=initial)
    traced = tf.function(lambda t, s: layer(t, initial_state=s))(x, initial)
    for a, b in zip(tf.nest.flatten(eager), tf.nest.flatten(traced)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-6)


def test_bidirectional_shapes_and_weights():
    bi = Bidirectional(LSTM(2, return_sequences=True, name="lstm"), name="bidirectional")
    assert bi(X).shape == (2, 4, 4)
    assert len(bi.weights) == 6 and bi.count_params() == 2 * 48
    assert bi.weights[0].path == "bidirectional/forward_lstm/lstm_cell/kernel"
    assert bi.weights[3].path == "bidirectional/backward_lstm/lstm_cell/kernel"
    assert bi.backward_layer.go_backwards and not bi.forward_layer.go_backwards
    for mode, shape in [("sum", (2, 4, 2)), ("mul", (2, 4, 2)), ("ave", (2, 4, 2))]:
        assert Bidirectional(LSTM(2, return_sequences=True), merge_mode=mode)(X).shape == shape
    both = Bidirectional(GRU(2), merge_mode=None)(X)
    assert isinstance(both, tuple) and [t.shape for t in both] == [(2, 2), (2, 2)]
    out = Bidirectional(GRU(2, return_sequences=True, return_state=True))(X)
    assert [tuple(t.shape) for t in out] == [(2, 4, 4), (2, 2), (2, 2)]
    # initial_state: the forward layer's states, then the backward layer's.
    lstm_bi = Bidirectional(LSTM(2, return_state=True))
    states = [tf.ones([2, 2])] * 4
    assert [tuple(t.shape) for t in lstm_bi(X, initial_state=states)] == [(2, 4)] + [(2, 2)] * 4


CONFIG_LAYERS = [
    lambda: SimpleRNN(3, activation="relu", return_sequences=True, go_backwards=True),
    lambda: LSTM(4, recurrent_activation="hard_sigmoid", unit_forget_bias=False,
                 return_state=True, kernel_regularizer="l2"),
    lambda: GRU(2, reset_after=False, use_bias=False, recurrent_initializer="glorot_uniform"),
    lambda: Bidirectional(LSTM(3, return_sequences=True), merge_mode="sum"),
    lambda: Bidirectional(GRU(2), backward_layer=GRU(2, go_backwards=True, name="back")),
]


@pytest.mark.parametrize("make", CONFIG_LAYERS,
                         ids=["simple_rnn", "lstm", "gru", "bidirectional", "bi_backward"])
def test_get_config_from_config_round_trip(make):
    layer = make()
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert type(clone) is type(layer) and clone.get_config() == config
    as_json = tf.keras.saving.serialize_keras_object(layer)
    assert as_json["class_name"] == type(layer).__name__
    again = tf.keras.saving.deserialize_keras_object(as_json)
    assert again.get_config() == config
    assert again(X) is not None


def test_config_is_keras_3s():
    def init(name, **config):
        return {"module": "keras.initializers", "class_name": name, "config": config,
                "registered_name": None}
    # LSTM(2).get_config() as TF 2.21 printed it, less GlorotUniform's input_axes and
    # output_axes (minitf's GlorotUniform does not have them).
    keras_config = {
        "name": "lstm", "trainable": True,
        "dtype": {"module": "keras", "class_name": "DTypePolicy",
                  "config": {"name": "float32"}, "registered_name": None},
        "return_sequences": False, "return_state": False, "go_backwards": False,
        "stateful": False, "unroll": False, "zero_output_for_mask": False, "units": 2,
        "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": True,
        "kernel_initializer": init("GlorotUniform", seed=None),
        "recurrent_initializer": init("Orthogonal", seed=None, gain=1.0),
        "bias_initializer": init("Zeros"), "unit_forget_bias": True,
        "kernel_regularizer": None, "recurrent_regularizer": None, "bias_regularizer": None,
        "activity_regularizer": None, "kernel_constraint": None, "recurrent_constraint": None,
        "bias_constraint": None, "dropout": 0.0, "recurrent_dropout": 0.0, "seed": None}
    assert LSTM(2, name="lstm").get_config() == keras_config
    assert LSTM.from_config(keras_config).get_config() == keras_config
    gru = GRU(2).get_config()
    assert gru["reset_after"] is True and "unit_forget_bias" not in gru
    simple = SimpleRNN(2).get_config()
    assert "seed" not in simple and "recurrent_activation" not in simple
    bi = Bidirectional(LSTM(2, name="lstm")).get_config()
    assert bi["merge_mode"] == "concat" and bi["layer"]["config"]["name"] == "forward_lstm"
    assert bi["backward_layer"]["config"]["go_backwards"] is True


def test_keras_file_round_trip(tmp_path):
    model = tf.keras.Sequential([
        tf.keras.Input((4, 3)), Bidirectional(GRU(3, return_sequences=True)),
        SimpleRNN(2, return_sequences=True), LSTM(2), tf.keras.layers.Dense(1)])
    path = os.path.join(tmp_path, "rnn.keras")
    model.save(path)
    restored = tf.keras.models.load_model(path)
    np.testing.assert_array_equal(restored.predict(X, verbose=0), model.predict(X, verbose=0))


def test_functional_model_with_initial_state():
    x, h0 = tf.keras.Input((4, 3)), tf.keras.Input((5,))
    seq, h = GRU(5, return_sequences=True, return_state=True)(x, initial_state=h0)
    assert seq.shape == (None, 4, 5) and h.shape == (None, 5)
    model = tf.keras.Model([x, h0], [seq, h])
    out = model([X, np.zeros((2, 5), "float32")])
    np.testing.assert_allclose(out[0].numpy()[:, -1], out[1].numpy())


def test_lstm_learns_a_toy_sequence_problem():
    tf.random.set_seed(0)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (256, 6, 1)).astype("float32")
    y = x.sum(axis=1) / 2  # the (scaled) running sum: the state must accumulate
    model = tf.keras.Sequential([tf.keras.Input((6, 1)), LSTM(8), tf.keras.layers.Dense(1)])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.02), loss="mse")
    losses = model.fit(x, y, epochs=10, batch_size=32, verbose=0).history["loss"]
    assert losses[-1] < 0.1 * losses[0], losses


def test_errors_name_the_layer_and_the_fix():
    with pytest.raises(ValueError, match=r'"lstm_e".*expected ndim=3.*\(2, 3\).*Reshape'):
        LSTM(2, name="lstm_e")(tf.ones([2, 3]))
    with pytest.raises(NotImplementedError, match="masking"):
        GRU(2)(X, mask=tf.ones([2, 4], tf.bool))
    with pytest.raises(NotImplementedError, match="Dropout"):
        LSTM(2, dropout=0.2)
    with pytest.raises(NotImplementedError, match="stateful"):
        SimpleRNN(2, stateful=True)
    with pytest.raises(ValueError, match=r"2 tensor\(s\) \[h, c\] of shape \(batch, 2\)"):
        LSTM(2)(X, initial_state=[tf.zeros([2, 2])])
    with pytest.raises(ValueError, match="positive integer"):
        GRU(0)
    with pytest.raises(ValueError, match="static, non-zero time length"):
        tf.function(lambda t: LSTM(2)(t),
                    input_signature=[tf.TensorSpec([None, None, 3], tf.float32)])(X)
    with pytest.raises(ValueError, match="Invalid merge mode"):
        Bidirectional(LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="different `go_backwards`"):
        Bidirectional(LSTM(2, go_backwards=True))

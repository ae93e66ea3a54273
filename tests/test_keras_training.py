"""compile / fit / evaluate / predict: Keras 3's results, logs, printed formats and the
traced training step."""

from __future__ import annotations

import re

import numpy as np
import pytest

import minitf as tf

pytestmark = pytest.mark.keras
L = tf.keras.layers
X = np.linspace(-1, 1, 40).astype(np.float32)[:, None]
Y = 3 * X


def linear_model(metrics=("mae",), run_eagerly=False, lr=0.1):
    model = tf.keras.Sequential([tf.keras.Input((1,)),
                                 L.Dense(1, kernel_initializer="zeros")])
    model.compile(optimizer=tf.keras.optimizers.SGD(lr), loss="mse", metrics=list(metrics),
                  run_eagerly=run_eagerly)
    return model


def test_fit_matches_tensorflow_on_a_deterministic_problem():
    # TensorFlow 2.21 printed these for the same model, data and callbacks (no shuffle).
    model = linear_model()
    history = model.fit(X, Y, epochs=3, batch_size=8, verbose=0, shuffle=False, callbacks=[
        tf.keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)])
    np.testing.assert_allclose(history.history["loss"], [3.0316050052642822,
                                                         2.143925428390503,
                                                         1.8038657903671265], rtol=1e-5)
    np.testing.assert_allclose(history.history["mae"], [1.5071961879730225,
                                                        1.2647674083709717,
                                                        1.1613620519638062], rtol=1e-5)
    np.testing.assert_allclose(history.history["learning_rate"], [0.05, 0.025, 0.0125],
                               rtol=1e-6)
    assert list(history.history) == ["loss", "mae", "learning_rate"]
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 5}


def test_traced_and_eager_training_agree():
    traced, eager = linear_model(), linear_model(run_eagerly=True)
    h1 = traced.fit(X, Y, epochs=4, batch_size=16, verbose=0, shuffle=False)
    h2 = eager.fit(X, Y, epochs=4, batch_size=16, verbose=0, shuffle=False)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(traced.get_weights()[0], eager.get_weights()[0], rtol=1e-5)
    assert type(traced.train_function).__name__ == "Function"
    assert type(eager.train_function).__name__ == "function"


def test_evaluate_predict_and_single_batch_methods():
    model = linear_model()
    mse, mae = float(np.mean(Y ** 2)), float(np.mean(np.abs(Y)))  # the kernel starts at 0
    assert model.evaluate(X, Y, verbose=0) == pytest.approx([mse, mae], rel=1e-5)
    assert model.evaluate(X, Y, verbose=0, return_dict=True) == pytest.approx(
        {"loss": mse, "mae": mae}, rel=1e-5)
    loss_only = linear_model(metrics=())
    assert loss_only.evaluate(X, Y, verbose=0) == pytest.approx(mse, rel=1e-5)
    prediction = model.predict(X, batch_size=7, verbose=0)
    assert isinstance(prediction, np.ndarray) and prediction.shape == (40, 1)
    logs = model.train_on_batch(X, Y, return_dict=True)
    assert set(logs) == {"loss", "mae"} and all(isinstance(v, float) for v in logs.values())
    assert isinstance(model.test_on_batch(X, Y), list)
    assert model.predict_on_batch(X[:3]).shape == (3, 1)


def test_history_keys_are_sorted_with_validation_metrics():
    x = np.random.default_rng(0).standard_normal((50, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int32)
    model = tf.keras.Sequential([tf.keras.Input((4,)), L.Dense(2)])
    model.compile(optimizer="adam", metrics=["accuracy"],
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, epochs=2, verbose=0, validation_split=0.2)
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.params["steps"] == 2  # 40 training samples in batches of 32
    assert type(model._compile_metrics.metrics[0]).__name__ == "SparseCategoricalAccuracy"
    assert model.metrics_names == ["loss", "compile_metrics"]


@pytest.mark.parametrize("y_shape,pred_units,expected", [
    ((10,), 3, "SparseCategoricalAccuracy"), ((10, 1), 3, "SparseCategoricalAccuracy"),
    ((10, 3), 3, "CategoricalAccuracy"), ((10, 1), 1, "BinaryAccuracy")])
def test_accuracy_name_is_resolved_from_shapes_like_keras(y_shape, pred_units, expected):
    model = tf.keras.Sequential([tf.keras.Input((2,)), L.Dense(pred_units)])
    model.compile(optimizer="sgd", loss="mse" if pred_units == 1 or len(y_shape) == 2 and
                  y_shape[1] == 3 else "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    y = np.zeros(y_shape, np.float32)
    model.fit(np.zeros((10, 2), np.float32), y, verbose=0)
    assert type(model._compile_metrics.metrics[0]).__name__ == expected


def _visible(text: str) -> list:
    """The lines a terminal shows: ANSI colors dropped, each \\r redraw keeping the last."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text).replace("\b", "")
    return [line.split("\r")[-1].rstrip() for line in text.split("\n")]


def test_progress_bar_and_one_line_per_epoch_formats(capsys):
    model = linear_model()
    model.fit(X, Y, epochs=2, batch_size=8, verbose=1)
    lines = _visible(capsys.readouterr().out)
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert re.fullmatch(r"5/5 ━{20} \d+s \d+(us|ms|s)/step - loss: \d+\.\d{4} - "
                        r"mae: \d+\.\d{4}", lines[1]), lines[1]
    model.fit(X, Y, epochs=1, batch_size=8, verbose=2)
    lines = _visible(capsys.readouterr().out)
    assert re.fullmatch(r"5/5 - \d+s - \d+(us|ms|s)/step - loss: \d+\.\d{4} - "
                        r"mae: \d+\.\d{4}", lines[0]), lines[0]
    model.evaluate(X, Y, verbose=1)
    assert re.fullmatch(r"2/2 ━{20} \d+s \d+(us|ms|s)/step - loss: \d+\.\d{4} - "
                        r"mae: \d+\.\d{4}", _visible(capsys.readouterr().out)[0])
    model.predict(X, verbose=1)
    assert re.fullmatch(r"2/2 ━{20} \d+s \d+(us|ms|s)/step",
                        _visible(capsys.readouterr().out)[0])
    raw = "\x1b[1m5/5\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
    model.fit(X, Y, epochs=1, batch_size=8, verbose=1)
    assert raw in capsys.readouterr().out  # Keras's bold count, green bar


def test_functional_summary_with_connections_matches_keras(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    tf.keras.backend.clear_session()
    a, b = tf.keras.Input((4,), name="a"), tf.keras.Input((3,))
    h = L.Dense(5)(a)
    model = tf.keras.Model([a, b], L.Dense(1)(L.Concatenate()([h, b])))
    model.summary()
    # Printed by Keras 3.15 (TensorFlow 2.21) for the same model.
    expected = """\
Model: "functional"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ a (InputLayer)      │ (None, 4)         │          0 │ -                 │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ dense (Dense)       │ (None, 5)         │         25 │ a[0][0]           │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ input_layer         │ (None, 3)         │          0 │ -                 │
│ (InputLayer)        │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ concatenate         │ (None, 8)         │          0 │ dense[0][0],      │
│ (Concatenate)       │                   │            │ input_layer[0][0] │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ dense_1 (Dense)     │ (None, 1)         │          9 │ concatenate[0][0] │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 34 (136.00 B)
 Trainable params: 34 (136.00 B)
 Non-trainable params: 0 (0.00 B)
"""
    assert capsys.readouterr().out == expected


def test_summary_of_unbuilt_and_subclassed_models_matches_keras(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    tf.keras.backend.clear_session()
    tf.keras.Sequential([L.Dense(3)]).summary()
    out = capsys.readouterr().out.splitlines()
    # Keras 3.15: an unbuilt layer shows "?" and "0 (unbuilt)".
    assert out[4] == "│ dense (Dense)                   │ ?                      │   0 (unbuilt) │"
    assert out[-3:] == [" Total params: 0 (0.00 B)", " Trainable params: 0 (0.00 B)",
                        " Non-trainable params: 0 (0.00 B)"]

    class M(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.d1, self.d2 = L.Dense(3), L.Dense(1)

        def call(self, x):
            return self.d2(self.d1(x))

    model = M()
    model(np.zeros((2, 5), np.float32))
    model.summary()
    out = capsys.readouterr().out.splitlines()
    assert out[0] == 'Model: "m"'
    assert out[4] == "│ dense_1 (Dense)                 │ (2, 3)                 │            18 │"
    assert out[-3] == " Total params: 22 (88.00 B)"


def test_functional_multi_input_model_trains():
    a, b = tf.keras.Input((2,)), tf.keras.Input((3,))
    out = L.Dense(1)(L.Concatenate()([L.Dense(4, activation="relu")(a), b]))
    model = tf.keras.Model(inputs=[a, b], outputs=out)
    rng = np.random.default_rng(0)
    xa, xb = rng.standard_normal((64, 2)), rng.standard_normal((64, 3))
    y = xa[:, :1] + xb[:, 1:2]
    model.compile(optimizer=tf.keras.optimizers.Adam(0.05), loss="mse")
    history = model.fit([xa, xb], y, epochs=40, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]
    assert model.predict([xa, xb], verbose=0).shape == (64, 1)
    assert [type(la).__name__ for la in model.layers] == [
        "InputLayer", "Dense", "InputLayer", "Concatenate", "Dense"]


def test_feature_extractor_from_a_sequential_models_layer_outputs():
    # The Keras Sequential guide: a model over layer.output of every layer (shapes
    # printed by TF 2.21), and over one layer found by name.
    initial = tf.keras.Sequential([
        tf.keras.Input(shape=(20, 20, 3)),
        L.Conv2D(4, 5, strides=2, activation="relu"),
        L.Conv2D(4, 3, activation="relu", name="my_intermediate_layer"),
        L.Conv2D(4, 3, activation="relu"),
    ])
    extractor = tf.keras.Model(inputs=initial.inputs,
                               outputs=[layer.output for layer in initial.layers])
    x = np.random.default_rng(0).standard_normal((1, 20, 20, 3)).astype(np.float32)
    features = extractor(x)
    assert [f.shape.as_list() for f in features] == [[1, 8, 8, 4], [1, 6, 6, 4],
                                                     [1, 4, 4, 4]]
    # The same weights: the last feature map is the model's own output.
    np.testing.assert_allclose(features[-1].numpy(), initial(x).numpy(), rtol=1e-6)
    one = tf.keras.Model(initial.inputs, initial.get_layer("my_intermediate_layer").output)
    np.testing.assert_allclose(one(x).numpy(), features[1].numpy(), rtol=1e-6)
    assert initial.layers[1].input is initial.layers[0].output
    assert initial.output is initial.layers[-1].output


def test_a_layer_never_called_symbolically_has_no_output_and_says_why():
    layer = L.Dense(2, name="lonely")
    layer(tf.ones([1, 3]))  # an eager call records no node
    with pytest.raises(AttributeError, match="lonely has never been called.*keras.Input"):
        layer.output


def _two_output_model():
    inputs = tf.keras.Input((3,))
    hidden = L.Dense(8, activation="relu")(inputs)
    return tf.keras.Model(inputs, [L.Dense(1, name="reg")(hidden),
                                   L.Dense(2, name="cls")(hidden)])


def test_multi_output_model_with_per_output_losses():
    model = _two_output_model()
    model.compile(optimizer="adam", loss=["mse", tf.keras.losses.SparseCategoricalCrossentropy(
        from_logits=True)], loss_weights=[1.0, 0.5], metrics=[["accuracy"], ["accuracy"]])
    x = np.random.default_rng(0).standard_normal((32, 3)).astype(np.float32)
    history = model.fit(x, [x[:, :1], (x[:, 0] > 0).astype(np.int32)], epochs=2, verbose=0)
    # Keys as TF 2.21 prints them: each output's loss is logged as <output>_loss.
    assert sorted(history.history) == ["cls_accuracy", "cls_loss", "loss", "reg_accuracy",
                                       "reg_loss"]


def test_per_output_losses_are_unweighted_and_the_total_is_weighted():
    model = _two_output_model()
    model.compile(optimizer="sgd", loss=["mse", tf.keras.losses.SparseCategoricalCrossentropy(
        from_logits=True)], loss_weights=[1.0, 0.5])
    x = np.random.default_rng(1).standard_normal((32, 3)).astype(np.float32)
    y = [x[:, :1], (x[:, 0] > 0).astype(np.int32)]
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    reg, cls = model(x)
    expected_reg = np.mean((reg.numpy() - y[0]) ** 2)
    logits = cls.numpy().astype(np.float64)
    log_p = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    expected_cls = -np.mean(log_p[np.arange(32), y[1]])
    np.testing.assert_allclose([logs["reg_loss"], logs["cls_loss"]],
                               [expected_reg, expected_cls], rtol=1e-5)
    np.testing.assert_allclose(logs["loss"], expected_reg + 0.5 * expected_cls, rtol=1e-5)
    # The list form: loss, then each output's loss in output order (TF 2.21's order).
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0),
                               [logs["loss"], logs["reg_loss"], logs["cls_loss"]], rtol=1e-6)


def test_dict_targets_are_matched_to_outputs_by_name():
    model = _two_output_model()
    model.compile(optimizer="sgd", loss={"cls": tf.keras.losses.SparseCategoricalCrossentropy(
        from_logits=True), "reg": "mse"}, metrics={"reg": ["mae"], "cls": ["accuracy"]})
    x = np.random.default_rng(2).standard_normal((32, 3)).astype(np.float32)
    as_dict = {"cls": (x[:, 0] > 0).astype(np.int32), "reg": x[:, :1]}  # not output order
    by_name = model.evaluate(x, as_dict, verbose=0, return_dict=True)
    by_position = model.evaluate(x, [as_dict["reg"], as_dict["cls"]], verbose=0,
                                 return_dict=True)
    assert sorted(by_name) == ["cls_accuracy", "cls_loss", "loss", "reg_loss", "reg_mae"]
    for key in by_name:
        np.testing.assert_allclose(by_name[key], by_position[key], rtol=1e-6)
    with pytest.raises(ValueError, match=r"keys \['oops'\].*outputs are \['reg', 'cls'\]"):
        model.evaluate(x, {"oops": x[:, :1], "reg": x[:, :1]}, verbose=0)


def test_subclassed_model_with_custom_train_step():
    # The Keras guide's pattern: override train_step, keep fit().
    class Custom(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = L.Dense(1)
            self.tracker = tf.keras.metrics.Mean(name="my_loss")

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean((self(x, training=True) - y) ** 2)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.tracker.update_state(loss)
            return {"my_loss": self.tracker.result()}

    model = Custom()
    model.compile(optimizer=tf.keras.optimizers.SGD(0.2))
    history = model.fit(X, Y, epochs=30, batch_size=40, verbose=0)
    assert list(history.history) == ["my_loss"]
    assert history.history["my_loss"][-1] < history.history["my_loss"][0]


def test_fit_accepts_a_tf_data_dataset_and_steps_per_epoch():
    ds = tf.data.Dataset.from_tensor_slices((X, Y)).batch(10)
    model = linear_model()
    history = model.fit(ds, epochs=3, verbose=0, validation_data=ds)
    assert len(history.history["val_loss"]) == 3
    assert model.evaluate(ds, verbose=0)[0] == pytest.approx(history.history["val_loss"][-1],
                                                             rel=1e-5)
    assert model.predict(ds, verbose=0).shape == (40, 1)
    steps = linear_model().fit(X, Y, epochs=2, batch_size=8, steps_per_epoch=3, verbose=0)
    assert steps.params["steps"] == 3
    with pytest.raises(ValueError, match="`y` argument is not supported"):
        model.fit(ds, Y, verbose=0)
    with pytest.raises(ValueError, match="only supported for Tensors or NumPy arrays"):
        model.fit(ds, validation_split=0.5, verbose=0)


def test_initial_epoch_sample_and_class_weights():
    model = linear_model()
    history = model.fit(X, Y, epochs=5, initial_epoch=3, verbose=0)
    assert history.epoch == [3, 4]
    weights = np.zeros(40, np.float32)
    weights[:20] = 1.0
    model = linear_model(metrics=())
    model.fit(X, Y, sample_weight=weights, epochs=1, batch_size=40, verbose=0, shuffle=False)
    # Only the first 20 samples (x < 0) pull on the weights: the gradient's sign tells.
    kernel_with = model.get_weights()[0][0, 0]
    model2 = linear_model(metrics=())
    model2.fit(X, Y, epochs=1, batch_size=40, verbose=0, shuffle=False)
    assert kernel_with == pytest.approx(model2.get_weights()[0][0, 0] / 2, rel=0.05)
    labels = np.array([0] * 30 + [1] * 10)
    cw = tf.keras.Sequential([tf.keras.Input((1,)), L.Dense(2)])
    cw.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    cw.fit(X, labels, class_weight={0: 1.0, 1: 3.0}, epochs=1, verbose=0)


def test_regularization_losses_join_the_training_loss():
    model = tf.keras.Sequential([tf.keras.Input((1,)), L.Dense(
        1, kernel_initializer="ones", kernel_regularizer=tf.keras.regularizers.L2(0.5))])
    model.compile(optimizer="sgd", loss="mse")
    assert [float(v) for v in model.losses] == [0.5]
    loss = model.evaluate(X, 1.0 * X, verbose=0)
    assert loss == pytest.approx(0.5, rel=1e-6)  # the fit is exact; only the penalty is left


def test_errors_teach():
    model = tf.keras.Sequential([L.Dense(1)])
    with pytest.raises(ValueError, match="must call `compile\\(\\)`"):
        model.fit(X, Y, verbose=0)
    with pytest.raises(ValueError, match="cardinality is ambiguous"):
        linear_model().fit(X, Y[:10], verbose=0)
    with pytest.raises(ValueError, match="unique names"):
        tf.keras.Sequential([L.Dense(1, name="same"), L.Dense(1, name="same")])
    a = tf.keras.Input((2,))
    with pytest.raises(ValueError, match="Graph disconnected"):
        tf.keras.Model(tf.keras.Input((2,)), L.Dense(1)(a))
    with pytest.raises(TypeError, match="wrap the function in a layer"):
        np.asarray(a)


def test_training_flag_reaches_nested_layers():
    seen = []

    class Probe(L.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    inner = tf.keras.Sequential([tf.keras.Input((1,)), Probe()])
    model = tf.keras.Sequential([tf.keras.Input((1,)), inner, L.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", run_eagerly=True)
    seen.clear()
    model.fit(X, Y, epochs=1, batch_size=40, verbose=0)
    model.predict(X, batch_size=40, verbose=0)
    assert seen == [True, False]


def test_keras_tensor_operators_record_layers():
    x = tf.keras.Input((3,))
    y = (x * 2.0 + 1.0)[:, :2]
    model = tf.keras.Model(x, y)
    np.testing.assert_allclose(model(np.ones((1, 3), np.float32)).numpy(), [[3.0, 3.0]])
    assert y.shape == (None, 2)


def test_dropout_and_batchnorm_in_a_traced_training_step():
    tf.keras.utils.set_random_seed(1)
    model = tf.keras.Sequential([tf.keras.Input((4,)), L.Dense(8), L.BatchNormalization(),
                                 L.Dropout(0.5), L.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).standard_normal((64, 4)).astype(np.float32)
    moving_before = model.layers[1].moving_mean.numpy().copy()
    model.fit(x, x[:, :1], epochs=2, verbose=0)
    assert not np.allclose(model.layers[1].moving_mean.numpy(), moving_before)
    a, b = model.predict(x, verbose=0), model.predict(x, verbose=0)
    np.testing.assert_array_equal(a, b)  # inference: no dropout, moving statistics


def test_unknown_dimensions_and_named_inputs():
    seq = tf.keras.Input((None, 4))
    assert L.Dense(5)(seq).shape == (None, None, 5)
    ids = tf.keras.Input((None,), dtype="int32")
    assert L.Embedding(10, 3)(ids).shape == (None, None, 3)
    a, b = tf.keras.Input((2,), name="zeta"), tf.keras.Input((3,), name="alpha")
    model = tf.keras.Model([a, b], L.Concatenate()([a, b]))
    out = model({"alpha": np.ones((1, 3), np.float32), "zeta": np.zeros((1, 2), np.float32)})
    np.testing.assert_array_equal(out.numpy(), [[0, 0, 1, 1, 1]])
    model.compile(optimizer="sgd", loss="mse")
    model.fit({"zeta": np.zeros((4, 2)), "alpha": np.ones((4, 3))}, np.zeros((4, 5)),
              verbose=0)
    with pytest.raises(ValueError, match="no input named"):
        model({"zeta": np.zeros((1, 2))})

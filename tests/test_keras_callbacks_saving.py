"""Callbacks (as TF 2.21 behaves and prints) and saving: .keras files, weight files,
directories, damaged files, checkpoints."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pytest

import minitf as tf

pytestmark = pytest.mark.keras
L, C = tf.keras.layers, tf.keras.callbacks
X = np.linspace(-1, 1, 40).astype(np.float32)[:, None]
Y = 3 * X


def linear_model(lr=0.1, metrics=("mae",)):
    model = tf.keras.Sequential([tf.keras.Input((1,)), L.Dense(1, kernel_initializer="zeros")])
    model.compile(optimizer=tf.keras.optimizers.SGD(lr), loss="mse", metrics=list(metrics))
    return model


def test_csv_logger_writes_what_tensorflow_writes(tmp_path):
    path = tmp_path / "log.csv"
    linear_model().fit(X, Y, epochs=3, batch_size=8, verbose=0, shuffle=False, callbacks=[
        C.LearningRateScheduler(lambda epoch, lr: lr * 0.5), C.CSVLogger(str(path))])
    rows = path.read_text().splitlines()
    # TensorFlow 2.21 wrote this header and these first columns for the same run.
    assert rows[0] == "epoch,learning_rate,loss,mae,val_learning_rate,val_loss,val_mae"
    assert [r.split(",")[0] for r in rows[1:]] == ["0", "1", "2"]
    assert rows[1].endswith(",NA,NA,NA")
    np.testing.assert_allclose([float(r.split(",")[2]) for r in rows[1:]],
                               [3.0316050052642822, 2.143925428390503, 1.8038657903671265],
                               rtol=1e-5)


def test_early_stopping_stops_and_restores_like_tensorflow(capsys):
    model = linear_model()
    es = C.EarlyStopping(monitor="loss", patience=0, verbose=1, min_delta=10)
    history = model.fit(X, Y, epochs=5, batch_size=8, verbose=0, callbacks=[es])
    # TF 2.21: two epochs, stopped_epoch 1, and this message.
    assert len(history.history["loss"]) == 2 and es.stopped_epoch == 1
    assert "Epoch 2: early stopping" in capsys.readouterr().out

    model = linear_model(lr=3.0)  # diverges: the first epoch is the best
    es = C.EarlyStopping(monitor="loss", patience=2, restore_best_weights=True)
    seen = []
    model.fit(X, Y, epochs=10, batch_size=40, verbose=0, callbacks=[
        C.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(model.get_weights())), es])
    assert es.best_epoch == 0 and len(seen) == 3
    np.testing.assert_array_equal(model.get_weights()[0], seen[0][0])


def test_monitor_direction_follows_the_metric():
    model = tf.keras.Sequential([tf.keras.Input((1,)), L.Dense(2)])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    es = C.EarlyStopping(monitor="accuracy")
    model.fit(X, (X[:, 0] > 0).astype(np.int32), epochs=1, verbose=0, callbacks=[es])
    assert es.monitor_op is np.greater
    with pytest.raises(ValueError, match="mode='max' or mode='min'"):
        model.fit(X, (X[:, 0] > 0).astype(np.int32), epochs=1, verbose=0,
                  callbacks=[C.EarlyStopping(monitor="mystery")])


def test_model_checkpoint_best_only_and_weights_only(tmp_path, capsys):
    model = linear_model()
    best = str(tmp_path / "best.keras")
    ckpt = C.ModelCheckpoint(best, monitor="loss", save_best_only=True, verbose=1)
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0, callbacks=[ckpt])
    out = capsys.readouterr().out
    assert "Epoch 1: loss improved from None to" in out and "saving model to" in out
    assert f"\nEpoch 1: finished saving model to {best}\n" in out  # Keras 3's second line
    restored = tf.keras.models.load_model(best)
    np.testing.assert_array_equal(restored.get_weights()[0], model.get_weights()[0])
    pattern = str(tmp_path / "w-{epoch:02d}.weights.h5")
    model.fit(X, Y, epochs=2, verbose=0, callbacks=[C.ModelCheckpoint(pattern,
                                                                      save_weights_only=True)])
    assert sorted(os.listdir(tmp_path))[-2:] == ["w-01.weights.h5", "w-02.weights.h5"]
    with pytest.raises(ValueError, match="must end in `.keras`"):
        C.ModelCheckpoint(str(tmp_path / "model.h5"))


def test_lambda_callback_hooks_run_in_order():
    calls = []
    cb = C.LambdaCallback(on_train_begin=lambda logs: calls.append("train_begin"),
                          on_epoch_begin=lambda e, logs: calls.append(f"epoch{e}"),
                          on_batch_end=lambda b, logs: calls.append(f"batch{b}:{sorted(logs)}"),
                          on_train_end=lambda logs: calls.append("train_end"))
    linear_model().fit(X, Y, epochs=2, batch_size=20, verbose=0, callbacks=[cb])
    assert calls == ["train_begin", "epoch0", "batch0:['loss', 'mae']",
                     "batch1:['loss', 'mae']", "epoch1", "batch0:['loss', 'mae']",
                     "batch1:['loss', 'mae']", "train_end"]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the diverging run overflows on purpose
def test_terminate_on_nan_and_reduce_lr_on_plateau():
    model = linear_model(lr=1e6)
    history = model.fit(X, Y * 1e6, epochs=20, batch_size=8, verbose=0,
                        callbacks=[C.TerminateOnNaN()])
    assert len(history.history["loss"]) < 20
    model = linear_model(lr=0.1)
    history = model.fit(X, Y, epochs=6, batch_size=40, verbose=0, callbacks=[
        C.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=100)])
    rates = history.history["learning_rate"]
    assert rates[0] == pytest.approx(0.1) and rates[-1] < 0.1


def test_keras_file_round_trip_of_a_compiled_functional_model(tmp_path):
    inputs = tf.keras.Input((4,), name="features")
    x = L.Dense(8, activation="relu")(inputs)
    outputs = L.Dense(3, activation="softmax")(L.Concatenate()([x, inputs]))
    model = tf.keras.Model(inputs, outputs, name="classifier")
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    data = np.random.default_rng(0).standard_normal((30, 4)).astype(np.float32)
    labels = np.arange(30) % 3
    model.fit(data, labels, epochs=1, verbose=0)
    path = tmp_path / "classifier.keras"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == ["config.json", "metadata.json", "model.weights.npz"]
        config = json.loads(z.read("config.json"))
    assert config["class_name"] == "Functional"
    assert config["config"]["input_layers"] == [["features", 0, 0]]
    assert config["compile_config"]["loss"] == "sparse_categorical_crossentropy"
    restored = tf.keras.models.load_model(path)
    assert restored.name == "classifier" and type(restored.optimizer).__name__ == "Adam"
    np.testing.assert_allclose(restored.predict(data, verbose=0), model.predict(data, verbose=0),
                               rtol=1e-6)
    restored.fit(data, labels, epochs=1, verbose=0)  # compiled from the file
    assert restored.evaluate(data, labels, verbose=0, return_dict=True).keys() == {
        "loss", "accuracy"}


def test_save_weights_and_load_weights(tmp_path):
    model = linear_model()
    model.fit(X, Y, epochs=2, verbose=0)
    path = tmp_path / "model.weights.h5"
    model.save_weights(path)
    with np.load(path, allow_pickle=False) as npz:  # data only
        assert sorted(npz.files) == ["0000:sequential/dense/kernel", "0001:sequential/dense/bias"] \
            or len(npz.files) == 2
    other = linear_model()
    other.load_weights(path)
    np.testing.assert_array_equal(other.get_weights()[0], model.get_weights()[0])
    wrong = tf.keras.Sequential([tf.keras.Input((2,)), L.Dense(1)])
    with pytest.raises(ValueError, match="has shape"):
        wrong.load_weights(path)
    with pytest.raises(ValueError, match="must end in `.weights.h5`"):
        model.save_weights(tmp_path / "weights.bin")


def test_damaged_or_pickled_files_are_refused(tmp_path):
    model = linear_model()
    path = tmp_path / "m.keras"
    model.save(path)
    data = path.read_bytes()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(tf.errors.DataLossError):
        tf.keras.models.load_model(tmp_path / "cut.keras")
    np.savez(tmp_path / "evil.weights.h5", **{"0000:x": np.array([object()], dtype=object)})
    with pytest.raises(tf.errors.DataLossError, match="unpickling"):
        model.load_weights(tmp_path / "evil.weights.h5.npz")
    with pytest.raises(tf.errors.NotFoundError):
        tf.keras.models.load_model(tmp_path / "missing.keras")
    with pytest.raises(ValueError, match="HDF5"):
        model.save(tmp_path / "m.h5")


def test_directory_save_and_unknown_classes(tmp_path):
    class Unregistered(L.Layer):
        def call(self, x):
            return x

    model = tf.keras.Sequential([tf.keras.Input((1,)), Unregistered()])
    model.save(tmp_path / "dir_model")
    assert os.path.isdir(tmp_path / "dir_model")
    with pytest.raises(ValueError, match="register_keras_serializable"):
        tf.keras.models.load_model(tmp_path / "dir_model")
    restored = tf.keras.models.load_model(tmp_path / "dir_model",
                                          custom_objects={"Unregistered": Unregistered})
    assert type(restored.layers[0]) is Unregistered


def test_lambda_traced_graph_needs_no_code(tmp_path):
    model = tf.keras.Sequential([tf.keras.Input((3,)),
                                 L.Lambda(lambda x: tf.nn.relu(x) * 2.0 - tf.reduce_sum(x, 1,
                                                                                        True))])
    model.save(tmp_path / "lam.keras")
    with zipfile.ZipFile(tmp_path / "lam.keras") as z:
        layer = json.loads(z.read("config.json"))["config"]["layers"][1]
    function = layer["config"]["function"]
    assert function["class_name"] == "TracedGraph"
    assert [e["prim"] for e in function["config"]["graph"]["eqns"]][:1] == ["gt"]
    x = np.array([[-1.0, 2.0, 3.0]], np.float32)
    restored = tf.keras.models.load_model(tmp_path / "lam.keras")
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0))


def test_tf_train_checkpoint_tracks_keras_models(tmp_path):
    model = linear_model()
    model.fit(X, Y, epochs=1, verbose=0)
    ckpt = tf.train.Checkpoint(model=model, optimizer=model.optimizer)
    path = ckpt.save(str(tmp_path / "ckpt"))
    saved = model.get_weights()
    model.fit(X, Y, epochs=1, verbose=0)
    ckpt.restore(path)
    np.testing.assert_array_equal(model.get_weights()[0], saved[0])
    # Deferred restoration: a model that is not built yet gets the values when its
    # layers create their weights on the first call.
    fresh = tf.keras.Sequential([L.Dense(1)])
    tf.train.Checkpoint(model=fresh).restore(path)
    fresh(X)
    np.testing.assert_array_equal(fresh.get_weights()[0], saved[0])


def test_clone_and_json(tmp_path):
    model = tf.keras.Sequential([tf.keras.Input((2,)), L.Dense(3), L.Dense(1)])
    clone = tf.keras.models.clone_model(model)
    assert [tuple(w.shape) for w in clone.weights] == [tuple(w.shape) for w in model.weights]
    again = tf.keras.models.model_from_json(model.to_json())
    assert [type(la).__name__ for la in again.layers] == ["Dense", "Dense"]


def test_checkpoint_of_a_functional_model(tmp_path):
    inputs = tf.keras.Input((2,))
    model = tf.keras.Model(inputs, L.Dense(1)(L.Dense(3)(inputs)))
    path = tf.train.Checkpoint(model=model).save(str(tmp_path / "f"))
    before = model.get_weights()
    for v in model.weights:
        v.assign(tf.zeros(v.shape))
    tf.train.Checkpoint(model=model).restore(path)
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)

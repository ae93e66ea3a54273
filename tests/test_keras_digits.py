"""scikit-learn's bundled 8×8 digits (no download): a Dense model reaches ≥ 95% test
accuracy and a small Conv2D model ≥ 97%."""

from __future__ import annotations

import numpy as np
import pytest

import minitf as tf

pytestmark = pytest.mark.keras
L = tf.keras.layers


@pytest.fixture(scope="module")
def digits():
    datasets = pytest.importorskip("sklearn.datasets")
    selection = pytest.importorskip("sklearn.model_selection")
    d = datasets.load_digits()
    x = (d.images / 16.0).astype(np.float32)
    return selection.train_test_split(x, d.target.astype(np.int32), test_size=0.25,
                                      random_state=0, stratify=d.target)


@pytest.fixture
def one_blas_thread():
    # The CI box has 2 cores shared by parallel test workers; a multithreaded BLAS then
    # spins instead of computing. One thread is both faster and reproducible here.
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(1):
        yield


def test_dense_model_reaches_95_percent(digits, one_blas_thread):
    x_train, x_test, y_train, y_test = digits
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([tf.keras.Input((8, 8)), L.Flatten(),
                                 L.Dense(128, activation="relu"), L.Dense(10)])
    model.compile(optimizer="adam",
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=20, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > history.history["accuracy"][0]
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy >= 0.95
    predicted = model.predict(x_test, verbose=0).argmax(-1)
    np.testing.assert_allclose((predicted == y_test).mean(), accuracy, atol=1e-6)


@pytest.mark.slow
def test_conv_model_reaches_97_percent(digits, one_blas_thread):
    x_train, x_test, y_train, y_test = digits
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([
        tf.keras.Input((8, 8, 1)), L.Conv2D(32, 3, padding="same", activation="relu"),
        L.MaxPooling2D(), L.Flatten(), L.Dense(10)])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.003),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(x_train[..., None], y_train, epochs=15, batch_size=32, verbose=0)
    _, accuracy = model.evaluate(x_test[..., None], y_test, verbose=0)
    assert accuracy >= 0.97

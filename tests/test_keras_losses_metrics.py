"""Losses and metrics against NumPy formulas (hypothesis) and TF 2.21's printed values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitf as tf
from tests.strategies import arrays

pytestmark = pytest.mark.keras
L, M = tf.keras.losses, tf.keras.metrics

YT = np.array([[0., 1.], [1., 0.], [1., 1.]], np.float32)
YP = np.array([[0.2, 0.7], [0.6, 0.1], [0.9, 0.4]], np.float32)
SW = np.array([1., 0.5, 2.], np.float32)

# Printed by TensorFlow 2.21 (Keras 3.15): loss(YT, YP) and loss(YT, YP, sample_weight=SW).
TF_VALUES = {
    "mse": (L.MeanSquaredError(), 0.11166667193174362, 0.15916667878627777),
    "mae": (L.MeanAbsoluteError(), 0.28333333134651184, 0.3583333492279053),
    "huber": (L.Huber(0.3), 0.04750000312924385, 0.06416666507720947),
    "bce": (L.BinaryCrossentropy(), 0.3696093261241913, 0.48853567242622375),
    "bce_logits_smoothing": (L.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
                             0.5587297677993774, 0.611350953578949),
    "cce": (L.CategoricalCrossentropy(), 0.6506149172782898, 1.1403831243515015),
    "cce_logits": (L.CategoricalCrossentropy(from_logits=True), 0.7987692952156067,
                   1.2024744749069214),
    "log_cosh": (L.LogCosh(), 0.053713489323854446, 0.07598920911550522),
    "kld": (L.KLDivergence(), 0.6297163367271423, 0.8851293921470642),
    "mape": (L.MeanAbsolutePercentageError(), 50000020.0, 41666700.0),
    "msle": (L.MeanSquaredLogarithmicError(), 0.04139643535017967, 0.05813135579228401),
    "hinge": (L.Hinge(), 0.6166666746139526, 0.6083333492279053),
}


@pytest.mark.parametrize("name", sorted(TF_VALUES))
def test_losses_match_tensorflow(name):
    loss, plain, weighted = TF_VALUES[name]
    np.testing.assert_allclose(float(loss(YT, YP)), plain, rtol=2e-6)
    np.testing.assert_allclose(float(loss(YT, YP, sample_weight=SW)), weighted, rtol=2e-6)


def test_sparse_losses_reductions_and_rank_rules_match_tensorflow():
    labels = np.array([1, 0, 1])
    np.testing.assert_allclose(float(L.SparseCategoricalCrossentropy()(labels, YP)),
                               0.5280399918556213, rtol=2e-6)
    np.testing.assert_allclose(float(L.SparseCategoricalCrossentropy(from_logits=True)(
        labels, YP, sample_weight=SW)), 0.8864231109619141, rtol=2e-6)
    np.testing.assert_allclose(L.MeanSquaredError(reduction="none")(YT, YP).numpy(),
                               [0.065, 0.085, 0.185], rtol=2e-6)
    np.testing.assert_allclose(float(L.MeanSquaredError(reduction="sum")(YT, YP)), 0.335,
                               rtol=2e-6)
    # y of shape (3,) against predictions (3, 1): per-sample, never a (3, 3) broadcast.
    np.testing.assert_allclose(float(L.MeanSquaredError()(np.array([1., 2., 3.]),
                                                          np.array([[1.5], [2.], [2.]]))),
                               0.4166666567325592, rtol=2e-6)


finite = dict(low=-3.0, high=3.0)


@given(arrays(tf.float64, (4, 3), **finite), arrays(tf.float64, (4, 3), **finite))
def test_regression_loss_functions_match_numpy(t, p):
    np.testing.assert_allclose(L.mean_squared_error(t, p).numpy(), ((t - p) ** 2).mean(-1))
    np.testing.assert_allclose(L.mean_absolute_error(t, p).numpy(), np.abs(t - p).mean(-1))
    err = p - t
    huber = np.where(np.abs(err) <= 1.0, 0.5 * err ** 2, np.abs(err) - 0.5).mean(-1)
    np.testing.assert_allclose(L.huber(t, p).numpy(), huber)
    np.testing.assert_allclose(L.log_cosh(t, p).numpy(), np.log(np.cosh(err)).mean(-1),
                               rtol=1e-9, atol=1e-12)


@given(arrays(tf.float64, (5, 4), low=-4.0, high=4.0), st.integers(0, 3))
def test_cross_entropies_match_numpy(logits, cls):
    labels = np.full(5, cls)
    onehot = np.eye(4)[labels]
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    want = -log_p[np.arange(5), labels]
    np.testing.assert_allclose(L.sparse_categorical_crossentropy(labels, logits,
                                                                 from_logits=True).numpy(), want)
    np.testing.assert_allclose(L.categorical_crossentropy(onehot, logits,
                                                          from_logits=True).numpy(), want)
    probs = np.exp(log_p)
    np.testing.assert_allclose(L.categorical_crossentropy(onehot, probs).numpy(),
                               -np.log(np.clip(probs[np.arange(5), labels], 1e-7, 1 - 1e-7)))
    z = (logits > 0).astype(np.float64)
    bce = np.maximum(logits, 0) - logits * z + np.log1p(np.exp(-np.abs(logits)))
    np.testing.assert_allclose(L.binary_crossentropy(z, logits, from_logits=True).numpy(),
                               bce.mean(-1))


def test_loss_names_aliases_and_wrapping():
    assert L.MSE is L.mse is L.mean_squared_error and L.get("MSE") is L.MSE
    assert L.get("mae") is L.MAE
    assert isinstance(L.get("BinaryCrossentropy"), L.BinaryCrossentropy)
    assert L.MeanSquaredError().name == "mean_squared_error" and L.Huber().name == "huber_loss"
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        L.get("no_such_loss")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        L.categorical_crossentropy([1, 0], [[0.5, 0.5], [0.5, 0.5]])
    wrapper = L.LossFunctionWrapper(L.mae, name="my_mae")
    assert float(wrapper([[1.0]], [[3.0]])) == 2.0
    config = L.Huber(delta=0.5, reduction="sum").get_config()
    assert L.Huber.from_config(config).get_config() == config
    assert L.deserialize(L.serialize(L.BinaryCrossentropy(from_logits=True))).from_logits


def test_metrics_match_tensorflow():
    # Values printed by TensorFlow 2.21 for the same updates.
    m = M.SparseCategoricalAccuracy()
    m.update_state(np.array([1, 0, 1]), YP, sample_weight=SW)
    np.testing.assert_allclose(float(m.result()), 0.4285714328289032, rtol=1e-6)
    m = M.CategoricalAccuracy()
    m.update_state(YT[:2], YP[:2])
    assert float(m.result()) == 1.0
    m = M.BinaryAccuracy()
    m.update_state(YT, YP)
    np.testing.assert_allclose(float(m.result()), 0.8333333134651184, rtol=1e-6)
    m = M.Accuracy()
    m.update_state([1, 2, 3, 4], [0, 2, 3, 4])
    assert float(m.result()) == 0.75
    m = M.Mean()
    m.update_state([1., 2., 3.], sample_weight=[1., 0., 2.])
    np.testing.assert_allclose(float(m.result()), 2.3333332538604736, rtol=1e-6)
    m = M.MeanSquaredError()
    m.update_state(YT, YP, sample_weight=SW)
    np.testing.assert_allclose(float(m.result()), 0.1364285796880722, rtol=1e-6)
    m = M.RootMeanSquaredError()
    m.update_state(YT, YP)
    np.testing.assert_allclose(float(m.result()), 0.33416563272476196, rtol=1e-6)


@given(st.lists(arrays(tf.float32, (2, 3), low=0.5, high=5.0), min_size=2, max_size=4))
def test_percentage_and_log_error_metrics_average_over_batches(batches):
    truth = [b[::-1] for b in batches]  # another positive array of the same shape
    mape, msle = M.MeanAbsolutePercentageError(), M.MeanSquaredLogarithmicError()
    for t, p in zip(truth, batches):
        mape.update_state(t, p)
        msle.update_state(t, p)
    t, p = np.concatenate(truth).astype(np.float64), np.concatenate(batches).astype(np.float64)
    np.testing.assert_allclose(float(mape.result()), np.mean(100 * np.abs(t - p) / t),
                               rtol=1e-4)
    np.testing.assert_allclose(float(msle.result()),
                               np.mean((np.log1p(p) - np.log1p(t)) ** 2), rtol=1e-4, atol=1e-7)
    assert mape.name == "mean_absolute_percentage_error"
    assert tf.keras.metrics.get("MeanSquaredLogarithmicError").name == \
        "mean_squared_logarithmic_error"


@given(st.lists(arrays(tf.float32, (3,), low=-5.0, high=5.0), min_size=1, max_size=4))
def test_mean_and_sum_accumulate_over_batches(batches):
    mean, total = M.Mean(), M.Sum()
    for b in batches:
        mean.update_state(b)
        total.update_state(b)
    everything = np.concatenate(batches)
    np.testing.assert_allclose(float(mean.result()), everything.mean(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(float(total.result()), everything.sum(), rtol=1e-5, atol=1e-4)
    mean.reset_state()
    assert float(mean.result()) == 0.0  # divide_no_nan: an empty mean is 0


@given(arrays(tf.float32, (6, 4), low=-2.0, high=2.0), st.lists(st.integers(0, 3), min_size=6,
                                                                  max_size=6))
def test_accuracy_metrics_match_numpy(scores, labels):
    labels = np.array(labels)
    right = scores.argmax(-1) == labels
    m = M.SparseCategoricalAccuracy()
    m.update_state(labels, scores)
    np.testing.assert_allclose(float(m.result()), right.mean(), rtol=1e-6)
    m = M.CategoricalAccuracy()
    m.update_state(np.eye(4)[labels], scores)
    np.testing.assert_allclose(float(m.result()), right.mean(), rtol=1e-6)
    binary = (scores[:, :1] > 0.5).astype(np.float32)
    m = M.BinaryAccuracy()
    m.update_state(binary, scores[:, :1])
    assert float(m.result()) == 1.0


def test_metric_names_config_and_state_variables():
    m = M.get("mse")
    assert m is L.mean_squared_error
    assert M.get("sparse_categorical_accuracy") is M.sparse_categorical_accuracy
    acc = M.BinaryAccuracy(threshold=0.7, name="acc7")
    config = acc.get_config()
    assert config == {"name": "acc7", "dtype": "float32", "threshold": 0.7}
    assert M.BinaryAccuracy.from_config(config).get_config() == config
    assert [v.name for v in M.Mean().variables] == ["total", "count"]
    assert repr(M.Mean(name="loss")) == "<Mean name=loss>"

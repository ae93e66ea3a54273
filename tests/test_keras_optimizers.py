"""Each optimizer against its update rule written out in NumPy, and against the values
real TensorFlow 2.21 / Keras 3.15 printed for the same three steps."""

from __future__ import annotations

import numpy as np
import pytest

import minitf as tf

pytestmark = pytest.mark.keras
OPT = tf.keras.optimizers
GRADS = [np.array([0.1, -0.2], np.float32), np.array([0.3, 0.4], np.float32),
         np.array([-0.5, 0.05], np.float32)]
START = np.array([1.0, 2.0])


def run(opt):
    v = tf.Variable(START.astype(np.float32))
    for g in GRADS:
        opt.apply_gradients([(tf.constant(g), v)])
    return v.numpy()


# The update rules, in float64 NumPy (independent of minitf).
def sgd(lr=0.1, momentum=0.0, nesterov=False):
    v, m = START.copy(), np.zeros(2)
    for g in GRADS:
        if momentum:
            m = momentum * m - lr * g
            v = v + (momentum * m - lr * g if nesterov else m)
        else:
            v = v - lr * g
    return v


def adam(lr=0.1, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, wd=0.0):
    v, m, s, s_max = START.copy(), np.zeros(2), np.zeros(2), np.zeros(2)
    for t, g in enumerate(GRADS, start=1):
        v = v - v * wd * lr
        m = m + (g - m) * (1 - b1)
        s = s + (g * g - s) * (1 - b2)
        s_max = np.maximum(s_max, s)
        alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        v = v - alpha * m / (np.sqrt(s_max if amsgrad else s) + eps)
    return v


def rmsprop(lr=0.1, rho=0.9, momentum=0.0, eps=1e-7, centered=False):
    v, s, mg, mom = START.copy(), np.zeros(2), np.zeros(2), np.zeros(2)
    for g in GRADS:
        s = rho * s + (1 - rho) * g * g
        mg = rho * mg + (1 - rho) * g
        denominator = s - mg * mg + eps if centered else s + eps
        increment = lr * g / np.sqrt(denominator)
        mom = momentum * mom + increment
        v = v - (mom if momentum else increment)
    return v


def adagrad(lr=0.1, init=0.1, eps=1e-7):
    v, acc = START.copy(), np.full(2, init)
    for g in GRADS:
        acc = acc + g * g
        v = v - lr * g / np.sqrt(acc + eps)
    return v


# name: (optimizer, NumPy rule result, TensorFlow 2.21's result)
CASES = {
    "sgd": (lambda: OPT.SGD(0.1), sgd(), [1.0099999904632568, 1.975000023841858]),
    "sgd_momentum": (lambda: OPT.SGD(0.1, momentum=0.9), sgd(momentum=0.9),
                     [0.9659000635147095, 1.9732000827789307]),
    "sgd_nesterov": (lambda: OPT.SGD(0.1, momentum=0.9, nesterov=True),
                     sgd(momentum=0.9, nesterov=True), [0.9793099761009216, 1.9508800506591797]),
    "adam": (lambda: OPT.Adam(0.1), adam(), [0.8243188261985779, 2.0281617641448975]),
    "adam_amsgrad": (lambda: OPT.Adam(0.1, amsgrad=True), adam(amsgrad=True),
                     [0.8243188261985779, 2.0281617641448975]),
    "adamw": (lambda: OPT.AdamW(0.1, weight_decay=0.1), adam(wd=0.1),
              [0.7975255250930786, 1.967136025428772]),
    "rmsprop": (lambda: OPT.RMSprop(0.1), rmsprop(), [0.6538004875183105, 1.9931280612945557]),
    "rmsprop_centered_momentum": (lambda: OPT.RMSprop(0.1, momentum=0.5, centered=True),
                                  rmsprop(momentum=0.5, centered=True),
                                  [0.19751232862472534, 2.1113216876983643]),
    "adagrad": (lambda: OPT.Adagrad(0.1), adagrad(), [0.9773024320602417, 1.9713317155838013]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_update_rule(name):
    make, numpy_rule, tensorflow = CASES[name]
    got = run(make())
    np.testing.assert_allclose(got, numpy_rule, rtol=2e-6, atol=1e-6)
    np.testing.assert_allclose(got, tensorflow, rtol=2e-6, atol=1e-6)


def test_gradient_clipping_matches_tensorflow():
    # Values printed by TensorFlow 2.21 for the same three steps.
    np.testing.assert_allclose(run(OPT.SGD(0.1, clipnorm=0.1)), [0.999478280544281,
                                                              1.999949336051941], rtol=1e-6)
    np.testing.assert_allclose(run(OPT.SGD(0.1, clipvalue=0.15)), [0.9900000095367432,
                                                                1.9950000047683716], rtol=1e-6)
    np.testing.assert_allclose(run(OPT.SGD(0.1, global_clipnorm=0.2)), [0.9989564418792725,
                                                                     1.9998984336853027],
                               rtol=1e-6)


def test_learning_rate_schedules():
    s = OPT.schedules.ExponentialDecay(0.1, 2, 0.5)
    np.testing.assert_allclose([float(s(i)) for i in range(4)],
                               [0.1, 0.1 * 0.5 ** 0.5, 0.05, 0.1 * 0.5 ** 1.5], rtol=1e-6)
    p = OPT.schedules.PiecewiseConstantDecay([0, 1], [1.0, 0.5, 0.1])
    np.testing.assert_allclose([float(p(i)) for i in range(4)], [1.0, 0.5, 0.1, 0.1], rtol=1e-6)
    # The schedule is evaluated at `iterations` before each step (TF 2.21's values).
    np.testing.assert_allclose(run(OPT.SGD(s)), [0.9937867522239685, 1.989215612411499],
                               rtol=1e-6)
    np.testing.assert_allclose(run(OPT.SGD(p)), [0.800000011920929, 1.9950000047683716],
                               rtol=1e-6)
    staircase = OPT.schedules.ExponentialDecay(1.0, 2, 0.5, staircase=True)
    assert [float(staircase(i)) for i in range(5)] == [1.0, 1.0, 0.5, 0.5, 0.25]


def test_iterations_learning_rate_and_variables():
    opt = OPT.Adam(0.01)
    v = tf.Variable([1.0, 2.0])
    assert int(opt.iterations.numpy()) == 0
    opt.apply_gradients(zip([tf.constant([1.0, 1.0])], [v]))
    assert int(opt.iterations.numpy()) == 1
    assert [x.name for x in opt.variables] == ["iteration", "learning_rate", "Variable_momentum",
                                               "Variable_velocity"]
    opt.learning_rate = 0.5
    assert float(opt.learning_rate.numpy()) == 0.5
    assert OPT.get("adam").get_config()["learning_rate"] == pytest.approx(0.001)
    assert type(OPT.get("rmsprop")).__name__ == "RMSprop"


def test_none_gradients_are_skipped_and_all_none_is_an_error():
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    opt = OPT.SGD(1.0)
    opt.apply_gradients([(tf.constant(1.0), a), (None, b)])
    assert float(a.numpy()) == 0.0 and float(b.numpy()) == 2.0
    with pytest.raises(ValueError, match="No gradients provided"):
        OPT.SGD().apply_gradients([(None, a)])


def test_config_round_trip_and_constraint():
    for opt in [OPT.SGD(0.2, momentum=0.5, nesterov=True), OPT.Adam(0.3, amsgrad=True),
                OPT.AdamW(weight_decay=0.01), OPT.RMSprop(centered=True), OPT.Adagrad(0.5),
                OPT.SGD(OPT.schedules.ExponentialDecay(0.1, 10, 0.9))]:
        config = opt.get_config()
        clone = type(opt).from_config(config)
        assert clone.get_config() == {**config, "name": clone.name}
    v = tf.Variable([3.0, -3.0], constraint=lambda x: tf.clip_by_value(x, -1.0, 1.0))
    OPT.SGD(0.1).apply_gradients([(tf.constant([0.0, 0.0]), v)])
    assert v.numpy().tolist() == [1.0, -1.0]


def test_optimizer_in_a_traced_step_matches_eager():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    y = tf.constant([[5.0], [11.0]])

    def make_step(w, opt):
        def step():
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean((x @ w - y) ** 2)
            opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
            return loss
        return step

    w_eager, w_traced = tf.Variable([[0.0], [0.0]]), tf.Variable([[0.0], [0.0]])
    eager = make_step(w_eager, OPT.Adam(0.1))
    traced = tf.function(make_step(w_traced, OPT.Adam(0.1)))
    losses = [(float(eager()), float(traced())) for _ in range(50)]
    np.testing.assert_allclose([a for a, _ in losses], [b for _, b in losses], rtol=1e-5)
    np.testing.assert_allclose(w_eager.numpy(), w_traced.numpy(), rtol=1e-5)
    assert losses[-1][0] < losses[0][0] / 10

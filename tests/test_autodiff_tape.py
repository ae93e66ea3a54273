"""``tf.GradientTape``'s semantics, one behaviour per test.

Every expected value here was first printed by TensorFlow 2.21 running the same code
(the comment ``# TF:`` quotes it), or is a closed-form derivative; Jacobians are checked
against NumPy.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitf as tf
from minitf.testing import assert_allclose
from tests.strategies import arrays, shapes

pytestmark = [pytest.mark.autodiff, pytest.mark.filterwarnings("ignore::RuntimeWarning")]


# -- persistence -------------------------------------------------------------------------
def test_persistent_tape_gives_several_gradients() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * x
        z = y * y
    assert float(t.gradient(z, x)) == 108.0  # TF: 108.0 (4 x³)
    assert float(t.gradient(y, x)) == 6.0    # TF: 6.0
    assert float(t.gradient(z, x)) == 108.0  # and again


def test_non_persistent_tape_refuses_a_second_call() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    assert float(t.gradient(y, x)) == 6.0
    with pytest.raises(RuntimeError, match="non-persistent GradientTape can only be used"):
        t.gradient(y, x)


def test_non_persistent_tape_frees_its_records_after_gradient() -> None:
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as t:
        y = tf.reduce_sum(x * x)
    assert t._tape_eqns
    t.gradient(y, x)
    assert t._tape_eqns == [] and list(tf.autodiff.iter_watched(t)) == []


def test_gradient_inside_a_non_persistent_tape_stops_its_recording() -> None:
    # TF: the tape stops recording; later ops in the block are not on it.
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
        assert float(t.gradient(y, x)) == 6.0
        z = x * 2.0
        assert t._tape_eqns == []
    assert z is not None


def test_gradient_inside_a_persistent_tape_is_recorded_on_it(caplog) -> None:
    x = tf.constant(3.0)
    with caplog.at_level(logging.WARNING, logger="minitf"):
        with tf.GradientTape(persistent=True) as t:
            t.watch(x)
            y = x * x
            g = t.gradient(y, x)  # 2x, recorded on t itself
            z = g * x             # 2x²
    assert "persistent tape" in caplog.text
    assert float(t.gradient(z, x)) == 12.0  # TF: 12.0


def test_reentering_an_active_tape_is_an_error() -> None:
    t = tf.GradientTape()
    with t:
        with pytest.raises(ValueError, match="Tape is still recording"):
            t.__enter__()


# -- what is watched ----------------------------------------------------------------------
def test_watch_of_a_constant() -> None:
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    np.testing.assert_array_equal(t.gradient(y, x).numpy(), [2.0, 4.0, 6.0])  # TF: [2 4 6]


def test_unwatched_constant_gives_none() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        y = x * x
    assert t.gradient(y, x) is None  # TF: None


@pytest.mark.parametrize("value", [3, True], ids=["int32", "bool"])
def test_integer_and_bool_sources_give_none_with_tfs_warning(value, caplog) -> None:
    x = tf.constant(value)
    with caplog.at_level(logging.WARNING, logger="minitf"):
        with tf.GradientTape() as t:
            t.watch(x)
            y = x * x if value is not True else tf.logical_not(x)
    # TF: "The dtype of the watched tensor must be floating (e.g. tf.float32), got tf.int32"
    assert (f"The dtype of the watched tensor must be floating (e.g. tf.float32), got "
            f"{x.dtype!r}") in caplog.text
    assert t.gradient(y, x) is None  # TF: None
    assert t._tape_eqns == []        # nothing integer was recorded


def test_integer_variable_is_listed_but_has_no_gradient() -> None:
    v = tf.Variable(2)
    with tf.GradientTape() as t:
        y = v * v
    assert t.watched_variables() == (v,)  # TF lists it
    assert t.gradient(y, v) is None       # TF: None
    assert t._tape_eqns == []


def test_cast_to_integer_cuts_the_gradient() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        i = tf.cast(x, tf.int32)
        y = tf.cast(i, tf.float32) * x
    assert t.gradient(i, x) is None     # TF: None (integer target)
    assert float(t.gradient(y, x)) == 3.0  # TF: 3.0 (only the direct path)


def test_watch_accessed_variables_false() -> None:
    v, w = tf.Variable(2.0), tf.Variable(5.0)
    with tf.GradientTape(watch_accessed_variables=False) as t:
        t.watch(v)
        y = v * w
    gv, gw = t.gradient(y, [v, w])
    assert float(gv) == 5.0 and gw is None  # TF: [5.0, None]
    assert t.watched_variables() == (v,)    # TF: 1 variable, still after gradient()


def test_the_guide_watching_one_of_two_variables_prints_tfs_digits() -> None:
    # TF's "Introduction to gradients" guide, watch_accessed_variables=False section.
    x0, x1 = tf.Variable(0.0), tf.Variable(10.0)
    with tf.GradientTape(watch_accessed_variables=False) as t:
        t.watch(x1)
        y = tf.reduce_sum(tf.math.sin(x0) + tf.nn.softplus(x1))
    grad = t.gradient(y, {"x0": x0, "x1": x1})
    assert grad["x0"] is None
    # The guide prints 0.9999546: softplus' gradient is sigmoid(10) rounded once, not
    # exp(10) / (1 + exp(10)) rounded twice (0.99995464, one float32 ulp away).
    assert str(grad["x1"].numpy()) == "0.9999546"


def test_non_trainable_variables_are_not_watched_automatically() -> None:
    u = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as t:
        y = u * u
    assert t.gradient(y, u) is None  # TF: None
    with tf.GradientTape() as t:
        t.watch(u)
        y = u * u
    assert float(t.gradient(y, u)) == 4.0  # TF: 4.0


def test_watch_refuses_non_tensors() -> None:
    with tf.GradientTape() as t:
        with pytest.raises(ValueError, match="not tf.Tensor or tf.Variable"):
            t.watch(3.0)


def test_stop_recording() -> None:
    v = tf.Variable(2.0)
    with tf.GradientTape() as t:
        y = v * v
        with t.stop_recording():
            z = v * v
        s = y + z
    assert float(t.gradient(s, v)) == 4.0  # TF: 4.0 (z is a constant to the tape)


def test_stop_recording_outside_the_tape_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="not recording"), tf.GradientTape().stop_recording():
        pass


def test_reset_forgets_what_was_recorded() -> None:
    v = tf.Variable(2.0)
    with tf.GradientTape() as t:
        y = v * v
        t.reset()
        z = v * 3.0
    assert float(t.gradient(z, v)) == 3.0  # TF: 3.0
    with tf.GradientTape() as t:
        y = v * v
        t.reset()
    assert t.watched_variables() == ()  # TF: ()
    assert t.gradient(y, v) is None


def test_watched_variables_come_in_creation_order() -> None:
    c, b, a = tf.Variable(3.0, name="c"), tf.Variable(2.0, name="b"), tf.Variable(1.0, name="a")
    with tf.GradientTape() as t:
        _ = a * b + c
    assert [v.name for v in t.watched_variables()] == ["c:0", "b:0", "a:0"]  # TF
    with tf.GradientTape() as t:
        t.watch(a)
        _ = b * c
    assert [v.name for v in t.watched_variables()] == ["c:0", "b:0", "a:0"]  # TF


def test_assigned_variable_sums_gradients_of_all_its_values() -> None:
    v = tf.Variable(1.0)
    with tf.GradientTape() as t:
        y = v * 2.0
        v.assign(5.0)
        y = y + v * v  # 2·v_old + v_new²
    assert float(t.gradient(y, v)) == 12.0  # TF: 12.0 (both reads: 2 + 2·5)


def test_variable_as_its_own_target() -> None:
    v = tf.Variable(2.0)
    with tf.GradientTape() as t:
        pass
    assert float(t.gradient(v, v)) == 1.0  # TF: 1.0 (targets and sources are handles)


# -- structures -----------------------------------------------------------------------------
def test_nested_sources_keep_their_structure() -> None:
    a, b, c = tf.Variable(1.0), tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as t:
        y = a * b * c
    g = t.gradient(y, {"x": a, "y": [b, (c,)]})
    assert set(g) == {"x", "y"} and isinstance(g["y"], list) and isinstance(g["y"][1], tuple)
    assert (float(g["x"]), float(g["y"][0]), float(g["y"][1][0])) == (6.0, 3.0, 2.0)  # TF


def test_nested_targets_are_summed() -> None:
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as t:
        y = a * b
        z = a * 10.0
    assert float(t.gradient([y, z], a)) == 12.0  # TF: 12.0
    assert float(t.gradient({"p": y, "q": [y]}, a)) == 4.0  # TF: 2 + 2
    assert float(t.gradient((y, z), (a,))[0]) == 12.0  # TF: (12.0,)


@given(shape=shapes(max_dims=3, max_side=3))
def test_non_scalar_targets_are_summed(shape) -> None:
    x = tf.constant(np.arange(np.prod(shape), dtype=np.float32).reshape(shape))
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    np.testing.assert_array_equal(t.gradient(y, x).numpy(), 2 * x.numpy())


def test_output_gradients_weight_the_targets() -> None:
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * x
        z = x * 3.0
    g = t.gradient(y, x, output_gradients=tf.constant([1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(g.numpy(), [2.0, 0.0, 12.0])  # TF: [ 2.  0. 12.]
    g = t.gradient([y, z], x, output_gradients=[tf.ones(3), tf.constant([1.0, 2.0, 3.0])])
    np.testing.assert_array_equal(g.numpy(), [5.0, 10.0, 15.0])  # TF: [ 5. 10. 15.]
    with pytest.raises(ValueError, match="one cotangent per target"):
        t.gradient([y, z], x, output_gradients=[tf.ones(3)])


@pytest.mark.parametrize("mode", [tf.UnconnectedGradients.ZERO, "zero"])
def test_unconnected_gradients_zero(mode) -> None:
    x, v = tf.constant([1.0, 2.0, 3.0]), tf.Variable([[1.0, 2.0]])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.constant(2.0) * 3.0
    gx, gv = t.gradient(y, [x, v], unconnected_gradients=mode)
    np.testing.assert_array_equal(gx.numpy(), [0.0, 0.0, 0.0])  # TF: [0. 0. 0.]
    assert gv.shape == (1, 2) and gv.dtype == tf.float32 and not gv.numpy().any()  # TF


def test_unconnected_gradients_none_by_default() -> None:
    x = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.constant(2.0) * 3.0
    assert t.gradient(y, x) is None  # TF: None


def test_target_that_is_the_source() -> None:
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
    np.testing.assert_array_equal(t.gradient(x, x).numpy(), [1.0, 1.0])  # TF: 1.0 each


# -- what an eager shortcut records ---------------------------------------------------------
@given(data=st.data(), dtype=st.sampled_from([tf.float16, tf.float32, tf.float64]),
       shape=shapes(min_dims=1, max_dims=3, min_side=1, max_side=4),
       n_tapes=st.integers(0, 2))
def test_mean_of_all_elements_records_what_the_general_path_records(data, dtype, shape,
                                                                    n_tapes) -> None:
    # reduce_mean(x) of an eager float tensor takes a shortcut (a training step's loss);
    # reduce_mean(x, axis=[0, 1, ...]) is the general path. Same bits, same equations
    # on every recording tape (and its result watched: what uses it is recorded too),
    # same gradients.
    x = tf.constant(data.draw(arrays(dtype, shape, low=-100.0, high=100.0)))
    every_axis = list(range(len(shape)))
    results = []
    for mean in (lambda: tf.reduce_mean(x), lambda: tf.reduce_mean(x, axis=every_axis)):
        tapes = [tf.GradientTape(persistent=True) for _ in range(n_tapes)]
        for t in tapes:
            t.__enter__()
            t.watch(x)
        y = mean()
        z = y * y  # recorded only if the mean's result is watched
        for t in reversed(tapes):
            t.__exit__(None, None, None)
        recorded = [[(e.prim.name, {k: (tuple(v) if k == "axis" else v)
                                    for k, v in e.params.items()}) for e in t._eqns]
                    for t in tapes]
        grads = [t.gradient(z, x).numpy() for t in tapes]
        results.append((y, recorded, grads))
    (fast, fast_eqns, fast_grads), (general, general_eqns, general_grads) = results
    assert fast.dtype == general.dtype == dtype and fast.shape == general.shape == ()
    assert fast.numpy().tobytes() == general.numpy().tobytes()
    assert fast_eqns == general_eqns
    assert all(e == [("reduce_sum", {"axis": tuple(every_axis), "keepdims": False}),
                     ("div", {}), ("mul", {})] for e in fast_eqns)
    for a, b in zip(fast_grads, general_grads):
        assert a.tobytes() == b.tobytes()


# -- jacobians -----------------------------------------------------------------------------
@given(data=st.data())
def test_jacobian_matches_numpy(data) -> None:
    t_shape = data.draw(shapes(max_dims=2, max_side=3), label="x shape")
    x_np = data.draw(arrays(tf.float64, t_shape, low=-2, high=2), label="x")
    w_np = data.draw(arrays(tf.float64, t_shape, low=-2, high=2), label="w")
    x = tf.constant(x_np)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.sin(x) * w_np
    jac = t.jacobian(y, x)
    n = x_np.size
    expected = np.diag((np.cos(x_np) * w_np).reshape(n)).reshape(t_shape + t_shape)
    assert jac.shape == t_shape + t_shape
    np.testing.assert_allclose(jac.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_jacobian_of_a_matrix_product_matches_numpy() -> None:
    rng = np.random.default_rng(0)
    a_np, x_np = rng.standard_normal((3, 2)), rng.standard_normal((2, 4))
    x = tf.Variable(x_np)
    with tf.GradientTape() as t:
        y = tf.matmul(a_np, x)
    jac = t.jacobian(y, {"x": x})["x"]
    # d y[i, j] / d x[k, l] = a[i, k] δ(j, l)
    expected = np.einsum("ik,jl->ijkl", a_np, np.eye(4))
    assert jac.shape == (3, 4, 2, 4)
    np.testing.assert_allclose(jac.numpy(), expected, rtol=1e-12)


def test_jacobian_of_unconnected_and_integer_sources() -> None:
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x[:, None] * x[None, :]
    assert t.jacobian(y, x).shape == (3, 3, 3)                       # TF: (3, 3, 3)
    assert t.jacobian(tf.constant([1.0, 2.0]), x) is None              # TF: None
    z = t.jacobian(tf.constant([1.0, 2.0]), x, unconnected_gradients="zero")
    assert z.shape == (2, 3) and not z.numpy().any()                   # TF: (2, 3)
    assert t.jacobian(y, tf.constant([1, 2])) is None                  # TF: None


def test_batch_jacobian() -> None:
    x = tf.constant(np.arange(6.0).reshape(2, 3))
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.stack([x[:, 0] * x[:, 1], x[:, 2] ** 2], axis=1)
    j = t.batch_jacobian(y, x)
    assert j.shape == (2, 2, 3)
    # TF: [[[1, 0, 0], [0, 0, 4]], [[4, 3, 0], [0, 0, 10]]]
    np.testing.assert_array_equal(j.numpy(), [[[1, 0, 0], [0, 0, 4]],
                                              [[4, 3, 0], [0, 0, 10]]])


@given(batch=st.integers(1, 3), n=st.integers(1, 3), m=st.integers(1, 3))
def test_batch_jacobian_of_a_dense_layer_matches_numpy(batch, n, m) -> None:
    rng = np.random.default_rng(batch * 100 + n * 10 + m)
    x_np, w_np = rng.standard_normal((batch, n)), rng.standard_normal((n, m))
    x = tf.constant(x_np)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.tanh(tf.matmul(x, w_np))
    j = t.batch_jacobian(y, x)
    # d y[b, j] / d x[b, i] = (1 - tanh²) w[i, j]
    d = 1 - np.tanh(x_np @ w_np) ** 2
    expected = np.einsum("bj,ij->bji", d, w_np)
    assert j.shape == (batch, m, n)
    np.testing.assert_allclose(j.numpy(), expected, rtol=1e-10, atol=1e-12)


def test_batch_jacobian_needs_matching_batch_dimensions() -> None:
    x = tf.constant(np.ones((2, 3)))
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_sum(x)
    with pytest.raises(ValueError, match="batch"):
        t.batch_jacobian(y, x)


def test_jacobian_on_a_non_persistent_tape_is_one_shot() -> None:
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    np.testing.assert_array_equal(t.jacobian(y, x).numpy(), [[2, 0], [0, 4]])  # TF
    with pytest.raises(RuntimeError, match="non-persistent"):
        t.jacobian(y, x)


# -- custom_gradient and stop_gradient -------------------------------------------------------
@tf.custom_gradient
def log1pexp(x):
    e = tf.exp(x)

    def grad(upstream):
        return upstream * (1 - 1 / (1 + e))
    return tf.math.log(1 + e), grad


def test_custom_gradient_is_used() -> None:
    x = tf.constant(100.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = log1pexp(x)
    assert float(t.gradient(y, x)) == 1.0  # TF: 1.0 (the naive gradient is nan)


def test_custom_gradient_receives_the_upstream_gradient() -> None:
    xs = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(xs)
        y = log1pexp(xs) * tf.constant([3.0, 5.0])
    np.testing.assert_allclose(t.gradient(y, xs).numpy(), [2.1931758, 4.4039855])  # TF


def test_custom_gradient_with_variables() -> None:
    w = tf.Variable(2.0)

    @tf.custom_gradient
    def scale(x):
        def grad(up, variables=None):
            assert variables == [w]
            return up * w * 10.0, [up * x * 100.0]
        return x * w, grad
    x = tf.constant(100.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = scale(x)
    gx, gw = t.gradient(y, [x, w])
    assert (float(gx), float(gw)) == (20.0, 10000.0)  # TF: [20.0, 10000.0]


def test_custom_gradient_reading_variables_needs_a_variables_argument() -> None:
    w = tf.Variable(2.0)

    @tf.custom_gradient
    def scale(x):
        return x * w, lambda up: up * w
    with pytest.raises(TypeError, match="variables"):
        scale(tf.constant(1.0))


def test_custom_gradient_with_two_inputs_and_two_outputs() -> None:
    @tf.custom_gradient
    def two(x, y):
        return x + y, lambda up: (up * 2.0, up * 3.0)

    @tf.custom_gradient
    def pair(x):
        return (x * 1.0, x * 1.0), lambda u1, u2: u1 * 2.0 + u2 * 3.0
    p, q = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch([p, q])
        z = two(p, q)
        r1, r2 = pair(p)
        s = r1 + 10.0 * r2
    assert [float(g) for g in t.gradient(z, [p, q])] == [2.0, 3.0]  # TF
    assert float(t.gradient(s, p)) == 32.0                           # TF: 32.0


def test_custom_gradient_returning_its_input() -> None:
    @tf.custom_gradient
    def clip_grad(x):
        return x, lambda up: tf.clip_by_value(up, -1.0, 1.0)
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = clip_grad(x) * 10.0
    assert float(t.gradient(y, x)) == 1.0


def test_custom_gradient_can_be_differentiated_again() -> None:
    @tf.custom_gradient
    def sq(x):
        return x * x, lambda up: up * 2.0 * x
    x = tf.constant(3.0)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = sq(x)
        d = t1.gradient(y, x)
    assert (float(d), float(t2.gradient(d, x))) == (6.0, 2.0)  # TF: (6.0, 2.0)


def test_stop_gradient() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.stop_gradient(x * x) * x
    assert float(t.gradient(y, x)) == 9.0  # TF: 9.0


# -- higher derivatives ----------------------------------------------------------------------
def test_second_derivative_with_nested_tapes() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = x ** 3
        d1 = t1.gradient(y, x)
    assert (float(d1), float(t2.gradient(d1, x))) == (27.0, 18.0)  # TF: (27.0, 18.0)


def test_third_derivative_with_three_tapes() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = x ** 4
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    assert (float(d2), float(t3.gradient(d2, x))) == (108.0, 72.0)  # TF: (108.0, 72.0)


def test_second_derivative_of_a_variable_function() -> None:
    # The seed guide's f(x) = x² + 2x - 5: f' = 2x + 2 = 4, f'' = 2 at x = 1.
    v = tf.Variable(1.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = v ** 2 + 2 * v - 5
        d = inner.gradient(y, v)
    assert float(d) == 4.0
    assert float(outer.gradient(d, v)) == 2.0


def test_gradient_dtype_follows_the_source_through_casts() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.cast(x, tf.float64) ** 2
    g = t.gradient(y, x)
    assert g.dtype == tf.float32 and float(g) == 6.0  # TF: float32 6.0


def test_gradients_with_assert_allclose_on_structures() -> None:
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    b = tf.Variable([0.5, -0.5])
    x = np.array([[1.0, -1.0]], np.float32)
    with tf.GradientTape() as t:
        loss = tf.reduce_sum(tf.matmul(x, w) + b)
    gw, gb = t.gradient(loss, [w, b])
    assert_allclose([gw, gb], [np.array([[1.0, 1.0], [-1.0, -1.0]]), np.array([1.0, 1.0])])

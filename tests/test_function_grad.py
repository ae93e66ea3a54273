"""Gradients through ``tf.function``, ``tf.cond`` and ``tf.while_loop``.

A traced call under a tape is one ``call`` equation whose VJP is a graph; the gradients
it gives must equal the eager ones (same ops, so up to summation order), including
second derivatives through nested tapes and gradients for the variables a function
reads. ``check_grads`` compares against float64 finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitf as tf
from minitf.testing import check_grads
from tests.programs import run_minitf
from tests.strategies import programs

pytestmark = pytest.mark.graphs


def _grads(f, xs, order=1):
    """Gradients of sum(f(*xs)) w.r.t. each x (order 2: of the sum of the gradients)."""
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(xs)
        with tf.GradientTape() as inner:
            inner.watch(xs)
            y = tf.reduce_sum(f(*xs))
        g = inner.gradient(y, xs, unconnected_gradients="zero")
        total = tf.add_n(g) if hasattr(tf, "add_n") else sum(tf.reduce_sum(t) for t in g)
        total = tf.reduce_sum(total)
    if order == 1:
        return [t.numpy() for t in g]
    return [t.numpy() for t in outer.gradient(total, xs, unconnected_gradients="zero")]


@settings(max_examples=25)
@given(programs(max_len=6), st.integers(0, 2**16), st.sampled_from([1, 2]))
def test_gradients_inside_function_equal_eager(program, seed, order):
    rng = np.random.default_rng(seed)
    xs = [tf.constant(rng.uniform(-2, 2, (2, 3))) for _ in range(2)]

    def f(a, b):
        return run_minitf(program, [a, b])

    eager = _grads(f, xs, order)
    traced = _grads(tf.function(f), xs, order)
    for e, t in zip(eager, traced):
        np.testing.assert_allclose(t, e, rtol=1e-9, atol=1e-9)


@settings(max_examples=25)
@given(programs(max_len=6), st.booleans())
def test_the_forward_and_backward_halves_need_no_more_simplifying(program, with_random):
    # split_vjp_graphs simplifies the joint graph only: neither half has anything left
    # to fold, merge or drop (it would be computed for nothing at every training step).
    from minitf.core.call import split_vjp_graphs
    from minitf.core.passes import simplify

    def f(a, b):
        out = run_minitf(program, [a, b])
        return out * tf.random.uniform(tf.shape(out), dtype=out.dtype) if with_random else out

    spec = tf.TensorSpec([2, 3], tf.float64)
    graph = tf.function(f).get_concrete_function(spec, spec).graph
    for half in split_vjp_graphs(graph)[:2]:
        again = simplify(half)
        assert [(e.prim, e.inputs, e.params) for e in again.eqns] == \
            [(e.prim, e.inputs, e.params) for e in half.eqns]
        assert again.outputs == half.outputs


def test_a_traced_call_is_recorded_as_one_equation():
    @tf.function
    def f(x):
        return tf.reduce_sum(tf.sin(x) * x)

    x = tf.constant([0.5, 1.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    assert tape.recorded_operations() == ["call(float32[2]) -> float32[]"]
    xs = x.numpy()
    np.testing.assert_allclose(tape.gradient(y, x), np.cos(xs) * xs + np.sin(xs), rtol=1e-6)


@pytest.mark.modules  # reads a tf.Module's variables: needs variable tracking too
def test_gradients_for_variables_a_function_reads():
    class Quadratic(tf.Module):
        def __init__(self):
            self.w_q = tf.Variable(1.5, dtype=tf.float64)
            self.w_l = tf.Variable(-0.5, dtype=tf.float64)
            self.b = tf.Variable(2.0, dtype=tf.float64)

        def eager(self, x):
            return self.w_q * (x ** 2) + self.w_l * x + self.b

        @tf.function
        def __call__(self, x):
            return self.eager(x)

    m = Quadratic()
    x = tf.constant(np.linspace(-2, 2, 32))
    results = []
    for f in (m.eager, m):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(f(x) - 1.0))
        results.append([g.numpy() for g in tape.gradient(loss, m.variables)])
    np.testing.assert_allclose(results[1], results[0], rtol=1e-12)


def test_function_gradients_match_finite_differences():
    f = tf.function(lambda a, b: tf.tanh(a) * tf.exp(b) - a * b)
    check_grads(f, [np.array([0.3, -0.7]), np.array([0.1, 0.2])], order=2)


def test_random_draws_in_the_forward_pass_run_once():
    @tf.function
    def f(x):
        return x * tf.random.normal([3], dtype=tf.float64)

    x = tf.constant([1.0, 2.0, 4.0], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    # d(x * r)/dx = r = y / x: the gradient saw the same draw as the output.
    np.testing.assert_allclose(tape.gradient(y, x), y.numpy() / x.numpy(), rtol=1e-12)


def test_integer_inputs_get_no_gradient():
    f = tf.function(lambda x, n: x * tf.cast(n, tf.float32))
    x, n = tf.constant(2.0), tf.constant(3)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = f(x, n)
    assert float(tape.gradient(y, x)) == 3.0 and tape.gradient(y, n) is None


def test_a_tape_inside_the_function_trains_like_eager():
    def step(w, x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum((w * x - 1.0) ** 2)
        w.assign_sub(0.1 * tape.gradient(loss, w))
        return loss

    w1, w2 = tf.Variable([0.5, -0.5]), tf.Variable([0.5, -0.5])
    traced = tf.function(step)
    x = tf.constant([1.0, 2.0])
    for _ in range(3):
        np.testing.assert_allclose(traced(w2, x), step(w1, x), rtol=1e-6)
    np.testing.assert_allclose(w2.numpy(), w1.numpy(), rtol=1e-6)


# ---------------------------------------------------------------------------------------
# cond and while_loop
# ---------------------------------------------------------------------------------------
def _cond_fn(x):
    return tf.cond(tf.reduce_sum(x) > 0, lambda: tf.sin(x) * x, lambda: tf.exp(x))


def _while_fn(x):
    _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, tf.sin(y) + y * 0.5),
                         [tf.constant(0), x])
    return y


@pytest.mark.parametrize("fn", [_cond_fn, _while_fn])
@pytest.mark.parametrize("point", [[0.3, 0.9], [-0.8, -0.1]])
def test_control_flow_gradients_eager_and_staged(fn, point):
    x = tf.constant(np.array(point))
    eager = _grads(fn, [x])[0]
    staged = _grads(tf.function(fn), [x])[0]
    np.testing.assert_allclose(staged, eager, rtol=1e-12)
    check_grads(tf.function(fn), [np.array(point)])


def test_second_derivatives_through_a_staged_cond():
    x = tf.constant(np.array([0.3, 0.9]))
    np.testing.assert_allclose(_grads(tf.function(_cond_fn), [x], order=2)[0],
                               _grads(_cond_fn, [x], order=2)[0], rtol=1e-12)


def test_second_derivatives_through_a_staged_while_say_what_to_do():
    with pytest.raises(NotImplementedError, match="run_functions_eagerly"):
        _grads(tf.function(_while_fn), [tf.constant(np.array([0.3]))], order=2)


def test_while_loop_gradient_reaches_captured_values_and_variables():
    v = tf.Variable(np.array([1.5, 0.5]))

    @tf.function
    def f(x):
        return tf.while_loop(lambda i, y: i < 2, lambda i, y: (i + 1, y * x + v),
                             [tf.constant(0), tf.ones_like(x)])[1]

    x = tf.constant(np.array([2.0, 3.0]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(f(x))
    gx, gv = tape.gradient(y, [x, v])
    # y = (1*x + v)*x + v = x² + v x + v: dy/dx = 2x + v, dy/dv = x + 1.
    np.testing.assert_allclose(gx, 2 * x.numpy() + v.numpy())
    np.testing.assert_allclose(gv, x.numpy() + 1)


def test_while_loop_eager_with_maximum_iterations():
    i, s = tf.while_loop(lambda i, s: True, lambda i, s: (i + 1, s + i),
                         [tf.constant(0), tf.constant(0)], maximum_iterations=4)
    assert (int(i), int(s)) == (4, 6)
    staged = tf.function(lambda n: tf.while_loop(lambda i: i < 100, lambda i: i + 1, [n],
                                                 maximum_iterations=5))
    assert int(staged(tf.constant(0))[0]) == 5

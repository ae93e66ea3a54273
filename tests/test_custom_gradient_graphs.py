"""``tf.custom_gradient`` inside ``tf.function``: the custom rule survives tracing.

A traced call of a custom-gradient function is one ``call`` equation carrying two graphs:
the forward one (``f``'s operations) and ``vjp`` (``grad_fn``'s). Gradients through the
``tf.function`` must equal the eager ones — which ``test_autodiff_tape`` checks against
TensorFlow's values — and a SavedModel must keep the rule, since it is data.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import minitf as tf

pytestmark = pytest.mark.graphs


@tf.custom_gradient
def log1pexp(x):
    e = tf.exp(x)

    def grad(upstream):
        return upstream * (1 - 1 / (1 + e))
    return tf.math.log(1 + e), grad


def _grad(fn, *xs):
    with tf.GradientTape() as tape:
        tape.watch(list(xs))
        y = fn(*xs)
    return tape.gradient(y, list(xs))


def test_the_custom_rule_is_used_inside_a_function():
    x = tf.constant(100.0)
    traced = tf.function(lambda x: log1pexp(x) * 3.0)
    # d/dx of the naive log(1 + exp(x)) is exp(x) / (1 + exp(x)) = inf / inf = nan at 100.
    assert [float(g) for g in _grad(traced, x)] == [3.0]
    assert [float(g) for g in _grad(lambda x: log1pexp(x) * 3.0, x)] == [3.0]


def test_a_training_loop_over_the_function_keeps_using_the_rule():
    # The tape of each step holds one traced call whose backward graph calls the rule's
    # graph: the step's compiled plan inlines both (a callee returning a nested call's
    # result directly), step after step, with the rule's value.
    x = tf.constant(100.0)
    traced = tf.function(lambda x: log1pexp(x))
    assert [[float(g) for g in _grad(traced, x)] for _ in range(4)] == [[1.0]] * 4


def test_function_and_eager_gradients_agree_on_vectors():
    xs = tf.constant([-3.0, 0.5, 2.0])
    weights = tf.constant([3.0, 5.0, 7.0])

    def loss(x):
        return tf.reduce_sum(log1pexp(x) * weights)
    eager = _grad(loss, xs)[0].numpy()
    traced = _grad(tf.function(loss), xs)[0].numpy()
    np.testing.assert_allclose(traced, eager, rtol=1e-6)
    np.testing.assert_allclose(eager, weights.numpy() / (1 + np.exp(-xs.numpy())), rtol=1e-6)


def test_the_traced_graph_shows_both_graphs():
    f = tf.function(lambda x: log1pexp(x))
    listing = str(f.get_concrete_function(tf.TensorSpec([], tf.float32)).graph)
    assert "graph=graph log1pexp(" in listing
    assert "vjp=graph log1pexp_grad(" in listing


def test_clipping_rule_in_a_function():
    @tf.custom_gradient
    def clip_grad(x):
        return x, lambda up: tf.clip_by_value(up, -1.0, 1.0)
    f = tf.function(lambda x: clip_grad(x) * 10.0)
    assert float(_grad(f, tf.constant(3.0))[0]) == 1.0


def test_variables_read_by_the_custom_function_get_its_gradients():
    w = tf.Variable(2.0)

    @tf.custom_gradient
    def scale(x):
        def grad(up, variables=None):
            assert len(variables) == 1 and variables[0] is w
            return up * w * 10.0, [up * x * 100.0]
        return x * w, grad

    @tf.function
    def f(x):
        return scale(x)
    x = tf.constant(100.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    gx, gw = tape.gradient(y, [x, w])
    assert (float(gx), float(gw)) == (20.0, 10000.0)  # as eagerly (TF: [20.0, 10000.0])
    w.assign(3.0)  # the variable is captured by reference: the new value is used
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    assert float(y) == 300.0 and float(tape.gradient(y, x)) == 30.0


def test_two_inputs_two_outputs_and_an_input_without_gradient():
    @tf.custom_gradient
    def pair(x, y):
        return (x * y, x + y), lambda u1, u2: (u1 * 2.0 + u2 * 3.0, None)

    @tf.function
    def f(x, y):
        a, b = pair(x, y)
        return a + 10.0 * b
    p, q = tf.constant(1.0), tf.constant(2.0)
    gp, gq = _grad(f, p, q)
    assert float(gp) == 32.0              # 1 * 2 + 10 * 3, the rule's, not autodiff's (21)
    assert float(gq) == 0.0               # None from grad_fn: no gradient for y


def test_second_derivative_differentiates_the_rule():
    @tf.custom_gradient
    def sq(x):
        return x * x, lambda up: up * 2.0 * x * x  # a deliberately odd rule: 2x²

    @tf.function
    def f(x):
        return sq(x)
    x = tf.constant(3.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        d = inner.gradient(y, x)
    assert (float(d), float(outer.gradient(d, x))) == (18.0, 12.0)  # 2x², 4x


def test_a_tape_inside_the_function_uses_the_rule():
    @tf.function
    def grad_inside(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = log1pexp(x)
        return tape.gradient(y, x)
    assert float(grad_inside(tf.constant(100.0))) == 1.0


def test_a_custom_function_that_assigns_a_variable_is_refused_with_the_fix():
    v = tf.Variable(0.0)

    @tf.custom_gradient
    def bump(x):
        v.assign_add(1.0)
        return x * 1.0, lambda up: up

    with pytest.raises(ValueError, match="assign them outside"):
        tf.function(lambda x: bump(x))(tf.constant(1.0))


@pytest.mark.persistence
def test_a_saved_model_keeps_the_rule_without_the_code(tmp_path):
    class Stable(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def __call__(self, x):
            return log1pexp(x)
    tf.saved_model.save(Stable(), str(tmp_path / "m"))
    # A fresh process that never defines log1pexp or its grad_fn.
    code = textwrap.dedent(f"""
        import minitf as tf
        m = tf.saved_model.load({str(tmp_path / "m")!r})
        x = tf.constant([100.0, 0.0])
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(m(x))
        print(tape.gradient(y, x).numpy().tolist())
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[1.0, 0.5]"

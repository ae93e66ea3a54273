"""Every VJP rule against float64 finite differences, and second derivatives.

* Every differentiable row of the op table passes ``check_grads`` (random directions,
  and the whole Jacobian on small inputs) at hypothesis points in its domain, away from
  kinks and ties.
* Second derivatives of the elementwise ops (nested tapes) equal their closed forms.
* Gradients through broadcasting are summed back to each input's shape, as NumPy's
  reduction of the broadcast cotangent gives.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import minitf as tf
from minitf.testing import check_grads
from tests.op_specs import OP_SPECS, OpSpec
from tests.strategies import broadcastable_shapes, gradient_points, shape_tuples, shapes

pytestmark = [pytest.mark.autodiff, pytest.mark.filterwarnings("ignore::RuntimeWarning")]

GRAD_SPECS = [s for s in OP_SPECS if s.differentiable and tf.float64 in s.dtypes]
# Gradient checks evaluate f ~2n times per argument: keep the inputs small.
MAX_SIDE = 3
MAX_ELEMENTS = 40


def _draw_shapes(data: st.DataObject, spec: OpSpec) -> tuple:
    if spec.shapes is not None:
        arg_shapes = data.draw(spec.shapes(), label="shapes")
    else:
        arg_shapes = data.draw(shape_tuples(spec.arity, broadcast=spec.broadcast,
                                            min_dims=spec.min_dims, max_dims=spec.max_dims,
                                            min_side=spec.min_side, max_side=MAX_SIDE),
                               label="shapes")
    assume(sum(int(np.prod(s)) for s in arg_shapes) <= MAX_ELEMENTS)
    return arg_shapes


def _reduced_size(spec: OpSpec, shape: tuple) -> int:
    axis = (spec.kwargs or {}).get("axis")
    if axis is None:
        return int(np.prod(shape))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return int(np.prod([shape[a] for a in axes]))


def _named(spec: OpSpec) -> Callable:
    kwargs = spec.kwargs or {}

    def f(*xs: Any) -> Any:
        return spec.fn(*xs, **kwargs)
    f.__name__ = spec.name
    return f


@pytest.mark.parametrize("spec", GRAD_SPECS, ids=lambda s: s.name)
@settings(max_examples=12)
@given(data=st.data())
def test_gradients_match_finite_differences(spec: OpSpec, data: st.DataObject) -> None:
    arg_shapes = _draw_shapes(data, spec)
    avoid = tuple(spec.kink) + ((0.0,) if spec.avoid_zero else ())
    # std = sqrt(variance) has no derivative where the variance is 0: distinct values
    # and at least two of them per reduction.
    distinct = spec.avoid_ties or spec.name == "reduce_std"
    if spec.name == "reduce_std":
        assume(_reduced_size(spec, arg_shapes[0]) >= 2)
    xs = data.draw(gradient_points(arg_shapes, low=spec.low, high=spec.high, avoid=avoid,
                                   distinct=distinct), label="xs")
    f = _named(spec)
    outs = tf.nest.flatten(f(*[tf.constant(x) for x in xs]))
    if all(o.dtype == tf.float64 for o in outs):
        check_grads(f, xs)
    else:
        # The op itself rounds to float32 (cast_to_float32): finite differences need a
        # step far above float32's rounding, and a float32 tolerance.
        check_grads(f, xs, eps=1e-2, rtol=1e-4, atol=1e-4)


def test_every_differentiable_row_is_checked() -> None:
    """No differentiable row escapes the gradient test by lacking float64."""
    missing = [s.name for s in OP_SPECS if s.differentiable and s not in GRAD_SPECS]
    assert missing == []
    assert len(GRAD_SPECS) > 50


# -- second derivatives -------------------------------------------------------------------
def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


# op, its second derivative, the domain
SECOND_DERIVATIVES = [
    ("exp", tf.exp, np.exp, (-3, 3)),
    ("log", tf.math.log, lambda x: -1 / x**2, (0.2, 5)),
    ("log1p", tf.math.log1p, lambda x: -1 / (1 + x) ** 2, (-0.8, 5)),
    ("sqrt", tf.sqrt, lambda x: -0.25 * x**-1.5, (0.2, 5)),
    ("rsqrt", tf.math.rsqrt, lambda x: 0.75 * x**-2.5, (0.2, 5)),
    ("sin", tf.sin, lambda x: -np.sin(x), (-5, 5)),
    ("cos", tf.cos, lambda x: -np.cos(x), (-5, 5)),
    ("tanh", tf.tanh, lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2), (-4, 4)),
    ("sigmoid", tf.sigmoid,
     lambda x: _sigmoid(x) * (1 - _sigmoid(x)) * (1 - 2 * _sigmoid(x)), (-6, 6)),
    ("softplus", tf.nn.softplus, lambda x: _sigmoid(x) * (1 - _sigmoid(x)), (-6, 6)),
    ("square", tf.square, lambda x: np.full_like(x, 2.0), (-5, 5)),
    ("cube", lambda x: x ** 3, lambda x: 6 * x, (-5, 5)),
    ("pow_2.5", lambda x: tf.pow(x, 2.5), lambda x: 2.5 * 1.5 * x**0.5, (0.2, 5)),
    ("reciprocal", lambda x: 1 / x, lambda x: 2 / x**3, (0.2, 5)),
    ("negative", tf.negative, np.zeros_like, (-5, 5)),
    ("abs", tf.abs, np.zeros_like, (0.1, 5)),
    ("relu", tf.nn.relu, np.zeros_like, (0.1, 5)),
    ("elu_negative", tf.nn.elu, np.exp, (-5, -0.1)),
    ("silu", tf.nn.silu,
     lambda x: _sigmoid(x) * (2 + x * (1 - 2 * _sigmoid(x))) * (1 - _sigmoid(x)), (-5, 5)),
]


@pytest.mark.parametrize("name,fn,second,domain", SECOND_DERIVATIVES,
                         ids=[r[0] for r in SECOND_DERIVATIVES])
@settings(max_examples=15)
@given(data=st.data())
def test_second_derivatives_match_closed_forms(name: str, fn: Callable, second: Callable,
                                               domain: tuple, data: st.DataObject) -> None:
    shape = data.draw(shapes(max_dims=2, max_side=3), label="shape")
    (x_np,) = data.draw(gradient_points([shape], low=domain[0], high=domain[1]), label="x")
    x = tf.constant(x_np)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = fn(x)
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x, unconnected_gradients="zero")
    assert d2y.dtype == tf.float64 and d2y.shape == x.shape
    np.testing.assert_allclose(d2y.numpy(), second(x_np), rtol=1e-10, atol=1e-12,
                               err_msg=name)


@pytest.mark.parametrize("fn", [tf.exp, tf.tanh, tf.sigmoid, tf.sin, tf.nn.softplus],
                         ids=lambda f: f.__name__)
def test_third_order_check_grads_of_smooth_ops(fn: Callable) -> None:
    check_grads(fn, [np.array([[-0.7, 0.3], [1.1, 2.0]])], order=3)


def test_second_order_check_grads_of_composites() -> None:
    def mlp(x, w, b):
        return tf.reduce_sum(tf.tanh(tf.matmul(x, w) + b) ** 2)
    rng = np.random.default_rng(0)
    check_grads(mlp, [rng.standard_normal((2, 3)), rng.standard_normal((3, 2)),
                      rng.standard_normal(2)], order=2)

    def loss(logits):
        return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(
            labels=[[0.2, 0.8, 0.0], [1.0, 0.0, 0.0]], logits=logits))
    check_grads(loss, [rng.standard_normal((2, 3))], order=2)


# -- broadcasting -------------------------------------------------------------------------
def _unbroadcast(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Sums a broadcast cotangent back to ``shape`` (what every broadcast VJP must do)."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g


# op, NumPy forward, and d/dx, d/dy of the elementwise function
BROADCAST_OPS = [
    ("add", tf.add, lambda x, y: np.ones_like(x + y), lambda x, y: np.ones_like(x + y)),
    ("subtract", tf.subtract, lambda x, y: np.ones_like(x + y),
     lambda x, y: -np.ones_like(x + y)),
    ("multiply", tf.multiply, lambda x, y: y + 0 * x, lambda x, y: x + 0 * y),
    ("divide", tf.divide, lambda x, y: 1 / y + 0 * x, lambda x, y: -x / y**2),
    ("pow", tf.pow, lambda x, y: y * x ** (y - 1), lambda x, y: x**y * np.log(x)),
    ("maximum", tf.maximum, lambda x, y: (x >= y) + 0.0, lambda x, y: (x < y) + 0.0),
    ("where", lambda x, y: tf.where(x > 1.0, x, y), lambda x, y: (x > 1.0) + 0 * y,
     lambda x, y: (x <= 1.0) + 0 * y),
]


@pytest.mark.parametrize("name,fn,dx,dy", BROADCAST_OPS, ids=[r[0] for r in BROADCAST_OPS])
@settings(max_examples=20)
@given(data=st.data())
def test_broadcasting_gradients_sum_back_to_input_shapes(name, fn, dx, dy, data) -> None:
    sx, sy = data.draw(broadcastable_shapes(max_dims=3, max_side=3), label="shapes")
    x_np, y_np = data.draw(gradient_points([sx, sy], low=0.5, high=2.0, distinct=True),
                           label="xy")
    x, y = tf.constant(x_np), tf.constant(y_np)
    with tf.GradientTape() as t:
        t.watch([x, y])
        z = fn(x, y)
    w = np.random.default_rng(0).standard_normal(z.shape)  # a cotangent that is not 1
    gx, gy = t.gradient(z, [x, y], output_gradients=tf.constant(w))
    assert gx.shape == sx and gy.shape == sy
    np.testing.assert_allclose(gx.numpy(), _unbroadcast(w * dx(x_np, y_np), sx), rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_allclose(gy.numpy(), _unbroadcast(w * dy(x_np, y_np), sy), rtol=1e-10,
                               atol=1e-12)


def test_python_scalar_operands_get_summed_cotangents() -> None:
    # A rank-0 tensor next to a shaped one broadcasts without broadcast_to: its cotangent
    # is the sum (the `_fit` in the binary VJPs).
    x = tf.constant(2.0, tf.float64)
    v = tf.constant([1.0, 2.0, 3.0], tf.float64)
    with tf.GradientTape() as t:
        t.watch(x)
        y = v * x + x / v - x
    expected = np.sum(v.numpy() + 1 / v.numpy() - 1)
    np.testing.assert_allclose(float(t.gradient(y, x)), expected, rtol=1e-12)


# -- VJPs checked at chosen points -----------------------------------------------------------
def test_floormod_gradient_between_its_jumps() -> None:
    # floormod(x, y) = x - floor(x / y) y: dx = 1, dy = -floor(x / y) (TF's rule).
    check_grads(tf.math.floormod, [np.array([5.3, -2.2, 7.9]), np.array([2.0, 1.5, -3.1])])


def test_cast_between_floats_passes_gradients_and_to_ints_cuts_them() -> None:
    x = tf.constant([1.5, -2.5], tf.float64)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y32 = tf.cast(x, tf.float32) * 3.0
        yint = tf.cast(x, tf.int32)
    g = t.gradient(y32, x)
    assert g.dtype == tf.float64
    np.testing.assert_array_equal(g.numpy(), [3.0, 3.0])
    assert t.gradient(yint, x) is None

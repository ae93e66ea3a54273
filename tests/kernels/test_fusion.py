"""Elementwise fusion of traced graphs: the pass (on the CPU, NumPy) and fused graphs
running on the Triton backend (simulated on a CPU machine, see conftest.py)."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from minitf.kernels import interpreting

import minitf as tf
from minitf.backends import triton_backend as tb
from minitf.backends.fusion import fuse_elementwise
from minitf.core.graph import eval_graph, typecheck

pytestmark = [pytest.mark.kernels, pytest.mark.filterwarnings("ignore::RuntimeWarning")]


def on_triton() -> contextlib.AbstractContextManager:
    return tb.simulated_gpu() if interpreting() else contextlib.nullcontext()


def dense_relu(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) -> tuple:
    h = tf.matmul(x, w) + b
    return tf.maximum(h, 0.0), tf.reduce_sum(tf.tanh(h) * 2.0 - 1.0)


def graph_of(fn: object, *args: tf.Tensor) -> object:
    return tf.function(fn).get_concrete_function(*args).graph


def test_a_chain_becomes_one_equation_stepping_over_an_unrelated_broadcast() -> None:
    x, w, b = tf.ones([4, 3]), tf.ones([3, 5]), tf.ones([5])
    g = graph_of(dense_relu, x, w, b)
    fused = fuse_elementwise(g)
    typecheck(fused)
    # matmul, broadcast_to (moved before the group), one fused group, reduce_sum
    assert [e.prim.name for e in fused.eqns] == ["matmul", "broadcast_to",
                                                 "fused_elementwise", "reduce_sum"]
    group = fused.eqns[2]
    assert [ins[0] for ins in group.params["program"]] == ["add", "max", "tanh", "mul", "sub"]
    # max(h, 0) is returned and sub feeds reduce_sum: two outputs; h itself is internal.
    assert len(group.outputs) == 2


def test_fused_graph_computes_the_same_values_and_gradients_on_the_cpu() -> None:
    rng = np.random.default_rng(0)
    x, w, b = (tf.constant(rng.standard_normal(s).astype(np.float32))
               for s in ([4, 3], [3, 5], [5]))
    g = graph_of(dense_relu, x, w, b)
    fused = fuse_elementwise(g)
    for a, c in zip(eval_graph(g, x, w, b), eval_graph(fused, x, w, b)):
        np.testing.assert_array_equal(a.numpy(), c.numpy())  # NumPy replay: bit-for-bit
    grads = []
    for graph in (g, fused):
        with tf.GradientTape() as tape:
            tape.watch([x, w, b])
            y = eval_graph(graph, x, w, b)[1]
        grads.append([t.numpy() for t in tape.gradient(y, [x, w, b])])
    for a, c in zip(*grads):
        np.testing.assert_allclose(a, c, rtol=1e-6, atol=1e-6)


def test_nothing_to_fuse_returns_the_graph_itself() -> None:
    g = graph_of(lambda x: tf.reduce_sum(tf.exp(x)), tf.ones([3]))
    assert fuse_elementwise(g) is g   # a run of one equation is left alone


def test_different_shapes_and_integer_dtypes_are_not_fused() -> None:
    g = graph_of(lambda x, y: (x + 1) * 2, tf.ones([3], tf.int32), tf.ones([3], tf.int32))
    assert "fused_elementwise" not in [e.prim.name for e in fuse_elementwise(g).eqns]


def test_tf_function_on_the_gpu_launches_one_fused_kernel_per_chain() -> None:
    rng = np.random.default_rng(1)
    xs = [rng.standard_normal(s).astype(np.float32) for s in ([4, 3], [3, 5], [5])]
    expected = [t.numpy() for t in tf.function(dense_relu)(*[tf.constant(a) for a in xs])]
    with on_triton():
        f = tf.function(dense_relu)
        args = [tf.constant(a) for a in xs]
        before = tb.kernel_counts()
        fallbacks = tb.fallback_counts()
        got = f(*args)
        launched = {k: v - before.get(k, 0) for k, v in tb.kernel_counts().items()
                    if v > before.get(k, 0)}
        assert all(t.device.endswith("GPU:0") for t in got)
    assert launched.get("fused_elementwise") == 1 and "add" not in launched
    assert tb.fallback_counts() == fallbacks
    for a, c in zip(got, expected):
        np.testing.assert_allclose(a.numpy(), c, rtol=1e-5, atol=1e-5)


def test_gradients_of_a_traced_function_on_the_gpu() -> None:
    w0 = np.array([[0.5, -1.0], [2.0, 0.25]], np.float32)
    with on_triton():
        w = tf.Variable(w0)
        x = tf.constant([[1.0, 2.0]])

        @tf.function
        def loss(x):
            return tf.reduce_sum(tf.sigmoid(tf.matmul(x, w)) * 3.0)

        with tf.GradientTape() as tape:
            y = loss(x)
        g = tape.gradient(y, w)
        assert g.device.endswith("GPU:0")
    s = 1 / (1 + np.exp(-(np.array([[1.0, 2.0]]) @ w0)))
    # On a real GPU fp32 matmuls use TF32 (TF's default too): ~1e-3 relative error,
    # measured 6e-4 on an H100. The interpreter computes in full fp32.
    rtol = 1e-5 if interpreting() else 2e-3
    np.testing.assert_allclose(g.numpy(), np.array([[1.0], [2.0]]) @ (3 * s * (1 - s)),
                               rtol=rtol)


def test_control_flow_runs_on_the_device() -> None:
    with on_triton():
        @tf.function
        def total(n):
            i, s = tf.constant(0), tf.constant(0.0)
            while i < n:
                s += tf.cast(i, tf.float32) * 2.0
                i += 1
            return s if n > 2 else -s

        fallbacks = tb.fallback_counts()
        assert float(total(tf.constant(4))) == 12.0
        assert float(total(tf.constant(2))) == -2.0
        assert tb.fallback_counts() == fallbacks

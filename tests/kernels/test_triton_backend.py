"""The Triton backend: the op-spec table run through it, placement, counting, strict mode.

On a CPU machine the backend runs in :func:`simulated_gpu` mode: tensors are torch CPU
tensors owned by the backend and the kernels run in Triton's interpreter (see
conftest.py). On a CUDA machine the same tests run on the GPU.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from minitf.kernels import interpreting, matmul

import minitf as tf
from minitf.backends import HOT_PATH
from minitf.backends import triton_backend as tb
from tests.op_specs import OP_SPECS, OpSpec
from tests.test_ops_forward import _tolerance, assert_same, draw_inputs

pytestmark = [pytest.mark.kernels, pytest.mark.filterwarnings("ignore::RuntimeWarning")]
GPU = "/job:localhost/replica:0/task:0/device:GPU:0"
CPU = "/job:localhost/replica:0/task:0/device:CPU:0"


@contextlib.contextmanager
def on_triton() -> Iterator[None]:
    """The body's new tensors belong to the Triton backend (simulated on a CPU machine);
    fp32 matmuls are exact (TF32 has a 1e-3 relative error, checked in tests/gpu)."""
    matmul.set_tf32(False)
    try:
        with tb.simulated_gpu() if interpreting() else contextlib.nullcontext():
            yield
    finally:
        matmul.set_tf32(True)


# Rows of the op-spec table whose op is, or is built on, a HOT_PATH primitive.
HOT_ROWS = ("add", "subtract", "multiply", "divide", "truediv", "maximum", "minimum",
            "negative", "exp", "log", "sqrt", "tanh", "sigmoid", "where", "where_scalar",
            "reduce_sum", "reduce_sum_axis0", "reduce_sum_keepdims", "reduce_sum_axes01",
            "reduce_max", "reduce_max_axis0", "reduce_max_keepdims", "reduce_max_axes01",
            "reduce_mean", "reduce_mean_axes01", "softmax", "softmax_axis0", "log_softmax",
            "matmul", "matmul_batched", "matmul_batch_broadcast", "matmul_transpose_a",
            "relu", "square")
HOT_SPECS = [s for s in OP_SPECS if s.name in HOT_ROWS]
OTHER_SPECS = [s for s in OP_SPECS if s.name not in HOT_ROWS]


def _tol(spec: OpSpec, xs: list) -> tuple:
    rtol, atol = _tolerance(tf.as_dtype(xs[0].dtype), spec)
    if spec.name.startswith(("reduce", "matmul")):
        # A different summation order: the error grows with the sum of |terms|.
        terms = sum(float(np.abs(x.astype(np.float64)).sum()) for x in xs
                    if x.dtype.kind == "f")
        atol = max(atol, 4 * rtol * terms / max(1, len(xs)))
    return rtol, atol


def _run_row(spec: OpSpec, data: st.DataObject) -> None:
    xs = draw_inputs(data, spec)
    kwargs = spec.kwargs or {}
    expected = spec.reference(*xs, **kwargs)
    fallbacks = tb.fallback_counts()
    with on_triton():
        got = spec.fn(*[tf.constant(x) for x in xs], **kwargs)
    outs = got if isinstance(got, (list, tuple)) else [got]
    assert all(o.device == GPU for o in outs), f"{spec.name}: result left the GPU"
    assert tb.fallback_counts() == fallbacks, f"{spec.name}: fell back to the host"
    assert_same(got, expected, _tol(spec, xs), spec.name)


@pytest.mark.parametrize("spec", HOT_SPECS, ids=lambda s: s.name)
@settings(max_examples=8)
@given(data=st.data())
def test_hot_ops_through_the_triton_backend_match_numpy(spec: OpSpec,
                                                        data: st.DataObject) -> None:
    _run_row(spec, data)


@pytest.mark.parametrize("spec", OTHER_SPECS, ids=lambda s: s.name)
@settings(max_examples=3)
@given(data=st.data())
def test_other_ops_through_torch_match_numpy(spec: OpSpec, data: st.DataObject) -> None:
    _run_row(spec, data)


@pytest.mark.parametrize("name", HOT_PATH)
def test_every_hot_primitive_launches_its_kernel(name: str) -> None:
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -3.0]], np.float32)
    calls = {
        "add": lambda a: a + a, "sub": lambda a: a - 1.0, "mul": lambda a: a * a,
        "div": lambda a: a / 2.0, "neg": lambda a: -a, "exp": tf.exp,
        "log": lambda a: tf.math.log(tf.abs(a)), "sqrt": lambda a: tf.sqrt(tf.abs(a)),
        "tanh": tf.tanh, "sigmoid": tf.sigmoid, "max": lambda a: tf.maximum(a, 0.0),
        "min": lambda a: tf.minimum(a, 0.0), "select": lambda a: tf.where(a > 0, a, 0.0),
        "reduce_sum": tf.reduce_sum, "reduce_max": tf.reduce_max, "softmax": tf.nn.softmax,
        "log_softmax": tf.nn.log_softmax, "matmul": lambda a: tf.matmul(a, a, transpose_b=True),
    }
    before = tb.kernel_counts().get(name, 0)
    with on_triton():
        calls[name](tf.constant(x))
    assert tb.kernel_counts().get(name, 0) > before


# ---------------------------------------------------------------------------------------
# Placement, copies, counting, strict mode
# ---------------------------------------------------------------------------------------
def test_placement_defaults_to_the_gpu_and_cpu_scope_overrides() -> None:
    with on_triton():
        assert tf.config.list_physical_devices("GPU")[0].device_type == "GPU"
        x = tf.constant([1.0, 2.0])
        with tf.device("/CPU:0"):
            y = tf.constant([1.0, 2.0])
            z = y * 2.0          # an op runs where its inputs are
        assert (x.device, y.device, z.device) == (GPU, CPU, CPU)
        assert isinstance(x.numpy(), np.ndarray) and x.numpy().tolist() == [1.0, 2.0]


def test_mixed_device_inputs_are_copied_to_the_gpu_and_counted() -> None:
    with on_triton():
        x = tf.constant([1.0, 2.0, 3.0])
        with tf.device("/CPU:0"):
            c = tf.constant([10.0, 20.0, 30.0])
        before = tb.copy_counts().get("add", 0)
        s = x + c
        assert s.device == GPU and s.numpy().tolist() == [11.0, 22.0, 33.0]
        assert tb.copy_counts().get("add", 0) == before + 1


def test_scalar_literals_cross_uncounted() -> None:
    # reduce_mean divides by a host count; tanh's gradient uses a host 1: literals.
    with on_triton():
        v = tf.Variable([0.5, -1.0])
        before = tb.copy_counts()
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.tanh(v))
        g = tape.gradient(loss, v)
        assert tb.copy_counts() == before
    np.testing.assert_allclose(g.numpy(), (1 - np.tanh([0.5, -1.0]) ** 2) / 2, rtol=1e-6)


def test_random_draws_on_the_host_are_counted_and_match_the_cpu_stream() -> None:
    tf.random.set_seed(3)
    on_cpu = tf.random.normal([4]).numpy()
    before = tb.fallback_counts().get("random_normal", 0)
    with on_triton():
        tf.random.set_seed(3)
        on_gpu = tf.random.normal([4])
    assert on_gpu.device == GPU
    np.testing.assert_array_equal(on_gpu.numpy(), on_cpu)
    assert tb.fallback_counts()["random_normal"] == before + 1


def test_strict_mode_refuses_host_fallbacks_and_copies() -> None:
    with on_triton():
        x = tf.constant([1.0, 2.0])
        with tf.device("/CPU:0"):
            c = tf.constant([1.0, 2.0])
        with tb.strict_device():
            assert (x * 2.0).numpy().tolist() == [2.0, 4.0]  # literals are fine
            with pytest.raises(tf.errors.InvalidArgumentError, match="strict device mode"):
                tf.random.uniform([2])
            with pytest.raises(tf.errors.InvalidArgumentError, match="copied to the GPU"):
                x + c


def test_errors_from_the_gpu_table_teach_like_the_numpy_ones() -> None:
    with on_triton():
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices = 5 is not in \[0, 3\)"):
            tf.gather(tf.constant([1, 2, 3]), [5])


def test_every_primitive_has_a_triton_implementation() -> None:
    from minitf.core.primitive import PRIMITIVES
    tb.register_impls()
    missing = [n for n, p in PRIMITIVES.items() if "numpy" in p.impls and "triton" not in p.impls]
    assert missing == []


def test_a_training_step_never_leaves_the_device() -> None:
    with on_triton():
        tf.random.set_seed(0)
        w = tf.Variable(tf.random.normal([20, 16], stddev=0.3))
        v = tf.Variable(tf.random.normal([16, 4], stddev=0.3))
        x = tf.random.normal([8, 20])
        labels = tf.one_hot(tf.constant(np.arange(8) % 4), 4)
        losses = []
        with tb.strict_device():   # any host fallback or copy would raise
            for _ in range(3):
                with tf.GradientTape() as tape:
                    logits = tf.matmul(tf.nn.relu(tf.matmul(x, w)), v)
                    loss = tf.reduce_mean(-tf.reduce_sum(labels * tf.nn.log_softmax(logits), -1))
                gw, gv = tape.gradient(loss, [w, v])
                w.assign_sub(0.5 * gw)
                v.assign_sub(0.5 * gv)
                losses.append(float(loss))
        assert w.device == GPU
    assert losses[-1] < losses[0]


def test_scans_sorts_and_shape_checks_run_on_the_device_as_on_the_host() -> None:
    x = np.array([[3.0, -1.0, 2.0], [0.5, 4.0, -2.0]], np.float32)
    ops = [lambda t: tf.math.cumsum(t, axis=1, exclusive=True, reverse=True),
           lambda t: tf.math.cumprod(t, axis=0),
           lambda t: tf.argsort(t, axis=1, direction="DESCENDING"),
           lambda t: tf.ensure_shape(t, [2, None])]
    expected = [op(tf.constant(x)).numpy() for op in ops]
    with on_triton():
        with tb.strict_device():  # each runs through the GPU table: no host fallback
            got = [op(tf.constant(x)).numpy() for op in ops]
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype
        np.testing.assert_allclose(g, e, rtol=1e-6)

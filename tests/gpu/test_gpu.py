"""Tests that need a real CUDA GPU (skipped cleanly without one).

They check what the interpreter cannot: kernels compiled for the GPU at sizes past one
block or tile, TF32, default placement on the GPU, and a training step that never leaves
the device (strict mode).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytestmark = [pytest.mark.gpu, pytest.mark.kernels,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")]


@pytest.fixture(scope="module")
def kernels():  # noqa: ANN201 - the backend module, whose kernels() loads kernel modules
    from minitf.backends import triton_backend
    if triton_backend._kernels_package().interpreting():
        pytest.skip("TRITON_INTERPRET=1 is set: the kernels would run in the interpreter")
    # tests/kernels' conftest unregisters the backend after collecting (so other test
    # files keep minitf's NumPy-only paths); register it again for these tests.
    triton_backend.activate()
    return triton_backend


def test_new_tensors_live_on_the_gpu_and_numpy_copies_back(kernels) -> None:  # noqa: ANN001
    import minitf as tf
    x = tf.constant([1.0, 2.0]) * 3.0
    assert x.device.endswith("GPU:0") and x._value.is_cuda
    assert x.numpy().tolist() == [3.0, 6.0]
    with tf.device("/CPU:0"):
        assert tf.constant([1.0]).device.endswith("CPU:0")


def test_kernels_match_torch_past_one_block(kernels) -> None:  # noqa: ANN001
    ew, red, sm, mm = (kernels.kernels(f) for f in ("elementwise", "reduction", "softmax",
                                                    "matmul"))
    g = torch.Generator(device="cuda").manual_seed(0)
    a = torch.randn(1 << 20 | 3, device="cuda", generator=g)
    b = torch.randn(1 << 20 | 3, device="cuda", generator=g)
    torch.testing.assert_close(ew.binary("add", a, b), a + b)
    torch.testing.assert_close(ew.unary("tanh", a), torch.tanh(a), rtol=2e-6, atol=2e-6)
    torch.testing.assert_close(red.reduce("sum", a), a.double().sum().float(), rtol=1e-5,
                               atol=1e-3)
    x = torch.randn(256, 16385, device="cuda", generator=g)  # the online kernel
    torch.testing.assert_close(sm.softmax(x), torch.softmax(x, -1))
    p = torch.randn(513, 1025, device="cuda", generator=g).bfloat16()
    q = torch.randn(1025, 257, device="cuda", generator=g).bfloat16()
    expected = (p.double() @ q.double())
    err = (mm.matmul(p, q).double() - expected).abs().max() / expected.abs().max()
    assert err < 2e-2


def test_tf32_is_close_and_ieee_is_exact(kernels) -> None:  # noqa: ANN001
    mm = kernels.kernels("matmul")
    a = torch.randn(512, 512, device="cuda")
    b = torch.randn(512, 512, device="cuda")
    exact = (a.double() @ b.double())
    scale = exact.abs().max()
    tf32 = (mm.matmul(a, b, allow_tf32=True).double() - exact).abs().max() / scale
    ieee = (mm.matmul(a, b, allow_tf32=False).double() - exact).abs().max() / scale
    assert ieee < 1e-5 and tf32 < 5e-3


def test_a_training_step_never_leaves_the_device(kernels) -> None:  # noqa: ANN001
    import minitf as tf
    w = tf.Variable(tf.random.normal([784, 256], stddev=0.05))
    v = tf.Variable(tf.random.normal([256, 10], stddev=0.05))
    x = tf.random.normal([64, 784])
    labels = tf.one_hot(tf.constant(np.arange(64) % 10), 10)
    losses = []
    with kernels.strict_device():
        for _ in range(3):
            with tf.GradientTape() as tape:
                logits = tf.matmul(tf.nn.relu(tf.matmul(x, w)), v)
                loss = tf.reduce_mean(-tf.reduce_sum(labels * tf.nn.log_softmax(logits), -1))
            gw, gv = tape.gradient(loss, [w, v])
            w.assign_sub(0.1 * gw)
            v.assign_sub(0.1 * gv)
            losses.append(float(loss))
    assert losses[-1] < losses[0]

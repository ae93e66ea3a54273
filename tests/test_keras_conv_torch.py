"""The GPU backend's torch implementations of the conv/pool primitives, checked on CPU
torch tensors against the NumPy reference implementations (no GPU needed)."""

from __future__ import annotations

import numpy as np
import pytest

from minitf.ops.conv import conv2d_backprop_filter_p, conv2d_backprop_input_p, conv2d_p, \
    same_pads
from minitf.ops.pooling import avg_pool2d_grad_p, avg_pool2d_p, max_pool2d_grad_grad_p, \
    max_pool2d_grad_p, max_pool2d_p

pytestmark = pytest.mark.keras
torch = pytest.importorskip("torch")

GEOMETRIES = [  # (H, W, kernel, strides, padding, dilations)
    (5, 6, (3, 3), (1, 1), "SAME", (1, 1)), (7, 5, (3, 2), (2, 2), "SAME", (1, 1)),
    (7, 7, (3, 3), (2, 1), "VALID", (1, 1)), (8, 8, (3, 3), (1, 1), "SAME", (2, 2)),
    (6, 6, (2, 2), (2, 2), "VALID", (1, 1))]


def _pads(h, w, k, s, padding, d=(1, 1)):
    return same_pads((h, w), k, s, d) if padding == "SAME" else ((0, 0), (0, 0))


def _both(prim, *arrays, **params):
    """The primitive's NumPy result and its torch result (as NumPy)."""
    want = prim.impls["numpy"](*arrays, **params)
    got = prim.impls["triton"](*[torch.from_numpy(a) for a in arrays], **params)
    return want, got.numpy()


@pytest.mark.parametrize("h,w,k,s,padding,d", GEOMETRIES)
def test_conv_primitives_match_numpy(h, w, k, s, padding, d):
    rng = np.random.default_rng(h * w)
    x = rng.standard_normal((2, h, w, 3))
    f = rng.standard_normal(k + (3, 4))
    geometry = dict(strides=s, pads=_pads(h, w, k, s, padding, d), dilations=d)
    want, got = _both(conv2d_p, x, f, **geometry)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
    g = rng.standard_normal(want.shape)
    want, got = _both(conv2d_backprop_input_p, g, f, input_hw=(h, w), **geometry)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
    want, got = _both(conv2d_backprop_filter_p, x, g, filter_hw=k, **geometry)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("h,w,k,s,padding,d", [g for g in GEOMETRIES if g[5] == (1, 1)])
def test_pool_primitives_match_numpy(h, w, k, s, padding, d):
    # Distinct values: the max-pool gradient has no ties to break differently.
    x = np.random.default_rng(0).permutation(2 * h * w * 3).reshape(2, h, w, 3) / 7.0
    params = dict(ksize=k, strides=s, pads=_pads(h, w, k, s, padding))
    for prim in (max_pool2d_p, avg_pool2d_p):
        want, got = _both(prim, x, **params)
        np.testing.assert_allclose(got, want, rtol=1e-12)
    g = np.random.default_rng(1).standard_normal(want.shape)
    want, got = _both(max_pool2d_grad_p, x, g, **params)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    want, got = _both(max_pool2d_grad_grad_p, x, x, **params)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    want, got = _both(avg_pool2d_grad_p, g, input_hw=(h, w), **params)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_integer_max_pool_on_torch():
    x = np.arange(16, dtype=np.int32).reshape(1, 4, 4, 1)
    want, got = _both(max_pool2d_p, x, ksize=(2, 2), strides=(2, 2), pads=((0, 0), (0, 0)))
    np.testing.assert_array_equal(got, want)
    assert got.dtype == np.int32

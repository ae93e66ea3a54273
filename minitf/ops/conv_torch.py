"""The convolution and pooling primitives on the GPU backend (torch tensors).

The GPU backend keeps buffers as torch tensors; these implementations let ``Conv2D`` and
the pools run there with cuDNN instead of copying to the host. torch works in NCHW with
OIHW filters, so each function permutes in and out of minitf's NHWC/HWIO layout, and the
explicit ``pads`` (possibly asymmetric, as TF's "SAME" can be) are applied with
``F.pad`` first. Imported lazily (``import minitf`` never imports torch); the NumPy
implementations in :mod:`minitf.ops.conv` and :mod:`minitf.ops.pooling` are the reference
these are tested against.

Example:
    >>> import numpy as np, torch
    >>> from minitf.ops import conv_torch
    >>> x = torch.ones(1, 3, 3, 1)
    >>> conv_torch.conv2d(x, torch.ones(2, 2, 1, 1), strides=(1, 1), pads=((0, 0), (0, 0)),
    ...                   dilations=(1, 1))[0, :, :, 0]
    tensor([[4., 4.],
            [4., 4.]])
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

__all__ = ["conv2d", "conv2d_backprop_input", "conv2d_backprop_filter", "max_pool2d",
           "max_pool2d_grad", "max_pool2d_grad_grad", "avg_pool2d", "avg_pool2d_grad"]


def _nchw(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 3, 1, 2)


def _nhwc(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 2, 3, 1).contiguous()


def _pad(x: torch.Tensor, pads: Any, value: float = 0.0) -> torch.Tensor:
    (pt, pb), (pl, pr) = pads
    if pt == pb == pl == pr == 0:
        return x
    return F.pad(x, (pl, pr, pt, pb), value=value)  # NCHW: last dim first


def _padded_size(x: torch.Tensor, input_hw: Any, pads: Any) -> tuple:
    (pt, pb), (pl, pr) = pads
    return (x.shape[0], x.shape[1], input_hw[0] + pt + pb, input_hw[1] + pl + pr)


def _crop(x: torch.Tensor, input_hw: Any, pads: Any) -> torch.Tensor:
    (pt, _), (pl, _) = pads
    return x[:, :, pt:pt + input_hw[0], pl:pl + input_hw[1]]


def conv2d(x: torch.Tensor, w: torch.Tensor, *, strides: Any, pads: Any,
           dilations: Any) -> torch.Tensor:
    """NHWC ``x`` with HWIO ``w`` (cross-correlation, as TF)."""
    out = F.conv2d(_pad(_nchw(x), pads), w.permute(3, 2, 0, 1), stride=tuple(strides),
                   dilation=tuple(dilations))
    return _nhwc(out)


def conv2d_backprop_input(g: torch.Tensor, w: torch.Tensor, *, input_hw: Any, strides: Any,
                          pads: Any, dilations: Any) -> torch.Tensor:
    """The gradient of :func:`conv2d` with respect to its input."""
    gn = _nchw(g)
    size = (gn.shape[0], w.shape[2]) + _padded_size(gn, input_hw, pads)[2:]
    dx = torch.nn.grad.conv2d_input(size, w.permute(3, 2, 0, 1), gn, stride=tuple(strides),
                                    dilation=tuple(dilations))
    return _nhwc(_crop(dx, input_hw, pads))


def conv2d_backprop_filter(x: torch.Tensor, g: torch.Tensor, *, filter_hw: Any, strides: Any,
                           pads: Any, dilations: Any) -> torch.Tensor:
    """The gradient of :func:`conv2d` with respect to its filter (HWIO)."""
    xn = _pad(_nchw(x), pads)
    size = (g.shape[3], x.shape[3]) + tuple(filter_hw)
    dw = torch.nn.grad.conv2d_weight(xn, size, _nchw(g), stride=tuple(strides),
                                     dilation=tuple(dilations))
    return dw.permute(2, 3, 1, 0).contiguous()


def _lowest(x: torch.Tensor) -> float:
    return float("-inf") if x.is_floating_point() else float(torch.iinfo(x.dtype).min)


def _max_with_indices(x: torch.Tensor, ksize: Any, strides: Any, pads: Any) -> tuple:
    xp = _pad(_nchw(x), pads, _lowest(x))
    out, idx = F.max_pool2d(xp, tuple(ksize), tuple(strides), return_indices=True)
    return xp, out, idx


def max_pool2d(x: torch.Tensor, *, ksize: Any, strides: Any, pads: Any) -> torch.Tensor:
    """The maximum of each window (padding never wins)."""
    if not x.is_floating_point():  # torch pools floats only
        return max_pool2d(x.double(), ksize=ksize, strides=strides, pads=pads).to(x.dtype)
    return _nhwc(_max_with_indices(x, ksize, strides, pads)[1])


def max_pool2d_grad(x: torch.Tensor, g: torch.Tensor, *, ksize: Any, strides: Any,
                    pads: Any) -> torch.Tensor:
    """``g`` routed to each window's maximum (scatter-add through the pool's indices)."""
    xp, _, idx = _max_with_indices(x, ksize, strides, pads)
    flat = torch.zeros(xp.shape[0], xp.shape[1], xp.shape[2] * xp.shape[3], dtype=g.dtype,
                       device=g.device)
    flat.scatter_add_(2, idx.flatten(2), _nchw(g).flatten(2))
    return _nhwc(_crop(flat.view(xp.shape), x.shape[1:3], pads))


def max_pool2d_grad_grad(x: torch.Tensor, d: torch.Tensor, *, ksize: Any, strides: Any,
                         pads: Any) -> torch.Tensor:
    """``d`` read back from each window's maximum (a gather through the same indices)."""
    _, out, idx = _max_with_indices(x, ksize, strides, pads)
    dp = _pad(_nchw(d), pads).flatten(2)
    return _nhwc(dp.gather(2, idx.flatten(2)).view(out.shape))


def _window_sums(x: torch.Tensor, ksize: Any, strides: Any) -> torch.Tensor:
    return F.avg_pool2d(x, tuple(ksize), tuple(strides), divisor_override=1)


def _counts(like: torch.Tensor, input_hw: Any, ksize: Any, strides: Any,
            pads: Any) -> torch.Tensor:
    ones = torch.ones((1, 1) + tuple(input_hw), dtype=like.dtype, device=like.device)
    return _window_sums(_pad(ones, pads), ksize, strides)


def avg_pool2d(x: torch.Tensor, *, ksize: Any, strides: Any, pads: Any) -> torch.Tensor:
    """The mean of each window over its real (unpadded) pixels, as TF's "SAME"."""
    xn = _nchw(x)
    sums = _window_sums(_pad(xn, pads), ksize, strides)
    return _nhwc(sums / _counts(xn, x.shape[1:3], ksize, strides, pads))


def avg_pool2d_grad(g: torch.Tensor, *, input_hw: Any, ksize: Any, strides: Any,
                    pads: Any) -> torch.Tensor:
    """The adjoint of :func:`avg_pool2d`: each window's share spread over its pixels."""
    gn = _nchw(g)
    share = gn / _counts(gn, input_hw, ksize, strides, pads)
    size = _padded_size(gn, input_hw, pads)
    with torch.enable_grad():
        probe = torch.zeros(size, dtype=g.dtype, device=g.device, requires_grad=True)
        (dx,) = torch.autograd.grad(_window_sums(probe, ksize, strides), probe, share)
    return _nhwc(_crop(dx, input_hw, pads))

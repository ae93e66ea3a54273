"""torch versions of the primitives that are not worth a kernel (shapes, indexing, the
rarer reductions), for the Triton backend's table.

Each function takes and returns torch tensors and has exactly the semantics of the
primitive's NumPy implementation (TensorFlow's), including where torch differs from
NumPy: torch has no negative slice steps, reduces one dim at a time in ``prod``/``any``/
``all``, and raises on reductions of nothing.

Example:
    >>> import torch
    >>> from minitf.backends.torch_ops import slice_
    >>> slice_(torch.arange(5), spec=(("slice", None, None, -2),)).tolist()
    [4, 2, 0]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from minitf import errors

__all__ = ["TORCH_DTYPE", "broadcast_to", "gather", "like", "pad", "per_axis", "reduce_min",
           "scatter_add", "slice_", "slice_grad", "slice_plan"]

# dtypes that live on the device. Strings, and uint16/32/64 (few torch ops support them),
# stay in host memory, as TensorFlow keeps strings on the host.
TORCH_DTYPE = {"float16": torch.float16, "float32": torch.float32, "float64": torch.float64,
               "int8": torch.int8, "int16": torch.int16, "int32": torch.int32,
               "int64": torch.int64, "uint8": torch.uint8, "bool": torch.bool}


def slice_plan(spec: tuple, shape: tuple) -> tuple:
    """``(dims to flip, torch index)`` for a minitf slice spec on a tensor of ``shape``.

    torch has no negative steps, so a slice with step < 0 becomes a positive-step slice
    of the flipped dim: index ``i`` of a dim of size ``n`` is index ``n-1-i`` of its flip.

    Example:
        >>> from minitf.backends.torch_ops import slice_plan
        >>> slice_plan((("int", 0), ("slice", None, None, -1)), (2, 3))
        ([1], (0, slice(0, 3, 1)))
    """
    consuming = sum(1 for e in spec if e[0] in ("int", "slice"))
    index, flips, dim = [], [], 0
    for entry in spec:
        kind = entry[0]
        if kind == "int":
            index.append(entry[1])
            dim += 1
        elif kind == "slice":
            start, stop, step = entry[1:]
            if step is not None and step < 0:
                n = shape[dim]
                s, t, st = slice(start, stop, step).indices(n)
                flips.append(dim)
                index.append(slice(n - 1 - s, n - 1 - t, -st))
            else:
                index.append(slice(start, stop, step))
            dim += 1
        elif kind == "newaxis":
            index.append(None)
        else:
            index.append(Ellipsis)
            dim += len(shape) - consuming
    return flips, tuple(index)


def slice_(x: torch.Tensor, *, spec: tuple) -> torch.Tensor:
    """``x[spec]`` (a view unless a step is negative).

    Example:
        >>> import torch
        >>> from minitf.backends.torch_ops import slice_
        >>> spec = (("int", -1), ("slice", 1, None, None))
        >>> slice_(torch.arange(6).reshape(2, 3), spec=spec).tolist()
        [4, 5]
    """
    flips, index = slice_plan(spec, tuple(x.shape))
    return (x.flip(flips) if flips else x)[index]


def slice_grad(g: torch.Tensor, ref: torch.Tensor, *, spec: tuple) -> torch.Tensor:
    """Zeros shaped like ``ref`` with ``g`` written where ``ref[spec]`` read from.

    Example:
        >>> import torch
        >>> from minitf.backends.torch_ops import slice_grad
        >>> slice_grad(torch.ones(2), torch.zeros(4), spec=(("slice", None, None, -2),)).tolist()
        [0.0, 1.0, 0.0, 1.0]
    """
    flips, index = slice_plan(spec, tuple(ref.shape))
    out = torch.zeros(ref.shape, dtype=g.dtype, device=g.device)  # zeros: flipped = same
    out[index] = g
    return out.flip(flips) if flips else out


def gather(params: torch.Tensor, indices: torch.Tensor, *, axis: int) -> torch.Tensor:
    """``np.take(params, indices, axis)``; out-of-range indices raise as in TensorFlow.

    Example:
        >>> import torch
        >>> from minitf.backends.torch_ops import gather
        >>> gather(torch.tensor([10, 20, 30]), torch.tensor([2, 0]), axis=0).tolist()
        [30, 10]
    """
    n = params.shape[axis]
    if indices.numel() and (bool(indices.min() < 0) or bool(indices.max() >= n)):
        bad = indices[(indices < 0) | (indices >= n)].reshape(-1)[0].item()
        raise errors.InvalidArgumentError(
            None, None, f"indices = {bad} is not in [0, {n}) [Op:GatherV2]: gather reads "
            f"along axis {axis} of a tensor with {n} entries there.")
    flat = torch.index_select(params, axis, indices.reshape(-1).long())
    return flat.reshape(params.shape[:axis] + indices.shape + params.shape[axis + 1:])


def scatter_add(g: torch.Tensor, indices: torch.Tensor, ref: torch.Tensor, *,
                axis: int) -> torch.Tensor:
    """Zeros shaped like ``ref`` plus ``g`` added at ``indices`` along ``axis``.

    Example:
        >>> import torch
        >>> from minitf.backends.torch_ops import scatter_add
        >>> scatter_add(torch.ones(3), torch.tensor([0, 0, 2]), torch.zeros(3), axis=0).tolist()
        [2.0, 0.0, 1.0]
    """
    out = torch.zeros(ref.shape, dtype=g.dtype, device=g.device)
    g = g.reshape(ref.shape[:axis] + (-1,) + ref.shape[axis + 1:])
    return out.index_add_(axis, indices.reshape(-1).long(), g)


def per_axis(fn: Callable) -> Callable:
    """A reduction over a tuple of axes from a torch one that takes one dim at a time.

    Example:
        >>> import torch
        >>> from minitf.backends.torch_ops import per_axis
        >>> per_axis(torch.prod)(torch.tensor([[1, 2], [3, 4]]), axis=(0, 1), keepdims=False).item()
        24
    """
    def run(x: torch.Tensor, *, axis: tuple, keepdims: bool) -> torch.Tensor:
        out = x
        for a in sorted(axis, reverse=True):  # the last axis first: the others keep place
            out = fn(out, dim=a, keepdim=keepdims)
        return out.to(x.dtype)  # torch.prod widens int32 to int64; TF keeps the dtype
    return run


def reduce_min(x: torch.Tensor, *, axis: tuple, keepdims: bool) -> torch.Tensor:
    """Minimum over ``axis``; over no elements, the dtype's highest value (TF's identity).

    Example:
        >>> import torch
        >>> from minitf.backends.torch_ops import reduce_min
        >>> reduce_min(torch.zeros((2, 0)), axis=(1,), keepdims=False).tolist()
        [inf, inf]
    """
    if not axis:
        return x
    if any(x.shape[a] == 0 for a in axis):
        highest = torch.inf if x.is_floating_point() else torch.iinfo(x.dtype).max
        shape = [1 if i in axis else d for i, d in enumerate(x.shape)]
        out = torch.full(shape, highest, dtype=x.dtype, device=x.device)
        return out if keepdims else out.squeeze(tuple(axis))
    return torch.amin(x, dim=tuple(axis), keepdim=keepdims)


def pad(x: torch.Tensor, *, paddings: tuple, constant_values: Any) -> torch.Tensor:
    """``np.pad`` with a constant.

    Example:
        >>> import torch
        >>> from minitf.backends.torch_ops import pad
        >>> pad(torch.tensor([1, 2]), paddings=((1, 0),), constant_values=9).tolist()
        [9, 1, 2]
    """
    flat = [int(p) for lo_hi in reversed(paddings) for p in lo_hi]  # F.pad: last dim first
    return F.pad(x, flat, value=np.asarray(constant_values).item()) if flat else x


def broadcast_to(x: torch.Tensor, *refs: torch.Tensor, shape: tuple) -> torch.Tensor:
    """A stride-0 view of ``x`` with ``shape`` (sizes from ``refs`` when given).

    Example:
        >>> import torch
        >>> from minitf.backends.torch_ops import broadcast_to
        >>> broadcast_to(torch.tensor([1, 2]), shape=(2, 2)).stride()
        (0, 1)
    """
    if refs:  # unknown sizes in a traced graph: taken from the reference operands
        shape = torch.broadcast_shapes(x.shape, *(r.shape for r in refs))
    return x.expand(tuple(shape))


def like(fill: int) -> Callable:
    """``zeros_like``/``ones_like``: ``fill`` with the shape of ``x`` and a given dtype.

    Example:
        >>> import torch
        >>> from minitf.backends.torch_ops import like
        >>> like(1)(torch.zeros(2), dtype="int32").tolist()
        [1, 1]
    """
    return lambda x, *, dtype: torch.full(tuple(x.shape), fill, dtype=TORCH_DTYPE[dtype],
                                          device=x.device)


def softplus(x: torch.Tensor) -> torch.Tensor:
    """``log1p(exp(x))``, or ``x`` above the dtype's threshold (as the NumPy impl does).

    Example:
        >>> import torch
        >>> from minitf.backends.torch_ops import softplus
        >>> [round(v, 4) for v in softplus(torch.tensor([0.0, 30.0])).tolist()]
        [0.6931, 30.0]
    """
    threshold = {torch.float16: 10.0, torch.float64: 40.0}.get(x.dtype, 20.0)
    return torch.where(x > threshold, x, torch.log1p(torch.exp(torch.clamp(x, max=threshold))))


def scan(fn: Callable, identity: int) -> Callable:
    """``cumsum``/``cumprod`` with TF's ``exclusive`` and ``reverse`` (``fn``: the torch scan).

    ``exclusive`` shifts the scan by one (the first output is ``identity``); ``reverse``
    scans from the end (a flip before and after).

    Example:
        >>> import torch
        >>> from minitf.backends.torch_ops import scan
        >>> cumsum = scan(torch.cumsum, 0)
        >>> cumsum(torch.tensor([1, 2, 3]), axis=0, exclusive=True, reverse=False).tolist()
        [0, 1, 3]
    """
    def run(x: torch.Tensor, *, axis: int, exclusive: bool, reverse: bool) -> torch.Tensor:
        x = x.flip(axis) if reverse else x
        if exclusive and x.shape[axis]:
            first = torch.full_like(x.narrow(axis, 0, 1), identity)
            x = torch.cat([first, x.narrow(axis, 0, x.shape[axis] - 1)], axis)
        out = fn(x, dim=axis, dtype=x.dtype)
        return out.flip(axis) if reverse else out
    return run


def argsort(x: torch.Tensor, *, axis: int, descending: bool) -> torch.Tensor:
    """Stable ``argsort`` as int32 (TF's index dtype for ``tf.argsort``).

    Example:
        >>> import torch
        >>> from minitf.backends.torch_ops import argsort
        >>> argsort(torch.tensor([3.0, 1.0, 2.0]), axis=0, descending=False).tolist()
        [1, 2, 0]
    """
    return torch.argsort(x, dim=axis, descending=descending, stable=True).to(torch.int32)

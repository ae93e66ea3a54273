"""Reductions: sum, mean and max along axes (or all axes).

Any reduction over one run of adjacent axes is a reduction of the middle axis of a 3-D
view ``(outer, R, inner)`` of a contiguous tensor (several runs are reduced one after
another). Two kernels cover the two memory layouts:

* :func:`row_reduce_kernel` — ``inner == 1``: each row of ``R`` contiguous elements is
  reduced; the loads run along the row (coalesced).
* :func:`col_reduce_kernel` — ``inner > 1``: the reduced axis is strided; each program
  owns a block of ``inner`` columns and walks down ``R``, so loads still run along
  contiguous memory (the columns), never across the stride.

When there are too few rows (or columns) to fill the GPU — a full reduction has one —
the reduced axis is split into ``parts`` chunks, each program writes one partial result,
and a second pass reduces the partials (no atomics: the result is deterministic).

Cost model, input of n elements of b bytes, output of m elements:
read n·b, write m·b (plus parts·m partials written and read again when split: a few KB).
Each program accumulates a whole vector of partial sums in registers and reduces it to
one value only at the end, so the loop body is a load and an add, and sums of fp16/bf16
are accumulated in fp32.

Example:
    >>> import torch
    >>> from minitf.kernels.reduction import reduce
    >>> reduce("sum", torch.arange(6.0).reshape(2, 3), axes=(1,)).tolist()
    [3.0, 12.0]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import triton
import triton.language as tl
from minitf.kernels import interpreting

__all__ = ["col_reduce_kernel", "reduce", "row_reduce_kernel"]

SUM, MAX = tl.constexpr(0), tl.constexpr(1)
_OPS = {"sum": 0, "mean": 0, "max": 1}
# Program instances worth having before splitting the reduced axis (H100: 132 SMs, a few
# programs each). Under the interpreter programs run one by one, so few is better, but
# some splitting still happens so the tests exercise the two-pass path.
_TARGET_PROGRAMS = 8 if interpreting() else 1024
# The longest block a row program loads at once (4096 fp32 = 16 KB in flight per program).
_MAX_BLOCK = 256 if interpreting() else 4096


@triton.jit
def _max_keep_nan(a, b):
    # max that returns NaN when either side is NaN (NumPy's np.max does; fmax would not).
    return tl.maximum(a, b, propagate_nan=tl.PropagateNan.ALL)


@triton.jit
def _combine(acc, x, OP: tl.constexpr):
    if OP == SUM:
        acc = acc + x
    else:
        acc = _max_keep_nan(acc, x)
    return acc


@triton.jit
def _finish(acc, axis: tl.constexpr, OP: tl.constexpr):
    if OP == SUM:
        r = tl.sum(acc, axis)
    else:
        r = tl.reduce(acc, axis, _max_keep_nan)
    return r


@triton.jit
def row_reduce_kernel(x_ptr, out_ptr, R, stride_row, chunk, scale,
                      OP: tl.constexpr, ACC: tl.constexpr, NEUTRAL: tl.constexpr,
                      SCALE: tl.constexpr, BLOCK: tl.constexpr):
    # Program (row, part) reduces x[row, part·chunk : (part+1)·chunk] into
    # out[row, part]. read chunk elements, write 1.
    row = tl.program_id(0)
    part = tl.program_id(1)
    start = part * chunk
    stop = tl.minimum(start + chunk, R)
    base = x_ptr + row.to(tl.int64) * stride_row
    acc = tl.full([BLOCK], NEUTRAL, ACC)
    for k in range(start, stop, BLOCK):
        offs = k + tl.arange(0, BLOCK)
        mask = offs < stop
        x = tl.load(base + offs, mask=mask)
        acc = _combine(acc, tl.where(mask, x.to(ACC), NEUTRAL), OP)
    r = _finish(acc, 0, OP)
    if SCALE:
        r = r * scale  # mean = sum · (1/R), applied once on the final pass
    tl.store(out_ptr + row.to(tl.int64) * tl.num_programs(1) + part,
             r.to(out_ptr.dtype.element_ty))


@triton.jit
def col_reduce_kernel(x_ptr, out_ptr, R, K, chunk, scale,
                      OP: tl.constexpr, ACC: tl.constexpr, NEUTRAL: tl.constexpr,
                      SCALE: tl.constexpr, BLOCK_R: tl.constexpr, BLOCK_K: tl.constexpr):
    # x is (outer, R, K) contiguous. Program (o, column block, part) reduces rows
    # [part·chunk, (part+1)·chunk) of BLOCK_K columns into out[o, part, cols].
    o = tl.program_id(0)
    cols = tl.program_id(1) * BLOCK_K + tl.arange(0, BLOCK_K)
    part = tl.program_id(2)
    start = part * chunk
    stop = tl.minimum(start + chunk, R)
    base = x_ptr + o.to(tl.int64) * R * K
    acc = tl.full([BLOCK_R, BLOCK_K], NEUTRAL, ACC)
    for r0 in range(start, stop, BLOCK_R):
        rows = r0 + tl.arange(0, BLOCK_R)
        mask = (rows[:, None] < stop) & (cols[None, :] < K)
        x = tl.load(base + rows[:, None] * K + cols[None, :], mask=mask)
        acc = _combine(acc, tl.where(mask, x.to(ACC), NEUTRAL), OP)
    r = _finish(acc, 0, OP)
    if SCALE:
        r = r * scale
    out = out_ptr + (o.to(tl.int64) * tl.num_programs(2) + part) * K + cols
    tl.store(out, r.to(out_ptr.dtype.element_ty), mask=cols < K)


# ---------------------------------------------------------------------------------------
# Launcher
# ---------------------------------------------------------------------------------------
def _acc_dtype(dtype: torch.dtype) -> tuple:
    """(torch accumulator dtype, Triton accumulator dtype) for inputs of ``dtype``."""
    if dtype == torch.float64:
        return torch.float64, tl.float64
    if dtype.is_floating_point:
        return torch.float32, tl.float32
    # Integer sums wrap exactly as the input dtype does once cast back (mod 2^bits).
    return torch.int64, tl.int64


def _neutral(op: str, dtype: torch.dtype) -> float:
    if op != "max":
        return 0
    return float("-inf") if dtype.is_floating_point else torch.iinfo(torch.int64).min


def _parts(programs: int, length: int, block: int) -> tuple:
    """How many chunks to split a reduced axis of ``length`` into, and the chunk size."""
    want = max(1, min(triton.cdiv(_TARGET_PROGRAMS, max(programs, 1)),
                      triton.cdiv(length, 4 * block)))
    chunk = triton.cdiv(triton.cdiv(length, want), block) * block
    return triton.cdiv(length, chunk), chunk


def _reduce_middle(op: str, x: torch.Tensor, outer: int, R: int, inner: int,
                   scale: float, out_dtype: torch.dtype) -> torch.Tensor:
    """Reduces the middle axis of contiguous ``x`` viewed as (outer, R, inner)."""
    acc_torch, acc_tl = _acc_dtype(x.dtype)
    neutral = _neutral(op, x.dtype)
    if inner == 1:
        block = min(_MAX_BLOCK, triton.next_power_of_2(R))
        warps = 8 if block >= 2048 else 4
        parts, chunk = _parts(outer, R, block)
        # One pass when not split; else partials (outer, parts) then one more row pass.
        out = torch.empty((outer, parts), dtype=out_dtype if parts == 1 else acc_torch,
                          device=x.device)
        row_reduce_kernel[(outer, parts)](
            x, out, R, R, chunk, scale, OP=_OPS[op], ACC=acc_tl, NEUTRAL=neutral,
            SCALE=parts == 1 and op == "mean", BLOCK=block, num_warps=warps)
        if parts == 1:
            return out.reshape(outer)
        return _reduce_middle(op, out, outer, parts, 1, scale, out_dtype)
    block_k = min(128, triton.next_power_of_2(inner))
    block_r = max(1, min(triton.next_power_of_2(R), 4096 // block_k))
    col_blocks = triton.cdiv(inner, block_k)
    parts, chunk = _parts(outer * col_blocks, R, block_r)
    out = torch.empty((outer, parts, inner), dtype=out_dtype if parts == 1 else acc_torch,
                      device=x.device)
    col_reduce_kernel[(outer, col_blocks, parts)](
        x, out, R, inner, chunk, scale, OP=_OPS[op], ACC=acc_tl, NEUTRAL=neutral,
        SCALE=parts == 1 and op == "mean", BLOCK_R=block_r, BLOCK_K=block_k,
        num_warps=8 if block_r * block_k >= 4096 else 4)
    if parts == 1:
        return out.reshape(outer, inner)
    return _reduce_middle(op, out, outer, parts, inner, scale, out_dtype)


def _runs(axes: Sequence[int]) -> list:
    """Sorted axes as runs of adjacent axes: (0, 1, 3) -> [(0, 2), (3, 4)]."""
    runs: list = []
    for a in sorted(axes):
        if runs and runs[-1][1] == a:
            runs[-1][1] = a + 1
        else:
            runs.append([a, a + 1])
    return [tuple(r) for r in runs]


def reduce(op: str, x: torch.Tensor, axes: Sequence[int] | None = None,
           keepdims: bool = False) -> torch.Tensor:
    """``sum``, ``mean`` or ``max`` of ``x`` over ``axes`` (all axes when None).

    Args:
        op: ``"sum"``, ``"mean"`` or ``"max"``.
        x: the input (any layout; a non-contiguous input is copied once).
        axes: the axes to reduce.
        keepdims: keep reduced axes as size 1.

    Returns:
        A tensor of ``x``'s dtype (integer sums wrap around as the dtype does).

    A reduction over no elements gives the identity, as in TensorFlow: 0 for sum, the
    dtype's lowest value (``-inf`` for floats) for max, NaN for mean.

    Example:
        >>> import torch
        >>> from minitf.kernels.reduction import reduce
        >>> reduce("max", torch.tensor([[1, 5], [7, 2]]), axes=(0,)).tolist()
        [7, 5]
    """
    if op == "mean" and not x.dtype.is_floating_point:
        raise TypeError(f"reduce('mean') needs a floating tensor, got {x.dtype}.")
    shape = tuple(x.shape)
    axes = tuple(range(len(shape))) if axes is None else tuple(sorted(set(axes)))
    kept = tuple(1 if i in axes else d for i, d in enumerate(shape))
    x = x.contiguous()
    count = math.prod(shape[a] for a in axes)
    if x.numel() == 0 or not axes:
        if count == 0:   # no elements: the identity (sum 0, max the lowest value), mean 0/0
            lowest = -math.inf if x.dtype.is_floating_point else torch.iinfo(x.dtype).min
            fill = {"sum": 0, "mean": math.nan, "max": lowest}[op]
            x = torch.full(kept, fill, dtype=x.dtype, device=x.device)
        out = x.reshape(kept)
    else:
        out = x
        # Innermost run first: what is left stays contiguous for the next run.
        for start, stop in reversed(_runs(axes)):
            cur = tuple(out.shape)
            outer, R = math.prod(cur[:start]), math.prod(cur[start:stop])
            inner = math.prod(cur[stop:])
            scale = 1.0 / R if op == "mean" else 1.0
            red = _reduce_middle(op, out, outer, R, inner, scale, x.dtype)
            out = red.reshape(cur[:start] + (1,) * (stop - start) + cur[stop:])
    if keepdims:
        return out.reshape(kept)
    return out.reshape(tuple(d for i, d in enumerate(shape) if i not in axes))

"""Row softmax and log-softmax, fused: one read and one write per row.

``softmax(x)_i = exp(x_i - m) / Σ_j exp(x_j - m)`` with ``m = max_j x_j`` (subtracting
the max keeps ``exp`` from overflowing and cancels in the ratio);
``log_softmax(x)_i = (x_i - m) - log Σ_j exp(x_j - m)``.

Composed from primitives this is five passes over memory (max, subtract, exp, sum,
divide): read 5·MN, write 3·MN. Fused, a program loads whole rows into registers, does
all of it there and writes once:

* :func:`softmax_kernel` — rows up to ``MAX_BLOCK`` long. read MN, write MN. Short rows
  are packed ``ROWS`` to a program so each program still moves a useful amount of data.
* :func:`softmax_online_kernel` — longer rows, in ``BLOCK``-sized pieces. The first loop
  keeps a running max ``m`` and a running sum ``s`` per lane; when the max grows from
  ``m`` to ``m'`` the old sum is rescaled: ``s ← s·e^{m-m'} + e^{x-m'}`` (the "online
  softmax" recurrence). The second loop writes the outputs. read 2·MN (the second read
  mostly from L2), write MN.

fp16/bf16 inputs are computed in fp32 and rounded once on the way out; fp64 in fp64.

Example:
    >>> import torch
    >>> from minitf.kernels.softmax import softmax
    >>> softmax(torch.tensor([[0.0, 0.0]])).tolist()
    [[0.5, 0.5]]
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl
from minitf.kernels import interpreting

__all__ = ["MAX_BLOCK", "softmax", "softmax_kernel", "softmax_online_kernel"]

# Longest row held in registers at once: 16384 fp32 over 16 warps is 32 values a thread.
MAX_BLOCK = 16384
# Piece size of the online kernel.
ONLINE_BLOCK = 4096


@triton.jit
def softmax_kernel(x_ptr, out_ptr, M, N, stride_x, stride_out,
                   LOG: tl.constexpr, COMPUTE: tl.constexpr, ROWS: tl.constexpr,
                   BLOCK: tl.constexpr):
    # read ROWS·N, write ROWS·N.
    # BEGIN SOLUTION kernels: the fused row softmax; spec: tests/kernels/test_kernels.py
    rows = tl.program_id(0) * ROWS + tl.arange(0, ROWS)
    cols = tl.arange(0, BLOCK)
    mask = (rows[:, None] < M) & (cols[None, :] < N)
    rows = rows.to(tl.int64)
    # -inf in the padding: it never wins the max and contributes e^{-inf} = 0 to the sum.
    x = tl.load(x_ptr + rows[:, None] * stride_x + cols[None, :], mask=mask,
                other=float("-inf")).to(COMPUTE)
    z = x - tl.max(x, 1)[:, None]
    e = tl.exp(z)
    s = tl.sum(e, 1)[:, None]
    if LOG:
        y = z - tl.log(s)
    else:
        y = e / s
    tl.store(out_ptr + rows[:, None] * stride_out + cols[None, :],
             y.to(out_ptr.dtype.element_ty), mask=mask)
    # END SOLUTION


@triton.jit
def softmax_online_kernel(x_ptr, out_ptr, N, stride_x, stride_out,
                          LOG: tl.constexpr, COMPUTE: tl.constexpr, BLOCK: tl.constexpr):
    # One row per program. read 2N, write N.
    row = tl.program_id(0).to(tl.int64)
    x_row = x_ptr + row * stride_x
    m = tl.full([BLOCK], float("-inf"), COMPUTE)   # running max, per lane
    s = tl.zeros([BLOCK], COMPUTE)                 # running Σ e^{x - m}, per lane
    for k in range(0, N, BLOCK):
        cols = k + tl.arange(0, BLOCK)
        x = tl.load(x_row + cols, mask=cols < N, other=float("-inf")).to(COMPUTE)
        m_new = tl.maximum(m, x)
        # A lane that has seen only padding keeps m = -inf; shift by 0 there so that
        # e^{-inf - (-inf)} = e^{nan} never appears.
        shift = tl.where(m_new == float("-inf"), 0.0, m_new)
        s = s * tl.exp(m - shift) + tl.exp(x - shift)
        m = m_new
    # Combine the lanes: rescale every lane's sum to the row max.
    row_max = tl.max(m, 0)
    total = tl.sum(s * tl.exp(m - row_max), 0)
    log_total = tl.log(total)
    for k in range(0, N, BLOCK):
        cols = k + tl.arange(0, BLOCK)
        x = tl.load(x_row + cols, mask=cols < N, other=float("-inf")).to(COMPUTE)
        z = x - row_max
        if LOG:
            y = z - log_total
        else:
            y = tl.exp(z) / total
        tl.store(out_ptr + row * stride_out + cols, y.to(out_ptr.dtype.element_ty),
                 mask=cols < N)


def _warps(elements: int) -> int:
    return 4 if elements <= 4096 else 8 if elements <= 8192 else 16


def softmax(x: torch.Tensor, axis: int = -1, log: bool = False,
            max_block: int | None = None) -> torch.Tensor:
    """Softmax (or log-softmax with ``log=True``) of ``x`` along ``axis``.

    Args:
        x: a floating tensor of rank >= 1.
        axis: the axis to normalise; another axis than the last is moved there first
            (one copy each way).
        log: compute log-softmax.
        max_block: rows longer than this use the online kernel (default
            :data:`MAX_BLOCK`; tests pass a small value to exercise it).

    Returns:
        A tensor like ``x``.

    Example:
        >>> import torch
        >>> from minitf.kernels.softmax import softmax
        >>> round(softmax(torch.tensor([1.0, 2.0, 3.0]), log=True)[0].item(), 4)
        -2.4076
    """
    axis = axis % x.ndim
    if x.numel() == 0:
        return torch.empty_like(x)
    if axis != x.ndim - 1:
        moved = softmax(torch.movedim(x, axis, -1), -1, log, max_block)
        return torch.movedim(moved, -1, axis).contiguous()
    N = x.shape[-1]
    x2 = x.reshape(-1, N)
    if x2.stride(-1) != 1:
        x2 = x2.contiguous()
    M = x2.shape[0]
    out = torch.empty((M, N), dtype=x.dtype, device=x.device)
    max_block = MAX_BLOCK if max_block is None else max_block
    compute = tl.float64 if x.dtype == torch.float64 else tl.float32
    block = triton.next_power_of_2(N)
    if block <= max_block:
        # Pack short rows: about 4096 elements a program (1 row when N is large).
        rows = max(1, min(4096 // block, triton.next_power_of_2(M), 64 if not interpreting()
                          else 1024))
        softmax_kernel[(triton.cdiv(M, rows),)](
            x2, out, M, N, x2.stride(0), out.stride(0), LOG=log, COMPUTE=compute,
            ROWS=rows, BLOCK=block,
            num_warps=_warps(rows * block))
    else:
        piece = min(ONLINE_BLOCK, max_block)
        softmax_online_kernel[(M,)](x2, out, N, x2.stride(0), out.stride(0), LOG=log,
                                    COMPUTE=compute, BLOCK=piece, num_warps=_warps(piece))
    return out.reshape(x.shape)

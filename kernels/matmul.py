"""Matrix product ``C = A @ B``: tiled, autotuned, batched.

Each program computes one ``BLOCK_M × BLOCK_N`` tile of C. It walks K in steps of
``BLOCK_K``, loading a ``BLOCK_M × BLOCK_K`` tile of A and a ``BLOCK_K × BLOCK_N`` tile
of B and accumulating their product with ``tl.dot`` (tensor cores) in fp32 registers.
Triton pipelines those loads ``num_stages`` deep, so the next tiles arrive while the
current ones are multiplied.

Cost model for (M, K) @ (K, N) of b-byte elements:

* compute: 2·M·N·K flops.
* memory, if nothing were reused: every tile of C reads a full row-panel of A and
  column-panel of B: M·N·K·(1/BLOCK_N + 1/BLOCK_M)·b bytes. With 128×256 tiles at
  4096³ in bf16 that is 0.8 GB per matmul against 137 GFLOP — compute-bound on an H100
  (~990 TFLOP/s bf16 dense vs 3.35 TB/s) *provided* the panels come from L2.
* grouped ordering: programs are numbered so that ``GROUP_M`` consecutive tile-rows are
  swept column by column. Programs running at the same time then share the same few
  panels of A and B, which stay in L2 (50 MB), instead of streaming all of B from HBM
  for every tile-row.

Precision: fp16/bf16 inputs accumulate in fp32 and round the result once. fp32 inputs
use TF32 tensor cores when ``allow_tf32`` (TensorFlow's default, 10-bit mantissa
products: relative error ~1e-3) and exact fp32 ("ieee") otherwise. fp64 and integer
inputs take a plain multiply-and-sum path (no tensor cores) with an accumulator of
their own dtype.

Batching: leading dims are flattened into a batch axis that is the grid's second
dimension; every operand is read through its strides, so transposed views (``A.mT``)
and broadcast batch dims (stride 0) need no copy.

Example:
    >>> import torch
    >>> from minitf.kernels.matmul import matmul
    >>> matmul(torch.eye(2), torch.tensor([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [[1.0, 2.0], [3.0, 4.0]]
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl
from minitf.kernels import interpreting

__all__ = ["matmul", "matmul_kernel", "set_tf32", "tf32_enabled"]

_settings = {"tf32": True}


@triton.jit
def matmul_kernel(a_ptr, b_ptr, c_ptr, M, N, K,
                  stride_ab, stride_am, stride_ak, stride_bb, stride_bk, stride_bn,
                  stride_cb, stride_cm, stride_cn,
                  PRECISION: tl.constexpr, USE_DOT: tl.constexpr, ACC: tl.constexpr,
                  UPCAST: tl.constexpr, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr,
                  BLOCK_K: tl.constexpr, GROUP_M: tl.constexpr):
    # --- which tile of C: grouped ordering (see the module docstring) ---
    pid = tl.program_id(0)
    batch = tl.program_id(1).to(tl.int64)
    tiles_m = tl.cdiv(M, BLOCK_M)
    tiles_n = tl.cdiv(N, BLOCK_N)
    per_group = GROUP_M * tiles_n
    first_m = (pid // per_group) * GROUP_M
    group_rows = tl.minimum(tiles_m - first_m, GROUP_M)
    pid_m = first_m + (pid % per_group) % group_rows
    pid_n = (pid % per_group) // group_rows

    # Rows/cols past the edge wrap around (% M, % N) instead of being masked: the loads
    # stay unmasked along M and N, the wrapped values are computed but never stored.
    rm = (pid_m * BLOCK_M + tl.arange(0, BLOCK_M)) % M
    rn = (pid_n * BLOCK_N + tl.arange(0, BLOCK_N)) % N
    rk = tl.arange(0, BLOCK_K)
    a_ptrs = a_ptr + batch * stride_ab + rm[:, None] * stride_am + rk[None, :] * stride_ak
    b_ptrs = b_ptr + batch * stride_bb + rk[:, None] * stride_bk + rn[None, :] * stride_bn

    # --- march along K: read BLOCK_M·BLOCK_K + BLOCK_K·BLOCK_N, do 2·BM·BN·BK flops ---
    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=ACC)
    for k in range(tl.cdiv(K, BLOCK_K)):
        k_left = K - k * BLOCK_K
        a = tl.load(a_ptrs, mask=rk[None, :] < k_left, other=0)
        b = tl.load(b_ptrs, mask=rk[:, None] < k_left, other=0)
        if UPCAST:  # interpreter only: its tl.dot cannot multiply bf16 (see matmul())
            a = a.to(tl.float32)
            b = b.to(tl.float32)
        if USE_DOT:
            acc = tl.dot(a, b, acc, input_precision=PRECISION)
        else:
            acc += tl.sum(a[:, :, None].to(ACC) * b[None, :, :].to(ACC), axis=1)
        a_ptrs += BLOCK_K * stride_ak
        b_ptrs += BLOCK_K * stride_bk

    # --- write the tile (masked: the wrapped rows/cols are dropped here) ---
    cm = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    cn = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    c_ptrs = c_ptr + batch * stride_cb + cm[:, None] * stride_cm + cn[None, :] * stride_cn
    tl.store(c_ptrs, acc.to(c_ptr.dtype.element_ty), mask=(cm[:, None] < M) & (cn[None, :] < N))


def _config(bm: int, bn: int, bk: int, warps: int, stages: int) -> triton.Config:
    return triton.Config({"BLOCK_M": bm, "BLOCK_N": bn, "BLOCK_K": bk, "GROUP_M": 8},
                         num_warps=warps, num_stages=stages)


# A few configs per input width, from big tiles (peak at large sizes) to a small one
# (small matrices, e.g. a 784-256-10 MLP). 16-bit: a 128×256×64 tile is 48 KB of shared
# memory per stage, 3 stages fit in the H100's 228 KB.
_CONFIGS_16BIT = [_config(128, 256, 64, 8, 3), _config(256, 128, 64, 8, 3),
                  _config(128, 128, 64, 8, 4), _config(64, 64, 64, 4, 4)]
_CONFIGS_32BIT = [_config(128, 128, 32, 8, 3), _config(128, 64, 32, 4, 4),
                  _config(64, 64, 32, 4, 4)]
_tuned_16bit = triton.autotune(_CONFIGS_16BIT, key=["M", "N", "K"])(matmul_kernel)
_tuned_32bit = triton.autotune(_CONFIGS_32BIT, key=["M", "N", "K", "PRECISION"])(matmul_kernel)


def set_tf32(enabled: bool) -> None:
    """Lets fp32 matmuls use TF32 tensor cores (on by default, as in TensorFlow).

    Example:
        >>> from minitf.kernels.matmul import set_tf32, tf32_enabled
        >>> set_tf32(False); tf32_enabled()
        False
        >>> set_tf32(True)
    """
    _settings["tf32"] = bool(enabled)


def tf32_enabled() -> bool:
    """Whether fp32 matmuls may use TF32.

    Example:
        >>> from minitf.kernels.matmul import tf32_enabled
        >>> tf32_enabled() in (True, False)
        True
    """
    return _settings["tf32"]


_ACC = {torch.float64: tl.float64, torch.int64: tl.int64, torch.int32: tl.int32,
        torch.int16: tl.int32, torch.int8: tl.int32, torch.uint8: tl.int32}


def _as_batched(x: torch.Tensor, batch_shape: tuple) -> torch.Tensor:
    # (..., r, c) -> (batch, r, c) without copying when the batch dims allow a view.
    x = x.expand(batch_shape + x.shape[-2:])
    return x.reshape((-1,) + tuple(x.shape[-2:]))


def matmul(a: torch.Tensor, b: torch.Tensor, allow_tf32: bool | None = None) -> torch.Tensor:
    """``a @ b`` for ``(..., M, K) @ (..., K, N)`` (batch dims broadcast).

    Args:
        a, b: tensors of one dtype (float16, bfloat16, float32, float64 or an integer).
        allow_tf32: use TF32 for fp32 inputs; default :func:`tf32_enabled`.

    Returns:
        ``(..., M, N)`` of the inputs' dtype.

    Example:
        >>> import torch
        >>> from minitf.kernels.matmul import matmul
        >>> a = torch.arange(6.0).reshape(2, 3)
        >>> matmul(a, a.mT).tolist()
        [[5.0, 14.0], [14.0, 50.0]]
    """
    if a.dtype != b.dtype:
        raise TypeError(f"matmul operands must share a dtype, got {a.dtype} and {b.dtype}.")
    M, K = a.shape[-2:]
    K2, N = b.shape[-2:]
    if K != K2:
        raise ValueError(f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} do not align "
                         f"(K = {K} vs {K2}).")
    batch_shape = torch.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    if 0 in batch_shape or M == 0 or N == 0 or K == 0:  # nothing to multiply: a sum of none
        return torch.zeros(batch_shape + (M, N), dtype=a.dtype, device=a.device)
    a3, b3 = _as_batched(a, batch_shape), _as_batched(b, batch_shape)
    batch = a3.shape[0]
    c3 = torch.empty((batch, M, N), dtype=a.dtype, device=a.device)
    tf32 = tf32_enabled() if allow_tf32 is None else allow_tf32
    if a.dtype == torch.float32 and tf32 and b3.is_cuda and b3.stride(-1) == 1 and N > 1:
        # Hopper's TF32 tensor-core path wants 32-bit operands K-major. Measured on an H100
        # at 4096³ (bench/gpu_check.py): 89 TFLOP/s with a row-major B, 189 column-major.
        # One transposing copy of B (read + write 4·K·N bytes, ~45 µs at 4096²) buys that.
        b3 = b3.mT.contiguous().mT
    args = (a3, b3, c3, M, N, K, *a3.stride(), *b3.stride(), *c3.stride())
    use_dot = a.dtype in (torch.float16, torch.bfloat16, torch.float32)
    # Triton's CPU interpreter multiplies bf16 tiles as raw 16-bit integers; there we
    # widen tiles to fp32 first. bf16×bf16 products are exact in fp32, so the result is
    # what the tensor cores compute.
    upcast = interpreting() and a.dtype == torch.bfloat16
    # The precision only concerns fp32 inputs; other dtypes get Triton's default string.
    exact = a.dtype == torch.float32 and not tf32
    common = dict(PRECISION="ieee" if exact else "tf32", USE_DOT=use_dot,
                  ACC=_ACC.get(a.dtype, tl.float32), UPCAST=upcast)
    if interpreting() or not use_dot:
        # One fixed small tile: no autotuning in the interpreter (it would time NumPy),
        # and the multiply-and-sum path holds a BM×BK×BN product in registers.
        bm, bn, bk = (32, 32, 8) if not use_dot else (32, 32, 32)
        grid = (triton.cdiv(M, bm) * triton.cdiv(N, bn), batch)
        matmul_kernel[grid](*args, **common, BLOCK_M=bm, BLOCK_N=bn, BLOCK_K=bk,
                            GROUP_M=8, num_warps=4)
    else:
        kernel = _tuned_16bit if a.dtype != torch.float32 else _tuned_32bit
        def grid(meta: dict) -> tuple:  # the tile sizes are the autotuner's choice
            return (triton.cdiv(M, meta["BLOCK_M"]) * triton.cdiv(N, meta["BLOCK_N"]), batch)
        kernel[grid](*args, **common)
    return c3.reshape(batch_shape + (M, N))

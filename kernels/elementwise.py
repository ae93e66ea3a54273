"""Elementwise kernels: ``y = f(x)``, ``z = f(x, y)`` and ``where(c, x, y)``.

One kernel per arity; the operation is a compile-time switch (``OP: tl.constexpr``), so
Triton compiles one specialised kernel per op the first time it is launched, with no
branch left at run time. The math of each op lives in two small ``@triton.jit`` helpers,
:func:`unary_math` and :func:`binary_math`, which the fused-chain generator
(:mod:`minitf.kernels.fused`) calls too, so a fused kernel computes exactly what the
single-op kernels compute.

Broadcasting is done by strides, not copies: every operand is described by its element
strides in a (at most) 4-D view of the output, and a broadcast dimension simply has
stride 0 (what ``torch.expand`` / minitf's ``broadcast_to`` produce). Before launching,
the launcher merges dimensions that are contiguous in every operand, so the common case
(same-shape contiguous operands, or a tensor and a scalar) becomes a 1-D view with
strides 1 (or 0) — and Triton specialises integer arguments equal to 1, so ``offs * 1``
compiles to plain ``offs`` and the loads are vectorised.

Cost model, N output elements of b bytes (memory-bound: time ≈ bytes / bandwidth):

* unary:  read N·b, write N·b                       → 2·N·b bytes
* binary: read 2·N·b, write N·b                     → 3·N·b bytes (a broadcast operand
  is read from cache after its first touch, so ``x + scalar`` costs 2·N·b)
* select: read N (bool) + 2·N·b, write N·b

Example:
    >>> import torch
    >>> from minitf.kernels.elementwise import binary
    >>> binary("add", torch.ones(3), torch.full((3,), 2.0)).tolist()
    [3.0, 3.0, 3.0]
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

__all__ = [
    "BINARY_OPS",
    "UNARY_OPS",
    "binary",
    "binary_math",
    "compute_type",
    "select",
    "unary",
    "unary_math",
    "view_4d",
]

# The op codes. Kernels compare OP against these compile-time constants.
NEG, EXP, LOG, SQRT, TANH, SIGMOID, ABS = (tl.constexpr(i) for i in range(7))
ADD, SUB, MUL, DIV, MAX, MIN = (tl.constexpr(i) for i in range(6))
UNARY_OPS = {"neg": 0, "exp": 1, "log": 2, "sqrt": 3, "tanh": 4, "sigmoid": 5, "abs": 6}
BINARY_OPS = {"add": 0, "sub": 1, "mul": 2, "div": 3, "max": 4, "min": 5}

# 1024 elements per program, 4 warps: 8 elements per thread, i.e. two 128-bit loads per
# fp32 operand. Enough bytes in flight to saturate HBM with 16 resident programs per SM.
BLOCK = 1024
NUM_WARPS = 4


# ---------------------------------------------------------------------------------------
# The math, shared with the fused kernels
# ---------------------------------------------------------------------------------------
@triton.jit
def _tanh(x):
    # tanh x = sign(x) (1 - e^{-2|x|}) / (1 + e^{-2|x|}): the exponent is never positive,
    # so nothing overflows. Near 0 the subtraction cancels (relative error ≈ eps/|x|), so
    # there we use the odd series x - x³/3 + 2x⁵/15 - 17x⁷/315 + 62x⁹/2835 (relative
    # error < 1e-11 for |x| < 1/8: fine for fp64 too).
    a = tl.abs(x)
    t = tl.exp(-2.0 * a)
    big = (1.0 - t) / (1.0 + t)
    big = tl.where(x < 0, -big, big)
    x2 = x * x
    small = x * (1.0 + x2 * (-1.0 / 3.0 + x2 * (2.0 / 15.0 + x2 * (-17.0 / 315.0
                                                                  + x2 * (62.0 / 2835.0)))))
    return tl.where(a < 0.125, small, big)


@triton.jit
def _sigmoid(x):
    # σ(x) = 1 / (1 + e^{-x}) overflows e^{-x} for very negative x. With z = e^{-|x|} ≤ 1:
    # σ(x) = 1 / (1 + z) for x ≥ 0 and z / (1 + z) for x < 0 — both exact, no overflow.
    z = tl.exp(-tl.abs(x))
    return tl.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


@triton.jit
def unary_math(x, OP: tl.constexpr):
    """``f(x)`` for the op code ``OP`` (resolved at compile time)."""
    if OP == NEG:
        y = -x
    elif OP == EXP:
        y = tl.exp(x)
    elif OP == LOG:
        y = tl.log(x)
    elif OP == SQRT:
        y = tl.sqrt(x)
    elif OP == TANH:
        y = _tanh(x)
    elif OP == SIGMOID:
        y = _sigmoid(x)
    else:
        y = tl.abs(x)
    return y


@triton.jit
def binary_math(a, b, OP: tl.constexpr):
    """``f(a, b)`` for the op code ``OP``. max/min propagate NaN, as NumPy does."""
    if OP == ADD:
        y = a + b
    elif OP == SUB:
        y = a - b
    elif OP == MUL:
        y = a * b
    elif OP == DIV:
        y = a / b
    elif OP == MAX:
        y = tl.maximum(a, b, propagate_nan=tl.PropagateNan.ALL)
    else:
        y = tl.minimum(a, b, propagate_nan=tl.PropagateNan.ALL)
    return y


@triton.jit
def strided_offsets(offs, size1, size2, size3, st0, st1, st2, st3, NDIM: tl.constexpr):
    """Element offsets, in one operand, of the flat output indices ``offs``.

    The output is viewed as ``(size0, size1, size2, size3)`` (row-major; the last NDIM
    dims are real). The flat index is split into coordinates with ``%`` and ``//`` and
    dotted with the operand's strides; a stride of 0 is a broadcast dimension.
    """
    if NDIM == 1:
        off = offs * st3
    else:
        i3 = offs % size3
        rest = offs // size3
        if NDIM == 2:
            off = i3 * st3 + rest * st2
        else:
            i2 = rest % size2
            rest = rest // size2
            if NDIM == 3:
                off = i3 * st3 + i2 * st2 + rest * st1
            else:
                i1 = rest % size1
                i0 = rest // size1
                off = i3 * st3 + i2 * st2 + i1 * st1 + i0 * st0
    return off


# ---------------------------------------------------------------------------------------
# Kernels
# ---------------------------------------------------------------------------------------
@triton.jit
def unary_kernel(x_ptr, out_ptr, n, OP: tl.constexpr, COMPUTE: tl.constexpr,
                 BLOCK: tl.constexpr):
    # read N, write N. x and out are contiguous.
    # BEGIN SOLUTION kernels: the unary kernel's block; spec: tests/kernels/test_kernels.py
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    x = tl.load(x_ptr + offs, mask=mask).to(COMPUTE)
    y = unary_math(x, OP)
    tl.store(out_ptr + offs, y.to(out_ptr.dtype.element_ty), mask=mask)
    # END SOLUTION


@triton.jit
def binary_kernel(a_ptr, b_ptr, out_ptr, n, size1, size2, size3,
                  a0, a1, a2, a3, b0, b1, b2, b3,
                  OP: tl.constexpr, COMPUTE: tl.constexpr, NDIM: tl.constexpr,
                  BLOCK: tl.constexpr):
    # read 2N, write N (a broadcast operand is mostly served from cache).
    # BEGIN SOLUTION kernels: the binary kernel, strided loads; spec: tests/kernels/test_kernels.py
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    a_offs = strided_offsets(offs, size1, size2, size3, a0, a1, a2, a3, NDIM)
    b_offs = strided_offsets(offs, size1, size2, size3, b0, b1, b2, b3, NDIM)
    a = tl.load(a_ptr + a_offs, mask=mask).to(COMPUTE)
    b = tl.load(b_ptr + b_offs, mask=mask).to(COMPUTE)
    y = binary_math(a, b, OP)
    tl.store(out_ptr + offs, y.to(out_ptr.dtype.element_ty), mask=mask)
    # END SOLUTION


@triton.jit
def select_kernel(c_ptr, a_ptr, b_ptr, out_ptr, n, size1, size2, size3,
                  c0, c1, c2, c3, a0, a1, a2, a3, b0, b1, b2, b3,
                  NDIM: tl.constexpr, BLOCK: tl.constexpr):
    # read N bools + 2N values, write N.
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    c = tl.load(c_ptr + strided_offsets(offs, size1, size2, size3, c0, c1, c2, c3, NDIM),
                mask=mask)
    a = tl.load(a_ptr + strided_offsets(offs, size1, size2, size3, a0, a1, a2, a3, NDIM),
                mask=mask)
    b = tl.load(b_ptr + strided_offsets(offs, size1, size2, size3, b0, b1, b2, b3, NDIM),
                mask=mask)
    tl.store(out_ptr + offs, tl.where(c != 0, a, b), mask=mask)


# ---------------------------------------------------------------------------------------
# Launchers
# ---------------------------------------------------------------------------------------
_TL_DTYPE = {torch.float16: tl.float16, torch.bfloat16: tl.bfloat16, torch.float32: tl.float32,
             torch.float64: tl.float64, torch.int8: tl.int8, torch.int16: tl.int16,
             torch.int32: tl.int32, torch.int64: tl.int64, torch.uint8: tl.uint8}


def compute_type(dtype: torch.dtype) -> tl.dtype:
    """The Triton type arithmetic runs in: fp32 for fp16/bf16 (``tl.exp`` and friends
    need fp32, and it keeps sums accurate), the dtype itself otherwise.

    Example:
        >>> import torch
        >>> from minitf.kernels.elementwise import compute_type
        >>> str(compute_type(torch.float16))
        'fp32'
    """
    if dtype in (torch.float16, torch.bfloat16):
        return tl.float32
    return _TL_DTYPE[dtype]


def view_4d(shape: tuple, strides: list) -> tuple:
    """Merges the output ``shape`` into at most 4 dims, keeping every operand's strides.

    Args:
        shape: the output shape.
        strides: one stride tuple per operand (0 where it is broadcast).

    Returns:
        ``(sizes, operand_strides, ndim)`` with ``sizes`` and each stride list of length
        4 (right-aligned), or None if more than 4 dims remain after merging.

    Example:
        >>> from minitf.kernels.elementwise import view_4d
        >>> view_4d((2, 3, 4), [(12, 4, 1), (0, 0, 0)])
        ([1, 1, 1, 24], [[0, 0, 0, 1], [0, 0, 0, 0]], 1)
    """
    merged: list = []  # [size, [stride per operand]] from outer to inner
    for i, size in enumerate(shape):
        if size == 1:
            continue  # a size-1 dim never moves the index: drop it
        sts = [s[i] for s in strides]
        # Dims i-1 and i merge when, in every operand, stepping the outer one equals
        # stepping the inner one `size` times (contiguous, or both broadcast).
        if merged and all(prev == st * size for prev, st in zip(merged[-1][1], sts)):
            merged[-1] = [merged[-1][0] * size, sts]
        else:
            merged.append([size, sts])
    if not merged:
        merged = [[1, [0] * len(strides)]]
    if len(merged) > 4:
        return None
    ndim = len(merged)
    pad = [[1, [0] * len(strides)]] * (4 - ndim)
    merged = pad + merged
    sizes = [m[0] for m in merged]
    per_operand = [[m[1][k] for m in merged] for k in range(len(strides))]
    return sizes, per_operand, ndim


def _broadcast_operands(out_shape: tuple, *xs: torch.Tensor) -> tuple:
    """The 4-D view of ``xs`` broadcast to ``out_shape`` (copies only past 4 dims)."""
    views = [x.expand(out_shape) for x in xs]  # a view: broadcast dims get stride 0
    plan = view_4d(out_shape, [v.stride() for v in views])
    if plan is None:  # rare: more than 4 non-mergeable dims — materialise contiguously
        views = [v.contiguous() for v in views]
        plan = view_4d(out_shape, [v.stride() for v in views])
    return views, plan


def unary(op: str, x: torch.Tensor) -> torch.Tensor:
    """``f(x)`` elementwise, ``op`` one of :data:`UNARY_OPS`.

    Example:
        >>> import torch
        >>> from minitf.kernels.elementwise import unary
        >>> unary("neg", torch.tensor([1.0, -2.0])).tolist()
        [-1.0, 2.0]
    """
    x = x.contiguous()
    out = torch.empty_like(x)
    n = x.numel()
    if n:
        unary_kernel[(triton.cdiv(n, BLOCK),)](x, out, n, OP=UNARY_OPS[op],
                                               COMPUTE=compute_type(x.dtype), BLOCK=BLOCK,
                                               num_warps=NUM_WARPS)
    return out


def binary(op: str, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``f(a, b)`` elementwise with NumPy broadcasting, ``op`` one of :data:`BINARY_OPS`.

    Example:
        >>> import torch
        >>> from minitf.kernels.elementwise import binary
        >>> binary("mul", torch.tensor([[1.0], [2.0]]), torch.tensor([3.0, 4.0])).tolist()
        [[3.0, 4.0], [6.0, 8.0]]
    """
    shape = torch.broadcast_shapes(a.shape, b.shape)
    out = torch.empty(shape, dtype=a.dtype, device=a.device)
    n = out.numel()
    if n:
        (a, b), (sizes, (sa, sb), ndim) = _broadcast_operands(shape, a, b)
        binary_kernel[(triton.cdiv(n, BLOCK),)](
            a, b, out, n, sizes[1], sizes[2], sizes[3], *sa, *sb, OP=BINARY_OPS[op],
            COMPUTE=compute_type(a.dtype), NDIM=ndim, BLOCK=BLOCK, num_warps=NUM_WARPS)
    return out


def select(cond: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``where(cond, a, b)`` with NumPy broadcasting of all three.

    Example:
        >>> import torch
        >>> from minitf.kernels.elementwise import select
        >>> select(torch.tensor([True, False]), torch.tensor(1.0), torch.tensor(0.0)).tolist()
        [1.0, 0.0]
    """
    shape = torch.broadcast_shapes(cond.shape, a.shape, b.shape)
    out = torch.empty(shape, dtype=a.dtype, device=a.device)
    n = out.numel()
    if n:
        (c, a, b), (sizes, (sc, sa, sb), ndim) = _broadcast_operands(shape, cond, a, b)
        select_kernel[(triton.cdiv(n, BLOCK),)](
            c, a, b, out, n, sizes[1], sizes[2], sizes[3], *sc, *sa, *sb, NDIM=ndim,
            BLOCK=BLOCK, num_warps=NUM_WARPS)
    return out

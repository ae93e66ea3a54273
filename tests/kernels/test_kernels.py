"""Every Triton kernel against NumPy (float64) at small, irregular sizes.

Sizes are chosen to catch edge bugs: 1 and 7 (less than one block), 1023 and 1025 (one
under and one over a power of two), 67×131 (neither dimension a multiple of a tile),
batched and broadcast shapes, transposed (strided) views. On a CPU machine the kernels
run in Triton's interpreter (see conftest.py) on torch CPU tensors; on a GPU machine on
CUDA tensors. Tolerances are by dtype: fp32 results are within a few ulps, fp16/bf16
results are rounded once from fp32.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from minitf.kernels import elementwise, fused, interpreting, matmul, reduction, softmax

pytestmark = [pytest.mark.kernels,
              # The interpreter also computes masked-off lanes (log(0), 0/0): NumPy warns.
              pytest.mark.filterwarnings("ignore::RuntimeWarning")]

DEVICE = "cpu" if interpreting() else "cuda"
RTOL = {torch.float32: 2e-5, torch.float64: 1e-12, torch.float16: 2e-3, torch.bfloat16: 1.6e-2}
SIZES = [(1,), (7,), (1023,), (1025,), (67, 131)]


def rand(shape: tuple, dtype: torch.dtype = torch.float32, low: float = -3.0,
         high: float = 3.0, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(shape, generator=g, dtype=torch.float64) * (high - low) + low
    if not dtype.is_floating_point:
        x = x.round()
    return x.to(dtype).to(DEVICE)


def f64(x: torch.Tensor) -> np.ndarray:
    return x.detach().cpu().to(torch.float64).numpy()


def check(got: torch.Tensor, expected: np.ndarray, dtype: torch.dtype, scale: float = 1.0,
          what: str = "") -> None:
    """``got`` has ``expected``'s shape and ``dtype`` and matches it to the dtype's rtol
    (``scale`` widens the absolute tolerance for sums of many terms)."""
    assert got.dtype == dtype, what
    assert tuple(got.shape) == np.shape(expected), what
    if dtype.is_floating_point:
        rtol = RTOL[dtype]
        np.testing.assert_allclose(f64(got), expected, rtol=rtol, atol=rtol * scale,
                                   equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(got.cpu().numpy(), expected, err_msg=what)


# ---------------------------------------------------------------------------------------
# elementwise
# ---------------------------------------------------------------------------------------
UNARY_REF = {"neg": np.negative, "exp": np.exp, "log": np.log, "sqrt": np.sqrt,
             "tanh": np.tanh, "sigmoid": lambda x: 1 / (1 + np.exp(-x)), "abs": np.abs}
BINARY_REF = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
              "max": np.maximum, "min": np.minimum}


@pytest.mark.parametrize("op", sorted(UNARY_REF))
def test_unary_matches_numpy_at_irregular_sizes(op: str) -> None:
    low = 0.05 if op in ("log", "sqrt") else -6.0
    for shape in SIZES:
        x = rand(shape, low=low, high=6.0)
        check(elementwise.unary(op, x), UNARY_REF[op](f64(x)), torch.float32, what=f"{shape}")


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
@pytest.mark.parametrize("op", ["exp", "tanh", "sigmoid", "neg"])
def test_unary_other_float_dtypes(op: str, dtype: torch.dtype) -> None:
    x = rand((1025,), dtype)
    check(elementwise.unary(op, x), UNARY_REF[op](f64(x)), dtype)


def test_tanh_is_accurate_near_zero_and_saturates() -> None:
    # Near 0, 1 - e^{-2|x|} cancels; the kernel switches to a series there.
    x = torch.tensor([1e-6, -3e-4, 0.01, -0.124, 0.126, 9.0, -40.0, 0.0], device=DEVICE)
    np.testing.assert_allclose(f64(elementwise.unary("tanh", x)), np.tanh(f64(x)), rtol=2e-6)
    s = elementwise.unary("sigmoid", torch.tensor([-200.0, 200.0], device=DEVICE))
    assert f64(s).tolist() == [0.0, 1.0]  # no overflow to nan


@pytest.mark.parametrize("op", sorted(BINARY_REF))
def test_binary_broadcasts_by_strides(op: str) -> None:
    cases = [((1025,), (1025,)), ((67, 131), (131,)), ((67, 1), (1, 131)), ((7,), ()),
             ((), (7,)), ((2, 3, 1, 5), (4, 1)), ((3, 1, 5, 2, 7), (4, 1, 2, 1))]
    for sa, sb in cases:
        a = rand(sa, seed=1)
        b = rand(sb, low=0.5, high=4.0, seed=2)  # away from 0 for div
        check(elementwise.binary(op, a, b), BINARY_REF[op](f64(a), f64(b)), torch.float32,
              what=f"{sa} {sb}")


def test_binary_reads_transposed_and_broadcast_views() -> None:
    a = rand((131, 67)).mT                            # strides (1, 67): not contiguous
    b = rand((67,), seed=3)[:, None].expand(67, 131)  # stride 0 along dim 1
    check(elementwise.binary("mul", a, b), f64(a) * f64(b), torch.float32)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.int32, torch.int64,
                                   torch.uint8])
def test_binary_other_dtypes(dtype: torch.dtype) -> None:
    a, b = rand((67, 131), dtype, 0, 9, seed=1), rand((131,), dtype, 0, 9, seed=2)
    for op in ("add", "mul", "max", "min"):
        expected = BINARY_REF[op](f64(a), f64(b))
        if not dtype.is_floating_point:
            expected = expected.astype(np.int64).astype(torch.empty(0, dtype=dtype).numpy().dtype)
        check(elementwise.binary(op, a, b), expected, dtype, scale=100, what=op)


def test_max_and_min_propagate_nan_like_numpy() -> None:
    a = torch.tensor([1.0, float("nan"), 3.0], device=DEVICE)
    b = torch.tensor([float("nan"), 2.0, 1.0], device=DEVICE)
    for op in ("max", "min"):
        np.testing.assert_array_equal(f64(elementwise.binary(op, a, b)),
                                      BINARY_REF[op](f64(a), f64(b)))


def test_select_broadcasts_condition_and_operands() -> None:
    c = rand((67, 131), seed=4) > 0
    x, y = rand((131,), seed=5), torch.tensor(-1.0, device=DEVICE)
    check(elementwise.select(c, x, y), np.where(f64(c) > 0, f64(x), -1.0), torch.float32)
    ints = elementwise.select(c[:1, :7], torch.arange(7, device=DEVICE),
                                torch.tensor(0, device=DEVICE))
    np.testing.assert_array_equal(ints.cpu().numpy(), np.where(f64(c)[:1, :7] > 0, np.arange(7), 0))


def test_view_4d_merges_contiguous_dims_and_keeps_broadcasts() -> None:
    # (2, 3, 4) contiguous + a row broadcast along dim 0 and 1: inner dim stays separate.
    sizes, strides, ndim = elementwise.view_4d((2, 3, 4), [(12, 4, 1), (0, 0, 1)])
    assert (sizes, strides, ndim) == ([1, 1, 6, 4], [[0, 0, 4, 1], [0, 0, 0, 1]], 2)
    assert elementwise.view_4d((2, 3, 2, 3, 2), [(36, 1, 18, 2, 9)]) is None  # > 4 dims


# ---------------------------------------------------------------------------------------
# fused chains
# ---------------------------------------------------------------------------------------
def test_fused_chain_matches_numpy_with_scalars_and_two_outputs() -> None:
    x, w, b = rand((1025,)), rand((1025,), seed=1), torch.tensor(0.25, device=DEVICE)
    # v3 = x*w, v4 = v3 + b, v5 = tanh(v4), v6 = max(v5, 0), v7 = v6 / 1.5
    prog = (("mul", 0, 1), ("add", 3, 2), ("tanh", 4), ("max", 5, 0.0), ("div", 6, 1.5))
    out7, out4 = fused.fused_elementwise(prog, [x, w, b], outputs=(7, 4))
    v4 = f64(x) * f64(w) + 0.25
    check(out4, v4, torch.float32)
    check(out7, np.maximum(np.tanh(v4), 0) / 1.5, torch.float32)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_fused_chain_computes_half_types_in_fp32(dtype: torch.dtype) -> None:
    x = rand((67, 131), dtype)
    (y,) = fused.fused_elementwise((("mul", 0, 0), ("sigmoid", 1)), [x], outputs=(2,))
    check(y, 1 / (1 + np.exp(-f64(x) ** 2)), dtype)


def test_fused_source_has_one_line_per_instruction() -> None:
    src = fused.kernel_source((("exp", 0), ("neg", 1)), 1, (2,), (False,), False)
    assert "v1 = unary_math(v0, 1)  # exp" in src and "v2 = unary_math(v1, 0)  # neg" in src


@pytest.mark.parametrize("program, message", [
    ((("cos", 0),), "unknown op"),
    ((("add", 0),), "takes 2"),
    ((("add", 0, 5),), "not defined"),
    ((("add", 0, float("inf")),), "finite float"),
    ((("add", 1.0, 2.0),), "no value argument"),
])
def test_fused_rejects_bad_programs_with_a_reason(program: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fused.check_program(program, 1, ())


# ---------------------------------------------------------------------------------------
# reductions
# ---------------------------------------------------------------------------------------
REDUCE_REF = {"sum": np.sum, "mean": np.mean, "max": np.max}


@pytest.mark.parametrize("op", sorted(REDUCE_REF))
def test_reductions_over_axes_match_numpy(op: str) -> None:
    cases = [((1,), None), ((7,), (0,)), ((1025,), None), ((67, 131), (1,)),
             ((67, 131), (0,)), ((67, 131), None), ((3, 5, 7, 2), (0, 2)),
             ((3, 5, 7, 2), (1, 2)), ((2, 3), ())]
    for shape, axes in cases:
        x = rand(shape)
        ax = tuple(range(len(shape))) if axes is None else axes
        expected = REDUCE_REF[op](f64(x), axis=ax)
        check(reduction.reduce(op, x, axes), expected, torch.float32, scale=np.sqrt(x.numel()),
              what=f"{shape} {axes}")
        kept = reduction.reduce(op, x, axes, keepdims=True)
        assert tuple(kept.shape) == np.shape(REDUCE_REF[op](f64(x), axis=ax, keepdims=True))


def test_reductions_of_ints_and_half_types() -> None:
    x = rand((1025,), torch.int32, -100, 100)
    assert reduction.reduce("sum", x).item() == int(f64(x).sum())
    assert reduction.reduce("max", x.to(torch.int8)).item() == int(f64(x).max())
    h = rand((67, 131), torch.bfloat16)
    check(reduction.reduce("sum", h, (0,)), f64(h).sum(0), torch.bfloat16, scale=10)


def test_reductions_of_nothing_give_the_identity_and_max_keeps_nan() -> None:
    empty = torch.empty((3, 0), device=DEVICE)
    assert f64(reduction.reduce("sum", empty, (1,))).tolist() == [0.0] * 3
    assert f64(reduction.reduce("max", empty, (1,))).tolist() == [-np.inf] * 3
    assert np.isnan(f64(reduction.reduce("mean", empty, (1,)))).all()
    nan = torch.tensor([1.0, float("nan"), 2.0] * 400, device=DEVICE)
    assert np.isnan(reduction.reduce("max", nan).item())


# ---------------------------------------------------------------------------------------
# softmax
# ---------------------------------------------------------------------------------------
def softmax_ref(x: np.ndarray, axis: int, log: bool) -> np.ndarray:
    z = x - x.max(axis=axis, keepdims=True)
    lse = np.log(np.exp(z).sum(axis=axis, keepdims=True))
    return z - lse if log else np.exp(z - lse)


@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_softmax_rows_single_block_and_online(log: bool) -> None:
    cases = [((1,), -1, None), ((7,), 0, None), ((67, 131), -1, None), ((67, 131), 0, None),
             ((2, 3, 10), 1, None), ((3, 1025), -1, 256), ((2, 1023), -1, 128)]
    for shape, axis, max_block in cases:   # max_block forces the online (long-row) kernel
        x = rand(shape, low=-20, high=20)
        check(softmax.softmax(x, axis, log, max_block), softmax_ref(f64(x), axis, log),
              torch.float32, scale=10, what=f"{shape} axis={axis} max_block={max_block}")


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_softmax_half_types(dtype: torch.dtype) -> None:
    x = rand((5, 1025), dtype)
    for max_block in (None, 256):
        check(softmax.softmax(x, max_block=max_block), softmax_ref(f64(x), -1, False), dtype,
              scale=0.1)


def test_softmax_is_stable_for_huge_logits_and_minus_inf() -> None:
    x = torch.tensor([[1000.0, 1000.0, -float("inf")], [-1e4, 0.0, 1e4]], device=DEVICE)
    expected = [[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]]
    for max_block in (None, 2):
        np.testing.assert_allclose(f64(softmax.softmax(x, max_block=max_block)), expected)


# ---------------------------------------------------------------------------------------
# matmul
# ---------------------------------------------------------------------------------------
MATMUL_CASES = [((1, 1), (1, 1)), ((7, 3), (3, 5)), ((67, 131), (131, 33)),
                ((2, 3, 17, 9), (2, 3, 9, 40)), ((4, 1, 5, 7), (3, 7, 2))]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16,
                                   torch.float64, torch.int32])
def test_matmul_batched_and_broadcast(dtype: torch.dtype) -> None:
    for sa, sb in MATMUL_CASES:
        a, b = rand(sa, dtype, seed=1), rand(sb, dtype, seed=2)
        expected = np.matmul(f64(a), f64(b))
        # fp32 uses exact products here (ieee); TF32 is checked on the GPU.
        got = matmul.matmul(a, b, allow_tf32=False)
        check(got, expected, dtype, scale=3 * np.sqrt(sa[-1]), what=f"{sa} @ {sb}")


def test_matmul_reads_transposed_views_without_copies() -> None:
    a, b = rand((20, 9)), rand((30, 20), seed=1)
    check(matmul.matmul(a.mT, b.mT, allow_tf32=False), f64(a).T @ f64(b).T, torch.float32,
          scale=10)


def test_matmul_with_empty_inner_dim_is_zeros() -> None:
    out = matmul.matmul(torch.empty((3, 0), device=DEVICE), torch.empty((0, 2), device=DEVICE))
    assert f64(out).tolist() == [[0.0, 0.0]] * 3


def test_tf32_switch_round_trips() -> None:
    assert matmul.tf32_enabled()  # TensorFlow's default
    matmul.set_tf32(False)
    try:
        assert not matmul.tf32_enabled()
    finally:
        matmul.set_tf32(True)

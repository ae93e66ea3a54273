"""Every op in the op-spec table against its NumPy reference.

Inputs are drawn by hypothesis over the row's dtypes and shapes, including rank 0,
size-1 and empty dimensions and (for binary ops) broadcasting. A result must match the
reference in dtype, shape and value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitf as tf
from tests.op_specs import OP_SPECS, OpSpec
from tests.strategies import arrays, dtypes, shape_tuples

# TF computes 0/0, log(0) and overflow silently (nan, inf); NumPy warns. minitf silences
# its own warnings at import, but pytest resets warning filters for each test.
pytestmark = [pytest.mark.tensors, pytest.mark.filterwarnings("ignore::RuntimeWarning")]


def _tolerance(dtype: tf.DType, spec: OpSpec) -> tuple[float, float]:
    if dtype == tf.float16:
        return 1e-3, 1e-3
    if dtype == tf.float64:
        return 1e-10, 1e-10
    return spec.rtol, spec.atol


def assert_same(got: Any, expected: Any, tol: tuple[float, float], what: str) -> None:
    """``got`` (a Tensor, or a list of them) equals the NumPy ``expected`` exactly in
    dtype and shape, and in value up to ``tol`` for floats (NaN equals NaN)."""
    if isinstance(expected, (list, tuple)):
        assert isinstance(got, (list, tuple)), f"{what}: expected a list, got {type(got)}"
        assert len(got) == len(expected), f"{what}: {len(got)} outputs, not {len(expected)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            assert_same(g, e, tol, f"{what}[{i}]")
        return
    expected = np.asarray(expected)
    assert isinstance(got, tf.Tensor), f"{what}: returned {type(got).__name__}, not a Tensor"
    assert got.dtype == tf.as_dtype(expected.dtype), (
        f"{what}: dtype {got.dtype.name}, expected {expected.dtype}")
    assert got.shape == expected.shape, f"{what}: shape {got.shape}, expected {expected.shape}"
    value = got.numpy()
    if expected.dtype.kind == "f":
        np.testing.assert_allclose(value, expected, rtol=tol[0], atol=tol[1], equal_nan=True,
                                   err_msg=what)
    else:
        np.testing.assert_array_equal(value, expected, err_msg=what)


def draw_inputs(data: st.DataObject, spec: OpSpec) -> list[np.ndarray]:
    """The row's input arrays: a dtype, shapes for every argument, values in the domain."""
    dtype = data.draw(dtypes(spec.dtypes), label="dtype")
    if spec.shapes is not None:
        arg_shapes = data.draw(spec.shapes(), label="shapes")
    else:
        arg_shapes = data.draw(shape_tuples(spec.arity, broadcast=spec.broadcast,
                                            min_dims=spec.min_dims, max_dims=spec.max_dims,
                                            min_side=spec.min_side), label="shapes")
    return [data.draw(arrays(dtype, s, low=spec.low, high=spec.high,
                             allow_zero=not spec.avoid_zero), label=f"x{i}")
            for i, s in enumerate(arg_shapes)]


@pytest.mark.parametrize("spec", OP_SPECS, ids=lambda s: s.name)
@given(data=st.data())
def test_forward_matches_numpy(spec: OpSpec, data: st.DataObject) -> None:
    xs = draw_inputs(data, spec)
    kwargs = spec.kwargs or {}
    expected = spec.reference(*xs, **kwargs)
    got = spec.fn(*[tf.constant(x) for x in xs], **kwargs)
    assert_same(got, expected, _tolerance(tf.as_dtype(xs[0].dtype), spec), spec.name)


def test_table_has_one_row_per_public_op() -> None:
    """Every op of the Foundation issue's list has at least one row (its name starts it)."""
    ops = """add subtract multiply divide truediv floordiv floormod pow negative abs sign exp
    log log1p sqrt rsqrt square sin cos tanh sigmoid maximum minimum where clip_by_value
    round floor ceil equal not_equal less less_equal greater greater_equal logical_and
    logical_or logical_xor logical_not reduce_sum reduce_mean reduce_max reduce_min
    reduce_prod reduce_any reduce_all reduce_logsumexp argmax argmin reshape transpose
    concat stack unstack split squeeze expand_dims tile broadcast_to gather pad one_hot
    shape size rank matmul relu relu6 leaky_relu elu softmax log_softmax softplus
    sigmoid_cross_entropy_with_logits softmax_cross_entropy_with_logits
    sparse_softmax_cross_entropy_with_logits cast identity zeros_like ones_like""".split()
    names = [s.name for s in OP_SPECS]
    assert len(set(names)) == len(names), "row names must be unique"
    missing = [op for op in ops if not any(n == op or n.startswith(op + "_") for n in names)]
    assert missing == []


# Where TensorFlow 2.21 puts each op of the list (recorded with real TF:
# hasattr(tf, n), hasattr(tf.math, n), hasattr(tf.nn, n)). minitf must offer at least
# these places, each the same function.
TF_PLACES = {
    "top": """add subtract multiply divide truediv negative abs sign exp sqrt square sin cos
        tanh sigmoid maximum minimum where clip_by_value round floor equal not_equal less
        less_equal greater greater_equal logical_and logical_or logical_not reduce_sum
        reduce_mean reduce_max reduce_min reduce_prod reduce_any reduce_all reduce_logsumexp
        argmax argmin reshape transpose concat stack unstack split squeeze expand_dims tile
        broadcast_to gather pad one_hot shape size rank matmul cast constant
        convert_to_tensor zeros ones fill zeros_like ones_like range linspace eye identity
        pow""".split(),
    "math": """add subtract multiply divide truediv floordiv floormod pow negative abs sign
        exp log log1p sqrt rsqrt square sin cos tanh sigmoid maximum minimum round floor
        ceil equal not_equal less less_equal greater greater_equal logical_and logical_or
        logical_not logical_xor reduce_sum reduce_mean reduce_max reduce_min reduce_prod
        reduce_any reduce_all reduce_logsumexp argmax argmin softmax log_softmax softplus
        mod""".split(),
    "nn": """relu relu6 leaky_relu elu softmax log_softmax sigmoid softplus tanh
        sigmoid_cross_entropy_with_logits softmax_cross_entropy_with_logits
        sparse_softmax_cross_entropy_with_logits""".split(),
    "linalg": ["matmul", "eye"],
}


@pytest.mark.parametrize("place", sorted(TF_PLACES))
def test_ops_live_where_tensorflow_puts_them(place: str) -> None:
    module = tf if place == "top" else getattr(tf, place)
    missing = [n for n in TF_PLACES[place] if not hasattr(module, n)]
    assert missing == [], f"tf.{place} lacks {missing}"


def test_math_carries_the_same_functions() -> None:
    # tf.math.add is tf.add, not a copy: one function per op.
    for n in TF_PLACES["math"]:
        for other in (tf, tf.nn):
            if hasattr(other, n):
                assert getattr(tf.math, n) is getattr(other, n), n


_DIRECT = [s for s in OP_SPECS if getattr(s.fn, "__module__", "").startswith("minitf")
           and s.arity == 1 and not s.kwargs]


@pytest.mark.parametrize("spec", _DIRECT, ids=lambda s: s.name)
def test_ops_accept_numpy_arrays_and_lists(spec: OpSpec) -> None:
    # Public ops convert their arguments: a NumPy array or nested list works like a tensor.
    x = np.array([[1, 2, 3], [2, 1, 3]], dtype=spec.dtypes[0].as_numpy_dtype)
    if spec.dtypes[0] == tf.bool:
        x = x > 1
    expected = spec.fn(tf.constant(x))
    for value in (x, x.tolist()) if x.dtype in (np.float32, np.int32, np.bool_) else (x,):
        assert_same(spec.fn(value), np.asarray(expected), (0, 0), spec.name)

"""``reverse``, ``roll``, ``repeat``, ``sequence_mask``, ``gather_nd``, ``ensure_shape``
(minitf/ops/rearrange.py) and ``squared_difference``, ``l2_loss``, ``categorical``,
``diag_part``, ``trace``, ``diag`` (minitf/ops/extra_math.py).

Values printed by TF 2.21; forward values against NumPy over hypothesis shapes, axes and
dtypes; float64 finite-difference gradients (all but ``categorical`` and
``sequence_mask`` are differentiable); the same values under ``tf.function`` (with the
checks ``ensure_shape`` and ``gather_nd`` make when a graph runs); ``categorical``'s
shapes, seeds and distribution; and every error.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitf as tf
from minitf.core import interpreters
from minitf.core.primitive import PRIMITIVES
from minitf.ops.extra_math import categorical, diag, diag_part, l2_loss, squared_difference, trace
from minitf.ops.rearrange import (
    ensure_shape, ensure_shape_p, gather_nd, repeat, reverse, roll, sequence_mask,
)
from minitf.testing import check_grads
from tests.strategies import (
    ALL_NUMERIC, FLOAT_DTYPES, INT_DTYPES, arrays, broadcastable_shapes, dtypes, shapes,
)
from tests.test_registry import CheckingBuilder

# One chapter marker per test (coursework grades by marker): forward values are
# chapter 1 (tensors), gradients chapter 2 (autodiff), tf.function chapter 3 (graphs).

ANY_DTYPE = ALL_NUMERIC + (tf.bool,)
P = [[1, 2], [3, 4]]
X23 = [[1, 2, 3], [4, 5, 6]]


# ---------------------------------------------------------------------------------------
# Forward values printed by TF 2.21
# ---------------------------------------------------------------------------------------
@pytest.mark.tensors
@pytest.mark.parametrize("call, expected", [
    # Printed by TF 2.21.
    (lambda: reverse(X23, [1]), [[3, 2, 1], [6, 5, 4]]),
    (lambda: reverse(X23, [0, -1]), [[6, 5, 4], [3, 2, 1]]),
    (lambda: reverse(X23, []), X23),
    (lambda: reverse([True, False], [0]), [False, True]),
    (lambda: roll([0, 1, 2, 3, 4], shift=2, axis=0), [3, 4, 0, 1, 2]),
    (lambda: roll([0, 1, 2, 3, 4], shift=-7, axis=0), [2, 3, 4, 0, 1]),
    (lambda: roll(X23, shift=[1, -1], axis=[0, 1]), [[5, 6, 4], [2, 3, 1]]),
    (lambda: roll(X23, shift=[1, 1], axis=[1, 1]), [[2, 3, 1], [5, 6, 4]]),
    (lambda: repeat(P, repeats=2), [1, 1, 2, 2, 3, 3, 4, 4]),
    (lambda: repeat(P, repeats=[2, 3], axis=0), [[1, 2], [1, 2], [3, 4], [3, 4], [3, 4]]),
    (lambda: repeat(P, repeats=[0, 1], axis=1), [[2], [4]]),
    (lambda: repeat(P, repeats=3, axis=-1), [[1, 1, 1, 2, 2, 2], [3, 3, 3, 4, 4, 4]]),
    (lambda: repeat(P, repeats=[1, 2, 3, 4]), [1, 2, 2, 3, 3, 3, 4, 4, 4, 4]),
    (lambda: repeat(P, repeats=[2], axis=0), [[1, 2], [1, 2], [3, 4], [3, 4]]),
    (lambda: repeat([1, 2], repeats=[-1, 2], axis=0), [2, 2]),  # a negative count is 0
    (lambda: repeat(3, repeats=2), [3, 3]),
    (lambda: sequence_mask([1, 3], 4, dtype=tf.float32), [[1, 0, 0, 0], [1, 1, 1, 0]]),
    (lambda: sequence_mask([[1, 3], [2, 0]]),
     [[[True, False, False], [True, True, True]], [[True, True, False], [False] * 3]]),
    (lambda: sequence_mask([1.5, 3.0], 4), [[True, False, False, False], [True] * 3 + [False]]),
    (lambda: sequence_mask([-1, 6], 4), [[False] * 4, [True] * 4]),
    (lambda: sequence_mask(2, 3), [True, True, False]),
    (lambda: sequence_mask([1, 2], 3, dtype=tf.int32), [[1, 0, 0], [1, 1, 0]]),
    (lambda: gather_nd(P, [[0, 0], [1, 1]]), [1, 4]),
    (lambda: gather_nd(P, [[1], [0]]), [[3, 4], [1, 2]]),
    (lambda: gather_nd(P, [[[0, 1]], [[1, 0]]]), [[2], [3]]),
    (lambda: gather_nd(P, [1, 0]), 3),
    (lambda: gather_nd(P, tf.zeros([2, 0], tf.int32)), [P, P]),
    (lambda: gather_nd(P, tf.constant([[1, 1]], tf.int64)), [4]),
    (lambda: gather_nd([True, False], [[1]]), [False]),
    (lambda: squared_difference([1.0, 2.0], [[3.0], [0.5]]), [[4, 1], [0.25, 2.25]]),
    (lambda: squared_difference([1, 2], 5), [16, 9]),
    (lambda: l2_loss([[1.0, 2.0], [3.0, 4.0]]), 15.0),
    (lambda: l2_loss(tf.constant([3.0], tf.float16)), 4.5),
    (lambda: l2_loss(tf.zeros([0])), 0.0),
    (lambda: diag_part(X23), [1, 5]),
    (lambda: diag_part(np.array(X23).T), [1, 5]),
    (lambda: diag_part(tf.reshape(tf.range(8), [2, 2, 2])), [[0, 3], [4, 7]]),
    (lambda: diag_part([[1.0, np.inf], [np.nan, 2.0]]), [1, 2]),
    (lambda: trace(X23), 6),
    (lambda: trace(tf.reshape(tf.range(8.0), [2, 2, 2])), [3, 11]),
    (lambda: trace(tf.constant(P, tf.uint8)), 5),
    (lambda: diag([1, 2, 3]), [[1, 0, 0], [0, 2, 0], [0, 0, 3]]),
    (lambda: diag([[1.0, 2.0], [3.0, 4.0]]), [[[1, 0], [0, 2]], [[3, 0], [0, 4]]]),
    (lambda: diag([np.inf, 1.0]), [[np.inf, 0], [0, 1]]),  # no NaN from inf * 0
])
def test_values_printed_by_tensorflow(call, expected):
    got = call()
    np.testing.assert_array_equal(got.numpy(), np.array(expected, dtype=got.dtype.as_numpy_dtype))


@pytest.mark.tensors
def test_dtypes_and_empty_shapes_printed_by_tensorflow():
    # Printed by TF 2.21.
    assert reverse(tf.constant(["a", "b"]), [0]).numpy().tolist() == [b"b", b"a"]
    with tf.device("/CPU:0"):  # (strings stay on the host; the GPU table's gather takes none)
        assert repeat(tf.constant(["a"]), 2).numpy().tolist() == [b"a", b"a"]
    assert roll(tf.zeros([0, 3]), shift=1, axis=0).shape == (0, 3)
    assert sequence_mask([1], 0).shape == (1, 0)
    assert sequence_mask(tf.zeros([0], tf.int32)).shape == (0, 0)
    assert gather_nd(P, tf.zeros([0, 2], tf.int32)).shape == (0,)
    assert diag_part(tf.zeros([0, 3])).shape == (0,) and diag(tf.zeros([0])).shape == (0, 0)
    assert squared_difference([1, 2], 5).dtype == tf.int32
    assert l2_loss(tf.constant([3.0], tf.float64)).dtype == tf.float64
    assert ensure_shape(tf.zeros([2, 3]), tf.TensorShape(None)).shape == (2, 3)
    assert ensure_shape(tf.constant(1.0), []).shape == ()


# ---------------------------------------------------------------------------------------
# Forward values against NumPy
# ---------------------------------------------------------------------------------------
@st.composite
def tensor_and_axes(draw, dtypes_=ANY_DTYPE, min_dims=1):
    shape = draw(shapes(min_dims=min_dims), label="shape")
    x = draw(arrays(draw(dtypes(dtypes_), label="dtype"), shape), label="x")
    axis = st.integers(-len(shape), len(shape) - 1)
    axes = draw(st.lists(axis, max_size=3) if shape else st.just([]), label="axes")
    return x, axes


@pytest.mark.tensors
@given(tensor_and_axes(min_dims=0))
def test_reverse_matches_numpy(case):
    x, axes = case
    axes = list({a % x.ndim: a for a in axes}.values())  # each axis once
    np.testing.assert_array_equal(reverse(tf.constant(x), axes).numpy(), np.flip(x, axes))


@pytest.mark.tensors
@given(tensor_and_axes(), st.data())
def test_roll_matches_numpy(case, data):
    x, axes = case
    shifts = data.draw(st.lists(st.integers(-9, 9), min_size=len(axes), max_size=len(axes)))
    got = roll(tf.constant(x), shifts, axes)
    np.testing.assert_array_equal(got.numpy(), np.roll(x, shifts, axes) if axes else x)
    if axes:  # scalar shift and axis
        np.testing.assert_array_equal(roll(tf.constant(x), shifts[0], axes[0]).numpy(),
                                      np.roll(x, shifts[0], axes[0]))


@pytest.mark.tensors
@given(tensor_and_axes(min_dims=0), st.data())
def test_repeat_matches_numpy(case, data):
    x, axes = case
    axis = axes[0] if axes and x.ndim else None
    n = x.size if axis is None else x.shape[axis]
    repeats = data.draw(st.one_of(st.integers(0, 3),
                                  st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    got = repeat(tf.constant(x), repeats, axis=axis)
    np.testing.assert_array_equal(got.numpy(), np.repeat(x, repeats, axis=axis))


@pytest.mark.tensors
@given(arrays(tf.int32, (3, 2), low=-2, high=6), st.one_of(st.none(), st.integers(0, 7)),
       dtypes(FLOAT_DTYPES + INT_DTYPES + (tf.bool,)))
def test_sequence_mask_matches_numpy(lengths, maxlen, dtype):
    limit = max(lengths.max(), 0) if maxlen is None else maxlen
    expected = np.arange(limit) < lengths[..., None]
    got = sequence_mask(lengths, maxlen, dtype=dtype)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got.numpy(), expected.astype(dtype.as_numpy_dtype))


@st.composite
def gather_nd_cases(draw):
    shape = draw(shapes(min_dims=1, min_side=1), label="params shape")
    params = draw(arrays(draw(dtypes(ANY_DTYPE)), shape), label="params")
    d = draw(st.integers(0, len(shape)), label="tuple length")
    batch = draw(shapes(min_dims=0, max_dims=2), label="batch")
    columns = [draw(arrays(tf.int32, batch, low=0, high=n - 1)) for n in shape[:d]]
    indices = np.stack(columns, -1) if d else np.zeros(batch + (0,), np.int32)
    return params, indices.astype(draw(st.sampled_from([np.int16, np.int32, np.int64])))


@pytest.mark.tensors
@given(gather_nd_cases())
def test_gather_nd_matches_numpy(case):
    params, indices = case
    d, tail = indices.shape[-1], params.shape[indices.shape[-1]:]
    picked = [params[tuple(t)] for t in indices.reshape(math.prod(indices.shape[:-1]), d)]
    expected = np.array(picked, params.dtype).reshape(indices.shape[:-1] + tail)
    got = gather_nd(tf.constant(params), tf.constant(indices))
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got.numpy(), expected)


@pytest.mark.tensors
@given(broadcastable_shapes(), dtypes(FLOAT_DTYPES + INT_DTYPES), st.data())
def test_squared_difference_and_l2_loss_match_numpy(shapes_, dtype, data):
    x = data.draw(arrays(dtype, shapes_[0]), label="x")
    y = data.draw(arrays(dtype, shapes_[1]), label="y")
    got = squared_difference(tf.constant(x), tf.constant(y))
    assert got.dtype == dtype
    np.testing.assert_allclose(got.numpy(), np.square(x - y), rtol=1e-6)
    if dtype.is_floating:
        np.testing.assert_allclose(l2_loss(tf.constant(x)).numpy(), np.sum(x * x) / 2,
                                   rtol=1e-5, atol=1e-5)


@pytest.mark.tensors
@given(shapes(min_dims=2, max_dims=4), dtypes(ALL_NUMERIC), st.data())
def test_diagonal_ops_match_numpy(shape, dtype, data):
    x = data.draw(arrays(dtype, shape, low=0, high=9), label="x")
    np.testing.assert_array_equal(diag_part(tf.constant(x)).numpy(),
                                  np.diagonal(x, axis1=-2, axis2=-1))
    expected_trace = np.trace(x, axis1=-2, axis2=-1).astype(x.dtype)
    np.testing.assert_allclose(trace(tf.constant(x)).numpy(), expected_trace, rtol=1e-2)
    d = data.draw(arrays(dtype, shape[:-1], low=0, high=9), label="diagonal")
    expected = np.zeros(d.shape + d.shape[-1:], x.dtype)
    for i in range(d.shape[-1]):
        expected[..., i, i] = d[..., i]
    np.testing.assert_array_equal(diag(tf.constant(d)).numpy(), expected)


@pytest.mark.tensors
@given(shapes(min_dims=0, max_dims=3), st.data())
def test_ensure_shape_accepts_exactly_the_compatible_shapes(shape, data):
    x = tf.zeros(shape)
    wanted = [data.draw(st.sampled_from([None, d, d + 1])) for d in shape]
    if data.draw(st.booleans()):
        wanted.append(1)  # another rank
    if len(wanted) == len(shape) and all(w in (None, d) for w, d in zip(wanted, shape)):
        assert ensure_shape(x, wanted) is x
    else:
        with pytest.raises(tf.errors.InvalidArgumentError, match="is not compatible with"):
            ensure_shape(x, wanted)


@pytest.mark.tensors
def test_categorical_shapes_seeds_and_distribution():
    logits = tf.math.log([[0.2, 0.3, 0.5], [0.5, 0.5, 0.0]])  # class 2 of row 1: -inf
    tf.random.set_seed(3)
    first = categorical(logits, 4000)
    tf.random.set_seed(3)
    assert np.array_equal(categorical(logits, 4000).numpy(), first.numpy())  # reproducible
    assert first.shape == (2, 4000) and first.dtype == tf.int64
    again = categorical(logits, 4000)
    assert not np.array_equal(again.numpy(), first.numpy())  # the stream continues
    frequencies = np.bincount(first.numpy()[0], minlength=3) / 4000
    # Binomial standard errors are below 0.008: 0.04 is five of them.
    np.testing.assert_allclose(frequencies, [0.2, 0.3, 0.5], atol=0.04)
    assert set(first.numpy()[1].tolist()) == {0, 1}  # a -inf logit is never drawn
    assert categorical(logits, 3, dtype=tf.int32, seed=7).dtype == tf.int32
    tf.random.set_seed(None)
    a, b = categorical(logits, 50, seed=7), categorical(logits, 50, seed=7)
    assert not np.array_equal(a.numpy(), b.numpy())  # an op seed alone continues too
    assert categorical(logits, 0).shape == (2, 0)
    assert categorical(tf.zeros([0, 3], tf.float64), 2).shape == (0, 2)
    assert categorical(tf.constant([[1.0, 2.0]], tf.float16), tf.constant(2)).shape == (1, 2)


@pytest.mark.tensors
def test_ensure_shape_primitive_is_registered_and_complete():
    # (tests/test_registry.py checks every primitive registered when it is collected.)
    assert PRIMITIVES["ensure_shape"] is ensure_shape_p and ensure_shape_p.dtype_kinds is None
    assert callable(ensure_shape_p.abstract_eval) and callable(ensure_shape_p.vjp)
    assert callable(ensure_shape_p.impls["numpy"])


@pytest.mark.tensors
def test_abstract_eval_agrees_with_the_numpy_implementation():
    builder = CheckingBuilder()
    x = tf.constant(np.arange(24.0).reshape(2, 3, 4))
    with interpreters.using(interpreters.current().replace(builder=builder)):
        reverse(x, [0, 2]), roll(x, [1, 2], [1, -1]), repeat(x, [1, 0, 2], axis=1)
        sequence_mask(tf.constant([1, 3]), 4), gather_nd(x, [[1, 2], [0, 0]])
        squared_difference(x, 1.0), l2_loss(x), diag_part(x), trace(x), diag(x)
        categorical(x[0], 5)
        ensure_shape_p.abstract_eval(tf.TensorSpec([None, 3]), shape=(2, None))
        interpreters.bind1(ensure_shape_p, x, shape=(2, None, 4))
    assert {"slice", "gather", "ensure_shape", "random_uniform", "select"} <= builder.seen


@pytest.mark.tensors
@pytest.mark.parametrize("call, error, match", [
    (lambda: reverse(X23, 1), tf.errors.InvalidArgumentError,
     r"reverse: axis must be a 1-D vector \(a list\), not of shape \[\]"),
    (lambda: reverse(X23, [1, -1]), tf.errors.InvalidArgumentError,
     r"axis 1 specified more than once.*list each axis once"),
    (lambda: reverse(X23, [2]), tf.errors.InvalidArgumentError,
     r"'axis'\[0\] = 2 is out of valid range \[-2, 2\)"),
    (lambda: reverse(X23, [1.0]), tf.errors.InvalidArgumentError, r"axis must be integers"),
    (lambda: roll(X23, [1, 1], [1]), tf.errors.InvalidArgumentError,
     r"shift and axis must have the same size.*2 shift\(s\) for 1 axis"),
    (lambda: roll(X23, 1, [0, 1]), tf.errors.InvalidArgumentError, r"the same size"),
    (lambda: roll(X23, 1, 2), tf.errors.InvalidArgumentError, r"axis 2 is out of range"),
    (lambda: roll(tf.constant(1.0), 1, 0), tf.errors.InvalidArgumentError,
     r"input must be 1-D or higher"),
    (lambda: roll(X23, 1.0, 0), tf.errors.InvalidArgumentError, r"shift must be integers"),
    (lambda: roll(X23, [[1]], [[0]]), tf.errors.InvalidArgumentError,
     r"shift must be a scalar or a 1-D vector"),
    (lambda: repeat(P, [1, 2, 3], axis=0), ValueError,
     r"`repeats` of shape \(3,\) does not fit: axis 0 .* has 2 slices"),
    (lambda: repeat([1, 2], [[1, 2]], axis=0), ValueError, r"`repeats` of shape \(1, 2\)"),
    (lambda: repeat([1, 2], -1, axis=0), tf.errors.InvalidArgumentError,
     r"repeats must be >= 0, got -1"),
    (lambda: repeat([1, 2], 2, axis=1), ValueError, r"axis=1 out of bounds: expected -1<=axis<1"),
    (lambda: repeat([1, 2], 2.0), TypeError, r"`repeats` must be of type integer"),
    (lambda: sequence_mask([1], -1), tf.errors.InvalidArgumentError, r"maxlen must be >= 0"),
    (lambda: sequence_mask([1], [3]), ValueError, r"`maxlen` must be scalar for sequence_mask"),
    (lambda: sequence_mask([True]), tf.errors.InvalidArgumentError, r"lengths must be numbers"),
    (lambda: gather_nd(P, [[0, 2]]), tf.errors.InvalidArgumentError,
     r"indices\[0\] = \[0, 2\] does not index into param shape \[2,2\]"),
    (lambda: gather_nd(P, [[1, 0], [0, -1]]), tf.errors.InvalidArgumentError,
     r"indices\[1\] = \[0, -1\] does not index"),
    (lambda: gather_nd(P, [[0, 0, 0]]), tf.errors.InvalidArgumentError,
     r"innermost dimension length must be <= params rank; saw: 3 vs. 2"),
    (lambda: gather_nd(P, [[0.0, 0.0]]), tf.errors.InvalidArgumentError,
     r"indices must be int16, int32 or int64"),
    (lambda: gather_nd(P, tf.constant([[0]], tf.uint8)), tf.errors.InvalidArgumentError,
     r"int16, int32 or int64, got shape=\(1, 1\) dtype=uint8"),
    (lambda: gather_nd(P, 0), tf.errors.InvalidArgumentError, r"indices must be at least a vector"),
    (lambda: gather_nd(3, [0]), tf.errors.InvalidArgumentError, r"params must be at least a"),
    (lambda: gather_nd(P, [[0]], batch_dims=1), NotImplementedError, r"batch_dims"),
    (lambda: ensure_shape(tf.zeros([2, 3]), [3, None]), tf.errors.InvalidArgumentError,
     r"Shape of tensor x \[2,3\] is not compatible with expected shape \[3,\?\]"),
    (lambda: ensure_shape(tf.zeros([2, 3]), [2]), tf.errors.InvalidArgumentError,
     r"expected shape \[2\]"),
    (lambda: ensure_shape(tf.zeros([2, 3]), [-1, 3]), ValueError, r"Dimension -1 must be >= 0"),
    (lambda: squared_difference(tf.constant([1], tf.uint8), tf.constant([3], tf.uint8)),
     tf.errors.InvalidArgumentError, r"supports floats, int32 and int64, got .*uint8"),
    (lambda: squared_difference([True], [False]), tf.errors.InvalidArgumentError, r"bool"),
    (lambda: squared_difference(tf.constant([1.0]), tf.constant([3])),
     tf.errors.InvalidArgumentError, r"\[Op:SquaredDifference\]"),
    (lambda: squared_difference(tf.ones([2]), tf.ones([3])), tf.errors.InvalidArgumentError,
     r"Incompatible shapes: \[2\] vs. \[3\] \[Op:SquaredDifference\]"),
    (lambda: l2_loss(tf.constant([3])), tf.errors.InvalidArgumentError,
     r"l2_loss expects a floating-point tensor.*int32"),
    (lambda: categorical([[0.0]], 3, dtype=tf.float32), ValueError,
     r"Accepted dtypes are \(tf.int32, tf.int64\)"),
    (lambda: categorical([0.5, 0.5], 3), tf.errors.InvalidArgumentError,
     r"logits should be a matrix, got shape \[2\]"),
    (lambda: categorical([[0.0]], -1), tf.errors.InvalidArgumentError,
     r"num_samples should be non-negative, got -1"),
    (lambda: categorical(tf.zeros([2, 0]), 3), tf.errors.InvalidArgumentError,
     r"num_classes should be positive, got 0"),
    (lambda: categorical([[1, 2]], 3), tf.errors.InvalidArgumentError, r"expects float logits"),
    (lambda: categorical([[0.0]], 2.0), TypeError, r"num_samples must be one integer"),
    (lambda: diag_part([1, 2]), tf.errors.InvalidArgumentError,
     r"input must be at least 2-dim, received shape: \[2\]"),
    (lambda: diag_part([[True]]), TypeError, r"Cannot convert 0 to EagerTensor of dtype bool"),
    (lambda: diag_part(P, k=1), NotImplementedError, r"diag_part: k other than the default"),
    (lambda: trace([1, 2]), tf.errors.InvalidArgumentError, r"at least 2-dim"),
    (lambda: trace([[True]]), tf.errors.InvalidArgumentError, r"trace sums the diagonal"),
    (lambda: diag(1), tf.errors.InvalidArgumentError,
     r"diagonal must be at least 1-dim, received shape: \[\]"),
    (lambda: diag([True]), TypeError, r"dtype bool"),
    (lambda: diag([1, 2], num_rows=3), NotImplementedError, r"num_rows"),
])
def test_errors_name_the_op_and_the_fix(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------------------------------
# Gradients
# ---------------------------------------------------------------------------------------
@pytest.mark.autodiff
def test_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (4,))
    check_grads(lambda t: reverse(t, [0, 1]), [x], order=2)
    check_grads(lambda t: roll(t, [1, -3], [0, 1]), [x], order=2)
    check_grads(lambda t: repeat(t, [2, 0, 1], axis=0), [x], order=2)
    check_grads(lambda t: repeat(t, 2), [x])
    # A tuple picked twice gets both cotangents; a row tuple picks a whole row.
    check_grads(lambda t: gather_nd(t, [[0, 1], [2, 3], [0, 1]]), [x], order=2)
    check_grads(lambda t: gather_nd(t, [[[2], [0]]]), [x])
    check_grads(squared_difference, [x, y], order=2)  # y is broadcast
    check_grads(l2_loss, [x], order=2)
    check_grads(diag_part, [rng.uniform(-2, 2, (2, 3, 4))], order=2)
    check_grads(trace, [rng.uniform(-2, 2, (2, 3, 3))])
    check_grads(diag, [rng.uniform(-2, 2, (2, 3))], order=2)
    check_grads(lambda t: ensure_shape(t, [3, None]), [x])


@pytest.mark.autodiff
def test_gradients_print_what_tensorflow_prints():
    # Printed by TF 2.21.
    p = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape(persistent=True) as tape:
        picked = tf.reduce_sum(gather_nd(p, [[0, 0], [0, 0], [1, 0]]))
        checked = tf.reduce_sum(ensure_shape(p, [2, None]) * 3)
        mask = sequence_mask(tf.cast(p[:, 0], tf.int32), 3, dtype=tf.float32)
    assert tape.gradient(picked, p).numpy().tolist() == [[2.0, 0.0], [1.0, 0.0]]
    assert tape.gradient(checked, p).numpy().tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert tape.gradient(mask, p) is None  # a comparison: no gradient


# ---------------------------------------------------------------------------------------
# tf.function
# ---------------------------------------------------------------------------------------
def _all_ops(x):
    lengths = tf.cast(tf.abs(x[:, 0]) * 2, tf.int32)
    return (reverse(x, [0, 1]), roll(x, [2, -1], [1, 0]), repeat(x, [1, 0, 2, 1], axis=1),
            sequence_mask(lengths, 4), gather_nd(x, [[0, 3], [2, 1]]), ensure_shape(x, [None, 4]),
            squared_difference(x, x[0]), l2_loss(x), diag_part(x), trace(x), diag(x[0]))


def _batch_ops(x):
    # The ops that need no size of the batch axis 0 while tracing.
    lengths = tf.cast(tf.abs(x[:, 0]) * 2, tf.int32)
    return (reverse(x, [0, 1]), roll(x, 2, 1), repeat(x, [1, 0, 2, 1], axis=1),
            sequence_mask(lengths, 4), ensure_shape(x, [None, 4]), squared_difference(x, x[0]),
            l2_loss(x), gather_nd(tf.transpose(x), [[3], [1]]))


@pytest.mark.graphs
def test_inside_tf_function_equals_eager():
    x = np.random.default_rng(4).normal(size=(3, 4)).astype(np.float32)
    unknown_batch = [tf.TensorSpec([None, 4], tf.float32)]
    for ops, f in ((_all_ops, tf.function(_all_ops)),
                   (_batch_ops, tf.function(_batch_ops, input_signature=unknown_batch))):
        for a, b in zip(f(x), ops(tf.constant(x))):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.graphs
def test_graph_checks_run_when_the_graph_runs():
    seen = []

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.float32)])
    def checked(t):
        out = ensure_shape(t, [None, 3])
        seen.append(out.shape.as_list())  # what the tracer learned
        return out

    assert checked(tf.zeros([4, 3])).shape == (4, 3) and seen == [[None, 3]]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[4,2\] is not compatible"):
        checked(tf.zeros([4, 2]))
    with pytest.raises(ValueError, match=r"shape \[\?,2\] is not compatible with the expected"):
        tf.function(lambda t: ensure_shape(t, [None, 3]),
                    input_signature=[tf.TensorSpec([None, 2], tf.float32)])(tf.zeros([1, 2]))
    # gather_nd with indices known only when the graph runs: a bad tuple still fails.
    pick = tf.function(gather_nd, input_signature=[tf.TensorSpec([2, 2], tf.float32),
                                                   tf.TensorSpec([None, 2], tf.int32)])
    assert pick(tf.constant([[1.0, 2.0], [3.0, 4.0]]), [[1, 0]]).numpy().tolist() == [3.0]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"not in \[0, 4\)"):
        pick(tf.constant([[1.0, 2.0], [3.0, 4.0]]), [[0, 2]])  # flat position 2 exists


@pytest.mark.graphs
def test_gradient_through_ensure_shape_in_a_graph_is_the_cotangent():
    # With sizes unknown when tracing, the graph holds an ensure_shape equation: its VJP
    # passes the cotangent through (also its own second derivative: the identity's).
    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.float64)])
    def grads(t):
        with tf.GradientTape() as outer:
            outer.watch(t)
            with tf.GradientTape() as inner:
                inner.watch(t)
                y = tf.reduce_sum(ensure_shape(t, [None, 2]) ** 3)
            g = inner.gradient(y, t)
            total = tf.reduce_sum(g)
        return g, outer.gradient(total, t)

    g, gg = grads(tf.constant([[1.0, 2.0]], tf.float64))
    assert g.numpy().tolist() == [[3.0, 12.0]] and gg.numpy().tolist() == [[6.0, 12.0]]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[1,3\] is not compatible"):
        grads(tf.constant([[1.0, 2.0, 3.0]], tf.float64))


@pytest.mark.graphs
def test_categorical_in_tf_function_draws_anew_and_follows_the_seed():
    draw = tf.function(lambda logits: categorical(logits, 20, seed=5))
    logits = tf.zeros([2, 4])
    tf.random.set_seed(1)
    first, second = draw(logits).numpy(), draw(logits).numpy()
    assert not np.array_equal(first, second)  # random ops are effectful: not folded
    tf.random.set_seed(1)
    assert np.array_equal(draw(logits).numpy(), first)


@pytest.mark.graphs
def test_gradient_inside_tf_function_equals_eager():
    x = tf.constant(np.random.default_rng(5).normal(size=(3, 4)))

    def grad(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = tf.reduce_sum(_all_ops(t)[4]) + tf.reduce_sum(roll(t, 1, 1) * repeat(t, 1, axis=0))
            y += l2_loss(reverse(t, [1])) + trace(t) + tf.reduce_sum(diag(t[1]))
        return tape.gradient(y, t)

    np.testing.assert_allclose(tf.function(grad)(x).numpy(), grad(x).numpy(), rtol=1e-12)

"""``tf.Tensor``: printing, shapes, indexing, operators and the Python protocols.

Expected ``repr``/``str`` texts and behaviours were recorded with TensorFlow 2.21
(tests/tf_printed.py and the comments below); no test needs TensorFlow.
"""

from __future__ import annotations

import operator
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitf as tf
from tests.strategies import arrays, index_keys, shapes
from tests.tf_printed import REPR_CASES

pytestmark = pytest.mark.tensors


# -- repr and str: exactly TensorFlow's ---------------------------------------------------
@pytest.mark.parametrize("expr,expected_repr,expected_str", REPR_CASES,
                         ids=[c[0] for c in REPR_CASES])
def test_repr_and_str_are_tensorflows(expr: str, expected_repr: str, expected_str: str) -> None:
    t = eval(expr, {"tf": tf, "np": np})
    assert repr(t) == expected_repr
    assert str(t) == expected_str


def test_print_shows_str() -> None:
    x = tf.constant([[1., 2., 3.], [4., 5., 6.]])
    # The seed guide's first cell, as TF 2.21 printed it.
    assert str(x) == ("tf.Tensor(\n[[1. 2. 3.]\n [4. 5. 6.]], shape=(2, 3), dtype=float32)")
    assert str(x.shape) == "(2, 3)"
    assert str(x.dtype) == "<dtype: 'float32'>"


# -- facts --------------------------------------------------------------------------------
def test_tensor_facts() -> None:
    t = tf.constant([[1, 2, 3]])
    assert isinstance(t, tf.Tensor) and tf.is_tensor(t) and not tf.is_tensor([1])
    assert t.shape == (1, 3) and t.ndim == 2 and t.dtype == tf.int32
    assert t.device.endswith("CPU:0")
    scalar = tf.constant(1.5).numpy()
    assert type(scalar) is np.float32 and scalar == 1.5  # a NumPy scalar, as TF


def test_tensors_are_immutable() -> None:
    t = tf.constant([1, 2])
    with pytest.raises(TypeError, match="does not support item assignment"):
        t[0] = 5  # type: ignore[index]
    copy = t.numpy()
    copy[0] = 99  # .numpy() is a copy: the tensor keeps its value
    assert t.numpy().tolist() == [1, 2]
    with pytest.raises(TypeError, match="tf.constant"):
        tf.Tensor()


def test_tensors_are_unhashable_but_have_refs() -> None:
    t = tf.constant(1)
    with pytest.raises(TypeError, match="ref()"):
        hash(t)
    assert {t.ref(): "one"}[t.ref()] == "one" and t.ref().deref() is t


# -- TensorShape ---------------------------------------------------------------------------
def test_tensor_shape() -> None:
    # Each value below is what TF 2.21 gave.
    s = tf.TensorShape([2, 3])
    assert s.rank == 2 and len(s) == 2 and s.as_list() == [2, 3] and list(s) == [2, 3]
    assert s[0] == 2 and s[-1] == 3 and s[1:] == tf.TensorShape([3])
    assert s == [2, 3] and s == (2, 3) and s != (2, 4) and s[0:1] == [2]
    assert repr(s) == "TensorShape([2, 3])" and str(s) == "(2, 3)"
    assert s.num_elements() == 6 and s.is_fully_defined()
    assert s + [4] == [2, 3, 4] and s.concatenate([1]) == [2, 3, 1]
    assert not s.is_compatible_with([2, 3, 1])


def test_tensor_shape_with_unknown_dims() -> None:
    s = tf.TensorShape([None, 3])
    assert str(s) == "(None, 3)" and repr(s) == "TensorShape([None, 3])"
    assert s == [None, 3] and s.as_list() == [None, 3] and s[0] is None
    assert s.num_elements() is None and not s.is_fully_defined()
    assert s.is_compatible_with([4, 3])
    unknown = tf.TensorShape(None)
    assert unknown.rank is None and repr(unknown) == "TensorShape(None)"
    assert str(unknown) == "<unknown>"
    with pytest.raises(ValueError):
        unknown.as_list()
    assert tf.TensorShape([]).rank == 0 and str(tf.TensorShape([])) == "()"
    assert str(tf.TensorShape([5])) == "(5,)"


# -- indexing ------------------------------------------------------------------------------
@given(data=st.data())
def test_indexing_matches_numpy(data: st.DataObject) -> None:
    # ints (negative too), slices with any step, `...` and None/tf.newaxis.
    x = data.draw(arrays(tf.float32, data.draw(shapes(min_dims=0, max_dims=3))))
    key = data.draw(index_keys(x.shape))
    got = tf.constant(x)[key]
    expected = x[key]
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got.numpy(), expected)


def test_indexing_forms() -> None:
    x = tf.reshape(tf.range(12), [3, 4])
    assert x[1].numpy().tolist() == [4, 5, 6, 7]
    assert x[-1, -2].numpy() == 10
    assert x[::2, ::-1].numpy().tolist() == [[3, 2, 1, 0], [11, 10, 9, 8]]
    assert x[..., 0].numpy().tolist() == [0, 4, 8]
    assert x[:, tf.newaxis, 1].shape == (3, 1) and tf.newaxis is None
    assert x[tf.constant(1), 2].numpy() == 6  # a scalar int tensor indexes
    assert x[tf.constant(1):].shape == (2, 4)
    assert tf.constant(5)[None].shape == (1,) and tf.constant(5)[...].shape == ()


@pytest.mark.parametrize("key,error", [
    (5, tf.errors.InvalidArgumentError),      # TF: slice index 5 of dimension 0 out of bounds
    (-4, tf.errors.InvalidArgumentError),
    ((0, 0, 0), tf.errors.InvalidArgumentError),  # more indices than dimensions
    (slice(None, None, 0), tf.errors.InvalidArgumentError),  # TF: strides must be non-zero
    (0.5, TypeError),
    ("a", TypeError),
])
def test_bad_indices_raise_tensorflows_errors(key: Any, error: type) -> None:
    with pytest.raises(error):
        tf.constant([[1, 2], [3, 4], [5, 6]])[key]


# -- operators -----------------------------------------------------------------------------
BINARY = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv,
          operator.mod, operator.pow]


@pytest.mark.parametrize("op", BINARY, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", [tf.float32, tf.float64, tf.int32, tf.int64], ids=str)
@given(data=st.data())
def test_binary_operators_with_tensors_and_python_scalars(op: Callable, dtype: tf.DType,
                                                          data: st.DataObject) -> None:
    low = 1 if op in (operator.pow,) else -5
    x = data.draw(arrays(dtype, data.draw(shapes()), low=low, high=4,
                         allow_zero=op not in (operator.truediv, operator.floordiv,
                                               operator.mod)))
    scalar = data.draw(st.integers(1, 3))
    if dtype.is_floating:
        scalar = float(scalar)
    t = tf.constant(x)
    expected_dtype = (tf.float64 if op is operator.truediv and dtype.is_integer else dtype)
    for got, expected in ((op(t, t), op(x, x)),
                          (op(t, scalar), op(x, x.dtype.type(scalar))),
                          (op(scalar, t), op(x.dtype.type(scalar), x))):  # reflected
        assert got.dtype == expected_dtype  # a Python scalar takes the tensor's dtype
        np.testing.assert_allclose(got.numpy(), np.asarray(expected, expected_dtype.np),
                                   rtol=1e-6)


@pytest.mark.parametrize("dtype", [tf.float16, tf.float32, tf.float64], ids=str)
@pytest.mark.parametrize("op, tf_op, d_right, d_left", [
    (operator.add, tf.add, 1.0, 1.0), (operator.sub, tf.subtract, 1.0, -1.0),
    (operator.mul, tf.multiply, None, None)], ids=["add", "sub", "mul"])
@given(value=st.floats(-1e3, 1e3, width=16),
       number=st.floats(-10, 10) | st.sampled_from([0.0, -0.0, 0.01]))
def test_python_float_and_a_scalar_tensor_give_the_ops_own_bits(
        dtype: tf.DType, op: Callable, tf_op: Callable, d_right: Any, d_left: Any,
        value: float, number: float) -> None:
    # `learning_rate * g`: a gradient of a scalar variable holds a NumPy scalar (what a
    # reduction gives), and the operators take a shortcut for it. Same value, dtype and
    # bits (the sign of a zero too) as the op itself; under a tape, recorded as usual.
    g = tf.reduce_sum(tf.constant([value], dtype))
    assert type(g._value) is not np.ndarray
    for got, want in ((op(g, number), tf_op(g, number)), (op(number, g), tf_op(number, g))):
        assert got.dtype == dtype and type(got.numpy()) is type(want.numpy())
        assert np.asarray(got.numpy()).tobytes() == np.asarray(want.numpy()).tobytes()
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(g)
        right, left = op(g, number), op(number, g)
    for result, slope in ((right, d_right), (left, d_left)):
        want = dtype.as_numpy_dtype(number if slope is None else slope)
        assert tape.gradient(result, g).numpy().tobytes() == np.asarray(want).tobytes()


def test_python_float_with_an_int_tensor_is_refused() -> None:
    # TF: cannot compute AddV2 as input #1(zero-based) was expected to be a int32 tensor
    # but is a float tensor.
    with pytest.raises(tf.errors.InvalidArgumentError, match="int32"):
        tf.constant([1, 2]) + 1.5


def test_comparison_operators() -> None:
    t = tf.constant([1, 2, 3])
    assert (t < 2).numpy().tolist() == [True, False, False]
    assert (t <= 2).numpy().tolist() == [True, True, False]
    assert (t > 2).numpy().tolist() == [False, False, True]
    assert (3 > t).numpy().tolist() == [True, True, False]  # reflected
    assert (t >= tf.constant(2)).numpy().tolist() == [False, True, True]
    assert (t == [1, 0, 3]).numpy().tolist() == [True, False, True]
    assert (t != 2).numpy().tolist() == [True, False, True]


def test_equality_rules_follow_tensorflow() -> None:
    t = tf.constant([1, 2])
    assert (t == None) is False and (t != None) is True  # noqa: E711 - the operator itself
    # Shapes that do not broadcast: one scalar answer, not an error (TF 2.21).
    assert repr(t == [1, 2, 3]) == "<tf.Tensor: shape=(), dtype=bool, numpy=False>"
    assert repr(t != [1, 2, 3]) == "<tf.Tensor: shape=(), dtype=bool, numpy=True>"
    with pytest.raises(TypeError):  # TF: Cannot convert 1.5 to EagerTensor of dtype int32
        _ = t == 1.5
    with pytest.raises(TypeError):
        _ = t == "a"
    assert (tf.constant(["a", "b"]) == "a").numpy().tolist() == [True, False]


def test_unary_operators() -> None:
    t = tf.constant([1.5, -2.0])
    assert (-t).numpy().tolist() == [-1.5, 2.0]
    assert abs(t).numpy().tolist() == [1.5, 2.0]
    assert abs(tf.constant([-3])).dtype == tf.int32


def test_logical_operators_on_bools() -> None:
    a, b = tf.constant([True, True, False]), tf.constant([True, False, False])
    assert (a & b).numpy().tolist() == [True, False, False]
    assert (a | b).numpy().tolist() == [True, True, False]
    assert (a ^ b).numpy().tolist() == [False, True, False]
    assert (~a).numpy().tolist() == [False, False, True]
    assert (True & b).numpy().tolist() == [True, False, False]  # reflected
    assert (False | b).numpy().tolist() == [True, False, False]
    assert (True ^ b).numpy().tolist() == [False, True, True]


def test_matmul_operator_and_numpy_operands() -> None:
    a = tf.constant([[1., 2.]])
    b = np.array([[1.], [2.]], np.float32)
    assert (a @ b).numpy().tolist() == [[5.0]]
    # An ndarray on the left defers to the tensor (__array_priority__), as in TF.
    assert isinstance(b @ a, tf.Tensor) and (b @ a).shape == (2, 2)
    assert ([[1., 2.]] @ tf.constant([[1.], [2.]])).numpy().tolist() == [[5.0]]
    summed = np.array([1., 2.], np.float32) + tf.constant([1., 2.])
    assert isinstance(summed, tf.Tensor) and summed.numpy().tolist() == [2.0, 4.0]


# -- NumPy and matplotlib take tensors -----------------------------------------------------
def test_array_protocol() -> None:
    t = tf.constant([[1, 2], [3, 4]])
    assert np.asarray(t).dtype == np.int32
    assert np.array(t, dtype=np.float64).dtype == np.float64
    out = np.sin(tf.constant([0., 1.]))
    assert type(out) is np.ndarray and out.dtype == np.float32  # TF gives an ndarray too
    assert np.sum(t) == 10 and np.concatenate([t, t]).shape == (4, 2)


def test_matplotlib_plots_tensors() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    x = tf.linspace(-2.0, 2.0, 5)
    fig, ax = plt.subplots()
    try:
        (line,) = ax.plot(x, x ** 2, label="y")
        np.testing.assert_allclose(line.get_ydata(), [4, 1, 0, 1, 4])
        np.testing.assert_allclose(line.get_xdata(), [-2, -1, 0, 1, 2])
    finally:
        plt.close(fig)


# -- len, iter, bool, float, int, index ----------------------------------------------------
def test_python_protocols() -> None:
    t = tf.constant([1, 2, 3])
    assert len(t) == 3
    items = list(t)
    assert all(isinstance(i, tf.Tensor) for i in items)
    assert [int(i) for i in items] == [1, 2, 3]
    assert float(tf.constant(2.5)) == 2.5 and float(tf.constant([2.5])) == 2.5
    assert int(tf.constant(2.9)) == 2 and int(tf.constant(-2.9)) == -2
    assert [10, 20, 30][tf.constant(1)] == 20
    assert list(range(tf.constant(3))) == [0, 1, 2]
    assert operator.index(tf.constant(4, tf.int64)) == 4
    assert bool(tf.constant([1])) and not bool(tf.constant(0.0))
    assert bool(tf.constant([])) is False  # TF 2.21: an empty tensor is False


@pytest.mark.parametrize("call,error", [
    (lambda: len(tf.constant(1)), TypeError),
    (lambda: list(tf.constant(1)), TypeError),
    (lambda: bool(tf.constant([1, 2])), ValueError),    # ambiguous truth value
    (lambda: float(tf.constant([2.5, 1.0])), TypeError),
    (lambda: [10, 20][tf.constant(1.0)], TypeError),    # only integer tensors index
    (lambda: [10, 20][tf.constant([1])], TypeError),
])
def test_python_protocol_refusals(call: Callable, error: type) -> None:
    with pytest.raises(error):
        call()

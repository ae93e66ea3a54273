"""Turning Python and NumPy values into tensors: TensorFlow's inference rules.

* a Python float becomes float32, an int int32 (int64 when it does not fit, ValueError
  beyond int64), a bool bool, a str a string;
* NumPy arrays and scalars keep their dtype;
* a nested list must be rectangular; its dtype comes from its *first* leaf: an int list
  may hold floats (float32) and bools, a bool list only bools; NumPy float leaves first
  keep their width; tensors in a list are stacked with the first tensor's dtype;
* ``dtype=`` converts Python numbers and NumPy arrays, refuses floats for integer dtypes
  and anything but bools for bool, and never changes a tensor's dtype (use ``tf.cast``).

Every case in ``CONVERSION_CASES`` was run with TensorFlow 2.21 and recorded.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitf as tf
from tests.strategies import ALL_NUMERIC, arrays, dtypes, shapes
from tests.tf_printed import CONVERSION_CASES

# (1e40 as float32 is inf, silently, as in TF; pytest would show NumPy's warning.)
pytestmark = [pytest.mark.tensors, pytest.mark.filterwarnings("ignore::RuntimeWarning")]

ERRORS = {"ValueError": ValueError, "TypeError": TypeError,
          "InvalidArgumentError": tf.errors.InvalidArgumentError}


@pytest.mark.parametrize("expr,expected", CONVERSION_CASES, ids=[c[0] for c in CONVERSION_CASES])
def test_conversion_as_tensorflow(expr: str, expected: tuple) -> None:
    env = {"tf": tf, "np": np}
    if expected[0] == "error":
        with pytest.raises(ERRORS[expected[1]]):
            eval(expr, env)
        return
    _, dtype, shape, value = expected
    t = eval(expr, env)
    assert isinstance(t, tf.Tensor)
    assert (t.dtype.name, t.shape.as_list()) == (dtype, shape)
    assert repr(np.asarray(t).tolist()) == value


@given(data=st.data())
def test_numpy_arrays_keep_their_dtype(data: st.DataObject) -> None:
    dtype = data.draw(dtypes(ALL_NUMERIC + (tf.bool,)))
    x = data.draw(arrays(dtype, data.draw(shapes())))
    for convert in (tf.constant, tf.convert_to_tensor):
        t = convert(x)
        assert t.dtype == dtype and t.shape == x.shape
        np.testing.assert_array_equal(t.numpy(), x)


@given(st.recursive(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=3),
                    lambda inner: st.lists(inner, min_size=1, max_size=2), max_leaves=8))
def test_python_float_lists_become_float32(value: list) -> None:
    try:
        expected = np.array(value, np.float32)
    except ValueError:  # hypothesis drew a ragged list: TF refuses it too
        with pytest.raises(ValueError, match="non-rectangular"):
            tf.constant(value)
        return
    t = tf.constant(value)
    assert t.dtype == tf.float32 and t.shape == expected.shape
    np.testing.assert_array_equal(t.numpy(), expected)


@given(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=5))
def test_python_int_lists_are_int32_unless_too_big(value: list) -> None:
    t = tf.constant(value)
    fits = all(-(2**31) <= v < 2**31 for v in value)
    assert t.dtype == (tf.int32 if fits else tf.int64)
    assert t.numpy().tolist() == value


@pytest.mark.parametrize("value", [[[1, 2], [3]], [[1, 2], 3], [[[1]], [2]], [[], [1, 2]]])
def test_ragged_lists_raise_value_error(value: list) -> None:
    # (TF 2.21 refuses all but the last, which it quietly turns into [[], []], dropping
    # data; minitf refuses that one too, deliberately.)
    with pytest.raises(ValueError, match="non-rectangular"):
        tf.convert_to_tensor(value)


def test_mixed_bool_and_number_lists() -> None:
    # TF 2.21 decides by the first leaf: numbers may absorb bools, bools may not absorb
    # numbers.
    assert tf.constant([1, True]).dtype == tf.int32
    assert tf.constant([1.0, True]).dtype == tf.float32
    for value in ([True, 1], [True, 1.0], [[True], [2]]):
        with pytest.raises(ValueError, match="mixed types"):
            tf.constant(value)


@pytest.mark.parametrize("dtype", [tf.float16, tf.float32, tf.float64, tf.int8, tf.int32,
                                   tf.int64, tf.uint8], ids=str)
def test_dtype_argument_converts_python_ints(dtype: tf.DType) -> None:
    t = tf.constant([[1, 2], [3, 4]], dtype=dtype)
    assert t.dtype == dtype and t.numpy().tolist() == [[1, 2], [3, 4]]
    assert tf.convert_to_tensor(5, dtype=dtype).numpy() == 5
    assert tf.convert_to_tensor(5, dtype=dtype.name).dtype == dtype  # names work too


def test_dtype_argument_refusals() -> None:
    with pytest.raises(TypeError, match="dtype int32"):
        tf.constant(1.5, dtype=tf.int32)  # a float never silently becomes an int
    with pytest.raises(TypeError, match="dtype bool"):
        tf.constant(1, dtype=tf.bool)
    with pytest.raises(TypeError):
        tf.constant("a", dtype=tf.float32)
    with pytest.raises(ValueError, match="tf.cast"):
        tf.convert_to_tensor(tf.constant(1.0), dtype=tf.float64)
    with pytest.raises(TypeError, match="tf.cast"):
        tf.constant(tf.constant(1.0), dtype=tf.float64)


def test_numpy_values_convert_to_a_requested_dtype() -> None:
    # Unlike Python floats, NumPy arrays are cast (truncating) when a dtype is given.
    assert tf.constant(np.array([1.5, 2.5]), dtype=tf.int32).numpy().tolist() == [1, 2]
    assert tf.convert_to_tensor(np.float64(1.5), dtype=tf.int32).numpy() == 1


def test_dtype_hint_is_only_a_preference() -> None:
    assert tf.convert_to_tensor([1, 2], dtype_hint=tf.float32).dtype == tf.float32
    assert tf.convert_to_tensor([1.5], dtype_hint=tf.int32).dtype == tf.float32
    assert tf.convert_to_tensor(tf.constant(1), dtype_hint=tf.float32).dtype == tf.int32


def test_strings() -> None:
    t = tf.constant(["a", "bc"])
    assert t.dtype == tf.string and t.numpy().tolist() == [b"a", b"bc"]
    assert tf.constant("hello").numpy() == b"hello"
    with pytest.raises(ValueError, match="mixed types"):
        tf.constant([1, "a"])


def test_constant_with_shape() -> None:
    assert tf.constant(0, shape=[2, 3]).numpy().tolist() == [[0, 0, 0], [0, 0, 0]]
    assert tf.constant([1, 2, 3, 4], shape=[2, 2]).shape == (2, 2)
    with pytest.raises(TypeError, match="3 elements"):
        tf.constant([1, 2, 3], shape=[2, 2])


def test_variables_and_tensors_convert() -> None:
    v = tf.Variable([1.0, 2.0])
    t = tf.convert_to_tensor(v)
    assert isinstance(t, tf.Tensor) and t.numpy().tolist() == [1.0, 2.0]
    same = tf.constant([1])
    assert tf.convert_to_tensor(same) is same  # tensors pass through unchanged

"""``tf.dtypes``: names, reprs, properties and conversions, as TensorFlow 2.21 has them.

The expected values below were printed by TensorFlow 2.21.
"""

from __future__ import annotations

import numpy as np
import pytest

import minitf as tf

pytestmark = pytest.mark.tensors

# name, NumPy type, is_floating, is_integer, is_unsigned, bytes, min, max
TABLE = [
    ("float16", np.float16, True, False, False, 2, -65504.0, 65504.0),
    ("float32", np.float32, True, False, False, 4, -3.4028235e+38, 3.4028235e+38),
    ("float64", np.float64, True, False, False, 8, -1.7976931348623157e+308,
     1.7976931348623157e+308),
    ("int8", np.int8, False, True, False, 1, -128, 127),
    ("int16", np.int16, False, True, False, 2, -32768, 32767),
    ("int32", np.int32, False, True, False, 4, -2147483648, 2147483647),
    ("int64", np.int64, False, True, False, 8, -9223372036854775808, 9223372036854775807),
    ("uint8", np.uint8, False, True, True, 1, 0, 255),
]


@pytest.mark.parametrize("row", TABLE, ids=[r[0] for r in TABLE])
def test_dtype_properties(row: tuple) -> None:
    name, np_type, floating, integer, unsigned, size, lo, hi = row
    d = getattr(tf, name)
    assert d is getattr(tf.dtypes, name)
    assert d.name == name and repr(d) == f"tf.{name}" and str(d) == f"<dtype: '{name}'>"
    assert d.as_numpy_dtype is np_type  # the NumPy *type*, as TF returns
    assert (d.is_floating, d.is_integer, d.is_unsigned, d.is_bool) == (
        floating, integer, unsigned, False)
    assert d.size == size and d.is_numeric
    assert d.min == np_type(lo) and d.max == np_type(hi)
    if floating:  # TF gives floats' limits as NumPy scalars of the type
        assert type(d.min) is np_type and type(d.max) is np_type
    else:
        assert type(d.min) is int and type(d.max) is int


def test_bool_and_string() -> None:
    assert repr(tf.bool) == "tf.bool" and str(tf.bool) == "<dtype: 'bool'>"
    assert tf.bool.is_bool and not tf.bool.is_numeric and not tf.bool.is_integer
    assert tf.bool.as_numpy_dtype is np.bool_
    with pytest.raises(TypeError):
        _ = tf.bool.max  # TF: Cannot find maximum value of <dtype: 'bool'>
    assert repr(tf.string) == "tf.string" and tf.string.name == "string"


def test_aliases() -> None:
    assert tf.half is tf.float16 and tf.double is tf.float64
    assert tf.as_dtype("double") is tf.float64 and tf.as_dtype("half") is tf.float16


@pytest.mark.parametrize("value,expected", [
    ("float32", tf.float32), (np.float64, tf.float64), (np.dtype("int16"), tf.int16),
    (float, tf.float32), (bool, tf.bool), (tf.uint8, tf.uint8), ("int64", tf.int64),
    (object, tf.string), (np.str_, tf.string),
])
def test_as_dtype(value: object, expected: tf.DType) -> None:
    assert tf.as_dtype(value) is expected and tf.dtypes.as_dtype(value) is expected


@pytest.mark.parametrize("value", ["foo", int, str, np.complex64])
def test_as_dtype_refuses_what_names_no_dtype(value: object) -> None:
    # TF 2.21 refuses Python's int too (it could be int32 or int64) and str; complex
    # types exist in TF but not in minitf.
    with pytest.raises(TypeError):
        tf.as_dtype(value)


def test_equality_and_hashing() -> None:
    assert tf.float32 == "float32" and tf.float32 == np.float32
    assert tf.float32 != tf.float64 and (tf.float32 == 3) is False
    assert hash(tf.float32) == hash(tf.dtypes.float32)
    assert {tf.float32: 1}[tf.as_dtype("float32")] == 1
    assert tf.float32.is_compatible_with(tf.float32)
    assert not tf.float32.is_compatible_with(tf.int32)
    assert tf.float32.base_dtype is tf.float32 and tf.float32.real_dtype is tf.float32


def test_dtypes_module_carries_cast() -> None:
    assert tf.dtypes.cast is tf.cast
    assert tf.dtypes.DType is tf.DType


def test_tensor_dtypes_follow_numpy_buffers() -> None:
    for d in (tf.float16, tf.float32, tf.float64, tf.int8, tf.int16, tf.int32, tf.int64,
              tf.uint8, tf.bool):
        t = tf.zeros([2], d)
        assert t.dtype is d and t.numpy().dtype == d.as_numpy_dtype


def test_dtype_scalar_is_the_numpy_scalar_made_once_and_keeps_the_sign_of_zero():
    # DType.scalar memoizes NumPy scalars of Python numbers (a training step converts
    # the same learning rate every time); -0.0 == 0.0 as dict keys, so zeros are not
    # memoized: each keeps its sign.
    a = tf.float32.scalar(0.01)
    assert a is tf.float32.scalar(0.01)
    assert type(a) is np.float32 and a == np.float32(0.01)
    assert type(tf.float64.scalar(0.01)) is np.float64
    assert np.signbit(tf.float32.scalar(0.0)) == False  # noqa: E712 - NumPy bool
    assert np.signbit(tf.float32.scalar(-0.0)) == True  # noqa: E712
    assert np.signbit(tf.float32.scalar(0.0)) == False  # noqa: E712
    assert tf.int32.scalar(3) == 3 and type(tf.int32.scalar(3)) is np.int32

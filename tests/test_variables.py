"""``tf.Variable``: creation, assignment and what it returns, reading, arithmetic, errors.

Every expected repr below is what TensorFlow 2.21 printed for the same code.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitf as tf
from tests.strategies import arrays, dtypes, shapes

pytestmark = pytest.mark.tensors


def test_the_seed_cell() -> None:
    var = tf.Variable([0.0, 0.0, 0.0])
    assert repr(var) == ("<tf.Variable 'Variable:0' shape=(3,) dtype=float32, "
                         "numpy=array([0., 0., 0.], dtype=float32)>")
    assert repr(var.assign([1, 2, 3])) == (
        "<tf.Variable 'UnreadVariable' shape=(3,) dtype=float32, "
        "numpy=array([1., 2., 3.], dtype=float32)>")
    assert repr(var.assign_add([1, 1, 1])) == (
        "<tf.Variable 'UnreadVariable' shape=(3,) dtype=float32, "
        "numpy=array([2., 3., 4.], dtype=float32)>")
    assert repr(var.assign_sub([0.5, 0.5, 0.5])) == (
        "<tf.Variable 'UnreadVariable' shape=(3,) dtype=float32, "
        "numpy=array([1.5, 2.5, 3.5], dtype=float32)>")
    assert str(var) == repr(var) == ("<tf.Variable 'Variable:0' shape=(3,) dtype=float32, "
                                     "numpy=array([1.5, 2.5, 3.5], dtype=float32)>")


def test_assign_returns_the_variable_itself() -> None:
    v = tf.Variable([0.0, 0.0, 0.0])
    assert v.assign([4, 5, 6], read_value=False) is None
    # The returned object is the variable: assignments chain, and it shows later values.
    r = v.assign([7, 8, 9]).assign_add([1, 1, 1])
    assert r.numpy().tolist() == [8.0, 9.0, 10.0] == v.numpy().tolist()
    w = tf.Variable(1.0)
    r = w.assign(2.0)
    w.assign(3.0)
    assert repr(r) == "<tf.Variable 'UnreadVariable' shape=() dtype=float32, numpy=3.0>"
    assert repr(r + 1) == "<tf.Tensor: shape=(), dtype=float32, numpy=4.0>"
    assert repr(w.assign(tf.Variable(5.0))) == (
        "<tf.Variable 'UnreadVariable' shape=() dtype=float32, numpy=5.0>")


@given(data=st.data())
def test_assign_add_and_sub_match_numpy(data: st.DataObject) -> None:
    dtype = data.draw(dtypes())
    shape = data.draw(shapes())
    x, a, b = (data.draw(arrays(dtype, shape, low=-100, high=100)) for _ in range(3))
    v = tf.Variable(x)
    v.assign_add(a)
    v.assign_sub(b)
    assert v.dtype == dtype and v.shape == shape
    np.testing.assert_allclose(v.numpy(), x + a - b, rtol=1e-6)


def test_reading() -> None:
    v = tf.Variable([1.5, 2.5])
    for read in (v.read_value(), v.value(), tf.convert_to_tensor(v), tf.identity(v)):
        assert repr(read) == ("<tf.Tensor: shape=(2,), dtype=float32, "
                              "numpy=array([1.5, 2.5], dtype=float32)>")
    snapshot = v.read_value()
    v.assign([0.0, 0.0])
    assert snapshot.numpy().tolist() == [1.5, 2.5]  # a read is a value, not a view
    assert v.numpy().tolist() == [0.0, 0.0]


def test_arithmetic_returns_tensors() -> None:
    v = tf.Variable([1.5, 2.5, 3.5])
    for result, expected in (
            (v + 1, [2.5, 3.5, 4.5]), (1 + v, [2.5, 3.5, 4.5]), (v * v, [2.25, 6.25, 12.25]),
            (-v, [-1.5, -2.5, -3.5]), (v[0], 1.5), (v[1:], [2.5, 3.5])):
        assert isinstance(result, tf.Tensor) and not isinstance(result, tf.Variable)
        assert result.numpy().tolist() == expected
    # The operators of TF 2.21 (reprs recorded there).
    assert repr(tf.Variable(2.0) ** 2) == "<tf.Tensor: shape=(), dtype=float32, numpy=4.0>"
    assert repr(tf.Variable(5) // 2) == "<tf.Tensor: shape=(), dtype=int32, numpy=2>"
    assert repr(tf.Variable(5) / 2) == "<tf.Tensor: shape=(), dtype=float64, numpy=2.5>"
    assert repr(tf.Variable(5) > 2) == "<tf.Tensor: shape=(), dtype=bool, numpy=True>"
    assert repr(tf.Variable([[1., 2.]]) @ tf.constant([[1.], [1.]])) == (
        "<tf.Tensor: shape=(1, 1), dtype=float32, numpy=array([[3.]], dtype=float32)>")
    assert repr(tf.Variable([1, 2]) == [1, 3]) == (
        "<tf.Tensor: shape=(2,), dtype=bool, numpy=array([ True, False])>")
    assert bool(tf.Variable(True)) and int(tf.Variable(7)) == 7
    assert float(tf.Variable(7.5)) == 7.5
    assert [float(x) for x in tf.Variable([8.0, 9.0])] == [8.0, 9.0]


@pytest.mark.parametrize("make,expected", [
    (lambda: tf.Variable(1.0), "<tf.Variable 'Variable:0' shape=() dtype=float32, numpy=1.0>"),
    (lambda: tf.Variable(1), "<tf.Variable 'Variable:0' shape=() dtype=int32, numpy=1>"),
    (lambda: tf.Variable(True), "<tf.Variable 'Variable:0' shape=() dtype=bool, numpy=True>"),
    (lambda: tf.Variable([[1., 2.], [3., 4.]]),
     ("<tf.Variable 'Variable:0' shape=(2, 2) dtype=float32, numpy=\n"
      "array([[1., 2.],\n       [3., 4.]], dtype=float32)>")),
    (lambda: tf.Variable(3.0, name="w"), "<tf.Variable 'w:0' shape=() dtype=float32, numpy=3.0>"),
    (lambda: tf.Variable([1, 2], dtype=tf.float64),
     "<tf.Variable 'Variable:0' shape=(2,) dtype=float64, numpy=array([1., 2.])>"),
    (lambda: tf.Variable(tf.constant([1.5])),
     "<tf.Variable 'Variable:0' shape=(1,) dtype=float32, numpy=array([1.5], dtype=float32)>"),
    (lambda: tf.Variable(lambda: tf.zeros([2])),
     "<tf.Variable 'Variable:0' shape=(2,) dtype=float32, numpy=array([0., 0.], dtype=float32)>"),
    (lambda: tf.Variable(np.array([1, 2])),
     "<tf.Variable 'Variable:0' shape=(2,) dtype=int64, numpy=array([1, 2])>"),
], ids=["float", "int", "bool", "matrix", "named", "dtype", "tensor", "callable", "numpy"])
def test_creation_and_repr(make: object, expected: str) -> None:
    assert repr(make()) == expected


def test_facts() -> None:
    v = tf.Variable([8.0, 9.0, 10.0])
    assert v.name == "Variable:0" and tf.Variable(3.0, name="w").name == "w:0"
    assert v.shape == tf.TensorShape([3]) and v.dtype is tf.float32 and v.ndim == 1
    assert v.trainable and not tf.Variable(1.0, trainable=False).trainable
    assert repr(v.numpy()) == "array([ 8.,  9., 10.], dtype=float32)"
    assert v.device.endswith("CPU:0")


def test_variables_are_unhashable_but_have_refs() -> None:
    v = tf.Variable(1.0)
    with pytest.raises(TypeError, match="ref()"):
        hash(v)
    assert {v.ref(): 1}[v.ref()] == 1


# -- errors (classes and first words as TF 2.21) -------------------------------------------
def test_assigning_another_shape_raises_value_error() -> None:
    v = tf.Variable([1., 2.])
    with pytest.raises(ValueError, match=r"Shape mismatch.*\(2,\).*\(3,\)"):
        v.assign([1., 2., 3.])
    with pytest.raises(ValueError, match=r"\(1, 2\)"):
        v.assign([[1., 2.]])
    assert v.numpy().tolist() == [1.0, 2.0]  # unchanged


@pytest.mark.parametrize("method", ["assign_add", "assign_sub"])
def test_updating_with_another_shape_raises_invalid_argument(method: str) -> None:
    # TF: Cannot update variable with shape [2] using a Tensor with shape [3] (no
    # broadcasting, not even of a scalar).
    v = tf.Variable([1., 2.])
    for value in ([1., 2., 3.], 1.0):
        with pytest.raises(tf.errors.InvalidArgumentError, match="shape"):
            getattr(v, method)(value)


def test_assigning_another_dtype() -> None:
    v = tf.Variable(1.0)
    v.assign(1)  # a Python int takes the variable's dtype
    assert v.dtype is tf.float32 and v.numpy() == 1.0
    with pytest.raises(ValueError, match="tf.cast"):  # a tensor never changes dtype
        v.assign(tf.constant(1))
    with pytest.raises(ValueError, match="float64"):
        v.assign_add(tf.constant(1.0, tf.float64))
    with pytest.raises(TypeError, match="int32"):  # TF: Cannot convert 1.5 to ... int32
        tf.Variable(1).assign(1.5)
    with pytest.raises(TypeError):
        tf.Variable(1).assign_add(0.5)


def test_arithmetic_keeps_dtype_strictness() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match="int32"):
        tf.Variable(1.0) + tf.constant(1)


@pytest.mark.parametrize("make,error", [
    (lambda: tf.Variable(), ValueError),
    (lambda: tf.Variable(None), ValueError),
    (lambda: tf.Variable([[1], [2, 3]]), ValueError),
])
def test_creation_errors(make: object, error: type) -> None:
    with pytest.raises(error):
        make()

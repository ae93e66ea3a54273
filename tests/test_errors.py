"""Errors: TensorFlow's classes, and messages that name the op, the shapes or dtypes
involved, and what to do instead.

The error classes are the ones TensorFlow 2.21 raises for the same calls (checked there);
the messages start like TensorFlow's and then add the fix.
"""

from __future__ import annotations

from typing import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitf as tf
from tests.strategies import dtypes, shapes

pytestmark = pytest.mark.tensors


def message(call: Callable, error: type) -> str:
    """The message of the ``error`` that ``call`` raises."""
    with pytest.raises(error) as info:
        call()
    return str(info.value)


# -- the four cases of the Foundation issue -------------------------------------------------
def test_int32_plus_float32_names_both_dtypes_and_the_fix() -> None:
    text = message(lambda: tf.constant(1) + tf.constant(1.0), tf.errors.InvalidArgumentError)
    assert "int32" in text and "float32" in text and "AddV2" in text
    assert "tf.cast" in text


@given(a=dtypes(), b=dtypes(), op=st.sampled_from(["add", "subtract", "multiply", "maximum"]))
def test_every_dtype_mix_is_refused_naming_both(a: tf.DType, b: tf.DType, op: str) -> None:
    x, y = tf.ones([2], a), tf.ones([2], b)
    if a == b:
        assert getattr(tf, op)(x, y).dtype == a
        return
    text = message(lambda: getattr(tf, op)(x, y), tf.errors.InvalidArgumentError)
    assert a.name in text and b.name in text and "tf.cast" in text


def test_matmul_mismatch_names_both_shapes_and_the_fix() -> None:
    text = message(lambda: tf.matmul(tf.ones([2, 3]), tf.ones([2, 3])),
                   tf.errors.InvalidArgumentError)
    # TF: Matrix size-incompatible: In[0]: [2,3], In[1]: [2,3] [Op:MatMul]
    assert text.startswith("Matrix size-incompatible: In[0]: [2,3], In[1]: [2,3]")
    assert "MatMul" in text and "transpose_b=True" in text
    text = message(lambda: tf.ones([3, 4, 5]) @ tf.ones([3, 4, 6]),
                   tf.errors.InvalidArgumentError)
    assert "[3,4,5]" in text and "[3,4,6]" in text


@given(data=st.data())
def test_bad_reshape_names_the_sizes(data: st.DataObject) -> None:
    shape = data.draw(shapes(min_side=1))
    n = 1
    for d in shape:
        n *= d
    target = data.draw(st.integers(1, 50).filter(lambda m: m != n))
    text = message(lambda: tf.reshape(tf.zeros(shape), [target]),
                   tf.errors.InvalidArgumentError)
    assert f"{n} values" in text and str(target) in text and "Reshape" in text
    assert "multiply to the same number" in text


def test_reshape_with_minus_one_names_the_sizes() -> None:
    text = message(lambda: tf.reshape(tf.range(6), [4, -1]), tf.errors.InvalidArgumentError)
    assert "6 values" in text and "multiple of 4" in text and "-1" in text


@pytest.mark.parametrize("value", [[[1, 2], [3]], [[1.0], [2.0, 3.0]], [[[1, 2]], [[3]]]])
def test_ragged_list_raises_value_error_with_the_fix(value: list) -> None:
    text = message(lambda: tf.constant(value), ValueError)
    assert text.startswith("Can't convert non-rectangular Python sequence to Tensor")
    assert "same length" in text


# -- the classes ---------------------------------------------------------------------------
def test_error_classes_are_tensorflows() -> None:
    names = ["OpError", "CancelledError", "UnknownError", "InvalidArgumentError",
             "DeadlineExceededError", "NotFoundError", "AlreadyExistsError",
             "PermissionDeniedError", "UnauthenticatedError", "ResourceExhaustedError",
             "FailedPreconditionError", "AbortedError", "OutOfRangeError",
             "UnimplementedError", "InternalError", "UnavailableError", "DataLossError"]
    for i, name in enumerate(names):
        cls = getattr(tf.errors, name)
        assert issubclass(cls, tf.errors.OpError) and issubclass(cls, Exception)
        if i:  # TF's status codes: CANCELLED = 1 ... UNAUTHENTICATED = 16
            assert cls.error_code == {
                "CancelledError": 1, "UnknownError": 2, "InvalidArgumentError": 3,
                "DeadlineExceededError": 4, "NotFoundError": 5, "AlreadyExistsError": 6,
                "PermissionDeniedError": 7, "ResourceExhaustedError": 8,
                "FailedPreconditionError": 9, "AbortedError": 10, "OutOfRangeError": 11,
                "UnimplementedError": 12, "InternalError": 13, "UnavailableError": 14,
                "DataLossError": 15, "UnauthenticatedError": 16}[name]


def test_op_error_signature() -> None:
    e = tf.errors.NotFoundError(None, None, "no such file: x.ckpt")
    assert str(e) == e.message == "no such file: x.ckpt"
    assert e.op is None and e.node_def is None
    assert str(tf.errors.InvalidArgumentError("just a message")) == "just a message"


# -- other errors teach too ----------------------------------------------------------------
TEACHING = [
    # (call, class, words the message must contain: names, then the fix)
    (lambda: tf.ones([2, 3]) + tf.ones([4]), tf.errors.InvalidArgumentError,
     ["[2,3]", "[1,4]", "AddV2", "expand_dims"]),
    (lambda: tf.matmul(tf.ones([3]), tf.ones([3])), tf.errors.InvalidArgumentError,
     ["rank >= 2", "[3]", "tf.reshape"]),
    (lambda: tf.reduce_sum(tf.ones([2]), axis=2), tf.errors.InvalidArgumentError,
     ["2", "Sum", "[-1, 1)"]),
    (lambda: tf.concat([tf.ones([2, 3]), tf.ones([2, 4])], 0), tf.errors.InvalidArgumentError,
     ["[2,4]", "[2,3]", "ConcatV2", "must agree"]),
    (lambda: tf.stack([tf.ones([2]), tf.ones([3])]), tf.errors.InvalidArgumentError,
     ["[2]", "[3]", "Pack", "tf.concat"]),
    (lambda: tf.split(tf.ones([5]), 2), tf.errors.InvalidArgumentError,
     ["size = 5", "num_split 2", "divides"]),
    (lambda: tf.tile(tf.ones([2]), [1, 2]), tf.errors.InvalidArgumentError,
     ["length 1", "length 2", "Tile", "one multiple per dimension"]),
    (lambda: tf.squeeze(tf.ones([2, 3]), 0), tf.errors.InvalidArgumentError,
     ["dim[0]", "got 2", "size-1"]),
    (lambda: tf.exp(tf.constant(1)), tf.errors.InvalidArgumentError,
     ["exp", "int32", "tf.cast"]),
    (lambda: tf.nn.softmax(tf.constant([1, 2])), tf.errors.InvalidArgumentError,
     ["Softmax", "int32", "tf.cast"]),
    (lambda: tf.reduce_sum(tf.constant([True])), tf.errors.InvalidArgumentError,
     ["reduce_sum", "bool", "tf.reduce_sum(tf.cast"]),
    (lambda: tf.argmax(tf.zeros([0])), tf.errors.InvalidArgumentError,
     ["axis 0 is empty", "[0]", "ArgMax", "non-empty"]),
    (lambda: tf.constant([1, 2])[3], tf.errors.InvalidArgumentError,
     ["index 3", "dimension 0", "StridedSlice", "[-2, 2)"]),
    (lambda: tf.gather(tf.ones([3]), [5]), tf.errors.InvalidArgumentError,
     ["5", "[0, 3)", "GatherV2"]),
    (lambda: tf.math.floordiv(tf.constant([1]), 0), tf.errors.InvalidArgumentError,
     ["division by zero", "FloorDiv", "tf.where"]),
    (lambda: tf.pow(tf.constant(2), -1), tf.errors.InvalidArgumentError,
     ["negative integer powers", "Pow", "tf.cast"]),
    (lambda: tf.where(tf.constant([1, 0]), 1, 2), tf.errors.InvalidArgumentError,
     ["condition", "int32", "x > 0"]),
    (lambda: tf.zeros([2, -3]), tf.errors.InvalidArgumentError, ["-3", "[2, -3]", "reshape"]),
    (lambda: tf.Variable([1.0, 2.0]).assign([1.0]), ValueError,
     ["Shape mismatch", "(2,)", "(1,)", "new tf.Variable"]),
    (lambda: tf.Variable(1.0).assign(tf.constant(1)), ValueError,
     ["float32", "int32", "tf.cast"]),
    (lambda: tf.constant(1.5, dtype=tf.int32), TypeError, ["1.5", "int32"]),
    (lambda: tf.cast(tf.constant([1]), "foo"), TypeError, ["foo", "tf.float32"]),
    (lambda: tf.unstack(tf.constant(1.0)), ValueError, ["scalar", "rank >= 1"]),
    (lambda: tf.random.uniform([2], dtype=tf.int32), ValueError, ["maxval", "int32"]),
]


@pytest.mark.parametrize("call,error,words", TEACHING,
                         ids=[str(i) for i in range(len(TEACHING))])
def test_messages_name_the_problem_and_the_fix(call: Callable, error: type,
                                               words: list) -> None:
    text = message(call, error)
    missing = [w for w in words if w not in text]
    assert missing == [], f"{text!r} lacks {missing}"

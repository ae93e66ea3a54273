"""When ``tf.function`` traces again: TensorFlow's rules, case by case.

Every trace count below was observed with TensorFlow 2.21 running the same calls.
"""

from __future__ import annotations

import numpy as np
import pytest

import minitf as tf

pytestmark = pytest.mark.graphs


def _counting():
    traced = []

    @tf.function
    def f(x, y=None):
        traced.append((x, y))
        return 0

    return f, traced


def test_python_values_are_keyed_by_value():
    f, _ = _counting()
    f(1)
    f(1)
    f(2)
    f(1.0)  # 1 == 1.0 == True: the same trace, as in TF
    f(True)
    assert f.experimental_get_tracing_count() == 2
    f(1, y=2)  # three spellings of one binding of the arguments
    f(1, 2)
    f(y=2, x=1)
    assert f.experimental_get_tracing_count() == 3
    f("a")
    f("a")
    f(None)
    f(None)
    assert f.experimental_get_tracing_count() == 5


def test_tensors_are_keyed_by_shape_and_dtype():
    f, _ = _counting()
    f(tf.constant([1, 2]))
    f(tf.constant([3, 4]))
    assert f.experimental_get_tracing_count() == 1
    f(tf.constant([1, 2, 3]))
    f(tf.constant([1.0, 2.0]))
    assert f.experimental_get_tracing_count() == 3


def test_numpy_arrays_are_keyed_like_tensors():
    f, traced = _counting()
    f(np.array([1.0, 2.0]))
    f(np.array([3.0, 4.0]))
    f(np.array([1.0, 2.0], np.float32))
    assert f.experimental_get_tracing_count() == 2
    assert traced[0][0].dtype == tf.float64


def test_variables_are_keyed_by_shape_and_dtype():
    f, _ = _counting()
    v1, v2, v3 = tf.Variable(1.0), tf.Variable(2.0), tf.Variable([1.0])
    f(v1)
    f(v1)
    f(v2)
    assert f.experimental_get_tracing_count() == 1
    f(v3)
    assert f.experimental_get_tracing_count() == 2


def test_containers_are_keyed_by_type_structure_and_leaves():
    f, _ = _counting()
    f([1, 2])
    f([1, 2])
    f((1, 2))
    assert f.experimental_get_tracing_count() == 2
    f([tf.constant(1), tf.constant(2)])
    f([tf.constant(3), tf.constant(4)])
    assert f.experimental_get_tracing_count() == 3
    f({"a": tf.constant(1.0), "b": 1})
    f({"b": 1, "a": tf.constant(2.0)})
    assert f.experimental_get_tracing_count() == 4


def test_other_objects_are_keyed_by_identity():
    class Config:
        pass

    f, _ = _counting()
    c = Config()
    f(c)
    f(c)
    f(Config())
    assert f.experimental_get_tracing_count() == 2


def test_a_more_general_trace_serves_more_specific_calls():
    f, traced = _counting()
    f.get_concrete_function(tf.TensorSpec([None], tf.float32))
    f(tf.constant([1.0, 2.0]))
    f(tf.constant([1.0, 2.0, 3.0]))
    assert f.experimental_get_tracing_count() == 1
    assert traced[0][0].shape.as_list() == [None]


def test_input_signature_traces_once_and_checks_calls():
    traced = []

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def g(x):
        traced.append(x.shape)
        return x

    g(tf.zeros([3]))
    g(tf.zeros([5]))
    g([1.0, 2.0])
    assert traced == [tf.TensorShape([None])]
    # TF 2.21's message, then what to do.
    with pytest.raises(TypeError, match=r"Can not cast TensorSpec\(shape=\(2, 2\), "
                                        r"dtype=tf.float32, name=None\) to TensorSpec"):
        g(tf.zeros([2, 2]))
    with pytest.raises(TypeError, match=r"dtype=tf.int32"):
        g(tf.zeros([2], tf.int32))
    with pytest.raises(TypeError, match="too many positional arguments"):
        g(tf.zeros([2]), 3)


def test_reduce_retracing_generalizes_differing_sizes():
    traced = []

    @tf.function(reduce_retracing=True)
    def f(x):
        traced.append(x.shape.as_list() if tf.is_tensor(x) else x)
        return x

    f(tf.zeros([3]))
    f(tf.zeros([4]))
    f(tf.zeros([5]))
    # TF 2.21: the second call traces (None,), which serves the third.
    assert traced == [[3], [None]]
    f(tf.zeros([2, 3]))
    f(tf.zeros([2, 4]))
    f(tf.zeros([2, 7]))
    assert traced[2:] == [[2, 3], [2, None]]
    f(1)  # Python values still trace by value
    f(2)
    assert f.experimental_get_tracing_count() == 6


def test_without_reduce_retracing_each_shape_traces():
    f, _ = _counting()
    for n in (3, 4, 5, 4, 3):
        f(tf.zeros([n]))
    assert f.experimental_get_tracing_count() == 3


def test_cached_calls_reuse_the_trace_in_every_context():
    f = tf.function(lambda x: x * 2.0)
    x = tf.constant([1.0, 2.0])
    eager = f(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        taped = f(x)
    with tf.device("/CPU:0"):
        placed = f(x)
    assert f.experimental_get_tracing_count() == 1
    for out in (eager, taped, placed):
        np.testing.assert_array_equal(out, [2.0, 4.0])
    np.testing.assert_array_equal(tape.gradient(taped, x), [2.0, 2.0])

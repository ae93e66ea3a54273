"""AutoGraph: Python control flow on tensors inside ``tf.function``.

Results and messages marked "TF 2.21" were observed with TensorFlow 2.21 running the
same functions. Gradients through converted control flow are checked against the same
Python function run eagerly (where Python's own ``if``/``while`` decide).
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitf as tf

pytestmark = pytest.mark.graphs


# ---------------------------------------------------------------------------------------
# if
# ---------------------------------------------------------------------------------------
def absolute(x):
    if x > 0:
        return x
    return -x


def test_if_on_a_tensor_becomes_a_cond():
    f = tf.function(absolute)
    assert float(f(tf.constant(-3.0))) == 3.0 and float(f(tf.constant(4.0))) == 4.0
    assert f.experimental_get_tracing_count() == 1
    assert "cond" in [e.prim.name for e in f.get_concrete_function(tf.constant(1.0)).graph.eqns]


def test_if_on_a_python_value_keeps_python_semantics():
    log = []

    @tf.function
    def f(x, training):
        if training:
            log.append("train")
            x = x * 2.0
        else:
            log.append("infer")
        return x

    assert float(f(tf.constant(1.0), True)) == 2.0
    assert float(f(tf.constant(1.0), False)) == 1.0
    assert log == ["train", "infer"]  # only the taken branch was traced each time
    graph = f.get_concrete_function(tf.constant(1.0), True).graph
    assert [e.prim.name for e in graph.eqns] == ["mul"]


def test_variable_defined_in_one_branch_is_an_error_when_used():
    @tf.function
    def f(x):
        if x > 0:
            y = x * 2
        return y

    # TF 2.21 also refuses: "'y' must also be initialized in the else branch".
    with pytest.raises(ValueError, match=r"'y' must be defined.*only one branch of the `if` "
                                         r"on line \d+ \(not in the else branch\)"):
        f(tf.constant(1.0))


def test_branches_must_agree_on_dtypes():
    @tf.function
    def f(x):
        if x > 0:
            y = 1
        else:
            y = tf.constant(2.0)
        return y

    # TF 2.21: "'y' has dtype int32 in the main branch, but dtype float32 in the else branch"
    with pytest.raises(TypeError, match="'y' has dtype int32 in the main branch, but dtype "
                                        "float32 in the else branch"):
        f(tf.constant(1.0))


def test_boolean_operators_and_conditional_expressions_on_tensors():
    @tf.function
    def f(x, y):
        inside = x > 0 and not y > 0 or x > 10
        return tf.where(inside, 1, 0), (x if x > y else y)

    for a, b in [(1.0, -1.0), (1.0, 1.0), (-1.0, 2.0), (11.0, 5.0)]:
        inside, bigger = f(tf.constant(a), tf.constant(b))
        assert int(inside) == int((a > 0 and not b > 0) or a > 10)
        assert float(bigger) == max(a, b)


def helper(x):
    if tf.reduce_sum(x) > 0:
        return x
    return tf.zeros_like(x)


def test_user_functions_called_from_a_tf_function_are_converted():
    @tf.function
    def f(x):
        return helper(x) + 1.0

    np.testing.assert_array_equal(f(tf.constant([1.0, 2.0])), [2.0, 3.0])
    np.testing.assert_array_equal(f(tf.constant([-1.0, -2.0])), [1.0, 1.0])


# ---------------------------------------------------------------------------------------
# while and for
# ---------------------------------------------------------------------------------------
def odd_sum(n):
    s = 0
    i = 0
    while i < n:
        i += 1
        if i % 2 == 0:
            continue
        if i > 7:
            break
        s += i
    return s, i


def test_while_with_break_and_continue_on_tensors():
    s, i = tf.function(odd_sum)(tf.constant(20))
    assert (int(s), int(i)) == (16, 9)  # TF 2.21
    assert odd_sum(20) == (16, 9)  # the same function in plain Python


def test_for_over_a_tensor_and_over_ranges():
    @tf.function
    def total(x):
        s = tf.constant(0.0)
        for v in x:
            s += v
        return s

    @tf.function
    def range_sum(n):
        s = tf.constant(0)
        for i in tf.range(n):
            s += i
        r = tf.constant(0)
        for i in range(n):
            r += i
        return s, r

    assert float(total(tf.constant([1.0, 2.0, 3.0]))) == 6.0  # TF 2.21
    assert [int(v) for v in range_sum(tf.constant(5))] == [10, 10]  # TF 2.21


def test_loop_body_is_traced_once_and_tf_print_runs_each_iteration(capsys):
    @tf.function
    def f(n):
        for i in tf.range(n):
            print("traced")
            tf.print("step", i, output_stream=sys.stdout)
        return n

    f(tf.constant(3))
    assert capsys.readouterr().out == "traced\nstep 0\nstep 1\nstep 2\n"  # TF 2.21


def test_python_loop_with_a_break_decided_by_a_tensor():
    @tf.function
    def f(x):
        for _ in range(3):
            if x > 5:
                break
            x = x * 2
        return x

    assert float(f(tf.constant(1.0))) == 8.0 and float(f(tf.constant(3.0))) == 6.0


def test_nested_loops_with_an_inner_break():
    def f(n):
        total = 0
        i = 0
        while i < n:
            j = 0
            while j < n:
                if j > i:
                    break
                total += j
                j += 1
            i += 1
        return total

    assert int(tf.function(f)(tf.constant(5))) == f(5)


def test_loop_changing_a_shape_is_an_error_naming_the_variable():
    @tf.function
    def f(x):
        while x > 0:
            x = x - tf.constant([1.0])
        return x

    # TF 2.21: "'x' has shape () before the loop, but shape (1,) after one iteration."
    with pytest.raises(ValueError, match=r"'x' has shape \(\) before the loop, but shape "
                                         r"\(1,\) after one iteration"):
        f(tf.constant(5.0))


def test_variables_assigned_in_a_loop_are_carried():
    v = tf.Variable(0.0)

    @tf.function
    def f(n):
        i = tf.constant(0)
        while i < n:
            v.assign_add(2.0)
            i += 1
        return v.read_value()

    assert float(f(tf.constant(3))) == 6.0 and float(v.numpy()) == 6.0


def test_return_inside_a_loop_over_tensors_says_what_to_write():
    @tf.function
    def f(x):
        while x > 0:
            if x < 3:
                return x
            x = x - 1
        return x

    with pytest.raises(NotImplementedError, match="`break` out of the loop"):
        f(tf.constant(5))


def test_unpacking_a_symbolic_tensor_is_refused_as_in_tensorflow():
    @tf.function
    def f(x):
        a, b = x
        return a + b

    with pytest.raises(tf.errors.OperatorNotAllowedInGraphError, match=r"tf\.unstack"):
        f(tf.constant([1, 2]))


def test_lambdas_are_not_converted_and_the_error_says_so():
    f = tf.function(lambda x: x if x > 0 else -x)
    with pytest.raises(tf.errors.OperatorNotAllowedInGraphError, match="it is a lambda"):
        f(tf.constant(1.0))


def test_to_code_shows_the_converted_function():
    code = tf.autograph.to_code(odd_sum)
    assert "ag__.while_stmt(" in code and "ag__.if_stmt(" in code
    assert "break" not in code.replace("ag__break", "")


# ---------------------------------------------------------------------------------------
# Gradients through converted control flow equal eager ones
# ---------------------------------------------------------------------------------------
def piecewise(x):
    if x > 0:
        y = x * x
    else:
        y = -3.0 * x
    return y


def doubling(x):
    while x < 10.0:
        x = x * 2.0
    return x


def power_sum(x, n):
    s = tf.zeros_like(x)
    for i in tf.range(n):
        s += x ** tf.cast(i + 1, x.dtype)
    return s


@pytest.mark.parametrize("fn, args", [
    (piecewise, (2.0,)), (piecewise, (-1.0,)), (doubling, (0.7,)), (doubling, (3.0,)),
    (power_sum, (1.5, 4)),
])
def test_gradients_through_control_flow_equal_eager(fn, args):
    x = tf.constant(args[0], tf.float64)
    rest = [tf.constant(a) for a in args[1:]]
    grads = []
    for f in (fn, tf.function(fn)):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x, *rest)
        grads.append((float(y), float(tape.gradient(y, x))))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12)


def collatz(n):
    steps = 0
    while n > 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


@settings(max_examples=25)
@given(st.integers(1, 200))
def test_data_dependent_loops_match_python(n):
    f = _collatz_fn()
    assert int(f(tf.constant(n))) == collatz(n)
    assert f.experimental_get_tracing_count() == 1


_cache: dict = {}


def _collatz_fn():
    if "f" not in _cache:
        _cache["f"] = tf.function(collatz)
    return _cache["f"]


# ---------------------------------------------------------------------------------------
# Python features around converted control flow
# ---------------------------------------------------------------------------------------
def loop_with_scope_and_else(x):
    for i in tf.range(5):
        with tf.name_scope("loop"):  # a jump inside `with` is lowered like any other
            if x > 10:
                break
            x = x + i
    else:
        x = x * 100  # only when the loop did not break
    return x


@pytest.mark.parametrize("start, expected", [(1, 1100), (5, 11), (-100, -9000)])
def test_break_inside_with_and_loop_else(start, expected):
    f = tf.function(loop_with_scope_and_else)
    assert int(f(tf.constant(start))) == expected == _python_loop_with_else(start)


def _python_loop_with_else(x):
    for i in range(5):
        if x > 10:
            break
        x = x + i
    else:
        x = x * 100
    return x


class _Scaler:
    scale = 3.0

    @tf.function
    def go(self, x):
        if x > 0:
            return x * self.scale
        return -x if super().__repr__() else x


def test_methods_using_super_are_converted():
    s = _Scaler()
    assert float(s.go(tf.constant(2.0))) == 6.0 and float(s.go(tf.constant(-2.0))) == 2.0


def test_nested_functions_comprehensions_and_globals_keep_python_meaning():
    calls = []

    @tf.function
    def f(x):
        calls.append(1)

        def inner(y):
            if y > 0:
                return y
            return -y
        positives = [v for v in range(4) if v > 1]
        return inner(x) + len(positives)

    assert float(f(tf.constant(-5.0))) == 7.0 and float(f(tf.constant(5.0))) == 7.0
    assert calls == [1]


def test_set_loop_options_relaxes_a_loop_variable_shape():
    @tf.function
    def grow(n):
        s = tf.zeros([0])
        for _ in tf.range(n):
            tf.autograph.experimental.set_loop_options(
                shape_invariants=[(s, tf.TensorShape([None]))])
            s = tf.concat([s, [1.0]], 0)
        return s

    np.testing.assert_array_equal(grow(tf.constant(3)), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(grow(tf.constant(0)), np.zeros(0))
    assert grow.experimental_get_tracing_count() == 1


def early_return_in_python_loop(x):
    for i in range(3):
        if x > i:
            return x * 10.0
    return -x


def nested_returns(x):
    if x > 0:
        if x > 10:
            return 2.0
        return 1.0
    return 0.0


def tuple_returns(x):
    if x > 0:
        return x, x + 1.0
    else:
        return -x, x - 1.0


@pytest.mark.parametrize("fn", [early_return_in_python_loop, nested_returns, tuple_returns])
@pytest.mark.parametrize("value", [-1.0, 0.5, 1.5, 5.0, 50.0])
def test_returns_inside_converted_control_flow_match_python(fn, value):
    got = tf.function(fn)(tf.constant(value))
    want = fn(value)
    np.testing.assert_allclose(np.array(got, dtype=float), np.array(want, dtype=float))

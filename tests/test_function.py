"""``tf.function``: tracing, side effects, variables, structures, ConcreteFunction, errors.

Expected printed text marked "TF 2.21" was recorded by running the same code with
TensorFlow 2.21 on CPU.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

import minitf as tf
from minitf.core.tracing import GraphTensor

pytestmark = pytest.mark.graphs


# ---------------------------------------------------------------------------------------
# The seed guide's cells
# ---------------------------------------------------------------------------------------
def test_seed_my_func_traces_once_per_signature(capsys):
    @tf.function
    def my_func(x):
        print('Tracing.\n')
        return tf.reduce_sum(x)

    x = tf.constant([1, 2, 3])
    print(repr(my_func(x)))
    x = tf.constant([10, 9, 8])
    print(repr(my_func(x)))
    x = tf.constant([10.0, 9.1, 8.2], dtype=tf.float32)
    print(repr(my_func(x)))
    # TF 2.21 (shared/seed/tf-2.21-reference-output.txt)
    assert capsys.readouterr().out == (
        "Tracing.\n\n"
        "<tf.Tensor: shape=(), dtype=int32, numpy=6>\n"
        "<tf.Tensor: shape=(), dtype=int32, numpy=27>\n"
        "Tracing.\n\n"
        "<tf.Tensor: shape=(), dtype=float32, numpy=27.299999237060547>\n")
    assert my_func.experimental_get_tracing_count() == 2


class MyModule(tf.Module):
    def __init__(self, value):
        self.weight = tf.Variable(value)

    @tf.function
    def multiply(self, x):
        return x * self.weight


def test_seed_module_method_is_traced_per_instance():
    mod = MyModule(3)
    # TF 2.21
    assert repr(mod.multiply(tf.constant([1, 2, 3]))) == \
        "<tf.Tensor: shape=(3,), dtype=int32, numpy=array([3, 6, 9], dtype=int32)>"
    other = MyModule(10)
    np.testing.assert_array_equal(other.multiply(tf.constant([1, 2, 3])), [10, 20, 30])
    assert mod.multiply is mod.multiply  # one bound function per instance
    assert mod.multiply.experimental_get_tracing_count() == 1
    assert other.multiply.experimental_get_tracing_count() == 1


def test_decorator_forms():
    def double(x):
        return x * 2

    for f in (tf.function(double), tf.function()(double),
              tf.function(input_signature=[tf.TensorSpec([None], tf.int32)])(double)):
        np.testing.assert_array_equal(f(tf.constant([1, 2])), [2, 4])
    assert tf.function(double).python_function is double


# ---------------------------------------------------------------------------------------
# Side effects
# ---------------------------------------------------------------------------------------
def test_python_side_effects_run_while_tracing_only():
    log = []

    @tf.function
    def f(x):
        log.append("traced")
        return x + 1

    for _ in range(3):
        f(tf.constant(1.0))
    assert log == ["traced"]


@tf.function
def _report(x):
    tf.print("x is", x, [1, 2], {"a": x})
    tf.print(tf.constant([[1, 2], [3, 4]]))
    return x


def test_tf_print_runs_on_every_call(capsys):
    _report(tf.constant(2.5))
    _report(tf.constant([1.0, 2.0, 3.0]))
    # TF 2.21 (tf.print writes to stderr)
    assert capsys.readouterr().err == (
        "x is 2.5 [1, 2] {'a': 2.5}\n[[1 2]\n [3 4]]\n"
        "x is [1 2 3] [1, 2] {'a': [1 2 3]}\n[[1 2]\n [3 4]]\n")


@pytest.mark.parametrize("args, kwargs, expected", [
    # Each expected text was printed by TF 2.21.
    ((tf.range(20),), {}, "[0 1 2 ... 17 18 19]\n"),
    ((tf.constant(3), "a", 2.5), {"summarize": -1, "sep": ","}, "3,a,2.5\n"),
    ((tf.constant(["a", "b"]),), {}, '["a" "b"]\n'),
    ((tf.constant(True),), {}, "1\n"),
    ((tf.constant(2.123456789),), {}, "2.12345672\n"),
    ((tf.constant(0.1), tf.constant(0.1, tf.float64), tf.constant(1e-7),
      tf.constant(123456789.0), tf.constant(1e20), tf.constant(float("nan")),
      tf.constant(-float("inf"))), {}, "0.1 0.1 1e-07 123456792 1e+20 nan -inf\n"),
    ((tf.constant([0.5, 1.25]), tf.constant(1.5, tf.float16), tf.constant(-0.0)), {},
     "[0.5 1.25] 1.5 -0\n"),
    ((tf.range(20),), {"summarize": 2}, "[0 1 ... 18 19]\n"),
    (("a", "b"), {"sep": "-", "end": "!\n"}, "a-b!\n"),
    ((tf.constant([], tf.float32), tf.zeros([0, 2])), {}, "[] []\n"),
    ((tf.constant(3, tf.int64), tf.constant(7, tf.uint8), (1, tf.constant(2))), {},
     "3 7 (1, 2)\n"),
    ((tf.reshape(tf.range(100), [10, 10]),), {},
     "[[0 1 2 ... 7 8 9]\n [10 11 12 ... 17 18 19]\n [20 21 22 ... 27 28 29]\n ...\n"
     " [70 71 72 ... 77 78 79]\n [80 81 82 ... 87 88 89]\n [90 91 92 ... 97 98 99]]\n"),
    ((tf.zeros([2, 2, 2], tf.int32),), {}, "[[[0 0]\n  [0 0]]\n\n [[0 0]\n  [0 0]]]\n"),
])
def test_tf_print_formats_like_tensorflow(capsys, args, kwargs, expected):
    assert tf.print(*args, output_stream=sys.stdout, **kwargs) is None
    assert capsys.readouterr().out == expected


# ---------------------------------------------------------------------------------------
# Variables
# ---------------------------------------------------------------------------------------
def test_variables_are_captured_by_reference():
    v = tf.Variable(1.0)

    @tf.function
    def f(x):
        return x * v

    assert float(f(tf.constant(2.0))) == 2.0
    v.assign(5.0)
    assert float(f(tf.constant(2.0))) == 10.0
    assert f.experimental_get_tracing_count() == 1


def test_assignments_are_written_back_and_seen_by_later_reads():
    v = tf.Variable([1.0, 2.0])

    @tf.function
    def step(x):
        before = v.read_value()
        v.assign_add(x)
        return before, v * 1.0

    before, after = step(tf.constant([10.0, 10.0]))
    np.testing.assert_array_equal(before, [1.0, 2.0])
    np.testing.assert_array_equal(after, [11.0, 12.0])
    np.testing.assert_array_equal(v.numpy(), [11.0, 12.0])
    step(tf.constant([1.0, 1.0]))
    np.testing.assert_array_equal(v.numpy(), [12.0, 13.0])


class _Count(tf.Module):
    def __init__(self):
        self.count = None

    @tf.function
    def __call__(self):
        print("tracing")
        if self.count is None:
            self.count = tf.Variable(0)
        return self.count.assign_add(1)


def test_variables_created_on_the_first_call_only(capsys):
    c = _Count()
    assert int(c()) == 1 and int(c()) == 2
    # TF 2.21 traces twice when the first trace created a variable.
    assert capsys.readouterr().out == "tracing\ntracing\n"
    assert c.__call__.experimental_get_tracing_count() == 2


def test_creating_a_variable_on_every_call_is_an_error():
    @tf.function
    def f(x):
        v = tf.Variable(1.0)
        return x + v

    # TF 2.21's message.
    with pytest.raises(ValueError, match="tf.function only supports singleton tf.Variables "
                                         "created on the first call"):
        f(tf.constant(1.0))


def test_variable_arguments_are_keyed_by_type_and_written_back():
    @tf.function
    def bump(v):
        v.assign_add(1.0)
        return v.read_value()

    a, b = tf.Variable(1.0), tf.Variable(10.0)
    assert float(bump(a)) == 2.0 and float(bump(b)) == 11.0
    assert float(a.numpy()) == 2.0 and float(b.numpy()) == 11.0
    assert bump.experimental_get_tracing_count() == 1  # same shape and dtype: one trace


def test_run_functions_eagerly_runs_the_python_body():
    log = []

    @tf.function
    def f(x):
        log.append(x.numpy())
        return x * 2

    tf.config.run_functions_eagerly(True)
    try:
        assert int(f(tf.constant(3))) == 6 and int(f(tf.constant(4))) == 8
    finally:
        tf.config.run_functions_eagerly(False)
    assert log == [3, 4] and f.experimental_get_tracing_count() == 0


# ---------------------------------------------------------------------------------------
# Structures
# ---------------------------------------------------------------------------------------
def test_nested_inputs_and_outputs_keep_their_structure():
    @tf.function
    def f(pair, table):
        a, b = pair
        return {"sum": a + b, "parts": [a, (b, table["k"])], "none": None, "one": 1}

    out = f((tf.constant(1.0), tf.constant(2.0)), {"k": tf.constant([3])})
    assert list(out) == ["sum", "parts", "none", "one"]
    assert float(out["sum"]) == 3.0 and out["none"] is None
    assert isinstance(out["parts"], list) and isinstance(out["parts"][1], tuple)
    np.testing.assert_array_equal(out["parts"][1][1], [3])
    # TF 2.21 turns a Python number returned by a tf.function into a tensor.
    assert repr(out["one"]) == "<tf.Tensor: shape=(), dtype=int32, numpy=1>"


def test_nested_tf_functions_are_one_call_equation():
    @tf.function
    def inner(x):
        return x * x

    @tf.function
    def outer(x):
        return inner(x) + 1.0

    assert float(outer(tf.constant(3.0))) == 10.0
    graph = outer.get_concrete_function(tf.constant(3.0)).graph
    assert [e.prim.name for e in graph.eqns] == ["call", "add"]


# ---------------------------------------------------------------------------------------
# ConcreteFunction
# ---------------------------------------------------------------------------------------
def test_concrete_function_signature_as_tensorflow_prints_it():
    @tf.function
    def f(x, n=2):
        return x * n

    cf = f.get_concrete_function(tf.TensorSpec([None], tf.float32))
    # TF 2.21
    assert cf.structured_input_signature == (
        (tf.TensorSpec(shape=(None,), dtype=tf.float32, name='x'), 2), {})
    assert cf.pretty_printed_signature() == (
        "Input Parameters:\n"
        "  x (POSITIONAL_OR_KEYWORD): TensorSpec(shape=(None,), dtype=tf.float32, name=None)\n"
        "  n (POSITIONAL_OR_KEYWORD): Literal[2]\n"
        "Output Type:\n"
        "  TensorSpec(shape=(None,), dtype=tf.float32, name=None)\n"
        "Captures:\n"
        "  None")
    assert repr(cf).startswith(
        "<ConcreteFunction (x: TensorSpec(shape=(None,), dtype=tf.float32, name=None), "
        "n: Literal[2]) -> TensorSpec(shape=(None,), dtype=tf.float32, name=None) at 0x")
    assert [repr(t) for t in cf.inputs] == ["<tf.Tensor 'x:0' shape=(None,) dtype=float32>"]
    np.testing.assert_array_equal(cf(tf.constant([1.0, 2.0, 3.0])), [2.0, 4.0, 6.0])


def test_function_prints_every_traced_signature_as_tensorflow():
    # TF's "Introduction to graphs and tf.function" guide; strings printed by TF 2.21.
    @tf.function
    def my_relu(x):
        return tf.maximum(0., x)
    my_relu(tf.constant(5.5))
    my_relu([1, -1])
    my_relu(tf.constant([3., -3.]))
    my_relu(tf.constant(-2.5))  # same signature as the first call: no new trace
    assert my_relu.pretty_printed_concrete_signatures(verbose=False) == (
        "(x: TensorSpec(shape=(), dtype=tf.float32, name=None)) -> "
        "TensorSpec(shape=(), dtype=tf.float32, name=None)\n"
        "(x: List[Literal[1], Literal[-1]]) -> "
        "TensorSpec(shape=(2,), dtype=tf.float32, name=None)\n"
        "(x: TensorSpec(shape=(2,), dtype=tf.float32, name=None)) -> "
        "TensorSpec(shape=(2,), dtype=tf.float32, name=None)")
    verbose = my_relu.pretty_printed_concrete_signatures()
    assert verbose.count("Input Parameters:") == 3 and "\n\nInput Parameters:" in verbose
    assert verbose.startswith(
        "Input Parameters:\n"
        "  x (POSITIONAL_OR_KEYWORD): TensorSpec(shape=(), dtype=tf.float32, name=None)\n")


def test_concrete_function_nested_signature_names_leaves_as_tensorflow():
    @tf.function
    def g(a, b, c=3, *, d=None):
        return a

    cf = g.get_concrete_function([tf.constant(1), tf.constant(2.0)],
                                 {"k": tf.TensorSpec([2], tf.int32)}, d=tf.constant(True))
    # TF 2.21
    assert repr(cf.structured_input_signature) == (
        "(([TensorSpec(shape=(), dtype=tf.int32, name='a_0'), TensorSpec(shape=(), "
        "dtype=tf.float32, name='a_1')], {'k': TensorSpec(shape=(2,), dtype=tf.int32, "
        "name='b_k')}, 3), {'d': TensorSpec(shape=(), dtype=tf.bool, name='d')})")
    assert [t.name for t in cf.inputs] == ["a:0", "a_1:0", "b:0", "d:0"]


def test_concrete_function_lists_captured_variables():
    m = MyModule(2.0)
    cf = m.multiply.get_concrete_function(tf.TensorSpec([], tf.float32))
    assert cf.variables == (m.weight,) and cf.trainable_variables == (m.weight,)
    assert cf.pretty_printed_signature().endswith(
        f"Captures:\n  {id(m.weight)}: TensorSpec(shape=(), dtype=tf.resource, name=None)")
    assert float(cf(tf.constant(3.0))) == 6.0 and float(cf(x=tf.constant(3.0))) == 6.0


def test_calling_a_concrete_function_with_another_signature_is_an_error():
    f = tf.function(lambda x: x)
    cf = f.get_concrete_function(tf.TensorSpec([2], tf.float32))
    with pytest.raises(TypeError, match="another signature"):
        cf(tf.constant([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="too many positional arguments"):  # TF's words
        cf(tf.constant([1.0]), tf.constant([2.0]))
    # A tensor of another dtype is TF's InvalidArgumentError (its runtime check), with
    # the input's position and both dtypes.
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"input #0\(zero-based\) was expected to be a float32 tensor "
                             r"but is a int32 tensor"):
        cf(tf.constant([1, 2]))


def test_a_concrete_function_keeps_the_python_values_it_was_traced_with():
    # TF's tf.function guide: a trace of pow(a, b=2) is called with `a` alone.
    @tf.function
    def pow(a, b):
        return a ** b
    square = pow.get_concrete_function(a=tf.TensorSpec([None], tf.float32), b=2)
    assert square(tf.constant([10.0, 3.0])).numpy().tolist() == [100.0, 9.0]
    assert square(tf.constant([10.0]), b=2).numpy().tolist() == [100.0]
    with pytest.raises(TypeError, match="another signature"):
        square(tf.constant([10.0]), b=3)
    assert str(square).startswith("ConcreteFunction Input Parameters:\n"
                                  "  a (POSITIONAL_OR_KEYWORD): TensorSpec(shape=(None,)")


def test_unknown_rank_specs_are_refused_with_what_to_write():
    with pytest.raises(ValueError, match=r"unknown rank.*TensorSpec\(\[None\], tf.float32\)"):
        tf.function(lambda x: x).get_concrete_function(tf.TensorSpec(None, tf.float32))
    with pytest.raises(ValueError, match="unknown rank"):
        tf.function(lambda x: x, input_signature=[tf.TensorSpec(None, tf.float32)])(1.0)


def test_strings_add_by_concatenation_eagerly_and_in_graphs():
    # TF's tf.function guide traces `a + a` for a string: b'aa'.
    double = tf.function(lambda a: a + a)
    assert double(tf.constant("a")).numpy() == b"aa"
    assert (tf.constant(["x", "y"]) + "!").numpy().tolist() == [b"x!", b"y!"]
    with pytest.raises(tf.errors.InvalidArgumentError, match="mul"):
        tf.constant("a") * tf.constant("b")
    same = tf.constant("a") == tf.constant("a")
    assert same.dtype == tf.bool and bool(same)
    assert tf.function(lambda s: s == "b")(tf.constant("a")).dtype == tf.bool


# ---------------------------------------------------------------------------------------
# Errors that teach
# ---------------------------------------------------------------------------------------
def test_numpy_of_a_symbolic_tensor_says_what_to_do():
    @tf.function
    def f(x):
        return x.numpy()

    with pytest.raises(NotImplementedError, match="tf.print"):
        f(tf.constant(1.0))


def test_a_leaked_symbolic_tensor_has_no_numpy_as_in_tensorflow():
    # TF's tf.function guide stores a traced tensor in a global, then catches the
    # AttributeError that .numpy() raises on it.
    leaked = []

    @tf.function
    def leaky(a):
        leaked.append(a + 1)
        return a
    leaky(tf.constant(1))
    with pytest.raises(AttributeError, match="symbolic"):
        leaked[0].numpy()


def test_python_bool_of_a_symbolic_tensor_without_autograph_says_what_to_do():
    @tf.function(autograph=False)
    def f(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(tf.errors.OperatorNotAllowedInGraphError, match=r"tf\.cond"):
        f(tf.constant(1.0))


def test_a_leaked_symbolic_tensor_cannot_be_used_later():
    leaked = []

    @tf.function
    def f(x):
        leaked.append(x * 2)
        return x

    f(tf.constant(1.0))
    assert isinstance(leaked[0], GraphTensor)
    with pytest.raises(Exception, match="traced tf.function"):
        leaked[0] + 1.0


def test_binding_errors_name_the_signature():
    f = tf.function(lambda x: x)
    with pytest.raises(TypeError, match="Binding inputs to tf.function failed"):
        f(1, 2)


class _AlwaysEqual(tf.Module):
    def __init__(self, v):
        super().__init__()
        self.v = tf.Variable(v)

    def __eq__(self, other):
        return True

    def __hash__(self):
        return 1

    @tf.function
    def scale(self, x):
        return x * self.v


@pytest.mark.modules  # a tf.Module's traced method: needs variable tracking too
def test_methods_bind_by_identity_and_free_their_instance():
    import gc
    import weakref
    a, b = _AlwaysEqual(2.0), _AlwaysEqual(3.0)
    assert float(a.scale(tf.constant(1.0))) == 2.0 and float(b.scale(tf.constant(1.0))) == 3.0
    assert [v.name for v in a.variables] == ["Variable:0"]  # bookkeeping is not tracked
    ref = weakref.ref(a)
    del a
    gc.collect()
    assert ref() is None

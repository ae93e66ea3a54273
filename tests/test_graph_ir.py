"""The graph IR: tracing, typecheck, eval_graph, the printer, the compiler, the passes.

The properties run over random small programs (``tests.strategies.programs``):
evaluating the traced graph equals running the function, the graph typechecks, the
compiled straight-line Python equals ``eval_graph``, and the clean-up passes preserve
every result.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitf as tf
from minitf.core.graph import Eqn, Graph, GraphTypeError, Lit, Var, eval_graph, typecheck
from minitf.core.passes import (
    eliminate_common_subexpressions,
    eliminate_dead_code,
    fold_constants,
    simplify,
)
from minitf.core.primitive import PRIMITIVES
from minitf.core.tracing import GraphTensor, trace
from tests.programs import run_minitf, run_numpy
from tests.strategies import programs

pytestmark = pytest.mark.graphs

F64 = tf.TensorSpec([2, 3], tf.float64)


def _prims(graph: Graph) -> list:
    return [e.prim.name for e in graph.eqns]


# ---------------------------------------------------------------------------------------
# Atoms and graphs
# ---------------------------------------------------------------------------------------
def test_var_and_lit_carry_their_types():
    v = Var(tf.TensorSpec([None, 3], tf.int32), "x")
    assert v.shape == (None, 3) and v.dtype is tf.int32 and v.hint == "x"
    assert v.spec == tf.TensorSpec([None, 3], tf.int32)
    lit = Lit(np.array([1.0, 2.0], np.float32), tf.float32)
    assert lit.shape == (2,) and lit.spec == tf.TensorSpec([2], tf.float32)


def test_trace_gives_symbolic_tensors_and_one_equation_per_op():
    seen = []

    def f(x):
        seen.append(x)
        return tf.reduce_sum(tf.exp(x) * 2.0)

    graph, out = trace(f, [tf.TensorSpec([3], tf.float32)], hints=["x"])
    assert isinstance(seen[0], GraphTensor) and seen[0]._value is None
    assert seen[0].shape == tf.TensorShape([3])
    assert _prims(graph) == ["exp", "mul", "reduce_sum"]
    assert out == 0 and len(graph.outputs) == 1
    # The Python float became a literal of the tensor's dtype.
    lit = graph.eqns[1].inputs[1]
    assert isinstance(lit, Lit) and lit.dtype is tf.float32 and float(lit.value) == 2.0


def test_concrete_tensors_used_by_the_function_become_literals():
    table = tf.constant([1.0, 2.0, 3.0])
    graph, _ = trace(lambda x: x + table, [tf.TensorSpec([3], tf.float32)])
    (eqn,) = graph.eqns
    assert isinstance(eqn.inputs[1], Lit)
    np.testing.assert_array_equal(eqn.inputs[1].value, [1.0, 2.0, 3.0])


def test_graph_records_variables_as_captured_inputs():
    v = tf.Variable([1.0, 2.0], name="w")
    graph, _ = trace(lambda x: x * v, [tf.TensorSpec([2], tf.float32)])
    assert graph.num_args == 1 and graph.captures == [v]
    assert graph.eqns[0].inputs[1] is graph.inputs[1]


# ---------------------------------------------------------------------------------------
# typecheck
# ---------------------------------------------------------------------------------------
def test_typecheck_accepts_traced_graphs_and_rejects_wrong_types():
    graph, _ = trace(lambda x: tf.reduce_sum(x * x, axis=0), [F64])
    typecheck(graph)
    bad_out = Var(tf.TensorSpec([2], tf.float64))  # reduce over axis 0 of [2,3] gives [3]
    eqn = graph.eqns[-1]
    broken = Graph(graph.inputs, graph.eqns[:-1] + [Eqn(eqn.prim, eqn.inputs, eqn.params,
                                                         (bad_out,))], [bad_out])
    with pytest.raises(GraphTypeError, match=r"f64\[2\].*f64\[3\]"):
        typecheck(broken)


def test_typecheck_rejects_use_before_definition():
    x = Var(F64, "x")
    y, z = Var(F64), Var(F64)
    neg = PRIMITIVES["neg"]
    graph = Graph([x], [Eqn(neg, (y,), {}, (z,)), Eqn(neg, (x,), {}, (y,))], [z])
    with pytest.raises(GraphTypeError, match="before it is defined"):
        typecheck(graph)


# ---------------------------------------------------------------------------------------
# eval_graph
# ---------------------------------------------------------------------------------------
def test_eval_graph_under_a_tape_gives_gradients():
    graph, _ = trace(lambda x: tf.reduce_sum(tf.sin(x) * x), [F64])
    x = tf.constant(np.linspace(-1, 1, 6).reshape(2, 3))
    with tf.GradientTape() as tape:
        tape.watch(x)
        (y,) = eval_graph(graph, x)
    xs = x.numpy()
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), np.cos(xs) * xs + np.sin(xs))


def test_eval_graph_checks_the_number_of_inputs():
    graph, _ = trace(lambda x: -x, [F64])
    with pytest.raises(TypeError, match="takes 1 inputs, got 2"):
        eval_graph(graph, tf.zeros([2, 3], tf.float64), tf.zeros([2, 3], tf.float64))


# ---------------------------------------------------------------------------------------
# The printer and the straight-line Python (a format minitf designs: golden listings)
# ---------------------------------------------------------------------------------------
def test_printer_lists_one_typed_equation_per_line():
    w = tf.Variable(2.0, name="w")

    @tf.function
    def f(x):
        return tf.reduce_sum(x * w) + 1.0

    text = str(f.get_concrete_function(tf.TensorSpec([3], tf.float32)).graph)
    assert text == (
        "graph f(x:f32[3]) {\n"
        "  capture w:f32[] from <tf.Variable 'w:0'>\n"
        "  a:f32[3] = mul x w\n"
        "  b:f32[] = reduce_sum[axis=(0,) keepdims=False] a\n"
        "  c:f32[] = add b 1.0:f32[]\n"
        "  return c\n"
        "}")


def test_printer_nests_control_flow_graphs():
    @tf.function(autograph=False)
    def f(x):
        return tf.cond(x > 0, lambda: x, lambda: -x)

    lines = str(f.get_concrete_function(tf.constant(1.0)).graph).splitlines()
    assert lines[2].strip() == "b:f32[] = cond["
    assert lines[3].strip().startswith("branches[0]=graph cond_false")
    assert any(line.strip().startswith("branches[1]=graph cond_true") for line in lines)
    assert lines[-3].strip() == "] a x"


def test_python_source_is_one_line_per_equation_and_runs():
    @tf.function
    def f(x):
        return tf.exp(x) * x + 2.0

    graph = f.get_concrete_function(tf.TensorSpec([2], tf.float32)).graph
    src = graph.python_source()
    assert src.splitlines() == [
        "def f(x):",
        "    # _k0 = 2.0:f32[]",
        "    a = exp(x)  # exp",
        "    b = a * x  # mul",
        "    c = b + _k0  # add",
        "    return (c,)",
    ]
    x = np.array([0.0, 1.0], np.float32)
    (out,) = graph.compiled()(x)
    np.testing.assert_array_equal(out, eval_graph(graph, tf.constant(x))[0].numpy())


def test_one_source_text_is_compiled_once_and_runs_in_each_namespace():
    # A model traced for two batch shapes writes the same code twice: compiled once.
    from minitf.core.compile import exec_source

    @tf.function
    def f(x):
        return x * 2.0 + 1.0

    small = f.get_concrete_function(tf.TensorSpec([2], tf.float32)).graph.compiled()
    large = f.get_concrete_function(tf.TensorSpec([3], tf.float32)).graph.compiled()
    assert small.__minitf_source__ == large.__minitf_source__
    assert small.__code__ is large.__code__
    np.testing.assert_array_equal(large(np.arange(3, dtype=np.float32))[0], [1.0, 3.0, 5.0])
    # The names resolve in each function's own namespace; the label names the file.
    add_k = "def g(x):\n    return x + k\n"
    one, two = (exec_source(add_k, {"k": k}, "g", "demo") for k in (1, 2))
    assert (one(10), two(10)) == (11, 12)
    other = exec_source(add_k, {"k": 3}, "g", "another")
    assert other.__code__.co_filename == "<minitf graph another>"
    assert other.__code__ is not one.__code__
    # Bounded: many different texts (a loop tracing new programs) keep at most the newest.
    from minitf.core import compile as compile_module
    for i in range(compile_module._CODE_CACHE_SIZE + 10):
        assert exec_source(f"def h(): return {i}", {}, "h", "bounded")() == i
    assert len(compile_module._CODE_CACHE) == compile_module._CODE_CACHE_SIZE


def test_compiled_code_drops_broadcasts_numpy_does_itself_but_not_others():
    graph, _ = trace(lambda x, y: x + y, [tf.TensorSpec([2, 3], tf.float32),
                                          tf.TensorSpec([3], tf.float32)])
    assert _prims(graph) == ["broadcast_to", "add"]
    assert "broadcast_to" not in graph.python_source()
    # A broadcast the user asked for changes the result's shape: it must stay.
    user, _ = trace(lambda x, y: tf.broadcast_to(x, [4, 3]) + y,
                    [tf.TensorSpec([3], tf.float32), tf.TensorSpec([3], tf.float32)])
    assert "broadcast_to(" in user.python_source()
    out = user.compiled()(np.ones(3, np.float32), np.ones(3, np.float32))[0]
    assert out.shape == (4, 3)


def test_square_becomes_a_product_with_the_same_bits():
    graph, _ = trace(lambda x: x ** 2.0, [tf.TensorSpec([1000], tf.float32)])
    assert "a = x * x  # pow" in graph.python_source()
    x = np.random.default_rng(0).standard_normal(1000).astype(np.float32) * 1e3
    np.testing.assert_array_equal(graph.compiled()(x)[0], np.power(x, np.float32(2)))


def test_compiled_float_sums_equal_the_primitive():
    graph, _ = trace(lambda x: (tf.reduce_sum(x, axis=1), tf.reduce_sum(x * 1.5)),
                     [tf.TensorSpec([7, 33], tf.float32)])
    assert "np.add.reduce(" in graph.python_source()
    x = np.random.default_rng(1).standard_normal((7, 33)).astype(np.float32)
    for got, want in zip(graph.compiled()(x), eval_graph(graph, tf.constant(x))):
        np.testing.assert_array_equal(got, want.numpy())


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64, tf.int32])
def test_rank0_constants_are_0d_arrays_where_they_meet_arrays(dtype):
    # NumPy turns a scalar operand into a 0-d array on every call; the compiled code holds
    # that array instead. Where the constant meets a scalar, it stays a NumPy scalar (a
    # 0-d array there would make scalar arithmetic slower), and the bits never change.
    graph, _ = trace(lambda v, s: (3 * v + 3, s * 3, 3 - s, v < 3),
                     [tf.TensorSpec([5], dtype), tf.TensorSpec([], dtype)])
    fn = graph.compiled()
    kinds = {name: type(value) for name, value in fn.__globals__.items()
             if name.startswith("_k")}
    assert set(kinds.values()) == {np.ndarray, getattr(np, dtype.name)}
    v = np.array([-7, 0, 1, 2, 9], dtype.as_numpy_dtype)
    s = dtype.as_numpy_dtype(4)
    want = eval_graph(graph, tf.constant(v), tf.constant(s))
    for got, ref in zip(fn(v, s), want):
        assert type(got) is type(ref.numpy()) and got.dtype == ref.numpy().dtype
        np.testing.assert_array_equal(got, ref.numpy())


# ---------------------------------------------------------------------------------------
# Passes
# ---------------------------------------------------------------------------------------
def test_dead_code_elimination_drops_unused_equations():
    graph, _ = trace(lambda x: (tf.exp(x), x)[1] * 2.0, [F64])
    assert _prims(graph) == ["exp", "mul"]
    assert _prims(eliminate_dead_code(graph)) == ["mul"]


def test_cse_merges_identical_equations_only():
    graph, _ = trace(lambda x: tf.sin(x) + tf.sin(x) + tf.sin(x * 2.0), [F64])
    assert _prims(eliminate_common_subexpressions(graph)) == ["sin", "add", "mul", "sin",
                                                             "add"]


def test_constant_folding_computes_constant_equations_at_trace_time():
    graph, _ = trace(lambda x: x * (tf.constant(3.0, tf.float64) + 1.0), [F64])
    folded = fold_constants(graph)
    assert _prims(folded) == ["mul"]
    assert float(folded.eqns[0].inputs[1].value) == 4.0


def test_shape_only_equations_fold_when_the_shape_is_known():
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(x * x)
        return tape.gradient(loss, x)

    graph, _ = trace(step, [tf.TensorSpec([3], tf.float32)])
    assert "ones_like" in _prims(graph)  # the gradient's seed cotangent
    assert "ones_like" not in _prims(simplify(graph))
    unknown, _ = trace(lambda x: tf.ones_like(x) + x, [tf.TensorSpec([None], tf.float32)])
    assert "ones_like" in _prims(simplify(unknown))  # the shape is only known at run time


def test_passes_never_fold_merge_or_delete_effectful_equations():
    def f(x):
        a = tf.random.normal([3], seed=1, dtype=tf.float64)
        b = tf.random.normal([3], seed=1, dtype=tf.float64)
        tf.random.uniform([2])  # unused, but a draw advances the random stream
        return x + a + b

    graph, _ = trace(f, [tf.TensorSpec([3], tf.float64)])
    out = simplify(graph)
    assert _prims(out).count("random_normal") == 2
    assert _prims(out).count("random_uniform") == 1


@tf.function
def _printer(x):
    tf.print("x =", x)
    return x


def test_tf_print_survives_the_passes_and_runs_each_call(capsys):
    assert "print" in _prims(_printer.get_concrete_function(tf.constant(1)).graph)
    _printer(tf.constant(1))
    _printer(tf.constant(2))
    assert capsys.readouterr().err == "x = 1\nx = 2\n"


# ---------------------------------------------------------------------------------------
# Properties over generated programs
# ---------------------------------------------------------------------------------------
def _inputs(seed: int, shape: tuple = (2, 3)) -> list:
    rng = np.random.default_rng(seed)
    return [rng.uniform(-2, 2, shape) for _ in range(2)]


@settings(max_examples=30)
@given(programs(), st.integers(0, 2**16))
def test_eval_of_trace_equals_the_function(program, seed):
    xs = _inputs(seed)
    graph, _ = trace(lambda a, b: run_minitf(program, [a, b]), [F64, F64])
    typecheck(graph)
    eager = run_minitf(program, [tf.constant(x) for x in xs]).numpy()
    (via_graph,) = eval_graph(graph, *[tf.constant(x) for x in xs])
    np.testing.assert_array_equal(via_graph.numpy(), eager)
    np.testing.assert_allclose(eager, run_numpy(program, xs), rtol=1e-12, atol=1e-12)


@settings(max_examples=30)
@given(programs(), st.integers(0, 2**16), st.sampled_from([tf.float32, tf.float64]))
def test_graph_run_interprets_once_then_compiles_with_the_same_bits(program, seed, dtype):
    # Graph.run: the first run interprets (no code written), later ones run compiled
    # code; both give exactly what the equations' implementations give.
    xs = [x.astype(dtype.as_numpy_dtype) for x in _inputs(seed)]
    spec = tf.TensorSpec((2, 3), dtype)
    graph, _ = trace(lambda a, b: run_minitf(program, [a, b]), [spec, spec])
    first = graph.run(*xs)
    assert graph._compiled is None
    second = graph.run(*xs)
    assert graph._compiled is not None
    reference = eval_graph(graph, *[tf.constant(x) for x in xs])[0].numpy()
    for got in (first[0], second[0]):
        assert type(got) is type(second[0]) and got.dtype == reference.dtype
        np.testing.assert_array_equal(got, reference)


@pytest.mark.parametrize("value", [np.float32(1.5), np.array(1.5, np.float32)])
def test_graph_run_of_scalars_gives_the_compiled_types(value):
    graph, _ = trace(lambda x: (x * 3.0 + x * x, tf.reduce_sum(x)),
                     [tf.TensorSpec([], tf.float32)])
    first, second = graph.run(value), graph.run(value)
    assert [type(v) for v in first] == [type(v) for v in second]
    assert [v.tobytes() for v in first] == [v.tobytes() for v in second]


@settings(max_examples=30)
@given(programs(), st.integers(0, 2**16))
def test_compiled_python_and_passes_preserve_results(program, seed):
    xs = _inputs(seed)
    graph, _ = trace(lambda a, b: run_minitf(program, [a, b]), [F64, F64])
    reference = eval_graph(graph, *[tf.constant(x) for x in xs])[0].numpy()
    np.testing.assert_array_equal(graph.compiled()(*xs)[0], reference)
    for clean in (simplify, fold_constants, eliminate_common_subexpressions,
                  eliminate_dead_code):
        cleaned = clean(graph)
        typecheck(cleaned)
        np.testing.assert_array_equal(
            eval_graph(cleaned, *[tf.constant(x) for x in xs])[0].numpy(), reference)
        np.testing.assert_array_equal(cleaned.compiled()(*xs)[0], reference)


def test_inlining_a_call_whose_result_is_a_nested_calls_result():
    # mid returns what its own call of inner returns: once both are inlined, the outer
    # graph's use of mid's result must read inner's (now inlined) product.
    from minitf.core.call import call_graph
    from minitf.core.graph import eval_graph, typecheck
    from minitf.core.passes import inline_calls
    from minitf.core.tracing import trace
    spec = [tf.TensorSpec([2], tf.float32)]
    inner, _ = trace(lambda x: x * x, spec)
    mid, _ = trace(lambda x: call_graph(inner, [x])[0], spec)
    outer, _ = trace(lambda x: call_graph(mid, [x])[0] + 1.0, spec)
    flat = inline_calls(outer)
    assert [e.prim.name for e in flat.eqns] == ["mul", "add"]
    typecheck(flat)
    x = tf.constant([2.0, -3.0])
    np.testing.assert_array_equal(eval_graph(flat, x)[0].numpy(), [5.0, 10.0])

"""tf.saved_model: what a saved and reloaded object can do.

The seed's round trip; loading in a process that never saw the class; the property
``load(save(m))(x) == m(x)`` over generated modules (and equal gradients); fine-tuning
a loaded model; saving again after loading; signatures; the error for a call no saved
trace fits; and the errors that stop a save that could not be loaded faithfully.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitf as tf
from tests.programs import run_minitf, run_numpy
from tests.strategies import arrays, programs

pytestmark = pytest.mark.persistence


class MyModule(tf.Module):
    def __init__(self, value):
        self.weight = tf.Variable(value)

    @tf.function
    def multiply(self, x):
        return x * self.weight


def _seed_module(tmp_path):
    mod = MyModule(3)
    mod.multiply(tf.constant([1, 2, 3]))
    path = str(tmp_path / "saved")
    tf.saved_model.save(mod, path)
    return mod, path


def test_seed_round_trip(tmp_path):
    _, path = _seed_module(tmp_path)
    reloaded = tf.saved_model.load(path)
    # What TF 2.21 printed for the seed guide's cell.
    assert repr(reloaded.multiply(tf.constant([1, 2, 3]))) == (
        "<tf.Tensor: shape=(3,), dtype=int32, numpy=array([3, 6, 9], dtype=int32)>")
    assert type(reloaded).__name__ == "_UserObject" and not isinstance(reloaded, MyModule)
    assert [v.numpy() for v in reloaded.variables] == [3]
    assert sorted(os.listdir(path)) == ["saved_model.json", "variables"]


def test_loads_in_a_process_that_never_saw_the_class(tmp_path):
    _, path = _seed_module(tmp_path)
    code = textwrap.dedent("""
        import sys
        import minitf as tf
        reloaded = tf.saved_model.load(sys.argv[1])
        print(repr(reloaded.multiply(tf.constant([1, 2, 3]))))
        print(type(reloaded).__name__)
    """)
    done = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True,
                          timeout=120, check=False, cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "<tf.Tensor: shape=(3,), dtype=int32, numpy=array([3, 6, 9], dtype=int32)>",
        "_UserObject"]


def test_untraced_signature_lists_the_saved_ones(tmp_path):
    _, path = _seed_module(tmp_path)
    reloaded = tf.saved_model.load(path)
    with pytest.raises(ValueError) as info:
        reloaded.multiply(tf.constant([1.0, 2.0]))
    # TF 2.21's message for the same call (its wording and layout).
    assert str(info.value) == (
        "Could not find matching concrete function to call loaded from the SavedModel. Got:\n"
        "  Positional arguments (1 total):\n"
        "    * <tf.Tensor 'x:0' shape=(2,) dtype=float32>\n"
        "  Keyword arguments: {}\n\n"
        " Expected these arguments to match one of the following 1 option(s):\n\n"
        "Option 1:\n"
        "  Positional arguments (1 total):\n"
        "    * TensorSpec(shape=(3,), dtype=tf.int32, name='x')\n"
        "  Keyword arguments: {}")


# ---------------------------------------------------------------------------------------
# load(save(m))(x) == m(x) over generated modules
# ---------------------------------------------------------------------------------------
class ProgramModule(tf.Module):
    """A module whose tf.function runs a generated program on (x, its variable)."""

    def __init__(self, program, w):
        self.program = program
        self.w = tf.Variable(w)
        self.scale = tf.Variable(1.5, trainable=False, dtype=tf.float64)

    @tf.function
    def __call__(self, x):
        return run_minitf(self.program, [x, self.w]) * self.scale


_counter = iter(range(10**9))


def _fresh_dir() -> str:
    return os.path.join(tempfile.mkdtemp(prefix="minitf-sm-"), f"m{next(_counter)}")


@settings(max_examples=25)
@given(programs(), st.sampled_from([(3,), (2, 4)]), st.data())
def test_load_of_save_computes_the_same(program, shape, data):
    x = data.draw(arrays(tf.float64, shape, low=-2, high=2))
    w = data.draw(arrays(tf.float64, shape, low=-2, high=2))
    m = ProgramModule(program, w)
    expected = m(tf.constant(x))
    path = _fresh_dir()
    tf.saved_model.save(m, path)
    loaded = tf.saved_model.load(path)
    got = loaded(tf.constant(x))
    # The same equations (the listing is identical) run on the same values: bit for bit.
    spec = tf.TensorSpec(shape, tf.float64)
    assert str(loaded.__call__.get_concrete_function(spec).graph) == \
        str(m.__call__.get_concrete_function(spec).graph)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())
    np.testing.assert_allclose(got.numpy(), run_numpy(program, [x, w]) * 1.5, rtol=1e-12)
    # Gradients through the loaded graph equal those through the original.
    xt = tf.constant(x)
    grads = []
    for obj, v in ((m, m.w), (loaded, loaded.w)):
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = tf.reduce_sum(obj(xt))
        grads.append([g.numpy() for g in tape.gradient(
            y, [xt, v], unconnected_gradients=tf.UnconnectedGradients.ZERO)])
    for g_orig, g_loaded in zip(*grads):
        np.testing.assert_array_equal(g_loaded, g_orig)


# ---------------------------------------------------------------------------------------
# Fine-tuning, saving again, variables
# ---------------------------------------------------------------------------------------
class Linear(tf.Module):
    def __init__(self):
        self.w = tf.Variable([[1.0], [-2.0]])
        self.b = tf.Variable([0.5])
        self.steps = tf.Variable(0, trainable=False)

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def __call__(self, x):
        return x @ self.w + self.b


def _loss(model, x, y):
    return tf.reduce_mean(tf.square(model(x) - y))


def test_fine_tuning_a_loaded_model_matches_the_original(tmp_path):
    x = tf.constant([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    y = tf.constant([[1.0], [2.0], [3.0]])
    original = Linear()
    tf.saved_model.save(original, str(tmp_path / "m"))
    loaded = tf.saved_model.load(str(tmp_path / "m"))
    assert [v.trainable for v in loaded.variables] == [True, False, True]
    assert len(loaded.trainable_variables) == 2
    losses = {}
    for name, model in (("original", original), ("loaded", loaded)):
        trail = []
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = _loss(model, x, y)
            grads = tape.gradient(loss, model.trainable_variables)
            assert all(g is not None for g in grads)
            for v, g in zip(model.trainable_variables, grads):
                v.assign_sub(0.1 * g)
            trail.append(float(loss))
        losses[name] = trail
    assert losses["loaded"] == losses["original"]
    assert losses["loaded"][2] < losses["loaded"][0]
    # Save the fine-tuned object and load it again: the new values come back.
    tf.saved_model.save(loaded, str(tmp_path / "again"))
    again = tf.saved_model.load(str(tmp_path / "again"))
    np.testing.assert_array_equal(again.w.numpy(), original.w.numpy())
    assert float(_loss(again, x, y)) == float(_loss(original, x, y))


class Counter(tf.Module):
    def __init__(self):
        self.count = tf.Variable(0)
        self.children = [tf.Module(), {"bias": tf.Variable(2.0)}]
        self.children[0].v = tf.Variable([1.0, 2.0])

    @tf.function
    def step(self, n):
        for i in tf.range(n):
            if i % 2 == 0:
                self.count.assign_add(i)
        return self.count

    @tf.function
    def mixed(self, x, scale=2.0, *, shift=0.0):
        return {"y": x * scale + shift, "pair": (x, self.children[1]["bias"])}


def test_nested_objects_control_flow_assignments_and_python_arguments(tmp_path):
    c = Counter()
    c.step(tf.constant(5))
    c.mixed(tf.constant([1.0]))
    c.mixed(tf.constant([1.0]), 3.0, shift=1.0)
    c.count.assign(0)
    tf.saved_model.save(c, str(tmp_path / "c"))
    loaded = tf.saved_model.load(str(tmp_path / "c"))
    assert int(loaded.step(tf.constant(5))) == 0 + 2 + 4  # the loop ran, the write stuck
    assert int(loaded.count) == 6
    assert loaded.children[1]["bias"].numpy() == 2.0
    np.testing.assert_array_equal(loaded.children[0].v.numpy(), [1.0, 2.0])
    out = loaded.mixed(tf.constant([1.0]), 3.0, shift=1.0)
    assert sorted(out) == ["pair", "y"] and out["y"].numpy().tolist() == [4.0]
    assert isinstance(out["pair"], tuple) and float(out["pair"][1]) == 2.0
    assert loaded.mixed(tf.constant([5.0]))["y"].numpy().tolist() == [10.0]  # the default
    with pytest.raises(ValueError, match="2 option"):
        loaded.mixed(tf.constant([1.0]), 4.0)


class Inner(tf.Module):
    def __init__(self):
        self.w = tf.Variable([2.0, 3.0])

    @tf.function
    def __call__(self, x):
        return tf.sin(x) * self.w


class Outer(tf.Module):
    def __init__(self):
        self.inner = Inner()
        self.b = tf.Variable(1.0)

    @tf.function(input_signature=[tf.TensorSpec([2], tf.float32)])
    def __call__(self, x):
        s = tf.zeros([2])
        for _ in tf.range(3):
            s += self.inner(x)  # a tf.function call (its own graph) inside a loop body
        return s + self.b


def test_nested_function_calls_and_their_gradients(tmp_path):
    m = Outer()
    tf.saved_model.save(m, str(tmp_path / "m"))
    loaded = tf.saved_model.load(str(tmp_path / "m"))
    graph = str(m.__call__.get_concrete_function().graph)
    assert "call[" in graph and "while[" in graph
    assert str(loaded.__call__.get_concrete_function().graph) == graph
    x = tf.constant([1.0, 2.0])
    grads = []
    for obj in (m, loaded):
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(obj(x))
        grads.append([g.numpy() for g in tape.gradient(y, [obj.inner.w, obj.b])])
    # d/dw = 3 sin(x), d/db = 2 (two outputs), through the loaded graph too.
    np.testing.assert_allclose(grads[1][0], 3 * np.sin([1.0, 2.0]), rtol=1e-6)
    assert grads[1][1] == 2.0
    np.testing.assert_array_equal(grads[1][0], grads[0][0])


def test_function_with_input_signature_is_traced_at_save_time(tmp_path):
    m = Linear()  # __call__ was never called
    tf.saved_model.save(m, str(tmp_path / "m"))
    loaded = tf.saved_model.load(str(tmp_path / "m"))
    # One trace with a None batch size serves every batch.
    for n in (1, 4):
        assert loaded(tf.ones([n, 2])).shape == (n, 1)
    assert callable(loaded) and loaded.__call__.input_signature[0].shape.as_list() == [None, 2]


# ---------------------------------------------------------------------------------------
# Signatures
# ---------------------------------------------------------------------------------------
class Served(tf.Module):
    def __init__(self):
        self.v = tf.Variable([1.0, 2.0])

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32),
                                  tf.TensorSpec([], tf.float32)])
    def two(self, x, s):
        return {"scaled": x * s * self.v, "total": tf.reduce_sum(x)}

    @tf.function
    def pair(self, x):
        return x, x + 1.0


def test_signatures_take_keywords_and_return_dicts(tmp_path):
    m = Served()
    tf.saved_model.save(m, str(tmp_path / "m"), signatures={
        "serving_default": m.two,
        "pair": m.pair.get_concrete_function(tf.TensorSpec([3], tf.float32))})
    loaded = tf.saved_model.load(str(tmp_path / "m"))
    assert sorted(loaded.signatures) == ["pair", "serving_default"]
    serve = loaded.signatures["serving_default"]
    # As in TF 2.21: keyword-only arguments in name order, named TensorSpecs.
    assert serve.structured_input_signature == ((), {
        "s": tf.TensorSpec([], tf.float32, name="s"),
        "x": tf.TensorSpec([None, 2], tf.float32, name="x")})
    out = serve(x=tf.constant([[1.0, 1.0]]), s=tf.constant(3.0))
    assert sorted(out) == ["scaled", "total"]
    np.testing.assert_array_equal(out["scaled"].numpy(), [[3.0, 6.0]])
    pair = loaded.signatures["pair"](x=tf.constant([1.0, 2.0, 3.0]))
    assert sorted(pair) == ["output_0", "output_1"]
    np.testing.assert_array_equal(pair["output_1"].numpy(), [2.0, 3.0, 4.0])
    # The signature reads the loaded variable (captured by reference).
    loaded.v.assign([0.0, 1.0])
    np.testing.assert_array_equal(serve(x=tf.ones([1, 2]), s=tf.constant(1.0))["scaled"].numpy(),
                                  [[0.0, 1.0]])
    # Saving the loaded object again keeps its signatures.
    tf.saved_model.save(loaded, str(tmp_path / "again"))
    again = tf.saved_model.load(str(tmp_path / "again"))
    assert sorted(again.signatures) == ["pair", "serving_default"]


def test_signature_needs_a_single_graph(tmp_path):
    m = Served()
    with pytest.raises(ValueError, match="input_signature"):
        tf.saved_model.save(m, str(tmp_path / "m"), signatures=m.pair)
    assert not os.path.exists(tmp_path / "m")


def test_no_signatures_gives_an_empty_map(tmp_path):
    _, path = _seed_module(tmp_path)
    assert repr(tf.saved_model.load(path).signatures) == "_SignatureMap({})"


# ---------------------------------------------------------------------------------------
# What cannot be saved is refused at save time, with the fix
# ---------------------------------------------------------------------------------------
def test_untracked_variable_is_refused(tmp_path):
    hidden = tf.Variable(2.0)

    class Leaky(tf.Module):
        @tf.function
        def f(self, x):
            return x * hidden

    m = Leaky()
    m.f(tf.constant(1.0))
    with pytest.raises(ValueError, match=r"tf.function 'f'.*not reachable.*attribute"):
        tf.saved_model.save(m, str(tmp_path / "m"))


def test_parameter_that_is_not_data_is_refused():
    from minitf.core.graph import Eqn, Graph, Var
    from minitf.core.primitive import PRIMITIVES, Primitive
    from minitf.core.serialize import graph_to_json
    prim = Primitive("opaque_for_test")  # registered only while the test builds the graph
    try:
        x = Var(tf.TensorSpec([], tf.float32), "x")
        y = Var(tf.TensorSpec([], tf.float32))
        graph = Graph([x], [Eqn(prim, (x,), {"fn": len}, (y,))], [y], name="uses_fn")
        with pytest.raises(TypeError, match=r"uses_fn, equation 0 .*'fn'.*not.*data"):
            graph_to_json(graph)
    finally:
        del PRIMITIVES["opaque_for_test"]


def test_attribute_named_signatures_is_refused(tmp_path):
    m = tf.Module()
    m.signatures = [tf.Variable(1.0)]
    with pytest.raises(ValueError, match="'signatures'.*Rename"):
        tf.saved_model.save(m, str(tmp_path / "m"))


def test_python_object_argument_is_refused(tmp_path):
    class Token:
        pass

    m = tf.Module()
    m.f = tf.function(lambda x, token: x + 1.0)
    m.f(tf.constant(1.0), Token())
    with pytest.raises(ValueError, match=r"tf.function.*argument 'token'.*Token"):
        tf.saved_model.save(m, str(tmp_path / "m"))


# ---------------------------------------------------------------------------------------
# The file: data only, large constants in the arrays file
# ---------------------------------------------------------------------------------------
def test_large_constants_go_to_the_arrays_file(tmp_path):
    table = np.arange(100, dtype=np.float32)
    m = tf.Module()
    m.v = tf.Variable(1.0)
    m.f = tf.function(lambda x: x * m.v + tf.constant(table) + tf.constant([1.0] * 100),
                      input_signature=[tf.TensorSpec([100], tf.float32)])
    tf.saved_model.save(m, str(tmp_path / "m"))
    assert sorted(os.listdir(tmp_path / "m")) == ["constants.npz", "saved_model.json",
                                                  "variables"]
    text = (tmp_path / "m" / "saved_model.json").read_text()
    assert "99.0" not in text  # the table is not inline
    with np.load(tmp_path / "m" / "constants.npz", allow_pickle=False) as npz:
        assert any(np.array_equal(npz[k], table) for k in npz.files)
    loaded = tf.saved_model.load(str(tmp_path / "m"))
    np.testing.assert_array_equal(loaded.f(tf.zeros([100])).numpy(), table + 1.0)


def test_saved_graph_json_round_trip_keeps_the_listing():
    from minitf.core.serialize import graph_from_json, graph_to_json

    @tf.function
    def f(x):
        y = tf.cond(tf.reduce_sum(x) > 0, lambda: x * 2.0, lambda: -x)
        return tf.where(y > 1.0, y, float("nan")), tf.constant(float("-inf"))

    graph = f.get_concrete_function(tf.TensorSpec([None], tf.float32)).graph
    data = json.loads(json.dumps(graph_to_json(graph), allow_nan=False))
    assert str(graph_from_json(data)) == str(graph)


@pytest.mark.keras  # saves a Keras model: needs the keras chapter too
def test_keras_model_as_a_saved_model(tmp_path):
    from minitf.saved_model.keras_export import save_keras_model
    x = tf.linspace(-2.0, 2.0, 16)
    model = tf.keras.Sequential([
        tf.keras.layers.Lambda(lambda x: tf.stack([x, x**2], axis=1)),
        tf.keras.layers.Dense(units=1)])
    model(x)  # built for a batch of 16; the saved call takes any batch
    save_keras_model(model, str(tmp_path / "k"), extra_files={"config.json": b"{}"})
    assert "config.json" in os.listdir(tmp_path / "k")
    loaded = tf.saved_model.load(str(tmp_path / "k"))
    np.testing.assert_allclose(loaded(x[:3]).numpy(), model(x[:3]).numpy(), rtol=1e-6)
    out = loaded.signatures["serving_default"](inputs=x[:5])
    np.testing.assert_allclose(out["output_0"].numpy(), model(x[:5]).numpy(), rtol=1e-6)
    assert len(loaded.trainable_variables) == 2

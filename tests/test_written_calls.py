"""A written taped call records exactly what the general path records.

``minitf.written_calls.write_taped_call`` writes a concrete function's call under one
GradientTape as one generated function. The promise: the tape it leaves is the tape
``ConcreteFunction._call_flat`` (through ``call_graph``) would leave — the same one
``call`` equation, the same watched tensors and variable reads — so gradients are the
same bit for bit; and wherever the tape or what it watches differs from the case it was
written for, it steps aside (returns None) and the general path runs.
"""

from __future__ import annotations

import numpy as np
import pytest

import minitf as tf

pytestmark = [pytest.mark.graphs, pytest.mark.usefixtures("numpy_only")]


class _Model(tf.Module):
    def __init__(self):
        self.w = tf.Variable([0.5, -1.0, 2.0])
        self.b = tf.Variable(0.25)
        self.steps = tf.Variable(3)  # an integer capture: never differentiated

    @tf.function
    def __call__(self, x):
        return tf.tanh(self.w * x) + self.b * tf.cast(self.steps, tf.float32)

    @tf.function
    def pair(self, x, n):
        return {"sum": tf.reduce_sum(self.w * x), "scaled": self.b * x * tf.cast(n, x.dtype)}


class _FloatModel(tf.Module):
    """Only trainable float variables: the written call knows what reading them does."""

    def __init__(self):
        self.w = tf.Variable([0.5, -1.0, 2.0])
        self.b = tf.Variable(0.25)

    @tf.function
    def __call__(self, x):
        return tf.tanh(self.w * x) + self.b

    @tf.function
    def pair(self, x, n):
        return {"sum": tf.reduce_sum(self.w * x), "scaled": self.b * x * tf.cast(n, x.dtype)}


def _tape_of(call, watch_x=False, read_first=False):
    """Records ``call`` (twice before, so the written call exists); the tape's facts.

    ``read_first``: the tape has read a variable, since assigned, before the call (not
    a fresh tape: the call's read is that variable's second).
    """
    x = tf.constant([1.0, 2.0, -0.5])
    for _ in range(3):
        with tf.GradientTape() as tape:
            if watch_x:
                tape.watch(x)
            before = None
            if read_first:  # read b, give it a new value: the call reads b a second time
                before = call.__self__.b * 2.0
                call.__self__.b.assign_add(0.0)
            out = call(x)
            parts = [tf.reduce_sum(t) for t in tf.nest.flatten(out)]
            loss = parts[0] if len(parts) == 1 else parts[0] + parts[1]
            if before is not None:
                loss = loss + before
    (eqn,) = [e for e in tape._eqns if e.prim.name == "call"]
    facts = {"ops": tape.recorded_operations(),
             "params": [(k, type(v).__name__) for k, v in eqn.params.items()],
             "inputs": [id(t) in tape._watched for t in eqn.inputs],
             "reads": sorted(len(r) for r in tape._reads.values()),
             "roots": len(tape._roots),
             "variables": [v.name for v in tape.watched_variables()]}
    sources = [x] + list(call.__self__.trainable_variables) if watch_x \
        else list(call.__self__.trainable_variables)
    grads = tape.gradient(loss, sources)
    return facts, [None if g is None else g.numpy() for g in grads]


@pytest.mark.parametrize("method", ["__call__", "pair"])
@pytest.mark.parametrize("watch_x", [False, True])
@pytest.mark.parametrize("model_class, read_first", [(_Model, False), (_FloatModel, False),
                                                     (_FloatModel, True)])
def test_the_written_call_leaves_the_tape_the_general_path_leaves(method, watch_x,
                                                                   model_class, read_first,
                                                                   monkeypatch):
    from minitf.concrete_function import ConcreteFunction
    written_model, general_model = model_class(), model_class()

    def bound(model):
        fn = getattr(model, method)
        call = (lambda x: fn(x)) if method == "__call__" else (lambda x: fn(x, 2))
        call.__self__ = model
        return call

    written = _tape_of(bound(written_model), watch_x, read_first)
    (cf,) = getattr(written_model, method)._cache.values()
    assert callable(cf._taped)  # written at the first taped call, used by the others
    # The general path: _call_flat and call_graph at every call, nothing written.
    monkeypatch.setattr(ConcreteFunction, "_write_taped_call", lambda *args: None)
    general = _tape_of(bound(general_model), watch_x, read_first)
    (cf,) = getattr(general_model, method)._cache.values()
    assert cf._taped is None
    assert written[0] == general[0]
    assert [g is None for g in written[1]] == [g is None for g in general[1]]
    for w, g in zip(written[1], general[1]):
        if w is not None:
            np.testing.assert_array_equal(w, g)


@pytest.mark.parametrize("model_class", [_Model, _FloatModel])
def test_the_seed_model_runs_the_written_call_and_steps_aside_when_x_is_watched(model_class):
    model, x = model_class(), tf.constant([1.0, 2.0, -0.5])
    for _ in range(2):
        with tf.GradientTape() as tape:
            model(x)
    (cf,) = model.__call__._cache.values()
    source = cf._taped.__minitf_source__
    assert "_call_p, args, params" in source and "_fwd(" in source  # the call recorded
    # Written for "variables watched, x not": with x watched it answers None ...
    with tf.GradientTape() as tape:
        tape.watch(x)
        assert cf._taped(tape, x) is None
        y = model(x)  # ... and the general path records the call with x's cotangent
    dx = tape.gradient(y, x)
    w = model.w.numpy()
    np.testing.assert_allclose(dx.numpy(), w * (1 - np.tanh(w * x.numpy()) ** 2), rtol=1e-6)


def test_two_tapes_or_a_function_that_assigns_take_the_general_path():
    v = tf.Variable(2.0)
    counter = tf.Variable(0.0)

    @tf.function
    def square_and_count(x):
        counter.assign_add(1.0)
        return v * v * x

    x = tf.constant(3.0)
    for _ in range(3):
        with tf.GradientTape() as outer, tf.GradientTape() as inner:
            y = square_and_count(x)
        assert float(inner.gradient(y, v)) == 12.0 and float(outer.gradient(y, v)) == 12.0
    assert float(counter) == 3.0  # the assignment ran at every call
    (cf,) = square_and_count._cache.values()
    assert cf._taped is None  # never one tape at a time: nothing written yet
    with tf.GradientTape() as tape:
        y = square_and_count(x)
    assert cf._taped is False  # it assigns a variable: not written
    assert float(tape.gradient(y, v)) == 12.0 and float(counter) == 4.0


def test_the_eager_call_is_written_by_the_first_eager_call():
    # A batch shape a training loop only calls under a tape never needs it.
    model = _FloatModel()
    x = tf.constant([1.0, 2.0, -0.5])
    for _ in range(3):
        with tf.GradientTape() as tape:
            y = model(x)
        tape.gradient(y, model.variables)
    (cf,) = model.__call__._cache.values()
    assert "_fast" not in vars(cf)
    expected = np.tanh(model.w.numpy() * x.numpy()) + model.b.numpy()
    for _ in range(2):
        np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-6)
        assert "def _fast(" in vars(cf)["_fast"].__minitf_source__
    f = tf.function(lambda x: x * 2.0)  # the very first call, eager: it writes it too
    assert f(x).numpy().tolist() == [2.0, 4.0, -1.0]
    (cf,) = f._cache.values()
    assert "def _fast(" in vars(cf)["_fast"].__minitf_source__


def test_a_call_that_cannot_be_written_runs_the_graph(monkeypatch):
    import minitf.concrete_function as concrete_function
    monkeypatch.setattr(concrete_function, "write_eager_call", lambda cf: None)
    v = tf.Variable(2.0)
    f = tf.function(lambda x: v * x + 1.0)
    for i in range(3):
        v.assign(float(i))
        assert f(tf.constant([1.0, 3.0])).numpy().tolist() == [i + 1.0, 3 * i + 1.0]
    (cf,) = f._cache.values()
    assert cf._fast_failed and "_fast" not in vars(cf)

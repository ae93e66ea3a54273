"""``tape.gradient(loss, variables)`` checks the variables' reads, with the same result.

``compiled_backward.variables_pullback`` is the path of a training step: a flat list of
variables as sources. Its written checks look at each variable's reads on the tape
instead of building the sources' keys. The promise: it answers only where the general
path (keys, ``relevant_ids``, the plan's ``run``) would run the same plan, so its
gradients equal the walked ones bit for bit; anywhere else it answers None and the
general path runs. Generated programs mix the cases that must fall back (a variable
listed twice, another watched tensor) with those that need not (a variable read, then
assigned and read again: both reads are the template's slots).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitf as tf
from minitf import compiled_backward
from tests.programs import run_minitf
from tests.strategies import programs

pytestmark = [pytest.mark.graphs, pytest.mark.usefixtures("fresh_plans")]


def _record(program, a, b, variant, extra):
    """One tape of ``program`` on variables ``a``, ``b`` (and the variant's twist)."""
    with tf.GradientTape() as tape:
        if variant == "another watched tensor":
            tape.watch(extra)
        y = tf.reduce_sum(run_minitf(program, [a, b]))
        if variant == "read again after an assign":
            a.assign(a * 0.5)
            y = y + tf.reduce_sum(a * a)
        if variant == "another watched tensor":
            y = y + tf.reduce_sum(extra * extra)
    sources = [a, a] if variant == "a variable listed twice" else [a, b]
    return tape, y, sources


_VARIANTS = ["plain", "read again after an assign", "a variable listed twice",
             "another watched tensor"]


@settings(max_examples=40, deadline=None)
@given(programs(max_len=5), st.sampled_from(_VARIANTS), st.sampled_from([(3,), (2, 2)]),
       st.integers(0, 2**16))
def test_the_variables_path_gives_the_walked_gradients_or_steps_aside(program, variant,
                                                                       shape, seed):
    rng = np.random.default_rng(seed)
    starts = [rng.uniform(-2, 2, (2, *shape)) for _ in range(4)]
    extra = tf.constant(rng.uniform(-1, 1, shape))

    def step(start, path):
        a, b = tf.Variable(start[0]), tf.Variable(start[1])
        tape, y, sources = _record(program, a, b, variant, extra)
        return path(tape, y, sources)

    def walked(tape, y, sources):
        compiled_backward.enabled = False
        try:
            return tape.gradient(y, sources)
        finally:
            compiled_backward.enabled = True

    for start in starts[:2]:  # the first sighting walks, the second traces a plan
        step(start, lambda tape, y, sources: tape.gradient(y, sources))
    for start in starts[2:]:  # new variables, new values: nothing may be frozen
        expected = step(start, walked)
        fast = step(start, lambda tape, y, s: compiled_backward.variables_pullback(tape, y, s))
        general = step(start, lambda tape, y, sources: tape.gradient(y, sources))
        if variant == "plain" and any(g is not None for g in expected):
            assert fast is not None  # the training step's case is the one it serves
        for got in ([fast, general] if fast is not None else [general]):
            assert len(got) == len(expected)
            for e, g in zip(expected, got):
                assert (e is None) == (g is None)
                if e is not None:
                    assert g.dtype == e.dtype and g.shape == e.shape
                    np.testing.assert_array_equal(g.numpy(), e.numpy())
        if variant in ("a variable listed twice", "another watched tensor"):
            assert fast is None  # roots other than one read per source: general path


def test_the_seed_step_takes_the_variables_path_and_its_source_reads_the_variables():
    class Model(tf.Module):
        def __init__(self):
            self.w_q, self.w_l, self.b = tf.Variable(1.5), tf.Variable(-0.5), tf.Variable(2.0)

        @tf.function
        def __call__(self, x):
            return self.w_q * (x**2) + self.w_l * x + self.b

    model, x = Model(), tf.constant(np.linspace(-2, 2, 32), tf.float32)
    for step in range(2):  # traced into a plan (a traced call: at once), then run
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - 1.0))
        if step < 1:
            assert compiled_backward.variables_pullback(tape, loss, model.variables) is None
            tape.gradient(loss, model.variables)
    grads = compiled_backward.variables_pullback(tape, loss, model.variables)
    assert grads is not None
    source = compiled_backward._stats["last"].run_variables.__minitf_source__
    assert "def run_plan(eqns, targets, ogs, sources, reads, roots, relevant)" in source
    assert "reads.get(id(v0), ())" in source and "len(roots) != 3" in source
    # d/db mean((p - 1)^2) = 2 mean(p - 1), p = 1.5 x^2 - 0.5 x + 2 on the grid.
    x_np = np.linspace(-2, 2, 32).astype(np.float32)
    p = 1.5 * x_np**2 - 0.5 * x_np + 2.0
    position_of_b = [v is model.b for v in model.variables].index(True)  # (sorted by name)
    assert float(grads[position_of_b]) == pytest.approx(2 * np.mean(p - 1.0), rel=1e-5)


def test_sources_that_are_not_all_variables_take_the_general_path():
    v, c = tf.Variable([1.0, 2.0]), tf.constant([3.0, 4.0])
    for _ in range(3):
        with tf.GradientTape() as tape:
            tape.watch(c)
            y = tf.reduce_sum(v * c)
        assert compiled_backward.variables_pullback(tape, y, [v, c]) is None
        grads = tape.gradient(y, [v, c])
    np.testing.assert_array_equal(grads[0].numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(grads[1].numpy(), [1.0, 2.0])
    iv = tf.Variable(3)  # an integer variable: None for it, as the general path gives
    for _ in range(3):
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(v * v)
        grads = tape.gradient(y, (v, iv))
    assert type(grads) is tuple and grads[1] is None
    np.testing.assert_array_equal(grads[0].numpy(), [2.0, 4.0])


def test_one_tensor_in_two_slots_is_another_wiring():
    # A plan written for `p = r * c` (two tensors of one type) must not serve a tape
    # where both are one tensor, `p = r * r`: the same types, another gradient. Nor,
    # for `q = p * c`, a tape where c is p, the product itself.
    v = tf.Variable([1.0, 2.0])
    c = tf.constant([3.0, 4.0])

    def squared_read(alias):
        with tf.GradientTape() as tape:
            r = v.read_value()
            loss = tf.reduce_sum(r * (r if alias else c))
        return tape, loss

    def product_twice(alias):
        with tf.GradientTape() as tape:
            p = v * c
            loss = tf.reduce_sum(p * (p if alias else c))
        return tape, loss

    for record, expected in [(squared_read, 2 * np.array([1.0, 2.0])),
                             (product_twice, 2 * np.array([1.0, 2.0]) * [9.0, 16.0])]:
        for _ in range(2):  # walked, then traced into a plan
            tape, loss = record(False)
            tape.gradient(loss, [v])
        tape, loss = record(False)
        assert compiled_backward.variables_pullback(tape, loss, [v]) is not None
        tape, loss = record(True)
        assert compiled_backward.variables_pullback(tape, loss, [v]) is None
        tape, loss = record(True)
        np.testing.assert_allclose(tape.gradient(loss, [v])[0].numpy(), expected)


@settings(max_examples=30, deadline=None)
@given(programs(max_len=6), st.sampled_from([(3,), (2, 2)]), st.integers(0, 2**16))
def test_what_a_tape_records_as_made_is_a_new_tensor(program, shape, seed):
    # The written checks compare a slot met first as an input only with the earlier
    # slots that could be the same tensor; they take an equation's outputs (and a
    # traced call's residuals) to be tensors its op has just made, never one met before.
    rng = np.random.default_rng(seed)
    a, b = (tf.Variable(rng.uniform(-2, 2, shape)) for _ in range(2))
    traced = tf.function(lambda u, w: tf.exp(u) * w + u)  # (its residual: exp(u))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(run_minitf(program, [a, b])) + tf.reduce_sum(traced(a, b))
    met: set = set()
    for eqn in tape._eqns:
        met.update(id(t) for t in eqn.inputs)
        made = list(eqn.outputs) + list(eqn.params.get("residuals", ()))
        assert not any(id(t) in met for t in made)
        met.update(id(t) for t in made)
    assert tape._eqns and y is tape._eqns[-1].outputs[0]

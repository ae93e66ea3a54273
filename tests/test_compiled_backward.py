"""Compiled backward passes: a repeated tape runs traced code, with the same gradients.

``minitf.compiled_backward`` traces the backward pass of a tape the second time its
structure is seen and runs the compiled graph from then on. The promise is exactness:
every gradient equals, bit for bit, what walking the tape in Python gives — for any
program, with new values at every step — and the plan is only used where the walk
would do nothing else (no recording outer tape, no Python ``grad_fn`` to run).
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


def _walked(fn):
    """``fn()`` with compiled plans switched off: the tape is walked in Python."""
    compiled_backward.enabled = False
    try:
        return fn()
    finally:
        compiled_backward.enabled = True


def _hits() -> int:
    return compiled_backward.cache_info()["hits"]


@settings(max_examples=30, deadline=None)
@given(programs(max_len=6), st.integers(0, 2**16),
       st.sampled_from([(3,), (2, 3)]), st.sampled_from([tf.float32, tf.float64]))
def test_compiled_gradients_equal_the_walked_ones_bit_for_bit(program, seed, shape, dtype):
    rng = np.random.default_rng(seed)
    steps = [[tf.constant(rng.uniform(-2, 2, shape), dtype) for _ in range(2)]
             for _ in range(4)]

    def gradient(a, b):
        with tf.GradientTape() as tape:
            tape.watch([a, b])
            y = tf.reduce_sum(run_minitf(program, [a, b]))
        return tape.gradient(y, [a, b])

    expected = [_walked(lambda: gradient(*xs)) for xs in steps]
    compiled_backward.clear_cache()
    before = _hits()
    got = [gradient(*xs) for xs in steps]  # new values each step: nothing may be frozen
    for e_step, g_step in zip(expected, got):
        for e, g in zip(e_step, g_step):
            assert (e is None) == (g is None)
            if e is not None:
                assert g.dtype == e.dtype and g.shape == e.shape
                np.testing.assert_array_equal(g.numpy(), e.numpy())
    # Steps 2-4 ran a plan (step 2 traced it) unless the program never used an input.
    assert _hits() - before == 2 or all(g is None for g in got[-1])


def test_the_seed_training_step_runs_a_plan_and_matches_the_walk():
    class Model(tf.Module):
        def __init__(self):
            self.w_q = tf.Variable(1.5)
            self.w_l = tf.Variable(-0.5)
            self.b = tf.Variable(2.0)

        @tf.function
        def __call__(self, x):
            return self.w_q * (x**2) + self.w_l * x + self.b

    def train(n_steps):
        model = Model()
        rng = np.random.default_rng(0)
        for _ in range(n_steps):
            x = tf.constant(rng.uniform(-2, 2, 32), tf.float32)
            y = x**2 + 2 * x - 5
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(model(x) - y))
            grads = tape.gradient(loss, model.variables)
            for g, v in zip(grads, model.variables):
                v.assign_sub(0.01 * g)
        return [v.numpy() for v in model.variables]

    walked = _walked(lambda: train(20))
    before = _hits()
    compiled = train(20)
    # A tape holding a traced call (a training step) is traced at once: 2..20 reuse.
    assert _hits() - before == 19
    np.testing.assert_array_equal(compiled, walked)
    listing = str(compiled_backward.last_graph())
    # The traced call's backward graph is inlined: one flat program, its sums included.
    assert "call[" not in listing and listing.count("reduce_sum") == 3


def test_a_new_shape_or_a_new_wiring_gets_its_own_plan():
    def grads(a, b):
        with tf.GradientTape() as tape:
            tape.watch([a, b])
            y = tf.reduce_sum(a * b)
        return tape.gradient(y, [a, b])

    x, y = tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])
    for _ in range(3):
        ga, gb = grads(x, y)
    np.testing.assert_array_equal(ga.numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(gb.numpy(), [1.0, 2.0])
    for _ in range(3):  # the same tensor twice: d(x*x)/dx = 2x, not the other factor
        ga, gb = grads(x, x)
    np.testing.assert_array_equal(ga.numpy(), [2.0, 4.0])
    x3 = tf.constant([1.0, 2.0, 3.0])
    for _ in range(3):
        ga, _ = grads(x3, x3)
    np.testing.assert_array_equal(ga.numpy(), [2.0, 4.0, 6.0])
    assert compiled_backward.cache_info()["compiled"] == 3


def test_the_plan_that_served_last_is_tried_first():
    # A loop over batches: mostly one shape, a smaller last batch. Both shapes have a
    # plan under one signature; the one that served goes to the front, so the big
    # batches are not first refused by the small batch's plan at every step.
    w = tf.Variable(2.0)
    big, small = tf.constant(np.ones(4), tf.float32), tf.constant(np.ones(3), tf.float32)

    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * x)
        return tape.gradient(loss, [w])[0]

    for x in [big, big, small, small]:  # each shape: walked, then traced into a plan
        step(x)
    (candidates,) = [c for c in compiled_backward._BY_SIGNATURE.values() if len(c) == 2]
    big_plan, small_plan = candidates[1], candidates[0]  # (newest first)
    assert float(step(big)) == 4.0 and candidates[0] is big_plan
    assert float(step(big)) == 4.0 and candidates[0] is big_plan
    assert float(step(small)) == 3.0 and candidates[0] is small_plan


def test_unconnected_sources_and_output_gradients_behave_as_in_the_walk():
    a, b = tf.Variable([1.0, 2.0]), tf.Variable([5.0, 6.0])
    for step in range(3):
        with tf.GradientTape() as tape:
            y = a * a
        ga, gb = tape.gradient(y, [a, b], output_gradients=tf.constant([1.0, float(step)]))
        assert gb is None
        np.testing.assert_array_equal(ga.numpy(), [2.0, 4.0 * step])
    assert _hits() == 1


def test_custom_gradient_python_runs_at_every_step():
    calls = []

    @tf.custom_gradient
    def clip_grad(x):
        def grad(upstream):
            calls.append(1)
            return tf.clip_by_value(upstream, -1.0, 1.0)
        return tf.identity(x), grad

    v = tf.Variable(3.0)
    for _ in range(3):
        with tf.GradientTape() as tape:
            loss = clip_grad(v * v) * 10.0
        assert float(tape.gradient(loss, v)) == 6.0  # 10 clipped to 1, times dv²/dv
    assert len(calls) == 3 and _hits() == 0


def test_a_recorded_backward_pass_is_walked_so_second_derivatives_work():
    x = tf.Variable(2.0)
    for _ in range(3):
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                y = x * x * x
            dy = inner.gradient(y, x)  # recorded by `outer`: never a plan
        d2y = outer.gradient(dy, x)    # nothing records this one: a plan from step 2
        assert (float(dy), float(d2y)) == (12.0, 12.0)
    assert _hits() == 1


def test_jacobian_rows_reuse_one_plan():
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        y = tf.sin(x) * x
    jac = tape.jacobian(y, x)
    expected = np.diag(np.cos([1.0, 2.0, 3.0]) * [1.0, 2.0, 3.0] + np.sin([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(jac.numpy(), expected, rtol=1e-6)
    assert _hits() == 1  # row 0 walks, row 1 traces, row 2 runs the plan


def _three_steps(v):
    for _ in range(3):
        with tf.GradientTape() as tape:
            y = v * 3.0
        assert float(tape.gradient(y, v)) == 3.0


def test_switching_it_off():
    v = tf.Variable(1.0)
    _three_steps(v)
    assert _hits() == 1
    tf.config.run_functions_eagerly(True)  # debugging: Python runs step by step
    try:
        _three_steps(v)
    finally:
        tf.config.run_functions_eagerly(False)
    assert _hits() == 1
    compiled_backward.enabled = False
    _three_steps(v)
    assert _hits() == 1
    compiled_backward.enabled = True
    _three_steps(v)
    assert _hits() == 4


def test_backward_graph_shows_the_plan_without_using_the_tape():
    x = tf.constant([0.5, 1.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.exp(x) * x)
    graph = compiled_backward.backward_graph(tape, y, x)
    assert [e.prim.name for e in graph.eqns].count("exp") == 0  # exp(x) is a slot, reused
    np.testing.assert_allclose(tape.gradient(y, x).numpy(),
                               np.exp([0.5, 1.0]) * ([0.5, 1.0] + np.ones(2)), rtol=1e-6)


def _recorded(program, a, b, watch_b):
    with tf.GradientTape() as tape:
        tape.watch(a)
        if watch_b:
            tape.watch(b)
        y = tf.reduce_sum(run_minitf(program, [a, b]))
    keys = [[id(a)], [id(b)]]
    from minitf.backward import relevant_ids
    return tape, y, keys, relevant_ids(tape, keys)


_tape_variants = st.tuples(programs(max_len=4), st.sampled_from([(2,), (3,), (2, 2)]),
                           st.booleans(), st.booleans())


@settings(max_examples=60, deadline=None)
@given(_tape_variants, _tape_variants, st.booleans())
def test_matching_a_template_agrees_with_comparing_keys(first, second, repeat):
    from minitf.tape_matcher import compile_match
    from minitf.tape_structure import match, structure
    if repeat:  # half the time: the same structure again, on new tensors
        second = first

    def build(variant):
        program, shape, same_input, watch_b = variant
        a = tf.constant(np.full(shape, 0.5))
        b = a if same_input else tf.constant(np.full(shape, -1.5))
        return _recorded(program, a, b, watch_b)

    tape1, y1, keys1, rel1 = build(first)
    tape2, y2, keys2, rel2 = build(second)
    found1 = structure(tape1._eqns, [y1], [None], keys1, rel1)
    found2 = structure(tape2._eqns, [y2], [None], keys2, rel2)
    if found1 is None or found2 is None or not tape2._eqns:
        return
    matched = match(found1[2], tape2._eqns, [y2], [None], keys2, rel2)
    assert (matched is not None) == (found1[0] == found2[0])
    if matched is not None:
        assert [id(t) for t in matched] == [id(t) for t in found2[1]]
    # The matcher written for the template decides the same, and finds the same slots.
    written = compile_match(found1[2])(tape2._eqns, [y2], [None], keys2, rel2)
    assert (written is None) == (matched is None)
    if written is not None:
        assert [id(t) for t in written] == [id(t) for t in matched]


def test_nested_traced_calls_inline_into_one_flat_plan_with_the_same_gradients():
    @tf.function
    def inner(x):
        return tf.sin(x) * x

    @tf.function
    def outer(x, w):
        return inner(x * w) + w

    w = tf.Variable([0.5, -1.0, 2.0], dtype=tf.float64)
    rng = np.random.default_rng(1)
    xs = [tf.constant(rng.uniform(-2, 2, 3)) for _ in range(4)]

    def grads(x):
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(outer(x, w) ** 2)
        return tape.gradient(y, w).numpy()

    walked = [_walked(lambda: grads(x)) for x in xs]
    compiled = [grads(x) for x in xs]
    np.testing.assert_array_equal(compiled, walked)
    assert _hits() == 3  # traced at the first tape (it holds a traced call), then reused
    assert "call" not in [e.prim.name for e in compiled_backward.last_graph().eqns]


def test_a_tape_holding_a_traced_call_is_compiled_at_once_an_eager_one_when_it_returns():
    # A traced call on the tape (a tf.function model) says "training step": its plan is
    # written the first time. Any other tape is walked the first time.
    w = tf.Variable([1.0, 2.0])
    f = tf.function(lambda x: w * x)
    x = tf.constant([3.0, 4.0])

    def step(traced):
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(f(x) if traced else w * x)
        return tape.gradient(y, [w])[0].numpy()

    for traced, compiled_after in [(True, [1, 1]), (False, [0, 1])]:
        compiled_backward.clear_cache()
        for expected in compiled_after:
            np.testing.assert_array_equal(step(traced), [3.0, 4.0])
            assert compiled_backward.cache_info()["compiled"] == expected

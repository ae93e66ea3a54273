"""Matchers written for one template decide exactly as the generic ``match`` does.

``minitf.tape_matcher.compile_match`` turns a tape template into straight-line checks.
The generic :func:`minitf.tape_structure.match` is the spec; here each case records a
template tape and a second tape that differs in one respect (or not at all), and both
matchers must agree with each other and with comparing the full structure keys. The
generated programs of ``test_compiled_backward`` cover elementwise tapes; these cases
cover what those do not: a traced call's residuals, output gradients, two targets,
aliased inputs, other parameters and other lengths.
"""

from __future__ import annotations

import numpy as np
import pytest

import minitf as tf
from minitf.backward import relevant_ids
from minitf.tape_matcher import compile_match
from minitf.tape_structure import match, structure

pytestmark = pytest.mark.graphs


@tf.function
def _traced(x, w):
    return tf.reduce_sum(w * x * x)


def _record(kind: str, *, shape=(3,), axis=0, alias=False, og=False, two=False,
            dtype=np.float32):
    """Records one tape; returns the arguments ``match`` takes."""
    a = tf.constant(np.linspace(-1.0, 1.0, int(np.prod(shape))).reshape(shape).astype(dtype))
    b = a if alias else tf.constant(np.full(shape, 0.5, dtype))
    w = tf.Variable(np.ones(shape, dtype))
    with tf.GradientTape() as tape:
        tape.watch(a)
        if kind == "call":
            y = _traced(a, w) + tf.reduce_sum(b)
        else:
            y = tf.reduce_sum(a * b * w, axis=axis)
        targets = [y, tf.reduce_mean(a * a)] if two else [y]
    ogs = [tf.ones_like(t) if og else None for t in targets]
    keys = [[id(a)], [id(r) for r in tape._reads.get(id(w), [])]]
    return tape._eqns, targets, ogs, keys, relevant_ids(tape, keys)


_CASES = {
    "same": {},
    "other shape": {"shape": (4,)},
    "other dtype": {"dtype": np.float64},
    "aliased inputs": {"alias": True},
    "output gradient": {"og": True},
    "two targets": {"two": True},
}


@pytest.mark.parametrize("kind", ["call", "elementwise"])
@pytest.mark.parametrize("template_case", ["same", "aliased inputs", "output gradient",
                                           "two targets"])
@pytest.mark.parametrize("tape_case", sorted(_CASES))
def test_written_matcher_agrees_with_match_and_the_keys(kind, template_case, tape_case):
    first = _record(kind, **_CASES[template_case])
    second = _record(kind, **_CASES[tape_case])
    key1, _, template = structure(*first)
    key2, slots2, _ = structure(*second)
    expected = match(template, *second)
    written = compile_match(template)(*second)
    assert (expected is not None) == (key1 == key2)
    assert (written is None) == (expected is None)
    if written is not None:
        assert [id(t) for t in written] == [id(t) for t in expected] \
            == [id(t) for t in slots2]


def test_a_different_parameter_or_length_is_refused():
    # shape (2, 3) summed over axis 0 or axis 1: the same ops, one parameter differs.
    _, _, template = structure(*_record("elementwise", shape=(2, 3), axis=0))
    matcher = compile_match(template)
    assert matcher(*_record("elementwise", shape=(2, 3), axis=0)) is not None
    assert matcher(*_record("elementwise", shape=(2, 3), axis=1)) is None
    eqns, targets, ogs, keys, relevant = _record("elementwise", shape=(2, 3), axis=0)
    assert matcher(eqns[:-1], targets, ogs, keys, relevant) is None   # fewer equations
    assert matcher(eqns, targets, ogs, keys[:1], relevant) is None    # fewer sources


def test_the_residuals_of_a_traced_call_are_slots_checked_by_type():
    _, _, template = structure(*_record("call"))
    source = compile_match(template).__minitf_source__
    # The call's residuals are unpacked from its parameters and type-checked like inputs.
    assert "e0.params.items()" in source and "isinstance(" in source
    assert compile_match(template)(*_record("call")) is not None


def test_the_seed_step_uses_the_written_matcher():
    from minitf import compiled_backward
    from minitf.core.interpreters import _state
    saved, _state["multi_backend"] = _state["multi_backend"], False
    compiled_backward.clear_cache()
    try:
        v = tf.Variable(2.0)
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(v * tf.constant([1.0, 2.0]) - 1.0))
            grad = tape.gradient(loss, [v])
        plan = compiled_backward._stats["last"]
        assert plan is not None and "def match_tape" in plan.match.__minitf_source__
        # d/dv mean((v*x - 1)^2) = mean(2 (v x - 1) x) with v=2, x=(1, 2): (2 + 12)/2.
        assert float(grad[0]) == pytest.approx(7.0)
    finally:
        _state["multi_backend"] = saved
        compiled_backward.clear_cache()

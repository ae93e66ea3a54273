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


@tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
def _any_length(x):
    return tf.reduce_sum(tf.exp(x) * x)


def _tape_of_any_length(n: int):
    x = tf.constant(np.linspace(0.0, 1.0, n).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = _any_length(x)
    return tape._eqns, [y], [None], [[id(x)]], relevant_ids(tape, [[id(x)]])


def test_residuals_are_typed_by_the_call_graph_and_its_checked_inputs():
    # One graph for every length: the residuals' shapes follow from the input's, which
    # the matcher checks; the residuals themselves are only checked for relevance.
    _, _, template = structure(*_tape_of_any_length(5))
    matcher = compile_match(template)
    source = matcher.__minitf_source__
    unpacked = [line.split("=")[0].strip() for line in source.splitlines()
                if line.strip().endswith("= v0_1")]  # the `residuals` parameter
    residuals = [name.strip() for name in unpacked[0].split(",") if name.strip()]
    assert residuals and all(f"{r}._value.shape" not in source for r in residuals)
    assert all(f"id({r}) in relevant" in source for r in residuals)
    assert matcher(*_tape_of_any_length(5)) is not None
    assert matcher(*_tape_of_any_length(6)) is None  # the input's shape differs
    assert match(template, *_tape_of_any_length(6)) is None


def test_the_seed_step_runs_the_written_checks_and_graph_as_one_function():
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
        # One function: the written checks, then the graph's straight-line code.
        source = plan.run.__minitf_source__
        assert "def run_plan" in source and "e0.prim is not prim0" in source
        assert "np.add.reduce" in source
        # d/dv mean((v*x - 1)^2) = mean(2 (v x - 1) x) with v=2, x=(1, 2): (2 + 12)/2.
        assert float(grad[0]) == pytest.approx(7.0)
    finally:
        _state["multi_backend"] = saved
        compiled_backward.clear_cache()

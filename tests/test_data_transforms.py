"""tf.data transformations: map, filter, take/skip/repeat, enumerate, shard, take_while,
reduce — elements against a Python-list model, and cardinality after every step.

The cardinality table's expected values were printed by TensorFlow 2.21.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, strategies as st

import minitf as tf
from tests.strategies import sliceable_arrays

pytestmark = pytest.mark.data
D = tf.data.Dataset
UNKNOWN, INFINITE = tf.data.UNKNOWN_CARDINALITY, tf.data.INFINITE_CARDINALITY


def card(ds: tf.data.Dataset) -> int:
    return int(ds.cardinality())


def values(ds: tf.data.Dataset) -> list:
    return [int(v) for v in ds.as_numpy_iterator()]


# One step of a pipeline: (name, arguments). Each is applied to the dataset and to a
# Python list that models it; `known` tracks whether TF can count the elements.
_steps = st.one_of(
    st.tuples(st.just("take"), st.integers(-2, 12)),
    st.tuples(st.just("skip"), st.integers(-1, 12)),
    st.tuples(st.just("repeat"), st.integers(0, 3)),
    st.tuples(st.just("shard"), st.tuples(st.integers(1, 4), st.integers(0, 3))),
    st.tuples(st.just("filter"), st.integers(2, 3)),
    st.tuples(st.just("map"), st.integers(-3, 3)),
    st.tuples(st.just("shuffle"), st.integers(1, 8)),
    st.tuples(st.just("cache"), st.none()),
    st.tuples(st.just("prefetch"), st.integers(0, 3)),
)


def _apply(ds, model, known, step):
    name, arg = step
    if name == "take":
        ds, model = ds.take(arg), (model if arg < 0 else model[:arg])
        # TF's rule is min(n, count): take(-2) of a counted dataset reports -2.
        known = known and arg != -2
    elif name == "skip":
        ds, model = ds.skip(arg), ([] if arg < 0 else model[arg:])
    elif name == "repeat":
        ds, model = ds.repeat(arg), model * arg
        known = known or arg == 0
    elif name == "shard":
        n, i = arg
        i = i % n
        ds, model = ds.shard(n, i), model[i::n]
    elif name == "filter":
        ds, model, known = ds.filter(lambda x: x % arg == 0), \
            [v for v in model if v % arg == 0], False
    elif name == "map":
        ds, model = ds.map(lambda x: x * arg + 1), [v * arg + 1 for v in model]
    elif name == "shuffle":
        # A fixed order for every pass, so later steps can be modelled on it.
        ds = ds.shuffle(arg, seed=1, reshuffle_each_iteration=False)
        shuffled = values(ds)
        assert sorted(shuffled) == sorted(model) and shuffled == values(ds)
        model = shuffled
    elif name == "cache":
        ds = ds.cache()
    elif name == "prefetch":
        ds = ds.prefetch(arg)
    return ds, model, known


@given(st.integers(0, 10), st.lists(_steps, max_size=5))
def test_every_step_matches_a_list_model_and_tfs_cardinality(n, steps):
    ds, model, known = D.range(n), list(range(n)), True
    for step in steps:
        ds, model, known = _apply(ds, model, known, step)
        assert values(ds) == model, step
        assert card(ds) == (len(model) if known else UNKNOWN), step


# (pipeline, TF 2.21's cardinality). u: an unknown-size dataset, inf: an infinite one.
_r = D.range(10)
_u = _r.filter(lambda x: True)
_inf = _r.repeat()
CARDINALITY_TABLE = [
    (_r, 10), (_r.filter(lambda x: x > 2), UNKNOWN), (_r.repeat(), INFINITE),
    (_r.repeat(3), 30), (_r.repeat(0), 0), (_r.repeat(-2), INFINITE),
    (_r.take(3), 3), (_r.take(20), 10), (_r.take(-1), 10), (_r.take(-2), UNKNOWN),
    (_inf.take(5), 5), (_inf.take(-2), UNKNOWN), (_u.take(0), UNKNOWN),
    (_r.skip(3), 7), (_r.skip(20), 0), (_r.skip(-1), 0), (_inf.skip(5), INFINITE),
    (_u.skip(3), UNKNOWN), (_r.batch(3), 4), (_r.batch(3, drop_remainder=True), 3),
    (_inf.batch(3), INFINITE), (_r.batch(20, drop_remainder=True), 0),
    (_r.batch(3).unbatch(), UNKNOWN), (_inf.batch(2).unbatch(), INFINITE),
    (D.from_tensors([1, 2]).unbatch(), 2), (_r.batch(3, drop_remainder=True).unbatch(), 9),
    (_r.shuffle(3), 10), (_r.map(lambda x: x), 10), (_r.enumerate(), 10),
    (_r.shard(3, 0), 4), (_r.shard(3, 1), 3), (_r.shard(3, 2), 3), (_u.shard(2, 0), UNKNOWN),
    (_inf.shard(2, 0), INFINITE), (_r.concatenate(_r), 20), (_r.concatenate(_inf), INFINITE),
    (_r.concatenate(_u), UNKNOWN), (_inf.concatenate(_u), INFINITE),
    (D.zip((_r, _r.take(4))), 4), (D.zip((_r, _inf)), 10), (D.zip((_inf, _u)), UNKNOWN),
    (D.zip((_r, _u)), UNKNOWN), (_r.cache(), 10), (_r.prefetch(2), 10),
    (_r.take_while(lambda x: x < 3), UNKNOWN), (_r.padded_batch(3), 4),
    (D.from_tensors(1), 1), (_r.take(0).repeat(), 0), (_u.repeat(), INFINITE),
    (_u.repeat(0), 0), (_u.repeat(2), UNKNOWN), (_inf.repeat(0), 0),
    (D.range(2, 10, 3), 3), (D.range(10, 2), 0), (D.range(10, 2, -3), 3),
    (D.from_generator(lambda: iter([1]), output_types=tf.int32), UNKNOWN),
]


@pytest.mark.parametrize("ds, expected", CARDINALITY_TABLE)
def test_cardinality_table_matches_tensorflow(ds, expected):
    assert card(ds) == expected


def test_len_follows_tf():
    assert len(_r.batch(3)) == 4
    with pytest.raises(TypeError, match="infinite"):
        len(_inf)
    with pytest.raises(TypeError, match="unknown"):
        len(_u)
    assert bool(_r.take(0)) is True  # truthiness never asks for the length


@given(st.integers(0, 15), st.integers(0, 4), st.integers(0, 20), st.integers(0, 20))
def test_take_skip_repeat_arithmetic(n, count, k, j):
    ds = D.range(n).repeat(count).skip(k).take(j)
    expected = (list(range(n)) * count)[k:][:j]
    assert values(ds) == expected and card(ds) == len(expected)


def test_repeat_forever_restarts_the_input_and_stops_when_it_is_empty():
    assert values(D.range(3).repeat().take(7)) == [0, 1, 2, 0, 1, 2, 0]
    assert values(D.range(0).repeat()) == []
    assert values(D.range(4).filter(lambda x: x > 9).repeat()) == []


def test_map_unpacks_tuples_but_passes_dicts_and_namedtuples_whole():
    pairs = D.from_tensor_slices(([1, 2], [10, 20]))
    assert values(pairs.map(lambda x, y: x + y)) == [11, 22]
    dicts = D.from_tensor_slices({"a": [1, 2], "b": [3, 4]})
    assert values(dicts.map(lambda d: d["a"] * d["b"])) == [3, 8]
    with pytest.raises(TypeError, match="2 positional arguments"):
        pairs.map(lambda x: x)
    with pytest.raises(TypeError, match="single argument"):
        dicts.map(lambda a, b: a)


@given(sliceable_arrays(max_components=2))
def test_map_over_nested_structures_builds_the_returned_structure(arrays):
    ds = D.from_tensor_slices(arrays)
    mapped = ds.map(lambda *xs: {"orig": xs, "first": (xs[0], [1.0, 2.0])})
    spec = mapped.element_spec
    assert spec["first"][1] == tf.TensorSpec([2], tf.float32)  # an inner list is a tensor
    assert spec["orig"] == ds.element_spec if isinstance(ds.element_spec, tuple) \
        else spec["orig"] == (ds.element_spec,)
    for row, out in zip(ds.as_numpy_iterator(), mapped.as_numpy_iterator()):
        row = row if isinstance(row, tuple) else (row,)
        for a, b in zip(row, out["orig"]):
            np.testing.assert_array_equal(a, b)
        assert out["first"][1].tolist() == [1.0, 2.0]


def test_map_results_follow_tf_conversion_rules():
    # TF 2.21: a top-level list is a tuple, Python floats are float32.
    assert D.range(3).map(lambda x: [x, x]).element_spec == \
        (tf.TensorSpec([], tf.int64),) * 2
    assert D.range(3).map(lambda x: 1.0).element_spec == tf.TensorSpec([], tf.float32)
    assert D.range(3).map(lambda x: {"k": (x, 2)}).element_spec == \
        {"k": (tf.TensorSpec([], tf.int64), tf.TensorSpec([], tf.int32))}


def test_map_does_not_record_on_an_active_tape():
    v = tf.Variable(3.0)
    ds = D.range(2).map(lambda x: tf.cast(x, tf.float32) * v)
    with tf.GradientTape() as tape:
        total = sum(ds)
    assert tape.gradient(total, v) is None  # dataset functions are never differentiated


def _map_workers() -> list:
    return [t for t in threading.enumerate() if t.name.startswith("minitf-data-map")]


@pytest.mark.parametrize("parallel", [2, tf.data.AUTOTUNE])
def test_parallel_map_keeps_order_and_uses_threads(parallel):
    ds = D.range(50).map(lambda x: x * x, num_parallel_calls=parallel)
    it = iter(ds)
    assert int(next(it)) == 0
    assert _map_workers()  # a pool of worker threads runs the function
    assert [int(v) for v in it] == [i * i for i in range(1, 50)]
    assert not _map_workers()  # and is shut down when the pass ends


def test_map_errors_surface_and_bad_parallelism_is_refused():
    with pytest.raises(tf.errors.InvalidArgumentError, match="greater than zero"):
        D.range(3).map(lambda x: x, num_parallel_calls=-5)
    ds = D.range(3).map(lambda x: tf.constant([1, 2]) + tf.constant([1, 2, 3]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        list(ds)


def test_filter_and_take_while_need_scalar_bool_predicates():
    assert values(D.range(6).filter(lambda x: x % 2 == 0)) == [0, 2, 4]
    assert values(D.range(9).take_while(lambda x: x < 3)) == [0, 1, 2]
    for bad in (lambda x: x, lambda x: tf.constant([True, False])):
        with pytest.raises(ValueError, match="Invalid `predicate`"):
            list(D.range(3).filter(bad))
    with pytest.raises(ValueError, match="tf.bool"):
        list(D.range(3).take_while(lambda x: x))


def test_enumerate_and_shard():
    assert list(D.range(7, 9).enumerate(start=5).as_numpy_iterator()) == [(5, 7), (6, 8)]
    assert D.range(3).enumerate().element_spec[0] == tf.TensorSpec([], tf.int64)
    assert values(D.range(10).shard(3, 1)) == [1, 4, 7]
    with pytest.raises(tf.errors.InvalidArgumentError, match="greater than zero"):
        D.range(3).shard(0, 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="between 0 and 1"):
        D.range(3).shard(2, 2)


def test_reduce_folds_structures_and_checks_dtypes():
    assert int(D.range(5).reduce(np.int64(0), lambda s, x: s + x)) == 10
    pairs = D.from_tensor_slices(([1, 2], [3, 4]))
    s0, s1 = pairs.reduce((0, 0), lambda s, e: (s[0] + e[0], s[1] + e[1]))
    assert (int(s0), int(s1)) == (3, 7)
    count = D.range(4).filter(lambda x: x > 0).reduce(0, lambda n, _: n + 1)
    assert int(count) == 3
    with pytest.raises(TypeError, match="Expected <dtype: 'float32'> but got <dtype: 'int64'>"):
        D.range(3).reduce(0.0, lambda s, x: x)
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not match"):
        D.range(3).reduce(np.int64(0), lambda s, x: (s, x))


@pytest.mark.parametrize("make, error", [
    (lambda: D.range(3).take(2.5), TypeError),
    (lambda: D.range(3).skip("a"), TypeError),
    (lambda: D.range(3).repeat(1.5), TypeError),
    (lambda: D.range(3).map(5), TypeError),
    (lambda: D.range(3).apply(lambda d: 5), TypeError),
])
def test_bad_arguments_are_refused_with_tf_classes(make, error):
    with pytest.raises(error):
        make()


def test_options_are_recorded():
    options = tf.data.Options()
    options.deterministic = False
    ds = D.range(3).with_options(options).map(lambda x: x)
    assert ds.options().deterministic is False and values(ds) == [0, 1, 2]


def _use_tf_function(monkeypatch) -> None:
    # minitf.function traces map functions when it exists; until it is exported, use the
    # module directly (without AutoGraph) if it is there, else skip.
    if callable(getattr(tf, "function", None)):
        return
    module = pytest.importorskip("minitf.function")
    monkeypatch.setattr(tf, "function", lambda f=None, **kw: module.function(
        f, autograph=False, **kw), raising=False)


def test_map_is_traced_once_with_tf_function(monkeypatch):
    _use_tf_function(monkeypatch)
    calls = []

    def f(x, y):
        calls.append(1)  # a Python side effect: runs while tracing only, as in TF
        return {"sum": x + y, "pair": [x, y]}
    ds = D.from_tensor_slices(([1, 2, 3], [10, 20, 30])).map(f)
    assert len(calls) == 1
    # An inner list is one tensor (TF 2.21 gives shape (2,) too).
    assert ds.element_spec == {"sum": tf.TensorSpec([], tf.int32),
                               "pair": tf.TensorSpec([2], tf.int32)}
    got = list(ds.as_numpy_iterator())
    assert [g["sum"] for g in got] == [11, 22, 33] and got[2]["pair"].tolist() == [3, 30]
    assert len(calls) == 1
    with pytest.raises(ValueError, match="Invalid `predicate`"):
        D.range(3).filter(lambda x: x)  # a traced predicate is checked when built


def test_untraceable_functions_still_run_eagerly(monkeypatch):
    _use_tf_function(monkeypatch)
    # tf.fill needs a concrete size: no trace, so the function runs per element.
    ds = D.range(4).map(lambda x: tf.fill([x], x))
    assert ds.element_spec == tf.TensorSpec([None], tf.int64)
    assert [v.tolist() for v in ds.as_numpy_iterator()] == [[], [1], [2, 2], [3, 3, 3]]

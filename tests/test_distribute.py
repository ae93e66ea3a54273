"""``tf.distribute`` in one process: contexts, reductions, sharding, resolvers, launcher.

Values marked "TF 2.21" were printed by TensorFlow 2.21 (CPU) running the same code;
the two-process behaviour is tested in ``tests/test_distribute_multiprocess.py``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitf as tf
from minitf.core.interpreters import bind1
from minitf.distribute import collectives
from minitf.distribute.cluster_resolver import (
    ClusterResolver, ClusterSpec, SimpleClusterResolver, TFConfigClusterResolver,
    from_environment,
)
from minitf.distribute.input_lib import DistributedDataset, shard_bounds, shard_element
from minitf.distribute.keras_hooks import shard_batches
from minitf.distribute.launch import _split, launch, worker_environment
from minitf.keras.data_adapter import make_batches
from tests.strategies import arrays, global_batches, shapes

pytestmark = pytest.mark.distribute
ReduceOp = tf.distribute.ReduceOp


# ---------------------------------------------------------------------------------------
# ReduceOp
# ---------------------------------------------------------------------------------------
def test_reduce_op_is_tfs_enum() -> None:
    # TF 2.21: ReduceOp.SUM <ReduceOp.MEAN: 'MEAN'> [<ReduceOp.SUM: 'SUM'>, ...]
    assert str(ReduceOp.SUM) == "ReduceOp.SUM"
    assert repr(ReduceOp.MEAN) == "<ReduceOp.MEAN: 'MEAN'>"
    assert list(ReduceOp) == [ReduceOp.SUM, ReduceOp.MEAN]
    assert ReduceOp("SUM") is ReduceOp.SUM
    from minitf.variables import VariableAggregation
    assert ReduceOp.from_variable_aggregation(VariableAggregation.SUM) is ReduceOp.SUM
    with pytest.raises(ValueError):
        ReduceOp.from_variable_aggregation(VariableAggregation.NONE)


def test_reduce_refuses_other_ops_with_tfs_message() -> None:
    with pytest.raises(ValueError, match="'MAX' is not a valid ReduceOp"):  # TF 2.21
        tf.distribute.get_strategy().reduce("MAX", tf.constant(1.0), axis=None)


# ---------------------------------------------------------------------------------------
# The default strategy and the contexts
# ---------------------------------------------------------------------------------------
def test_default_strategy_and_contexts() -> None:
    # TF 2.21 outside any scope: has_strategy False, in_cross_replica_context False, a
    # default replica context with 1 replica and id 0.
    assert not tf.distribute.has_strategy()
    assert not tf.distribute.in_cross_replica_context()
    assert tf.distribute.get_strategy().num_replicas_in_sync == 1
    ctx = tf.distribute.get_replica_context()
    assert ctx.num_replicas_in_sync == 1 and int(ctx.replica_id_in_sync_group) == 0
    assert float(ctx.all_reduce("sum", tf.constant(2.0))) == 2.0


def test_scope_and_run_switch_contexts() -> None:
    strategy = tf.distribute.MirroredStrategy()
    seen = {}
    with strategy.scope():
        # TF 2.21 inside the scope: True True True, and no replica context.
        seen["scope"] = (tf.distribute.has_strategy(), tf.distribute.get_strategy() is strategy,
                         tf.distribute.in_cross_replica_context(),
                         tf.distribute.get_replica_context())

        def fn() -> None:
            ctx = tf.distribute.get_replica_context()
            seen["run"] = (ctx.strategy is strategy, tf.distribute.in_cross_replica_context())
            seen["merge"] = ctx.merge_call(
                lambda s: (s is strategy, tf.distribute.in_cross_replica_context()))
        strategy.run(fn)
    assert seen == {"scope": (True, True, True, None), "run": (True, False),
                    "merge": (True, True)}
    assert not tf.distribute.has_strategy()


def test_context_errors_are_tfs() -> None:
    a, b = tf.distribute.MirroredStrategy(), tf.distribute.MirroredStrategy()
    with pytest.raises(RuntimeError, match="Mixing different tf.distribute.Strategy objects"):
        with a.scope(), b.scope():
            pass
    with a.scope(), a.scope():  # re-entering the same strategy is fine
        assert tf.distribute.get_strategy() is a
    with pytest.raises(RuntimeError, match="requires being in cross-replica context"):
        a.run(lambda: a.run(lambda: None))
    with pytest.raises(RuntimeError, match="cross-replica method"):
        a.run(lambda: a.reduce("SUM", 1.0, axis=None))
    with pytest.raises(TypeError):  # TF 2.21: reduce() missing ... 'axis'
        a.reduce("SUM", 1.0)  # type: ignore[call-arg]


def test_reduce_with_one_replica_matches_tf() -> None:
    strategy = tf.distribute.MirroredStrategy()
    r = strategy.run(lambda x: x * 2, args=(tf.constant([1.0, 2.0, 3.0]),))
    # TF 2.21: [2. 4. 6.], 4.0, 12.0 and a 1-tuple of local results.
    np.testing.assert_array_equal(strategy.reduce(ReduceOp.SUM, r, axis=None), [2, 4, 6])
    assert float(strategy.reduce(ReduceOp.MEAN, r, axis=0)) == 4.0
    assert float(strategy.reduce("SUM", r, axis=0)) == 12.0
    assert strategy.experimental_local_results(r) == (r,)

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def traced_mean(x: object) -> object:  # the row count is only known at run time
        return strategy.reduce("MEAN", x, axis=0)
    np.testing.assert_array_equal(traced_mean(tf.constant([[1.0, 2.0], [3.0, 6.0]])), [2, 4])


@given(data=st.data(), op=st.sampled_from(list(ReduceOp)))
def test_reduce_along_an_axis_is_numpys_with_one_replica(data: st.DataObject,
                                                          op: ReduceOp) -> None:
    shape = data.draw(shapes(min_dims=1, min_side=1))
    x = data.draw(arrays(tf.float64, shape))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    got = tf.distribute.get_strategy().reduce(op, {"x": tf.constant(x)}, axis=axis)["x"]
    expected = np.sum(x, axis=axis) if op is ReduceOp.SUM else np.mean(x, axis=axis)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------------------
# Sharding global batches
# ---------------------------------------------------------------------------------------
@given(global_batches())
def test_shards_are_contiguous_balanced_and_cover_the_batch(case: tuple) -> None:
    x, y, n = case
    parts = [shard_element((tf.constant(x), tf.constant(y)), r, n) for r in range(n)]
    np.testing.assert_array_equal(np.concatenate([p[0].numpy() for p in parts]), x)
    np.testing.assert_array_equal(np.concatenate([p[1].numpy() for p in parts]), y)
    sizes = [shard_bounds(len(x), n, r)[1] - shard_bounds(len(x), n, r)[0] for r in range(n)]
    assert sizes == sorted(sizes, reverse=True) and max(sizes) - min(sizes) <= 1


@given(global_batches(max_rows=20, max_replicas=4), st.integers(1, 6))
def test_distributed_dataset_replicas_together_read_each_global_batch(
        case: tuple, batch: int) -> None:
    x, y, n = case
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch)
    per_replica = [list(DistributedDataset(ds, r, n)) for r in range(n)]
    for step, (gx, gy) in enumerate(ds):
        np.testing.assert_array_equal(
            np.concatenate([per_replica[r][step][1].numpy() for r in range(n)]), gy.numpy())
        np.testing.assert_array_equal(
            np.concatenate([per_replica[r][step][0].numpy() for r in range(n)]), gx.numpy())


def test_distributing_unbatched_data_teaches_to_batch() -> None:
    ds = DistributedDataset(tf.data.Dataset.range(3), replica_id=0, num_replicas=2)
    with pytest.raises(ValueError, match=r"dataset.batch\(global_batch\)"):
        list(ds)


def simulated_fit_batches(replica: int, n: int, **make_batches_kwargs: object) -> object:
    """``fit``'s batches as replica ``replica`` of ``n`` would cut them (no processes:
    every simulated replica draws the same seed because the global seed is reset)."""
    tf.random.set_seed(5)
    strategy = tf.distribute.Strategy(ClusterResolver(rank=replica, num_workers=n))
    return shard_batches(strategy, make_batches(**make_batches_kwargs))


@pytest.mark.parametrize("steps", [None, 7])
def test_fit_batches_shuffle_alike_and_skip_batches_too_small_to_share(steps: object) -> None:
    ids = np.arange(23, dtype=np.float32)
    replicas = [simulated_fit_batches(r, 3, x=ids, y=ids, batch_size=6, shuffle=True,
                                      steps=steps) for r in range(3)]
    epochs = [[list(rep.epoch()) for _ in range(2)] for rep in replicas]
    for e in range(2):
        seen = np.concatenate([b[0].numpy() for rep in epochs for b in rep[e]])
        if steps is None:
            # 23 = 6+6+6+5; the last global batch has 5 rows >= 3 replicas: nothing lost.
            assert sorted(seen.tolist()) == ids.tolist()
        # Step by step, the replicas' shards form one global batch of distinct samples.
        assert len({len(rep[e]) for rep in epochs}) == 1
        for step in range(len(epochs[0][e])):
            together = np.concatenate([rep[e][step][0].numpy() for rep in epochs])
            assert len(together) in (5, 6) and len(set(together.tolist())) == len(together)
    assert len(epochs[0][0]) == (steps or 4)
    # Each epoch is reshuffled: replica 0 reads different samples first.
    assert epochs[0][0][0][0].numpy().tolist() != epochs[0][1][0][0].numpy().tolist()
    tiny = simulated_fit_batches(1, 3, x=np.arange(8.0), batch_size=6, shuffle=False)
    with pytest.warns(UserWarning, match="every worker skips it"):
        got = [b[0].numpy().tolist() for b in tiny.epoch()]
    assert got == [[2.0, 3.0]]  # the last global batch, 2 rows < 3 replicas: skipped


def test_input_context() -> None:
    ctx = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=1,
                                     num_replicas_in_sync=4)
    # TF 2.21: 2 1 4 16 and this repr.
    assert (ctx.num_input_pipelines, ctx.input_pipeline_id, ctx.num_replicas_in_sync,
            ctx.get_per_replica_batch_size(64)) == (2, 1, 4, 16)
    assert repr(ctx) == "tf.distribute.InputContext(input pipeline id 1, total: 2)"
    with pytest.raises(ValueError, match="not divisible"):
        ctx.get_per_replica_batch_size(10)


# ---------------------------------------------------------------------------------------
# Who the workers are
# ---------------------------------------------------------------------------------------
def test_tf_config_with_chief_and_workers_on_two_hosts() -> None:
    config = ('{"cluster": {"chief": ["a:1000"], "worker": ["a:1001", "b:1000", "b:1001"]},'
              ' "task": {"type": "worker", "index": 2}}')
    r = TFConfigClusterResolver(environ={"TF_CONFIG": config})
    assert (r.task_type, r.task_id, r.rank, r.num_workers) == ("worker", 2, 3, 4)
    assert (r.master_addr, r.master_port, r.local_rank, r.local_world_size) == ("a", 1000, 1, 2)
    assert r.master() == "grpc://a:1000"
    assert r.cluster_spec().num_tasks("worker") == 3


@pytest.mark.parametrize("config, message", [
    ("not json", "TF_CONFIG must be JSON"),
    ('{"cluster": {"worker": ["a:1"]}}', "TF_CONFIG must be JSON"),
    ('{"cluster": {"ps": ["a:1"]}, "task": {"type": "ps", "index": 0}}', "no 'chief' or"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 3}}', "not in"),
])
def test_bad_tf_config_says_what_is_expected(config: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TFConfigClusterResolver(environ={"TF_CONFIG": config})


def test_environment_resolution() -> None:
    assert from_environment({}).num_workers == 1
    # TF 2.21 (no TF_CONFIG): TFConfigClusterResolver None None ClusterSpec({})
    r = TFConfigClusterResolver(environ={})
    assert (r.task_type, r.task_id, r.cluster_spec().as_dict()) == (None, None, {})
    env = worker_environment({}, rank=1, nproc=3, port=1234)
    r = from_environment(env)
    assert (r.rank, r.num_workers, r.master_port, r.local_rank) == (1, 3, 1234, 1)
    with pytest.raises(ValueError, match="MASTER_PORT not set"):
        from_environment({"RANK": "0", "WORLD_SIZE": "2", "MASTER_ADDR": "h"})
    simple = SimpleClusterResolver(ClusterSpec({"worker": ["h:7", "h:8"]}), task_type="worker",
                                   task_id=1)
    assert (simple.rank, simple.num_workers, simple.master_port) == (1, 2, 7)


def test_mirrored_strategy_refuses_what_one_process_cannot_do(
        monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="one process per device"):
        tf.distribute.MirroredStrategy(devices=["/gpu:0", "/gpu:1"])
    for k, v in worker_environment({}, rank=0, nproc=2, port=1).items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "1")
    with pytest.raises(ValueError, match="MultiWorkerMirroredStrategy"):
        tf.distribute.MirroredStrategy()


def test_one_worker_strategies_look_like_tfs() -> None:
    mirrored = tf.distribute.MirroredStrategy()
    # TF 2.21 on a CPU machine: 1 replica on CPU:0; MWMS without TF_CONFIG: task_id None.
    assert mirrored.extended.worker_devices == ("/job:localhost/replica:0/task:0/device:CPU:0",)
    mwms = tf.distribute.MultiWorkerMirroredStrategy()
    assert (mwms.num_replicas_in_sync, mwms.cluster_resolver.task_id) == (1, None)
    assert mwms.extended.should_checkpoint
    assert not collectives.is_initialized()  # one worker: no process group is needed


# ---------------------------------------------------------------------------------------
# One replica trains exactly as no strategy does
# ---------------------------------------------------------------------------------------
def keras_run(strategy: object) -> tuple:
    tf.random.set_seed(3)
    x = np.random.default_rng(1).normal(size=(50, 3)).astype(np.float32)
    y = (x.sum(axis=1, keepdims=True) > 0).astype(np.float32)
    scope = strategy.scope() if strategy is not None else _nullcontext()
    with scope:
        model = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu"),
                                     tf.keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer=tf.keras.optimizers.Adam(0.05), loss="binary_crossentropy",
                      metrics=["accuracy"])
    history = model.fit(x, y, batch_size=16, epochs=3, verbose=0)
    return model.get_weights(), history.history


class _nullcontext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def test_mirrored_strategy_with_one_replica_fits_bit_for_bit_like_no_strategy() -> None:
    plain_weights, plain_history = keras_run(None)
    strategy = tf.distribute.MirroredStrategy()
    weights, history = keras_run(strategy)
    for a, b in zip(weights, plain_weights):
        np.testing.assert_array_equal(a, b)
    assert history == plain_history


def linear_loop(x: np.ndarray, y: np.ndarray, strategy: object) -> tuple:
    """SGD on ``w`` over batches of 4: plain (``strategy=None``), or under ``strategy``
    with ``strategy.run``, a distributed dataset and ``compute_average_loss``."""
    tf.random.set_seed(4)
    with strategy.scope() if strategy is not None else _nullcontext():
        w = tf.Variable(tf.random.normal([2, 1]))
        opt = tf.keras.optimizers.SGD(0.1)

    def step(xb: object, yb: object) -> object:
        with tf.GradientTape() as tape:
            per_example = tf.square(tf.matmul(xb, w) - yb)[:, 0]
            loss = tf.nn.compute_average_loss(per_example) if strategy is not None \
                else tf.reduce_mean(per_example)
        opt.apply_gradients([(tape.gradient(loss, w), w)])
        return loss
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    if strategy is None:
        return [float(step(*b)) for b in ds], w.numpy()
    losses = [float(strategy.reduce("SUM", strategy.run(step, args=b), axis=None))
              for b in strategy.experimental_distribute_dataset(ds)]
    return losses, w.numpy()


def test_custom_loop_with_one_replica_matches_the_plain_loop() -> None:
    x = np.random.default_rng(2).normal(size=(12, 2)).astype(np.float32)
    y = x @ np.array([[2.0], [-1.0]], np.float32)
    plain_losses, plain_w = linear_loop(x, y, None)
    losses, w = linear_loop(x, y, tf.distribute.MirroredStrategy())
    np.testing.assert_allclose(losses, plain_losses, rtol=1e-6)
    np.testing.assert_allclose(w, plain_w, rtol=1e-6)


def test_models_and_optimizers_remember_their_strategy() -> None:
    strategy = tf.distribute.MirroredStrategy()
    with strategy.scope():
        model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")  # compiled outside: joins the model's
    assert model.distribute_strategy is strategy
    assert model.optimizer._distribution_strategy is strategy
    assert tf.keras.Sequential().distribute_strategy is tf.distribute.get_strategy()
    with tf.distribute.MirroredStrategy().scope():
        other = tf.keras.optimizers.SGD()
    with pytest.raises(ValueError, match="same `with strategy.scope\\(\\):`"):
        model.compile(optimizer=other, loss="mse")


# ---------------------------------------------------------------------------------------
# Losses for custom loops, and the all_reduce primitive
# ---------------------------------------------------------------------------------------
def test_compute_average_loss_matches_tf() -> None:
    avg = tf.nn.compute_average_loss
    # TF 2.21: 5.0, 1.25, 3.0, 0.0, 0.75 (float64), 1.5 (float64 from int32), 3.0.
    assert float(avg(tf.constant([[1.0, 2.0], [3.0, 4.0]]))) == 5.0
    assert float(avg(tf.constant([1.0, 2.0, 3.0, 4.0]), global_batch_size=8)) == 1.25
    assert float(avg(tf.constant([1.0, 2.0]), sample_weight=2.0)) == 3.0
    assert float(avg(tf.constant([], tf.float32))) == 0.0
    out = avg(tf.constant([1.0, 2.0], tf.float64), global_batch_size=4)
    assert (float(out), out.dtype) == (0.75, tf.float64)
    out = avg(tf.constant([1, 2]))
    assert (float(out), out.dtype) == (1.5, tf.float64)
    assert float(tf.nn.scale_regularization_loss(tf.constant([1.0, 2.0]))) == 3.0
    with pytest.raises(ValueError, match="at least rank 1"):
        avg(tf.constant(1.0))


def test_all_reduce_is_an_effectful_differentiable_primitive() -> None:
    prim = collectives.all_reduce_p
    assert prim.effectful and prim.multiple_results is False

    @tf.function
    def f(x: object) -> object:
        bind1(prim, x)  # unused, yet kept: effectful equations are never dropped
        return tf.reduce_sum(bind1(prim, x) ** 2)
    graph = f.get_concrete_function(tf.TensorSpec([3], tf.float32)).graph
    assert sum(e.prim is prim for e in graph.eqns) == 2
    x = tf.constant([1.0, -2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    # One worker: all_reduce is the identity, so d/dx Σ x² = 2x through its VJP.
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), 2 * x.numpy())
    a, b = collectives.all_reduce_tensors([tf.ones([2, 2]), tf.zeros([3], tf.int32)])
    assert (a.shape, b.dtype) == (tf.TensorShape([2, 2]), tf.int32)


# ---------------------------------------------------------------------------------------
# The launcher
# ---------------------------------------------------------------------------------------
def test_launcher_sets_torchruns_variables_and_reports_failures() -> None:
    check = ("import os; e = os.environ; assert e['WORLD_SIZE'] == '3' and e['LOCAL_RANK'] == "
             "e['RANK'] and e['MASTER_ADDR'] == '127.0.0.1' and int(e['MASTER_PORT']) > 0")
    assert launch(["-c", check], nproc=3, timeout=60) == 0
    fail = "import os, sys; sys.exit(5 if os.environ['RANK'] == '1' else 0)"
    assert launch(["-c", fail], nproc=2, timeout=60) == 5
    assert launch(["-c", "import time; time.sleep(60)"], nproc=2, timeout=0.5) == 124


def test_launcher_command_line() -> None:
    assert _split(["--nproc", "2", "-m", "pkg.mod", "--nproc", "9"]) == (
        ["--nproc", "2"], ["-m", "pkg.mod", "--nproc", "9"])
    assert _split(["--nproc=2", "--timeout", "5", "train.py"]) == (
        ["--nproc=2", "--timeout", "5"], ["train.py"])
    done = subprocess.run([sys.executable, "-m", "minitf.distribute.launch", "--nproc", "2",
                           "-c", "import os; print('<' + os.environ['RANK'] + '>')"],
                          capture_output=True, text=True, timeout=60, check=False)
    # The workers share the terminal, so their lines may interleave: look for the tags.
    assert done.returncode == 0 and sorted(re.findall(r"<\d>", done.stdout)) == ["<0>", "<1>"]


def test_a_one_replica_strategy_never_imports_torch() -> None:
    code = ("import sys, minitf as tf\n"
            "s = tf.distribute.MirroredStrategy()\n"
            "with s.scope():\n"
            "    m = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
            "    m.compile(optimizer='sgd', loss='mse')\n"
            "m.fit(tf.ones([4, 2]), tf.ones([4, 1]), verbose=0)\n"
            "print('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True, env={**os.environ, "MINITF_DEVICE": "cpu"})
    assert done.stdout.strip() == "False"

"""Two real workers: training on 2 CPU processes equals training on one.

The test launches this file as a script on 2 processes with the launcher
(``python -m minitf.distribute.launch --nproc 2``): Gloo over the loopback interface, on
a free port, with a collective timeout and a launcher timeout, so a hang fails the test
instead of blocking CI. Each worker records what it saw and computed into
``<out>/rank<r>.npz``; the tests then compare the two workers with each other and with
one process that trains on the combined (global) batches, starting from the same
initial weights.

What the workers do (see :func:`worker_main`):

* create variables in ``strategy.scope()`` from *different* random seeds (they must
  end up as rank 0's values) and one outside the scope (it stays each worker's own);
* ``strategy.reduce`` / ``ReplicaContext.all_reduce`` on per-rank values, and a gradient
  through ``all_reduce``;
* read ``experimental_distribute_dataset`` and ``distribute_datasets_from_function``;
* train a Dense model with a custom loop (``strategy.run`` in a ``tf.function``, SGD,
  ``tf.nn.compute_average_loss``), and with ``model.fit`` + ``model.evaluate``;
* record the shards ``fit``'s shuffling gives each worker.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.distribute
GLOBAL_BATCH = 8
STEPS = 5
FEATURES = 4


def training_data() -> tuple:
    """The fixed dataset every worker and the single-process reference use."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(GLOBAL_BATCH * STEPS, FEATURES)).astype(np.float32)
    w = np.array([[1.0], [-2.0], [0.5], [3.0]], np.float32)
    y = (x @ w + 0.1 * rng.normal(size=(len(x), 1))).astype(np.float32)
    return x, y


def dense_model(tf: object) -> object:
    return tf.keras.Sequential([tf.keras.layers.Dense(3, activation="tanh"),
                                tf.keras.layers.Dense(1)])


# ---------------------------------------------------------------------------------------
# The worker (this file run as a script by the launcher)
# ---------------------------------------------------------------------------------------
def worker_main(out_dir: str) -> None:
    import minitf as tf
    options = tf.distribute.experimental.CommunicationOptions(timeout_seconds=60)
    strategy = tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
    rank = strategy.cluster_resolver.task_id
    rec: dict = {"num_replicas": np.array(strategy.num_replicas_in_sync)}

    # Mirroring: different seeds, yet the scope's variables are rank 0's.
    tf.random.set_seed(100 + rank)
    with strategy.scope():
        mirrored = tf.Variable(tf.random.normal([3]))
    local = tf.Variable(tf.random.normal([3]))
    rec["mirrored"], rec["local"] = mirrored.numpy(), local.numpy()

    # Reductions. Rank r holds r + 1 rows, so MEAN along an axis must weigh by rows.
    value = tf.constant(np.full((rank + 1, 2), rank + 1.0, np.float32))
    rec["sum_none"] = strategy.reduce("SUM", tf.constant([rank + 1.0, 10.0]), axis=None).numpy()
    rec["mean_none"] = strategy.reduce(tf.distribute.ReduceOp.MEAN,
                                       tf.constant([rank + 1.0, 10.0]), axis=None).numpy()
    rec["sum_axis"] = strategy.reduce("SUM", value, axis=0).numpy()
    rec["mean_axis"] = strategy.reduce("MEAN", value, axis=0).numpy()

    def replica_fn(x: object) -> tuple:
        ctx = tf.distribute.get_replica_context()
        with tf.GradientTape() as tape:
            tape.watch(x)
            total = ctx.all_reduce("SUM", x * float(rank + 1))
            loss = tf.reduce_sum(total * total)
        return ctx.replica_id_in_sync_group, total, tape.gradient(loss, x)

    rid, total, grad = strategy.run(replica_fn, args=(tf.constant([1.0, 2.0]),))
    rec["replica_id"], rec["all_reduce"], rec["all_reduce_grad"] = \
        rid.numpy(), total.numpy(), grad.numpy()

    # Input: shards of global batches.
    shards = [x.numpy() for x in strategy.experimental_distribute_dataset(
        tf.data.Dataset.range(10).batch(4))]
    rec["ds_shards"] = np.concatenate(shards)
    rec["ds_shard_sizes"] = np.array([len(s) for s in shards])

    def dataset_fn(ctx: object) -> object:
        rec["input_context"] = np.array([ctx.num_input_pipelines, ctx.input_pipeline_id,
                                         ctx.num_replicas_in_sync])
        return tf.data.Dataset.range(6).shard(ctx.num_input_pipelines,
                                              ctx.input_pipeline_id).batch(2)
    rec["ds_fn"] = np.concatenate([x.numpy() for x in
                                   strategy.distribute_datasets_from_function(dataset_fn)])

    x, y = training_data()

    # A custom loop: strategy.run inside tf.function, summed gradients, SGD.
    with strategy.scope():
        model = dense_model(tf)
        model.build((None, FEATURES))
        optimizer = tf.keras.optimizers.SGD(0.1)
    rec["loop_initial"] = np.concatenate([w.ravel() for w in model.get_weights()])

    @tf.function
    def train_step(xb: object, yb: object) -> object:
        def step(xb: object, yb: object) -> object:
            with tf.GradientTape() as tape:
                per_example = tf.reduce_mean(tf.square(model(xb) - yb), axis=1)
                loss = tf.nn.compute_average_loss(per_example, global_batch_size=GLOBAL_BATCH)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss
        per_replica = strategy.run(step, args=(xb, yb))
        return strategy.reduce("SUM", per_replica, axis=None)

    dist = strategy.experimental_distribute_dataset(
        tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH))
    rec["loop_losses"] = np.array([float(train_step(xb, yb)) for xb, yb in dist])
    rec["loop_final"] = np.concatenate([w.ravel() for w in model.get_weights()])

    # Keras: a model built lazily by fit (outside the scope), mirrored when the optimizer
    # is built; fit shards the global batches; the logged loss is over both workers.
    tf.random.set_seed(200 + rank)
    with strategy.scope():
        model = dense_model(tf)
        model.compile(optimizer=tf.keras.optimizers.SGD(0.1, momentum=0.5), loss="mse",
                      metrics=["mae"])

    class Initial(tf.keras.callbacks.Callback):
        def on_train_batch_begin(self, batch: int, logs: object = None) -> None:
            if "fit_initial" not in rec:
                rec["fit_initial"] = np.concatenate(
                    [w.ravel() for w in self.model.get_weights()])

    history = model.fit(x, y, batch_size=GLOBAL_BATCH, epochs=2, shuffle=False, verbose=0,
                        callbacks=[Initial()])
    rec["fit_loss"] = np.array(history.history["loss"])
    rec["fit_mae"] = np.array(history.history["mae"])
    rec["fit_final"] = np.concatenate([w.ravel() for w in model.get_weights()])
    rec["evaluate"] = np.array(model.evaluate(x[:20], y[:20], batch_size=GLOBAL_BATCH,
                                              verbose=0))

    # fit's shuffling: the shards each worker reads in two epochs.
    from minitf.distribute.keras_hooks import shard_batches
    from minitf.keras.data_adapter import make_batches
    ids = np.arange(20, dtype=np.float32)[:, None]
    data = shard_batches(strategy, make_batches(ids, ids, batch_size=6, shuffle=True))
    rec["shuffled"] = np.concatenate([np.concatenate([b[0].numpy()[:, 0] for b in
                                                      data.epoch()]) for _ in range(2)])
    np.savez(os.path.join(out_dir, f"rank{rank}.npz"), **rec)


# ---------------------------------------------------------------------------------------
# The tests (the parent process)
# ---------------------------------------------------------------------------------------
def launch_workers(script_args: list, out: Path, timeout: int = 180,
                   device: str = "numpy") -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if device == "numpy":
        env["MINITF_DEVICE"] = "cpu"
    else:  # the GPU backend's code path on torch CPU tensors (kernels interpreted)
        env.pop("MINITF_DEVICE", None)
        env["MINITF_TRITON_ON_CPU"] = "1"
    return subprocess.run([sys.executable, "-m", "minitf.distribute.launch", "--nproc", "2",
                           "--timeout", str(timeout), *script_args],
                          cwd=out, env=env, capture_output=True, text=True,
                          timeout=timeout + 30, check=False)


# "numpy": NumPy buffers, wrapped for Gloo without a copy. "simulated-gpu": the GPU
# backend's buffers (torch tensors) with the Triton kernels interpreted on the CPU — the
# path a GPU takes, except that NCCL replaces Gloo (which needs a real GPU).
@pytest.fixture(scope="module", params=["numpy", pytest.param("simulated-gpu",
                                                              marks=pytest.mark.slow)])
def workers(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> list:
    out = tmp_path_factory.mktemp("workers")
    done = launch_workers([str(Path(__file__)), str(out)], out, timeout=400,
                          device=request.param)
    assert done.returncode == 0, f"the workers failed:\n{done.stdout}\n{done.stderr[-6000:]}"
    return [dict(np.load(out / f"rank{r}.npz")) for r in range(2)]


def test_two_replicas_in_sync(workers: list) -> None:
    assert [int(w["num_replicas"]) for w in workers] == [2, 2]
    assert [int(w["replica_id"]) for w in workers] == [0, 1]


def test_variables_in_scope_start_as_rank_0s(workers: list) -> None:
    np.testing.assert_array_equal(workers[0]["mirrored"], workers[1]["mirrored"])
    # Outside the scope each worker keeps its own draw (different seeds).
    assert not np.allclose(workers[0]["local"], workers[1]["local"])


def test_reduce_sum_and_mean(workers: list) -> None:
    for w in workers:
        np.testing.assert_allclose(w["sum_none"], [1.0 + 2.0, 20.0])
        np.testing.assert_allclose(w["mean_none"], [1.5, 10.0])
        # Rank 0: one row of 1s; rank 1: two rows of 2s (3 rows in all).
        np.testing.assert_allclose(w["sum_axis"], [5.0, 5.0])
        np.testing.assert_allclose(w["mean_axis"], [5.0 / 3, 5.0 / 3], rtol=1e-6)


def test_all_reduce_value_and_gradient(workers: list) -> None:
    # total = Σ_r (r + 1) x = 3x; loss_r = Σ total² on each worker, so
    # d(Σ_r loss_r)/dx_s reaches x_s through every worker's total: the VJP all-reduces.
    # Each worker's gradient of its own loss: (s + 1) · Σ_r 2·total_r = (s + 1) · 2 · 2 · 3x.
    x = np.array([1.0, 2.0])
    for s, w in enumerate(workers):
        np.testing.assert_allclose(w["all_reduce"], 3 * x)
        np.testing.assert_allclose(w["all_reduce_grad"], (s + 1) * 2 * 2 * 3 * x, rtol=1e-6)


def test_distributed_dataset_shards_each_global_batch(workers: list) -> None:
    # Global batches [0 1 2 3] [4 5 6 7] [8 9]: each worker reads its half of each.
    np.testing.assert_array_equal(workers[0]["ds_shards"], [0, 1, 4, 5, 8])
    np.testing.assert_array_equal(workers[1]["ds_shards"], [2, 3, 6, 7, 9])
    np.testing.assert_array_equal(workers[1]["ds_shard_sizes"], [2, 2, 1])
    np.testing.assert_array_equal(workers[0]["input_context"], [2, 0, 2])
    np.testing.assert_array_equal(workers[1]["input_context"], [2, 1, 2])
    np.testing.assert_array_equal(workers[0]["ds_fn"], [0, 2, 4])


def single_process_loop(initial: np.ndarray) -> tuple:
    """The custom loop on one process, on whole global batches, from ``initial``."""
    import minitf as tf
    x, y = training_data()
    model = dense_model(tf)
    model.build((None, FEATURES))
    set_flat_weights(model, initial)
    optimizer = tf.keras.optimizers.SGD(0.1)
    losses = []
    for start in range(0, len(x), GLOBAL_BATCH):
        xb, yb = x[start:start + GLOBAL_BATCH], y[start:start + GLOBAL_BATCH]
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(xb) - yb))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        losses.append(float(loss))
    return np.array(losses), flat_weights(model)


def flat_weights(model: object) -> np.ndarray:
    return np.concatenate([w.ravel() for w in model.get_weights()])


def set_flat_weights(model: object, flat: np.ndarray) -> None:
    weights, start = [], 0
    for w in model.get_weights():
        weights.append(flat[start:start + w.size].reshape(w.shape))
        start += w.size
    model.set_weights(weights)


def test_custom_loop_equals_one_process_on_the_global_batches(workers: list) -> None:
    np.testing.assert_array_equal(workers[0]["loop_initial"], workers[1]["loop_initial"])
    losses, final = single_process_loop(workers[0]["loop_initial"])
    for w in workers:
        np.testing.assert_allclose(w["loop_losses"], losses, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(w["loop_final"], final, rtol=1e-5, atol=1e-6)
    assert not np.allclose(final, workers[0]["loop_initial"])  # it did train


def test_fit_equals_fit_on_one_process(workers: list) -> None:
    import minitf as tf
    np.testing.assert_array_equal(workers[0]["fit_initial"], workers[1]["fit_initial"])
    x, y = training_data()
    model = dense_model(tf)
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1, momentum=0.5), loss="mse",
                  metrics=["mae"])
    model.build((None, FEATURES))
    set_flat_weights(model, workers[0]["fit_initial"])
    history = model.fit(x, y, batch_size=GLOBAL_BATCH, epochs=2, shuffle=False, verbose=0)
    expected = model.evaluate(x[:20], y[:20], batch_size=GLOBAL_BATCH, verbose=0)
    for w in workers:
        np.testing.assert_allclose(w["fit_final"], flat_weights(model), rtol=1e-5, atol=1e-6)
        # The logged metrics are over both workers' samples, not one worker's half.
        np.testing.assert_allclose(w["fit_loss"], history.history["loss"], rtol=1e-5)
        np.testing.assert_allclose(w["fit_mae"], history.history["mae"], rtol=1e-5)
        np.testing.assert_allclose(w["evaluate"], expected, rtol=1e-5)


def test_fit_shuffles_the_same_way_on_every_worker(workers: list) -> None:
    # 20 samples, global batches of 6 (6, 6, 6, 2): per epoch the two workers' shards
    # together hold every sample exactly once, and the epochs differ.
    a, b = workers[0]["shuffled"], workers[1]["shuffled"]
    per_epoch = [np.concatenate([a[:10], b[:10]]), np.concatenate([a[10:], b[10:]])]
    for epoch in per_epoch:
        assert sorted(epoch.tolist()) == list(range(20))
    assert not np.array_equal(a[:10], a[10:])


FAILING_WORKER = """
import os, sys
import minitf as tf
strategy = tf.distribute.MultiWorkerMirroredStrategy(
    communication_options=tf.distribute.experimental.CommunicationOptions(timeout_seconds=60))
if strategy.cluster_resolver.task_id == 1:
    sys.exit(7)                     # a worker dies...
strategy.reduce("SUM", tf.constant(1.0), axis=None)   # ...while its peer waits for it
"""


def test_a_failed_worker_stops_the_job(tmp_path: Path) -> None:
    script = tmp_path / "failing.py"
    script.write_text(FAILING_WORKER)
    done = launch_workers([str(script)], tmp_path, timeout=120)
    assert done.returncode != 0, done.stderr[-3000:]


TORCHRUN_WORKER = """
import minitf as tf
strategy = tf.distribute.MultiWorkerMirroredStrategy(
    communication_options=tf.distribute.experimental.CommunicationOptions(timeout_seconds=60))
rank = strategy.cluster_resolver.task_id
total = strategy.reduce("SUM", tf.constant(rank + 1.0), axis=None)
print(f"<rank {rank} of {strategy.num_replicas_in_sync}: {float(total)}>", flush=True)
"""


def test_torchrun_starts_workers_too(tmp_path: Path) -> None:
    from minitf.distribute.launch import free_port
    script = tmp_path / "torchrun_worker.py"
    script.write_text(TORCHRUN_WORKER)
    env = dict(os.environ, MINITF_DEVICE="cpu", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc-per-node",
                           "2", "--master-port", str(free_port()), str(script)], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    tags = sorted(re.findall(r"<rank \d of \d: [\d.]+>", done.stdout))
    assert tags == ["<rank 0 of 2: 3.0>", "<rank 1 of 2: 3.0>"]


if __name__ == "__main__":
    worker_main(sys.argv[1])

# %% [markdown]
# # Distributed training with `tf.distribute`
#
# One process trains on one batch at a time. *Data parallelism* uses several: each
# **worker** holds a full copy of the model, reads a different part of every batch,
# and before each update the workers **add up their gradients** — so every copy takes
# the same step, and together they do what one process would do on the whole batch.
#
# TensorFlow packages this as `tf.distribute` *strategies*. minitf implements their API
# on an existing engine, `torch.distributed` (Gloo between CPU processes, NCCL between
# GPUs), with **one worker per process**, the way torch's `DistributedDataParallel`
# works. This tutorial starts with one replica in this process, does the arithmetic
# that makes data parallelism exact, then launches two real worker processes and checks
# that they trained exactly like one.
#
# Run it with `python tutorials/12_distributed.py` (a few seconds on a CPU).

# %%
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap

import numpy as np

import minitf as tf

# %% [markdown]
# ## A strategy, a scope, a replica
#
# `MirroredStrategy` mirrors the model on the replicas of one machine. Without GPUs and
# without a launcher there is one replica, on the CPU — as in TensorFlow:

# %%
strategy = tf.distribute.MirroredStrategy()
print("replicas:", strategy.num_replicas_in_sync, strategy.extended.worker_devices)

# %% [markdown]
# Code runs in one of two *contexts*. Inside `with strategy.scope():` it is
# **cross-replica** code, which sees all replicas: variables created there are
# *mirrored* (every replica starts from the same value), and Keras models and optimizers
# remember the strategy. Inside `strategy.run(fn)` it is **replica** code: `fn` runs as
# one replica, and `get_replica_context()` tells it which.

# %%
with strategy.scope():
    w = tf.Variable([1.0, 2.0])
    print("in the scope: cross-replica?", tf.distribute.in_cross_replica_context())

def replica_fn(x):
    ctx = tf.distribute.get_replica_context()
    print(f"replica {int(ctx.replica_id_in_sync_group)} of {ctx.num_replicas_in_sync}")
    return x * w

per_replica = strategy.run(replica_fn, args=(tf.constant([10.0, 10.0]),))
print(per_replica)

# %% [markdown]
# `strategy.reduce` combines the replicas' values — `SUM` or `MEAN`, elementwise
# (`axis=None`) or also along an axis. With one replica it has nothing to combine:

# %%
print(strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None))
print(strategy.reduce(tf.distribute.ReduceOp.MEAN, per_replica, axis=0))

# %% [markdown]
# ## Why adding gradients is exact
#
# Say a global batch of `B = 8` examples is split between `n = 2` workers, 4 each. One
# process would minimise the mean loss over all 8. Each worker can only compute a loss
# over its own 4 — and then the **sum** over workers of `(1/B) · Σ its losses` is
# exactly the mean over all 8. Gradients are linear, so the same holds for them: each
# worker differentiates its local sum divided by the *global* batch size, the workers
# add their gradients, and the result is the gradient one process would get.
#
# Checked here in one process, by cutting a batch by hand:

# %%
rng = np.random.default_rng(0)
x_all = rng.normal(size=(8, 3)).astype(np.float32)
y_all = rng.normal(size=(8, 1)).astype(np.float32)
kernel = tf.Variable(rng.normal(size=(3, 1)).astype(np.float32))

def gradient(x, y, global_batch):
    with tf.GradientTape() as tape:
        per_example = tf.square(tf.matmul(x, kernel) - y)[:, 0]
        loss = tf.nn.compute_average_loss(per_example, global_batch_size=global_batch)
    return tape.gradient(loss, kernel)

whole = gradient(x_all, y_all, 8)
halves = gradient(x_all[:4], y_all[:4], 8) + gradient(x_all[4:], y_all[4:], 8)
print("one process:", whole.numpy().ravel())
print("two halves: ", halves.numpy().ravel())

# %% [markdown]
# `tf.nn.compute_average_loss` divides by the global batch size (by default, the local
# batch size times `num_replicas_in_sync`). In `model.fit` Keras does the equivalent
# for you: the mean loss of each worker's shard is divided by the number of replicas.
#
# ## Each worker reads its shard of every global batch
#
# You batch the data with the **global** batch size. `experimental_distribute_dataset`
# then cuts each global batch into `num_replicas_in_sync` contiguous parts of about the
# same size, and worker `r` reads part `r`. For a global batch of 10 on 4 workers:

# %%
from minitf.distribute.input_lib import shard_bounds

for replica in range(4):
    print(f"worker {replica} reads rows {shard_bounds(10, 4, replica)}")

# %% [markdown]
# ## Two real workers
#
# Now the real thing. A distributed program is one script that *every* worker runs
# (single program, multiple data). `MultiWorkerMirroredStrategy()` reads who it is
# from the environment — `RANK`, `WORLD_SIZE`, `MASTER_ADDR`, `MASTER_PORT`, as set by
# `torchrun` or by minitf's launcher — and joins the others through
# `torch.distributed.init_process_group`.
#
# The script below trains a small Keras model twice: with `model.fit`, and with a
# custom loop (`strategy.run` inside a `tf.function`). Each worker seeds its random
# numbers differently, to show that mirroring makes their initial weights equal
# anyway, and writes what it saw to a JSON file.

# %%
WORKER = textwrap.dedent('''
    import json, sys
    import numpy as np
    import minitf as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    rank = strategy.cluster_resolver.task_id
    tf.random.set_seed(rank)                      # different draws on each worker...
    rng = np.random.default_rng(0)                # ...but the same data
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = (x @ np.array([[2.0], [-1.0], [0.5]], np.float32)).astype(np.float32)
    GLOBAL_BATCH = 16

    # 1. model.fit: the model is mirrored, fit shards each global batch of 16 rows.
    with strategy.scope():
        model = tf.keras.Sequential([tf.keras.Input(shape=(3,)), tf.keras.layers.Dense(1)])
        model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    initial = model.get_weights()
    history = model.fit(x, y, batch_size=GLOBAL_BATCH, epochs=3, shuffle=False, verbose=0)

    # 2. A custom loop: each replica's loss is divided by the global batch size, and
    #    apply_gradients sums the gradients over the replicas before updating.
    with strategy.scope():
        loop_model = tf.keras.Sequential([tf.keras.Input(shape=(3,)),
                                          tf.keras.layers.Dense(1)])
        optimizer = tf.keras.optimizers.SGD(0.1)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH)
    shard_sizes = [len(xb) for xb, _ in strategy.experimental_distribute_dataset(dataset)]

    @tf.function
    def train_step(xb, yb):
        def step(xb, yb):
            with tf.GradientTape() as tape:
                per_example = tf.square(loop_model(xb) - yb)[:, 0]
                loss = tf.nn.compute_average_loss(per_example,
                                                  global_batch_size=GLOBAL_BATCH)
            grads = tape.gradient(loss, loop_model.trainable_variables)
            optimizer.apply_gradients(zip(grads, loop_model.trainable_variables))
            return loss
        return strategy.reduce("SUM", strategy.run(step, args=(xb, yb)), axis=None)

    losses = []
    for xb, yb in strategy.experimental_distribute_dataset(dataset):
        losses.append(float(train_step(xb, yb)))
    graph = train_step.get_concrete_function(xb, yb).graph   # the traced step
    collectives = [line.strip() for line in str(graph).splitlines()   # pack, sum, unpack
                   if any(k in line for k in ("= concat", "= all_reduce", "= split"))]

    with open(f"worker{rank}.json", "w") as f:
        json.dump({"rank": rank, "replicas": strategy.num_replicas_in_sync,
                   "initial": [w.tolist() for w in initial],
                   "fit_loss": history.history["loss"],
                   "fit_final": [w.tolist() for w in model.get_weights()],
                   "shard_sizes": shard_sizes, "loop_losses": losses,
                   "collectives": collectives}, f)
''')

# %% [markdown]
# `python -m minitf.distribute.launch --nproc 2 script.py` starts two copies with those
# variables set (a free port on the loopback interface), waits for both, and stops the
# job if one fails — otherwise its partner would wait forever in a collective.
# `torchrun --nproc-per-node 2 script.py` would do the same.

# %%
workdir = tempfile.mkdtemp(prefix="minitf-distribute-")
with open(os.path.join(workdir, "worker.py"), "w") as f:
    f.write(WORKER)
done = subprocess.run([sys.executable, "-m", "minitf.distribute.launch", "--nproc", "2",
                       "--timeout", "300", "worker.py"], cwd=workdir,
                      env=dict(os.environ, MINITF_DEVICE="cpu"),
                      capture_output=True, text=True)
print("exit code:", done.returncode)
if done.returncode != 0:
    raise RuntimeError(f"the workers failed:\n{done.stderr[-3000:]}")
workers = []
for rank in range(2):
    with open(os.path.join(workdir, f"worker{rank}.json")) as f:
        workers.append(json.load(f))

# %% [markdown]
# Both workers report two replicas, and — despite their different seeds — the same
# initial weights: the strategy broadcast rank 0's values when the model's weights were
# created in the scope.

# %%
for wk in workers:
    print(f"worker {wk['rank']}: {wk['replicas']} replicas, initial kernel "
          f"{np.round(np.ravel(wk['initial'][0]), 4)}")

# %% [markdown]
# Each global batch of 16 rows reached each worker as 8 rows:

# %%
for wk in workers:
    print(f"worker {wk['rank']} shard sizes: {wk['shard_sizes']}")

# %% [markdown]
# ## One process, same data, same start
#
# The promise of data parallelism: two workers on global batches of 16 take the steps
# one process takes on those batches. We train here, in this single process, from the
# workers' initial weights:

# %%
rng = np.random.default_rng(0)
x = rng.normal(size=(64, 3)).astype(np.float32)
y = (x @ np.array([[2.0], [-1.0], [0.5]], np.float32)).astype(np.float32)
single = tf.keras.Sequential([tf.keras.Input(shape=(3,)), tf.keras.layers.Dense(1)])
single.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
single.set_weights([np.array(w, np.float32) for w in workers[0]["initial"]])
history = single.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)

print("one process, loss per epoch:", np.round(history.history["loss"], 5))
for wk in workers:
    print(f"worker {wk['rank']},    loss per epoch:", np.round(wk["fit_loss"], 5))
for wk in workers:
    gap = max(np.max(np.abs(np.array(a) - b))
              for a, b in zip(wk["fit_final"], single.get_weights()))
    print(f"worker {wk['rank']}: largest weight difference from one process {gap:.1e}")

# %% [markdown]
# The same weights, to float32 rounding (the sums are added in a different order). The
# logged loss matches too: at each epoch's end the workers sum their metrics' states
# (a total and a count), so the history shows the loss over *all* samples, not one
# worker's half.
#
# ## What travels between the workers
#
# The custom loop's step was traced by `tf.function` into a graph, and the collective
# is *one equation of that graph*: the gradients of all variables are flattened into
# one buffer, summed over the workers by `all_reduce`, and split back. One call per
# step instead of one per variable matters because every collective pays a latency —
# a ring all-reduce of `N` bytes over `p` workers sends about `2(p-1)/p · N` bytes per
# worker in `2(p-1)` rounds. Here are the lines of the traced step's listing that pack
# the kernel and the bias gradients into one buffer, sum it over the workers, and
# unpack it — then `strategy.reduce` sums the loss with a second `all_reduce`:

# %%
for line in workers[0]["collectives"]:
    print(line)
print("custom loop losses:", np.round(workers[0]["loop_losses"], 4))

# %%
shutil.rmtree(workdir)   # the tutorial leaves no files behind

# %% [markdown]
# On one machine with few cores, two workers are rarely faster than one: each needs
# a core of its own, and each step waits for the slower worker and for the all-reduce.
# `bench/distribute_epoch.py` measures it. Data parallelism pays off when each worker
# has its own GPU (launch one process per GPU: `MirroredStrategy` then uses NCCL) or
# its own machine (`MultiWorkerMirroredStrategy` with `TF_CONFIG` or torchrun).
#
# ## What you learned
#
# - A strategy's `scope()` mirrors variables and models; `strategy.run` runs one
#   replica's code; `strategy.reduce` combines the replicas' values.
# - Data parallelism is exact: divide each replica's summed loss by the **global**
#   batch size (`tf.nn.compute_average_loss`), sum the gradients, and the step equals
#   one process's step on the whole batch.
# - `experimental_distribute_dataset` — and `model.fit` under a strategy — give each
#   worker its shard of every global batch.
# - minitf runs one replica per process on `torch.distributed`; start them with
#   `python -m minitf.distribute.launch --nproc N script.py` or `torchrun`.
# - The all-reduce is an equation of the traced step, one flat buffer per step.
#
# Try: launch four workers (`--nproc 4`, and read four JSON files): each now reads 4
# rows of every global batch of 16, and the weights still match one process. Then add
# a 65th sample: the last global batch has one row, fewer than the workers, and `fit`
# skips it on every worker (all workers must take the same steps) — a small difference
# from one process, which trains on that row too.

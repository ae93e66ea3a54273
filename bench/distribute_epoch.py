"""Data-parallel training speed: one epoch on 2 worker processes against 1, on the CPU.

Run: ``.venv/bin/python bench/distribute_epoch.py [--samples N] [--batch B]
[--epochs E] [--threads T]``.

The model is a 784-256-10 MLP (ReLU, softmax cross-entropy, SGD) on random data,
trained with ``model.fit`` under ``tf.distribute.MultiWorkerMirroredStrategy``. Both
runs use the same **global** batch ``B``, so they take the same optimizer steps: the
2-process job gives each worker ``B / 2`` rows per step and all-reduces the gradients
(Gloo, loopback) — one flat buffer of 203,530 floats (814 KB) per step.

The script launches itself with ``python -m minitf.distribute.launch --nproc 1`` and
``--nproc 2``; rank 0 reports the median time of the ``E`` epochs after a first
(tracing) epoch, plus the time of one bare all-reduce of the gradient buffer. Each
worker uses ``--threads`` BLAS threads (default 1, so 2 workers use 2 cores).

Expect little or no speedup on a small machine: 2 workers need 2 *idle* cores, and
each step adds an all-reduce (plus each worker runs the whole input pipeline). The
ratio is what this machine gave, never a target. Never a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def worker(samples: int, batch: int, epochs: int) -> None:
    """One worker of the job: fit, time the epochs, time a bare all-reduce."""
    import numpy as np

    import minitf as tf
    from minitf.distribute import collectives
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(samples, 784)).astype(np.float32)
    y = rng.integers(0, 10, size=samples).astype(np.int32)
    with strategy.scope():
        model = tf.keras.Sequential([tf.keras.Input(shape=(784,)),
                                     tf.keras.layers.Dense(256, activation="relu"),
                                     tf.keras.layers.Dense(10)])
        model.compile(optimizer=tf.keras.optimizers.SGD(0.01),
                      loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    t = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
    first = time.perf_counter() - t
    times = []
    for _ in range(epochs):
        t = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
        times.append(time.perf_counter() - t)
    n_params = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    buffer = tf.zeros([n_params])
    reduce_times = []
    for _ in range(20):
        t = time.perf_counter()
        collectives.all_reduce(buffer).numpy()
        reduce_times.append(time.perf_counter() - t)
    if strategy.cluster_resolver.rank == 0:
        print("RESULT " + json.dumps({
            "workers": strategy.num_replicas_in_sync, "first": first,
            "epoch": statistics.median(times), "steps": -(-samples // batch),
            "params": n_params, "all_reduce": statistics.median(reduce_times)}), flush=True)


def run_job(nproc: int, args: argparse.Namespace) -> dict:
    env = dict(os.environ, MINITF_DEVICE="cpu", OMP_NUM_THREADS=str(args.threads),
               PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "minitf.distribute.launch", "--nproc", str(nproc),
           "--timeout", "900", __file__, "--worker", "--samples", str(args.samples),
           "--batch", str(args.batch), "--epochs", str(args.epochs)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"the {nproc}-worker job failed:\n{done.stdout}\n{done.stderr[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=8192)
    parser.add_argument("--batch", type=int, default=128, help="the global batch size")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs (after one)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads per worker")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.samples, args.batch, args.epochs)
        return
    print(f"784-256-10 MLP, {args.samples} random samples, global batch {args.batch}, SGD; "
          f"{args.threads} BLAS thread(s) per worker; {os.cpu_count()} CPU cores")
    one, two = run_job(1, args), run_job(2, args)
    for r in (one, two):
        print(f"  {r['workers']} worker(s): epoch {r['epoch']:.3f} s ({r['steps']} steps, "
              f"first epoch with tracing {r['first']:.3f} s)")
    print(f"  all-reduce of the {two['params']} gradients ({4 * two['params'] / 1e6:.2f} MB) "
          f"between 2 workers: {1e3 * two['all_reduce']:.2f} ms per step")
    print(f"  2 workers / 1 worker epoch time: {two['epoch'] / one['epoch']:.2f}x "
          f"(speedup {one['epoch'] / two['epoch']:.2f}x)")


if __name__ == "__main__":
    main()

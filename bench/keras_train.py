"""Keras training speed: minitf's ``fit`` against TensorFlow's and against a torch loop.

Run: ``.venv/bin/python bench/keras_train.py [--tf] [--threads N] [--repeat R]``.

* **seed fit** — the seed guide's ``fit`` (Lambda + Dense, 201 samples, batch 32,
  100 epochs, SGD). Target: at least 50× faster than TensorFlow 2.21's ``fit`` on the
  same machine (about 6.5 s there). With ``--tf`` (and ``/tmp/tfvenv/bin/python``
  present) TensorFlow runs the same cells in a subprocess and its time is printed too.
* **MLP epochs** — one epoch of an MLP (64-128-10 on scikit-learn's digits, and 784-256-10
  on random data) with SGD and Adam, batch 32, shuffled, against the same training loop
  written in torch on the CPU (``torch.nn.Linear`` + ``ReLU``, cross-entropy, the same
  optimizer and batch size, the loss averaged as Keras tracks it). Target: at most
  1.5× torch's time.

Times are medians of ``--repeat`` warm runs (after one run that traces/warms up); the
first (tracing) epoch is reported separately. Both libraries use ``--threads`` BLAS/torch
threads (default 1: on a small shared machine a multithreaded BLAS mostly waits). Never
a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from typing import Callable

import numpy as np

SEED_CELLS = """
x = tf.linspace(-2, 2, 201)
x = tf.cast(x, tf.float32)
def f(x):
  y = x**2 + 2*x - 5
  return y
y = f(x) + tf.random.normal(shape=[201])
new_model = tf.keras.Sequential([
    tf.keras.layers.Lambda(lambda x: tf.stack([x, x**2], axis=1)),
    tf.keras.layers.Dense(units=1, kernel_initializer=tf.random.normal)])
new_model.compile(
    loss=tf.keras.losses.MSE,
    optimizer=tf.keras.optimizers.SGD(learning_rate=0.01))
"""
SEED_FIT = "history = new_model.fit(x, y, epochs=100, batch_size=32, verbose=0)"


def _median(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_seed_minitf(repeat: int) -> tuple[float, float]:
    """(first fit including tracing, median warm fit) for the seed's cells, in seconds."""
    import minitf as tf
    scope: dict = {"tf": tf}
    exec(SEED_CELLS, scope)
    t = time.perf_counter()
    exec(SEED_FIT, scope)
    first = time.perf_counter() - t
    return first, _median(lambda: exec(SEED_FIT, scope), repeat)


def bench_seed_tensorflow(repeat: int) -> tuple[float, float] | None:
    """The same in real TensorFlow (a subprocess), or None when it is not installed."""
    python = "/tmp/tfvenv/bin/python"
    if not os.path.exists(python):
        return None
    code = ("import os, time, statistics\nos.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'\n"
            "import tensorflow as tf\n" + SEED_CELLS +
            f"t = time.perf_counter()\n{SEED_FIT}\nfirst = time.perf_counter() - t\n"
            f"times = []\nfor _ in range({repeat}):\n    t = time.perf_counter()\n"
            f"    {SEED_FIT}\n    times.append(time.perf_counter() - t)\n"
            "print(first, statistics.median(times))\n")
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=1800,
                          check=False)
    if done.returncode != 0:
        print("TensorFlow run failed:", done.stderr[-500:])
        return None
    first, warm = done.stdout.strip().splitlines()[-1].split()
    return float(first), float(warm)


def _data(kind: str) -> tuple[np.ndarray, np.ndarray]:
    if kind == "digits":
        from sklearn.datasets import load_digits
        d = load_digits()
        return (d.data / 16.0).astype(np.float32), d.target.astype(np.int64)
    rng = np.random.default_rng(0)
    return rng.standard_normal((10000, 784)).astype(np.float32), \
        rng.integers(0, 10, 10000).astype(np.int64)


def bench_mlp_minitf(x: np.ndarray, y: np.ndarray, hidden: int, optimizer: str,
                     repeat: int) -> tuple[float, float]:
    import minitf as tf
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.Input((x.shape[1],)),
                                 tf.keras.layers.Dense(hidden, activation="relu"),
                                 tf.keras.layers.Dense(10)])
    opt = tf.keras.optimizers.SGD(0.01) if optimizer == "sgd" else \
        tf.keras.optimizers.Adam(0.001)
    model.compile(optimizer=opt, loss=tf.keras.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    t = time.perf_counter()
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    first = time.perf_counter() - t
    return first, _median(lambda: model.fit(x, y, epochs=1, batch_size=32, verbose=0), repeat)


def bench_mlp_torch(x: np.ndarray, y: np.ndarray, hidden: int, optimizer: str,
                    repeat: int) -> tuple[float, float]:
    import torch
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], hidden), torch.nn.ReLU(),
                                torch.nn.Linear(hidden, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01) if optimizer == "sgd" else \
        torch.optim.Adam(model.parameters(), lr=0.001, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    n = len(tx)

    def epoch() -> float:
        # What fit does: shuffle, slice batches, step, and keep a running mean loss.
        perm = torch.randperm(n)
        xs, ys = tx[perm], ty[perm]
        total = torch.zeros(())
        for i in range(0, n, 32):
            xb, yb = xs[i:i + 32], ys[i:i + 32]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.detach() * len(xb)
        return float(total / n)

    t = time.perf_counter()
    epoch()
    first = time.perf_counter() - t
    return first, _median(epoch, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tf", action="store_true", help="also time real TensorFlow")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/torch threads")
    parser.add_argument("--repeat", type=int, default=5, help="warm runs per measurement")
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits
    import torch
    torch.set_num_threads(args.threads)
    with threadpool_limits(args.threads):
        print(f"threads: {args.threads}   (medians of {args.repeat} warm runs)\n")
        first, warm = bench_seed_minitf(args.repeat)
        print("seed fit (100 epochs, 201 samples, batch 32)")
        print(f"  minitf       first {first * 1e3:8.1f} ms   warm {warm * 1e3:8.1f} ms")
        if args.tf:
            real = bench_seed_tensorflow(min(args.repeat, 3))
            if real is None:
                print("  tensorflow   (not available)")
            else:
                print(f"  tensorflow   first {real[0] * 1e3:8.1f} ms   warm "
                      f"{real[1] * 1e3:8.1f} ms")
                print(f"  speed-up     first {real[0] / first:8.1f}x      warm "
                      f"{real[1] / warm:8.1f}x   (target >= 50x)")
        print("\none epoch, batch 32            minitf ms   torch ms   ratio  (target <= 1.5)")
        for kind, hidden in (("digits", 128), ("random", 256)):
            x, y = _data(kind)
            for optimizer in ("sgd", "adam"):
                m_first, m = bench_mlp_minitf(x, y, hidden, optimizer, args.repeat)
                t_first, t = bench_mlp_torch(x, y, hidden, optimizer, args.repeat)
                label = f"{x.shape[1]}-{hidden}-10 {kind} {optimizer}"
                print(f"  {label:28s} {m * 1e3:9.1f} {t * 1e3:10.1f} {m / t:7.2f}"
                      f"   (first epoch: {m_first * 1e3:.0f} vs {t_first * 1e3:.0f} ms)")


if __name__ == "__main__":
    sys.exit(main())

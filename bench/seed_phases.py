"""The seed guide's custom training loop, timed phase by phase (minitf, optionally TF).

Run: ``.venv/bin/python bench/seed_phases.py`` (add ``--tf`` to time TensorFlow on the
same machine too, through ``/tmp/tfvenv/bin/python``, and print the ratios). Never a
test: timings vary by machine.

The loop is the guide's, line for line: a ``Model(tf.Module)`` whose ``__call__`` is a
``tf.function`` computing ``w_q * x**2 + w_l * x + b``, an MSE loss, 201 points in
shuffled batches of 32, and for each batch a ``GradientTape``, ``tape.gradient`` and
``assign_sub`` on each variable — 100 epochs. The phases:

* ``setup``    — data and model (random init, variables);
* ``trace``    — the first call of the traced model (tracing + compiling);
* ``train``    — the 100 epochs (the number to compare with TensorFlow's ~5 s), best
  of the runs; ``1st train`` is the first run's, in a process that has run nothing yet.

``--walk`` also times minitf with compiled backward passes switched off (every tape
walked in Python), to see what :mod:`minitf.compiled_backward` saves.

Batches come from ``tf.data`` when it exists; ``--numpy-batches`` slices NumPy arrays
instead (same shuffling per epoch, same batch sizes) to separate the pipeline's cost.
Each phase reports the best of ``--repeat`` runs. With ``--tf``, the two libraries take
turns (``--repeat`` rounds of three minitf runs and one TensorFlow run), so both bests
come from the same stretch of time, and each round is also compared on its own (see
``interleaved_runs``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

TF_PYTHON = "/tmp/tfvenv/bin/python"


def run_seed(tf: Any, numpy_batches: bool, epochs: int = 100) -> dict:
    """Runs the seed's training loop with ``tf`` (minitf or TensorFlow); phase times."""
    import numpy as np
    times = {}
    t0 = time.perf_counter()
    x = tf.cast(tf.linspace(-2, 2, 201), tf.float32)

    def f(x):
        return x**2 + 2*x - 5

    y = f(x) + tf.random.normal(shape=[201])

    class Model(tf.Module):
        def __init__(self):
            rand_init = tf.random.uniform(shape=[3], minval=0., maxval=5., seed=22)
            self.w_q = tf.Variable(rand_init[0])
            self.w_l = tf.Variable(rand_init[1])
            self.b = tf.Variable(rand_init[2])

        @tf.function
        def __call__(self, x):
            return self.w_q * (x**2) + self.w_l * x + self.b

    quad_model = Model()

    def mse_loss(y_pred, y):
        return tf.reduce_mean(tf.square(y_pred - y))

    batch_size = 32
    use_data = not numpy_batches and hasattr(tf, "data") and hasattr(tf.data, "Dataset")
    if use_data:
        dataset = tf.data.Dataset.from_tensor_slices((x, y))
        dataset = dataset.shuffle(buffer_size=x.shape[0]).batch(batch_size)
    else:
        xs, ys, rng = x.numpy(), y.numpy(), np.random.default_rng(0)

        def batches():
            order = rng.permutation(len(xs))
            for s in range(0, len(xs), batch_size):
                idx = order[s:s + batch_size]
                yield tf.constant(xs[idx]), tf.constant(ys[idx])
    times["setup"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    quad_model(x)
    times["trace"] = time.perf_counter() - t0

    epochs, learning_rate, losses = epochs, 0.01, []
    t0 = time.perf_counter()
    for epoch in range(epochs):
        for x_batch, y_batch in (dataset if use_data else batches()):
            with tf.GradientTape() as tape:
                batch_loss = mse_loss(quad_model(x_batch), y_batch)
            grads = tape.gradient(batch_loss, quad_model.variables)
            for g, v in zip(grads, quad_model.variables):
                v.assign_sub(learning_rate*g)
        loss = mse_loss(quad_model(x), y)
        losses.append(loss)
    times["train"] = time.perf_counter() - t0
    times["final_loss"] = float(losses[-1])
    times["batches"] = "tf.data" if use_data else "numpy"
    return times


def best(runs: list) -> dict:
    """The fastest time of each phase over ``runs``; the last run's loss and batches.

    ``first_train`` is the first run's training time: it pays for what a process does
    once (minitf compiles the code it writes once per source text, TensorFlow has its
    own first-use costs), which a student running the guide once meets.
    """
    out = {k: min(r[k] for r in runs) for k in ("setup", "trace", "train")}
    out.update(final_loss=runs[-1]["final_loss"], batches=runs[-1]["batches"],
               first_train=runs[0]["train"])
    return out


def minitf_runs(minitf: Any, numpy_batches: bool, count: int, walk: bool) -> dict:
    """``count`` runs of minitf (and, with ``walk``, as many with every tape walked)."""
    runs = {"minitf": [run_seed(minitf, numpy_batches) for _ in range(count)]}
    if walk:
        from minitf import compiled_backward
        compiled_backward.enabled = False  # every tape walked in Python, as before
        runs["minitf-walk"] = [run_seed(minitf, numpy_batches) for _ in range(count)]
        compiled_backward.enabled = True
    return runs


def _child(numpy_batches: bool) -> None:
    # Runs inside TensorFlow's interpreter, serving the parent: after "ready", one run of
    # the loop per "run" line read, its phase times printed as one JSON line.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import warnings
    warnings.filterwarnings("ignore")
    import tensorflow as tf
    tf.get_logger().setLevel("ERROR")
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() != "run":
            break
        print(json.dumps(run_seed(tf, numpy_batches)), flush=True)


def interleaved_runs(minitf: Any, numpy_batches: bool, rounds: int, walk: bool) -> tuple:
    """``rounds`` rounds of three minitf runs then one TensorFlow run.

    TensorFlow runs in its own interpreter (``TF_PYTHON``), which stays up and runs the
    loop each time it is asked. On a shared machine a busy spell lasts seconds: run
    back to back, minitf's runs (0.04 s each) would all fall in one such spell or all
    outside it, while TensorFlow's (2 s and more each) spread over many. Taking turns,
    both libraries' runs sample the same stretch of time, and each round can be
    compared on its own. minitf runs three times a turn because its first run after
    TensorFlow's starts with the CPU's caches full of TensorFlow (~5% slower): the
    best of the three is its warm speed, as TensorFlow's runs, each 2 s long, are warm.

    Returns:
        ``{library: [phase times of each run]}`` and the list of each round's
        ``(minitf's best train time, TensorFlow's train time)``.
    """
    cmd = [TF_PYTHON, os.path.abspath(__file__), "--child"] + \
        (["--numpy-batches"] if numpy_batches else [])
    child = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    runs: dict = {"minitf": [], "tensorflow": []}
    pairs = []
    try:
        if child.stdout.readline().strip() != "ready":
            raise RuntimeError("the TensorFlow process did not start; see its errors above")
        for _ in range(rounds):
            mine = minitf_runs(minitf, numpy_batches, 3, walk)
            for lib, more in mine.items():
                runs.setdefault(lib, []).extend(more)
            child.stdin.write("run\n")
            child.stdin.flush()
            theirs = json.loads(child.stdout.readline())
            runs["tensorflow"].append(theirs)
            pairs.append((min(r["train"] for r in mine["minitf"]), theirs["train"]))
    finally:
        child.stdin.close()
        child.wait()
    return runs, pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tf", action="store_true", help="also time TensorFlow")
    parser.add_argument("--numpy-batches", action="store_true",
                        help="slice NumPy arrays instead of using tf.data")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per library, or with --tf rounds of 3 minitf runs and 1 "
                             "TensorFlow run (best kept)")
    parser.add_argument("--walk", action="store_true",
                        help="also time minitf with compiled backward passes off")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.numpy_batches)
        return
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    import minitf
    with_tf = args.tf and os.path.exists(TF_PYTHON)
    if args.tf and not with_tf:
        print(f"(no TensorFlow at {TF_PYTHON}: skipping --tf)")
    pairs: list = []
    if with_tf:
        runs, pairs = interleaved_runs(minitf, args.numpy_batches, args.repeat, args.walk)
    else:
        runs = minitf_runs(minitf, args.numpy_batches, args.repeat, args.walk)
    results = {lib: best(r) for lib, r in runs.items()}
    print(f"{'library':12s} {'batches':8s} {'setup s':>9s} {'trace s':>9s} {'train s':>9s} "
          f"{'1st train s':>12s} {'final loss':>11s}")
    for lib, r in results.items():
        print(f"{lib:12s} {r['batches']:8s} {r['setup']:9.4f} {r['trace']:9.4f} "
              f"{r['train']:9.4f} {r['first_train']:12.4f} {r['final_loss']:11.3f}")
    if "tensorflow" in results:
        tf_r, mt_r = results["tensorflow"], results["minitf"]
        # Each round on its own: minitf's best against TensorFlow's run after it.
        paired = sorted(theirs / mine for mine, theirs in pairs)
        print(f"training loop: minitf is {tf_r['train'] / mt_r['train']:.1f}x faster than "
              f"TensorFlow on this machine (best runs; first runs: "
              f"{tf_r['first_train'] / mt_r['first_train']:.1f}x; round by round: "
              f"{paired[0]:.1f}x to {paired[-1]:.1f}x, median "
              f"{paired[len(paired) // 2]:.1f}x)")


if __name__ == "__main__":
    main()

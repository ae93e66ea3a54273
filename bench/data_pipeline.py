"""Cost of iterating a tf.data pipeline against a plain NumPy slicing loop, one run.

Run: ``.venv/bin/python bench/data_pipeline.py``. Iterates batches of 32 over 100,000
rows of ``(x, y)`` (x: (100000, 8) float32, y: (100000,) float32) and prints one table
of the best time per epoch and minitf's ratio to the NumPy loop that makes the same
batches. The target for ``from_tensor_slices((x, y)).batch(32)`` is at most 3x.
Never used as a test (timings vary by machine).
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

import minitf as tf

N, FEATURES, BATCH = 100_000, 8, 32


def _best_ms(fn: Callable[[], object], repeat: int = 15) -> float:
    fn()  # warm up (first-pass costs: imports, plans)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1e3


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, FEATURES)).astype(np.float32)
    y = rng.standard_normal(N).astype(np.float32)

    def numpy_batches() -> None:
        for i in range(0, N, BATCH):
            xb, yb = x[i:i + BATCH], y[i:i + BATCH]  # noqa: F841

    def numpy_shuffled() -> None:
        order = rng.permutation(N)
        for i in range(0, N, BATCH):
            idx = order[i:i + BATCH]
            xb, yb = x[idx], y[idx]  # noqa: F841

    batched = tf.data.Dataset.from_tensor_slices((x, y)).batch(BATCH)
    shuffled = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(N).batch(BATCH)
    prefetched = batched.prefetch(tf.data.AUTOTUNE)

    def iterate(ds: tf.data.Dataset) -> Callable[[], None]:
        def run() -> None:
            for xb, yb in ds:
                pass
        return run

    cases = [
        ("from_tensor_slices.batch(32)", iterate(batched), numpy_batches),
        ("from_tensor_slices.shuffle(N).batch(32)", iterate(shuffled), numpy_shuffled),
        ("from_tensor_slices.batch(32).prefetch", iterate(prefetched), numpy_batches),
    ]
    print(f"{N} rows of (x: ({N}, {FEATURES}) float32, y: ({N},) float32), batches of "
          f"{BATCH}; best of 15 epochs\n")
    print(f"{'pipeline':<42}{'minitf ms':>11}{'numpy ms':>10}{'ratio':>8}")
    for label, ours, baseline in cases:
        # Interleave the two timings so a busy machine slows both alike.
        t_np = _best_ms(baseline)
        t_tf = _best_ms(ours)
        t_np = min(t_np, _best_ms(baseline))
        print(f"{label:<42}{t_tf:>11.2f}{t_np:>10.2f}{t_tf / t_np:>7.2f}x")


if __name__ == "__main__":
    main()

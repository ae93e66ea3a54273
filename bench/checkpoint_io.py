"""Save and restore of a ~100 MB checkpoint against np.savez / np.load of the same arrays.

Run: ``.venv/bin/python bench/checkpoint_io.py``. Prints the median of 5 runs of each and
minitf's ratio. minitf's save is crash-safe (temporary file, fsync, rename) — the
np.savez baseline is not — so the ratio includes the cost of durability.

Two baselines for saving: ``np.savez`` to a *new* file each time (what writing a new
checkpoint is), and to the *same* file each time (overwriting reuses the file's disk
blocks, which is much faster on some file systems but is not crash-safe).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

import numpy as np

import minitf as tf


def _median(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    rng = np.random.default_rng(0)
    # 100 MB in float32: one big matrix, a few layers' worth of smaller ones.
    shapes = [(4096, 4096), (2048, 2048), (1024, 4096), (4096,), (1000, 1000)]
    arrays = {f"w{i}": rng.standard_normal(s).astype(np.float32) for i, s in enumerate(shapes)}
    total = sum(a.nbytes for a in arrays.values())
    variables = {k: tf.Variable(v) for k, v in arrays.items()}
    ckpt = tf.train.Checkpoint(**variables)
    with tempfile.TemporaryDirectory() as d:
        prefix = os.path.join(d, "ck")
        npz = os.path.join(d, "plain.npz")
        counter = iter(range(10**6))

        def save_new() -> None:
            ckpt.write(f"{prefix}-{next(counter)}")

        def savez_new() -> None:
            np.savez(os.path.join(d, f"plain-{next(counter)}.npz"), **arrays)

        def cleanup() -> None:
            for name in os.listdir(d):
                if name.startswith(("ck-", "plain-")):
                    os.remove(os.path.join(d, name))

        # The disk's speed drifts (page-cache flushing): alternate the two savers so
        # both see the same conditions, and take each one's median.
        saves, savezs = [], []
        for _ in range(7):
            saves.append(_median(save_new, repeat=1))
            savezs.append(_median(savez_new, repeat=1))
            cleanup()
        t_save, t_savez = statistics.median(saves), statistics.median(savezs)
        t_savez_same = _median(lambda: np.savez(npz, **arrays))
        ckpt.write(prefix)
        t_restore = _median(lambda: ckpt.restore(prefix))

        def np_load() -> None:
            with np.load(npz) as data:
                {k: data[k] for k in data.files}
        t_load = _median(np_load)
    print(f"checkpoint of {total / 1e6:.0f} MB in {len(arrays)} variables")
    print(f"{'':10s} {'minitf s':>9s} {'numpy s':>9s} {'ratio':>6s}")
    print(f"{'save':10s} {t_save:9.3f} {t_savez:9.3f} {t_save / t_savez:6.2f}   "
          f"(np.savez overwriting one file: {t_savez_same:.3f} s)")
    print(f"{'restore':10s} {t_restore:9.3f} {t_load:9.3f} {t_restore / t_load:6.2f}")


if __name__ == "__main__":
    main()

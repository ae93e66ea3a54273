"""Per-call overhead of small workloads: minitf against NumPy and torch (CPU), one run.

Run: ``.venv/bin/python bench/overhead.py``. Prints one table of times per call and
minitf's ratio to each baseline. Never used as a test (timings vary by machine).

The libraries of one case are timed in turns (minitf, numpy, torch, minitf, ...), in
200 short rounds (about a millisecond each), and each reports its best round. On a
shared, noisy machine a round is then short enough to fall between two interruptions by
other processes, a slow moment hits every library alike instead of skewing one ratio,
and the minimum is the run least disturbed (the usual reading of ``timeit``).

Each case is a function returning ``{label: zero-argument callable}``; add a case by
appending it to ``CASES``.
"""

from __future__ import annotations

import timeit
from typing import Callable

import numpy as np

import minitf as tf


def _best_us(fns: dict, number: int, rounds: int = 200) -> dict:
    """Best time per call in µs of each callable, over ``rounds`` interleaved rounds of
    ``number // 100`` calls each."""
    per_round = max(1, number // 100)
    for fn in fns.values():
        fn()  # warm up (first-call costs, caches)
    runs: dict = {label: [] for label in fns}
    labels = list(fns)
    for r in range(rounds):
        # The order rotates each round: whoever runs right after torch finds NumPy's BLAS
        # threads asleep and the caches cold, and that must not always be the same one.
        for label in labels[r % len(labels):] + labels[:r % len(labels)]:
            runs[label].append(timeit.timeit(fns[label], number=per_round))
    return {label: min(r) / per_round * 1e6 for label, r in runs.items()}


def case_add_3() -> dict:
    """``a + b`` on 3-element float32 tensors."""
    import torch
    a, b = tf.constant([1.0, 2.0, 3.0]), tf.constant([4.0, 5.0, 6.0])
    na, nb = a.numpy(), b.numpy()
    ta, tb = torch.from_numpy(na), torch.from_numpy(nb)
    return {"minitf": lambda: a + b, "numpy": lambda: na + nb, "torch": lambda: ta + tb}


def case_matmul_64() -> dict:
    """64×64 float32 matmul."""
    import torch
    rng = np.random.default_rng(0)
    na = rng.standard_normal((64, 64)).astype(np.float32)
    a = tf.constant(na)
    ta = torch.from_numpy(na)
    return {"minitf": lambda: a @ a, "numpy": lambda: na @ na, "torch": lambda: ta @ ta}


def case_tape_step() -> dict:
    """One GradientTape step, ``y = v*v + 2*v`` then ``dy/dv``, on a scalar float32
    variable, against ``torch.autograd.grad`` on the same expression."""
    import torch
    v = tf.Variable(1.0)
    tv = torch.tensor(1.0, requires_grad=True)

    def minitf_step() -> object:
        with tf.GradientTape() as tape:
            y = v * v + 2 * v
        return tape.gradient(y, v)

    def torch_step() -> object:
        y = tv * tv + 2 * tv
        return torch.autograd.grad(y, tv)
    return {"minitf": minitf_step, "torch": torch_step}


def _quadratic_model() -> tuple:
    """The seed guide's model: ``w_q * x**2 + w_l * x + b`` on 32 float32 points, three
    scalar variables, ``__call__`` traced with ``tf.function`` (and the same code eager)."""
    class Model(tf.Module):
        def __init__(self) -> None:
            self.w_q = tf.Variable(1.5)
            self.w_l = tf.Variable(-0.5)
            self.b = tf.Variable(2.0)

        def eager(self, x: object) -> object:
            return self.w_q * (x**2) + self.w_l * x + self.b

        @tf.function
        def __call__(self, x: object) -> object:
            return self.w_q * (x**2) + self.w_l * x + self.b

    model = Model()
    x = tf.cast(tf.linspace(-2, 2, 32), tf.float32)
    return model, x


def case_quadratic_traced() -> dict:
    """A traced call of the seed's quadratic model against the bare NumPy expression."""
    import torch
    model, x = _quadratic_model()
    nx = x.numpy()
    wq, wl, b = (v.numpy() for v in (model.w_q, model.w_l, model.b))
    tx, twq, twl, tb = (torch.from_numpy(np.asarray(a)) for a in (nx, wq, wl, b))
    return {"minitf": lambda: model(x), "numpy": lambda: wq * nx**2 + wl * nx + b,
            "torch": lambda: twq * tx**2 + twl * tx + tb}


def case_quadratic_eager() -> dict:
    """The same model run eagerly (op by op), against the same NumPy expression."""
    model, x = _quadratic_model()
    nx = x.numpy()
    wq, wl, b = (v.numpy() for v in (model.w_q, model.w_l, model.b))
    return {"minitf": lambda: model.eager(x), "numpy": lambda: wq * nx**2 + wl * nx + b}


def case_quadratic_train_step() -> dict:
    """One training step of the quadratic model (tape, gradient, three ``assign_sub``)
    traced with ``tf.function`` (as Keras traces its train step), against the same step
    eager, against the hand-written NumPy step (the gradient derived by hand)."""
    model, x = _quadratic_model()
    y = x * 2.0

    def step(x: object, y: object) -> object:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model.eager(x) - y))
        for g, v in zip(tape.gradient(loss, model.variables), model.variables):
            v.assign_sub(0.01 * g)
        return loss

    traced = tf.function(step)
    nx, ny = x.numpy(), y.numpy()
    w = {"q": np.float32(1.5), "l": np.float32(-0.5), "b": np.float32(2.0)}

    def numpy_step() -> object:
        r = w["q"] * nx**2 + w["l"] * nx + w["b"] - ny
        d = r * np.float32(2 / r.size)
        w["q"] -= np.float32(0.01) * (d * nx**2).sum()
        w["l"] -= np.float32(0.01) * (d * nx).sum()
        w["b"] -= np.float32(0.01) * d.sum()
        return (r * r).mean()
    return {"minitf": lambda: traced(x, y), "numpy": numpy_step}


CASES: list[tuple[str, Callable[[], dict], int]] = [
    ("a + b (3 x float32)", case_add_3, 20000),
    ("matmul 64x64 float32", case_matmul_64, 5000),
    ("tape step v*v+2v, d/dv (scalar)", case_tape_step, 2000),
    ("quadratic model, tf.function (32)", case_quadratic_traced, 20000),
    ("quadratic model, eager (32)", case_quadratic_eager, 5000),
    ("quadratic train step, tf.function", case_quadratic_train_step, 5000),
]


def main() -> None:
    rows = []
    for title, make, number in CASES:
        times = _best_us(make(), number)
        rows.append((title, times))
    print(f"{'case':34s} {'minitf µs':>10s} {'numpy µs':>10s} {'torch µs':>10s} "
          f"{'/numpy':>7s} {'/torch':>7s}")
    for title, t in rows:
        m = t["minitf"]
        cells = [f"{t.get(k, float('nan')):10.2f}" for k in ("minitf", "numpy", "torch")]
        ratios = [f"{m / t[k]:7.2f}" if k in t else f"{'-':>7s}" for k in ("numpy", "torch")]
        print(f"{title:34s} {' '.join(cells)} {' '.join(ratios)}")


if __name__ == "__main__":
    main()

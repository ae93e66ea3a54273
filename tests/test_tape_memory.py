"""A training loop's memory stays flat: a non-persistent tape frees what it recorded.

``tracemalloc`` counts the bytes Python allocates and has not freed. After a warm-up
(caches filled, NumPy's small-array pools primed), 10,000 more tape steps may leave
only a small constant behind — a leak of one tensor per step would be hundreds of KiB.
"""

from __future__ import annotations

import gc
import tracemalloc
from typing import Callable

import numpy as np
import pytest

import minitf as tf

pytestmark = pytest.mark.autodiff

WARMUP_STEPS = 300
STEPS = 10_000
# Far below one leaked tensor per step (~100 bytes x 2,000 steps = ~200 KB).
ALLOWED_GROWTH = 64 * 1024


def _growth(step: Callable[[], None], steps: int = STEPS) -> int:
    for _ in range(WARMUP_STEPS):
        step()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(steps):
            step()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return after - before


def test_scalar_tape_steps_leave_memory_flat() -> None:
    v = tf.Variable(1.0)

    def step() -> None:
        with tf.GradientTape() as t:
            y = v * v + 2 * v
        t.gradient(y, v)
    assert _growth(step) < ALLOWED_GROWTH


def test_training_steps_leave_memory_flat() -> None:
    rng = np.random.default_rng(0)
    w = tf.Variable(rng.standard_normal((3, 2)).astype(np.float32))
    b = tf.Variable(np.zeros(2, np.float32))
    x = tf.constant(rng.standard_normal((4, 3)).astype(np.float32))

    def step() -> None:
        with tf.GradientTape() as t:
            loss = tf.reduce_mean(tf.square(tf.tanh(x @ w + b)))
        gw, gb = t.gradient(loss, [w, b])
        w.assign_sub(0.01 * gw)
        b.assign_sub(0.01 * gb)
    # A dearer step (~20 ops and their VJPs): 2,000 of them keep the test short.
    assert _growth(step, steps=2_000) < ALLOWED_GROWTH

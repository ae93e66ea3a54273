"""The seed guide's Keras cells, run verbatim: fit reaches the loss TensorFlow reaches on
that data, History has 100 entries, and the saved ``./my_new_model`` loads in a fresh
process (that never saw the lambda) and predicts the same."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minitf as tf

pytestmark = pytest.mark.keras

GUIDE = Path(__file__).resolve().parent / "seed" / "tf_basics_guide.py"


def _cells(start: str, stop: str) -> str:
    """The guide's source from the line starting with ``start`` up to ``stop``."""
    lines = GUIDE.read_text().splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(start))
    last = next(i for i, line in enumerate(lines) if i > first and line.startswith(stop))
    return "\n".join(lines[first:last]) + "\n"


DATA_CELLS = _cells("x = tf.linspace(-2, 2, 201)", "plt.plot(x.numpy()")
KERAS_CELLS = _cells("new_model = tf.keras.Sequential([", "plt.plot(history.history['loss'])")


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    """Runs the data and Keras cells verbatim (with a fixed seed) in a scratch directory."""
    assert "new_model.save('./my_new_model')" in KERAS_CELLS
    workdir = tmp_path_factory.mktemp("seed")
    old = os.getcwd()
    os.chdir(workdir)
    try:
        tf.random.set_seed(0)
        tf.keras.backend.clear_session()  # layer names start again at "dense"
        scope: dict = {"tf": tf}
        exec(DATA_CELLS, scope)
        exec(KERAS_CELLS, scope)
    finally:
        os.chdir(old)
    return scope, workdir


def test_fit_reaches_tensorflows_loss(seed_run):
    scope, _ = seed_run
    history = scope["history"]
    losses = history.history["loss"]
    assert list(history.history) == ["loss"] and len(losses) == 100
    assert history.epoch == list(range(100))
    assert losses[0] > 5 * losses[-1]
    # TensorFlow ends in about 0.9-1.1 on this data (the noise variance is 1).
    assert 0.9 <= losses[-1] <= 1.1
    # ... which is the least-squares optimum of the quadratic model, to within 1%.
    x, y = scope["x"].numpy(), scope["y"].numpy()
    design = np.stack([x ** 2, x, np.ones_like(x)], axis=1)
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    best = float(np.mean((design @ coef - y) ** 2))
    assert best <= losses[-1] <= 1.01 * best
    model = scope["new_model"]
    kernel, bias = model.layers[1].get_weights()
    np.testing.assert_allclose([kernel[1, 0], kernel[0, 0], bias[0]], coef, atol=0.15)


def test_saved_model_directory_loads_in_a_fresh_process(seed_run):
    scope, workdir = seed_run
    # Keras's files, and a SavedModel (the traced call and the variables) around them.
    assert sorted(os.listdir(workdir / "my_new_model")) == [
        "config.json", "metadata.json", "model.weights.npz", "saved_model.json", "variables"]
    x = scope["x"].numpy()
    np.save(workdir / "x.npy", x)
    np.save(workdir / "pred.npy", scope["new_model"].predict(x, verbose=0))
    code = ("import numpy as np, minitf as tf\n"
            "m = tf.keras.models.load_model('./my_new_model')\n"
            "p = m.predict(np.load('x.npy'), verbose=0)\n"
            "print(float(np.abs(p - np.load('pred.npy')).max()))\n"
            # No Keras class needed: the Lambda layer is inside the saved graph.
            "s = tf.saved_model.load('./my_new_model')\n"
            "q = s.signatures['serving_default'](inputs=tf.constant(np.load('x.npy')))\n"
            "print(float(np.abs(s(np.load('x.npy')).numpy() - np.load('pred.npy')).max()),\n"
            "      float(np.abs(q['output_0'].numpy() - np.load('pred.npy')).max()))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=workdir, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    keras_error, call_error, signature_error = map(float, done.stdout.split())
    assert keras_error == 0.0
    # predict runs batches of 32, the SavedModel one batch: sums may round differently.
    assert call_error < 1e-5 and signature_error < 1e-5


def test_seed_model_summary_matches_keras(seed_run, capsys):
    scope, _ = seed_run
    scope["new_model"].summary(line_length=76)
    # Keras 3.15 built this model from the first batch of 32: its summary shows (32, 2).
    expected = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ lambda (Lambda)                 │ (32, 2)                │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense (Dense)                   │ (32, 1)                │             3 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 5 (24.00 B)
 Trainable params: 3 (12.00 B)
 Non-trainable params: 0 (0.00 B)
 Optimizer params: 2 (12.00 B)"""
    assert capsys.readouterr().out == expected + "\n"

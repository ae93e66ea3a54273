"""The seed guide's script runs *unchanged* with ``import minitf as tf`` — its last cell
(``new_model.save('./my_new_model')``, which TF 2.21's Keras refuses) included — and
prints what TensorFlow 2.21 printed wherever TensorFlow's values are deterministic.

The script is tests/seed/tf_basics_guide.py, a copy of the project's seed; only its
import line is replaced. Lines that differ run to run in TF too (the random data's loss
values) are checked for their format and for convergence instead.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.tensors, pytest.mark.keras, pytest.mark.slow]

SEED = pathlib.Path(__file__).resolve().parent / "seed"
LOSS = re.compile(r"^Mean squared error for step (\d+): (\d+\.\d{3})$")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], pathlib.Path]:
    source = (SEED / "tf_basics_guide.py").read_text()
    assert source.count("import tensorflow as tf") == 1
    script = source.replace("import tensorflow as tf", "import minitf as tf")
    work = tmp_path_factory.mktemp("seed")
    (work / "guide.py").write_text(script)
    env = dict(os.environ, MPLBACKEND="Agg", MINITF_DEVICE="cpu")
    done = subprocess.run([sys.executable, "guide.py"], cwd=work, env=env, text=True,
                          capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.splitlines(), work


def test_every_line_matches_tensorflow_where_deterministic(run) -> None:
    lines, _ = run
    reference = (SEED / "tf-2.21-reference-output.txt").read_text().splitlines()
    assert len(lines) >= len(reference)
    for i, (ours, theirs) in enumerate(zip(lines, reference)):
        if theirs.startswith("[] [PhysicalDevice"):
            # The reference came from a version of the GPU cell that printed the device
            # lists; the script prints the sentence (there is no GPU here).
            assert ours == "TensorFlow **IS NOT** using the GPU", (i, ours)
        elif LOSS.match(theirs):
            # Training on random data: TF's own values change run to run.
            m = LOSS.match(ours)
            assert m and m.group(1) == LOSS.match(theirs).group(1), (i, ours)
        else:
            assert ours == theirs, f"line {i + 1}: {ours!r} != TF's {theirs!r}"


def test_the_custom_loop_converges_like_tensorflows(run) -> None:
    lines, _ = run
    losses = [float(LOSS.match(line).group(2)) for line in lines if LOSS.match(line)]
    assert len(losses) == 10
    # TF 2.21 went from ~54 to 0.948 on its draw; the noise has variance 1, so the best
    # possible MSE is about 1 and a fitted quadratic lands near it.
    # (The script sets no seed, so only these bands hold on every run, not monotonicity
    # near the optimum, where minibatch noise can move the loss up by a little.)
    assert losses[0] > 5 and 0.6 < losses[-1] < 1.5


def test_the_last_cell_saved_a_loadable_savedmodel_without_an_extension(run) -> None:
    _, work = run
    saved = work / "my_new_model"
    assert saved.is_dir() and (saved / "saved_model.json").exists()
    check = ("import minitf as tf, numpy as np\n"
             "m = tf.saved_model.load('my_new_model')\n"
             "print(m(tf.constant(np.linspace(-2, 2, 5), tf.float32)).shape)\n")
    done = subprocess.run([sys.executable, "-c", check], cwd=work, text=True,
                          capture_output=True, timeout=300,
                          env=dict(os.environ, MINITF_DEVICE="cpu"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "(5, 1)"

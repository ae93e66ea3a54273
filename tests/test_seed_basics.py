"""The seed guide's first cells print exactly what TensorFlow 2.21 printed.

``tutorials/01_basics.py`` holds the cells of TensorFlow's basics guide, run with
``import minitf as tf``. Its output, from the top through the ``tf.Variable`` cell and
the ``GradientTape`` cell, must equal the reference output recorded with TensorFlow
2.21 (``tests/seed/tf-2.21-reference-output.txt``) line for line. Later cells are
checked by the tests of the issues that make them run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.tensors

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "tutorials" / "01_basics.py"

# What TensorFlow 2.21 printed for those cells: the first 32 lines of the seed's
# tf-2.21-reference-output.txt (kept in tests/seed/), spelled out here so the test reads
# as the spec it is.
REFERENCE = """\
tf.Tensor(
[[1. 2. 3.]
 [4. 5. 6.]], shape=(2, 3), dtype=float32)
(2, 3)
<dtype: 'float32'>
<tf.Tensor: shape=(2, 3), dtype=float32, numpy=
array([[ 2.,  4.,  6.],
       [ 8., 10., 12.]], dtype=float32)>
<tf.Tensor: shape=(2, 3), dtype=float32, numpy=
array([[ 5., 10., 15.],
       [20., 25., 30.]], dtype=float32)>
<tf.Tensor: shape=(2, 2), dtype=float32, numpy=
array([[14., 32.],
       [32., 77.]], dtype=float32)>
<tf.Tensor: shape=(6, 3), dtype=float32, numpy=
array([[1., 2., 3.],
       [4., 5., 6.],
       [1., 2., 3.],
       [4., 5., 6.],
       [1., 2., 3.],
       [4., 5., 6.]], dtype=float32)>
<tf.Tensor: shape=(2, 3), dtype=float32, numpy=
array([[0.09003057, 0.24472848, 0.66524094],
       [0.09003057, 0.24472848, 0.66524094]], dtype=float32)>
<tf.Tensor: shape=(), dtype=float32, numpy=21.0>
<tf.Tensor: shape=(3,), dtype=int32, numpy=array([1, 2, 3], dtype=int32)>
<tf.Tensor: shape=(), dtype=int32, numpy=6>
[] [PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')]
<tf.Variable 'UnreadVariable' shape=(3,) dtype=float32, numpy=array([1., 2., 3.], dtype=float32)>
<tf.Variable 'UnreadVariable' shape=(3,) dtype=float32, numpy=array([2., 3., 4.], dtype=float32)>
<tf.Tensor: shape=(), dtype=float32, numpy=-2.0>
<tf.Tensor: shape=(), dtype=float32, numpy=4.0>
""".splitlines()

# The reference's GPU line comes from a different version of the GPU cell (one that
# printed the device lists); the guide's cell prints one of these two sentences instead:
# the first where minitf sees no GPU (as TF's CPU build saw none), the second where it does.
GPU_LINE = REFERENCE.index(
    "[] [PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')]")
NO_GPU = "TensorFlow **IS NOT** using the GPU"
WITH_GPU = "TensorFlow **IS** using the GPU"


@pytest.fixture(scope="module")
def tutorial_output() -> list[str]:
    env = dict(os.environ, MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, TUTORIAL.name], cwd=TUTORIAL.parent, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.splitlines()


def test_reference_is_the_seed_files_prefix() -> None:
    seed = ROOT / "tests" / "seed" / "tf-2.21-reference-output.txt"
    assert seed.read_text().splitlines()[:len(REFERENCE)] == REFERENCE


@pytest.mark.keras  # the whole guide must run (it trains a Keras model): graded with keras
def test_first_cells_print_what_tensorflow_printed(tutorial_output: list[str]) -> None:
    got = tutorial_output[:len(REFERENCE)]
    assert len(got) == len(REFERENCE), "the tutorial printed fewer lines than TF"
    for i, (line, expected) in enumerate(zip(got, REFERENCE), 1):
        if i - 1 == GPU_LINE:
            import minitf as tf
            has_gpu = bool(tf.config.list_physical_devices("GPU"))
            assert line == (WITH_GPU if has_gpu else NO_GPU), f"line {i}: {line!r}"
        else:
            assert line == expected, f"line {i}: {line!r} != TF's {expected!r}"


def test_the_reference_gpu_line_itself() -> None:
    # The version of the GPU cell that produced the reference line printed the two device
    # lists; minitf prints the same where it sees no GPU (as TF 2.21's CPU build saw none).
    import minitf as tf
    gpus, cpus = tf.config.list_physical_devices("GPU"), tf.config.list_physical_devices("CPU")
    if gpus:
        pytest.skip("a GPU is visible: the reference line was printed without one")
    assert f"{gpus} {cpus}" == REFERENCE[GPU_LINE]
    assert tf.config.list_physical_devices() == cpus

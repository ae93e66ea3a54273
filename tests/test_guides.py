"""TensorFlow's own guides, run with ``import minitf as tf``, print what TF 2.21 printed.

``tests/guides/`` holds excerpts of TensorFlow's guides (tensors, variables, gradients
and advanced autodiff, graphs and ``tf.function``, modules, the Keras Sequential model,
``tf.data`` with windows, checkpoints of lists and dicts) and, next to each, the output
real TensorFlow 2.21 printed for the same script (``<name>.tf-2.21.txt``; stdout only —
``tf.print`` writes to stderr). The excerpts print only deterministic values: where a
guide draws random numbers and prints them, the excerpt prints their shapes, or (the
gradients guide's ``w``) starts from fixed values.

Each test runs one script in a fresh folder with minitf and compares its output with
TensorFlow's, line by line. The few lines where minitf differs *on purpose* are listed
in ``DELIBERATE`` with the reason: error messages that add what to do, and names of
TensorFlow's internal classes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

GUIDES = Path(__file__).parent / "guides"
ROOT = Path(__file__).parent.parent

# guide -> {TensorFlow's line: minitf's line}, each difference deliberate.
DELIBERATE = {
    "tensors": {
        "InvalidArgumentError: {{function_node __wrapped__Reshape_device_/job:localhost/"
        "replica:0/task:0/device:CPU:0}} Input to reshape is a tensor with 30 values, but the "
        "requested shape requires a multiple of 7 [Op:Reshape]":
        "InvalidArgumentError: Input to reshape is a tensor with 30 values, but the requested "
        "shape requires a multiple of 7 [Op:Reshape]. Check the -1 dimension.",  # + what to do
        "ValueError: Can't convert non-rectangular Python sequence to Tensor.":
        "ValueError: Can't convert non-rectangular Python sequence to Tensor: every inner "
        "list at one depth must have the same length (pad the short ones, or see tf.ragged "
        "in TensorFlow).",  # + what to do
    },
    "variables": {  # + what to do
        "ValueError: Cannot assign value to variable ' Variable:0': Shape mismatch.The "
        "variable shape (2,), and the assigned value shape (3,) are incompatible.":
        "ValueError: Cannot assign value to variable ' Variable:0': Shape mismatch.The "
        "variable shape (2,), and the assigned value shape (3,) are incompatible. A "
        "variable's shape is fixed; create a new tf.Variable for a value of another shape.",
    },
    "autodiff": {
        # type(x).__name__ of TF's internal classes; minitf's are tf.Variable and tf.Tensor.
        "ResourceVariable : tf.Tensor(1.0, shape=(), dtype=float32)":
        "Variable : tf.Tensor(1.0, shape=(), dtype=float32)",
        "EagerTensor : None": "Tensor : None",
    },
    "function": {
        # TF adds an Identity op on each output; minitf's graph returns the add itself.
        'Tensor("Identity:0", shape=(), dtype=string)': 'Tensor("add:0", shape=(), dtype=string)',
        # The same AttributeError, with minitf's explanation instead of TF's class name.
        "'SymbolicTensor' object has no attribute 'numpy'":
        "Cannot convert a symbolic tf.Tensor to a NumPy value: this tensor belongs to a "
        "tf.function being traced and has no value yet. Use tf ops on it inside the "
        "function (tf.print to see it when it runs), or return it and call .numpy() on the "
        "result.",
    },
}

# Each guide's chapters (coursework markers): a guide counts for the last one.
CHAPTERS = {
    "tensors": [pytest.mark.tensors], "variables": [pytest.mark.tensors],
    "autodiff": [pytest.mark.autodiff, pytest.mark.keras],
    "autodiff_advanced": [pytest.mark.autodiff, pytest.mark.keras],
    "graphs": [pytest.mark.graphs], "function": [pytest.mark.graphs],
    "modules": [pytest.mark.modules, pytest.mark.persistence, pytest.mark.keras],
    "keras_sequential": [pytest.mark.keras],
    "data": [pytest.mark.data], "data_windows": [pytest.mark.data],
    "checkpoint_lists": [pytest.mark.persistence],
}


def _run(name: str, tmp_path: Path) -> list:
    env = dict(os.environ, PYTHONPATH=str(ROOT), MINITF_DEVICE="cpu")
    script = GUIDES / f"{name}.py"
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, f"{name}.py failed:\n{out.stderr[-3000:]}"
    return out.stdout.splitlines()


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=marks) for name, marks in CHAPTERS.items()])
def test_guide_prints_what_tensorflow_printed(name: str, tmp_path: Path) -> None:
    expected = (GUIDES / f"{name}.tf-2.21.txt").read_text().splitlines()
    swaps = DELIBERATE.get(name, {})
    expected = [swaps.get(line, line) for line in expected]
    got = _run(name, tmp_path)
    for i, (want, have) in enumerate(zip(expected, got)):
        assert have == want, f"{name}.py, output line {i + 1}"
    assert len(got) == len(expected), f"{name}.py printed {len(got)} lines, TF {len(expected)}"


@pytest.mark.tensors
def test_every_guide_has_its_output_and_chapters() -> None:
    scripts = {p.stem for p in GUIDES.glob("*.py")}
    assert scripts == set(CHAPTERS)
    assert all((GUIDES / f"{n}.tf-2.21.txt").exists() for n in scripts)
    assert set(DELIBERATE) <= scripts

"""Every tutorial runs, and the basics tutorial prints what TensorFlow 2.21 printed.

The tutorials in ``tutorials/`` are a product: users learn from them, and the docs
site shows their outputs. So each one is run here as a user runs it —
``python tutorials/NN_name.py`` in a subprocess, on the CPU, with matplotlib's ``Agg``
backend, from an empty working directory (which must stay empty: a tutorial keeps its
files in a temporary directory) — and must exit 0.

``tests/test_seed_basics.py`` checks the first cells of the basics tutorial line by
line; :func:`test_basics_prints_what_tensorflow_printed` here checks its whole output
against ``tests/seed/tf-2.21-reference-output.txt``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = sorted((ROOT / "tutorials").glob("*.py"))
REFERENCE = ROOT / "tests" / "seed" / "tf-2.21-reference-output.txt"

# The chapters a tutorial belongs to (the coursework markers of pyproject.toml).
MARKS = {
    "01": "tensors", "02": "tensors", "03": "tensors", "04": "autodiff", "05": "graphs",
    "06": "modules", "07": "modules", "08": "keras", "09": "data", "10": "persistence",
    "11": "kernels", "12": "distribute",
}
# Later chapters a tutorial also runs code of (it passes only once they work too; see
# docs/instructors.md): the basics guide and the training loops train Keras models,
# tutorial 03 traces a tf.function, tutorial 10 saves a Keras model.
ALSO_NEEDS = {"01": "keras", "03": "graphs", "07": "keras", "10": "keras"}


_RUNS: dict[str, tuple[subprocess.CompletedProcess, Path]] = {}


def run_tutorial(path: Path, factory: pytest.TempPathFactory
                 ) -> tuple[subprocess.CompletedProcess, Path]:
    """Run one tutorial script as a user would, on the CPU, without a display.

    Each script runs once per test session (in a fresh empty directory); the tests that
    look at its output share the run.
    """
    if path.name not in _RUNS:
        cwd = factory.mktemp(path.stem.replace(".", "_"))
        env = dict(os.environ, MPLBACKEND="Agg", MINITF_DEVICE="cpu")
        done = subprocess.run([sys.executable, str(path)], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=600, check=False)
        _RUNS[path.name] = (done, cwd)
    return _RUNS[path.name]


@pytest.mark.parametrize("path", [
    pytest.param(p, id=p.name, marks=[getattr(pytest.mark, m) for m in
                                      (MARKS[p.name[:2]], ALSO_NEEDS.get(p.name[:2])) if m])
    for p in TUTORIALS
])
def test_tutorial_runs(path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    done, cwd = run_tutorial(path, tmp_path_factory)
    assert done.returncode == 0, f"{path.name} failed:\n{done.stderr[-4000:]}"
    assert list(cwd.iterdir()) == [], f"{path.name} left files in its working directory"


def test_every_tutorial_is_listed_with_a_chapter() -> None:
    names = [p.name for p in TUTORIALS]
    assert "01_basics.py" in names and "01_basics.ja.py" in names
    for number in MARKS:
        assert any(n.startswith(number + "_") for n in names), f"no tutorial {number}"


def test_every_tutorial_is_on_the_docs_site() -> None:
    """The site's nav (mkdocs.yml) and the tutorials index page list every script."""
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    index = (ROOT / "docs" / "tutorials" / "index.md").read_text(encoding="utf-8")
    for path in TUTORIALS:
        assert f"tutorials/{path.name}" in nav, f"{path.name} is missing from mkdocs.yml"
        assert f"({path.name})" in index, f"{path.name} is missing from the tutorials index"


def test_every_tutorial_ends_with_what_you_learned() -> None:
    for path in TUTORIALS:
        last_cell = path.read_text(encoding="utf-8").split("# %%")[-1]
        assert "[markdown]" in last_cell.splitlines()[0], path.name
        assert ("What you learned" in last_cell or "学んだこと" in last_cell), path.name


def test_basics_tutorial_holds_the_seed_guide_in_order() -> None:
    """Every line of the seed guide appears in the tutorial, in order, unchanged
    (the tutorial only adds prose, and the cell that moves into a temporary directory)."""
    seed = (ROOT / "tests" / "seed" / "tf_basics_guide.py").read_text().splitlines()
    seed = [line.replace("import tensorflow as tf", "import minitf as tf") for line in seed
            if line.strip() and not line.startswith("# ")]
    for name in ("01_basics.py", "01_basics.ja.py"):
        lines = iter((ROOT / "tutorials" / name).read_text(encoding="utf-8").splitlines())
        for expected in seed:
            assert any(line == expected for line in lines), f"{name}: missing {expected!r}"


# ---------------------------------------------------------------------------------------
# The basics tutorial's values against TensorFlow's
# ---------------------------------------------------------------------------------------
# The reference's GPU line, "[] [PhysicalDevice(name='/physical_device:CPU:0', ...)]",
# was printed by an older version of the GPU cell that printed the device lists; the
# guide's cell (the one in the seed script and the tutorial) prints a sentence instead.
# TensorFlow saw no GPU there (an empty list), and the tutorials run here on the CPU
# (MINITF_DEVICE=cpu), so the matching sentence is the "IS NOT" one.
GPU_REFERENCE_LINE = "[] [PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')]"
NO_GPU = "TensorFlow **IS NOT** using the GPU"
LOSS_LINE = re.compile(r"Mean squared error for step (\d+): (\d+\.\d{3})$")


@pytest.mark.tensors
@pytest.mark.keras  # the whole guide runs: graded with keras (see ALSO_NEEDS)
def test_basics_prints_what_tensorflow_printed(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    done, _ = run_tutorial(ROOT / "tutorials" / "01_basics.py", tmp_path_factory)
    assert done.returncode == 0, done.stderr[-4000:]
    reference = REFERENCE.read_text().splitlines()
    got = done.stdout.splitlines()
    # The last cell prints "\n" (two empty lines); the recorded reference ends at the
    # last loss line, its trailing empty lines dropped.
    while got and not got[-1].strip():
        got.pop()
    assert len(got) == len(reference), "\n".join(got)
    losses = []
    for i, (line, expected) in enumerate(zip(got, reference), 1):
        if expected == GPU_REFERENCE_LINE:
            assert line == NO_GPU, f"line {i}: {line!r}"
        elif LOSS_LINE.match(expected):
            # The loss depends on the random noise and the shuffle order: TF's value is
            # not reproducible, but the step and the format are.
            m = LOSS_LINE.match(line)
            assert m, f"line {i}: {line!r} is not a loss line like {expected!r}"
            assert m.group(1) == LOSS_LINE.match(expected).group(1)
            losses.append(float(m.group(2)))
        else:
            assert line == expected, f"line {i}: {line!r} != TF's {expected!r}"
    # Training worked: the loss fell to about the noise's variance (1.0; TF printed
    # 0.948 at step 90), whatever the draws. The bound is wide: 201 samples of unit
    # noise give a variance within ±0.5 of 1 with overwhelming probability.
    assert len(losses) == 10
    assert losses[-1] < losses[0]
    assert 0.5 < losses[-1] < 1.5, losses

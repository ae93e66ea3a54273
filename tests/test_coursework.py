"""Coursework: assignments generated from the reference, graded by the spec.

The story of ``docs/instructors.md``, end to end, on the autodiff chapter: the student
copy imports (its own minitf, not this checkout's), its autodiff tests fail with the
regions' ``NotImplementedError`` messages, its tensor tests still pass, and putting the
reference files back makes everything pass — as ``grade --json`` reports. Then the
checks every region of the reference must pass, and the marker/prerequisite rules.

This file belongs to no chapter (it checks the tool, not a student's work), so grading
never runs it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from minitf.coursework import assignment, audit, grading, regions
from minitf.coursework.chapters import (CHAPTERS, NAMES, dependents, graded_in, prerequisites,
                                        selection)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
BEGIN = "# BEGIN " + "SOLUTION"  # split: this file is never scanned, but stay readable

# The end-to-end check grades a small part of each chapter: whole chapters take minutes.
# test_autodiff_tape.py reaches every autodiff region (its Jacobians of products, sums
# and broadcasts call the VJPs of matmul, reduce_sum and broadcast_to, and jacobian's
# loop); test_dtypes.py is a quick tensor-chapter file. The -k keeps the Jacobian tests
# and a few tape tests: a few seconds per run.
SUBSET = ["tests/test_autodiff_tape.py", "tests/test_dtypes.py",
          "-k", "not test_autodiff_tape or jacobian or persistent or nested or watch"]


def _grade(copy: Path) -> dict:
    """``python -m minitf.coursework grade COPY --json`` on the subset, as a user runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "minitf.coursework", "grade", str(copy), "--json",
         "--chapters", "tensors", "autodiff", "--timeout", "300", "--", *SUBSET],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    return json.loads(done.stdout)


def _chapter(report: dict, name: str) -> dict:
    return next(c for c in report["chapters"] if c["chapter"] == name)


@pytest.fixture(scope="module")
def reference_regions() -> list:
    return regions.find_regions(ROOT, assignment.source_files(ROOT))


@pytest.fixture(scope="module")
def autodiff_copy(tmp_path_factory: pytest.TempPathFactory, reference_regions: list) -> tuple:
    out = tmp_path_factory.mktemp("coursework") / "hw2"
    taken = assignment.make_assignment(ROOT, ["autodiff"], out)
    return out, taken


def test_the_copy_takes_out_exactly_the_chapters_regions(autodiff_copy, reference_regions):
    copy, taken = autodiff_copy
    assert taken == [r for r in reference_regions if r.chapter == "autodiff"]
    assert taken, "the autodiff chapter has no regions"
    changed = {r.path for r in taken}
    for rel in assignment.source_files(ROOT):
        original = (ROOT / rel).read_bytes()
        student = (copy / rel).read_bytes()
        if rel not in changed:
            assert student == original, f"{rel} differs outside the regions"
            continue
        mine = {r.begin: r for r in taken if r.path == rel}
        lines = original.decode().splitlines()
        # Outside its regions the file is unchanged, line for line...
        inside = {n for r in mine.values() for n in range(r.begin, r.end - 1)}  # 0-based
        kept = [line for n, line in enumerate(lines) if n not in inside]
        # ...and each region is now its raise, at the marker's indentation, with its text.
        got, rest, n = student.decode().splitlines(), [], 0
        while n < len(got):
            rest.append(got[n])
            r = mine.get(lines.index(got[n]) + 1) if got[n].lstrip().startswith(BEGIN) else None
            n += 1
            if r is None:
                continue
            body = []
            while got[n].strip() != "# END SOLUTION":
                body.append(got[n])
                n += 1
            assert body[0].startswith(r.indent + "raise NotImplementedError(")
            assert "".join(s.strip() for s in body) == \
                f'raise NotImplementedError("{r.error_text}")', body
        assert rest == kept, rel


def test_student_copy_grades_as_specified_and_the_reference_restores_it(autodiff_copy):
    copy, taken = autodiff_copy
    report = _grade(copy)
    # The grader imported the copy's minitf.
    assert report["minitf"] == str(copy.resolve() / "minitf" / "__init__.py")
    assert report["import_error"] is None
    tensors, autodiff = _chapter(report, "tensors"), _chapter(report, "autodiff")
    # Tensor tests need nothing from the autodiff chapter: all pass.
    assert tensors["total"] > 20 and tensors["passed"] == tensors["total"], tensors
    # Autodiff tests fail, and they fail with the regions' messages.
    assert autodiff["total"] > 10 and autodiff["failed"] > 0, autodiff
    messages = {f"NotImplementedError: {r.error_text}" for r in taken}
    firsts = [f["first_failure"]["message"] for f in autodiff["files"] if f["first_failure"]]
    assert firsts and all(m in messages for m in firsts), firsts

    # Putting the reference files back makes every test pass, with the same totals.
    for path in {r.path for r in taken}:
        shutil.copyfile(ROOT / path, copy / path)
    restored = _grade(copy)
    for name, before in (("tensors", tensors), ("autodiff", autodiff)):
        after = _chapter(restored, name)
        assert after["passed"] == after["total"] == before["total"], after
    assert restored["passed"] == restored["total"] == report["total"]


def test_copy_of_every_chapter_still_imports(tmp_path: Path) -> None:
    copy = tmp_path / "all"
    assignment.make_assignment(ROOT, ["all"], copy)
    modules = ("minitf, minitf.keras, minitf.data, minitf.train, minitf.saved_model, "
               "minitf.distribute, minitf.kernels.elementwise, minitf.kernels.softmax")
    with grading.isolated_environment(copy) as env:
        env["TRITON_INTERPRET"] = "1"
        done = subprocess.run([sys.executable, "-c", f"import {modules}; print(minitf.__file__)"],
                              cwd=copy, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == str(copy / "minitf" / "__init__.py")


# -- every region of the reference ----------------------------------------------------------
def test_every_region_is_well_formed_and_leaves_its_file_compiling() -> None:
    assert regions.check(ROOT, assignment.source_files(ROOT)) == []


def test_every_chapter_has_regions_of_a_few_lines(reference_regions: list) -> None:
    for name in NAMES:
        assert any(r.chapter == name for r in reference_regions), f"{name} has no region"
    for r in reference_regions:
        assert 1 <= r.size <= 30, f"{r.path}:{r.begin} holds {r.size} lines: one idea each"


def test_every_region_names_an_existing_test_file(reference_regions: list) -> None:
    for r in reference_regions:
        named = re.findall(r"tests/[\w/]+\.py", r.message)
        assert named, f"{r.path}:{r.begin}: name the test file, e.g. 'spec: tests/test_x.py'"
        for test_file in named:
            assert (ROOT / test_file).exists(), f"{r.path}:{r.begin}: {test_file} is missing"


# -- the markers and the order of chapters ----------------------------------------------------
# Test files that belong to no chapter: they check packaging and this tool.
NO_CHAPTER = {"tests/test_packaging.py", "tests/test_coursework.py"}


def test_every_test_file_carries_a_chapter_marker() -> None:
    marker = re.compile(r"pytest\.mark\.(" + "|".join(NAMES) + r")\b|MARKS\[")
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel not in NO_CHAPTER:
            assert marker.search(path.read_text()), (
                f"{rel} has no chapter marker: add e.g. 'pytestmark = pytest.mark.tensors' "
                f"(see docs/instructors.md)")


def test_every_chapter_is_a_registered_pytest_marker() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    for name in NAMES:
        assert re.search(rf'^\s*"{name}: ', pyproject, re.MULTILINE), f"register the marker {name}"


def test_prerequisites_come_earlier_and_selection_excludes_dependents() -> None:
    seen: set = set()
    for c in CHAPTERS:
        assert set(c.after) <= seen, f"{c.name} builds on a later chapter"
        seen.add(c.name)
    assert prerequisites("keras") == ("tensors", "autodiff", "graphs", "modules",
                                      "persistence", "data")
    assert "kernels" not in prerequisites("distribute")
    for name in NAMES:
        for later in dependents(name):
            assert name in prerequisites(later)
            assert later in selection(name)


def test_a_test_counts_for_the_chapters_no_other_marker_builds_on() -> None:
    assert graded_in(["tensors", "keras", "slow"]) == ("keras",)
    assert graded_in(["graphs", "modules"]) == ("modules",)
    # Neither builds on the other: the test counts for both.
    assert graded_in(["kernels", "data"]) == ("data", "kernels")
    assert graded_in(["gpu"]) == ()


def test_the_audit_reports_what_the_markers_miss() -> None:
    region = regions.Region("minitf/x.py", "modules", "m; spec: tests/test_m.py", 3, 6, "")
    unreached = regions.Region("minitf/y.py", "data", "d; spec: tests/test_d.py", 9, 12, "")
    rows = [
        {"test": "tests/t.py::a", "marks": ["graphs"], "hits": []},
        # a process the test started (a tutorial run) reports without markers
        {"test": "tests/t.py::a", "marks": None, "hits": ["modules:minitf/x.py:3"]},
        {"test": "tests/t.py::b", "marks": ["modules"], "hits": ["graphs:g.py:1"]},
        {"test": "tests/t.py::c", "marks": [], "hits": ["tensors:t.py:1"]},
    ]
    report = audit.analyse(rows, [region, unreached])
    assert report.tests == 3 and not report.clean
    assert report.uncovered == {("tests/t.py::a", "graphs"): ["modules"]}
    assert report.unmarked == {"tests/t.py::c": ["tensors"]}
    assert report.unreached == ["data:minitf/y.py:9"]
    text = audit.format_audit(report)
    assert "tests/t.py::a counts for graphs but also runs modules code" in text
    assert "no test runs the region data:minitf/y.py:9" in text


def test_the_instrumented_copy_records_and_still_compiles(tmp_path: Path,
                                                          reference_regions: list) -> None:
    done = audit.instrumented_copy(ROOT, tmp_path / "copy")
    assert done == [r for r in reference_regions if r.chapter not in audit.NOT_INSTRUMENTED]
    for r in done:
        lines = (tmp_path / "copy" / r.path).read_text().splitlines()
        # Each region above this one in its file added a line.
        begin = r.begin + sum(o.path == r.path and o.begin < r.begin for o in done)
        assert lines[begin - 1].lstrip().startswith(BEGIN)
        assert lines[begin].startswith(r.indent + '__import__("builtins")')
        assert repr(audit.tag(r)) in lines[begin]
        compile("\n".join(lines), r.path, "exec")


# -- the marker syntax ------------------------------------------------------------------------
SAMPLE = f'''class A:
    def f(self, x):
        """Doubles x."""
        y = x
        {BEGIN} tensors: double y; spec: tests/test_a.py
        y = y + y
        return y
        {"# END SOLUTION"}

    def g(self):
        {BEGIN} graphs: {"a long message " * 6}; spec: tests/test_b.py
        return 1
        {"# END SOLUTION"}
'''


def test_strip_keeps_signature_docstring_and_indentation() -> None:
    out = regions.strip(SAMPLE, "a.py", {"tensors"})
    assert out.splitlines()[:6] == SAMPLE.splitlines()[:5] + [
        '        raise NotImplementedError("tensors: double y; spec: tests/test_a.py")']
    assert "y = y + y" not in out and "return 1" in out
    ns: dict = {}
    exec(compile(out, "a.py", "exec"), ns)
    with pytest.raises(NotImplementedError, match=r"^tensors: double y; spec: tests/test_a"):
        ns["A"]().f(1)


def test_a_long_message_is_wrapped_and_line_endings_are_kept() -> None:
    out = regions.strip(SAMPLE.replace("\n", "\r\n"), "a.py", NAMES)
    assert "\r\n" in out and "\n" not in out.replace("\r\n", "")
    assert "        raise NotImplementedError(\r\n            \"graphs: a long" in out
    compile(out, "a.py", "exec")


@pytest.mark.parametrize("text, problem", [
    (f"{BEGIN} algebra: x; spec: tests/test_a.py\nx = 1\n# END SOLUTION\n", "unknown chapter"),
    (f"{BEGIN} data: x\nx = 1\n# END SOLUTION\n", "name the tests"),
    (f"{BEGIN} data: x; tests/test_a.py\nx = 1\n", "never closed"),
    ("x = 1\n# END SOLUTION\n", "without a BEGIN"),
    (f"{BEGIN} data: x; tests/test_a.py\n# END SOLUTION\n", "empty"),
    (f"{BEGIN} data: x; tests/test_a.py\n{BEGIN} data: y; tests/test_a.py\n", "inside"),
    ("#BEGIN SOLUTION data x\n", "malformed"),
])
def test_malformed_markers_are_refused(text: str, problem: str) -> None:
    with pytest.raises(regions.RegionError, match=problem):
        regions.parse(text, "a.py")


def test_a_region_that_is_not_whole_statements_is_reported(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        f"x = (1 +\n    {BEGIN} data: x; tests/test_a.py\n    2)\n    # END SOLUTION\n")
    (problem,) = regions.check(tmp_path, ["m.py"])
    assert problem.startswith("m.py:") and "whole statements" in problem


def test_make_assignment_refuses_unknown_chapters_and_used_folders(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown chapter 'algebra'"):
        assignment.make_assignment(ROOT, ["algebra"], tmp_path / "a")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x").write_text("")
    with pytest.raises(ValueError, match="not empty"):
        assignment.make_assignment(ROOT, ["data"], tmp_path / "b")
    with pytest.raises(ValueError, match="inside the repository"):
        assignment.make_assignment(ROOT, ["data"], ROOT / "build" / "hw")

"""``audit``: do the chapter markers cover the code each test really runs?

A test counts for the chapters :func:`chapters.graded_in` gives it. It is graded
fairly only if everything it runs belongs to those chapters or to what they build on;
otherwise a student who did that chapter right fails it because another chapter is
missing. The audit measures instead of guessing: it copies the repository with a
recording statement at the top of every region (:mod:`~minitf.coursework.recording`),
runs the whole suite there once, and reports

* tests that run a region of a chapter their markers do not build on (add that
  chapter's marker to the test, or change the chapter's ``after``);
* tests with no chapter marker that run regions;
* regions no test reaches (their chapter has no spec for them).

Regions in Triton kernels are not instrumented (the statement would not compile on a
GPU); the kernel tests reach them by construction.

Example:
    >>> from minitf.coursework.audit import audit, format_audit
    >>> print(format_audit(audit(None, ["-n", "2"])))  # doctest: +SKIP
    Audit of 1803 tests: the markers cover what every test runs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from minitf.coursework import assignment, grading, recording, regions
from minitf.coursework.chapters import NAMES, graded_in, prerequisites

__all__ = ["AuditReport", "instrumented_copy", "analyse", "audit", "format_audit"]

NOT_INSTRUMENTED = ("kernels",)  # chapters whose regions are Triton code


@dataclass
class AuditReport:
    """What :func:`audit` found.

    Attributes:
        tests: how many tests ran.
        uncovered: ``{(test, chapter it counts for): chapters it also runs}``.
        unmarked: ``{test: chapters it runs}`` for tests without a chapter marker.
        unreached: tags (``chapter:file:line``) of regions no test ran.
        error: why the run failed, if it did.

    Example:
        >>> from minitf.coursework.audit import AuditReport
        >>> AuditReport(tests=3).clean
        True
    """

    tests: int = 0
    uncovered: dict = field(default_factory=dict)
    unmarked: dict = field(default_factory=dict)
    unreached: list = field(default_factory=list)
    error: Optional[str] = None

    @property
    def clean(self) -> bool:
        """Nothing to fix."""
        return not (self.uncovered or self.unmarked or self.unreached or self.error)


def instrumented_copy(root: Path, out: Path) -> list:
    """Copies ``root`` to ``out`` with a recording statement opening each region.

    Returns:
        The instrumented regions.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from minitf.coursework.assignment import repository_root
        >>> from minitf.coursework.audit import instrumented_copy
        >>> out = Path(tempfile.mkdtemp()) / "copy"
        >>> len(instrumented_copy(repository_root(), out)) > 10  # doctest: +SKIP
        True
    """
    files = assignment.source_files(root)
    problems = regions.check(root, files)
    if problems:
        raise regions.RegionError("malformed regions:\n  " + "\n  ".join(problems))
    found = [r for r in regions.find_regions(root, files) if r.chapter not in NOT_INSTRUMENTED]
    by_file: dict = {}
    for r in found:
        by_file.setdefault(r.path, []).append(r)
    for rel in files:
        dst = out / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if rel not in by_file:
            shutil.copy2(root / rel, dst, follow_symlinks=False)
            continue
        lines = (root / rel).read_bytes().decode("utf-8").splitlines(keepends=True)
        for r in sorted(by_file[rel], key=lambda r: -r.begin):  # bottom up: lines stay put
            lines.insert(r.begin, recording.record_statement(tag(r), r.indent) + "\n")
        dst.write_text("".join(lines), encoding="utf-8")
    return found


def tag(region: regions.Region) -> str:
    """``chapter:file:line``, the name a region is recorded under.

    Example:
        >>> from minitf.coursework.audit import tag
        >>> from minitf.coursework.regions import Region
        >>> tag(Region("a.py", "data", "x; tests/test_a.py", 3, 5, ""))
        'data:a.py:3'
    """
    return f"{region.chapter}:{region.path}:{region.begin}"


def analyse(rows: list, instrumented: list) -> AuditReport:
    """Turns recorded rows (``{"test", "marks", "hits"}``) into an :class:`AuditReport`.

    Rows of one test (its own, and those of processes it started) are merged.

    Example:
        >>> from minitf.coursework.audit import analyse
        >>> rows = [{"test": "t.py::a", "marks": ["tensors"], "hits": ["graphs:g.py:1"]}]
        >>> analyse(rows, []).uncovered
        {('t.py::a', 'tensors'): ['graphs']}
    """
    marks: dict = {}
    ran: dict = {}
    for row in rows:
        ran.setdefault(row["test"], set()).update(row["hits"])
        if row["marks"] is not None:
            marks[row["test"]] = row["marks"]
    report = AuditReport(tests=len(marks))
    for test, hits in sorted(ran.items()):
        needed = {h.split(":", 1)[0] for h in hits}
        graded = graded_in(marks.get(test, ()))
        if not graded and needed:
            report.unmarked[test] = sorted(needed, key=NAMES.index)
        for chapter in graded:
            extra = needed - {chapter, *prerequisites(chapter)}
            if extra:
                report.uncovered[(test, chapter)] = sorted(extra, key=NAMES.index)
    reached = set().union(*ran.values()) if ran else set()
    report.unreached = [tag(r) for r in instrumented if tag(r) not in reached]
    return report


def audit(root: Optional[Path] = None, pytest_args: Sequence[str] = (),
          timeout: Optional[float] = None) -> AuditReport:
    """Runs the suite once in an instrumented copy of ``root`` and analyses it.

    Args:
        root: the repository (default: the running minitf's checkout).
        pytest_args: extra pytest arguments (``-n 2`` to use two processes).
        timeout: seconds allowed for the run.

    Example:
        >>> from minitf.coursework.audit import audit
        >>> audit(pytest_args=["-n", "2"]).clean  # doctest: +SKIP
        True
    """
    root = Path(root or assignment.repository_root()).resolve()
    with tempfile.TemporaryDirectory(prefix="minitf-audit-") as tmp:
        copy, hits_file = Path(tmp) / "copy", Path(tmp) / "hits.jsonl"
        instrumented = instrumented_copy(root, copy)
        with grading.isolated_environment(copy) as env:
            env[recording.HITS_VARIABLE] = str(hits_file)
            # tests/test_coursework.py checks this tool, not a chapter (and would grade
            # copies of the copy): left out.
            cmd = [sys.executable, "-m", "pytest", "-q", "-p", "minitf_coursework_recording",
                   "-p", "no:cacheprovider", "--ignore=tests/test_coursework.py",
                   *pytest_args]
            try:
                done = subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True,
                                      timeout=timeout, check=False)
            except subprocess.TimeoutExpired:
                return AuditReport(error=f"the suite ran past {timeout:g} s")
        rows = [json.loads(line) for line in hits_file.read_text().splitlines()] \
            if hits_file.exists() else []
        report = analyse(rows, instrumented)
        if done.returncode not in (0, 1) or not rows:
            report.error = f"pytest exited with {done.returncode}: " + \
                " | ".join(done.stdout.strip().splitlines()[-3:])
        elif done.returncode == 1:
            failed = [line for line in done.stdout.splitlines()
                      if line.startswith(("FAILED ", "ERROR "))]
            report.error = "some tests fail on the reference itself: fix them first (" + \
                done.stdout.strip().splitlines()[-1] + ")" + \
                "".join(f"\n    {line}" for line in failed)
        return report


def format_audit(report: AuditReport) -> str:
    """The audit's findings as text, grouped by test file.

    Example:
        >>> from minitf.coursework.audit import AuditReport, format_audit
        >>> print(format_audit(AuditReport(tests=2)))
        Audit of 2 tests: the markers cover what every test runs.
    """
    if report.clean:
        return f"Audit of {report.tests} tests: the markers cover what every test runs."
    lines = [f"Audit of {report.tests} tests:"]
    if report.error:
        lines.append(f"  error: {report.error}")
    for (test, chapter), extra in sorted(report.uncovered.items()):
        lines.append(f"  {test} counts for {chapter} but also runs {', '.join(extra)} code: "
                     f"add @pytest.mark.{extra[-1]} to it")
    for test, needed in sorted(report.unmarked.items()):
        lines.append(f"  {test} has no chapter marker but runs {', '.join(needed)} code")
    for t in report.unreached:
        lines.append(f"  no test runs the region {t}")
    return "\n".join(lines)

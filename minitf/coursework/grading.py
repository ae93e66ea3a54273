"""Grading a student copy: each chapter's spec tests, run in the copy, scored.

For each chapter, pytest runs in the copy (``cwd=DIR``, ``PYTHONPATH=DIR``, see
:mod:`minitf.coursework.isolation`) with the chapter's marker selection
(:func:`chapters.selection`) and writes a JUnit XML report, which is read back into
passed/total per chapter and per test file, with the first failure of each file.
Skipped tests (a GPU test without a GPU) count in neither number. Hypothesis runs with
the ``ci`` profile (derandomized) unless ``HYPOTHESIS_PROFILE`` is set, so a copy gets
the same grade every time.

Example:
    >>> from minitf.coursework.grading import grade, format_table
    >>> report = grade("/tmp/hw2", ["autodiff"])  # doctest: +SKIP
    >>> print(format_table(report))  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator, Optional, Sequence

from minitf.coursework import isolation, recording
from minitf.coursework.chapters import NAMES, selection

__all__ = ["FileScore", "ChapterScore", "Report", "grade", "format_table", "read_junit",
           "locate_minitf", "isolated_environment"]

_MESSAGE_CHARS = 240  # a failure's message is cut to one line of about this length


@dataclass
class FileScore:
    """One test file's results within a chapter.

    Example:
        >>> from minitf.coursework.grading import FileScore
        >>> FileScore("tests/test_x.py", passed=3, failed=1).total
        4
    """

    file: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    first_failure: Optional[dict] = None  # {"test": name, "message": first line}

    @property
    def total(self) -> int:
        """Passed plus failed (skipped tests are not counted)."""
        return self.passed + self.failed


@dataclass
class ChapterScore:
    """One chapter's results.

    Example:
        >>> from minitf.coursework.grading import ChapterScore
        >>> ChapterScore("data", "data and not keras").total
        0
    """

    chapter: str
    selection: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    files: list = field(default_factory=list)
    error: Optional[str] = None  # the run itself went wrong (timeout, crash)

    @property
    def total(self) -> int:
        """Passed plus failed (skipped tests are not counted)."""
        return self.passed + self.failed


@dataclass
class Report:
    """A whole grading run.

    Example:
        >>> from minitf.coursework.grading import Report
        >>> Report("/tmp/hw", None).as_dict()["passed"]
        0
    """

    directory: str
    minitf: Optional[str]  # the minitf.__file__ the tests imported
    chapters: list = field(default_factory=list)
    import_error: Optional[str] = None

    def as_dict(self) -> dict:
        """The report as JSON-ready data (what ``grade --json`` prints)."""
        chapters = []
        for c in self.chapters:
            d = asdict(c)
            d["total"] = c.total
            d["files"] = [{**asdict(f), "total": f.total} for f in c.files]
            chapters.append(d)
        return {"directory": self.directory, "minitf": self.minitf,
                "import_error": self.import_error, "chapters": chapters,
                "passed": sum(c.passed for c in self.chapters),
                "total": sum(c.total for c in self.chapters)}


@contextlib.contextmanager
def isolated_environment(directory: str | Path) -> Iterator[dict]:
    """Environment variables under which Python imports the copy at ``directory``.

    ``PYTHONPATH`` starts with the copy and a temporary folder holding
    :mod:`~minitf.coursework.isolation` as ``sitecustomize.py`` and
    :mod:`~minitf.coursework.recording` (for ``audit``), removed on exit.

    Example:
        >>> from minitf.coursework.grading import isolated_environment
        >>> with isolated_environment("/tmp/hw2") as env:
        ...     env["PYTHONPATH"].startswith("/tmp/hw2")
        True
    """
    directory = Path(directory)
    with tempfile.TemporaryDirectory(prefix="minitf-site-") as site:
        for module, name in ((isolation, "sitecustomize.py"),
                             (recording, "minitf_coursework_recording.py")):
            source = Path(module.__file__).read_text(encoding="utf-8")
            (Path(site) / name).write_text(source, encoding="utf-8")
        env = dict(os.environ)
        extra = env.get("PYTHONPATH")
        env["PYTHONPATH"] = os.pathsep.join([str(directory), site] + ([extra] if extra else []))
        env[isolation.ROOT_VARIABLE] = str(directory)
        env.setdefault("HYPOTHESIS_PROFILE", "ci")
        yield env


def locate_minitf(directory: Path, env: dict) -> tuple:
    """``(minitf.__file__, error)`` as a process of the grading run sees them.

    Example:
        >>> from minitf.coursework.grading import locate_minitf
        >>> locate_minitf  # doctest: +ELLIPSIS
        <function locate_minitf at ...>
    """
    probe = ("import json, minitf, minitf.kernels; "
             "print(json.dumps([minitf.__file__, minitf.kernels.__file__]))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=directory, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return None, done.stderr.strip().splitlines()[-1] if done.stderr.strip() else \
            f"python exited with {done.returncode}"
    package, kernels = json.loads(done.stdout.strip().splitlines()[-1])
    for name, found in (("minitf", package), ("minitf.kernels", kernels)):
        if directory.resolve() not in Path(found).resolve().parents:
            raise RuntimeError(f"the grading run imports {name} from {found}, not from the "
                               f"copy {directory}; the grade would be the reference's.")
    return package, None


def _first_line(text: str) -> str:
    line = next((s for s in (text or "").splitlines() if s.strip()), "")
    return line if len(line) <= _MESSAGE_CHARS else line[:_MESSAGE_CHARS - 1] + "…"


def _file_of(case: ET.Element) -> str:
    if case.get("file"):
        return case.get("file")
    # A collection error has no file attribute: its name is the test module's path.
    name = case.get("name") or case.get("classname", "")
    if name.endswith(".py"):
        return name
    return name.replace(".", "/") + ".py" if name else "?"


def read_junit(path: Path, score: ChapterScore) -> None:
    """Adds the results of a pytest JUnit XML report (``junit_family=xunit1``) to ``score``.

    Example:
        >>> from minitf.coursework.grading import read_junit
        >>> read_junit  # doctest: +ELLIPSIS
        <function read_junit at ...>
    """
    files: dict = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        file = _file_of(case)
        f = files.get(file) or files.setdefault(file, FileScore(file))
        bad = case.find("failure")
        if bad is None:
            bad = case.find("error")
        if bad is not None:
            f.failed += 1
            if f.first_failure is None:
                test = case.get("name") or file
                message = bad.get("message") or bad.text or ""
                f.first_failure = {"test": test, "message": _first_line(message)}
        elif case.find("skipped") is not None:
            f.skipped += 1
        else:
            f.passed += 1
    score.files = [files[k] for k in sorted(files)]
    score.passed = sum(f.passed for f in score.files)
    score.failed = sum(f.failed for f in score.files)
    score.skipped = sum(f.skipped for f in score.files)


def _run(cmd: list, directory: Path, env: dict, log: Path,
         timeout: Optional[float]) -> Optional[str]:
    """Runs pytest in its own process group; returns an error text on timeout."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=directory, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            # The whole group: pytest-xdist workers and processes the tests started.
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return f"timed out after {timeout:g} s"
    return None


def grade(directory: str | Path, chapters: Sequence[str] = NAMES,
          pytest_args: Sequence[str] = (), timeout: Optional[float] = None) -> Report:
    """Runs the spec tests of ``chapters`` in the copy at ``directory``.

    Args:
        directory: the student copy (made by ``make-assignment``).
        chapters: which chapters to grade (default: all).
        pytest_args: extra pytest arguments for every chapter's run (test paths, ``-k``,
            ``-n 2``...); paths narrow each chapter's selection.
        timeout: seconds allowed per chapter (default: no limit).

    Returns:
        A :class:`Report`.

    Raises:
        FileNotFoundError: if ``directory`` has no ``tests/`` folder.
        RuntimeError: if the tests would import minitf from somewhere else.

    Example:
        >>> from minitf.coursework.grading import grade
        >>> grade("/tmp/hw2", ["tensors"]).chapters[0].total  # doctest: +SKIP
        212
    """
    directory = Path(directory).resolve()
    if not (directory / "tests").is_dir():
        raise FileNotFoundError(f"{directory} has no tests/ folder: pass the folder that "
                                f"make-assignment wrote.")
    with tempfile.TemporaryDirectory(prefix="minitf-grade-") as tmp, \
            isolated_environment(directory) as env:
        tmp = Path(tmp)
        package, import_error = locate_minitf(directory, env)
        report = Report(str(directory), package, import_error=import_error)
        for name in chapters:
            score = ChapterScore(name, selection(name))
            xml, log = tmp / f"{name}.xml", tmp / f"{name}.log"
            cmd = [sys.executable, "-m", "pytest", "-q", "-m", score.selection,
                   "-o", "junit_family=xunit1", f"--junitxml={xml}",
                   "--continue-on-collection-errors", "-p", "no:cacheprovider",
                   *pytest_args]
            score.error = _run(cmd, directory, env, log, timeout)
            if xml.exists():
                read_junit(xml, score)
            elif score.error is None:
                tail = log.read_text(errors="replace").strip().splitlines()[-5:]
                score.error = "pytest wrote no report: " + " | ".join(tail)
            report.chapters.append(score)
    return report


def format_table(report: Report) -> str:
    """The score table ``grade`` prints, then the first failure of each test file.

    Example:
        >>> from minitf.coursework.grading import ChapterScore, Report, format_table
        >>> r = Report("/tmp/hw", "/tmp/hw/minitf/__init__.py",
        ...            [ChapterScore("data", "data", passed=3, failed=1)])
        >>> print(format_table(r).splitlines()[3])
        data              3 /     4        0
    """
    lines = [f"Grading {report.directory} (minitf from {report.minitf})", ""]
    if report.import_error:
        lines[1:1] = [f"import minitf fails in the copy: {report.import_error}"]
    lines.append(f"{'chapter':<12} {'passed':>6} / {'total':>5}  {'skipped':>7}")
    for c in report.chapters:
        note = f"  ({c.error})" if c.error else ""
        lines.append(f"{c.chapter:<12} {c.passed:>6} / {c.total:>5}  {c.skipped:>7}{note}")
    passed = sum(c.passed for c in report.chapters)
    total = sum(c.total for c in report.chapters)
    lines.append(f"{'all':<12} {passed:>6} / {total:>5}")
    for c in report.chapters:
        failing = [f for f in c.files if f.first_failure]
        if not failing:
            continue
        lines += ["", f"{c.chapter}: first failure per test file"]
        for f in failing:
            lines.append(f"  {f.file} ({f.passed}/{f.total} passed) "
                         f"{f.first_failure['test']}: {f.first_failure['message']}")
    return "\n".join(lines)

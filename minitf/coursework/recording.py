"""Recording which solution regions each test runs (for ``python -m minitf.coursework audit``).

The audit copies the repository with one extra statement at the top of every region,
which adds the region's tag (``"graphs:minitf/core/passes.py:73"``) to a set kept on
:mod:`builtins` (so it needs no import and survives module reloads). This file, saved
next to the grader's ``sitecustomize.py`` as ``minitf_coursework_recording.py``, is

* a pytest plugin (``-p minitf_coursework_recording``): it empties the set when a test
  starts and, when it ends, appends ``{"test", "marks", "hits"}`` to the JSON-lines file
  named by ``MINITF_COURSEWORK_HITS``;
* imported by ``sitecustomize`` in every process of the run, where it writes that
  process's hits at exit under the test that started it (``PYTEST_CURRENT_TEST``, which
  a child process inherits): a tutorial run in a subprocess is attributed to its test.

Standard library only: it runs in every process of the audit.

Example:
    >>> from minitf.coursework.recording import record_statement
    >>> line = record_statement("data:a.py:3", "    ")
    >>> line.startswith('    __import__("builtins")'), line.endswith(".add('data:a.py:3')")
    (True, True)
"""

from __future__ import annotations

import atexit
import builtins
import json
import os
from typing import Any

__all__ = ["HITS_VARIABLE", "record_statement", "hits"]

HITS_VARIABLE = "MINITF_COURSEWORK_HITS"
_ATTRIBUTE = "_minitf_coursework_hits"
_marks: dict = {}  # test id -> its markers, filled at collection


def record_statement(tag: str, indent: str) -> str:
    """The line inserted at the top of a region: adds ``tag`` to the hit set.

    Example:
        >>> from minitf.coursework.recording import record_statement
        >>> record_statement("x", "").startswith('__import__("builtins")')
        True
    """
    return (f'{indent}__import__("builtins").__dict__.setdefault("{_ATTRIBUTE}", set())'
            f'.add({tag!r})')


def hits() -> set:
    """This process's hit set (created on first use).

    Example:
        >>> from minitf.coursework.recording import hits
        >>> isinstance(hits(), set)
        True
    """
    return builtins.__dict__.setdefault(_ATTRIBUTE, set())


def _write(row: dict) -> None:
    path = os.environ.get(HITS_VARIABLE)
    if path:
        # One short line per write in append mode: lines of parallel workers do not mix.
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")


# -- as a pytest plugin --------------------------------------------------------------------
def pytest_collection_modifyitems(session: Any, config: Any, items: list) -> None:
    for item in items:
        _marks[item.nodeid] = sorted({m.name for m in item.iter_markers()})


def pytest_runtest_logstart(nodeid: str, location: Any) -> None:
    hits().clear()


def pytest_runtest_logfinish(nodeid: str, location: Any) -> None:
    # Only the process that ran the test: pytest-xdist's controller sees the same
    # calls, without the items (and without the hits).
    if nodeid in _marks:
        _write({"test": nodeid, "marks": _marks[nodeid], "hits": sorted(hits())})
    hits().clear()


# -- in any process a test started -----------------------------------------------------------
def _at_exit() -> None:
    current = os.environ.get("PYTEST_CURRENT_TEST")  # "tests/x.py::test_y (call)"
    if current and hits():
        _write({"test": current.rsplit(" (", 1)[0], "marks": None, "hits": sorted(hits())})


atexit.register(_at_exit)

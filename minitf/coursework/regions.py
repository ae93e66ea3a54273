"""Solution regions: the marked pieces of the reference that an assignment takes out.

A region is a run of whole statements between two comment lines::

    def _mul_vjp(g, x, y, *, out):
        # BEGIN SOLUTION autodiff: the VJP of mul; spec: tests/test_gradients.py
        return (g * y, g * x)
        # END SOLUTION

In a student copy the statements become one line at the marker's indentation,
``raise NotImplementedError("autodiff: the VJP of mul; spec: tests/test_gradients.py")``,
between the same two comments (so the student sees where to write, and ``list`` still
finds the region). The text after ``<chapter>:`` says what to implement and which tests
specify it. Everything outside the regions, the docstring and the signature included,
is copied unchanged.

Rules a region keeps (checked by :func:`check`): it belongs to a known chapter, names a
test file, holds at least one line, does not nest, and its file still compiles once the
region is replaced.

Example:
    >>> from minitf.coursework.regions import parse, strip
    >>> text = '''def f(x):
    ...     \"\"\"Twice x.\"\"\"
    ...     # BEGIN SOLUTION tensors: double x; spec: tests/test_f.py
    ...     return 2 * x
    ...     # END SOLUTION
    ... '''
    >>> [r.chapter for r in parse(text, "f.py")]
    ['tensors']
    >>> print(strip(text, "f.py", {"tensors"}))
    def f(x):
        \"\"\"Twice x.\"\"\"
        # BEGIN SOLUTION tensors: double x; spec: tests/test_f.py
        raise NotImplementedError("tensors: double x; spec: tests/test_f.py")
        # END SOLUTION
    <BLANKLINE>
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from minitf.coursework.chapters import NAMES

__all__ = ["Region", "RegionError", "parse", "strip", "raise_lines", "find_regions", "check",
           "SCANNED_SUFFIX", "NOT_SCANNED"]

# The marker words are split so that this file holds no marker itself.
_WORDS = "BEGIN " + "SOLUTION"
_BEGIN = re.compile(r"^(?P<indent>[ \t]*)# " + _WORDS + r" (?P<chapter>[A-Za-z_]\w*): "
                    r"(?P<message>\S.*?)\s*$")
_END = re.compile(r"^[ \t]*# END " + "SOLUTION" + r"\s*$")
# A line that mentions the marker words but is not a well-formed marker: a typo to report.
_LOOSE = re.compile(r"#\s*(BEGIN|END)\s+SOLUTION")

SCANNED_SUFFIX = ".py"
# Folders never scanned: the tests are the spec, and this package documents the markers.
NOT_SCANNED = ("tests/", "minitf/coursework/")


class RegionError(ValueError):
    """A malformed region: the message names the file, the line and the fix."""


@dataclass(frozen=True)
class Region:
    """One solution region.

    Attributes:
        path: the file, relative to the repository root (``/``-separated).
        chapter: the chapter it belongs to.
        message: what to implement and which tests specify it.
        begin: the 1-based line of the BEGIN comment.
        end: the 1-based line of the END comment.
        indent: the BEGIN comment's indentation (the raise gets the same).

    Example:
        >>> from minitf.coursework.regions import Region
        >>> r = Region("a.py", "graphs", "x; spec: tests/test_a.py", 3, 6, "    ")
        >>> r.error_text, r.size
        ('graphs: x; spec: tests/test_a.py', 2)
    """

    path: str
    chapter: str
    message: str
    begin: int
    end: int
    indent: str

    @property
    def error_text(self) -> str:
        """The ``NotImplementedError`` message: ``"<chapter>: <message>"``."""
        return f"{self.chapter}: {self.message}"

    @property
    def size(self) -> int:
        """How many lines the region holds (between its two comments)."""
        return self.end - self.begin - 1


def parse(text: str, path: str) -> list:
    """The regions of one file's text, in order.

    Raises:
        RegionError: for an unknown chapter, a missing test reference, an END without a
            BEGIN, a nested or unclosed region, an empty one, or a garbled marker.

    Example:
        >>> from minitf.coursework.regions import parse
        >>> parse("x = 1\\n", "a.py")
        []
    """
    regions: list = []
    open_: tuple | None = None  # (line number, match) of the BEGIN being read
    for number, line in enumerate(text.splitlines(), 1):
        begin, end = _BEGIN.match(line), _END.match(line)
        where = f"{path}:{number}"
        if begin:
            if open_ is not None:
                raise RegionError(f"{where}: a region begins inside the region of line "
                                  f"{open_[0]}; close that one first with '# END SOLUTION'.")
            if begin["chapter"] not in NAMES:
                raise RegionError(f"{where}: unknown chapter {begin['chapter']!r}; use one "
                                  f"of {', '.join(NAMES)}.")
            if "test_" not in begin["message"]:
                raise RegionError(f"{where}: the marker must name the tests that specify "
                                  f"the region (e.g. '...; spec: tests/test_x.py').")
            open_ = (number, begin)
        elif end:
            if open_ is None:
                raise RegionError(f"{where}: '# END SOLUTION' without a BEGIN above it.")
            first, m = open_
            if number == first + 1:
                raise RegionError(f"{where}: the region of line {first} is empty.")
            regions.append(Region(path, m["chapter"], m["message"], first, number,
                                  m["indent"]))
            open_ = None
        elif _LOOSE.search(line) and line.lstrip().startswith("#"):
            raise RegionError(f"{where}: malformed marker {line.strip()!r}; write "
                              f"'# {_WORDS} <chapter>: <what>; spec: <tests>' or "
                              f"'# END SOLUTION'.")
    if open_ is not None:
        raise RegionError(f"{path}:{open_[0]}: region never closed; add '# END SOLUTION'.")
    return regions


def raise_lines(region: Region) -> list:
    """The line(s) that replace a region: the raise, wrapped if it would pass 100 chars.

    Example:
        >>> from minitf.coursework.regions import Region, raise_lines
        >>> raise_lines(Region("a.py", "data", "y; spec: tests/test_d.py", 1, 3, "  "))
        ['  raise NotImplementedError("data: y; spec: tests/test_d.py")']
    """
    literal = '"' + region.error_text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    one = f"{region.indent}raise NotImplementedError({literal})"
    if len(one) <= 100:
        return [one]
    return [f"{region.indent}raise NotImplementedError(",
            f"{region.indent}    {literal})"]


def strip(text: str, path: str, chapters: Iterable[str]) -> str:
    """``text`` with the regions of ``chapters`` replaced by their raise.

    Example:
        >>> from minitf.coursework.regions import strip
        >>> strip("x = 1\\n", "a.py", {"tensors"})
        'x = 1\\n'
    """
    chapters = set(chapters)
    chosen = [r for r in parse(text, path) if r.chapter in chapters]
    if not chosen:
        return text
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    out: list = []
    cursor = 0  # index of the next line of `lines` to copy
    for r in chosen:
        out.extend(lines[cursor:r.begin])           # up to and including BEGIN
        out.extend(s + newline for s in raise_lines(r))
        cursor = r.end - 1                          # resume at the END comment
    out.extend(lines[cursor:])
    return "".join(out)


def find_regions(root: Path, files: Iterable[str]) -> list:
    """Every region in the scanned files among ``files`` (paths relative to ``root``).

    Scanned: Python files outside ``tests/`` and ``minitf/coursework/``.

    Example:
        >>> from pathlib import Path
        >>> from minitf.coursework.regions import find_regions
        >>> find_regions(Path("."), [])
        []
    """
    regions: list = []
    for rel in files:
        if is_scanned(rel):
            text = (root / rel).read_text(encoding="utf-8")
            if _WORDS in text:
                regions.extend(parse(text, rel))
    return regions


def is_scanned(rel: str) -> bool:
    """Whether regions are looked for in the file ``rel``.

    Example:
        >>> from minitf.coursework.regions import is_scanned
        >>> is_scanned("minitf/autodiff.py"), is_scanned("tests/test_x.py")
        (True, False)
    """
    return rel.endswith(SCANNED_SUFFIX) and not rel.startswith(NOT_SCANNED)


def check(root: Path, files: Iterable[str]) -> list:
    """Checks every region of the reference; returns the problems found (empty: fine).

    Beyond :func:`parse`'s rules, each file must still compile with all its regions
    replaced, so every region is made of whole statements at the marker's indentation.

    Example:
        >>> from pathlib import Path
        >>> from minitf.coursework.regions import check
        >>> check(Path("."), [])
        []
    """
    problems: list = []
    for rel in files:
        if not is_scanned(rel):
            continue
        text = (root / rel).read_text(encoding="utf-8")
        if _WORDS not in text and "END SOLUTION" not in text:
            continue
        try:
            regions = parse(text, rel)
        except RegionError as e:
            problems.append(str(e))
            continue
        if not regions:
            continue
        stripped = strip(text, rel, NAMES)
        try:
            compile(stripped, rel, "exec")
        except SyntaxError as e:
            problems.append(f"{rel}:{e.lineno}: with its regions replaced the file does not "
                            f"compile ({e.msg}); a region must hold whole statements, and its "
                            f"BEGIN comment must be indented like them.")
    return problems

"""``python -m minitf.coursework``: list the regions, make an assignment, grade a copy.

Commands::

    python -m minitf.coursework list [--root REPO] [--json]
    python -m minitf.coursework make-assignment CHAPTER... --out DIR [--root REPO]
    python -m minitf.coursework grade DIR [--chapters CHAPTER...] [--json]
                                      [--timeout SECONDS] [-- PYTEST_ARGS...]
    python -m minitf.coursework audit [--root REPO] [--timeout SECONDS] [-- PYTEST_ARGS...]

``REPO`` defaults to the checkout holding the running minitf. Arguments after ``--``
go to every pytest run (e.g. ``-- -n 2`` or a test file to narrow the run). ``audit``
runs the whole suite once to check the markers against the code each test runs
(:mod:`minitf.coursework.audit`).

Example:
    >>> from minitf.coursework.__main__ import main
    >>> main(["list"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional, Sequence

from minitf.coursework import assignment, audit, grading
from minitf.coursework import regions as _regions
from minitf.coursework.chapters import CHAPTERS, NAMES, selection

__all__ = ["main", "describe"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m minitf.coursework",
        description="Assignments generated from the minitf reference, graded by its tests.")
    sub = p.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("list", help="the chapters, their prerequisites and their regions")
    ls.add_argument("--root", type=Path, help="the repository (default: this minitf's)")
    ls.add_argument("--json", action="store_true", help="print JSON")
    mk = sub.add_parser("make-assignment", help="write a student copy")
    mk.add_argument("chapters", nargs="+", metavar="CHAPTER",
                    help=f"chapters to take out ({', '.join(NAMES)}, or all)")
    mk.add_argument("--out", type=Path, required=True, help="a new folder for the copy")
    mk.add_argument("--root", type=Path, help="the repository (default: this minitf's)")
    gr = sub.add_parser("grade", help="run each chapter's tests in a copy and score them")
    gr.add_argument("directory", type=Path, help="the student copy")
    gr.add_argument("--chapters", nargs="+", default=list(NAMES), metavar="CHAPTER",
                    help="chapters to grade, or all (default: all)")
    gr.add_argument("--json", action="store_true", help="print JSON")
    gr.add_argument("--timeout", type=float, default=None,
                    help="seconds allowed per chapter (default: no limit)")
    au = sub.add_parser("audit", help="check the chapter markers against the regions each "
                        "test runs (runs the whole suite once)")
    au.add_argument("--root", type=Path, help="the repository (default: this minitf's)")
    au.add_argument("--timeout", type=float, default=None, help="seconds allowed for the run")
    return p


def describe(root: Path) -> dict:
    """The chapters (order, prerequisites, test selection) and the regions of ``root``.

    Example:
        >>> from minitf.coursework.__main__ import describe
        >>> from minitf.coursework.assignment import repository_root
        >>> [c["name"] for c in describe(repository_root())["chapters"]][:3]
        ['tensors', 'autodiff', 'graphs']
    """
    found = _regions.find_regions(root, assignment.source_files(root))
    return {"root": str(root), "chapters": [
        {"name": c.name, "title": c.title, "after": list(c.after),
         "selection": selection(c.name),
         "regions": [{"file": r.path, "line": r.begin, "lines": r.size, "message": r.message}
                     for r in found if r.chapter == c.name]}
        for c in CHAPTERS]}


def _print_list(info: dict) -> None:
    print(f"Chapters of {info['root']} (each builds on the chapters after '<-'):")
    for i, c in enumerate(info["chapters"], 1):
        after = ", ".join(c["after"]) or "-"
        print(f"  {i} {c['name']:<12} <- {after:<16} {c['title']}")
    for c in info["chapters"]:
        n = len(c["regions"])
        print(f"\n{c['name']}: {n} region{'' if n == 1 else 's'}; graded by "
              f"pytest -m \"{c['selection']}\"")
        for r in c["regions"]:
            print(f"  {r['file']}:{r['line']}  {r['message']}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the command line; returns the exit status.

    ``grade`` returns 0 when every selected test passed, ``audit`` when it found nothing
    to fix; both return 1 otherwise. Errors in the arguments return 2.

    Example:
        >>> from minitf.coursework.__main__ import main
        >>> main(["make-assignment", "autodiff", "--out", "/tmp/hw2"])  # doctest: +SKIP
        0
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    # Everything after `--` is for pytest (argparse would take it for our options).
    pytest_args: list = []
    if "--" in argv:
        cut = argv.index("--")
        argv, pytest_args = argv[:cut], argv[cut + 1:]
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            root = (args.root or assignment.repository_root()).resolve()
            info = describe(root)
            if args.json:
                print(json.dumps(info, indent=1))
            else:
                _print_list(info)
            return 0
        if args.command == "make-assignment":
            root = (args.root or assignment.repository_root()).resolve()
            taken = assignment.make_assignment(root, args.chapters, args.out)
            print(f"Wrote {args.out} with {len(taken)} regions to implement:")
            for r in taken:
                print(f"  {r.path}:{r.begin}  {r.error_text}")
            return 0
        if args.command == "audit":
            report = audit.audit(args.root, pytest_args, args.timeout)
            print(audit.format_audit(report))
            return 0 if report.clean else 1
        names = assignment.resolve_chapters(args.chapters)
        report = grading.grade(args.directory, names, pytest_args, args.timeout)
        if args.json:
            print(json.dumps(report.as_dict(), indent=1))
        else:
            print(grading.format_table(report))
        ok = all(c.error is None and c.failed == 0 for c in report.chapters)
        return 0 if ok else 1
    except (ValueError, FileNotFoundError, RuntimeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

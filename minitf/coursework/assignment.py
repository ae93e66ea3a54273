"""Writing a student copy: the repository with the regions of some chapters taken out.

The copy holds the files git knows (tracked, plus new files not ignored, as on disk), or,
outside a git checkout, the tree minus virtual environments, caches and the built site.
Files with regions of the chosen chapters are rewritten (:func:`regions.strip`); every
other file is copied byte for byte.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> from minitf.coursework.assignment import make_assignment, repository_root
    >>> out = Path(tempfile.mkdtemp()) / "hw2"
    >>> taken = make_assignment(repository_root(), ["autodiff"], out)  # doctest: +SKIP
    >>> (out / "minitf" / "autodiff.py").exists()  # doctest: +SKIP
    True
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterable

from minitf.coursework import regions as _regions
from minitf.coursework.chapters import NAMES, chapter

__all__ = ["repository_root", "source_files", "make_assignment", "resolve_chapters"]

# Never copied when walking a tree that is not a git checkout.
_SKIP_DIRS = {".git", ".venv", "venv", "site", "__pycache__", ".hypothesis", ".pytest_cache",
              ".ruff_cache", "build", "dist", ".ipynb_checkpoints"}


def repository_root() -> Path:
    """The checkout holding the running ``minitf`` (the reference, for an instructor).

    Raises:
        FileNotFoundError: when minitf runs from an installed wheel, not a checkout.

    Example:
        >>> from minitf.coursework.assignment import repository_root
        >>> (repository_root() / "pyproject.toml").exists()
        True
    """
    import minitf
    root = Path(minitf.__file__).resolve().parent.parent
    if not (root / "pyproject.toml").exists() or not (root / "tests").is_dir():
        raise FileNotFoundError(
            f"minitf at {root} is not a source checkout (no pyproject.toml and tests/ next "
            f"to it); pass --root with the path of the minitf repository.")
    return root


def source_files(root: Path) -> list:
    """The repository's files, relative to ``root``, ``/``-separated and sorted.

    In a git checkout: tracked files and new files git does not ignore, as they are on
    disk (deleted files are left out). Otherwise: every file outside ``.git``, virtual
    environments, caches, ``site`` and build output.

    Example:
        >>> from minitf.coursework.assignment import repository_root, source_files
        >>> "minitf/autodiff.py" in source_files(repository_root())
        True
    """
    root = Path(root)
    if (root / ".git").exists():
        try:
            listed = subprocess.run(
                ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others",
                 "--exclude-standard"], check=True, capture_output=True).stdout
        except (OSError, subprocess.CalledProcessError):
            listed = None
        if listed is not None:
            names = {n for n in listed.decode("utf-8").split("\0") if n}
            return sorted(n for n in names if (root / n).is_file() or (root / n).is_symlink())
    out = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.endswith(".egg-info"))
        for name in files:
            out.append((Path(folder) / name).relative_to(root).as_posix())
    return sorted(out)


def resolve_chapters(names: Iterable[str]) -> list:
    """Chapter names checked and in teaching order; ``all`` means every chapter.

    Raises:
        ValueError: for an unknown name.

    Example:
        >>> from minitf.coursework.assignment import resolve_chapters
        >>> resolve_chapters(["graphs", "tensors"])
        ['tensors', 'graphs']
    """
    wanted = set()
    for name in names:
        if name == "all":
            wanted.update(NAMES)
        else:
            wanted.add(chapter(name).name)
    return [n for n in NAMES if n in wanted]


def make_assignment(root: Path, chapters: Iterable[str], out: Path) -> list:
    """Writes the student copy of ``root`` to ``out``, taking out ``chapters``' regions.

    Args:
        root: the reference repository.
        chapters: chapter names (or ``all``).
        out: a folder that does not exist yet, or is empty, outside ``root``.

    Returns:
        The regions taken out, in file order.

    Raises:
        ValueError: for an unknown chapter, a chapter without regions, or an ``out``
            folder inside the repository or not empty.
        RegionError: if a marker in the reference is malformed.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from minitf.coursework.assignment import make_assignment, repository_root
        >>> out = Path(tempfile.mkdtemp()) / "copy"
        >>> taken = make_assignment(repository_root(), ["tensors"], out)  # doctest: +SKIP
        >>> {r.chapter for r in taken}  # doctest: +SKIP
        {'tensors'}
    """
    root, out = Path(root).resolve(), Path(out).resolve()
    chosen = resolve_chapters(chapters)
    if not chosen:
        raise ValueError("name at least one chapter (or 'all').")
    if out == root or root in out.parents:
        raise ValueError(f"--out {out} is inside the repository {root}; write the copy "
                         f"elsewhere (a later copy would include this one).")
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"--out {out} exists and is not empty; choose a new folder.")
    files = source_files(root)
    problems = _regions.check(root, files)
    if problems:
        raise _regions.RegionError("the reference has malformed regions:\n  "
                                   + "\n  ".join(problems))
    taken = [r for r in _regions.find_regions(root, files) if r.chapter in chosen]
    empty = [c for c in chosen if not any(r.chapter == c for r in taken)]
    if empty:
        raise ValueError(f"chapter(s) {', '.join(empty)} have no regions in {root}.")
    rewritten = {r.path for r in taken}
    for rel in files:
        src, dst = root / rel, out / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if rel in rewritten:
            text = src.read_bytes().decode("utf-8")
            # newline="" keeps the file's own line endings (strip preserves them).
            with open(dst, "w", encoding="utf-8", newline="") as f:
                f.write(_regions.strip(text, rel, chosen))
            shutil.copymode(src, dst)
        else:
            shutil.copy2(src, dst, follow_symlinks=False)
    return taken

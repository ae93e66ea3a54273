"""Writing a SavedModel directory all at once: a crash leaves the old one or the new one.

A SavedModel is several files (the JSON description, the variables checkpoint, the
constants), and they must come from the same save. Renaming one file is atomic;
writing several is not. So a save builds the complete new directory under a temporary
name next to the destination (every file fsync'ed), then swaps it in:

1. ``.NAME.saving-XXXX`` is filled and made durable;
2. if ``NAME`` exists, it is renamed to ``.NAME.previous``;
3. ``.NAME.saving-XXXX`` is renamed to ``NAME`` (the commit);
4. ``.NAME.previous`` is deleted.

A process killed before step 3 leaves ``NAME`` untouched — or, in the instant between
steps 2 and 3, absent with the complete old copy in ``.NAME.previous``;
:func:`resolve` then reads that copy, and the next save finishes the job. Files in an
existing ``NAME`` that the save does not write itself are carried into the new
directory, so saving over a directory never loses foreign files.

One process writes a given directory at a time (as with any file).

Example:
    >>> import os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "model")
    >>> commit(target, lambda d: open(os.path.join(d, "a.txt"), "w").close())
    >>> os.listdir(target)
    ['a.txt']
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import tempfile
from typing import Callable

from minitf.train.atomic import _fsync_dir

__all__ = ["commit", "resolve"]
logger = logging.getLogger("minitf")


def _siblings(export_dir: str) -> tuple[str, str]:
    path = os.path.abspath(export_dir)
    parent, name = os.path.dirname(path), os.path.basename(path)
    return parent, name


def _previous(export_dir: str) -> str:
    parent, name = _siblings(export_dir)
    return os.path.join(parent, f".{name}.previous")


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)  # same file system: no bytes copied
    except OSError:
        shutil.copy2(src, dst)


def _carry_over(old: str, new: str) -> None:
    """Puts the entries of ``old`` that ``new`` lacks into ``new``."""
    for entry in os.listdir(old):
        src, dst = os.path.join(old, entry), os.path.join(new, entry)
        if os.path.lexists(dst):
            continue
        if os.path.isdir(src) and not os.path.islink(src):
            shutil.copytree(src, dst, copy_function=_link_or_copy, symlinks=True)
        elif os.path.islink(src):
            os.symlink(os.readlink(src), dst)
        else:
            _link_or_copy(src, dst)


def commit(export_dir: str, fill: Callable[[str], None]) -> None:
    """Builds a directory with ``fill(temporary_dir)``, then makes it ``export_dir``.

    Args:
        export_dir: the destination (created, or replaced as a whole).
        fill: writes the new contents into the directory it is given.
    """
    parent, name = _siblings(export_dir)
    os.makedirs(parent, exist_ok=True)
    if os.path.exists(export_dir) and not os.path.isdir(export_dir):
        raise FileExistsError(f"Cannot save a SavedModel to {export_dir}: it is a file, and "
                              f"a SavedModel is a directory. Choose another path.")
    # Leftovers of saves killed earlier (this process is the only writer).
    for stale in glob.glob(os.path.join(glob.escape(parent), f".{glob.escape(name)}.saving-*")):
        shutil.rmtree(stale, ignore_errors=True)
    staging = tempfile.mkdtemp(dir=parent, prefix=f".{name}.saving-")
    previous = _previous(export_dir)
    try:
        fill(staging)
        if os.path.isdir(export_dir):
            _carry_over(export_dir, staging)
        _fsync_dir(staging)
        if os.path.isdir(export_dir):
            if os.path.exists(previous):  # a complete older copy: export_dir is newer
                shutil.rmtree(previous)
            os.rename(export_dir, previous)
        os.rename(staging, export_dir)  # the commit
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _fsync_dir(parent)
    if os.path.exists(previous):
        shutil.rmtree(previous, ignore_errors=True)


def resolve(export_dir: str, marker: str) -> str:
    """The directory to read for ``export_dir``: itself, or the old copy a save killed
    mid-swap left in ``.NAME.previous`` (see the module docstring).

    Args:
        export_dir: the SavedModel path.
        marker: the file a complete SavedModel directory holds.

    Example:
        >>> import os, tempfile
        >>> d = tempfile.mkdtemp()
        >>> resolve(d, "saved_model.json") == d
        True
    """
    if os.path.exists(os.path.join(export_dir, marker)) or os.path.exists(export_dir):
        return export_dir
    previous = _previous(export_dir)
    if os.path.exists(os.path.join(previous, marker)):
        logger.warning("A save to %s was interrupted; reading the previous SavedModel from "
                       "%s (the next save replaces it).", export_dir, previous)
        return previous
    return export_dir

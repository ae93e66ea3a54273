"""Making every Python process of a grading run import the student copy's minitf.

``PYTHONPATH=DIR`` alone is not enough when the reference minitf is installed in
editable mode: its import hook maps ``minitf.kernels`` to the reference's ``kernels/``
folder (the copy has no ``minitf/kernels``), so the student's kernels would never run.
The grader therefore also puts a folder holding this file, saved as
``sitecustomize.py``, on ``PYTHONPATH``. Python imports ``sitecustomize`` at start-up,
after the installed packages' hooks, in the pytest process, in pytest-xdist workers and
in any subprocess a test starts (they inherit the environment); :func:`install` then
maps ``minitf`` and ``minitf.kernels`` to the copy named by ``MINITF_COURSEWORK_ROOT`` and
drops minitf's editable-install hook.

This file imports only the standard library: it runs before anything else.

Example:
    >>> from minitf.coursework.isolation import CopyFinder
    >>> CopyFinder("/tmp/hw").find_spec("numpy") is None
    True
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys
from typing import Any, Optional

__all__ = ["CopyFinder", "install", "ROOT_VARIABLE"]

ROOT_VARIABLE = "MINITF_COURSEWORK_ROOT"


class CopyFinder(importlib.abc.MetaPathFinder):
    """Finds ``minitf`` in ``root/minitf`` and ``minitf.kernels`` in ``root/kernels``.

    Submodules are then found through the packages' ``__path__`` as usual.

    Example:
        >>> from minitf.coursework.isolation import CopyFinder
        >>> CopyFinder("/tmp/hw").packages["minitf.kernels"]
        '/tmp/hw/kernels'
    """

    def __init__(self, root: str) -> None:
        self.packages = {"minitf": os.path.join(root, "minitf"),
                         "minitf.kernels": os.path.join(root, "kernels")}

    def find_spec(self, fullname: str, path: Any = None, target: Any = None
                  ) -> Optional[importlib.machinery.ModuleSpec]:
        folder = self.packages.get(fullname)
        if folder is None:
            return None
        return importlib.util.spec_from_file_location(
            fullname, os.path.join(folder, "__init__.py"), submodule_search_locations=[folder])


def install(root: str) -> None:
    """Puts a :class:`CopyFinder` for ``root`` first and removes minitf's editable hook.

    Example:
        >>> import sys
        >>> from minitf.coursework.isolation import CopyFinder, install
        >>> before = list(sys.meta_path)
        >>> install("/tmp/hw")  # doctest: +SKIP
    """
    sys.meta_path[:] = [f for f in sys.meta_path
                        if not getattr(f, "__module__", "").startswith("__editable___minitf")]
    sys.meta_path.insert(0, CopyFinder(root))


# Run as sitecustomize: isolate this process (and, through the environment, its children).
if __name__ == "sitecustomize" and os.environ.get(ROOT_VARIABLE):
    install(os.environ[ROOT_VARIABLE])
    if os.environ.get("MINITF_COURSEWORK_HITS"):  # an audit: record this process's hits
        import minitf_coursework_recording  # noqa: F401 - saved next to this file

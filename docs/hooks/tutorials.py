"""mkdocs hook: put ``tutorials/*.py`` on the site, executed, with their plots.

The tutorials live at the top of the repository (``python tutorials/NN_name.py`` runs
one), not under ``docs/``. This hook adds them to the site's files so the nav can list
``tutorials/NN_name.py``; mkdocs-jupyter then reads each one with jupytext, runs it in
an IPython kernel and renders the cells with their outputs.

The tutorials are plain scripts, so they select matplotlib's non-interactive ``Agg``
backend (the seed guide does, in its first cell). In a kernel that would hide every
figure: the notebook backend is the one that shows figures after a cell. So the kernels
of the docs build get a tiny IPython profile whose startup file shows (as PNG) and closes
every open figure after each cell, whatever the backend — exactly what a notebook does.
"""

from __future__ import annotations

import logging
import os
import posixpath
import re
import tempfile
from pathlib import Path
from typing import Any

import mkdocs.plugins
from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.hooks.tutorials")

# Runs inside each kernel, after every cell: what the notebook backend would show.
_SHOW_FIGURES = '''\
import sys
from IPython import get_ipython
from IPython.core.pylabtools import select_figure_formats
from IPython.display import display

select_figure_formats(get_ipython(), {"png"})


def _minitf_docs_show_figures():
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return
    for number in plt.get_fignums():
        display(plt.figure(number))
    plt.close("all")


get_ipython().events.register("post_execute", _minitf_docs_show_figures)
'''


def on_config(config: Any) -> Any:
    """Give the build's kernels the figure-showing profile, the Agg backend, quiet logs."""
    profile = Path(tempfile.mkdtemp(prefix="minitf-docs-ipython-")) / "profile_default"
    (profile / "startup").mkdir(parents=True)
    (profile / "startup" / "00-show-figures.py").write_text(_SHOW_FIGURES)
    # The kernel's own start-up chatter (e.g. its note on local TCP sockets) is not ours.
    (profile / "ipython_kernel_config.py").write_text('c.IPKernelApp.log_level = "ERROR"\n')
    os.environ["IPYTHONDIR"] = str(profile.parent)
    os.environ["MPLBACKEND"] = "Agg"
    return config


@mkdocs.plugins.event_priority(100)  # before mkdocs-jupyter looks at the files
def on_files(files: Files, config: Any) -> Files:
    """Add every ``tutorials/*.py`` script as the page ``tutorials/<name>/``."""
    root = Path(config.config_file_path).parent
    for script in sorted((root / "tutorials").glob("*.py")):
        files.append(File(f"tutorials/{script.name}", str(root), config.site_dir,
                          config.use_directory_urls))
    return files


# href="..." in a rendered tutorial; group 1 is the address.
_HREF = re.compile(r'href="([^"#:]+\.(?:py|md))(#[^"]*)?"')


def on_page_content(html: str, page: Any, config: Any, files: Files) -> str:
    """Point a tutorial's links to other tutorials and pages at their pages on the site.

    A tutorial links the way its source file sees the repository (``02_tensors.py``,
    ``../docs/concepts/ir.md``), so the links also work when reading the scripts on disk.
    mkdocs rewrites such links in Markdown pages, but a notebook page is HTML already;
    this does the same for it, and a link to nothing is an error (the build is strict).
    """
    if not page.file.src_uri.startswith("tutorials/") or not page.file.src_uri.endswith(".py"):
        return html

    def rewrite(match: re.Match) -> str:
        target = posixpath.normpath(posixpath.join("tutorials", match.group(1)))
        target = target.removeprefix("docs/")
        found = files.get_file_from_path(target)
        if found is None:
            log.warning("%s links to %s, which is not on the site", page.file.src_uri,
                        match.group(1))
            return match.group(0)
        return f'href="{found.url_relative_to(page.file)}{match.group(2) or ""}"'

    return _HREF.sub(rewrite, html)

"""Griffe extension: render minitf's ``Example:`` docstring sections as examples.

minitf's docstrings (Google style) put their doctests under ``Example:``. Griffe knows
the plural, ``Examples:``, whose ``>>>`` blocks it renders as highlighted code; the
singular would be read as Markdown prose, where ``x["a"](b)`` looks like a link. This
extension renames the heading before the docstring is parsed. The source is untouched.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_EXAMPLE_HEADING = re.compile(r"(?m)^(\s*)Example:[ \t]*$")


class ExampleSections(griffe.Extension):
    """Renames ``Example:`` section headings to ``Examples:`` in every docstring."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Called for every object griffe loads, before its docstring is parsed."""
        if obj.docstring is not None:
            obj.docstring.value = _EXAMPLE_HEADING.sub(r"\1Examples:", obj.docstring.value)

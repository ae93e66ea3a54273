"""``tf.name_scope``: prefixes for the names of variables created inside it.

Example:
    >>> import minitf as tf
    >>> with tf.name_scope("dense"):
    ...     v = tf.Variable(1.0, name="kernel")
    >>> v.name
    'dense/kernel:0'
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

__all__ = ["name_scope", "current_name_scope"]

_scope: ContextVar[str] = ContextVar("minitf_name_scope", default="")


def current_name_scope() -> str:
    """The active prefix, ending in '/' (empty at top level)."""
    return _scope.get()


class name_scope:
    """A context manager that adds ``name/`` to the names of variables made inside.

    Args:
        name: the scope name. A name ending in '/' replaces the whole prefix.

    Example:
        >>> import minitf as tf
        >>> with tf.name_scope("outer") as scope:
        ...     scope
        'outer/'
    """

    def __init__(self, name: str) -> None:
        if name and not isinstance(name, str):
            raise TypeError(f"name_scope expects a string name, got {name!r}")
        self._name = name or ""

    @property
    def name(self) -> str:
        """The scope's own name."""
        return self._name

    def __enter__(self) -> str:
        if self._name.endswith("/"):
            full = self._name
        elif self._name:
            full = _scope.get() + self._name + "/"
        else:
            full = ""
        self._token = _scope.set(full)
        return full

    def __exit__(self, *exc: Any) -> None:
        _scope.reset(self._token)

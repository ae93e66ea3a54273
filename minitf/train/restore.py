"""Restoring a checkpoint into live objects, now or when they appear.

``Checkpoint.restore`` hands the saved values to :class:`CheckpointLoadStatus`, which
walks the live object graph along the saved paths (``net/l1/kernel``) and assigns each
value it reaches. A value whose object does not exist yet — a Keras layer that builds its
weights on first call, an optimizer slot, a list filled later — *waits*: it is kept
under its parent object, and :func:`notify_attribute` assigns it the moment something is
attached at that name (``tf.Module.__setattr__``, an optimizer's new slot, a
:class:`ListWrapper`'s ``append``). This is TensorFlow's *deferred restoration*.

Example:
    >>> import os, tempfile
    >>> import minitf as tf
    >>> path = tf.train.Checkpoint(v=tf.Variable(2.0)).write(
    ...     os.path.join(tempfile.mkdtemp(), "c"))
    >>> later = tf.train.Checkpoint()
    >>> status = later.restore(path)  # nothing to restore into yet
    >>> later.v = tf.Variable(0.0)    # attached: the waiting value is assigned
    >>> float(later.v)
    2.0
"""

from __future__ import annotations

import weakref
from typing import Any, Optional

import numpy as np

from minitf.tensor import _wrap_host
from minitf.train.object_graph import VALUE_SUFFIX, children, variable_keys
from minitf.variables import Variable

__all__ = ["CheckpointLoadStatus", "InitializationOnlyStatus", "ListWrapper",
           "notify_attribute"]


def _assign_restored(var: Variable, value: np.ndarray, key: str) -> None:
    if tuple(value.shape) != tuple(var._shape) or value.dtype != var.dtype.np:
        raise ValueError(
            f"Checkpoint value {key!r} has shape {tuple(value.shape)} and dtype {value.dtype}, "
            f"but the variable it restores ({var.name}) has shape {tuple(var._shape)} and dtype "
            f"{var.dtype.name}. The object being restored differs from the one saved.")
    # The freshly loaded array belongs to nobody else: wrap it without another copy.
    var.assign(_wrap_host(value))


# ---------------------------------------------------------------------------------------
# Deferred restoration: values waiting for objects that do not exist yet.
# ---------------------------------------------------------------------------------------
# id(parent object) -> (weakref to parent or None, {child name: saved subtree}, status)
_PENDING: dict = {}


def _tree(values: dict, aliases: Optional[dict] = None) -> dict:
    """Nests ``a/b/.ATTRIBUTES/VARIABLE_VALUE`` keys into ``{"a": {"b": (key, value)}}``.

    An alias path gets a leaf too, naming the saved key it stands for.
    """
    root: dict = {}
    leaves = [(key, (key, value)) for key, value in values.items()]
    leaves += [(alias, (key, values[key])) for alias, key in (aliases or {}).items()]
    for key, leaf in leaves:
        if not key.endswith("/" + VALUE_SUFFIX):
            continue
        parts = key[: -len(VALUE_SUFFIX) - 1].split("/")
        node = root
        for p in parts[:-1]:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                break
        else:
            node.setdefault(parts[-1], leaf)
    return root


def notify_attribute(parent: Any, name: str, value: Any) -> None:
    """Called when ``parent.name = value`` is set: restores a waiting value into it.

    ``tf.Module`` calls this from ``__setattr__`` (cheap: one dict lookup when nothing
    waits), so a layer that creates its weights after ``restore`` still receives them.
    For a list, ``name`` is the new element's index as a string (Keras optimizers call
    it when they append a slot variable).
    """
    entry = _PENDING.get(id(parent))
    if entry is None:
        return
    ref, waiting, status = entry
    if ref is not None and ref() is not parent:
        _PENDING.pop(id(parent), None)
        return
    node = waiting.pop(name, None)
    if not waiting:
        _PENDING.pop(id(parent), None)
    if node is not None:
        status._match(node, value)


class ListWrapper(list):
    """A list assigned to a ``Checkpoint`` attribute: a value waiting in a restored
    checkpoint for one of its positions is restored when an object is put there.

    Example:
        >>> import os, tempfile
        >>> import minitf as tf
        >>> path = tf.train.Checkpoint(listed=[tf.Variable(1.0)]).write(
        ...     os.path.join(tempfile.mkdtemp(), "c"))
        >>> restore = tf.train.Checkpoint()
        >>> _ = restore.restore(path)
        >>> restore.listed = []
        >>> restore.listed
        ListWrapper([])
        >>> v = tf.Variable(0.0)
        >>> restore.listed.append(v)
        >>> float(v)
        1.0
    """

    def append(self, value: Any) -> None:
        super().append(value)
        notify_attribute(self, str(len(self) - 1), value)

    def extend(self, values: Any) -> None:
        for value in values:
            self.append(value)

    def __setitem__(self, index: Any, value: Any) -> None:
        super().__setitem__(index, value)
        if isinstance(index, int):
            notify_attribute(self, str(index % len(self)), value)

    def __repr__(self) -> str:
        return f"ListWrapper({list.__repr__(self)})"


class CheckpointLoadStatus:
    """What ``Checkpoint.restore`` returns: which values found their objects.

    Example:
        >>> import os, tempfile
        >>> import minitf as tf
        >>> path = tf.train.Checkpoint(v=tf.Variable(1.0)).write(
        ...     os.path.join(tempfile.mkdtemp(), "c"))
        >>> status = tf.train.Checkpoint(v=tf.Variable(0.0)).restore(path)
        >>> status.assert_consumed() is status
        True
    """

    def __init__(self, root: Any, values: dict, path: str,
                 aliases: Optional[dict] = None) -> None:
        self._root = root
        self._path = path
        self._unused = set(values)
        # The live variables still waiting for a value, by identity (a value may arrive
        # through another path than the variable's own key: an alias).
        self._live_ids = {id(v) for v in variable_keys(root).values()}
        self._matched = 0
        self._expect_partial = False
        self._match(_tree(values, aliases), root)

    def _match(self, node: Any, obj: Any) -> None:
        if isinstance(node, tuple):  # a leaf: (key, value)
            key, value = node
            if isinstance(obj, Variable):
                target = getattr(obj, "_parent", obj)
                _assign_restored(target, value, key)
                self._unused.discard(key)
                self._live_ids.discard(id(target))
                self._matched += 1
            return
        live = children(obj)
        waiting = {}
        for name, sub in node.items():
            if name in live:
                self._match(sub, live[name])
            else:
                waiting[name] = sub
        if waiting and not isinstance(obj, tuple):
            # Objects are held weakly; lists and dicts (no weakrefs) strongly, which keeps
            # their id from being reused while values wait for them.
            try:
                ref: Any = weakref.ref(obj)
            except TypeError:
                ref = (lambda held: lambda: held)(obj)
            entry = _PENDING.get(id(obj))
            if entry is not None:
                entry[1].update(waiting)
            else:
                _PENDING[id(obj)] = (ref, waiting, self)

    def _missing(self) -> list:
        # Live variables (existing when restore ran, still under the root) with no value.
        return sorted(k for k, v in variable_keys(self._root).items()
                      if id(v) in self._live_ids)

    def assert_consumed(self) -> "CheckpointLoadStatus":
        """Every saved value was restored, and every live variable had a saved value.

        Raises:
            AssertionError: naming the keys left over on either side.
        """
        missing = self._missing()
        if self._unused or missing:
            raise AssertionError(
                f"Checkpoint {self._path} was not fully consumed. Values with no object to "
                f"restore into: {sorted(self._unused)}. Live variables missing from the "
                f"checkpoint: {missing}. If that is expected, use "
                f"assert_existing_objects_matched() or expect_partial().")
        return self

    def assert_existing_objects_matched(self) -> "CheckpointLoadStatus":
        """Every live variable under the root received a value (extra saved values are OK).

        Raises:
            AssertionError: naming the live variables with no saved value.
        """
        missing = self._missing()
        if missing:
            raise AssertionError(f"Live variables have no value in checkpoint {self._path}: "
                                 f"{missing}")
        return self

    def assert_nontrivial_match(self) -> "CheckpointLoadStatus":
        """At least one value was restored.

        Raises:
            AssertionError: if nothing matched.
        """
        if self._matched == 0:
            raise AssertionError(f"Nothing in checkpoint {self._path} matched the objects "
                                 f"being restored: check the names passed to Checkpoint().")
        return self

    def expect_partial(self) -> "CheckpointLoadStatus":
        """Declares that unused values are expected (silences the warning)."""
        self._expect_partial = True
        return self

    def run_restore_ops(self, session: Any = None) -> None:
        """No-op (values are restored eagerly), kept for TF compatibility."""

    def initialize_or_restore(self, session: Any = None) -> None:
        """No-op (values are restored eagerly), kept for TF compatibility."""


class InitializationOnlyStatus(CheckpointLoadStatus):
    """What ``restore(None)`` returns: nothing was restored."""

    def __init__(self, root: Any) -> None:  # noqa: D107
        self._root = root
        self._path = None
        self._unused = set()
        self._live_ids = set()
        self._matched = 0
        self._expect_partial = True

    def assert_consumed(self) -> "CheckpointLoadStatus":
        raise AssertionError("No checkpoint specified (save_path=None); nothing is being "
                             "restored.")

    assert_existing_objects_matched = assert_consumed
    assert_nontrivial_match = assert_consumed

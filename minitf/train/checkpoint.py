"""``tf.train.Checkpoint``: save and restore variables by their place in an object graph.

A checkpoint ``prefix`` is two files, named as TensorFlow names them:

* ``prefix.data-00000-of-00001`` — an ``.npz`` of the variable values;
* ``prefix.index`` — JSON: the format version, one entry per checkpoint key (dtype,
  shape, array name) and an id shared with the data file.

The data file is written first and the index last (each atomically), and ``save``
updates the directory's ``checkpoint`` state file after both. A crash at any point
leaves the previous checkpoint restorable; an index paired with a data file from another
save is detected by the shared id and refused, so a restore never mixes two saves.

Restoring walks the live objects along the saved paths. Values whose objects do not
exist yet (a Keras layer built later) wait, and are assigned the moment the object is
attached (*deferred restoration*).

Example:
    >>> import os, tempfile
    >>> import minitf as tf
    >>> v = tf.Variable(1.0)
    >>> ckpt = tf.train.Checkpoint(v=v)
    >>> path = ckpt.save(os.path.join(tempfile.mkdtemp(), "ckpt"))
    >>> _ = v.assign(5.0)
    >>> _ = ckpt.restore(path)
    >>> float(v)
    1.0
"""

from __future__ import annotations

import logging
import os
import uuid
import weakref
from typing import Any, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf import errors
from minitf.tensor import _wrap_host, host_array
from minitf.train import atomic
from minitf.train.object_graph import (VALUE_SUFFIX, alias_keys, children, is_trackable,
                                       variable_keys)
from minitf.variables import Variable

__all__ = ["Checkpoint", "CheckpointLoadStatus", "FORMAT"]

FORMAT = "minitf-checkpoint"
VERSION = 1
logger = logging.getLogger("minitf")


def data_path(prefix: str) -> str:
    """The data file of a checkpoint prefix."""
    return prefix + ".data-00000-of-00001"


def index_path(prefix: str) -> str:
    """The index file of a checkpoint prefix."""
    return prefix + ".index"


def write_checkpoint(prefix: str, root: Any) -> str:
    """Writes every variable under ``root`` to ``prefix``; returns ``prefix``."""
    keys = variable_keys(root)
    token = uuid.uuid4().hex
    arrays: dict = {"__checkpoint_id__": np.frombuffer(token.encode(), dtype=np.uint8)}
    entries: dict = {}
    for i, (key, var) in enumerate(keys.items()):
        name = f"a{i}"
        arrays[name] = host_array(var._tensor)
        entries[key] = {"array": name, "dtype": var.dtype.name, "shape": list(var._shape)}
    atomic.save_arrays(data_path(prefix), arrays)
    atomic.atomic_write_json(index_path(prefix), {
        "format": FORMAT, "version": VERSION, "checkpoint_id": token,
        "data_file": os.path.basename(data_path(prefix)), "variables": entries,
        "aliases": alias_keys(root, keys)})
    return prefix


def read_checkpoint(prefix: str) -> dict:
    """``checkpoint key -> ndarray`` for a checkpoint, after validating both files.

    Raises:
        NotFoundError: if the checkpoint does not exist.
        DataLossError: if either file is damaged or they come from different saves.
    """
    return read_checkpoint_and_aliases(prefix)[0]


def read_checkpoint_and_aliases(prefix: str) -> tuple:
    """``(values, aliases)``: :func:`read_checkpoint`'s values, and the further paths of
    shared variables (``alias key -> saved key``, see ``object_graph.alias_keys``)."""
    if os.path.isdir(prefix):
        raise errors.NotFoundError(
            None, None, f"{prefix} is a directory, not a checkpoint prefix. Pass the path "
            f"save() returned, or tf.train.latest_checkpoint({prefix!r}).")
    index = atomic.read_json(index_path(prefix), "Checkpoint index")
    if not isinstance(index, dict) or index.get("format") != FORMAT:
        raise errors.DataLossError(None, None, f"{index_path(prefix)} is not a minitf "
                                   f"checkpoint index (format field missing or wrong).")
    if index.get("version", 0) > VERSION:
        raise errors.UnimplementedError(
            None, None, f"Checkpoint {prefix} has format version {index['version']}; this "
            f"minitf reads up to {VERSION}. Upgrade minitf.")
    arrays = atomic.load_arrays(data_path(prefix), "Checkpoint data")
    token = bytes(arrays.pop("__checkpoint_id__", np.zeros(0, np.uint8))).decode(
        "ascii", "replace")
    if token != index.get("checkpoint_id"):
        raise errors.DataLossError(
            None, None, f"Checkpoint {prefix}: the index and the data file come from different "
            f"saves (a save was interrupted while overwriting this prefix). Restore an "
            f"earlier checkpoint, e.g. tf.train.latest_checkpoint(directory).")
    values = {}
    for key, entry in index.get("variables", {}).items():
        try:
            arr = arrays[entry["array"]]
            dtype = _dtypes.as_dtype(entry["dtype"])
        except (KeyError, TypeError) as e:
            raise errors.DataLossError(None, None, f"Checkpoint {prefix}: entry {key!r} is "
                                       f"damaged ({e}).") from None
        if list(arr.shape) != list(entry["shape"]):
            raise errors.DataLossError(None, None, f"Checkpoint {prefix}: {key!r} has shape "
                                       f"{arr.shape} in the data but {entry['shape']} in the "
                                       f"index.")
        if dtype is _dtypes.string:
            arr = arr.astype(object)
        values[key] = arr.astype(dtype.np, copy=False)
    aliases = index.get("aliases", {})
    if not isinstance(aliases, dict):
        raise errors.DataLossError(None, None, f"Checkpoint {prefix}: its 'aliases' entry is "
                                   f"damaged (not a mapping).")
    return values, {str(k): str(v) for k, v in aliases.items() if v in values}


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


class Checkpoint:
    """Groups trackable objects (variables, modules, models, optimizers) for saving.

    Args:
        root: an optional root object whose children are saved at the top level.
        **kwargs: named objects to save (``model=m, optimizer=opt``).

    Example:
        >>> import os, tempfile
        >>> import minitf as tf
        >>> ckpt = tf.train.Checkpoint(step=tf.Variable(1))
        >>> prefix = os.path.join(tempfile.mkdtemp(), "ckpt")
        >>> os.path.basename(ckpt.save(prefix))
        'ckpt-1'
    """

    def __init__(self, root: Any = None, **kwargs: Any) -> None:
        for name, value in kwargs.items():
            if not is_trackable(value):
                raise ValueError(
                    f"`Checkpoint` was expecting a trackable object (a tf.Variable, tf.Module, "
                    f"Keras model, optimizer, or a list/dict of them) for {name!r}, got "
                    f"{value!r}. Wrap plain values in tf.Variable to checkpoint them.")
        object.__setattr__(self, "_root", root)
        object.__setattr__(self, "_objects", dict(kwargs))
        object.__setattr__(self, "_save_counter", None)

    def _checkpoint_children(self) -> dict:
        out = dict(children(self._root)) if self._root is not None else {}
        out.update(self._objects)
        if self._save_counter is not None:
            out["save_counter"] = self._save_counter
        return out

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        if type(value) is list:
            value = ListWrapper(value)  # so that appending later can restore (as TF does)
        self._objects[name] = value
        notify_attribute(self, name, value)

    def __getattr__(self, name: str) -> Any:
        objects = object.__getattribute__(self, "_objects")
        if name in objects:
            return objects[name]
        raise AttributeError(f"'Checkpoint' object has no attribute {name!r}")

    @property
    def save_counter(self) -> Variable:
        """An int64 variable counting ``save`` calls (created on first use)."""
        if self._save_counter is None:
            from minitf.variables import init_scope
            with init_scope():
                counter = Variable(0, dtype=_dtypes.int64, trainable=False,
                                   name="save_counter")
            object.__setattr__(self, "_save_counter", counter)
            notify_attribute(self, "save_counter", counter)
        return self._save_counter

    def write(self, file_prefix: str, options: Any = None) -> str:
        """Writes a checkpoint at exactly ``file_prefix`` (no counter, no state file).

        Example:
            >>> import os, tempfile
            >>> import minitf as tf
            >>> p = os.path.join(tempfile.mkdtemp(), "weights")
            >>> tf.train.Checkpoint(v=tf.Variable(2.0)).write(p) == p
            True
        """
        return write_checkpoint(os.fspath(file_prefix), self)

    def save(self, file_prefix: str, options: Any = None) -> str:
        """Writes ``file_prefix-N`` (N = the incremented ``save_counter``) and records it in
        the directory's ``checkpoint`` state file.

        Example:
            >>> import os, tempfile
            >>> import minitf as tf
            >>> d = tempfile.mkdtemp()
            >>> c = tf.train.Checkpoint(v=tf.Variable(1.0))
            >>> os.path.basename(c.save(os.path.join(d, "ck")))
            'ck-1'
            >>> os.path.basename(tf.train.latest_checkpoint(d))
            'ck-1'
        """
        from minitf.train.manager import record_checkpoint
        counter = self.save_counter
        counter.assign_add(1)
        path = f"{os.fspath(file_prefix)}-{int(counter.numpy())}"
        self.write(path)
        record_checkpoint(os.path.dirname(os.path.abspath(path)), path)
        return path

    def read(self, save_path: str, options: Any = None) -> CheckpointLoadStatus:
        """Restores from ``save_path`` (same as :meth:`restore`)."""
        return self.restore(save_path)

    def restore(self, save_path: Optional[str], options: Any = None) -> CheckpointLoadStatus:
        """Restores values saved at ``save_path`` into the live objects.

        Values for objects that do not exist yet are restored when they are created.

        Returns:
            A status object (``assert_consumed``, ``assert_existing_objects_matched``,
            ``expect_partial``).

        Raises:
            NotFoundError: for a missing checkpoint.
            DataLossError: for a damaged one.
        """
        if save_path is None:
            return InitializationOnlyStatus(self)
        values, aliases = read_checkpoint_and_aliases(os.fspath(save_path))
        if "save_counter/" + VALUE_SUFFIX in values:
            self.save_counter  # make sure the counter exists to receive its value
        return CheckpointLoadStatus(self, values, os.fspath(save_path), aliases)

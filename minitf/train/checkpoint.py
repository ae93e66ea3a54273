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
from typing import Any, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf import errors
from minitf.tensor import host_array
from minitf.train import atomic
from minitf.train.object_graph import (VALUE_SUFFIX, alias_keys, children, is_trackable,
                                       variable_keys)
from minitf.train.restore import (
    CheckpointLoadStatus, InitializationOnlyStatus, ListWrapper, notify_attribute,
)
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

"""``tf.train.load_checkpoint``: read a checkpoint's keys and values without any model.

A checkpoint is a map from *keys* — paths through the object graph such as
``'net/l1/kernel/.ATTRIBUTES/VARIABLE_VALUE'`` — to arrays. The reader lists them, with
their shapes and dtypes, and returns any one as a NumPy array: the way to look inside a
checkpoint, or to restore a value by hand.

TensorFlow also lists the object graph itself (a serialized protocol buffer) under
``_CHECKPOINTABLE_OBJECT_GRAPH``. minitf's object graph *is* its keys, so that entry
holds them as JSON text: every key with its dtype and shape.

Example:
    >>> import os, tempfile
    >>> import minitf as tf
    >>> path = tf.train.Checkpoint(w=tf.Variable([1.0, 2.0])).write(
    ...     os.path.join(tempfile.mkdtemp(), "c"))
    >>> reader = tf.train.load_checkpoint(path)
    >>> reader.get_variable_to_shape_map()["w/.ATTRIBUTES/VARIABLE_VALUE"]
    [2]
    >>> reader.get_tensor("w/.ATTRIBUTES/VARIABLE_VALUE")
    array([1., 2.], dtype=float32)
"""

from __future__ import annotations

import json
import os
from typing import Any

from minitf import dtypes as _dtypes
from minitf import errors

__all__ = ["CheckpointReader", "load_checkpoint", "OBJECT_GRAPH_KEY"]

OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"


class CheckpointReader:
    """The keys, shapes, dtypes and values of one checkpoint (validated when opened).

    Args:
        prefix: the checkpoint's prefix (what ``save``/``write`` returned).

    Raises:
        NotFoundError: if there is no checkpoint at ``prefix``.
        DataLossError: if its files are damaged.
    """

    def __init__(self, prefix: str) -> None:
        from minitf.train.checkpoint import read_checkpoint
        self._prefix = prefix
        self._values = read_checkpoint(prefix)

    def get_variable_to_shape_map(self) -> dict:
        """``key -> shape`` (a list) for every stored value and the object graph."""
        shapes = {k: list(v.shape) for k, v in self._values.items()}
        shapes[OBJECT_GRAPH_KEY] = []
        return shapes

    def get_variable_to_dtype_map(self) -> dict:
        """``key -> tf.DType`` for every stored value and the object graph."""
        out = {k: _dtypes.as_dtype(v.dtype) for k, v in self._values.items()}
        out[OBJECT_GRAPH_KEY] = _dtypes.string
        return out

    def has_tensor(self, key: str) -> bool:
        """Whether ``key`` is stored."""
        return key == OBJECT_GRAPH_KEY or key in self._values

    def get_tensor(self, key: str) -> Any:
        """The value stored under ``key`` (a NumPy array; bytes for the object graph).

        Raises:
            NotFoundError: naming the key and listing the stored ones.
        """
        if key == OBJECT_GRAPH_KEY:
            return json.dumps({k: {"dtype": v.dtype.name, "shape": list(v.shape)}
                               for k, v in sorted(self._values.items())}).encode()
        if key not in self._values:
            raise errors.NotFoundError(
                None, None, f"Key {key} not found in checkpoint {self._prefix}. It holds: "
                f"{sorted(self._values)} (see tf.train.list_variables).")
        return self._values[key]


def load_checkpoint(ckpt_dir_or_file: str) -> CheckpointReader:
    """A :class:`CheckpointReader` for a checkpoint prefix, or the latest one in a directory.

    Raises:
        ValueError: for a directory holding no checkpoint.

    Example:
        >>> import os, tempfile
        >>> import minitf as tf
        >>> directory = tempfile.mkdtemp()
        >>> _ = tf.train.Checkpoint(step=tf.Variable(7)).save(os.path.join(directory, "ckpt"))
        >>> tf.train.load_checkpoint(directory).get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE")
        array(7, dtype=int32)
    """
    path = ckpt_dir_or_file
    if os.path.isdir(path):
        from minitf.train.manager import latest_checkpoint
        found = latest_checkpoint(path)
        if found is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given "
                             f"directory {path}. Save one there first (Checkpoint.save or "
                             f"CheckpointManager.save).")
        path = found
    return CheckpointReader(path)

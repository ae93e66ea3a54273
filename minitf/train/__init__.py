"""``tf.train``: ``Checkpoint``, ``CheckpointManager``, ``latest_checkpoint``.

Checkpoints are data only (JSON + ``.npz``), written atomically.

Example:
    >>> import minitf as tf
    >>> ckpt = tf.train.Checkpoint(step=tf.Variable(0))
"""

from minitf.train.checkpoint import Checkpoint, CheckpointLoadStatus  # noqa: F401
from minitf.train.manager import (  # noqa: F401
    CheckpointManager, CheckpointState, get_checkpoint_state, latest_checkpoint,
)


# TF lists the checkpoint's object graph (a serialized proto) under this key. minitf's
# object graph *is* its keys — paths such as 'model/dense_1/w/.ATTRIBUTES/VARIABLE_VALUE'
# — so load_variable gives them back as JSON text (dtype and shape of each).
OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"


def _prefix(ckpt_dir_or_file: str) -> str:
    import os
    if os.path.isdir(ckpt_dir_or_file):
        return latest_checkpoint(ckpt_dir_or_file)
    return ckpt_dir_or_file


def list_variables(ckpt_dir_or_file: str) -> list:
    """``(key, shape)`` pairs stored in a checkpoint (a prefix or a directory), sorted.

    As in TensorFlow, the first entry is the object graph, ``_CHECKPOINTABLE_OBJECT_GRAPH``
    (a scalar), then one entry per variable, keyed by its path from the root object.

    Example:
        >>> import os, tempfile
        >>> import minitf as tf
        >>> p = tf.train.Checkpoint(v=tf.Variable([1.0, 2.0])).write(
        ...     os.path.join(tempfile.mkdtemp(), "c"))
        >>> tf.train.list_variables(p)
        [('_CHECKPOINTABLE_OBJECT_GRAPH', []), ('v/.ATTRIBUTES/VARIABLE_VALUE', [2])]
    """
    from minitf.train.checkpoint import read_checkpoint
    stored = read_checkpoint(_prefix(ckpt_dir_or_file))
    return sorted([(OBJECT_GRAPH_KEY, [])] + [(k, list(v.shape)) for k, v in stored.items()])


def load_variable(ckpt_dir_or_file: str, name: str) -> object:
    """The NumPy value stored under key ``name`` in a checkpoint.

    ``_CHECKPOINTABLE_OBJECT_GRAPH`` gives the object graph as JSON bytes: every key with
    its dtype and shape.

    Raises:
        NotFoundError: if the checkpoint has no such key (the message lists the keys).

    Example:
        >>> import os, tempfile
        >>> import minitf as tf
        >>> p = tf.train.Checkpoint(v=tf.Variable(3.0)).write(
        ...     os.path.join(tempfile.mkdtemp(), "c"))
        >>> float(tf.train.load_variable(p, "v/.ATTRIBUTES/VARIABLE_VALUE"))
        3.0
        >>> tf.train.load_variable(p, "_CHECKPOINTABLE_OBJECT_GRAPH")
        b'{"v/.ATTRIBUTES/VARIABLE_VALUE": {"dtype": "float32", "shape": []}}'
    """
    import json
    from minitf import errors
    from minitf.train.checkpoint import read_checkpoint
    stored = read_checkpoint(_prefix(ckpt_dir_or_file))
    if name == OBJECT_GRAPH_KEY:
        return json.dumps({k: {"dtype": v.dtype.name, "shape": list(v.shape)}
                           for k, v in sorted(stored.items())}).encode()
    if name not in stored:
        raise errors.NotFoundError(
            None, None, f"Key {name} not found in checkpoint {ckpt_dir_or_file}. It holds: "
            f"{sorted(stored)} (see tf.train.list_variables).")
    return stored[name]


__all__ = ["Checkpoint", "CheckpointLoadStatus", "CheckpointManager", "CheckpointState",
           "get_checkpoint_state", "latest_checkpoint", "list_variables", "load_variable"]

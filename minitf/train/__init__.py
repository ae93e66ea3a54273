"""``tf.train``: ``Checkpoint``, ``CheckpointManager``, ``latest_checkpoint``.

Checkpoints are data only (JSON + ``.npz``), written atomically.

Example:
    >>> import minitf as tf
    >>> ckpt = tf.train.Checkpoint(step=tf.Variable(0))
"""

from minitf.train.checkpoint import Checkpoint  # noqa: F401
from minitf.train.restore import CheckpointLoadStatus  # noqa: F401
from minitf.train.reader import CheckpointReader, load_checkpoint  # noqa: F401
from minitf.train.manager import (  # noqa: F401
    CheckpointManager, CheckpointState, get_checkpoint_state, latest_checkpoint,
)


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
    return sorted(load_checkpoint(ckpt_dir_or_file).get_variable_to_shape_map().items())


def load_variable(ckpt_dir_or_file: str, name: str) -> object:
    """The NumPy value stored under key ``name`` in a checkpoint.

    Raises:
        NotFoundError: if the checkpoint has no such key (the message lists the keys).

    Example:
        >>> import os, tempfile
        >>> import minitf as tf
        >>> p = tf.train.Checkpoint(v=tf.Variable(3.0)).write(
        ...     os.path.join(tempfile.mkdtemp(), "c"))
        >>> float(tf.train.load_variable(p, "v/.ATTRIBUTES/VARIABLE_VALUE"))
        3.0
    """
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)


__all__ = ["Checkpoint", "CheckpointLoadStatus", "CheckpointManager", "CheckpointState",
           "CheckpointReader", "get_checkpoint_state", "latest_checkpoint", "list_variables",
           "load_checkpoint", "load_variable"]

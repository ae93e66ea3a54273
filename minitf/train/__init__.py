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


def list_variables(ckpt_dir_or_file: str) -> list:
    """``(key, shape)`` pairs stored in a checkpoint (a prefix or a directory).

    Example:
        >>> import os, tempfile
        >>> import minitf as tf
        >>> p = tf.train.Checkpoint(v=tf.Variable([1.0, 2.0])).write(
        ...     os.path.join(tempfile.mkdtemp(), "c"))
        >>> tf.train.list_variables(p)
        [('v/.ATTRIBUTES/VARIABLE_VALUE', [2])]
    """
    import os
    from minitf.train.checkpoint import read_checkpoint
    path = ckpt_dir_or_file
    if os.path.isdir(path):
        path = latest_checkpoint(path)
    return sorted((k, list(v.shape)) for k, v in read_checkpoint(path).items())


def load_variable(ckpt_dir_or_file: str, name: str) -> object:
    """The NumPy value stored under key ``name`` in a checkpoint.

    Example:
        >>> import os, tempfile
        >>> import minitf as tf
        >>> p = tf.train.Checkpoint(v=tf.Variable(3.0)).write(
        ...     os.path.join(tempfile.mkdtemp(), "c"))
        >>> float(tf.train.load_variable(p, "v/.ATTRIBUTES/VARIABLE_VALUE"))
        3.0
    """
    import os
    from minitf.train.checkpoint import read_checkpoint
    path = ckpt_dir_or_file
    if os.path.isdir(path):
        path = latest_checkpoint(path)
    return read_checkpoint(path)[name]


__all__ = ["Checkpoint", "CheckpointLoadStatus", "CheckpointManager", "CheckpointState",
           "get_checkpoint_state", "latest_checkpoint", "list_variables", "load_variable"]

"""``tf.train.CheckpointManager`` and the ``checkpoint`` state file.

The state file (named ``checkpoint``, in TensorFlow's text format) lists a directory's
checkpoints, newest last::

    model_checkpoint_path: "ckpt-3"
    all_model_checkpoint_paths: "ckpt-2"
    all_model_checkpoint_paths: "ckpt-3"

It is rewritten atomically *after* a checkpoint's files are complete, so
``latest_checkpoint`` always names a whole checkpoint. Reading it parses
``key: "value"`` lines only.

Example:
    >>> import tempfile
    >>> import minitf as tf
    >>> d = tempfile.mkdtemp()
    >>> manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=tf.Variable(1.0)), d,
    ...                                      max_to_keep=2)
    >>> for _ in range(3):
    ...     _ = manager.save()
    >>> [p.rsplit("/", 1)[-1] for p in manager.checkpoints]
    ['ckpt-2', 'ckpt-3']
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable, Optional

from minitf.train import atomic
from minitf.train.checkpoint import Checkpoint, data_path, index_path

__all__ = ["CheckpointManager", "latest_checkpoint", "get_checkpoint_state", "CheckpointState"]

STATE_FILE = "checkpoint"


class CheckpointState:
    """The parsed state file: ``model_checkpoint_path`` and ``all_model_checkpoint_paths``."""

    def __init__(self, model_checkpoint_path: str, all_model_checkpoint_paths: list) -> None:
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths)

    def __repr__(self) -> str:
        return (f"CheckpointState(model_checkpoint_path={self.model_checkpoint_path!r}, "
                f"all_model_checkpoint_paths={self.all_model_checkpoint_paths!r})")


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return text


def get_checkpoint_state(checkpoint_dir: str, latest_filename: Optional[str] = None
                         ) -> Optional[CheckpointState]:
    """Reads a directory's state file; None if there is none (or it is unreadable).

    Relative paths in the file are resolved against ``checkpoint_dir``.

    Example:
        >>> import tempfile
        >>> import minitf as tf
        >>> tf.train.get_checkpoint_state(tempfile.mkdtemp()) is None
        True
    """
    path = os.path.join(os.fspath(checkpoint_dir), latest_filename or STATE_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    latest, every = None, []
    for line in lines:
        key, sep, value = line.partition(":")
        if not sep:
            continue
        value = _unquote(value)
        if not os.path.isabs(value):
            value = os.path.join(os.fspath(checkpoint_dir), value)
        if key.strip() == "model_checkpoint_path":
            latest = value
        elif key.strip() == "all_model_checkpoint_paths":
            every.append(value)
    if latest is None:
        return None
    return CheckpointState(latest, every)


def _write_state(directory: str, latest: str, every: list) -> None:
    def rel(p: str) -> str:
        r = os.path.relpath(p, directory)
        return r if not r.startswith("..") else os.path.abspath(p)
    lines = [f'model_checkpoint_path: "{rel(latest)}"']
    lines += [f'all_model_checkpoint_paths: "{rel(p)}"' for p in every]
    atomic.atomic_write_bytes(os.path.join(directory, STATE_FILE),
                              ("\n".join(lines) + "\n").encode("utf-8"))


def record_checkpoint(directory: str, path: str, keep: Optional[list] = None) -> None:
    """Adds ``path`` as the newest checkpoint in ``directory``'s state file."""
    state = get_checkpoint_state(directory)
    every = [p for p in (state.all_model_checkpoint_paths if state else [])
             if os.path.abspath(p) != os.path.abspath(path)]
    every.append(path)
    _write_state(directory, path, keep if keep is not None else every)


def latest_checkpoint(checkpoint_dir: str, latest_filename: Optional[str] = None
                      ) -> Optional[str]:
    """The newest complete checkpoint prefix in ``checkpoint_dir``, or None.

    Example:
        >>> import tempfile
        >>> import minitf as tf
        >>> tf.train.latest_checkpoint(tempfile.mkdtemp()) is None
        True
    """
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state is None:
        return None
    if os.path.exists(index_path(state.model_checkpoint_path)):
        return state.model_checkpoint_path
    return None


def _delete_checkpoint(prefix: str) -> None:
    # Index first: once it is gone the prefix no longer counts as a checkpoint.
    for path in (index_path(prefix), data_path(prefix)):
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


class CheckpointManager:
    """Keeps the last ``max_to_keep`` checkpoints of a ``Checkpoint`` in a directory.

    Args:
        checkpoint: the ``tf.train.Checkpoint`` to save.
        directory: where checkpoints go (created if needed).
        max_to_keep: how many to keep (None keeps all).
        keep_checkpoint_every_n_hours: also keep one checkpoint per this many hours.
        checkpoint_name: the file prefix (default ``ckpt``).
        step_counter: a variable whose value numbers the checkpoints, if given.
        checkpoint_interval: with ``step_counter``, save only every this many steps.
        init_fn: called by :meth:`restore_or_initialize` when there is nothing to restore.

    Example:
        >>> import tempfile
        >>> import minitf as tf
        >>> m = tf.train.CheckpointManager(tf.train.Checkpoint(v=tf.Variable(1.0)),
        ...                                tempfile.mkdtemp(), max_to_keep=3)
        >>> m.latest_checkpoint is None
        True
    """

    def __init__(self, checkpoint: Checkpoint, directory: str, max_to_keep: Optional[int] = 5,
                 keep_checkpoint_every_n_hours: Optional[float] = None,
                 checkpoint_name: str = "ckpt", step_counter: Any = None,
                 checkpoint_interval: Optional[int] = None,
                 init_fn: Optional[Callable[[], Any]] = None) -> None:
        if max_to_keep is not None and max_to_keep <= 0:
            raise ValueError(f"max_to_keep must be positive or None, got {max_to_keep}.")
        if checkpoint_interval is not None and step_counter is None:
            raise ValueError("`step_counter` should be passed if `checkpoint_interval` is "
                             "not None.")
        self._checkpoint = checkpoint
        self._directory = os.fspath(directory)
        self._max_to_keep = max_to_keep
        self._keep_hours = keep_checkpoint_every_n_hours
        self._prefix = os.path.join(self._directory, checkpoint_name)
        self._step_counter = step_counter
        self._interval = checkpoint_interval
        self._init_fn = init_fn
        self._last_preserved = time.time()
        self._last_step: Optional[int] = None
        state = get_checkpoint_state(self._directory)
        self._checkpoints: list = []
        if state is not None:
            self._checkpoints = [p for p in state.all_model_checkpoint_paths
                                 if os.path.exists(index_path(p))]

    @property
    def directory(self) -> str:
        """The checkpoint directory."""
        return self._directory

    @property
    def checkpoint(self) -> Checkpoint:
        """The managed checkpoint."""
        return self._checkpoint

    @property
    def checkpoints(self) -> list:
        """The kept checkpoint prefixes, oldest first."""
        return list(self._checkpoints)

    @property
    def latest_checkpoint(self) -> Optional[str]:
        """The newest kept checkpoint prefix, or None."""
        return self._checkpoints[-1] if self._checkpoints else None

    @property
    def checkpoint_interval(self) -> Optional[int]:
        """Steps between saves when ``step_counter`` is given."""
        return self._interval

    def save(self, checkpoint_number: Optional[int] = None, check_interval: bool = True,
             options: Any = None) -> Optional[str]:
        """Saves a new checkpoint and deletes the oldest beyond ``max_to_keep``.

        Returns:
            The new prefix, or None if ``checkpoint_interval`` says it is not time yet.
        """
        if self._interval is not None and check_interval:
            step = int(self._step_counter.numpy())
            if self._last_step is not None and step < self._last_step + self._interval:
                return None
            self._last_step = step
        counter = self._checkpoint.save_counter
        if checkpoint_number is None:
            checkpoint_number = (int(self._step_counter.numpy()) if self._step_counter is not None
                                 else int(counter.numpy()) + 1)
        counter.assign_add(1)
        path = f"{self._prefix}-{int(checkpoint_number)}"
        self._checkpoint.write(path)
        self._checkpoints = [p for p in self._checkpoints if p != path] + [path]
        expired = self._expire()
        # The state file must name the new checkpoint before any old one is deleted: a
        # crash between the two steps then leaves stray files, never a dangling state.
        _write_state(self._directory, path, self._checkpoints)
        for old in expired:
            _delete_checkpoint(old)
        return path

    def _expire(self) -> list:
        """Drops checkpoints beyond ``max_to_keep`` from the list; returns those to delete."""
        expired: list = []
        if self._max_to_keep is None:
            return expired
        while len(self._checkpoints) > self._max_to_keep:
            oldest = self._checkpoints.pop(0)
            if self._keep_hours is not None and (
                    time.time() - self._last_preserved > self._keep_hours * 3600):
                self._last_preserved = time.time()
                continue
            expired.append(oldest)
        return expired

    def restore_or_initialize(self) -> Optional[str]:
        """Restores the latest checkpoint, or runs ``init_fn`` when there is none.

        Returns:
            The restored prefix, or None.
        """
        if self.latest_checkpoint is not None:
            self._checkpoint.restore(self.latest_checkpoint)
            return self.latest_checkpoint
        if self._init_fn is not None:
            self._init_fn()
        return None


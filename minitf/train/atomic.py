"""Crash-safe file writes and data-only array files, shared by checkpoints and SavedModel.

Every file minitf persists is written to a temporary name in the same directory,
flushed and fsync'ed, then renamed over its final name. ``os.replace`` is atomic on POSIX,
so a reader (or a process restarted after a crash at any instant, even SIGKILL) sees the
old file or the new one, never a torn mix.

Arrays go into ``.npz`` files read back with ``allow_pickle=False``: NumPy then refuses
object arrays, so loading can never unpickle (run) anything. The zip format stores a
CRC-32 per member, and reading verifies it, so a flipped byte is caught.

Example:
    >>> import os, tempfile
    >>> from minitf.train.atomic import atomic_write_bytes
    >>> path = os.path.join(tempfile.mkdtemp(), "x.txt")
    >>> atomic_write_bytes(path, b"hello")
    >>> open(path, "rb").read()
    b'hello'
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from typing import Any, Callable, Mapping

import numpy as np

from minitf import errors

__all__ = ["atomic_write", "atomic_write_bytes", "atomic_write_json", "save_arrays",
           "load_arrays", "read_json"]


def _fsync_dir(directory: str) -> None:
    # The rename itself must reach the disk too: fsync the directory entry (POSIX only).
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: str, write: Callable[[Any], None], durable: bool = True) -> None:
    """Writes ``path`` atomically: ``write(file)`` fills a temporary file, then rename.

    Args:
        path: the final path.
        write: called with a binary file object open for writing.
        durable: fsync the file and its directory (survives power loss, not just a
            killed process).
    """
    # BEGIN SOLUTION persistence: atomic write via rename; spec: tests/test_checkpoint_crash.py
    directory = os.path.dirname(os.path.abspath(path)) or "."
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if durable:
        _fsync_dir(directory)
    # END SOLUTION


def atomic_write_bytes(path: str, data: bytes) -> None:
    """Atomically replaces ``path`` with ``data``."""
    atomic_write(path, lambda f: f.write(data))


def atomic_write_json(path: str, obj: Any) -> None:
    """Atomically writes ``obj`` as indented UTF-8 JSON."""
    atomic_write_bytes(path, json.dumps(obj, indent=1, sort_keys=False).encode("utf-8"))


def read_json(path: str, what: str) -> Any:
    """Reads a JSON file, turning damage into a clear ``DataLossError``.

    Raises:
        NotFoundError: if the file does not exist.
        DataLossError: if it is truncated or not JSON.
    """
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{what} not found: {path}") from None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise errors.DataLossError(
            None, None, f"{what} {path} is damaged (truncated or modified): {e}. Restore it "
            f"from a backup or use an earlier checkpoint.") from None


def _to_storable(arr: np.ndarray) -> np.ndarray:
    if arr.dtype == object:  # tf.string: bytes objects -> fixed-width bytes
        return np.array([bytes(x) for x in arr.ravel()], dtype=bytes).reshape(arr.shape) \
            if arr.size else np.zeros(arr.shape, dtype="S1")
    # (np.ascontiguousarray would turn 0-d arrays into 1-d ones.)
    return arr if arr.flags.c_contiguous else arr.copy()


def save_arrays(path: str, arrays: Mapping[str, np.ndarray], durable: bool = True) -> None:
    """Atomically writes named arrays to an uncompressed ``.npz`` file."""
    def write(f: Any) -> None:
        # np.savez streams each array into the zip (computing its CRC-32 on the way).
        np.savez(f, **{k: _to_storable(np.asarray(v)) for k, v in arrays.items()})
    atomic_write(path, write, durable)


def load_arrays(path: str, what: str) -> dict:
    """Reads every array of an ``.npz`` file, refusing pickles and damaged data.

    Raises:
        NotFoundError: if the file is missing.
        DataLossError: if it is truncated, corrupted (CRC mismatch) or holds objects that
            would need unpickling.
    """
    if not os.path.exists(path):
        raise errors.NotFoundError(None, None, f"{what} not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except ValueError as e:
        raise errors.DataLossError(
            None, None, f"{what} {path} holds data that would need unpickling ({e}); minitf "
            f"never loads pickles. The file was not written by minitf or was tampered with."
        ) from None
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, io.UnsupportedOperation) as e:
        raise errors.DataLossError(
            None, None, f"{what} {path} is damaged (truncated or corrupted: {e}). Use an "
            f"earlier checkpoint or re-save.") from None

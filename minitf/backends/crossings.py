"""What crosses between host and device: counters and strict mode for the Triton backend.

A GPU program is fast when its data stays on the GPU. The Triton backend never moves data
silently: each op that runs on the host instead (a *fallback*) and each host input that
must be copied to the device (a *copy*) goes through :func:`cross`, which counts it by
primitive — or, in strict mode (``MINITF_STRICT_DEVICE=1``, :func:`set_strict`,
:func:`strict_device`), refuses it with an ``InvalidArgumentError`` naming the op.
Kernel launches are counted too, so tests can check that a hot op really ran a kernel.

Example:
    >>> from minitf.backends.crossings import strict_device, fallback_counts
    >>> with strict_device(False):
    ...     isinstance(fallback_counts(), dict)
    True
"""

from __future__ import annotations

import collections
import contextlib
import os
from collections.abc import Iterator

from minitf import errors
from minitf.core.primitive import Primitive

__all__ = ["copy_counts", "count_kernel", "cross", "fallback_counts", "kernel_counts",
           "reset_counts", "set_strict", "strict_device"]

_counts = {"fallback": collections.Counter(), "copy": collections.Counter(),
           "kernel": collections.Counter()}
_settings = {"strict": os.environ.get("MINITF_STRICT_DEVICE", "") == "1"}


def fallback_counts() -> dict:
    """Host fallbacks so far, by primitive name (ops that ran with NumPy on the host).

    Example:
        >>> from minitf.backends.triton_backend import fallback_counts
        >>> isinstance(fallback_counts(), dict)
        True
    """
    return dict(_counts["fallback"])


def copy_counts() -> dict:
    """Host→device copies of op inputs so far, by the primitive that needed them."""
    return dict(_counts["copy"])


def kernel_counts() -> dict:
    """Triton kernel launches so far, by primitive name."""
    return dict(_counts["kernel"])


def count_kernel(name: str) -> None:
    """Counts one kernel launch for the primitive ``name``."""
    _counts["kernel"][name] += 1


def reset_counts() -> None:
    """Sets every counter back to zero."""
    for c in _counts.values():
        c.clear()


def set_strict(enabled: bool) -> None:
    """In strict mode a host fallback or host→device copy raises instead of running.

    Example:
        >>> from minitf.backends.triton_backend import set_strict
        >>> set_strict(False)
    """
    _settings["strict"] = bool(enabled)


@contextlib.contextmanager
def strict_device(enabled: bool = True) -> Iterator[None]:
    """Strict mode for the body of a ``with`` block (see :func:`set_strict`)."""
    saved = _settings["strict"]
    _settings["strict"] = bool(enabled)
    try:
        yield
    finally:
        _settings["strict"] = saved


def cross(kind: str, prim: Primitive, what: str) -> None:
    """Counts one crossing of ``kind`` ("fallback" or "copy") for ``prim``; raises
    ``InvalidArgumentError`` instead in strict mode. ``what`` says what would cross.

    Example:
        >>> from minitf.backends.crossings import cross, fallback_counts
        >>> from minitf.core.primitive import PRIMITIVES
        >>> import minitf
        >>> n = fallback_counts().get("exp", 0)
        >>> cross("fallback", PRIMITIVES["exp"], "a test")
        >>> fallback_counts()["exp"] - n
        1
    """
    if _settings["strict"]:
        raise errors.InvalidArgumentError(
            None, None, f"{prim.name}: {what}, and strict device mode is on "
            f"(MINITF_STRICT_DEVICE=1 or set_strict(True)). Create the inputs on the GPU "
            f"(outside `with tf.device('/CPU:0')`), or turn strict mode off for this step.")
    _counts[kind][prim.name] += 1

"""Devices and placement: ``tf.device``, ``tf.config.list_physical_devices``.

Placement follows TensorFlow: new tensors go to the GPU when one is usable, unless
``with tf.device('/CPU:0')`` says otherwise or ``MINITF_DEVICE=cpu`` is set. An op runs
where its inputs are. Finding a GPU never imports torch or triton at ``import minitf``:
the first question about devices looks for the NVIDIA driver files, and only then (if
they exist) imports torch to ask CUDA.

Example:
    >>> import minitf as tf
    >>> with tf.device("/CPU:0"):
    ...     x = tf.constant([1.0])
    >>> x.device
    '/job:localhost/replica:0/task:0/device:CPU:0'
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any, NamedTuple

from minitf.core import interpreters

__all__ = ["PhysicalDevice", "device", "gpu_available", "list_physical_devices"]


class PhysicalDevice(NamedTuple):
    """A device as ``tf.config.list_physical_devices`` reports it."""

    name: str
    device_type: str


class LogicalDevice(NamedTuple):
    """A device as ``tf.config.list_logical_devices`` reports it."""

    name: str
    device_type: str


_cache: dict = {}


def gpu_available() -> bool:
    """Whether a CUDA GPU is usable by minitf (cached after the first answer).

    False when ``MINITF_DEVICE=cpu``, when no NVIDIA driver is present (checked without
    importing anything), or when torch/triton are not installed. True with
    ``MINITF_TRITON_ON_CPU=1``: the Triton backend then simulates the GPU on the CPU
    (torch CPU tensors, kernels in Triton's interpreter) — how tests exercise it.
    """
    if "gpu" in _cache:
        return _cache["gpu"]
    ok = False
    has_gpu_stack = bool(importlib.util.find_spec("torch") and importlib.util.find_spec("triton"))
    if os.environ.get("MINITF_DEVICE", "").lower() == "cpu" or not has_gpu_stack:
        ok = False
    elif os.environ.get("MINITF_TRITON_ON_CPU", "") == "1":
        ok = True
    elif os.path.exists("/dev/nvidiactl") or os.path.exists("/proc/driver/nvidia"):
        import torch
        ok = bool(torch.cuda.is_available())
    _cache["gpu"] = ok
    return ok


def list_physical_devices(device_type: str | None = None) -> list:
    """The devices minitf can use: the CPU always, a GPU when usable.

    Example:
        >>> import minitf as tf
        >>> tf.config.list_physical_devices("CPU")
        [PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')]
    """
    devices = [PhysicalDevice("/physical_device:CPU:0", "CPU")]
    if gpu_available():
        devices.append(PhysicalDevice("/physical_device:GPU:0", "GPU"))
    if device_type is None:
        return devices
    return [d for d in devices if d.device_type == str(device_type).upper()]


def list_logical_devices(device_type: str | None = None) -> list:
    """Logical devices (one per physical device in minitf).

    Example:
        >>> import minitf as tf
        >>> tf.config.list_logical_devices("CPU")[0].name
        '/device:CPU:0'
    """
    return [LogicalDevice(d.name.replace("/physical_device:", "/device:"), d.device_type)
            for d in list_physical_devices(device_type)]


def _parse(name: str | None) -> str | None:
    if name is None or name == "":
        return None
    text = str(name).upper()
    if "GPU" in text or "CUDA" in text:
        return "/GPU:0"
    if "CPU" in text:
        return "/CPU:0"
    raise ValueError(f"Unknown device {name!r}: use '/CPU:0' or '/GPU:0'.")


class device:
    """Places the tensors created inside the block on a device.

    Args:
        device_name: ``'/CPU:0'`` or ``'/GPU:0'`` (TF's longer spellings work too).

    Example:
        >>> import minitf as tf
        >>> with tf.device("/CPU:0"):
        ...     t = tf.ones([2])
        >>> "CPU" in t.device
        True
    """

    def __init__(self, device_name: str | None) -> None:
        self._device = _parse(device_name)

    def __enter__(self) -> None:
        ctx = interpreters.current()
        self._token = interpreters._context.set(ctx.replace(device=self._device))

    def __exit__(self, *exc: object) -> None:
        interpreters._context.reset(self._token)


def backend_for_new_tensors() -> Any:
    """The backend that creation ops use in the current context."""
    from minitf.backends.numpy_backend import NUMPY
    wanted = interpreters.current().device
    if wanted is None:
        wanted = "/GPU:0" if gpu_available() else "/CPU:0"
    if wanted == "/GPU:0":
        if not gpu_available():
            # TF's soft placement: asking for a GPU that is not there runs on the CPU.
            return NUMPY
        from minitf.backends.triton_backend import TRITON
        return TRITON
    return NUMPY

"""Triton kernels, installed as ``minitf.kernels``: one file per family, each with the
kernel, its launcher and the cost model in comments.

* :mod:`minitf.kernels.elementwise` — ``y = f(x)``, ``z = f(x, y)``, ``where(c, x, y)``;
  broadcasting by strides.
* :mod:`minitf.kernels.fused` — one generated kernel for a chain of elementwise ops.
* :mod:`minitf.kernels.reduction` — sum / mean / max along axes.
* :mod:`minitf.kernels.softmax` — row softmax and log-softmax, fused.
* :mod:`minitf.kernels.matmul` — tiled, autotuned, batched matrix product.

Importing a kernel module imports triton; minitf only does so when the GPU backend is
used. Triton decides at import time (when ``@triton.jit`` runs) whether kernels compile
for the GPU or run in its CPU interpreter: set ``TRITON_INTERPRET=1`` *before* importing
them to run them on torch CPU tensors (that is how the test suite checks them).

Example:
    >>> from minitf.kernels import interpreting
    >>> isinstance(interpreting(), bool)
    True
"""

from __future__ import annotations

import os

__all__ = ["interpreting"]

# Read once, like triton.jit does when the kernel modules are imported.
_INTERPRET = os.environ.get("TRITON_INTERPRET", "0").lower() in ("1", "true", "yes", "on")


def interpreting() -> bool:
    """Whether the kernels run in Triton's CPU interpreter (``TRITON_INTERPRET=1``).

    Launchers use it to pick small tiles and skip autotuning: the interpreter executes
    every program instance one after another in NumPy, so fewer, larger blocks are
    faster there, and timing configs would only measure the interpreter.

    Example:
        >>> from minitf.kernels import interpreting
        >>> interpreting() in (True, False)
        True
    """
    return _INTERPRET

"""Kernel tests run the real Triton kernels — in Triton's CPU interpreter when there is no
CUDA GPU.

Why this directory has its own conftest: ``@triton.jit`` decides *when a kernel module
is imported* whether the kernel compiles for the GPU or runs in the interpreter, by
reading ``TRITON_INTERPRET``. pytest imports this file while collecting, before any test
module here imports ``minitf.kernels``, so setting the variable here is early enough.

Under pytest-xdist every worker collects every directory, so on a machine without a GPU
every worker gets ``TRITON_INTERPRET=1``; nothing outside these tests uses Triton, so
that changes nothing for other tests. On a machine with a CUDA GPU the variable is left
alone and the same tests compile and run the kernels on the GPU (``DEVICE`` is "cuda").
"""

from __future__ import annotations

import os

import torch

if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")

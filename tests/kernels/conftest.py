"""Kernel tests run the real Triton kernels — in Triton's CPU interpreter when there is no
CUDA GPU.

Why this directory has its own conftest:

* ``@triton.jit`` decides *when a kernel module is imported* whether the kernel compiles
  for the GPU or runs in the interpreter, by reading ``TRITON_INTERPRET``. pytest imports
  this file while collecting, before any test module here imports ``minitf.kernels``, so
  setting the variable here is early enough. Under pytest-xdist every worker collects
  every directory, so every worker of a machine without a GPU gets the variable; nothing
  outside these tests uses Triton, so that changes nothing elsewhere. With a CUDA GPU the
  variable is left alone and the same tests compile and run the kernels on the GPU.
* Importing the Triton backend registers torch tensors as buffers, which switches
  minitf's dispatch from its NumPy-only fast paths to per-backend dispatch for the whole
  process. The test modules here import it while being collected, so once collection
  ends this file puts the registry back as it was, and each module of this directory
  re-registers the backend for its own tests only (a module-scoped fixture). Tests in
  other files thus see minitf exactly as a user without a GPU does.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import torch

from minitf.core import interpreters

if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")

_REGISTRY = (dict(interpreters._BACKEND_OF_TYPE), dict(interpreters._state))


def _restore_registry() -> None:
    interpreters._BACKEND_OF_TYPE.clear()
    interpreters._BACKEND_OF_TYPE.update(_REGISTRY[0])
    interpreters._state.update(_REGISTRY[1])


def pytest_collection_finish(session: pytest.Session) -> None:
    _restore_registry()


@pytest.fixture(autouse=True, scope="module")
def _triton_backend_for_this_module() -> Iterator[None]:
    from minitf.backends import triton_backend
    triton_backend.activate()
    yield
    _restore_registry()

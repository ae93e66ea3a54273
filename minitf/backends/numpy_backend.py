"""The NumPy backend: buffers are ``numpy.ndarray`` (or NumPy scalars for 0-d results).

NumPy is minitf's reference: every primitive has a ``"numpy"`` implementation, written
next to the primitive in ``minitf/ops``. This module only declares the backend: which
buffer types it owns, how buffers map to dtypes, and how they cross to other backends.

Example:
    >>> import numpy as np
    >>> from minitf.backends.numpy_backend import NUMPY
    >>> NUMPY.to_numpy(np.float32(2.0))
    array(2., dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minitf import dtypes
from minitf.core import interpreters

__all__ = ["NumpyBackend", "NUMPY"]


class NumpyBackend:
    """The host (CPU) backend."""

    name = "numpy"
    device_name = "/job:localhost/replica:0/task:0/device:CPU:0"

    @staticmethod
    def from_numpy(array: np.ndarray) -> np.ndarray:
        """A buffer holding ``array`` (NumPy buffers are arrays already)."""
        return array

    @staticmethod
    def to_numpy(buffer: Any) -> np.ndarray:
        """The buffer as an ndarray (0-d for scalars)."""
        return np.asarray(buffer)

    @staticmethod
    def from_backend(buffer: Any, backend: Any, prim: Any) -> np.ndarray:
        """Copies a buffer of another backend to the host."""
        return backend.to_numpy(buffer)

    @staticmethod
    def missing_impl(prim: Any) -> Any:
        raise NotImplementedError(
            f"Primitive {prim.name!r} has no NumPy implementation; every primitive must "
            f"define one with @{prim.name}_p.def_impl('numpy')."
        )


NUMPY = NumpyBackend()

interpreters.register_buffer_type(np.ndarray, NUMPY)
for _d in dtypes.ALL_DTYPES:
    interpreters._DTYPE_OF_BUFFER_DTYPE[_d.np] = _d
    if _d is not dtypes.string:
        interpreters.register_buffer_type(_d.np.type, NUMPY)

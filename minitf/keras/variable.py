"""``KerasVariable``: a ``tf.Variable`` that knows its layer path, printed as Keras 3 does.

Keras 3 names a weight by its *path*, ``"sequential/dense/kernel"``, and its ``name`` is
the last part (``"kernel"``). In minitf it is a real ``tf.Variable`` (so tapes, optimizers
and checkpoints treat it like any other).

Example:
    >>> import minitf as tf
    >>> d = tf.keras.layers.Dense(2, kernel_initializer="ones", name="dense_demo")
    >>> d.build((None, 1))
    >>> d.kernel
    <Variable path=dense_demo/kernel, shape=(1, 2), dtype=float32, value=[[1. 1.]]>
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minitf.core.spec import shape_str
from minitf.variables import Variable

__all__ = ["KerasVariable"]


class KerasVariable(Variable):
    """A layer weight: a ``tf.Variable`` with a Keras ``path``.

    Args:
        initial_value: the value (or a zero-argument callable).
        trainable: whether optimizers update it.
        name: the short name (``"kernel"``).
        path: the full path (``"dense/kernel"``).
        dtype: the dtype.
        constraint: an optional projection applied after optimizer updates.

    Example:
        >>> from minitf.keras.variable import KerasVariable
        >>> v = KerasVariable(1.0, name="w", path="layer/w")
        >>> v.name, v.path
        ('w', 'layer/w')
    """

    def __init__(self, initial_value: Any, trainable: bool = True, name: str = "variable",
                 path: str = "variable", dtype: Any = None, constraint: Any = None) -> None:
        super().__init__(initial_value, trainable=trainable, name=path, dtype=dtype,
                         constraint=constraint)
        self._short_name = name
        self._path = path

    @property
    def name(self) -> str:
        """The short name, e.g. ``"kernel"`` (Keras 3)."""
        return self._short_name

    @property
    def path(self) -> str:
        """The full path, e.g. ``"sequential/dense/kernel"``."""
        return self._path

    def __repr__(self) -> str:
        value = np.asarray(self._tensor)
        return (f"<Variable path={self._path}, shape={shape_str(self._shape)}, "
                f"dtype={self._dtype.name}, value={value}>")

    def __deepcopy__(self, memo: dict) -> "KerasVariable":
        return KerasVariable(self._tensor, self._trainable, self._short_name, self._path)

"""``tf.keras.regularizers``: weight penalties added to the training loss.

A layer given ``kernel_regularizer=L2(0.01)`` adds ``0.01 · Σ kernel²`` to
``layer.losses``; ``fit`` adds every layer's losses to the compiled loss.

Example:
    >>> import minitf as tf
    >>> float(tf.keras.regularizers.L2(0.5)(tf.constant([1.0, 2.0])))
    2.5
"""

from __future__ import annotations

from typing import Any, Optional

from minitf.keras.serialization import keras_class
from minitf.ops import elementwise as ew
from minitf.ops.reduction import reduce_sum
from minitf.tensor import Tensor

__all__ = ["Regularizer", "L1", "L2", "L1L2", "get", "l1", "l2", "l1_l2"]


class Regularizer:
    """Base class: ``__call__(weight) -> scalar penalty``.

    Example:
        >>> import minitf as tf
        >>> isinstance(tf.keras.regularizers.L2(), tf.keras.regularizers.Regularizer)
        True
    """

    def __call__(self, x: Any) -> Tensor:
        raise NotImplementedError

    def get_config(self) -> dict:
        """The constructor arguments."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> "Regularizer":
        """Rebuilds the regularizer."""
        return cls(**config)


@keras_class
class L1L2(Regularizer):
    """``l1 · Σ|x| + l2 · Σx²``.

    Example:
        >>> import minitf as tf
        >>> float(tf.keras.regularizers.L1L2(l1=1.0, l2=1.0)(tf.constant([-2.0])))
        6.0
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x: Any) -> Tensor:
        penalty = None
        if self.l1:
            penalty = ew.multiply(reduce_sum(ew.abs(x)), self.l1)
        if self.l2:
            sq = ew.multiply(reduce_sum(ew.square(x)), self.l2)
            penalty = sq if penalty is None else ew.add(penalty, sq)
        if penalty is None:
            return ew.multiply(reduce_sum(x), 0.0)
        return penalty

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


@keras_class
class L1(L1L2):
    """``l1 · Σ|x|`` (default 0.01).

    Example:
        >>> import minitf as tf
        >>> float(tf.keras.regularizers.L1(1.0)(tf.constant([-2.0, 1.0])))
        3.0
    """

    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=l1)

    def get_config(self) -> dict:
        return {"l1": self.l1}


@keras_class
class L2(L1L2):
    """``l2 · Σx²`` (default 0.01).

    Example:
        >>> import minitf as tf
        >>> float(tf.keras.regularizers.L2(1.0)(tf.constant([3.0])))
        9.0
    """

    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=l2)

    def get_config(self) -> dict:
        return {"l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2


def get(identifier: Any) -> Optional[Regularizer]:
    """A regularizer from a name (``"l2"``), a config dict, or an instance/callable.

    Example:
        >>> import minitf as tf
        >>> type(tf.keras.regularizers.get("l2")).__name__
        'L2'
    """
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, str):
        table = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2}
        if identifier not in table:
            raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}")
        return table[identifier]()
    from minitf.keras.serialization import deserialize_keras_object
    return deserialize_keras_object(identifier)

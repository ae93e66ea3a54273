"""``tf.keras.optimizers.schedules``: learning rates that change with the step count.

A schedule is called with the optimizer's ``iterations`` (the number of steps taken) and
returns the learning rate for the next step, computed with minitf ops so it can run
inside a traced training step.

Example:
    >>> import minitf as tf
    >>> s = tf.keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10,
    ...                                                     decay_rate=0.5)
    >>> round(float(s(10)), 6), round(float(s(20)), 6)
    (0.05, 0.025)
"""

from __future__ import annotations

import math
from typing import Any, Optional

from minitf import dtypes as _dtypes
from minitf.keras.serialization import keras_class
from minitf.ops import elementwise as ew
from minitf.ops._operands import to_tensor
from minitf.tensor import Tensor

__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay",
           "InverseTimeDecay", "CosineDecay"]


def _step(step: Any) -> Tensor:
    step = step._read() if hasattr(step, "_read") else to_tensor(step)
    return step if step.dtype is _dtypes.float32 else ew.cast(step, _dtypes.float32)


class LearningRateSchedule:
    """Base class: ``__call__(step) -> learning rate``.

    Example:
        >>> import minitf as tf
        >>> class Halving(tf.keras.optimizers.schedules.LearningRateSchedule):
        ...     def __call__(self, step):
        ...         return 1.0 / (1.0 + tf.cast(step, tf.float32))
        >>> float(Halving()(1))
        0.5
    """

    def __call__(self, step: Any) -> Tensor:
        raise NotImplementedError

    def get_config(self) -> dict:
        """The constructor arguments."""
        raise NotImplementedError

    @classmethod
    def from_config(cls, config: dict) -> "LearningRateSchedule":
        """Rebuilds the schedule."""
        return cls(**config)


@keras_class
class ExponentialDecay(LearningRateSchedule):
    """``initial · decay_rate ** (step / decay_steps)`` (the exponent floored if
    ``staircase``).

    Example:
        >>> import minitf as tf
        >>> s = tf.keras.optimizers.schedules.ExponentialDecay(1.0, 2, 0.5, staircase=True)
        >>> [float(s(i)) for i in range(4)]
        [1.0, 1.0, 0.5, 0.5]
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str = "ExponentialDecay") -> None:
        if decay_steps <= 0:
            raise ValueError(f"Argument `decay_steps` must be > 0. Received: {decay_steps}")
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step: Any) -> Tensor:
        p = ew.truediv(_step(step), float(self.decay_steps))
        if self.staircase:
            p = ew.floor(p)
        return ew.multiply(ew.pow(float(self.decay_rate), p), float(self.initial_learning_rate))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


@keras_class
class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` up to ``boundaries[0]`` (inclusive), ``values[1]`` up to
    ``boundaries[1]``, ..., ``values[-1]`` after the last boundary.

    Example:
        >>> import minitf as tf
        >>> s = tf.keras.optimizers.schedules.PiecewiseConstantDecay([2, 4], [1.0, 0.5, 0.1])
        >>> [round(float(s(i)), 2) for i in (0, 2, 3, 4, 5)]
        [1.0, 1.0, 0.5, 0.5, 0.1]
    """

    def __init__(self, boundaries: list, values: list,
                 name: str = "PiecewiseConstant") -> None:
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"The length of boundaries should be 1 less than the length of "
                             f"values: got {len(boundaries)} boundaries and {len(values)} "
                             f"values.")
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step: Any) -> Tensor:
        step = _step(step)
        out: Any = to_tensor(float(self.values[-1]))
        # Fold from the last interval back: where(step <= b_i, v_i, later).
        for b, v in zip(reversed(self.boundaries), reversed(self.values[:-1])):
            out = ew.where(ew.less_equal(step, float(b)), float(v), out)
        return out

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


@keras_class
class InverseTimeDecay(LearningRateSchedule):
    """``initial / (1 + decay_rate · step / decay_steps)``.

    Example:
        >>> import minitf as tf
        >>> s = tf.keras.optimizers.schedules.InverseTimeDecay(1.0, 1, 1.0)
        >>> float(s(1))
        0.5
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str = "InverseTimeDecay") -> None:
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step: Any) -> Tensor:
        p = ew.truediv(_step(step), float(self.decay_steps))
        if self.staircase:
            p = ew.floor(p)
        return ew.truediv(float(self.initial_learning_rate),
                          ew.add(ew.multiply(p, float(self.decay_rate)), 1.0))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


@keras_class
class CosineDecay(LearningRateSchedule):
    """Half a cosine from ``initial`` down to ``alpha · initial`` over ``decay_steps``.

    Example:
        >>> import minitf as tf
        >>> s = tf.keras.optimizers.schedules.CosineDecay(1.0, 10)
        >>> round(float(s(5)), 4), float(s(10))
        (0.5, 0.0)
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0,
                 name: str = "CosineDecay", warmup_target: Optional[float] = None,
                 warmup_steps: int = 0) -> None:
        if warmup_target is not None or warmup_steps:
            raise NotImplementedError("CosineDecay warm-up is not implemented in minitf.")
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.alpha, self.name = alpha, name

    def __call__(self, step: Any) -> Tensor:
        frac = ew.minimum(ew.truediv(_step(step), float(self.decay_steps)), 1.0)
        cosine = ew.multiply(ew.add(ew.cos(ew.multiply(frac, math.pi)), 1.0), 0.5)
        decayed = ew.add(ew.multiply(cosine, 1.0 - self.alpha), float(self.alpha))
        return ew.multiply(decayed, float(self.initial_learning_rate))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": None, "warmup_steps": 0}

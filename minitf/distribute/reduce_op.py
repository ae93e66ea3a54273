"""``tf.distribute.ReduceOp``: how values from several replicas become one.

Example:
    >>> import minitf as tf
    >>> tf.distribute.ReduceOp.SUM
    <ReduceOp.SUM: 'SUM'>
    >>> tf.distribute.ReduceOp("MEAN")
    <ReduceOp.MEAN: 'MEAN'>
"""

from __future__ import annotations

import enum
from typing import Any

__all__ = ["ReduceOp"]


class ReduceOp(enum.Enum):
    """``SUM`` adds the replicas' values; ``MEAN`` averages them.

    Example:
        >>> from minitf.distribute import ReduceOp
        >>> [op.value for op in ReduceOp]
        ['SUM', 'MEAN']
    """

    SUM = "SUM"
    MEAN = "MEAN"

    @staticmethod
    def from_variable_aggregation(aggregation: Any) -> "ReduceOp":
        """The op matching a ``tf.VariableAggregation`` (``SUM`` or ``MEAN``).

        Raises:
            ValueError: for ``NONE`` and ``ONLY_FIRST_REPLICA``, which reduce nothing.

        Example:
            >>> from minitf.variables import VariableAggregation
            >>> ReduceOp.from_variable_aggregation(VariableAggregation.MEAN)
            <ReduceOp.MEAN: 'MEAN'>
        """
        from minitf.variables import VariableAggregation
        if aggregation == VariableAggregation.SUM:
            return ReduceOp.SUM
        if aggregation == VariableAggregation.MEAN:
            return ReduceOp.MEAN
        raise ValueError(f"Could not convert from `tf.VariableAggregation` {aggregation} to "
                         f"`tf.distribute.ReduceOp`: only SUM and MEAN reduce values.")


def as_reduce_op(value: Any) -> ReduceOp:
    """A ``ReduceOp`` from itself or its name (TF accepts ``"SUM"``).

    Raises:
        ValueError: for any other name, e.g. ``"MAX"`` (TF's message).

    Example:
        >>> as_reduce_op("SUM")
        <ReduceOp.SUM: 'SUM'>
    """
    if isinstance(value, ReduceOp):
        return value
    if isinstance(value, str) and value.upper() in ("SUM", "MEAN"):
        return ReduceOp(value.upper())
    return ReduceOp(value)

"""The op-spec table: one row per public op, tested generically.

Each :class:`OpSpec` names the minitf function, its NumPy reference, how to draw inputs
(arity, dtypes, value domain) and tolerances. ``test_ops_forward`` checks every row
against NumPy over hypothesis inputs; the gradient tests check every differentiable row
with ``minitf.testing.check_grads``.

Example:
    >>> from tests.op_specs import OP_SPECS
    >>> sorted(s.name for s in OP_SPECS)[:2]  # doctest: +SKIP
    ['abs', 'add']
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Optional, Sequence

import numpy as np

import minitf as tf
from tests.strategies import FLOAT_DTYPES, INT_DTYPES


@dataclasses.dataclass(frozen=True)
class OpSpec:
    """How to test one op.

    Attributes:
        name: a readable id (pytest shows it).
        fn: the minitf function, called with tensors (and ``kwargs``).
        reference: the NumPy function computing the same thing on arrays.
        arity: the number of tensor arguments.
        dtypes: the dtypes the op accepts (inputs share one dtype).
        low, high: the input value domain.
        avoid_zero: keep inputs away from 0 (division, log of |x|...).
        broadcast: whether inputs may have different broadcastable shapes.
        differentiable: whether gradients are checked (float dtypes only).
        kink: points where the gradient is undefined; inputs are kept 1e-2 away.
        kwargs: extra keyword arguments (e.g. ``{"axis": 0}``).
        rtol, atol: forward tolerances for float32 (float64 uses 1e-10).
        min_dims: smallest rank to draw.
    """

    name: str
    fn: Callable[..., Any]
    reference: Callable[..., Any]
    arity: int = 1
    dtypes: Sequence[tf.DType] = FLOAT_DTYPES
    low: float = -5.0
    high: float = 5.0
    avoid_zero: bool = False
    broadcast: bool = True
    differentiable: bool = True
    kink: Sequence[float] = ()
    kwargs: Optional[dict] = None
    rtol: float = 1e-5
    atol: float = 1e-6
    min_dims: int = 0


NUMERIC = FLOAT_DTYPES + INT_DTYPES

OP_SPECS: list[OpSpec] = [
    OpSpec("add", tf.add, np.add, arity=2, dtypes=NUMERIC),
    OpSpec("subtract", tf.subtract, np.subtract, arity=2, dtypes=NUMERIC),
    OpSpec("multiply", tf.multiply, np.multiply, arity=2, dtypes=NUMERIC),
    OpSpec("exp", tf.exp, np.exp),
    # ... the foundation-tests helper completes this table (one row per public op).
]


def spec_by_name(name: str) -> OpSpec:
    """The row called ``name``."""
    for s in OP_SPECS:
        if s.name == name:
            return s
    raise KeyError(name)

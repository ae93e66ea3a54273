"""``GradientTape.jacobian`` and ``batch_jacobian``: one backward pass per output element.

TensorFlow vectorizes these with ``pfor``; minitf runs the backward pass once per
element of the target with a one-hot cotangent, and stacks the rows. The result is the
same, the cost is ``target.size`` backward passes — fine for the small Jacobians of a
tutorial. The relevance sweep (which tensors depend on a source) is done once.

Example:
    >>> import minitf as tf
    >>> x = tf.constant([1.0, 2.0, 3.0])
    >>> with tf.GradientTape() as t:
    ...     t.watch(x)
    ...     y = x * x
    >>> t.jacobian(y, x).numpy()
    array([[2., 0., 0.],
           [0., 4., 0.],
           [0., 0., 6.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minitf import nest
from minitf.autodiff import GradientTape, UnconnectedGradients
from minitf.backward import _base_variable, pullback, relevant_ids, source_keys
from minitf.tensor import Tensor, convert_to_tensor
from minitf.variables import Variable

__all__ = ["jacobian", "batch_jacobian"]


def _mode(unconnected: Any) -> UnconnectedGradients:
    return UnconnectedGradients(getattr(unconnected, "value", unconnected))


def _as_target(target: Any, method: str) -> Tensor:
    if isinstance(target, Variable):
        return _base_variable(target)._tensor
    if not isinstance(target, Tensor):
        raise ValueError(f"GradientTape.{method}: the target must be a tensor, got "
                         f"{target!r}.")
    return target


def _source_shape(source: Any) -> tuple:
    return tuple(source._tensor._shape if isinstance(source, Variable) else source._shape)


def _one_hot_seeds(target: Tensor, shape: tuple, index: Any) -> Tensor:
    seed = np.zeros(shape, target._dtype.np)
    seed[index] = 1
    return convert_to_tensor(seed.reshape(target._shape))


def _zeros(shape: tuple, like: Any) -> Tensor:
    return convert_to_tensor(np.zeros(shape, like._dtype.np))


def jacobian(tape: GradientTape, target: Any, sources: Any, unconnected: Any) -> Any:
    """``tape.jacobian(target, sources)``: see :meth:`GradientTape.jacobian`.

    Example:
        >>> import minitf as tf
        >>> from minitf.jacobians import jacobian
        >>> x = tf.Variable([1.0, 2.0])
        >>> with tf.GradientTape() as t:
        ...     y = tf.reduce_sum(x * x)
        >>> jacobian(t, y, x, "none").numpy()
        array([2., 4.], dtype=float32)
    """
    from minitf.ops.joining import stack
    from minitf.ops.shape import reshape
    unconnected = _mode(unconnected)
    tape._begin_differentiation()
    target = _as_target(target, "jacobian")
    flat_sources = nest.flatten(sources)
    keys = [source_keys(tape, s) for s in flat_sources]
    relevant = relevant_ids(tape, keys)
    # BEGIN SOLUTION autodiff: jacobian rows, one-hot pullbacks; spec: tests/test_autodiff_tape.py
    n = int(np.prod(target._shape, dtype=np.int64))
    rows: list = [[] for _ in flat_sources]
    for i in range(n):
        og = _one_hot_seeds(target, (n,), i)
        grads = pullback(tape, [target], [og], flat_sources, keys, relevant, False)
        for r, g in zip(rows, grads):
            r.append(g)
    # END SOLUTION
    out = []
    for src, r in zip(flat_sources, rows):
        shape = tuple(target._shape) + _source_shape(src)
        if src._dtype._kind != "f":
            out.append(None)
        elif n and r[0] is not None:
            # Connectivity is structural: every row is connected, or none is.
            out.append(reshape(stack(r), shape))
        elif unconnected is UnconnectedGradients.ZERO or (n == 0 and id(target) in relevant):
            out.append(_zeros(shape, src))
        else:
            out.append(None)
    tape._end_differentiation()
    return nest.pack_sequence_as(sources, out) if nest.is_nested(sources) else out[0]


def batch_jacobian(tape: GradientTape, target: Any, source: Any, unconnected: Any) -> Any:
    """``tape.batch_jacobian(target, source)``: see :meth:`GradientTape.batch_jacobian`.

    Row ``b`` of the target is assumed to depend only on row ``b`` of the source, so a
    cotangent with a one in column ``j`` of *every* row gives column ``j`` of all the
    per-example Jacobians at once: ``target.size / batch`` backward passes.

    Example:
        >>> import minitf as tf
        >>> from minitf.jacobians import batch_jacobian
        >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        >>> with tf.GradientTape() as t:
        ...     t.watch(x)
        ...     y = x * x
        >>> batch_jacobian(t, y, x, "none").numpy()[1]
        array([[6., 0.],
               [0., 8.]], dtype=float32)
    """
    from minitf.ops.joining import stack
    from minitf.ops.shape import reshape
    unconnected = _mode(unconnected)
    tape._begin_differentiation()
    target = _as_target(target, "batch_jacobian")
    t_shape, s_shape = tuple(target._shape), _source_shape(source)
    if not t_shape or not s_shape or t_shape[0] != s_shape[0]:
        raise ValueError(f"GradientTape.batch_jacobian: the target {t_shape} and the source "
                         f"{s_shape} must both have a first (batch) dimension of the same "
                         f"size; use jacobian() for other shapes.")
    b = t_shape[0]
    m = int(np.prod(t_shape[1:], dtype=np.int64))
    keys = [source_keys(tape, source)]
    relevant = relevant_ids(tape, keys)
    cols = []
    for j in range(m):
        og = _one_hot_seeds(target, (b, m), (slice(None), j))
        (g,) = pullback(tape, [target], [og], [source], keys, relevant, False)
        cols.append(g)
    shape = t_shape + s_shape[1:]
    tape._end_differentiation()
    if source._dtype._kind != "f":
        return None
    if m and cols[0] is not None:
        return reshape(stack(cols, axis=1), shape)
    if unconnected is UnconnectedGradients.ZERO or (m == 0 and id(target) in relevant):
        return _zeros(shape, source)
    return None

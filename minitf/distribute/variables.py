"""Mirrored variables: every worker starts from rank 0's values.

Each worker creates its own copy of every variable, initialised by its own random
draws. Data-parallel training needs the copies identical from the start — then equal
summed gradients keep them identical forever. So a variable created inside
``strategy.scope()`` is overwritten with rank 0's value right after creation: a
broadcast, at the same point of the program on every worker (each worker runs the same
script and creates the same variables in the same order, as TensorFlow requires too).

Example:
    >>> import minitf as tf
    >>> with tf.distribute.MirroredStrategy().scope():   # one replica: nothing to send
    ...     v = tf.Variable(2.0)
    >>> float(v)
    2.0
"""

from __future__ import annotations

from typing import Any

from minitf import variables as _variables
from minitf.distribute import collectives
from minitf.distribute.strategy import current_strategy

__all__ = ["broadcast_variables", "shared_seed", "install"]


def broadcast_variables(variables: list) -> None:
    """Sets each variable to rank 0's value (one broadcast per dtype; eager).

    Example:
        >>> import minitf as tf
        >>> v = tf.Variable([1.0, 2.0])
        >>> broadcast_variables([v]); v.numpy()
        array([1., 2.], dtype=float32)
    """
    if not collectives.is_initialized() or not variables:
        return
    from minitf.core.interpreters import _wrap
    with _variables.init_scope():
        buffers = [v._tensor._value for v in variables]
        for v, buffer in zip(variables, collectives.broadcast_buffers(buffers)):
            v._tensor = _wrap(buffer)


def shared_seed() -> int:
    """A random seed, the same on every worker: rank 0's draw, broadcast.

    Rank 0 draws it from minitf's random state, so ``tf.random.set_seed`` on the
    workers makes it reproducible.

    Example:
        >>> isinstance(shared_seed(), int)
        True
    """
    import numpy as np
    from minitf.ops.random import generator_for, get_seed
    seed = np.array([generator_for(get_seed(None)).integers(2**31 - 1)], np.int64)
    return int(collectives.broadcast_buffers([seed])[0][0])


def _mirror_new_variable(variable: Any) -> None:
    """The creation hook: mirror variables born inside a multi-replica scope."""
    strategy = current_strategy()
    if strategy is not None and strategy.num_replicas_in_sync > 1:
        broadcast_variables([variable])


def install() -> None:
    """Registers the creation hook (once).

    Example:
        >>> install()
        >>> _mirror_new_variable in _variables.creation_hooks
        True
    """
    if _mirror_new_variable not in _variables.creation_hooks:
        _variables.creation_hooks.append(_mirror_new_variable)

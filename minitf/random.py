"""``tf.random``: random tensors and the global seed.

Example:
    >>> import minitf as tf
    >>> tf.random.set_seed(0)
    >>> tf.random.uniform([2], maxval=10, dtype=tf.int32).shape
    TensorShape([2])
"""

from minitf.ops.extra_math import categorical  # noqa: F401
from minitf.ops.random import normal, set_seed, shuffle, truncated_normal, uniform  # noqa: F401

__all__ = ["categorical", "normal", "set_seed", "shuffle", "truncated_normal", "uniform"]

"""``tf.linalg``: matrix products and friends.

Example:
    >>> import minitf as tf
    >>> tf.linalg.matmul(tf.eye(2), tf.ones([2, 1])).numpy()
    array([[1.],
           [1.]], dtype=float32)
"""

from minitf.ops.clipping import global_norm, norm  # noqa: F401
from minitf.ops.einsum import einsum  # noqa: F401
from minitf.ops.extra_math import diag, diag_part, trace  # noqa: F401
from minitf.ops.linalg import eye, matmul, tensordot  # noqa: F401
from minitf.ops.nn import l2_normalize  # noqa: F401

__all__ = ["diag", "diag_part", "einsum", "eye", "global_norm", "l2_normalize", "matmul", "norm",
           "tensordot", "trace"]

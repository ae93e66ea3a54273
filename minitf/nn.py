"""``tf.nn``: activations, softmax and losses on logits.

Example:
    >>> import minitf as tf
    >>> tf.nn.relu(tf.constant([-1.0, 1.0])).numpy()
    array([0., 1.], dtype=float32)
"""

from minitf.ops.elementwise import sigmoid, tanh  # noqa: F401
from minitf.ops.nn import (  # noqa: F401
    bias_add, dropout, elu, gelu, l2_normalize, leaky_relu, log_softmax, moments, relu,
    relu6, sigmoid_cross_entropy_with_logits, silu, softmax, softmax_cross_entropy_with_logits,
    softplus, sparse_softmax_cross_entropy_with_logits, swish,
)

from minitf.ops.conv import conv2d  # noqa: F401
from minitf.ops.extra_math import l2_loss  # noqa: F401
from minitf.ops.sorting import top_k  # noqa: F401
from minitf.ops.pooling import avg_pool2d, max_pool2d  # noqa: F401
from minitf.distribute.losses import (  # noqa: F401  (losses for tf.distribute loops)
    compute_average_loss, scale_regularization_loss,
)

__all__ = [n for n in dir() if not n.startswith("_")]

"""``tf.nn.compute_average_loss`` and ``tf.nn.scale_regularization_loss``.

In a custom training loop under a strategy, each replica sees ``B / n`` of the ``B``
examples of a global batch, and the optimizer **sums** the replicas' gradients. For the
sum to be the gradient of the mean over the global batch, each replica must divide its
*summed* per-example loss by the *global* batch size ``B`` — not take its local mean:

    Σ_r (1/B) Σ_{i in shard r} loss_i  =  (1/B) Σ_all loss_i

This also weighs unequal shards correctly (a last, short batch) and lets an empty
shard contribute exactly zero. A loss that is not per example (a weight penalty,
computed identically on every replica) is divided by ``n`` instead.

Example:
    >>> import minitf as tf
    >>> tf.nn.compute_average_loss(tf.constant([1.0, 2.0, 3.0, 4.0]), global_batch_size=8)
    <tf.Tensor: shape=(), dtype=float32, numpy=1.25>
"""

from __future__ import annotations

from typing import Any, Optional

from minitf.tensor import Tensor, convert_to_tensor

__all__ = ["compute_average_loss", "scale_regularization_loss"]


def _replicas() -> int:
    from minitf.distribute.strategy import get_strategy
    return get_strategy().num_replicas_in_sync


def compute_average_loss(per_example_loss: Any, sample_weight: Any = None,
                         global_batch_size: Optional[int] = None) -> Tensor:
    """``sum(per_example_loss · sample_weight) / global_batch_size``.

    Args:
        per_example_loss: one loss per example (rank ≥ 1; the first axis is the batch).
        sample_weight: optional weights, broadcast against the losses.
        global_batch_size: the batch size over all replicas; default: this replica's
            batch size times ``num_replicas_in_sync``.

    Raises:
        ValueError: for a scalar loss (TF's message): pass one loss per example.

    Example:
        >>> import minitf as tf
        >>> tf.nn.compute_average_loss(tf.constant([[1.0, 2.0], [3.0, 4.0]]))
        <tf.Tensor: shape=(), dtype=float32, numpy=5.0>
    """
    from minitf.ops import elementwise as ew
    from minitf.ops.reduction import reduce_sum
    loss = convert_to_tensor(per_example_loss)
    if len(loss._shape) == 0:
        raise ValueError(f"Invalid value passed for `per_example_loss`. Expected a tensor "
                         f"with at least rank 1. Received per_example_loss={loss.numpy()} "
                         f"with rank 0")
    if sample_weight is not None:
        loss = ew.multiply(loss, ew.cast(convert_to_tensor(sample_weight), loss.dtype))
    total = reduce_sum(loss)
    if global_batch_size is None:
        if loss._shape[0] is None:  # traced with an unknown batch: count at run time
            from minitf.ops.shape import shape
            n = ew.multiply(shape(loss)[0], _replicas())
        else:
            n = loss._shape[0] * _replicas()
    else:
        n = global_batch_size
    if not total.dtype.is_floating:
        return ew.truediv(total, ew.cast(n, total.dtype))  # int / int is float64 in TF
    # TF's div_no_nan: an empty batch (a replica with no examples) has total 0 and
    # n = 0; dividing by max(n, 1) gives it 0 rather than 0/0.
    return ew.divide(total, ew.maximum(ew.cast(n, total.dtype), 1.0))


def scale_regularization_loss(regularization_loss: Any) -> Tensor:
    """``sum(regularization_loss) / num_replicas_in_sync``: a penalty every replica
    computes identically, so the summed gradients count it once.

    Example:
        >>> import minitf as tf
        >>> tf.nn.scale_regularization_loss(tf.constant([1.0, 2.0]))
        <tf.Tensor: shape=(), dtype=float32, numpy=3.0>
    """
    from minitf.ops import elementwise as ew
    from minitf.ops.reduction import reduce_sum
    total = reduce_sum(convert_to_tensor(regularization_loss))
    return ew.divide(total, ew.cast(_replicas(), total.dtype))

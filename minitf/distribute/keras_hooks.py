"""What Keras asks of ``tf.distribute``: the hooks ``minitf.keras`` calls.

Each function is a no-op under the default strategy (and with one replica), so Keras
code calls them unconditionally and single-process training is unchanged bit for bit.
With ``n`` replicas, one training step of ``fit`` becomes::

    x, y = this worker's shard of the global batch            # shard_batches
    with tape:
        loss = mean loss over the shard
        scaled = loss / n                                     # scale_loss
    grads = tape.gradient(scaled, weights)
    grads = Σ over workers of grads                           # aggregate_gradients
    optimizer update (identical on every worker)

Why divide by ``n`` and then sum: with equal shards of ``B / n`` rows,
``Σ_r (1/n) · mean_r = (1/B) Σ_all rows`` — exactly the gradient of the mean loss over
the whole global batch, so ``n`` workers take the step one process would take on the
combined batch. (This is Keras's ``scale_loss_for_distribution``; a custom loop does
the same with ``tf.nn.compute_average_loss(per_example_loss, global_batch_size=B)``.)
With unequal shards (a last batch that does not split evenly) the mean of the shards'
means is not quite the global mean — TensorFlow's Keras has the same small difference.

``fit`` and ``evaluate`` shard their batches; ``train_on_batch`` treats its batch as
this worker's shard; ``predict`` runs on all of its data on every worker.

Example:
    >>> import minitf as tf
    >>> from minitf.distribute import keras_hooks
    >>> keras_hooks.scale_loss(None, tf.constant(3.0)).numpy()  # no strategy: unchanged
    np.float32(3.0)
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, Optional

from minitf.distribute import collectives
from minitf.distribute.strategy import Strategy, current_strategy

__all__ = ["strategy_in_scope", "attach_to_optimizer", "scale_loss", "aggregate_gradients",
           "mirror_variables", "shard_batches", "summed_metric_states"]


def _multi(strategy: Optional[Strategy]) -> bool:
    return strategy is not None and strategy.num_replicas_in_sync > 1


def strategy_in_scope() -> Optional[Strategy]:
    """The strategy a new model or optimizer belongs to: the enclosing scope's (or None).

    Example:
        >>> strategy_in_scope() is None
        True
    """
    return current_strategy()


def attach_to_optimizer(model_strategy: Optional[Strategy], optimizer: Any) -> Optional[Strategy]:
    """At ``compile``: the model and its optimizer must share one strategy.

    An optimizer created outside the scope (``compile(optimizer="adam")`` called after
    the ``with`` block) joins the model's strategy, as Keras compiles inside the model's
    scope. Returns the strategy the model trains under.

    Raises:
        ValueError: if model and optimizer were created under different strategies.

    Example:
        >>> import minitf as tf
        >>> attach_to_optimizer(None, tf.keras.optimizers.SGD()) is None
        True
    """
    opt_strategy = getattr(optimizer, "_distribution_strategy", None)
    if model_strategy is not None and opt_strategy is not None \
            and model_strategy is not opt_strategy:
        raise ValueError(f"The model was created under {model_strategy} but its optimizer "
                         f"under {opt_strategy}: create the model, the optimizer and call "
                         f"compile inside the same `with strategy.scope():` block.")
    strategy = model_strategy or opt_strategy
    if optimizer is not None:
        optimizer._distribution_strategy = strategy
    return strategy


def scale_loss(optimizer: Any, loss: Any) -> Any:
    """``loss / num_replicas`` when the optimizer sums gradients over replicas.

    Example:
        >>> import minitf as tf
        >>> scale_loss(tf.keras.optimizers.SGD(), tf.constant(2.0)).numpy()
        np.float32(2.0)
    """
    strategy = getattr(optimizer, "_distribution_strategy", None)
    if not _multi(strategy):
        return loss
    from minitf.ops.elementwise import multiply
    return multiply(loss, 1.0 / strategy.num_replicas_in_sync)


def aggregate_gradients(strategy: Optional[Strategy], grads: list) -> list:
    """The sum of each gradient over all replicas (one collective for all of them).

    Called by ``Optimizer.apply`` before clipping, so clipping and the update see the
    global gradient. Inside a traced step the all-reduce is staged into the graph.

    Example:
        >>> import minitf as tf
        >>> aggregate_gradients(None, [tf.constant(1.0)])[0].numpy()
        np.float32(1.0)
    """
    if not _multi(strategy):
        return grads
    return collectives.all_reduce_tensors(grads)


def mirror_variables(strategy: Optional[Strategy], variables: list) -> None:
    """Gives every worker rank 0's values of ``variables`` (one broadcast per dtype).

    Keras calls it when an optimizer is built for a model's weights: weights built
    lazily (at the first batch of ``fit``, outside ``strategy.scope()``) then still
    start identical on all workers.

    Example:
        >>> import minitf as tf
        >>> v = tf.Variable(1.0)
        >>> mirror_variables(None, [v]); float(v)
        1.0
    """
    if not _multi(strategy) or not variables:
        return
    from minitf.distribute.variables import broadcast_variables
    broadcast_variables(variables)


def shard_batches(strategy: Optional[Strategy], data: Any) -> Any:
    """``fit``/``evaluate``'s batches cut to this worker's shard of each global batch.

    Example:
        >>> import numpy as np
        >>> from minitf.keras.data_adapter import make_batches
        >>> data = make_batches(np.zeros((4, 1)))
        >>> shard_batches(None, data) is data
        True
    """
    if not _multi(strategy):
        return data
    from minitf.distribute.input_lib import ShardedBatches
    from minitf.distribute.variables import shared_seed
    from minitf.keras.data_adapter import _StepLimited
    target = data._source if isinstance(data, _StepLimited) else data
    sharded = ShardedBatches(target, strategy._resolver.rank,
                             strategy.num_replicas_in_sync, seed=shared_seed())
    if isinstance(data, _StepLimited):
        data._source = sharded  # steps_per_epoch counts global steps: cut underneath it
        return data
    return sharded


@contextlib.contextmanager
def summed_metric_states(strategy: Optional[Strategy], metrics: list) -> Iterator[None]:
    """While open, every metric's state variables hold their sum over all workers.

    Keras's metrics keep additive state (a ``total`` and a ``count``, true positives...),
    so summing the states and then computing ``result()`` gives the metric over the
    whole global data — the loss logged by ``fit`` is the mean over every worker's
    samples. The local states come back on exit, so the next batches keep accumulating
    locally. (TF does the same with "sync on read" variables.)

    Example:
        >>> with summed_metric_states(None, []):
        ...     pass
    """
    if not _multi(strategy):
        yield
        return
    variables = [v for m in metrics for v in m.variables]
    local = [v._tensor for v in variables]
    summed = collectives.all_reduce_tensors(local)
    for v, s in zip(variables, summed):
        v._tensor = s
    try:
        yield
    finally:
        for v, t in zip(variables, local):
            v._tensor = t

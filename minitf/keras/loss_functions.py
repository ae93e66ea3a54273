"""Keras's loss *functions*: one value per sample, with Keras 3's shape rules.

Targets of rank one less than the predictions get a trailing axis first (Keras 3's
``squeeze_or_expand_to_same_rank``), so ``y`` of shape ``(32,)`` against predictions
``(32, 1)`` compares sample by sample — never a ``(32, 32)`` broadcast. The
cross-entropies clip probabilities to ``[1e-7, 1 - 1e-7]`` as Keras does, or work from
logits with ``from_logits=True`` (more accurate).

Example:
    >>> import minitf as tf
    >>> tf.keras.losses.mean_squared_error([0.0, 2.0], [[1.0], [1.0]]).numpy()
    array([1., 1.], dtype=float32)
"""

from __future__ import annotations

import math
from typing import Any, Optional

from minitf import dtypes as _dtypes
from minitf.ops import elementwise as ew
from minitf.ops import nn as _nn
from minitf.ops._operands import to_tensor
from minitf.ops.reduction import reduce_mean, reduce_sum
from minitf.ops.shape import expand_dims, reshape, squeeze
from minitf.tensor import Tensor

__all__ = ["squeeze_or_expand_to_same_rank", "mean_squared_error", "mean_absolute_error",
           "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "huber",
           "log_cosh", "hinge", "kl_divergence", "binary_crossentropy",
           "categorical_crossentropy", "sparse_categorical_crossentropy", "EPSILON"]

EPSILON = 1e-7  # keras.config.epsilon()


def squeeze_or_expand_to_same_rank(x1: Tensor, x2: Tensor) -> tuple:
    """Makes ranks equal when they differ by one and the larger has a trailing 1.

    A rank-1 partner is expanded (``(n,)`` -> ``(n, 1)``); otherwise the trailing 1 is
    squeezed away.

    Example:
        >>> import minitf as tf
        >>> from minitf.keras.losses import squeeze_or_expand_to_same_rank
        >>> a, b = squeeze_or_expand_to_same_rank(tf.zeros([4]), tf.zeros([4, 1]))
        >>> a.shape, b.shape
        (TensorShape([4, 1]), TensorShape([4, 1]))
    """
    r1, r2 = len(x1._shape), len(x2._shape)
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1._shape[-1] == 1:
        return (x1, _add_last_axis(x2)) if r2 == 1 else (_drop_last_axis(x1), x2)
    if r2 == r1 + 1 and x2._shape[-1] == 1:
        return (_add_last_axis(x1), x2) if r1 == 1 else (x1, _drop_last_axis(x2))
    return x1, x2


# With static shapes a reshape does the same as expand_dims/squeeze and is the cheapest
# op there is (a NumPy view); these run on every training step.
def _add_last_axis(x: Tensor) -> Tensor:
    shape = tuple(x._shape)
    return reshape(x, shape + (1,)) if None not in shape else expand_dims(x, -1)


def _drop_last_axis(x: Tensor) -> Tensor:
    shape = tuple(x._shape)
    return reshape(x, shape[:-1]) if None not in shape else squeeze(x, [-1])


def _mean_last(values: Tensor) -> Tensor:
    """``mean(values, axis=-1)``; over a last axis of size 1 that is just dropping it."""
    if values._shape and values._shape[-1] == 1:
        return _drop_last_axis(values)
    return reduce_mean(values, -1)


def _prepare(y_true: Any, y_pred: Any) -> tuple:
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true)
    if y_true._dtype is not y_pred._dtype:
        y_true = ew.cast(y_true, y_pred._dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


# ---------------------------------------------------------------------------------------
# Loss functions: one value per sample
# ---------------------------------------------------------------------------------------
def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """``mean((y_true - y_pred)², axis=-1)``.

    Example:
        >>> import minitf as tf
        >>> tf.keras.losses.MSE([[0.0, 2.0]], [[1.0, 1.0]]).numpy()
        array([1.], dtype=float32)
    """
    # BEGIN SOLUTION keras: the mean squared error; spec: tests/test_keras_losses_metrics.py
    y_true, y_pred = _prepare(y_true, y_pred)
    return _mean_last(ew.square(ew.subtract(y_true, y_pred)))
    # END SOLUTION


def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(|y_true - y_pred|, axis=-1)``.

    Example:
        >>> import minitf as tf
        >>> tf.keras.losses.MAE([[0.0, 2.0]], [[1.0, 1.0]]).numpy()
        array([1.], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    return _mean_last(ew.abs(ew.subtract(y_true, y_pred)))


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Tensor:
    """``100 · mean(|(y_true - y_pred) / y_true|, axis=-1)`` (denominator at least 1e-7).

    Example:
        >>> import minitf as tf
        >>> tf.keras.losses.MAPE([[2.0]], [[1.0]]).numpy()
        array([50.], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    diff = ew.abs(ew.truediv(ew.subtract(y_true, y_pred), ew.maximum(ew.abs(y_true), EPSILON)))
    return ew.multiply(reduce_mean(diff, -1), 100.0)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Tensor:
    """``mean((log(1 + y_pred) - log(1 + y_true))², axis=-1)``.

    Example:
        >>> import minitf as tf
        >>> tf.keras.losses.MSLE([[0.0]], [[0.0]]).numpy()
        array([0.], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    first = ew.log(ew.add(ew.maximum(y_pred, EPSILON), 1.0))
    second = ew.log(ew.add(ew.maximum(y_true, EPSILON), 1.0))
    return reduce_mean(ew.square(ew.subtract(first, second)), -1)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Tensor:
    """Quadratic for errors up to ``delta``, linear beyond: ``½e²`` or ``δ|e| - ½δ²``.

    Example:
        >>> import minitf as tf
        >>> tf.keras.losses.huber([[0.0, 0.0]], [[0.5, 3.0]]).numpy()
        array([1.3125], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    error = ew.subtract(y_pred, y_true)
    abs_error = ew.abs(error)
    quadratic = ew.multiply(ew.square(error), 0.5)
    linear = ew.subtract(ew.multiply(abs_error, float(delta)), 0.5 * float(delta) ** 2)
    return reduce_mean(ew.where(ew.less_equal(abs_error, float(delta)), quadratic, linear), -1)


def log_cosh(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed without overflow.

    Example:
        >>> import minitf as tf
        >>> tf.keras.losses.log_cosh([[0.0]], [[0.0]]).numpy()
        array([0.], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    d = ew.subtract(y_pred, y_true)
    # log cosh d = d + softplus(-2d) - log 2
    return reduce_mean(ew.subtract(ew.add(d, _nn.softplus(ew.multiply(d, -2.0))),
                                   math.log(2.0)), -1)


def hinge(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(max(1 - y_true · y_pred, 0), axis=-1)``; labels in {0, 1} become {-1, 1}.

    Example:
        >>> import minitf as tf
        >>> tf.keras.losses.hinge([[1.0]], [[0.25]]).numpy()
        array([0.75], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    from minitf.ops.reduction import reduce_all
    is_binary = reduce_all(ew.logical_or(ew.equal(y_true, 0.0), ew.equal(y_true, 1.0)))
    y_true = ew.where(is_binary, ew.subtract(ew.multiply(y_true, 2.0), 1.0), y_true)
    return reduce_mean(ew.maximum(ew.subtract(1.0, ew.multiply(y_true, y_pred)), 0.0), -1)


def kl_divergence(y_true: Any, y_pred: Any) -> Tensor:
    """``Σ y_true · log(y_true / y_pred)`` over the last axis (both clipped to [1e-7, 1]).

    Example:
        >>> import minitf as tf
        >>> tf.keras.losses.KLD([[0.5, 0.5]], [[0.5, 0.5]]).numpy()
        array([0.], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    t = ew.clip_by_value(y_true, EPSILON, 1.0)
    p = ew.clip_by_value(y_pred, EPSILON, 1.0)
    return reduce_sum(ew.multiply(t, ew.log(ew.truediv(t, p))), -1)


def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                        label_smoothing: float = 0.0, axis: int = -1) -> Tensor:
    """``-mean(t log p + (1 - t) log(1 - p))`` over ``axis``; ``p`` clipped to
    [1e-7, 1 - 1e-7], or computed stably from logits.

    Example:
        >>> import minitf as tf
        >>> round(float(tf.keras.losses.binary_crossentropy([[1.0]], [[0.5]])[0]), 4)
        0.6931
    """
    y_pred = to_tensor(y_pred)
    y_true = ew.cast(to_tensor(y_true), y_pred._dtype)
    if label_smoothing:
        y_true = ew.add(ew.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    if from_logits:
        per_value = _nn.sigmoid_cross_entropy_with_logits(labels=y_true, logits=y_pred)
    else:
        p = ew.clip_by_value(y_pred, EPSILON, 1.0 - EPSILON)
        per_value = ew.negative(ew.add(ew.multiply(y_true, ew.log(p)),
                                       ew.multiply(ew.subtract(1.0, y_true),
                                                   ew.log(ew.subtract(1.0, p)))))
    return reduce_mean(per_value, axis)


def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1) -> Tensor:
    """``-Σ y_true · log(p)`` over ``axis`` for one-hot (or soft) targets.

    Without logits the predictions are renormalized to sum to 1 and clipped to
    [1e-7, 1 - 1e-7], as Keras does.

    Example:
        >>> import minitf as tf
        >>> round(float(tf.keras.losses.categorical_crossentropy(
        ...     [[0.0, 1.0]], [[0.5, 0.5]])[0]), 4)
        0.6931
    """
    y_pred = to_tensor(y_pred)
    y_true = ew.cast(to_tensor(y_true), y_pred._dtype)
    if y_true._shape != y_pred._shape:
        raise ValueError(f"Arguments `target` and `output` must have the same shape. "
                         f"Received: target.shape={tuple(y_true._shape)}, "
                         f"output.shape={tuple(y_pred._shape)}. For integer class ids use "
                         f"sparse_categorical_crossentropy.")
    if label_smoothing:
        n = y_pred._shape[axis]
        y_true = ew.add(ew.multiply(y_true, 1.0 - label_smoothing), label_smoothing / n)
    if from_logits:
        return _nn.softmax_cross_entropy_with_logits(y_true, y_pred, axis)
    p = ew.truediv(y_pred, reduce_sum(y_pred, axis, keepdims=True))
    p = ew.clip_by_value(p, EPSILON, 1.0 - EPSILON)
    return ew.negative(reduce_sum(ew.multiply(y_true, ew.log(p)), axis))


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                                    ignore_class: Optional[int] = None,
                                    axis: int = -1) -> Tensor:
    """Cross-entropy with integer class ids as targets (shape ``y_pred.shape[:-1]``).

    Example:
        >>> import minitf as tf
        >>> round(float(tf.keras.losses.sparse_categorical_crossentropy(
        ...     [1], [[0.5, 0.5]])[0]), 4)
        0.6931
    """
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true)
    if len(y_true._shape) == len(y_pred._shape) and y_true._shape[-1] == 1:
        y_true = squeeze(y_true, [-1])
    if not y_true._dtype.is_integer:
        y_true = ew.cast(y_true, _dtypes.int32)
    if tuple(y_true._shape) != tuple(y_pred._shape[:-1]):
        raise ValueError(
            f"Arguments `target` and `output` must have the same shape up until the last "
            f"dimension: target.shape={tuple(y_true._shape)}, "
            f"output.shape={tuple(y_pred._shape)}. One-hot targets need "
            f"categorical_crossentropy.")
    logits = y_pred if from_logits else ew.log(ew.clip_by_value(y_pred, EPSILON, 1 - EPSILON))
    return _nn.sparse_softmax_cross_entropy_with_logits(labels=y_true, logits=logits)

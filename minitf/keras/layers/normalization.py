"""``BatchNormalization`` and ``LayerNormalization``.

Both compute ``(x - mean) / sqrt(var + epsilon) * gamma + beta``; they differ in *which*
axes the statistics run over. Batch norm averages over the batch (and spatial) axes and
keeps moving averages for inference; layer norm averages over each sample's features, so
it behaves the same in training and inference.

Example:
    >>> import minitf as tf
    >>> ln = tf.keras.layers.LayerNormalization()
    >>> y = ln(tf.constant([[1.0, 2.0, 3.0]]))
    >>> [round(float(v), 3) for v in y[0]]
    [-1.224, 0.0, 1.224]
"""

from __future__ import annotations

from typing import Any

from minitf.keras import initializers
from minitf.keras.layer import InputSpec, Layer
from minitf.keras.serialization import keras_class
from minitf.ops import elementwise as ew
from minitf.ops.nn import moments
from minitf.ops.shape import reshape, stop_gradient
from minitf.tensor import Tensor

__all__ = ["BatchNormalization", "LayerNormalization"]


def _axes(axis: Any, rank: int) -> list:
    axes = [axis] if isinstance(axis, int) else list(axis)
    return sorted(a % rank for a in axes)


def _normalize(x: Tensor, mean: Any, variance: Any, gamma: Any, beta: Any,
               epsilon: float) -> Tensor:
    # One rsqrt and a fused scale: y = (x - mean) · (gamma / sqrt(var + eps)) + beta.
    inv = ew.rsqrt(ew.add(variance, epsilon))
    if gamma is not None:
        inv = ew.multiply(inv, gamma)
    y = ew.multiply(ew.subtract(x, mean), inv)
    return y if beta is None else ew.add(y, beta)


@keras_class
class BatchNormalization(Layer):
    """Normalizes each feature with batch statistics (training) or moving averages.

    During training (``training=True`` and the layer trainable) it uses the batch's mean
    and (biased) variance over every axis but ``axis``, and moves
    ``moving = moving · momentum + batch · (1 - momentum)``. At inference it uses the
    moving averages.

    Args:
        axis: the feature axis (default last).
        momentum: the moving-average momentum (0.99).
        epsilon: added to the variance (0.001).
        center, scale: whether to learn ``beta`` and ``gamma``.

    Example:
        >>> import minitf as tf
        >>> bn = tf.keras.layers.BatchNormalization()
        >>> y = bn(tf.constant([[0.0], [2.0]]), training=True)
        >>> [round(float(v), 4) for v in y[:, 0]]
        [-0.9995, 0.9995]
        >>> [round(float(v), 3) for v in bn.moving_mean.numpy()]
        [0.01]
    """

    def __init__(self, axis: Any = -1, momentum: float = 0.99, epsilon: float = 0.001,
                 center: bool = True, scale: bool = True, beta_initializer: Any = "zeros",
                 gamma_initializer: Any = "ones", moving_mean_initializer: Any = "zeros",
                 moving_variance_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, synchronized: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis, self.momentum, self.epsilon = axis, float(momentum), float(epsilon)
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.beta_constraint, self.gamma_constraint = beta_constraint, gamma_constraint

    def build(self, input_shape: Any) -> None:
        rank = len(input_shape)
        self._feature_axes = _axes(self.axis, rank)
        shape = tuple(input_shape[a] for a in self._feature_axes)
        self.gamma = self.add_weight(shape=shape, initializer=self.gamma_initializer,
                                     name="gamma", regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight(shape=shape, initializer=self.beta_initializer,
                                    name="beta", regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None
        self.moving_mean = self.add_weight(shape=shape, initializer=self.moving_mean_initializer,
                                           name="moving_mean", trainable=False)
        self.moving_variance = self.add_weight(
            shape=shape, initializer=self.moving_variance_initializer, name="moving_variance",
            trainable=False)
        self.input_spec = InputSpec(ndim=rank, axes={a: input_shape[a]
                                                     for a in self._feature_axes})
        # Parameters broadcast against x: (C,) works for the last axis; else reshape.
        self._param_shape = None if self._feature_axes == [rank - 1] else [
            input_shape[a] if a in self._feature_axes else 1 for a in range(rank)]

    def _broadcast(self, p: Any) -> Any:
        return p if p is None or self._param_shape is None else reshape(p, self._param_shape)

    def call(self, inputs: Any, training: Any = None) -> Tensor:
        rank = len(inputs._shape)
        reduce_axes = [a for a in range(rank) if a not in self._feature_axes]
        if training and self.trainable:
            mean, variance = moments(inputs, reduce_axes, keepdims=self._param_shape is not None)
            m = self.momentum
            # Moving statistics are bookkeeping, not part of the loss: no gradient path.
            bm, bv = stop_gradient(mean), stop_gradient(variance)
            if self._param_shape is not None:
                bm, bv = reshape(bm, self.moving_mean.shape), reshape(bv, self.moving_mean.shape)
            self.moving_mean.assign(ew.add(ew.multiply(self.moving_mean, m),
                                           ew.multiply(bm, 1.0 - m)))
            self.moving_variance.assign(ew.add(ew.multiply(self.moving_variance, m),
                                               ew.multiply(bv, 1.0 - m)))
        else:
            mean = self._broadcast(self.moving_mean)
            variance = self._broadcast(self.moving_variance)
        return _normalize(inputs, mean, variance, self._broadcast(self.gamma),
                          self._broadcast(self.beta), self.epsilon)

    def get_config(self) -> dict:
        ser = initializers.serialize
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": ser(self.beta_initializer),
                "gamma_initializer": ser(self.gamma_initializer),
                "moving_mean_initializer": ser(self.moving_mean_initializer),
                "moving_variance_initializer": ser(self.moving_variance_initializer),
                "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
                "gamma_constraint": None, "synchronized": False}


@keras_class
class LayerNormalization(Layer):
    """Normalizes each sample over ``axis`` (default the last), then scales and shifts.

    Example:
        >>> import minitf as tf
        >>> ln = tf.keras.layers.LayerNormalization(center=False, scale=False)
        >>> [round(float(v), 4) for v in ln(tf.constant([[0.0, 2.0]]))[0]]
        [-0.9995, 0.9995]
    """

    def __init__(self, axis: Any = -1, epsilon: float = 0.001, center: bool = True,
                 scale: bool = True, beta_initializer: Any = "zeros",
                 gamma_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis, self.epsilon = axis, float(epsilon)
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)

    def build(self, input_shape: Any) -> None:
        rank = len(input_shape)
        self._norm_axes = _axes(self.axis, rank)
        shape = tuple(input_shape[a] for a in self._norm_axes)
        self.gamma = self.add_weight(shape=shape, initializer=self.gamma_initializer,
                                     name="gamma") if self.scale else None
        self.beta = self.add_weight(shape=shape, initializer=self.beta_initializer,
                                    name="beta") if self.center else None
        # gamma/beta cover the normalized axes; they broadcast if those are the last ones.
        trailing = self._norm_axes == list(range(rank - len(self._norm_axes), rank))
        self._param_shape = None if trailing else [
            input_shape[a] if a in self._norm_axes else 1 for a in range(rank)]

    def call(self, inputs: Any) -> Tensor:
        mean, variance = moments(inputs, self._norm_axes, keepdims=True)

        def b(p: Any) -> Any:
            return p if p is None or self._param_shape is None else reshape(p, self._param_shape)
        return _normalize(inputs, mean, variance, b(self.gamma), b(self.beta), self.epsilon)

    def get_config(self) -> dict:
        ser = initializers.serialize
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale,
                "beta_initializer": ser(self.beta_initializer),
                "gamma_initializer": ser(self.gamma_initializer), "beta_regularizer": None,
                "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None}

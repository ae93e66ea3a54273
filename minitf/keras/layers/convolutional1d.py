"""Sequence layers (channels last): ``Conv1D``, ``MaxPooling1D``, ``AveragePooling1D``,
``GlobalAveragePooling1D`` and ``GlobalMaxPooling1D``.

A sequence ``(batch, steps, channels)`` is an image one pixel high: each layer inserts a
height axis of size 1, runs the 2-D op of :mod:`minitf.ops.conv` or
:mod:`minitf.ops.pooling` with a ``1 × k`` window, and removes the axis again. No new
primitives, so the gradients are the 2-D ops' (and ``expand_dims``/``squeeze``'s).

Example:
    >>> import minitf as tf
    >>> conv = tf.keras.layers.Conv1D(4, 3, padding="same")
    >>> conv(tf.ones([2, 10, 1])).shape
    TensorShape([2, 10, 4])
    >>> tf.keras.layers.MaxPooling1D()(tf.ones([2, 10, 4])).shape
    TensorShape([2, 5, 4])
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from minitf.keras.layer import InputSpec, Layer
from minitf.keras.layers.convolutional import _check_channels_last, _GlobalPooling2D
from minitf.keras.layers.kernel_bias import KernelBias
from minitf.keras.serialization import keras_class
from minitf.ops import conv as _conv
from minitf.ops import pooling as _pooling
from minitf.ops.reduction import reduce_max, reduce_mean
from minitf.ops.shape import expand_dims, squeeze
from minitf.tensor import Tensor

__all__ = ["Conv1D", "MaxPooling1D", "AveragePooling1D", "GlobalAveragePooling1D",
           "GlobalMaxPooling1D"]


def _single(value: Any, name: str) -> int:
    """An int, or a 1-tuple of one (Keras writes ``kernel_size=(3,)`` in configs)."""
    if isinstance(value, (int, np.integer)):
        return int(value)
    value = tuple(int(v) for v in value)
    if len(value) != 1:
        raise ValueError(f"The `{name}` argument must be a tuple of 1 integer. Received: "
                         f"{name}={value}")
    return value[0]


def _padding(padding: str, allowed: tuple) -> str:
    mode = str(padding).lower()
    if mode not in allowed:
        raise ValueError(f"The `padding` argument must be one of {allowed}. Received: "
                         f"padding={padding}")
    return mode


def _check_output_size(layer: Layer, steps: Optional[int], window: int, stride: int,
                       padding: str) -> None:
    """Keras's error when a ``"valid"`` window is longer than the sequence."""
    if steps is not None and padding == "valid" and steps < window:
        raise ValueError(
            f"{type(layer).__name__} layer \"{layer.name}\": computed output size would be "
            f"zero or negative: inputs have {steps} steps but the window spans {window} "
            f"(strides={stride}, padding='valid'). Use padding='same' or a smaller window.")


@keras_class
class Conv1D(KernelBias, Layer):
    """1-D convolution over ``(batch, steps, channels)`` sequences.

    Args:
        filters: the number of output channels.
        kernel_size: the window length (an int or a 1-tuple).
        strides: the step between windows (default 1).
        padding: ``"valid"`` (no padding), ``"same"`` (``ceil(steps / strides)`` outputs)
            or ``"causal"`` (zeros on the left only, so output ``t`` sees inputs ``<= t``:
            WaveNet's temporal convolutions).
        dilation_rate: spacing between window taps (only with ``strides=1``).
        activation, use_bias, kernel_initializer, bias_initializer, *_regularizer,
            *_constraint: as in ``Dense``.

    Example:
        >>> import minitf as tf
        >>> conv = tf.keras.layers.Conv1D(1, 2, padding="causal", use_bias=False,
        ...                               kernel_initializer="ones")
        >>> conv(tf.reshape(tf.range(4.0), [1, 4, 1]))[0, :, 0].numpy()
        array([0., 1., 3., 5.], dtype=float32)
        >>> tuple(conv.kernel.shape)
        (2, 1, 1)
    """

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1,
                 padding: str = "valid", data_format: Optional[str] = None,
                 dilation_rate: Any = 1, groups: int = 1, activation: Any = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        _check_channels_last(data_format, "Conv1D")
        if groups != 1:
            raise NotImplementedError("Conv1D(groups > 1) is not implemented in minitf.")
        self.filters = int(filters)
        self.kernel_size = _single(kernel_size, "kernel_size")
        self.strides = _single(strides, "strides")
        self.padding = _padding(padding, ("valid", "same", "causal"))
        self.data_format = "channels_last"
        self.dilation_rate = _single(dilation_rate, "dilation_rate")
        if self.strides > 1 and self.dilation_rate > 1:
            raise ValueError(f"`strides > 1` not supported in conjunction with "
                             f"`dilation_rate > 1`. Received: strides=({self.strides},) and "
                             f"dilation_rate=({self.dilation_rate},)")
        self._set_kernel_bias_options(activation, use_bias, kernel_initializer,
                                      bias_initializer, kernel_regularizer, bias_regularizer,
                                      kernel_constraint, bias_constraint)
        self.input_spec = InputSpec(min_ndim=3)

    def build(self, input_shape: Any) -> None:
        if len(input_shape) != 3:
            raise ValueError(
                f"Conv1D layer \"{self.name}\" expects inputs of shape (batch, steps, "
                f"channels), got {tuple(input_shape)}. For images use Conv2D; for a single "
                f"sequence add a batch axis with tf.expand_dims(x, 0).")
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"Conv1D layer \"{self.name}\" needs a known number of input "
                             f"channels (last axis), got input shape {tuple(input_shape)}.")
        span = (self.kernel_size - 1) * self.dilation_rate + 1
        _check_output_size(self, input_shape[1], span, self.strides, self.padding)
        self._add_kernel_and_bias((self.kernel_size, channels, self.filters), self.filters)
        self.input_spec = InputSpec(ndim=3, axes={-1: channels})

    def call(self, inputs: Any) -> Tensor:
        if self.padding == "causal":
            # Left-pad by the window's span - 1, so no output reads a later step.
            left = (self.kernel_size - 1) * self.dilation_rate
            padding: Any = [[0, 0], [0, 0], [left, 0], [0, 0]]
        else:
            padding = self.padding.upper()
        # (b, steps, c) -> (b, 1, steps, c) and (k, c, f) -> (1, k, c, f): a 1×k conv2d.
        x = _conv.conv2d(expand_dims(inputs, 1), expand_dims(self.kernel, 0),
                         (1, self.strides), padding, dilations=(1, self.dilation_rate))
        return self._bias_and_activation(squeeze(x, [1]))

    def get_config(self) -> dict:
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": [self.kernel_size], "strides": [self.strides],
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": [self.dilation_rate], "groups": 1,
                **self._kernel_bias_config(activity_regularizer=True)}


class _Pooling1D(Layer):
    _op: Any = None

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid",
                 data_format: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _check_channels_last(data_format, type(self).__name__)
        self.pool_size = _single(pool_size, "pool_size")
        # Keras: strides default to the pool size (non-overlapping windows).
        self.strides = self.pool_size if strides is None else _single(strides, "strides")
        self.padding = _padding(padding, ("valid", "same"))
        self.data_format = "channels_last"
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape: Any) -> None:
        _check_output_size(self, input_shape[1], self.pool_size, self.strides, self.padding)

    def call(self, inputs: Any) -> Tensor:
        # A 1 × pool_size window over the sequence seen as a one-pixel-high image.
        x = type(self)._op(expand_dims(inputs, 1), (1, self.pool_size), (1, self.strides),
                           self.padding.upper())
        return squeeze(x, [1])

    def get_config(self) -> dict:
        return {**super().get_config(), "pool_size": [self.pool_size],
                "padding": self.padding, "strides": [self.strides],
                "data_format": self.data_format}


@keras_class
class MaxPooling1D(_Pooling1D):
    """The maximum over each ``pool_size`` window of steps (default 2, stride = pool size).

    Example:
        >>> import minitf as tf
        >>> x = tf.reshape(tf.constant([1.0, 5.0, 2.0, 0.0, 7.0]), [1, 5, 1])
        >>> tf.keras.layers.MaxPooling1D()(x)[0, :, 0].numpy()
        array([5., 2.], dtype=float32)
        >>> tf.keras.layers.MaxPooling1D(padding="same")(x)[0, :, 0].numpy()
        array([5., 2., 7.], dtype=float32)
    """

    _op = staticmethod(_pooling.max_pool2d)


@keras_class
class AveragePooling1D(_Pooling1D):
    """The mean over each ``pool_size`` window of steps (``"same"`` windows at the end
    average only the real steps, as TF does).

    Example:
        >>> import minitf as tf
        >>> x = tf.reshape(tf.range(6.0), [1, 6, 1])
        >>> tf.keras.layers.AveragePooling1D(3, 2, padding="same")(x)[0, :, 0].numpy()
        array([1. , 3. , 4.5], dtype=float32)
    """

    _op = staticmethod(_pooling.avg_pool2d)

    def __init__(self, pool_size: Any, strides: Any = None, padding: str = "valid",
                 data_format: Optional[str] = None, **kwargs: Any) -> None:
        # Keras 3 gives MaxPooling1D a default pool size but not AveragePooling1D.
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _GlobalPooling1D(_GlobalPooling2D):
    _ndim = 3  # (batch, steps, channels)


@keras_class
class GlobalAveragePooling1D(_GlobalPooling1D):
    """The mean over the steps: ``(b, steps, c)`` -> ``(b, c)`` (``(b, 1, c)`` with
    ``keepdims=True``).

    Example:
        >>> import minitf as tf
        >>> x = tf.reshape(tf.range(6.0), [1, 3, 2])
        >>> tf.keras.layers.GlobalAveragePooling1D()(x).numpy()
        array([[2., 3.]], dtype=float32)
    """

    def call(self, inputs: Any) -> Tensor:
        return reduce_mean(inputs, 1, keepdims=self.keepdims)


@keras_class
class GlobalMaxPooling1D(_GlobalPooling1D):
    """The maximum over the steps: ``(b, steps, c)`` -> ``(b, c)``.

    Example:
        >>> import minitf as tf
        >>> x = tf.reshape(tf.range(6.0), [1, 3, 2])
        >>> tf.keras.layers.GlobalMaxPooling1D(keepdims=True)(x).numpy()
        array([[[4., 5.]]], dtype=float32)
    """

    def call(self, inputs: Any) -> Tensor:
        return reduce_max(inputs, 1, keepdims=self.keepdims)

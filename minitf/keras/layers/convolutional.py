"""Image layers (channels last): ``Conv2D``, ``MaxPooling2D``, ``AveragePooling2D``,
``GlobalAveragePooling2D`` and ``GlobalMaxPooling2D``.

The arithmetic lives in the primitives of :mod:`minitf.ops.conv`; these layers hold the
filters and translate Keras's arguments (``padding="same"``, ``strides=2``...).

Example:
    >>> import minitf as tf
    >>> conv = tf.keras.layers.Conv2D(4, 3, padding="same")
    >>> conv(tf.ones([2, 8, 8, 1])).shape
    TensorShape([2, 8, 8, 4])
    >>> tf.keras.layers.MaxPooling2D()(tf.ones([2, 8, 8, 4])).shape
    TensorShape([2, 4, 4, 4])
"""

from __future__ import annotations

from typing import Any, Optional

from minitf.keras.layer import InputSpec, Layer
from minitf.keras.layers.kernel_bias import KernelBias
from minitf.keras.serialization import keras_class
from minitf.ops import conv as _conv
from minitf.ops import pooling as _pooling
from minitf.ops.reduction import reduce_max, reduce_mean
from minitf.tensor import Tensor

__all__ = ["Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D",
           "GlobalMaxPooling2D"]


def _pair(value: Any, name: str) -> tuple:
    if isinstance(value, int):
        return (value, value)
    value = tuple(int(v) for v in value)
    if len(value) != 2:
        raise ValueError(f"The `{name}` argument must be a tuple of 2 integers. Received: "
                         f"{name}={value}")
    return value


def _padding(padding: str) -> str:
    mode = str(padding).lower()
    if mode not in ("valid", "same"):
        raise ValueError(f"The `padding` argument must be one of \"valid\", \"same\". "
                         f"Received: padding={padding}")
    return mode


def _check_channels_last(data_format: Optional[str], layer: str) -> None:
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{layer}: minitf supports data_format='channels_last' (NHWC) only; "
                         f"got {data_format!r}. Transpose inputs with tf.transpose.")


@keras_class
class Conv2D(KernelBias, Layer):
    """2-D convolution over ``(batch, height, width, channels)`` images.

    Args:
        filters: the number of output channels.
        kernel_size: an int or ``(kh, kw)``.
        strides: an int or pair (default 1).
        padding: ``"valid"`` (no padding) or ``"same"`` (output size ``ceil(n / s)``).
        dilation_rate: spacing between filter taps.
        activation, use_bias, kernel_initializer, bias_initializer: as in ``Dense``.

    Example:
        >>> import minitf as tf
        >>> conv = tf.keras.layers.Conv2D(2, (3, 3), strides=2)
        >>> conv(tf.ones([1, 7, 7, 3])).shape
        TensorShape([1, 3, 3, 2])
        >>> tuple(conv.kernel.shape)
        (3, 3, 3, 2)
    """

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1),
                 padding: str = "valid", data_format: Optional[str] = None,
                 dilation_rate: Any = (1, 1), groups: int = 1, activation: Any = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        _check_channels_last(data_format, "Conv2D")
        if groups != 1:
            raise NotImplementedError("Conv2D(groups > 1) is not implemented in minitf.")
        self.filters = int(filters)
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.strides = _pair(strides, "strides")
        self.padding = _padding(padding)
        self.data_format = "channels_last"
        self.dilation_rate = _pair(dilation_rate, "dilation_rate")
        self._set_kernel_bias_options(activation, use_bias, kernel_initializer,
                                      bias_initializer, kernel_regularizer, bias_regularizer,
                                      kernel_constraint, bias_constraint)
        self.input_spec = InputSpec(min_ndim=4)

    def build(self, input_shape: Any) -> None:
        channels = input_shape[-1]
        if channels is None:
            raise ValueError("Conv2D needs a known number of input channels (last axis).")
        self._add_kernel_and_bias(self.kernel_size + (channels, self.filters), self.filters)
        self.input_spec = InputSpec(ndim=4, axes={-1: channels})

    def call(self, inputs: Any) -> Tensor:
        x = _conv.conv2d(inputs, self.kernel, self.strides, self.padding.upper(),
                         dilations=self.dilation_rate)
        return self._bias_and_activation(x)

    def get_config(self) -> dict:
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": list(self.kernel_size), "strides": list(self.strides),
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": list(self.dilation_rate), "groups": 1,
                **self._kernel_bias_config(activity_regularizer=True)}


class _Pooling2D(Layer):
    _op: Any = None

    def __init__(self, pool_size: Any = (2, 2), strides: Any = None, padding: str = "valid",
                 data_format: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _check_channels_last(data_format, type(self).__name__)
        self.pool_size = _pair(pool_size, "pool_size")
        # Keras: strides default to the pool size (non-overlapping windows).
        self.strides = self.pool_size if strides is None else _pair(strides, "strides")
        self.padding = _padding(padding)
        self.data_format = "channels_last"
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Any) -> Tensor:
        return type(self)._op(inputs, self.pool_size, self.strides, self.padding.upper())

    def get_config(self) -> dict:
        return {**super().get_config(), "pool_size": list(self.pool_size),
                "padding": self.padding, "strides": list(self.strides),
                "data_format": self.data_format}


@keras_class
class MaxPooling2D(_Pooling2D):
    """The maximum over each ``pool_size`` window (default 2×2, stride = pool size).

    Example:
        >>> import minitf as tf
        >>> x = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
        >>> tf.keras.layers.MaxPooling2D()(x)[0, :, :, 0].numpy()
        array([[ 5.,  7.],
               [13., 15.]], dtype=float32)
    """

    _op = staticmethod(_pooling.max_pool2d)


@keras_class
class AveragePooling2D(_Pooling2D):
    """The mean over each ``pool_size`` window.

    Example:
        >>> import minitf as tf
        >>> x = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
        >>> tf.keras.layers.AveragePooling2D()(x)[0, :, :, 0].numpy()
        array([[ 2.5,  4.5],
               [10.5, 12.5]], dtype=float32)
    """

    _op = staticmethod(_pooling.avg_pool2d)


class _GlobalPooling2D(Layer):
    _ndim = 4  # (batch, height, width, channels); the 1-D poolings set 3

    def __init__(self, data_format: Optional[str] = None, keepdims: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _check_channels_last(data_format, type(self).__name__)
        self.data_format, self.keepdims = "channels_last", keepdims
        self.input_spec = InputSpec(ndim=self._ndim)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


@keras_class
class GlobalAveragePooling2D(_GlobalPooling2D):
    """The mean over height and width: ``(b, h, w, c)`` -> ``(b, c)``.

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.GlobalAveragePooling2D()(tf.ones([2, 3, 3, 5])).shape
        TensorShape([2, 5])
    """

    def call(self, inputs: Any) -> Tensor:
        return reduce_mean(inputs, [1, 2], keepdims=self.keepdims)


@keras_class
class GlobalMaxPooling2D(_GlobalPooling2D):
    """The maximum over height and width: ``(b, h, w, c)`` -> ``(b, c)``.

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.GlobalMaxPooling2D()(tf.ones([2, 3, 3, 5])).shape
        TensorShape([2, 5])
    """

    def call(self, inputs: Any) -> Tensor:
        return reduce_max(inputs, [1, 2], keepdims=self.keepdims)

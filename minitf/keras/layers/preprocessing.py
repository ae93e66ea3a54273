"""Preprocessing layers: ``Normalization`` (feature standardization learned by
``adapt``) and ``Rescaling`` (a fixed ``x · scale + offset``).

Both belong at the front of a model, so that the model saved to disk carries its own
preprocessing: whoever loads it feeds raw features, not features standardized with
statistics they would have to look up.

Example:
    >>> import numpy as np
    >>> import minitf as tf
    >>> norm = tf.keras.layers.Normalization()
    >>> norm.adapt(np.array([[0.0, 10.0], [2.0, 30.0]], np.float32))
    >>> norm(tf.constant([[1.0, 20.0]])).numpy()
    array([[0., 0.]], dtype=float32)
    >>> tf.keras.layers.Rescaling(1 / 255)(tf.constant([[255.0]])).numpy()
    array([[1.]], dtype=float32)
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf.keras.layer import Layer
from minitf.keras.serialization import keras_class
from minitf.ops import elementwise as ew
from minitf.ops.shape import reshape
from minitf.tensor import Tensor, convert_to_tensor

__all__ = ["Normalization", "Rescaling"]

# Keras's backend.epsilon(): the smallest standard deviation Normalization divides by.
_EPSILON = 1e-7


def _as_float_input(layer: Layer, inputs: Any) -> Tensor:
    """Inputs in the layer's dtype (preprocessing layers accept integer data, e.g. pixels)."""
    x = convert_to_tensor(inputs)
    dtype = _dtypes.as_dtype(layer.dtype)
    return x if x.dtype is dtype else ew.cast(x, dtype)


def _to_numpy(value: Any) -> np.ndarray:
    return np.asarray(value.numpy()) if hasattr(value, "numpy") else np.asarray(value)


def _jsonable(value: Any) -> Any:
    """Numbers stay numbers; arrays and tuples become (nested) lists."""
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    return np.asarray(value).tolist()


@keras_class
class Normalization(Layer):
    """Standardizes features: ``(x - mean) / sqrt(variance)``, per index of ``axis``.

    The statistics come from the constructor (``mean`` and ``variance``, which then are
    constants and the layer has no weights) or from :meth:`adapt`, which measures them on
    data and stores them in three non-trainable weights, as Keras 3 does: ``mean``,
    ``variance`` and ``count`` (an int64 Keras keeps for old files and never updates).
    Until adapted, the layer passes inputs through (mean 0, variance 1).

    The divisor is ``max(sqrt(variance), 1e-7)`` (Keras 3's guard), so a constant feature
    is divided by 1e-7 rather than by zero.

    Args:
        axis: the axis or axes that get their own mean and variance (default -1, the
            features); ``None`` uses one scalar mean and variance for everything.
        mean, variance: fixed statistics, broadcast to the kept axes (give both or none).
        invert: apply the inverse, ``mean + x · sqrt(variance)`` (undo a normalization,
            e.g. of regression targets).

    Example:
        >>> import numpy as np
        >>> import minitf as tf
        >>> layer = tf.keras.layers.Normalization(axis=None)
        >>> layer.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0], np.float32))
        >>> layer(np.array([1.0, 2.0, 3.0], np.float32)).numpy()
        array([-1.4142135 , -0.70710677,  0.        ], dtype=float32)
        >>> fixed = tf.keras.layers.Normalization(mean=3.0, variance=4.0, invert=True)
        >>> fixed(tf.constant([[-1.0], [1.0]])).numpy()
        array([[1.],
               [5.]], dtype=float32)
    """

    def __init__(self, axis: Any = -1, mean: Any = None, variance: Any = None,
                 invert: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, (int, np.integer)):
            axis = (int(axis),)
        else:
            axis = tuple(int(a) for a in axis)
        self.axis = axis
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization: when setting values directly, both `mean` and "
                             f"`variance` must be set. Received: mean={mean} and "
                             f"variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(f"Normalization: when setting values directly, `mean` and "
                                 f"`variance` must have the same shape. Received: mean shape "
                                 f"{np.shape(mean)} and variance shape {np.shape(variance)}")
            if np.ndim(mean) > len(self.axis):
                raise ValueError(f"Normalization: the rank of `mean` must be less than or "
                                 f"equal to the number of axes ({len(self.axis)}). Received: "
                                 f"mean shape {np.shape(mean)} for axis {self.axis}")
        self._constants: Optional[tuple] = None  # (mean, variance) when given, broadcast

    def build(self, input_shape: Any) -> None:
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"Normalization layer \"{self.name}\": all `axis` values must be "
                             f"in the range [-ndim, ndim). Received inputs with ndim={ndim} "
                             f"(shape {tuple(input_shape)}), while axis={self.axis}")
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(f"Normalization layer \"{self.name}\": all `axis` values to "
                                 f"be kept must have a known shape. Received axis={self.axis},"
                                 f" inputs.shape={tuple(input_shape)}, with unknown axis at "
                                 f"index {d}. Give keras.Input the feature size.")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        # The statistics broadcast against inputs: kept axes full size, reduced axes 1.
        self._broadcast_shape = [input_shape[d] if d in self._keep_axis else 1
                                 for d in range(ndim)]
        self._stats_shape = tuple(input_shape[d] for d in self._keep_axis)
        self._build_input_shape = tuple(input_shape)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(shape=self._stats_shape, initializer="zeros",
                                              trainable=False, name="mean")
            self.adapt_variance = self.add_weight(shape=self._stats_shape, initializer="ones",
                                                  trainable=False, name="variance")
            self.count = self.add_weight(shape=(), dtype="int64", initializer="zeros",
                                         trainable=False, name="count")
        else:
            dtype = _dtypes.as_dtype(self.dtype).as_numpy_dtype
            self._constants = (self._broadcast(self.input_mean, ndim).astype(dtype),
                               self._broadcast(self.input_variance, ndim).astype(dtype))

    def _broadcast(self, value: Any, ndim: int) -> np.ndarray:
        """Keras's rule: a given statistic's axes line up with the kept axes from the right."""
        value = np.asarray(value, np.float64)
        expanded = [1] * ndim
        for i in range(1, value.ndim + 1):
            expanded[self._keep_axis[-i]] = value.shape[-i]
        try:
            return np.broadcast_to(value.reshape(expanded), self._broadcast_shape)
        except ValueError:
            raise ValueError(f"Normalization layer \"{self.name}\": `mean`/`variance` of shape "
                             f"{value.shape} do not broadcast to the kept axes {self.axis} of "
                             f"inputs shaped {self._build_input_shape}, i.e. to "
                             f"{self._stats_shape}.") from None

    @property
    def mean(self) -> Any:
        """The mean in the shape that broadcasts against inputs (None before build)."""
        if not self.built:
            return None
        if self._constants is not None:
            return convert_to_tensor(self._constants[0])
        return reshape(self.adapt_mean, self._broadcast_shape)

    @property
    def variance(self) -> Any:
        """The variance in the shape that broadcasts against inputs (None before build)."""
        if not self.built:
            return None
        if self._constants is not None:
            return convert_to_tensor(self._constants[1])
        return reshape(self.adapt_variance, self._broadcast_shape)

    def adapt(self, data: Any) -> None:
        """Measures the mean and (population) variance of ``data`` and stores them.

        Args:
            data: a NumPy array or tensor (all samples at once), or a ``tf.data.Dataset``
                (or other iterable) of *batches* — ``(x, y)`` elements use ``x``; a dataset
                of unbatched vectors is batched by 128 first, as Keras does. Batches are
                merged exactly (the pooled mean and the within- plus between-batch
                variance), so the result does not depend on the batch size.

        Raises:
            ValueError: if the data's kept axes differ from the shape the layer was built
                with.
            TypeError: for data that is neither arrays nor an iterable of arrays.

        Example:
            >>> import numpy as np
            >>> import minitf as tf
            >>> x = np.array([[0.0, 7.0], [2.0, 9.0], [0.0, 7.0], [2.0, 9.0]], np.float32)
            >>> layer = tf.keras.layers.Normalization()
            >>> layer.adapt(tf.data.Dataset.from_tensor_slices(x).batch(3))
            >>> layer.adapt_mean.numpy(), layer.adapt_variance.numpy()
            (array([1., 8.], dtype=float32), array([1., 1.], dtype=float32))
        """
        from minitf.data import Dataset
        if self.input_mean is not None:
            raise ValueError(f"Normalization layer \"{self.name}\" was given `mean` and "
                             f"`variance`, so adapt() has nothing to learn. Create it without "
                             f"them to measure the statistics on data.")
        if isinstance(data, np.ndarray) or isinstance(data, Tensor) or \
                hasattr(type(data), "_as_tensor"):
            data = _to_numpy(data)
            self._ensure_built(data.shape)
            mean = np.mean(data, axis=self._reduce_axis, dtype=np.float64)
            var = np.var(data, axis=self._reduce_axis, dtype=np.float64)
        elif isinstance(data, Dataset):
            def x_spec(ds: Dataset) -> Any:
                spec = ds.element_spec
                return spec[0] if isinstance(spec, tuple) else spec
            if len(x_spec(data).shape) == 1:  # unbatched vectors: Keras batches them
                data = data.batch(128)
            self._ensure_built(tuple(x_spec(data).shape))
            mean, var = self._streamed_moments(self._iter_batches(data))
        elif hasattr(data, "__iter__"):
            mean, var = self._streamed_moments(self._iter_batches(data))
        else:
            raise TypeError(f"Normalization.adapt: unsupported data type {type(data).__name__}."
                            f" Pass a NumPy array, a tensor, a tf.data.Dataset of batches, or "
                            f"an iterable of array batches.")
        self.adapt_mean.assign(np.asarray(mean).astype(self.adapt_mean.dtype.as_numpy_dtype))
        self.adapt_variance.assign(
            np.asarray(var).astype(self.adapt_variance.dtype.as_numpy_dtype))

    @staticmethod
    def _iter_batches(data: Iterable) -> Iterable:
        for batch in data:
            batch = batch[0] if isinstance(batch, tuple) else batch
            if not hasattr(batch, "shape"):
                raise TypeError(f"Normalization.adapt expects an iterable of arrays or tensors "
                                f"(batches with a .shape), got an element of type "
                                f"{type(batch).__name__}. Pass np.asarray(data) instead.")
            yield _to_numpy(batch)

    def _ensure_built(self, shape: tuple) -> None:
        """Builds from the first data seen, or checks data against the built shape."""
        if not self.built:
            # The data's batch axis is not part of the layer (unless it is a kept axis).
            shape = list(shape)
            if shape and not any(a in (0, -len(shape)) for a in self.axis):
                shape[0] = None
            self.build_from_config({"input_shape": shape})
            return
        built = self._build_input_shape
        if len(shape) != len(built) or any(shape[d] != built[d] for d in self._keep_axis):
            raise ValueError(f"Normalization layer \"{self.name}\" was built with "
                             f"input_shape={built}, but adapt() is being called with data "
                             f"with an incompatible shape, data.shape={tuple(shape)}. Adapt "
                             f"on data with the same feature axes as the model's inputs.")

    def _streamed_moments(self, batches: Iterable) -> tuple:
        """The pooled mean and variance of a stream of batches (Keras's running merge)."""
        mean = var = None
        total = 0
        for batch in batches:
            self._ensure_built(batch.shape)
            if mean is None:
                mean, var = np.zeros(self._stats_shape), np.zeros(self._stats_shape)
            n = math.prod(batch.shape[d] for d in self._reduce_axis)
            if n == 0:
                continue
            b_mean = np.mean(batch, axis=self._reduce_axis, dtype=np.float64)
            b_var = np.var(batch, axis=self._reduce_axis, dtype=np.float64)
            total += n
            w_new = n / total
            new_mean = mean * (1.0 - w_new) + b_mean * w_new
            # Each part's variance about the new mean: its own variance plus the squared
            # shift of its mean (the lack-of-fit decomposition of the sum of squares).
            var = (var + (mean - new_mean) ** 2) * (1.0 - w_new) + \
                (b_var + (b_mean - new_mean) ** 2) * w_new
            mean = new_mean
        if mean is None:
            raise ValueError(f"Normalization layer \"{self.name}\": adapt() received no "
                             f"batches; pass a non-empty dataset or array.")
        return mean, var

    def call(self, inputs: Any) -> Tensor:
        x = _as_float_input(self, inputs)
        mean, variance = self.mean, self.variance
        std = ew.maximum(ew.sqrt(variance), _EPSILON)
        if self.invert:
            return ew.add(mean, ew.multiply(x, std))
        return ew.divide(ew.subtract(x, mean), std)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": list(self.axis), "invert": self.invert,
                "mean": _jsonable(self.input_mean), "variance": _jsonable(self.input_variance)}


@keras_class
class Rescaling(Layer):
    """``x · scale + offset`` in the layer's dtype (integer inputs such as pixels are cast).

    Args:
        scale: a number, or one per channel (broadcast against the last axis).
        offset: likewise (default 0). ``Rescaling(1 / 127.5, offset=-1)`` maps
            ``[0, 255]`` to ``[-1, 1]``.

    Example:
        >>> import numpy as np
        >>> import minitf as tf
        >>> layer = tf.keras.layers.Rescaling(1 / 127.5, offset=-1.0)
        >>> layer(np.array([[0, 255]], np.uint8)).numpy()
        array([[-1.,  1.]], dtype=float32)
    """

    def __init__(self, scale: Any, offset: Any = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset

    def call(self, inputs: Any) -> Tensor:
        x = _as_float_input(self, inputs)
        dtype = x.dtype.as_numpy_dtype
        return ew.add(ew.multiply(x, np.asarray(self.scale, dtype)),
                      np.asarray(self.offset, dtype))

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": _jsonable(self.scale),
                "offset": _jsonable(self.offset)}

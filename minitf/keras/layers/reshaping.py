"""Layers that move values without learning anything: ``ZeroPadding2D``, ``Cropping2D``,
``UpSampling2D`` (images, channels last), ``RepeatVector``, ``Permute`` and ``Identity``.

Each is one or two existing ops (``tf.pad``, slicing, ``tf.gather``, ``tf.einsum``,
``tf.tile``, ``tf.transpose``), so their gradients come from those ops' rules.

Example:
    >>> import minitf as tf
    >>> x = tf.ones([1, 4, 4, 3])
    >>> tf.keras.layers.ZeroPadding2D(1)(x).shape
    TensorShape([1, 6, 6, 3])
    >>> tf.keras.layers.Cropping2D(((1, 0), (0, 2)))(x).shape
    TensorShape([1, 3, 2, 3])
    >>> tf.keras.layers.UpSampling2D(2)(x).shape
    TensorShape([1, 8, 8, 3])
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from minitf.keras.layer import InputSpec, Layer
from minitf.keras.layers.convolutional import _check_channels_last, _pair
from minitf.keras.serialization import keras_class
from minitf.ops.einsum import einsum
from minitf.ops.indexing import gather, getitem
from minitf.ops.joining import pad, tile
from minitf.ops.shape import expand_dims, transpose
from minitf.tensor import Tensor

__all__ = ["ZeroPadding2D", "Cropping2D", "UpSampling2D", "RepeatVector", "Permute",
           "Identity"]


def _pairs(value: Any, name: str, layer: str) -> tuple:
    """Keras's spatial amounts: ``n``, ``(n_h, n_w)`` or ``((top, bottom), (left, right))``.

    Example:
        >>> from minitf.keras.layers.reshaping import _pairs
        >>> _pairs(1, "padding", "ZeroPadding2D"), _pairs((1, (2, 3)), "padding", "Z")
        (((1, 1), (1, 1)), ((1, 1), (2, 3)))
    """
    if isinstance(value, (int, np.integer)):
        value = (int(value), int(value))
    if not hasattr(value, "__len__") or len(value) != 2:
        raise ValueError(f"{layer}: `{name}` should have two elements: an int, a tuple of 2 "
                         f"ints (symmetric height, symmetric width), or a tuple of 2 tuples "
                         f"of 2 ints ((top, bottom), (left, right)). Received: {name}={value}.")
    out = []
    for side in value:
        pair = (int(side), int(side)) if isinstance(side, (int, np.integer)) else \
            tuple(int(v) for v in side)
        if len(pair) != 2 or min(pair) < 0:
            raise ValueError(f"{layer}: each entry of `{name}` must be an int or a pair of "
                             f"non-negative ints. Received: {name}={value}.")
        out.append(pair)
    return tuple(out)


@keras_class
class ZeroPadding2D(Layer):
    """Adds rows and columns of zeros around ``(batch, height, width, channels)`` images.

    Args:
        padding: an int (all four sides), ``(pad_h, pad_w)`` (symmetric), or
            ``((top, bottom), (left, right))``.

    Example:
        >>> import minitf as tf
        >>> x = tf.reshape(tf.range(1.0, 5.0), [1, 2, 2, 1])
        >>> tf.keras.layers.ZeroPadding2D(((1, 0), (0, 1)))(x)[0, :, :, 0].numpy()
        array([[0., 0., 0.],
               [1., 2., 0.],
               [3., 4., 0.]], dtype=float32)
    """

    def __init__(self, padding: Any = (1, 1), data_format: Optional[str] = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _check_channels_last(data_format, "ZeroPadding2D")
        self.padding = _pairs(padding, "padding", "ZeroPadding2D")
        self.data_format = "channels_last"
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Any) -> Tensor:
        return pad(inputs, ((0, 0),) + self.padding + ((0, 0),))

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": [list(p) for p in self.padding],
                "data_format": self.data_format}


@keras_class
class Cropping2D(Layer):
    """Removes rows and columns from the edges of ``(batch, height, width, channels)``
    images.

    Args:
        cropping: an int (all four sides), ``(crop_h, crop_w)`` (symmetric), or
            ``((top, bottom), (left, right))``.

    Example:
        >>> import minitf as tf
        >>> x = tf.reshape(tf.range(9.0), [1, 3, 3, 1])
        >>> tf.keras.layers.Cropping2D(((1, 0), (0, 1)))(x)[0, :, :, 0].numpy()
        array([[3., 4.],
               [6., 7.]], dtype=float32)
    """

    def __init__(self, cropping: Any = ((0, 0), (0, 0)), data_format: Optional[str] = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _check_channels_last(data_format, "Cropping2D")
        self.cropping = _pairs(cropping, "cropping", "Cropping2D")
        self.data_format = "channels_last"
        self.input_spec = InputSpec(ndim=4)

    def build(self, input_shape: Any) -> None:
        for size, (lo, hi) in zip(input_shape[1:3], self.cropping):
            if size is not None and lo + hi >= size:
                raise ValueError(
                    f"Cropping2D layer \"{self.name}\": values in `cropping` should be smaller "
                    f"than the corresponding spatial dimension of the input. Received: "
                    f"input_shape={tuple(input_shape)}, cropping={self.cropping}. Crop less, "
                    f"or pad the images first (ZeroPadding2D).")

    def call(self, inputs: Any) -> Tensor:
        # A negative stop (-bottom) works whatever the height is, even when unknown.
        (top, bottom), (left, right) = self.cropping
        return getitem(inputs, (slice(None), slice(top, -bottom or None),
                                slice(left, -right or None), slice(None)))

    def get_config(self) -> dict:
        return {**super().get_config(), "cropping": [list(c) for c in self.cropping],
                "data_format": self.data_format}


def _linear_resize_matrix(n_in: int, factor: int) -> np.ndarray:
    """The ``(n_in · factor, n_in)`` matrix of TF's bilinear resize along one axis.

    TF (``half_pixel_centers``) reads output pixel ``i`` at input coordinate
    ``(i + 0.5) / factor - 0.5``, between pixels ``floor`` and ``floor + 1`` (clamped to
    the image) with weights ``1 - frac`` and ``frac``.

    Example:
        >>> from minitf.keras.layers.reshaping import _linear_resize_matrix
        >>> _linear_resize_matrix(2, 2)
        array([[1.  , 0.  ],
               [0.75, 0.25],
               [0.25, 0.75],
               [0.  , 1.  ]])
    """
    coord = (np.arange(n_in * factor) + 0.5) / factor - 0.5
    low = np.floor(coord)
    frac = coord - low
    rows = np.arange(n_in * factor)
    m = np.zeros((n_in * factor, n_in))
    np.add.at(m, (rows, np.clip(low, 0, n_in - 1).astype(int)), 1.0 - frac)
    np.add.at(m, (rows, np.clip(low + 1, 0, n_in - 1).astype(int)), frac)
    return m


@keras_class
class UpSampling2D(Layer):
    """Enlarges ``(batch, height, width, channels)`` images by integer factors.

    ``"nearest"`` repeats each row ``size[0]`` times and each column ``size[1]`` times;
    ``"bilinear"`` interpolates as ``tf.image.resize`` does (half-pixel centres).

    Args:
        size: an int or ``(rows_factor, cols_factor)`` (default 2).
        interpolation: ``"nearest"`` or ``"bilinear"``.

    Example:
        >>> import minitf as tf
        >>> x = tf.constant([[[[1.0], [2.0]]]])  # (1, 1, 2, 1)
        >>> tf.keras.layers.UpSampling2D((2, 2))(x)[0, :, :, 0].numpy()
        array([[1., 1., 2., 2.],
               [1., 1., 2., 2.]], dtype=float32)
        >>> tf.keras.layers.UpSampling2D((1, 2), interpolation="bilinear")(x)[0, 0, :, 0].numpy()
        array([1.  , 1.25, 1.75, 2.  ], dtype=float32)
    """

    _INTERPOLATIONS = ("nearest", "bilinear")

    def __init__(self, size: Any = (2, 2), data_format: Optional[str] = None,
                 interpolation: str = "nearest", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _check_channels_last(data_format, "UpSampling2D")
        self.size = _pair(size, "size")
        if min(self.size) < 1:
            raise ValueError(f"UpSampling2D: `size` must be positive integers. Received: "
                             f"size={self.size}")
        if interpolation not in self._INTERPOLATIONS:
            raise ValueError(f"UpSampling2D: minitf supports interpolation in "
                             f"{self._INTERPOLATIONS}. Received: interpolation={interpolation!r}")
        self.interpolation = interpolation
        self.data_format = "channels_last"
        self.input_spec = InputSpec(ndim=4)

    def build(self, input_shape: Any) -> None:
        if None in tuple(input_shape[1:3]):
            raise ValueError(f"UpSampling2D layer \"{self.name}\" needs a known height and "
                             f"width, got input shape {tuple(input_shape)}; give keras.Input "
                             f"the image size.")

    def call(self, inputs: Any) -> Tensor:
        h, w = inputs._shape[1:3]
        sh, sw = self.size
        if self.interpolation == "nearest":
            # Output row i reads input row i // sh: a gather, whose gradient sums the copies.
            x = gather(inputs, np.repeat(np.arange(h), sh), axis=1) if sh > 1 else inputs
            return gather(x, np.repeat(np.arange(w), sw), axis=2) if sw > 1 else x
        # Bilinear is separable: one interpolation matrix per axis, applied as contractions.
        dtype = inputs.dtype.as_numpy_dtype
        x = einsum("ph,bhwc->bpwc", _linear_resize_matrix(h, sh).astype(dtype), inputs)
        return einsum("qw,bpwc->bpqc", _linear_resize_matrix(w, sw).astype(dtype), x)

    def get_config(self) -> dict:
        return {**super().get_config(), "size": list(self.size),
                "data_format": self.data_format, "interpolation": self.interpolation}


@keras_class
class RepeatVector(Layer):
    """Repeats each ``(batch, features)`` row ``n`` times: ``(batch, n, features)``.

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.RepeatVector(3)(tf.constant([[1.0, 2.0]])).numpy()
        array([[[1., 2.],
                [1., 2.],
                [1., 2.]]], dtype=float32)
    """

    def __init__(self, n: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
            raise TypeError(f"RepeatVector: expected an integer value for `n`. Received: "
                            f"{type(n).__name__} {n!r}")
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs: Any) -> Tensor:
        return tile(expand_dims(inputs, 1), [1, self.n, 1])

    def get_config(self) -> dict:
        return {**super().get_config(), "n": self.n}


@keras_class
class Permute(Layer):
    """Reorders the non-batch axes: ``dims`` lists them (counting from 1) in their new
    order.

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.Permute((2, 1))(tf.ones([8, 3, 5])).shape
        TensorShape([8, 5, 3])
    """

    def __init__(self, dims: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(
                f"Invalid permutation argument `dims` for Permute Layer. The set of indices "
                f"in `dims` must be consecutive and start from 1. Received dims={self.dims} "
                f"(the batch axis 0 never moves, so write e.g. (2, 1) to swap axes 1 and 2).")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs: Any) -> Tensor:
        return transpose(inputs, (0,) + self.dims)

    def get_config(self) -> dict:
        return {**super().get_config(), "dims": list(self.dims)}


# "Identity" also names keras.initializers.Identity: a saved config's "module" tells them
# apart (see serialization.deserialize_keras_object).
@keras_class
class Identity(Layer):
    """Returns its input unchanged (a placeholder, e.g. where a block is switched off).

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.Identity()(tf.constant([1.0, 2.0])).numpy()
        array([1., 2.], dtype=float32)
    """

    def call(self, inputs: Any) -> Any:
        return inputs

    def get_config(self) -> dict:
        # Only the base keys, as Keras writes (not the auto-config of Layer's arguments).
        return super().get_config()

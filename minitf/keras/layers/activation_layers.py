"""Activation layers with a parameter: ``ELU`` (a fixed ``alpha``) and ``PReLU`` (a learned
slope for negative inputs). ``LeakyReLU`` and ``ReLU`` live in :mod:`.core`.

Example:
    >>> import minitf as tf
    >>> tf.keras.layers.ELU()(tf.constant([-1.0, 2.0])).numpy()
    array([-0.63212055,  2.        ], dtype=float32)
    >>> prelu = tf.keras.layers.PReLU(alpha_initializer=tf.keras.initializers.Constant(0.1))
    >>> prelu(tf.constant([[-2.0, 3.0]])).numpy()
    array([[-0.2,  3. ]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from minitf.keras import activations, initializers
from minitf.keras.layer import InputSpec, Layer
from minitf.keras.layers.kernel_bias import regularizer_config
from minitf.keras.serialization import keras_class
from minitf.ops import elementwise as ew
from minitf.ops import nn as _nn
from minitf.tensor import Tensor

__all__ = ["ELU", "PReLU"]


@keras_class
class ELU(Layer):
    """The exponential linear unit: ``x`` if ``x > 0``, else ``alpha · (exp(x) - 1)``.

    Args:
        alpha: the value negative inputs saturate to is ``-alpha`` (default 1.0).

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.ELU(alpha=0.5)(tf.constant([-100.0, 0.0, 1.5])).numpy()
        array([-0.5,  0. ,  1.5], dtype=float32)
    """

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha = alpha

    def call(self, inputs: Any) -> Tensor:
        return activations.elu(inputs, self.alpha)

    def get_config(self) -> dict:
        return {**super().get_config(), "alpha": self.alpha}


@keras_class
class PReLU(Layer):
    """The parametric ReLU: ``x`` if ``x > 0``, else ``alpha · x`` with ``alpha`` learned.

    ``alpha`` has one entry per input position, shape ``input_shape[1:]`` (TF's default);
    ``shared_axes`` lists axes (counting the batch as 0) along which one slope is shared,
    e.g. ``shared_axes=[1, 2]`` for one slope per channel of an image.

    Args:
        alpha_initializer: the slopes' initializer (default zeros: a plain ReLU at first).
        alpha_regularizer, alpha_constraint: optional penalty and projection.
        shared_axes: axes whose size-1 slope broadcasts (default none).

    Example:
        >>> import minitf as tf
        >>> prelu = tf.keras.layers.PReLU(shared_axes=[1])
        >>> prelu(tf.ones([2, 4, 3])).shape
        TensorShape([2, 4, 3])
        >>> tuple(prelu.alpha.shape)
        (1, 3)
    """

    def __init__(self, alpha_initializer: Any = "Zeros", alpha_regularizer: Any = None,
                 alpha_constraint: Any = None, shared_axes: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer, self.alpha_constraint = alpha_regularizer, alpha_constraint
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, int):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = [int(a) for a in shared_axes]

    def build(self, input_shape: Any) -> None:
        rank = len(input_shape)
        param_shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if not 1 <= axis < rank:
                raise ValueError(
                    f"PReLU layer \"{self.name}\": shared_axes={self.shared_axes} must name "
                    f"axes 1..{rank - 1} of inputs of shape {tuple(input_shape)} (axis 0 is "
                    f"the batch, which always shares one slope).")
            param_shape[axis - 1] = 1
        if None in param_shape:
            raise ValueError(
                f"PReLU layer \"{self.name}\" needs every non-shared input axis known, got "
                f"input shape {tuple(input_shape)}; pass shared_axes for the unknown ones.")
        self.alpha = self.add_weight(shape=param_shape, initializer=self.alpha_initializer,
                                     name="alpha", regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        shared = set(self.shared_axes or [])
        self.input_spec = InputSpec(ndim=rank, axes={i: input_shape[i] for i in range(1, rank)
                                                     if i not in shared})

    def call(self, inputs: Any) -> Tensor:
        # relu(x) - alpha·relu(-x), as Keras writes it: the gradient of alpha is -relu(-x),
        # exactly zero for positive inputs.
        negative = ew.multiply(self.alpha, _nn.relu(ew.negative(inputs)))
        return ew.subtract(_nn.relu(inputs), negative)

    def get_config(self) -> dict:
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizer_config(self.alpha_regularizer),
                "alpha_constraint": None, "shared_axes": self.shared_axes}

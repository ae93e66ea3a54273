"""What Dense, Conv1D and Conv2D share: a kernel, an optional bias, an activation.

Each computes ``activation(f(inputs, kernel) + bias)`` for its own ``f`` (a matmul, a
convolution) and takes the same eight options — activation, ``use_bias``, initializers,
regularizers and constraints of kernel and bias — saved in their configs as Keras saves
them. This mixin holds those options once.

Example:
    >>> import minitf as tf
    >>> conv = tf.keras.layers.Conv2D(2, 3, kernel_regularizer=tf.keras.regularizers.L2(0.1))
    >>> tf.keras.layers.Conv2D.from_config(conv.get_config()).kernel_regularizer.l2
    0.1
"""

from __future__ import annotations

from typing import Any

from minitf.keras import activations, initializers, regularizers
from minitf.keras.serialization import serialize_keras_object
from minitf.ops import elementwise as ew
from minitf.tensor import Tensor

__all__ = ["KernelBias", "regularizer_config"]


def regularizer_config(reg: Any) -> Any:
    """A regularizer's Keras config (None stays None)."""
    return None if reg is None else serialize_keras_object(reg)


class KernelBias:
    """Mixin for layers with a kernel, an optional bias and an activation."""

    def _set_kernel_bias_options(self, activation: Any, use_bias: bool,
                                 kernel_initializer: Any, bias_initializer: Any,
                                 kernel_regularizer: Any, bias_regularizer: Any,
                                 kernel_constraint: Any, bias_constraint: Any) -> None:
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        # A config (a dict, from a saved model) or a name becomes the regularizer itself.
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint

    def _add_kernel_and_bias(self, kernel_shape: tuple, units: int) -> None:
        """Creates ``self.kernel`` and ``self.bias`` (None without ``use_bias``)."""
        self.kernel = self.add_weight(shape=kernel_shape, initializer=self.kernel_initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight(shape=(units,), initializer=self.bias_initializer,
                                    name="bias", regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None

    def _bias_and_activation(self, x: Tensor) -> Tensor:
        if self.bias is not None:
            x = ew.add(x, self.bias)
        if self.activation is not activations.linear:
            x = self.activation(x)
        return x

    def _kernel_bias_config(self, activity_regularizer: bool = False) -> dict:
        """The options as Keras 3 saves them, in its key order (the convolutions also list
        the activity regularizer; Dense does not)."""
        config = {"activation": activations.serialize(self.activation),
                  "use_bias": self.use_bias,
                  "kernel_initializer": initializers.serialize(self.kernel_initializer),
                  "bias_initializer": initializers.serialize(self.bias_initializer),
                  "kernel_regularizer": regularizer_config(self.kernel_regularizer),
                  "bias_regularizer": regularizer_config(self.bias_regularizer)}
        if activity_regularizer:
            config["activity_regularizer"] = regularizer_config(
                regularizers.get(self.activity_regularizer))
        return {**config, "kernel_constraint": None, "bias_constraint": None}

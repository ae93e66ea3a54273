"""The core layers: ``Dense``, ``Lambda``, ``Flatten``, ``Reshape``, ``Dropout``,
``Activation``, ``ReLU``, ``LeakyReLU``, ``Softmax`` and ``Embedding``.

Example:
    >>> import minitf as tf
    >>> layer = tf.keras.layers.Dense(3, activation="relu")
    >>> layer(tf.ones([2, 4])).shape
    TensorShape([2, 3])
    >>> [tuple(w.shape) for w in layer.weights]
    [(4, 3), (3,)]
"""

from __future__ import annotations

import math
from typing import Any, Callable, Optional

from minitf.keras import activations, initializers
from minitf.keras.layer import InputSpec, Layer
from minitf.keras.layers.kernel_bias import KernelBias, regularizer_config
from minitf.keras.serialization import keras_class
from minitf.ops import elementwise as ew
from minitf.ops.linalg import matmul, tensordot
from minitf.ops.shape import reshape
from minitf.tensor import Tensor

__all__ = ["Dense", "Lambda", "Flatten", "Reshape", "Dropout", "Activation", "ReLU",
           "LeakyReLU", "Softmax", "Embedding"]




@keras_class
class Dense(KernelBias, Layer):
    """A fully connected layer: ``activation(inputs @ kernel + bias)``.

    Args:
        units: the output size.
        activation: a name, a function, or None (linear).
        use_bias: whether to add a bias vector.
        kernel_initializer: name, Initializer or ``f(shape, dtype=...)`` (default Glorot
            uniform); the seed guide passes ``tf.random.normal``.
        bias_initializer: default zeros.
        kernel_regularizer, bias_regularizer: optional weight penalties.
        kernel_constraint, bias_constraint: optional projections after updates.

    Example:
        >>> import minitf as tf
        >>> d = tf.keras.layers.Dense(1, kernel_initializer="ones")
        >>> d(tf.constant([[1.0, 2.0]])).numpy()
        array([[3.]], dtype=float32)
    """

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = int(units)
        self._set_kernel_bias_options(activation, use_bias, kernel_initializer,
                                      bias_initializer, kernel_regularizer, bias_regularizer,
                                      kernel_constraint, bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape: Any) -> None:
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"Dense layer \"{self.name}\" needs a known last input dimension, "
                             f"got input shape {tuple(input_shape)}.")
        # BEGIN SOLUTION keras: Dense's kernel and bias weights; spec: tests/test_keras_layers.py
        self.kernel = self.add_weight(shape=(input_dim, self.units),
                                      initializer=self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight(shape=(self.units,), initializer=self.bias_initializer,
                                    name="bias", regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        # END SOLUTION
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})

    def call(self, inputs: Any) -> Tensor:
        # BEGIN SOLUTION keras: Dense, activation(x @ W + b); spec: tests/test_keras_layers.py
        if len(inputs._shape) == 2:
            x = matmul(inputs, self.kernel)
        else:  # (..., d) @ (d, units) on the last axis
            x = tensordot(inputs, self.kernel, [[len(inputs._shape) - 1], [0]])
        if self.bias is not None:
            x = ew.add(x, self.bias)
        if self.activation is not activations.linear:
            x = self.activation(x)
        return x
        # END SOLUTION

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units, **self._kernel_bias_config()}


@keras_class
class Lambda(Layer):
    """Wraps any function of tensors as a layer (no weights).

    Args:
        function: ``f(inputs, **arguments)``.
        output_shape: accepted for compatibility (shapes are found by running ``f``).
        arguments: extra keyword arguments for ``function``.

    Example:
        >>> import minitf as tf
        >>> square = tf.keras.layers.Lambda(lambda x: x ** 2)
        >>> square(tf.constant([1.0, 3.0])).numpy()
        array([1., 9.], dtype=float32)
    """

    def __init__(self, function: Callable, output_shape: Any = None, mask: Any = None,
                 arguments: Optional[dict] = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.function = function
        self.output_shape_arg = output_shape
        self.arguments = dict(arguments or {})

    def call(self, inputs: Any, training: Any = None) -> Any:
        return self.function(inputs, **self.arguments)

    def get_config(self) -> dict:
        from minitf.keras.saving_lambda import serialize_lambda
        return {**super().get_config(), "function": serialize_lambda(self),
                "arguments": self.arguments}

    @classmethod
    def from_config(cls, config: dict, custom_objects: Optional[dict] = None) -> "Lambda":
        from minitf.keras.saving_lambda import deserialize_lambda
        config = dict(config)
        config["function"] = deserialize_lambda(config["function"], custom_objects)
        return cls(**config)


@keras_class
class Flatten(Layer):
    """Flattens each sample: ``(batch, d1, d2, ...)`` -> ``(batch, d1·d2·...)``.

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.Flatten()(tf.ones([2, 3, 4])).shape
        TensorShape([2, 12])
    """

    def __init__(self, data_format: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = data_format

    def call(self, inputs: Any) -> Tensor:
        rest = inputs._shape[1:]
        if None in rest:
            from minitf.ops.shape import shape as tf_shape
            return reshape(inputs, [tf_shape(inputs)[0], -1])
        return reshape(inputs, [-1, math.prod(rest)])

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


@keras_class
class Reshape(Layer):
    """Reshapes each sample to ``target_shape`` (the batch axis is kept; one size may
    be -1).

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.Reshape((2, -1))(tf.ones([5, 6])).shape
        TensorShape([5, 2, 3])
    """

    def __init__(self, target_shape: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)

    def call(self, inputs: Any) -> Tensor:
        if -1 not in self.target_shape:
            return reshape(inputs, (-1,) + self.target_shape)
        batch = inputs._shape[0]
        if batch is None:
            from minitf.ops.shape import shape as tf_shape
            batch = tf_shape(inputs)[0]
        return reshape(inputs, [batch] + list(self.target_shape))

    def get_config(self) -> dict:
        return {**super().get_config(), "target_shape": list(self.target_shape)}


@keras_class
class Dropout(Layer):
    """Zeroes a ``rate`` fraction of inputs during training and scales the rest by
    ``1 / (1 - rate)``; the identity at inference.

    Example:
        >>> import minitf as tf
        >>> d = tf.keras.layers.Dropout(0.5)
        >>> d(tf.ones([4])).numpy()
        array([1., 1., 1., 1.], dtype=float32)
    """

    def __init__(self, rate: float, noise_shape: Any = None, seed: Optional[int] = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        self.rate, self.noise_shape, self.seed = float(rate), noise_shape, seed

    def call(self, inputs: Any, training: Any = None) -> Tensor:
        if training and self.rate > 0:
            from minitf.ops.nn import dropout
            return dropout(inputs, self.rate, self.noise_shape)
        return inputs

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}


@keras_class
class Activation(Layer):
    """Applies an activation function (by name or function).

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.Activation("relu")(tf.constant([-1.0, 1.0])).numpy()
        array([0., 1.], dtype=float32)
    """

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs: Any) -> Tensor:
        return self.activation(inputs)

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


@keras_class
class ReLU(Layer):
    """``max(x, 0)``, optionally capped (``max_value``), leaky or thresholded.

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.ReLU(max_value=1.0)(tf.constant([-1.0, 0.5, 3.0])).numpy()
        array([0. , 0.5, 1. ], dtype=float32)
    """

    def __init__(self, max_value: Optional[float] = None, negative_slope: float = 0.0,
                 threshold: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, \
            threshold

    def call(self, inputs: Any) -> Tensor:
        return activations.relu(inputs, self.negative_slope, self.max_value, self.threshold)

    def get_config(self) -> dict:
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


@keras_class
class LeakyReLU(Layer):
    """``x`` where positive, else ``negative_slope · x`` (default 0.3).

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.LeakyReLU(0.5)(tf.constant([-2.0])).numpy()
        array([-1.], dtype=float32)
    """

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.negative_slope = negative_slope

    def call(self, inputs: Any) -> Tensor:
        return activations.leaky_relu(inputs, self.negative_slope)

    def get_config(self) -> dict:
        return {**super().get_config(), "negative_slope": self.negative_slope}


@keras_class
class Softmax(Layer):
    """Softmax along ``axis``.

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.Softmax()(tf.constant([[1.0, 1.0]])).numpy()
        array([[0.5, 0.5]], dtype=float32)
    """

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs: Any, mask: Any = None) -> Tensor:
        return activations.softmax(inputs, self.axis)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


@keras_class
class Embedding(Layer):
    """Maps integer ids to learned vectors: row ``i`` of an ``(input_dim, output_dim)``
    table. Its gradient is a scatter-add into the rows that were used.

    Example:
        >>> import minitf as tf
        >>> emb = tf.keras.layers.Embedding(10, 4)
        >>> emb(tf.constant([[1, 2, 3]])).shape
        TensorShape([1, 3, 4])
    """

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer: Any = "uniform",
                 embeddings_regularizer: Any = None, embeddings_constraint: Any = None,
                 mask_zero: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if mask_zero:
            raise NotImplementedError("Embedding(mask_zero=True): minitf has no masking; "
                                      "pad with an id the model can learn to ignore.")
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = embeddings_regularizer
        self.embeddings_constraint = embeddings_constraint
        self.mask_zero = mask_zero

    def build(self, input_shape: Any = None) -> None:
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          name="embeddings",
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)

    def call(self, inputs: Any) -> Tensor:
        from minitf import dtypes
        from minitf.ops.indexing import gather
        if not inputs.dtype.is_integer:
            inputs = ew.cast(inputs, dtypes.int32)
        return gather(self.embeddings, inputs)

    def get_config(self) -> dict:
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizer_config(self.embeddings_regularizer),
                "embeddings_constraint": None, "mask_zero": self.mask_zero}

"""``tf.keras.activations``: activation functions, looked up by name.

Each is plain Python over minitf ops (no gradient rules of its own). Layers accept an
activation as a function, a name (``"relu"``) or None (``"linear"``).

Example:
    >>> import minitf as tf
    >>> relu = tf.keras.activations.get("relu")
    >>> relu(tf.constant([-1.0, 2.0])).numpy()
    array([0., 2.], dtype=float32)
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from minitf.ops import elementwise as ew
from minitf.ops import nn as _nn
from minitf.ops._operands import to_tensor
from minitf.tensor import Tensor

__all__ = ["get", "serialize", "deserialize", "linear", "relu", "sigmoid", "softmax", "tanh",
           "elu", "selu", "softplus", "softsign", "swish", "silu", "gelu", "exponential",
           "leaky_relu", "relu6", "hard_sigmoid", "log_softmax", "mish"]


def linear(x: Any) -> Tensor:
    """The identity (what ``activation=None`` means).

    Example:
        >>> import minitf as tf
        >>> tf.keras.activations.linear(tf.constant([-1.0])).numpy()
        array([-1.], dtype=float32)
    """
    return to_tensor(x)


def relu(x: Any, negative_slope: float = 0.0, max_value: Optional[float] = None,
         threshold: float = 0.0) -> Tensor:
    """``max(x, 0)``, optionally leaky (``negative_slope``), capped, or thresholded.

    Example:
        >>> import minitf as tf
        >>> tf.keras.activations.relu(tf.constant([-2.0, 1.0, 9.0]), max_value=6.0).numpy()
        array([0., 1., 6.], dtype=float32)
    """
    x = to_tensor(x)
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return _nn.relu(x)
    below = ew.multiply(ew.subtract(x, threshold), negative_slope) if negative_slope else 0.0
    y = ew.where(ew.greater(x, threshold), x, below)
    return y if max_value is None else ew.minimum(y, float(max_value))


def sigmoid(x: Any) -> Tensor:
    """``1 / (1 + exp(-x))``.

    Example:
        >>> import minitf as tf
        >>> float(tf.keras.activations.sigmoid(tf.constant(0.0)))
        0.5
    """
    return ew.sigmoid(x)


def tanh(x: Any) -> Tensor:
    """The hyperbolic tangent.

    Example:
        >>> import minitf as tf
        >>> float(tf.keras.activations.tanh(tf.constant(0.0)))
        0.0
    """
    return ew.tanh(x)


def softmax(x: Any, axis: int = -1) -> Tensor:
    """``exp(x) / Σ exp(x)`` along ``axis``.

    Example:
        >>> import minitf as tf
        >>> tf.keras.activations.softmax(tf.constant([[0.0, 0.0]])).numpy()
        array([[0.5, 0.5]], dtype=float32)
    """
    return _nn.softmax(x, axis)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """``x - log Σ exp(x)`` along ``axis``.

    Example:
        >>> import minitf as tf
        >>> round(float(tf.keras.activations.log_softmax(tf.constant([0.0, 0.0]))[0]), 4)
        -0.6931
    """
    return _nn.log_softmax(x, axis)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """``x`` if positive, else ``alpha (exp(x) - 1)``.

    Example:
        >>> import minitf as tf
        >>> float(tf.keras.activations.elu(tf.constant(0.0)))
        0.0
    """
    x = to_tensor(x)
    neg = ew.subtract(ew.exp(ew.minimum(x, 0.0)), 1.0)
    return ew.where(ew.greater(x, 0.0), x, neg if alpha == 1.0 else ew.multiply(neg, alpha))


def selu(x: Any) -> Tensor:
    """Scaled ELU with the self-normalising constants of Klambauer et al.

    Example:
        >>> import minitf as tf
        >>> float(tf.keras.activations.selu(tf.constant(0.0)))
        0.0
    """
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    return ew.multiply(elu(x, alpha), scale)


def softplus(x: Any) -> Tensor:
    """``log(1 + exp(x))``, computed stably.

    Example:
        >>> import minitf as tf
        >>> round(float(tf.keras.activations.softplus(tf.constant(0.0))), 4)
        0.6931
    """
    return _nn.softplus(x)


def softsign(x: Any) -> Tensor:
    """``x / (1 + |x|)``.

    Example:
        >>> import minitf as tf
        >>> float(tf.keras.activations.softsign(tf.constant(1.0)))
        0.5
    """
    x = to_tensor(x)
    return ew.truediv(x, ew.add(ew.abs(x), 1.0))


def silu(x: Any) -> Tensor:
    """``x · sigmoid(x)`` (also called swish).

    Example:
        >>> import minitf as tf
        >>> float(tf.keras.activations.silu(tf.constant(0.0)))
        0.0
    """
    return _nn.silu(x)


swish = silu


def gelu(x: Any, approximate: bool = False) -> Tensor:
    """Gaussian error linear unit (tanh form; see ``tf.nn.gelu``).

    Example:
        >>> import minitf as tf
        >>> float(tf.keras.activations.gelu(tf.constant(0.0)))
        0.0
    """
    return _nn.gelu(x, approximate)


def exponential(x: Any) -> Tensor:
    """``exp(x)``.

    Example:
        >>> import minitf as tf
        >>> float(tf.keras.activations.exponential(tf.constant(0.0)))
        1.0
    """
    return ew.exp(x)


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    """``x`` if positive, else ``negative_slope · x``.

    Example:
        >>> import minitf as tf
        >>> tf.keras.activations.leaky_relu(tf.constant([-1.0])).numpy()
        array([-0.2], dtype=float32)
    """
    return _nn.leaky_relu(x, negative_slope)


def relu6(x: Any) -> Tensor:
    """``min(max(x, 0), 6)``.

    Example:
        >>> import minitf as tf
        >>> tf.keras.activations.relu6(tf.constant([7.0])).numpy()
        array([6.], dtype=float32)
    """
    return _nn.relu6(x)


def hard_sigmoid(x: Any) -> Tensor:
    """Piecewise-linear sigmoid ``clip(x/6 + 1/2, 0, 1)`` (Keras 3's definition).

    Example:
        >>> import minitf as tf
        >>> float(tf.keras.activations.hard_sigmoid(tf.constant(0.0)))
        0.5
    """
    x = to_tensor(x)
    return ew.clip_by_value(ew.add(ew.multiply(x, 1.0 / 6.0), 0.5), 0.0, 1.0)


def mish(x: Any) -> Tensor:
    """``x · tanh(softplus(x))``.

    Example:
        >>> import minitf as tf
        >>> float(tf.keras.activations.mish(tf.constant(0.0)))
        0.0
    """
    x = to_tensor(x)
    return ew.multiply(x, ew.tanh(_nn.softplus(x)))


_BY_NAME: dict[str, Callable[..., Tensor]] = {
    fn.__name__: fn for fn in (linear, relu, sigmoid, tanh, softmax, log_softmax, elu, selu,
                               softplus, softsign, silu, gelu, exponential, leaky_relu,
                               relu6, hard_sigmoid, mish)
}
_BY_NAME["swish"] = silu


def get(identifier: Any) -> Callable[..., Tensor]:
    """The activation function for a name, a function, or None (linear).

    Raises:
        ValueError: listing the known names when ``identifier`` is not one.

    Example:
        >>> import minitf as tf
        >>> tf.keras.activations.get(None).__name__
        'linear'
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        try:
            return _BY_NAME[identifier]
        except KeyError:
            raise ValueError(
                f"Could not interpret activation function identifier: {identifier!r}. Known "
                f"names: {sorted(_BY_NAME)}.") from None
    if isinstance(identifier, dict):
        from minitf.keras.serialization import deserialize_keras_object
        return deserialize_keras_object(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")


def serialize(activation: Callable) -> Any:
    """The name of a built-in activation, else its serialized form.

    Example:
        >>> import minitf as tf
        >>> tf.keras.activations.serialize(tf.keras.activations.tanh)
        'tanh'
    """
    name = getattr(activation, "__name__", None)
    if name in _BY_NAME and _BY_NAME[name] is activation:
        return name
    from minitf.keras.serialization import serialize_keras_object
    return serialize_keras_object(activation)


def deserialize(config: Any, custom_objects: Optional[dict] = None) -> Callable:
    """The inverse of :func:`serialize`.

    Example:
        >>> import minitf as tf
        >>> tf.keras.activations.deserialize("relu") is tf.keras.activations.relu
        True
    """
    if isinstance(config, str) and custom_objects and config in custom_objects:
        return custom_objects[config]
    return get(config)


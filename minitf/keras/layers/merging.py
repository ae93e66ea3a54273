"""Layers that combine a list of inputs: ``Concatenate``, ``Add``, ``Subtract``,
``Multiply``, ``Average``, ``Maximum``, ``Minimum`` (and their function forms).

Example:
    >>> import minitf as tf
    >>> a, b = tf.ones([2, 3]), tf.zeros([2, 1])
    >>> tf.keras.layers.Concatenate()([a, b]).shape
    TensorShape([2, 4])
    >>> tf.keras.layers.Add()([a, a]).numpy()[0]
    array([2., 2., 2.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from minitf.keras.layer import Layer
from minitf.keras.serialization import keras_class
from minitf.ops import elementwise as ew
from minitf.ops.joining import concat
from minitf.tensor import Tensor

__all__ = ["Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
           "concatenate", "add", "subtract", "multiply", "average", "maximum", "minimum"]


class _Merge(Layer):
    """Folds a binary op over a list of same-shaped inputs."""

    _min_inputs = 2

    def _check(self, inputs: Any) -> list:
        if not isinstance(inputs, (list, tuple)) or len(inputs) < self._min_inputs:
            raise ValueError(f"A merge layer ({type(self).__name__}) should be called on a "
                             f"list of at least {self._min_inputs} inputs. Received: "
                             f"inputs={inputs!r}")
        return list(inputs)

    def _fold(self, x: Tensor, y: Tensor) -> Tensor:
        raise NotImplementedError

    def call(self, inputs: Any) -> Tensor:
        xs = self._check(inputs)
        out = xs[0]
        for x in xs[1:]:
            out = self._fold(out, x)
        return out


@keras_class
class Add(_Merge):
    """Elementwise sum of the inputs.

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.Add()([tf.ones([1]), tf.ones([1]), tf.ones([1])]).numpy()
        array([3.], dtype=float32)
    """

    def _fold(self, x: Tensor, y: Tensor) -> Tensor:
        return ew.add(x, y)


@keras_class
class Subtract(_Merge):
    """``inputs[0] - inputs[1]`` (exactly two inputs).

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.Subtract()([tf.ones([1]), tf.ones([1])]).numpy()
        array([0.], dtype=float32)
    """

    def call(self, inputs: Any) -> Tensor:
        xs = self._check(inputs)
        if len(xs) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: inputs={inputs!r}")
        return ew.subtract(xs[0], xs[1])


@keras_class
class Multiply(_Merge):
    """Elementwise product of the inputs.

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.Multiply()([tf.fill([1], 2.0), tf.fill([1], 3.0)]).numpy()
        array([6.], dtype=float32)
    """

    def _fold(self, x: Tensor, y: Tensor) -> Tensor:
        return ew.multiply(x, y)


@keras_class
class Maximum(_Merge):
    """Elementwise maximum of the inputs.

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.Maximum()([tf.ones([1]), tf.zeros([1])]).numpy()
        array([1.], dtype=float32)
    """

    def _fold(self, x: Tensor, y: Tensor) -> Tensor:
        return ew.maximum(x, y)


@keras_class
class Minimum(_Merge):
    """Elementwise minimum of the inputs.

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.Minimum()([tf.ones([1]), tf.zeros([1])]).numpy()
        array([0.], dtype=float32)
    """

    def _fold(self, x: Tensor, y: Tensor) -> Tensor:
        return ew.minimum(x, y)


@keras_class
class Average(Add):
    """Elementwise mean of the inputs.

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.Average()([tf.ones([1]), tf.zeros([1])]).numpy()
        array([0.5], dtype=float32)
    """

    def call(self, inputs: Any) -> Tensor:
        return ew.multiply(super().call(inputs), 1.0 / len(inputs))


@keras_class
class Concatenate(_Merge):
    """Joins the inputs along ``axis`` (default last); other sizes must match.

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.Concatenate(axis=0)([tf.ones([1, 2]), tf.ones([3, 2])]).shape
        TensorShape([4, 2])
    """

    _min_inputs = 1

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs: Any) -> Tensor:
        return concat(self._check(inputs), self.axis)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


def _functional(cls: type, doc: str) -> Any:
    def fn(inputs: Any, **kwargs: Any) -> Any:
        return cls(**kwargs)(inputs)
    fn.__name__ = cls.__name__.lower()
    fn.__doc__ = doc
    return fn


add = _functional(Add, """``Add()(inputs)``.

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.add([tf.ones([1]), tf.ones([1])]).numpy()
        array([2.], dtype=float32)
    """)
subtract = _functional(Subtract, """``Subtract()(inputs)``.

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.subtract([tf.ones([1]), tf.ones([1])]).numpy()
        array([0.], dtype=float32)
    """)
multiply = _functional(Multiply, """``Multiply()(inputs)``.

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.multiply([tf.ones([1]), tf.ones([1])]).numpy()
        array([1.], dtype=float32)
    """)
average = _functional(Average, """``Average()(inputs)``.

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.average([tf.ones([1]), tf.ones([1])]).numpy()
        array([1.], dtype=float32)
    """)
maximum = _functional(Maximum, """``Maximum()(inputs)``.

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.maximum([tf.ones([1]), tf.zeros([1])]).numpy()
        array([1.], dtype=float32)
    """)
minimum = _functional(Minimum, """``Minimum()(inputs)``.

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.minimum([tf.ones([1]), tf.zeros([1])]).numpy()
        array([0.], dtype=float32)
    """)


def concatenate(inputs: Any, axis: int = -1, **kwargs: Any) -> Any:
    """``Concatenate(axis)(inputs)``.

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.concatenate([tf.ones([1, 1]), tf.ones([1, 1])]).shape
        TensorShape([1, 2])
    """
    return Concatenate(axis=axis, **kwargs)(inputs)

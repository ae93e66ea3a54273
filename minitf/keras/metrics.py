"""``tf.keras.metrics``: running averages of model quality over an epoch.

A metric keeps *state* in non-trainable variables (``total`` and ``count`` for a mean),
so ``update_state`` can run inside a traced training step; ``result()`` reads the current
value and ``reset_state()`` starts over (``fit`` does that every epoch).

Example:
    >>> import minitf as tf
    >>> m = tf.keras.metrics.Mean()
    >>> m.update_state([1.0, 3.0])
    >>> m.update_state([5.0])
    >>> float(m.result())
    3.0
"""

from __future__ import annotations
from typing import Any, Callable, Optional

from minitf import dtypes as _dtypes
from minitf.keras import losses as _losses
from minitf.keras.metrics_base import Mean, MeanMetricWrapper, Metric, Sum  # noqa: F401
from minitf.keras.serialization import keras_class
from minitf.ops import elementwise as ew
from minitf.ops._operands import to_tensor
from minitf.ops.arg_reduction import argmax
from minitf.ops.reduction import reduce_mean
from minitf.tensor import Tensor

__all__ = ["Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy",
           "CategoricalAccuracy", "SparseCategoricalAccuracy", "MeanSquaredError",
           "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError",
           "RootMeanSquaredError", "BinaryCrossentropy",
           "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "accuracy",
           "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy", "get",
           "serialize", "deserialize"]


# ---------------------------------------------------------------------------------------
# Accuracy functions: 1.0 where right, 0.0 where wrong, per sample
# ---------------------------------------------------------------------------------------
def accuracy(y_true: Any, y_pred: Any) -> Tensor:
    """1.0 where ``y_true == y_pred`` exactly.

    Example:
        >>> import minitf as tf
        >>> tf.keras.metrics.accuracy(tf.constant([1.0, 2.0]), tf.constant([1.0, 0.0])).numpy()
        array([1., 0.], dtype=float32)
    """
    y_true, y_pred = _losses.squeeze_or_expand_to_same_rank(to_tensor(y_true), to_tensor(y_pred))
    if y_pred._dtype is not y_true._dtype:
        y_pred = ew.cast(y_pred, y_true._dtype)
    return ew.cast(ew.equal(y_true, y_pred), _dtypes.float32)


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> Tensor:
    """Mean over the last axis of ``(y_pred > threshold) == y_true``.

    Example:
        >>> import minitf as tf
        >>> tf.keras.metrics.binary_accuracy([[1.0], [0.0]], [[0.7], [0.9]]).numpy()
        array([1., 0.], dtype=float32)
    """
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred._dtype)
    if y_true._dtype is not y_pred._dtype:
        y_true = ew.cast(y_true, y_pred._dtype)
    y_true, y_pred = _losses.squeeze_or_expand_to_same_rank(y_true, y_pred)
    hits = ew.cast(ew.greater(y_pred, float(threshold)), y_true._dtype)
    return reduce_mean(ew.cast(ew.equal(y_true, hits), _dtypes.float32), -1)


def categorical_accuracy(y_true: Any, y_pred: Any) -> Tensor:
    """1.0 where the predicted class (argmax) is the one-hot target's class.

    Example:
        >>> import minitf as tf
        >>> tf.keras.metrics.categorical_accuracy([[0.0, 1.0]], [[0.2, 0.8]]).numpy()
        array([1.], dtype=float32)
    """
    y_true, y_pred = to_tensor(y_true), to_tensor(y_pred)
    return ew.cast(ew.equal(argmax(y_true, -1), argmax(y_pred, -1)), _dtypes.float32)


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> Tensor:
    """1.0 where the predicted class (argmax) equals the integer target.

    Example:
        >>> import minitf as tf
        >>> tf.keras.metrics.sparse_categorical_accuracy([1, 0], [[0.2, 0.8],
        ...                                                     [0.3, 0.7]]).numpy()
        array([1., 0.], dtype=float32)
    """
    y_true, y_pred = to_tensor(y_true), to_tensor(y_pred)
    if len(y_true._shape) == len(y_pred._shape) and y_true._shape[-1] == 1:
        from minitf.ops.shape import squeeze
        y_true = squeeze(y_true, [-1])
    predicted = argmax(y_pred, -1)
    if y_true._dtype is not predicted._dtype:
        predicted = ew.cast(predicted, y_true._dtype)
    return ew.cast(ew.equal(y_true, predicted), _dtypes.float32)


def _wrapper_class(name: str, fn: Callable, default_name: str, params: tuple = (),
                   doc: str = "") -> type:
    def __init__(self: Any, name: str = default_name, dtype: Any = None, **kwargs: Any) -> None:
        values = dict(params)
        values.update(kwargs)
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **values)

    cls = type(name, (MeanMetricWrapper,), {"__init__": __init__, "__doc__": doc,
                                            "__module__": __name__})
    return keras_class(cls)


_EX = """

    Example:
        >>> import minitf as tf
        >>> m = tf.keras.metrics.{cls}()
        >>> round(float(m({t}, {p})), 4)
        {v}
    """
Accuracy = _wrapper_class("Accuracy", accuracy, "accuracy", doc="How often predictions "
                          "equal labels exactly." + _EX.format(
                              cls="Accuracy", t="[[1.0], [2.0]]", p="[[1.0], [0.0]]", v="0.5"))
BinaryAccuracy = _wrapper_class(
    "BinaryAccuracy", binary_accuracy, "binary_accuracy", params=(("threshold", 0.5),),
    doc="How often thresholded predictions match binary labels." + _EX.format(
        cls="BinaryAccuracy", t="[[1.0], [0.0]]", p="[[0.7], [0.9]]", v="0.5"))
CategoricalAccuracy = _wrapper_class(
    "CategoricalAccuracy", categorical_accuracy, "categorical_accuracy",
    doc="How often the argmax matches one-hot labels." + _EX.format(
        cls="CategoricalAccuracy", t="[[0.0, 1.0]]", p="[[0.2, 0.8]]", v="1.0"))
SparseCategoricalAccuracy = _wrapper_class(
    "SparseCategoricalAccuracy", sparse_categorical_accuracy, "sparse_categorical_accuracy",
    doc="How often the argmax matches integer labels." + _EX.format(
        cls="SparseCategoricalAccuracy", t="[1, 0]", p="[[0.2, 0.8], [0.3, 0.7]]", v="0.5"))
MeanSquaredError = _wrapper_class(
    "MeanSquaredError", _losses.mean_squared_error, "mean_squared_error",
    doc="The mean squared error over all samples seen." + _EX.format(
        cls="MeanSquaredError", t="[[0.0], [0.0]]", p="[[1.0], [3.0]]", v="5.0"))
MeanAbsoluteError = _wrapper_class(
    "MeanAbsoluteError", _losses.mean_absolute_error, "mean_absolute_error",
    doc="The mean absolute error over all samples seen." + _EX.format(
        cls="MeanAbsoluteError", t="[[0.0], [0.0]]", p="[[1.0], [3.0]]", v="2.0"))
MeanAbsolutePercentageError = _wrapper_class(
    "MeanAbsolutePercentageError", _losses.mean_absolute_percentage_error,
    "mean_absolute_percentage_error",
    doc="The mean of 100·|y - ŷ| / |y| over all samples seen." + _EX.format(
        cls="MeanAbsolutePercentageError", t="[[2.0], [4.0]]", p="[[1.0], [4.0]]", v="25.0"))
MeanSquaredLogarithmicError = _wrapper_class(
    "MeanSquaredLogarithmicError", _losses.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error",
    doc="The mean of (log(1 + ŷ) - log(1 + y))² over all samples seen." + _EX.format(
        cls="MeanSquaredLogarithmicError", t="[[0.0]]", p="[[1.0]]", v="0.4805"))
BinaryCrossentropy = _wrapper_class(
    "BinaryCrossentropy", _losses.binary_crossentropy, "binary_crossentropy",
    params=(("from_logits", False), ("label_smoothing", 0.0)),
    doc="Mean binary cross-entropy." + _EX.format(
        cls="BinaryCrossentropy", t="[[1.0]]", p="[[0.5]]", v="0.6931"))
CategoricalCrossentropy = _wrapper_class(
    "CategoricalCrossentropy", _losses.categorical_crossentropy, "categorical_crossentropy",
    params=(("from_logits", False), ("label_smoothing", 0.0)),
    doc="Mean categorical cross-entropy." + _EX.format(
        cls="CategoricalCrossentropy", t="[[0.0, 1.0]]", p="[[0.5, 0.5]]", v="0.6931"))
SparseCategoricalCrossentropy = _wrapper_class(
    "SparseCategoricalCrossentropy", _losses.sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy", params=(("from_logits", False),),
    doc="Mean sparse categorical cross-entropy." + _EX.format(
        cls="SparseCategoricalCrossentropy", t="[1]", p="[[0.5, 0.5]]", v="0.6931"))


@keras_class
class RootMeanSquaredError(MeanMetricWrapper):
    """``sqrt`` of the mean squared error over all samples seen.

    Example:
        >>> import minitf as tf
        >>> m = tf.keras.metrics.RootMeanSquaredError()
        >>> float(m([[0.0], [0.0]], [[3.0], [4.0]]))
        3.535533905029297
    """

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None) -> None:
        super().__init__(_losses.mean_squared_error, name=name, dtype=dtype)

    def result(self) -> Tensor:
        return ew.sqrt(super().result())

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


_FUNCTIONS: dict[str, Callable] = {
    "accuracy": accuracy, "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
}
_CLASSES = {c.__name__: c for c in (
    Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, RootMeanSquaredError, BinaryCrossentropy,
    CategoricalCrossentropy, SparseCategoricalCrossentropy)}


def get(identifier: Any) -> Any:
    """A metric (or metric function) from a name, a config, a class or a callable.

    Loss names (``"mse"``, ``"mae"``...) give the loss function, which ``compile`` wraps
    in a running mean. ``"accuracy"`` is resolved by ``compile`` from the data.

    Example:
        >>> import minitf as tf
        >>> tf.keras.metrics.get("mse") is tf.keras.losses.mean_squared_error
        True
    """
    if isinstance(identifier, str):
        if identifier in _FUNCTIONS:
            return _FUNCTIONS[identifier]
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        if identifier == "rmse":
            return RootMeanSquaredError()
        try:
            return _losses.get(identifier)
        except ValueError:
            raise ValueError(f"Could not interpret metric identifier: {identifier!r}. Known "
                             f"names: {sorted(_FUNCTIONS)}, loss names, and the classes "
                             f"{sorted(_CLASSES)}.") from None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier) or isinstance(identifier, Metric):
        return identifier
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


def serialize(metric: Any) -> Any:
    """Keras's description of a metric.

    Example:
        >>> import minitf as tf
        >>> tf.keras.metrics.serialize(tf.keras.metrics.Mean())["class_name"]
        'Mean'
    """
    from minitf.keras.serialization import serialize_keras_object
    return serialize_keras_object(metric)


def deserialize(config: Any, custom_objects: Optional[dict] = None) -> Any:
    """The inverse of :func:`serialize`.

    Example:
        >>> import minitf as tf
        >>> tf.keras.metrics.deserialize({"class_name": "Mean", "config": {}}).name
        'mean'
    """
    from minitf.keras.serialization import deserialize_keras_object
    return deserialize_keras_object(config, custom_objects, module_objects=_CLASSES)

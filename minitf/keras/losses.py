"""``tf.keras.losses``: loss functions and classes, with Keras 3's shape rules and
reductions.

A loss *function* (``mean_squared_error``) returns one value per sample (it averages
over the last axis). A loss *class* (``MeanSquaredError()``) calls it, weights the values
by ``sample_weight``, and reduces them: the default ``"sum_over_batch_size"`` divides the
sum by the number of values; ``"sum"`` and ``"none"`` do what they say.

Before comparing, targets of rank one less than the predictions get a trailing axis
(Keras 3's ``squeeze_or_expand_to_same_rank``), so ``y`` of shape ``(32,)`` against
predictions ``(32, 1)`` is a per-sample difference — never a ``(32, 32)`` broadcast.

Example:
    >>> import minitf as tf
    >>> mse = tf.keras.losses.MeanSquaredError()
    >>> float(mse([0.0, 1.0], [[1.0], [1.0]]))
    0.5
"""

from __future__ import annotations

import math
from typing import Any, Callable, Optional
from minitf import dtypes as _dtypes
from minitf.keras.loss_functions import (  # noqa: F401  (tf.keras.losses.*)
    EPSILON, binary_crossentropy, categorical_crossentropy, hinge, huber, kl_divergence,
    log_cosh, mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
    mean_squared_logarithmic_error, sparse_categorical_crossentropy,
    squeeze_or_expand_to_same_rank,
)
from minitf.keras.serialization import keras_class
from minitf.ops import elementwise as ew
from minitf.ops._operands import to_tensor
from minitf.ops.reduction import reduce_sum
from minitf.tensor import Tensor

__all__ = ["Loss", "LossFunctionWrapper", "MeanSquaredError", "MeanAbsoluteError",
           "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "Huber", "LogCosh",
           "Hinge", "KLDivergence", "BinaryCrossentropy", "CategoricalCrossentropy",
           "SparseCategoricalCrossentropy", "mean_squared_error", "mean_absolute_error",
           "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "huber",
           "log_cosh", "hinge", "kl_divergence", "binary_crossentropy",
           "categorical_crossentropy", "sparse_categorical_crossentropy", "get", "serialize",
           "deserialize", "MSE", "MAE", "MAPE", "MSLE", "KLD", "mse", "mae", "mape", "msle",
           "kld", "logcosh"]

MSE = mse = mean_squared_error
MAE = mae = mean_absolute_error
MAPE = mape = mean_absolute_percentage_error
MSLE = msle = mean_squared_logarithmic_error
KLD = kld = kl_divergence
logcosh = log_cosh


# ---------------------------------------------------------------------------------------
# Loss classes: weighting and reduction
# ---------------------------------------------------------------------------------------
def reduce_weighted_values(values: Tensor, sample_weight: Any = None,
                           reduction: str = "sum_over_batch_size") -> Tensor:
    """Weights per-sample ``values`` and reduces them as ``reduction`` says.

    Example:
        >>> import minitf as tf
        >>> from minitf.keras.losses import reduce_weighted_values
        >>> float(reduce_weighted_values(tf.constant([1.0, 3.0]), [1.0, 0.0]))
        0.5
    """
    if sample_weight is not None:
        sw = to_tensor(sample_weight)
        if sw._dtype is not values._dtype:
            sw = ew.cast(sw, values._dtype)
        values, sw = squeeze_or_expand_to_same_rank(values, sw)
        values = ew.multiply(values, sw)
    if reduction in (None, "none") or len(values._shape) == 0:
        return values
    total = reduce_sum(values)
    if reduction == "sum":
        return total
    count = math.prod(values._shape) if None not in values._shape else None
    if count is None:
        from minitf.ops.shape import size
        return ew.truediv(total, ew.cast(size(values), values._dtype))
    # divide_no_nan: an empty batch has loss 0, not NaN.
    return ew.multiply(total, 1.0 / count) if count else ew.multiply(total, 0.0)


class Loss:
    """Base class: subclasses implement ``call(y_true, y_pred)`` -> per-sample values.

    Args:
        name: the loss's name (shown in logs).
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"`` or ``"none"``.

    Example:
        >>> import minitf as tf
        >>> class Doubled(tf.keras.losses.Loss):
        ...     def call(self, y_true, y_pred):
        ...         return 2.0 * tf.abs(y_true - y_pred)
        >>> float(Doubled()(tf.constant([1.0]), tf.constant([0.0])))
        2.0
    """

    def __init__(self, name: Optional[str] = None, reduction: str = "sum_over_batch_size",
                 dtype: Any = None) -> None:
        from minitf.keras.layer import snake_case
        if reduction not in ("sum_over_batch_size", "sum", "none", None, "mean",
                             "mean_with_sample_weight", "auto"):
            raise ValueError(f"Invalid value for argument `reduction`: {reduction!r}. Use "
                             f"'sum_over_batch_size', 'sum' or 'none'.")
        self.name = name or snake_case(type(self).__name__)
        self.reduction = "sum_over_batch_size" if reduction in ("auto", "mean") else reduction
        self.dtype = dtype

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        y_pred = to_tensor(y_pred)
        if y_pred._dtype.is_integer:
            y_pred = ew.cast(y_pred, _dtypes.float32)
        values = self.call(to_tensor(y_true), y_pred)
        return reduce_weighted_values(values, sample_weight, self.reduction)

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        """Per-sample loss values."""
        raise NotImplementedError

    def get_config(self) -> dict:
        """The constructor arguments."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict) -> "Loss":
        """Rebuilds the loss."""
        return cls(**config)


@keras_class
class LossFunctionWrapper(Loss):
    """A loss class around a loss function (what ``compile(loss=fn)`` makes).

    Example:
        >>> import minitf as tf
        >>> loss = tf.keras.losses.LossFunctionWrapper(tf.keras.losses.mae)
        >>> float(loss([[0.0]], [[2.0]]))
        2.0
    """

    def __init__(self, fn: Callable, reduction: str = "sum_over_batch_size",
                 name: Optional[str] = None, dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction,
                         dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        if type(self) is LossFunctionWrapper:
            from minitf.keras.serialization import serialize_keras_object
            config["fn"] = serialize_keras_object(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config: dict) -> "Loss":
        config = dict(config)
        if "fn" in config:
            from minitf.keras.serialization import deserialize_keras_object
            config["fn"] = deserialize_keras_object(config["fn"], module_objects=_BY_NAME)
        return cls(**config)


def _loss_class(name: str, fn: Callable, default_name: str, params: tuple = (),
                doc: str = "") -> type:
    def __init__(self: Any, *args: Any, reduction: str = "sum_over_batch_size",
                 name: str = default_name, dtype: Any = None, **kwargs: Any) -> None:
        values = dict(params)
        values.update(zip([p for p, _ in params], args))
        values.update(kwargs)
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, dtype=dtype,
                                     **values)
        for key, value in values.items():
            setattr(self, key, value)

    cls = type(name, (LossFunctionWrapper,), {"__init__": __init__, "__doc__": doc,
                                              "__module__": __name__})
    return keras_class(cls)


_EX = """

    Example:
        >>> import minitf as tf
        >>> loss = tf.keras.losses.{cls}()
        >>> round(float(loss({t}, {p})), 4)
        {v}
    """
MeanSquaredError = _loss_class("MeanSquaredError", mean_squared_error, "mean_squared_error",
                               doc="Mean of squared errors." + _EX.format(
                                   cls="MeanSquaredError", t="[[0.0, 1.0]]", p="[[1.0, 1.0]]",
                                   v="0.5"))
MeanAbsoluteError = _loss_class("MeanAbsoluteError", mean_absolute_error,
                                "mean_absolute_error", doc="Mean of absolute errors." +
                                _EX.format(cls="MeanAbsoluteError", t="[[0.0, 1.0]]",
                                           p="[[1.0, 1.0]]", v="0.5"))
MeanAbsolutePercentageError = _loss_class(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error,
    "mean_absolute_percentage_error", doc="Mean absolute percentage error." + _EX.format(
        cls="MeanAbsolutePercentageError", t="[[2.0]]", p="[[1.0]]", v="50.0"))
MeanSquaredLogarithmicError = _loss_class(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", doc="Mean squared log(1 + x) error." + _EX.format(
        cls="MeanSquaredLogarithmicError", t="[[0.0]]", p="[[0.0]]", v="0.0"))
Huber = _loss_class("Huber", huber, "huber_loss", params=(("delta", 1.0),),
                    doc="Huber loss (quadratic, then linear past ``delta``)." + _EX.format(
                        cls="Huber", t="[[0.0]]", p="[[3.0]]", v="2.5"))
LogCosh = _loss_class("LogCosh", log_cosh, "log_cosh", doc="Mean log(cosh(error))." +
                      _EX.format(cls="LogCosh", t="[[0.0]]", p="[[0.0]]", v="0.0"))
Hinge = _loss_class("Hinge", hinge, "hinge", doc="Hinge loss for ±1 (or 0/1) labels." +
                    _EX.format(cls="Hinge", t="[[1.0]]", p="[[0.25]]", v="0.75"))
KLDivergence = _loss_class("KLDivergence", kl_divergence, "kl_divergence",
                           doc="Kullback-Leibler divergence." + _EX.format(
                               cls="KLDivergence", t="[[1.0, 0.0]]", p="[[1.0, 0.0]]",
                               v="0.0"))
BinaryCrossentropy = _loss_class(
    "BinaryCrossentropy", binary_crossentropy, "binary_crossentropy",
    params=(("from_logits", False), ("label_smoothing", 0.0), ("axis", -1)),
    doc="Binary cross-entropy (``from_logits=True`` for raw scores)." + _EX.format(
        cls="BinaryCrossentropy", t="[[1.0]]", p="[[0.5]]", v="0.6931"))
CategoricalCrossentropy = _loss_class(
    "CategoricalCrossentropy", categorical_crossentropy, "categorical_crossentropy",
    params=(("from_logits", False), ("label_smoothing", 0.0), ("axis", -1)),
    doc="Cross-entropy for one-hot targets." + _EX.format(
        cls="CategoricalCrossentropy", t="[[0.0, 1.0]]", p="[[0.5, 0.5]]", v="0.6931"))
SparseCategoricalCrossentropy = _loss_class(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy",
    params=(("from_logits", False), ("ignore_class", None), ("axis", -1)),
    doc="Cross-entropy for integer class ids." + _EX.format(
        cls="SparseCategoricalCrossentropy", t="[1]", p="[[0.5, 0.5]]", v="0.6931"))

_BY_NAME: dict[str, Any] = {
    fn.__name__: fn for fn in (mean_squared_error, mean_absolute_error,
                               mean_absolute_percentage_error, mean_squared_logarithmic_error,
                               huber, log_cosh, hinge, kl_divergence, binary_crossentropy,
                               categorical_crossentropy, sparse_categorical_crossentropy)}
_BY_NAME.update({"mse": mse, "MSE": MSE, "mae": mae, "MAE": MAE, "mape": mape, "MAPE": MAPE,
                 "msle": msle, "MSLE": MSLE, "kld": kld, "KLD": KLD, "logcosh": logcosh,
                 "huber_loss": huber})
_CLASSES = {c.__name__: c for c in (
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, Huber, LogCosh, Hinge, KLDivergence, BinaryCrossentropy,
    CategoricalCrossentropy, SparseCategoricalCrossentropy, LossFunctionWrapper)}


def get(identifier: Any) -> Any:
    """A loss from a name (function or class name), a config dict, or a callable.

    Example:
        >>> import minitf as tf
        >>> tf.keras.losses.get("mse") is tf.keras.losses.mean_squared_error
        True
        >>> type(tf.keras.losses.get("MeanSquaredError")).__name__
        'MeanSquaredError'
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        if identifier in _BY_NAME:
            return _BY_NAME[identifier]
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        raise ValueError(f"Could not interpret loss identifier: {identifier!r}. Known names: "
                         f"{sorted(_BY_NAME)} and the classes {sorted(_CLASSES)}.")
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")


def serialize(loss: Any) -> Any:
    """Keras's description of a loss (a function's name, or a class config).

    Example:
        >>> import minitf as tf
        >>> tf.keras.losses.serialize(tf.keras.losses.Huber())["class_name"]
        'Huber'
    """
    from minitf.keras.serialization import serialize_keras_object
    if callable(loss) and not isinstance(loss, Loss):
        name = getattr(loss, "__name__", None)
        if _BY_NAME.get(name) is loss:
            return name
    return serialize_keras_object(loss)


def deserialize(config: Any, custom_objects: Optional[dict] = None) -> Any:
    """The inverse of :func:`serialize`.

    Example:
        >>> import minitf as tf
        >>> tf.keras.losses.deserialize("mae") is tf.keras.losses.mae
        True
    """
    if isinstance(config, str):
        if custom_objects and config in custom_objects:
            return custom_objects[config]
        return get(config)
    from minitf.keras.serialization import deserialize_keras_object
    return deserialize_keras_object(config, custom_objects, module_objects=_BY_NAME)

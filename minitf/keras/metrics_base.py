"""The metric base classes: ``Metric`` (state in variables), ``Mean``, ``Sum`` and
``MeanMetricWrapper`` (the running mean of any per-sample function).

Example:
    >>> import minitf as tf
    >>> m = tf.keras.metrics.Sum()
    >>> m.update_state([1.0, 2.0])
    >>> float(m.result())
    3.0
"""

from __future__ import annotations

import math
from typing import Any, Callable, Optional

from minitf import dtypes as _dtypes
from minitf.keras import losses as _losses
from minitf.keras.serialization import keras_class
from minitf.keras.variable import KerasVariable
from minitf.ops import elementwise as ew
from minitf.ops._operands import to_tensor
from minitf.ops.creation import zeros
from minitf.ops.reduction import reduce_mean, reduce_sum
from minitf.ops.shape import broadcast_to
from minitf.tensor import Tensor
from minitf.variables import init_scope

__all__ = ["Metric", "Mean", "Sum", "MeanMetricWrapper"]


class Metric:
    """Base class: state variables, ``update_state``, ``result``, ``reset_state``.

    Args:
        name: the name shown in logs.
        dtype: the dtype of the state and result (float32).

    Example:
        >>> import minitf as tf
        >>> class Count(tf.keras.metrics.Metric):
        ...     def __init__(self, name="count"):
        ...         super().__init__(name=name)
        ...         self.n = self.add_variable(shape=(), initializer="zeros", name="n")
        ...     def update_state(self, values):
        ...         self.n.assign_add(tf.cast(tf.size(values), tf.float32))
        ...     def result(self):
        ...         return self.n.value()
        >>> c = Count()
        >>> c.update_state(tf.ones([5]))
        >>> float(c.result())
        5.0
    """

    def __init__(self, name: Optional[str] = None, dtype: Any = None) -> None:
        from minitf.keras.layer import snake_case
        self.name = name or snake_case(type(self).__name__)
        self._dtype = _dtypes.as_dtype(dtype or "float32")
        self._variables: list = []
        self._zeros: list = []  # one zero tensor per variable, reused by reset_state

    @property
    def dtype(self) -> str:
        """The result dtype name."""
        return self._dtype.name

    @property
    def variables(self) -> list:
        """The state variables."""
        return list(self._variables)

    def add_variable(self, shape: Any = (), initializer: Any = "zeros", dtype: Any = None,
                     aggregation: str = "sum", name: Optional[str] = None) -> KerasVariable:
        """Creates a state variable (eagerly, even while a step is traced)."""
        from minitf.keras import initializers
        dtype = _dtypes.as_dtype(dtype or self._dtype)
        with init_scope():
            value = initializers.get(initializer)(tuple(shape), dtype=dtype)
            var = KerasVariable(value, trainable=False, name=name or "variable",
                                path=f"{self.name}/{name or 'variable'}", dtype=dtype)
        self._variables.append(var)
        return var

    add_weight = add_variable

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        """Accumulates statistics from one batch."""
        raise NotImplementedError

    def result(self) -> Tensor:
        """The metric's current value."""
        raise NotImplementedError

    def reset_state(self) -> None:
        """Sets every state variable back to zero."""
        if len(self._zeros) != len(self._variables):
            self._zeros = [zeros(v.shape, v.dtype) for v in self._variables]
        for v, zero in zip(self._variables, self._zeros):
            v.assign(zero)

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        """The constructor arguments."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> "Metric":
        """Rebuilds the metric (its state starts at zero)."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _weighted(values: Tensor, sample_weight: Any) -> tuple:
    """Per-sample values times weights, and the weights' sum (Keras's weighting)."""
    sw = to_tensor(sample_weight)
    if sw._dtype is not values._dtype:
        sw = ew.cast(sw, values._dtype)
    values, sw = _losses.squeeze_or_expand_to_same_rank(values, sw)
    vr, wr = len(values._shape), len(sw._shape)
    if vr > wr:  # reduce extra value axes to one value per weight
        values = reduce_mean(values, list(range(wr, vr)))
    if tuple(sw._shape) != tuple(values._shape):
        sw = broadcast_to(sw, values._shape)
    return ew.multiply(values, sw), sw


@keras_class
class Sum(Metric):
    """The running sum of the values.

    Example:
        >>> import minitf as tf
        >>> s = tf.keras.metrics.Sum()
        >>> float(s([1.0, 2.0]))
        3.0
    """

    def __init__(self, name: str = "sum", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        values = to_tensor(values)
        if values._dtype is not self._dtype:
            values = ew.cast(values, self._dtype)
        if sample_weight is not None:
            values, _ = _weighted(values, sample_weight)
        self.total.assign_add(reduce_sum(values))

    def result(self) -> Tensor:
        return self.total.value()


@keras_class
class Mean(Metric):
    """The running (weighted) mean: ``total / count``.

    Example:
        >>> import minitf as tf
        >>> m = tf.keras.metrics.Mean()
        >>> m.update_state([1.0, 2.0], sample_weight=[3.0, 1.0])
        >>> float(m.result())
        1.25
    """

    def __init__(self, name: str = "mean", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        values = to_tensor(values)
        if values._dtype is not self._dtype:
            values = ew.cast(values, self._dtype)
        if sample_weight is None:
            n = math.prod(values._shape) if None not in values._shape else None
            self.total.assign_add(reduce_sum(values))
            if n is None:
                from minitf.ops.shape import size
                self.count.assign_add(ew.cast(size(values), self._dtype))
            else:
                self.count.assign_add(float(n))
            return
        weighted, sw = _weighted(values, sample_weight)
        self.total.assign_add(reduce_sum(weighted))
        self.count.assign_add(reduce_sum(sw))

    def result(self) -> Tensor:
        # divide_no_nan: an empty epoch reports 0, not NaN.
        return ew.truediv(self.total.value(), ew.maximum(self.count.value(), 1e-30))


@keras_class
class MeanMetricWrapper(Mean):
    """The mean of ``fn(y_true, y_pred)`` over all samples seen.

    Example:
        >>> import minitf as tf
        >>> m = tf.keras.metrics.MeanMetricWrapper(tf.keras.losses.mae, name="mae")
        >>> float(m([[0.0], [0.0]], [[1.0], [3.0]]))
        2.0
    """

    def __init__(self, fn: Callable, name: Optional[str] = None, dtype: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(name=name or getattr(fn, "__name__", "mean_metric"), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = to_tensor(y_pred)
        y_true = to_tensor(y_true)
        if y_pred._dtype is not self._dtype:
            y_pred = ew.cast(y_pred, self._dtype)
        if y_true._dtype is not self._dtype:
            y_true = ew.cast(y_true, self._dtype)
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self) -> dict:
        config = {"name": self.name, "dtype": self.dtype}
        if type(self) is MeanMetricWrapper:
            from minitf.keras.serialization import serialize_keras_object
            config["fn"] = serialize_keras_object(self._fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config: dict) -> "Metric":
        config = dict(config)
        if "fn" in config:
            from minitf.keras.metrics import get
            config["fn"] = get(config["fn"]) if isinstance(config["fn"], str) else \
                _losses.deserialize(config["fn"])
        return cls(**config)

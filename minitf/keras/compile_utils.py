"""What ``compile`` makes of its ``loss`` and ``metrics`` arguments.

:class:`CompileLoss` applies the loss(es) to the model output(s) and sums them (weighted
by ``loss_weights``). :class:`CompileMetrics` resolves metric names the first time it
sees data — ``"accuracy"`` becomes binary, categorical or sparse-categorical accuracy
depending on the shapes of ``y`` and the predictions, exactly as Keras 3 decides.

Example:
    >>> import minitf as tf
    >>> from minitf.keras.compile_utils import CompileMetrics
    >>> m = CompileMetrics(["accuracy"])
    >>> m.update_state(tf.constant([1, 0]), tf.constant([[0.2, 0.8], [0.9, 0.1]]))
    >>> type(m.metrics[0]).__name__, float(m.metrics[0].result())
    ('SparseCategoricalAccuracy', 1.0)
"""

from __future__ import annotations

from typing import Any, Optional

from minitf import nest
from minitf.keras import losses as _losses
from minitf.keras import metrics as _metrics
from minitf.ops import elementwise as ew

__all__ = ["CompileConfig", "CompileLoss", "CompileMetrics"]


def _is_binary_or_sparse(y_true: Any, y_pred: Any) -> tuple:
    t_rank, p_rank = len(y_true.shape), len(y_pred.shape)
    t_last = y_true.shape[-1] if t_rank else None
    p_last = y_pred.shape[-1] if p_rank else None
    is_binary = p_last == 1
    is_sparse = t_rank < p_rank or (t_last == 1 and p_last is not None and p_last > 1)
    return is_binary, is_sparse


def per_output_targets(y_true: Any, n_outputs: int, names: Optional[list]) -> list:
    """``y`` as one target per model output: a dict is matched by output name (as Keras
    does; a missing name gives None), a list or tuple by position.

    Example:
        >>> per_output_targets({"b": 2, "a": 1}, 2, ["a", "b"])
        [1, 2]
    """
    if n_outputs == 1:
        if isinstance(y_true, dict) and names and len(y_true) == 1:
            return list(y_true.values())
        return [y_true]
    if isinstance(y_true, dict):
        if names is None:
            return nest.flatten(y_true)
        unknown = sorted(set(y_true) - set(names))
        if unknown:
            raise ValueError(f"y has keys {unknown} that name no output of the model; its "
                             f"outputs are {names}. Key the targets by output layer name.")
        return [y_true.get(n) for n in names]
    return nest.flatten(y_true) if isinstance(y_true, (list, tuple)) else [y_true]


def _resolve_metric(identifier: Any, y_true: Any, y_pred: Any) -> _metrics.Metric:
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        binary, sparse = _is_binary_or_sparse(y_true, y_pred)
        cls = _metrics.BinaryAccuracy if binary else (
            _metrics.SparseCategoricalAccuracy if sparse else _metrics.CategoricalAccuracy)
        return cls(name=identifier)
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        binary, sparse = _is_binary_or_sparse(y_true, y_pred)
        fn = _losses.binary_crossentropy if binary else (
            _losses.sparse_categorical_crossentropy if sparse else
            _losses.categorical_crossentropy)
        return _metrics.MeanMetricWrapper(fn, name=identifier)
    obj = _metrics.get(identifier)
    if isinstance(obj, _metrics.Metric):
        return obj
    name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", "metric")
    return _metrics.MeanMetricWrapper(obj, name=name)


def _direction(metric: _metrics.Metric) -> str:
    fn = getattr(metric, "_fn", None)
    accuracy_like = (_metrics.accuracy, _metrics.binary_accuracy, _metrics.categorical_accuracy,
                     _metrics.sparse_categorical_accuracy)
    return "up" if fn in accuracy_like or "accuracy" in metric.name else "down"


class CompileMetrics:
    """The metrics given to ``compile``, built on the first batch.

    For a model with several outputs, each metric is made once per output and named
    ``<output>_<metric>``.

    Example:
        >>> import minitf as tf
        >>> m = CompileMetrics(["mae"])
        >>> m.update_state(tf.constant([[1.0]]), tf.constant([[3.0]]))
        >>> {k: float(v) for k, v in m.result().items()}
        {'mae': 2.0}
    """

    def __init__(self, metrics: Any, output_names: Optional[list] = None) -> None:
        self.name = "compile_metrics"
        self._spec = metrics
        self._output_names = output_names
        self.metrics: list = []
        self._per_output: list = []  # (output index or None, metric)
        self.built = False

    def build(self, y_true: Any, y_pred: Any) -> None:
        """Resolves names like ``"accuracy"`` from the data's shapes."""
        ps = nest.flatten(y_pred)
        ys = per_output_targets(y_true, len(ps), self._output_names)
        spec = self._spec
        if spec is None:
            spec = []
        if len(ps) == 1:
            items = spec if isinstance(spec, (list, tuple)) else [spec]
            for ident in items:
                self._per_output.append((None, _resolve_metric(ident, ys[0], ps[0])))
        else:
            names = self._output_names or [f"output_{i}" for i in range(len(ps))]
            for i, (yt, yp) in enumerate(zip(ys, ps)):
                if isinstance(spec, dict):
                    items = spec.get(names[i], [])
                elif spec and isinstance(spec[0], (list, tuple)):
                    items = spec[i]
                else:
                    items = spec
                for ident in items if isinstance(items, (list, tuple)) else [items]:
                    m = _resolve_metric(ident, yt, yp)
                    m.name = f"{names[i]}_{m.name}"
                    self._per_output.append((i, m))
        self.metrics = [m for _, m in self._per_output]
        for m in self.metrics:
            m._direction = _direction(m)
        self.built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Updates every metric with one batch."""
        if not self.built:
            self.build(y_true, y_pred)
        ps = nest.flatten(y_pred)
        ys = per_output_targets(y_true, len(ps), self._output_names)
        for index, metric in self._per_output:
            i = 0 if index is None else index
            if ys[i] is not None:
                metric.update_state(ys[i], ps[i], sample_weight=sample_weight)

    def reset_state(self) -> None:
        """Resets every metric."""
        for m in self.metrics:
            m.reset_state()

    def result(self) -> dict:
        """``{name: value}`` for every metric."""
        return {m.name: m.result() for m in self.metrics}

    @property
    def variables(self) -> list:
        """Every metric's state variables."""
        return [v for m in self.metrics for v in m.variables]

    def __repr__(self) -> str:
        return f"<CompileMetrics name={self.name}>"


class CompileLoss:
    """The compiled loss: one loss per output, weighted and summed.

    With several outputs, each output's (unweighted) loss is also tracked as a running
    mean named ``<output>_loss``, as Keras 3 reports it in the logs.

    Args:
        loss: a loss (name, function or Loss), or a list/dict of them per output.
        loss_weights: optional scalar weights per output.
        output_names: the model's output names (for dict losses).

    Example:
        >>> import minitf as tf
        >>> loss = CompileLoss("mse")
        >>> float(loss(tf.constant([[1.0]]), tf.constant([[3.0]])))
        4.0
    """

    def __init__(self, loss: Any, loss_weights: Any = None,
                 output_names: Optional[list] = None) -> None:
        self._spec, self._weights, self._output_names = loss, loss_weights, output_names
        self._losses: Optional[list] = None
        self.loss_trackers: list = []  # one Mean per output with a loss, if several

    @staticmethod
    def _as_loss_object(identifier: Any) -> Optional[_losses.Loss]:
        if identifier is None:
            return None
        obj = _losses.get(identifier)
        if isinstance(obj, _losses.Loss):
            return obj
        name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", None)
        return _losses.LossFunctionWrapper(obj, name=name)

    def _build(self, n_outputs: int) -> None:
        spec, names = self._spec, self._output_names or [f"output_{i}" for i in
                                                         range(n_outputs)]
        if isinstance(spec, dict):
            per = [spec.get(n) for n in names]
        elif isinstance(spec, (list, tuple)):
            if len(spec) != n_outputs:
                raise ValueError(f"The model has {n_outputs} outputs but {len(spec)} losses "
                                 f"were passed to compile(); pass one loss per output.")
            per = list(spec)
        else:
            per = [spec] * n_outputs
        self._losses = [self._as_loss_object(s) for s in per]
        if n_outputs > 1:
            self.loss_trackers = [None if loss is None else _metrics.Mean(name=f"{name}_loss")
                                  for loss, name in zip(self._losses, names)]
        w = self._weights
        if w is None:
            self._loss_weights = [1.0] * n_outputs
        elif isinstance(w, dict):
            self._loss_weights = [float(w.get(n, 1.0)) for n in names]
        elif isinstance(w, (list, tuple)):
            self._loss_weights = [float(v) for v in w]
        else:
            self._loss_weights = [float(w)] * n_outputs

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        ps = nest.flatten(y_pred)
        ys = per_output_targets(y_true, len(ps), self._output_names)
        if self._losses is None:
            self._build(len(ps))
        if len(ys) != len(ps):
            raise ValueError(f"The model has {len(ps)} outputs but y has {len(ys)} targets.")
        total = None
        trackers = self.loss_trackers or [None] * len(ps)
        for loss, weight, yt, yp, tracker in zip(self._losses, self._loss_weights, ys, ps,
                                                 trackers):
            if loss is None or yt is None:
                continue
            value = loss(yt, yp, sample_weight)
            if tracker is not None:
                batch = yp.shape[0] if yp.shape.rank and yp.shape[0] is not None else 1
                tracker.update_state(value, sample_weight=float(batch))
            if weight != 1.0:
                value = ew.multiply(value, weight)
            total = value if total is None else ew.add(total, value)
        return total


class CompileConfig:
    """What a saved model remembers of ``compile``: the arguments, serialized.

    Mixed into every Keras model; ``.keras`` files store :meth:`get_compile_config`
    and loading calls :meth:`compile_from_config`.

    Example:
        >>> import minitf as tf
        >>> m = tf.keras.Sequential([tf.keras.layers.Dense(1)])
        >>> m.compile(optimizer="sgd", loss="mse")
        >>> m.get_compile_config()["loss"]
        'mse'
    """

    def get_compile_config(self) -> Optional[dict]:
        """The ``compile`` arguments, serialized (stored in ``.keras`` files)."""
        if not self.compiled:
            return None
        from minitf.keras.serialization import serialize_keras_object

        def ser_loss(loss: Any) -> Any:
            if isinstance(loss, (list, tuple)):
                return [ser_loss(v) for v in loss]
            if isinstance(loss, dict):
                return {k: ser_loss(v) for k, v in loss.items()}
            return loss if isinstance(loss, str) or loss is None else _losses.serialize(loss)
        cfg = self._compile_config
        return {"optimizer": serialize_keras_object(self.optimizer),
                "loss": ser_loss(cfg["loss"]),
                "metrics": serialize_keras_object(cfg["metrics"]),
                "loss_weights": cfg["loss_weights"], "run_eagerly": cfg["run_eagerly"]}

    def compile_from_config(self, config: Optional[dict]) -> None:
        """Compiles from :meth:`get_compile_config`'s output."""
        if not config:
            return
        from minitf.keras.serialization import deserialize_keras_object

        def de_loss(loss: Any) -> Any:
            if isinstance(loss, list):
                return [de_loss(v) for v in loss]
            if isinstance(loss, dict) and "class_name" not in loss:
                return {k: de_loss(v) for k, v in loss.items()}
            return loss if loss is None or isinstance(loss, str) else _losses.deserialize(loss)
        metrics = config.get("metrics")
        if metrics is not None:
            metrics = [m if isinstance(m, str) else deserialize_keras_object(m)
                       for m in metrics]
        self.compile(optimizer=deserialize_keras_object(config["optimizer"]),
                     loss=de_loss(config.get("loss")), metrics=metrics,
                     loss_weights=config.get("loss_weights"),
                     run_eagerly=config.get("run_eagerly", False))

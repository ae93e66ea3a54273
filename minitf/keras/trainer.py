"""``compile`` and the training, test and prediction *steps* of a Keras model.

One training step (``train_step``, overridable as in Keras)::

    with tf.GradientTape() as tape:
        y_pred = model(x, training=True)
        loss = model.compute_loss(x, y, y_pred, sample_weight)
    grads = tape.gradient(loss, model.trainable_weights)
    model.optimizer.apply_gradients(zip(grads, model.trainable_weights))
    return model.compute_metrics(x, y, y_pred, sample_weight)

Unless ``compile(run_eagerly=True)``, each step runs as a traced ``tf.function``: the
first batch of a shape traces the Python above into a graph, later batches run the graph
(straight-line NumPy), which is what makes ``fit`` fast.

Example:
    >>> import minitf as tf
    >>> model = tf.keras.Sequential([tf.keras.layers.Dense(1, kernel_initializer="zeros")])
    >>> model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    >>> round(model.train_on_batch(tf.ones([4, 1]), tf.ones([4, 1])), 4)
    1.0
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from minitf import nest
from minitf.autodiff import GradientTape
from minitf.distribute import keras_hooks as _distribute
from minitf.keras import metrics as _metrics
from minitf.keras import optimizers as _optimizers
from minitf.keras.compile_utils import CompileConfig, CompileLoss, CompileMetrics
from minitf.keras.data_adapter import make_batches, unpack_x_y_sample_weight
from minitf.ops import elementwise as ew
from minitf.tensor import Tensor

__all__ = ["Trainer"]


def as_step_function(fn: Callable, run_eagerly: bool) -> Callable:
    """``tf.function(fn)`` unless eager execution is asked for (or unavailable).

    Example:
        >>> type(as_step_function(lambda x: x, run_eagerly=True)).__name__
        'function'
    """
    import minitf
    if run_eagerly or not hasattr(minitf, "function"):
        return fn
    return minitf.function(fn)


def to_python(logs: dict) -> dict:
    """Tensors to Python floats (what History and callbacks see).

    Example:
        >>> import minitf as tf
        >>> to_python({"loss": tf.constant(0.5)})
        {'loss': 0.5}
    """
    out = {}
    for k, v in logs.items():
        arr = np.asarray(v)
        out[k] = float(arr) if arr.ndim == 0 else arr
    return out


class Trainer(CompileConfig):
    """The training half of ``keras.Model`` (mixed into :class:`Model`).

    Example:
        >>> import minitf as tf
        >>> issubclass(tf.keras.Model, Trainer)
        True
    """

    def _init_trainer(self) -> None:
        self.compiled = False
        self.optimizer: Any = None
        self.loss: Any = None
        self._compile_loss: Optional[CompileLoss] = None
        self._compile_metrics: Optional[CompileMetrics] = None
        self._loss_tracker: Optional[_metrics.Mean] = None
        self._run_eagerly = False
        self.stop_training = False
        self.history: Any = None
        # tf.distribute: a model made in a strategy's scope trains under it in fit.
        self._distribute_strategy = _distribute.strategy_in_scope()
        self._reset_step_functions()

    def _reset_step_functions(self) -> None:
        self.train_function: Optional[Callable] = None
        self.test_function: Optional[Callable] = None
        self.predict_function: Optional[Callable] = None
        self._trainable_cache: Optional[list] = None

    # -- compile --------------------------------------------------------------------------
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, loss_weights: Any = None,
                metrics: Any = None, weighted_metrics: Any = None, run_eagerly: bool = False,
                steps_per_execution: int = 1, jit_compile: Any = "auto",
                auto_scale_loss: bool = True) -> None:
        """Configures training: the optimizer, the loss, and the metrics to report.

        Args:
            optimizer: a name (``"adam"``) or an optimizer instance.
            loss: a name (``"mse"``), a loss function, a ``Loss`` instance, or one per
                output (list or dict).
            loss_weights: scalar weights for the losses of several outputs.
            metrics: names (``"accuracy"``, ``"mae"``), functions or ``Metric``\\ s.
            run_eagerly: run the steps as plain Python (for debugging) instead of traced
                ``tf.function``\\ s.

        Example:
            >>> import minitf as tf
            >>> model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            >>> model.compile(optimizer="adam", loss="mse", metrics=["mae"])
            >>> type(model.optimizer).__name__
            'Adam'
        """
        self.optimizer = _optimizers.get(optimizer)
        self._distribute_strategy = _distribute.attach_to_optimizer(
            getattr(self, "_distribute_strategy", None), self.optimizer)
        self.loss = loss
        names = self._output_names()
        self._compile_loss = CompileLoss(loss, loss_weights, names) if loss is not None \
            else None
        all_metrics = list(metrics or []) if not isinstance(metrics, dict) else metrics
        if weighted_metrics:
            all_metrics = list(all_metrics) + list(weighted_metrics)
        self._compile_metrics = CompileMetrics(all_metrics, names) if all_metrics else None
        self._loss_tracker = _metrics.Mean(name="loss")
        self._run_eagerly = bool(run_eagerly)
        self._compile_config = {"optimizer": optimizer, "loss": loss, "metrics": metrics,
                                "loss_weights": loss_weights, "run_eagerly": run_eagerly}
        self.compiled = True
        self._reset_step_functions()

    def _output_names(self) -> Optional[list]:
        outputs = getattr(self, "_functional_outputs", None)
        if outputs is None or len(outputs) < 2:
            return None
        return [t._keras_history[0].name for t in outputs]

    @property
    def distribute_strategy(self) -> Any:
        """The ``tf.distribute`` strategy the model was created under (else the default).

        Example:
            >>> import minitf as tf
            >>> strategy = tf.distribute.MirroredStrategy()
            >>> with strategy.scope():
            ...     model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            >>> model.distribute_strategy is strategy
            True
        """
        from minitf.distribute import get_strategy
        return getattr(self, "_distribute_strategy", None) or get_strategy()

    @property
    def run_eagerly(self) -> bool:
        """Whether the steps run as plain Python rather than traced graphs."""
        return self._run_eagerly

    @run_eagerly.setter
    def run_eagerly(self, value: bool) -> None:
        self._run_eagerly = bool(value)
        self._reset_step_functions()

    def _assert_compiled(self, method: str) -> None:
        if not self.compiled:
            raise ValueError(f"You must call `compile()` before using the model in "
                             f"`{method}()`: e.g. model.compile(optimizer='adam', "
                             f"loss='mse').")

    # -- metrics --------------------------------------------------------------------------
    @property
    def metrics(self) -> list:
        """The loss tracker and the compiled metrics (Keras 3's list).

        Example:
            >>> import minitf as tf
            >>> model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            >>> model.compile(loss="mse", metrics=["mae"])
            >>> model.metrics
            [<Mean name=loss>, <CompileMetrics name=compile_metrics>]
        """
        out = []
        if self._loss_tracker is not None:
            out.append(self._loss_tracker)
        if self._compile_metrics is not None:
            out.append(self._compile_metrics)
        if self._compile_loss is not None:  # per-output losses (several outputs)
            out += [t for t in self._compile_loss.loss_trackers if t is not None]
        return out

    @property
    def metrics_names(self) -> list:
        """The names of :attr:`metrics`."""
        return [m.name for m in self.metrics]

    @property
    def _compiled_metrics(self) -> list:
        return list(self._compile_metrics.metrics) if self._compile_metrics else []

    def reset_metrics(self) -> None:
        """Resets the loss tracker and every compiled metric."""
        for m in self.metrics:
            m.reset_state()

    def get_metrics_result(self) -> dict:
        """``{name: value}`` for the loss and every metric (tensors)."""
        out: dict = {}
        for m in self.metrics:
            result = m.result()
            if isinstance(result, dict):
                out.update(result)
            else:
                out[m.name] = result
        return out

    # -- the steps ------------------------------------------------------------------------
    def compute_loss(self, x: Any = None, y: Any = None, y_pred: Any = None,
                     sample_weight: Any = None, training: bool = True) -> Tensor:
        """The compiled loss plus every layer's added losses (regularization)."""
        total = None
        if self._compile_loss is not None and y is not None:
            total = self._compile_loss(y, y_pred, sample_weight)
        for extra in self.losses:
            extra = ew.cast(extra, "float32") if extra.dtype.name != "float32" else extra
            total = extra if total is None else ew.add(total, extra)
        if total is None:
            from minitf.ops.creation import constant
            return constant(0.0)
        return total

    def compute_metrics(self, x: Any, y: Any, y_pred: Any, sample_weight: Any = None) -> dict:
        """Updates the compiled metrics and returns :meth:`get_metrics_result`."""
        if self._compile_metrics is not None and y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def _batch_size(self, x: Any) -> float:
        first = nest.flatten(x)[0]
        return float(first._shape[0]) if first._shape[0] is not None else 1.0

    def _step_variables(self) -> list:
        if self._trainable_cache is None:
            self._trainable_cache = self.trainable_weights
        return self._trainable_cache

    def train_step(self, data: Any) -> dict:
        """One optimizer step on one batch; returns the metric results."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self._optimizer_step(x, y, sample_weight)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def _optimizer_step(self, x: Any, y: Any, sample_weight: Any) -> Any:
        """Forward, loss (tracked), gradients, update; returns the predictions."""
        self._clear_losses()
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=True)
            # Under a strategy: loss / replicas, as the optimizer sums the gradients.
            scaled_loss = _distribute.scale_loss(self.optimizer, loss)
        self._loss_tracker.update_state(loss, sample_weight=self._batch_size(x))
        variables = self._step_variables()
        if variables:
            grads = tape.gradient(scaled_loss, variables)
            self.optimizer.apply_gradients(zip(grads, variables))
        return y_pred

    def test_step(self, data: Any) -> dict:
        """Loss and metrics on one batch, in inference mode."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        self._evaluation_step(x, y, sample_weight)
        return self.get_metrics_result()

    def _evaluation_step(self, x: Any, y: Any, sample_weight: Any) -> None:
        self._clear_losses()
        y_pred = self(x, training=False)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        self._loss_tracker.update_state(loss, sample_weight=self._batch_size(x))
        if self._compile_metrics is not None and y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)

    def _steps_are_default(self) -> bool:
        """No overridden step or metric method: the loops may skip per-step results."""
        cls = type(self)
        return cls.train_step is Trainer.train_step and cls.test_step is Trainer.test_step \
            and cls.compute_metrics is Trainer.compute_metrics \
            and cls.get_metrics_result is Trainer.get_metrics_result

    def predict_step(self, data: Any) -> Any:
        """The model's output on one batch (inference mode)."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _prepare_for_steps(self, batch: Any) -> None:
        """Builds model and optimizer eagerly before a step may be traced."""
        x, y, _ = unpack_x_y_sample_weight(batch)
        metrics = self._compile_metrics
        need_metrics = metrics is not None and not metrics.built and y is not None
        if not self.built or need_metrics:
            from minitf.variables import init_scope
            with init_scope():
                y_pred = self(x)  # builds every layer (weights are created eagerly)
            if need_metrics:
                metrics.build(y, y_pred)  # "accuracy" resolved from the shapes
        if self.optimizer is not None and not self.optimizer.built:
            self.optimizer.build(self._step_variables())

    # The step functions take the batch's parts as positional arguments, step(x, y), so
    # a traced call with plain tensors takes tf.function's fastest path (no structure to
    # flatten); they pass the tuple on to the overridable *_step(data).
    #
    # With the default steps, the traced step only *updates* the metrics and returns
    # None: the loops read ``get_metrics_result()`` when a log is wanted (epoch end, or
    # each batch if a callback asks), so no step computes results nobody reads.
    def make_train_function(self, force: bool = False) -> Callable:
        """The (traced, unless ``run_eagerly``) training step: ``f(x, y[, sw])`` returning
        the logs, or None when the loop reads the metrics itself (default steps)."""
        if self.train_function is None or force:
            if self._steps_are_default():
                def one_train_step(*data: Any) -> None:
                    x, y, sample_weight = unpack_x_y_sample_weight(data)
                    y_pred = self._optimizer_step(x, y, sample_weight)
                    if self._compile_metrics is not None and y is not None:
                        self._compile_metrics.update_state(y, y_pred, sample_weight)
            else:
                def one_train_step(*data: Any) -> Any:  # type: ignore[misc]
                    return self.train_step(data)
            self.train_function = as_step_function(one_train_step, self._run_eagerly)
        return self.train_function

    def make_test_function(self, force: bool = False) -> Callable:
        """The (traced) test step: ``f(x, y[, sw])`` -> logs (None for default steps)."""
        if self.test_function is None or force:
            if self._steps_are_default():
                def one_test_step(*data: Any) -> None:
                    self._evaluation_step(*unpack_x_y_sample_weight(data))
            else:
                def one_test_step(*data: Any) -> Any:  # type: ignore[misc]
                    return self.test_step(data)
            self.test_function = as_step_function(one_test_step, self._run_eagerly)
        return self.test_function

    def _logs(self, step_output: Any) -> dict:
        """The logs after a step: its own output, else the metrics' current results."""
        if step_output is not None:
            return to_python(step_output)
        # Under a strategy: the metrics over every worker's samples (summed states).
        with _distribute.summed_metric_states(getattr(self, "_distribute_strategy", None),
                                              self.metrics):
            return to_python(self.get_metrics_result())

    def make_predict_function(self, force: bool = False) -> Callable:
        """The (traced) prediction step: ``f(x) -> outputs``."""
        if self.predict_function is None or force:
            def one_predict_step(*data: Any) -> Any:
                return self.predict_step(data)
            self.predict_function = as_step_function(one_predict_step, self._run_eagerly)
        return self.predict_function

    # -- single batches -------------------------------------------------------------------
    def _one_batch(self, x: Any, y: Any, sample_weight: Any) -> tuple:
        batches = make_batches(x, y, sample_weight, batch_size=None, shuffle=False)
        batch_size = getattr(batches, "num_samples", None)
        if batch_size is not None:
            batches = make_batches(x, y, sample_weight, batch_size=max(batch_size, 1),
                                   shuffle=False)
        return next(iter(batches.epoch()))

    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                       class_weight: Any = None, return_dict: bool = False) -> Any:
        """One training step on exactly this batch; returns the metrics so far.

        Example:
            >>> import minitf as tf
            >>> model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            >>> model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
            >>> sorted(model.train_on_batch(tf.ones([2, 3]), tf.ones([2]), return_dict=True))
            ['loss', 'mae']
        """
        self._assert_compiled("train_on_batch")
        batch = self._one_batch(x, y, sample_weight)
        self._prepare_for_steps(batch)
        logs = self._logs(self.make_train_function()(*batch))
        return logs if return_dict else self._flatten_in_order(logs)

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                      return_dict: bool = False) -> Any:
        """Loss and metrics on exactly this batch (metrics keep accumulating)."""
        self._assert_compiled("test_on_batch")
        batch = self._one_batch(x, y, sample_weight)
        self._prepare_for_steps(batch)
        logs = self._logs(self.make_test_function()(*batch))
        return logs if return_dict else self._flatten_in_order(logs)

    def predict_on_batch(self, x: Any) -> Any:
        """The model's output on exactly this batch, as NumPy.

        Example:
            >>> import minitf as tf
            >>> model = tf.keras.Sequential([tf.keras.layers.Dense(2)])
            >>> model.predict_on_batch(tf.ones([3, 4])).shape
            (3, 2)
        """
        batch = self._one_batch(x, None, None)
        self._prepare_for_steps(batch)
        out = self.make_predict_function()(*batch)
        return nest.map_structure(lambda t: np.asarray(t), out)

    def _flatten_in_order(self, logs: dict) -> Any:
        """Keras's list order: loss, compiled metrics in order, per-output losses in output
        order, then the rest sorted."""
        per_output = self._compile_loss.loss_trackers if self._compile_loss else []
        names = ["loss"] + [m.name for m in self._compiled_metrics] + [
            t.name for t in per_output if t is not None]
        values = [logs[n] for n in names if n in logs]
        values += [logs[k] for k in sorted(logs) if k not in names]
        return values[0] if len(values) == 1 else values

"""``fit``, ``evaluate`` and ``predict``: the loops around the steps.

Per epoch, ``fit`` resets the metrics, runs the training step on each batch, reads the
metric results once (turning tensors into Python floats only at the epoch's end unless a
callback wants per-batch logs), evaluates on the validation data if any, and hands the
logs to the callbacks. Log keys are sorted, as Keras 3 reports them.

Example:
    >>> import numpy as np
    >>> import minitf as tf
    >>> x = np.linspace(-1, 1, 64, dtype=np.float32)[:, None]
    >>> model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    >>> model.compile(optimizer=tf.keras.optimizers.SGD(0.5), loss="mse")
    >>> history = model.fit(x, 3 * x, epochs=30, verbose=0)
    >>> len(history.history["loss"]), history.history["loss"][-1] < 1e-3
    (30, True)
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from minitf import nest
from minitf.distribute.keras_hooks import shard_batches
from minitf.keras.callbacks import CallbackList
from minitf.keras.data_adapter import is_array_like, make_batches, train_validation_split

__all__ = ["Loops"]


def _sorted(logs: dict) -> dict:
    return {k: logs[k] for k in sorted(logs)}


def _class_weight_to_sample_weight(y: Any, class_weight: dict) -> np.ndarray:
    labels = np.asarray(y)
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(-1)
    labels = labels.reshape(len(labels), -1)[:, 0].astype(np.int64)
    return np.array([class_weight.get(int(c), 1.0) for c in labels], np.float32)


class Loops:
    """``fit``/``evaluate``/``predict`` (mixed into :class:`Model`).

    Example:
        >>> import minitf as tf
        >>> issubclass(tf.keras.Model, Loops)
        True
    """

    def fit(self, x: Any = None, y: Any = None, batch_size: Optional[int] = None,
            epochs: int = 1, verbose: Any = "auto", callbacks: Optional[list] = None,
            validation_split: float = 0.0, validation_data: Any = None, shuffle: bool = True,
            class_weight: Optional[dict] = None, sample_weight: Any = None,
            initial_epoch: int = 0, steps_per_epoch: Optional[int] = None,
            validation_steps: Optional[int] = None,
            validation_batch_size: Optional[int] = None, validation_freq: int = 1) -> Any:
        """Trains for ``epochs`` passes over the data; returns a ``History``.

        Args:
            x, y: arrays/tensors (then ``batch_size``, default 32), or a dataset of
                ``(x, y)`` batches (then no ``y``).
            epochs: the index of the last epoch (training starts at ``initial_epoch``).
            verbose: 0 silent, 1 progress bar, 2 one line per epoch (``"auto"`` is 1).
            callbacks: extra ``Callback`` objects.
            validation_split: the fraction of the (last) samples held out to validate.
            validation_data: ``(x_val, y_val)`` or a dataset, evaluated each epoch.
            shuffle: reshuffle array data every epoch.
            class_weight: ``{class: weight}`` to weight samples by their label.
            sample_weight: a weight per sample.
            steps_per_epoch: batches per epoch (the data is cycled if it runs out).

        Returns:
            A ``History`` whose ``history`` maps each log name to one value per epoch.
        """
        self._assert_compiled("fit")
        verbose = 1 if verbose == "auto" else int(verbose)
        if validation_split and validation_data is None:
            if not is_array_like(x):
                raise ValueError("`validation_split` is only supported for Tensors or NumPy "
                                 "arrays; for a dataset, pass validation_data=val_dataset.")
            (x, y, sample_weight), validation_data = train_validation_split(
                (x, y, sample_weight), validation_split)
            if validation_data[2] is None:
                validation_data = validation_data[:2]
        if class_weight is not None and y is not None:
            sample_weight = _class_weight_to_sample_weight(y, class_weight)
        data = make_batches(x, y, sample_weight, batch_size, shuffle, steps_per_epoch)
        # Under a strategy, each worker reads its shard of every global batch.
        strategy = getattr(self, "_distribute_strategy", None)
        data = shard_batches(strategy, data)
        cbs = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=self,
                           verbose=verbose, epochs=epochs, steps=data.num_batches)
        val_data = None
        if validation_data is not None:
            val_data = shard_batches(strategy, self._validation_batches(
                validation_data, validation_batch_size or batch_size, validation_steps))
        self.stop_training = False
        train_function = self.make_train_function()
        batch_logs_wanted = cbs.needs_batch_logs
        cbs.call("on_train_begin", None)
        epoch_logs: dict = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.call("on_epoch_begin", epoch, None)
            logs, steps_run = None, 0
            for step, batch in enumerate(data.epoch()):
                if step == 0 and epoch == initial_epoch:
                    self._prepare_for_steps(batch)  # build eagerly before any tracing
                if batch_logs_wanted:
                    cbs.call("on_train_batch_begin", step, None)
                logs = train_function(*batch)
                steps_run = step + 1
                if batch_logs_wanted:
                    cbs.call("on_train_batch_end", step, _sorted(self._logs(logs)))
                if self.stop_training:
                    break
            if not steps_run:
                raise ValueError("Unexpected result of `train_function` (Empty logs): the "
                                 "training data produced no batches. Check that x has samples "
                                 "and that a dataset is not exhausted.")
            epoch_logs = self._epoch_logs(logs)
            if val_data is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._run_evaluation(val_data, cbs)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            epoch_logs = _sorted(epoch_logs)
            cbs.call("on_epoch_end", epoch, epoch_logs)
            if self.stop_training:
                break
        cbs.call("on_train_end", epoch_logs)
        return self.history

    def _epoch_logs(self, last_logs: Optional[dict]) -> dict:
        """The logs the last step returned (a custom ``train_step``'s own), else the
        metrics' results now."""
        return self._logs(last_logs)

    def _validation_batches(self, validation_data: Any, batch_size: Optional[int],
                            steps: Optional[int]) -> Any:
        if isinstance(validation_data, tuple):
            vx, vy = validation_data[0], validation_data[1] if len(validation_data) > 1 \
                else None
            vsw = validation_data[2] if len(validation_data) > 2 else None
            return make_batches(vx, vy, vsw, batch_size, shuffle=False, steps=steps)
        return make_batches(validation_data, None, None, None, shuffle=False, steps=steps)

    def _run_evaluation(self, data: Any, cbs: Optional[CallbackList] = None) -> dict:
        self.reset_metrics()
        test_function = self.make_test_function()
        batch_logs_wanted = cbs is not None and cbs.needs_batch_logs
        if cbs is not None:
            cbs.call("on_test_begin", None)
        logs, steps_run = None, 0
        for step, batch in enumerate(data.epoch()):
            if step == 0:
                self._prepare_for_steps(batch)
            if batch_logs_wanted:
                cbs.call("on_test_batch_begin", step, None)
            logs = test_function(*batch)
            steps_run = step + 1
            if batch_logs_wanted:
                cbs.call("on_test_batch_end", step, _sorted(self._logs(logs)))
        if not steps_run:
            raise ValueError("The evaluation data produced no batches.")
        result = _sorted(self._epoch_logs(logs))
        if cbs is not None:
            cbs.call("on_test_end", result)
        return result

    def evaluate(self, x: Any = None, y: Any = None, batch_size: Optional[int] = None,
                 verbose: Any = "auto", sample_weight: Any = None, steps: Optional[int] = None,
                 callbacks: Optional[list] = None, return_dict: bool = False) -> Any:
        """The loss and metrics over the whole data (inference mode).

        Returns:
            The loss alone if there are no metrics; else ``[loss, metric, ...]`` in
            compile order, or a dict with ``return_dict=True``.

        Example:
            >>> import minitf as tf
            >>> model = tf.keras.Sequential([tf.keras.layers.Dense(1,
            ...                              kernel_initializer="zeros")])
            >>> model.compile(loss="mse", metrics=["mae"])
            >>> model.evaluate(tf.ones([8, 2]), 2 * tf.ones([8]), verbose=0)
            [4.0, 2.0]
        """
        self._assert_compiled("evaluate")
        verbose = 1 if verbose == "auto" else int(verbose)
        data = make_batches(x, y, sample_weight, batch_size, shuffle=False, steps=steps)
        data = shard_batches(getattr(self, "_distribute_strategy", None), data)
        cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose,
                           epochs=1, steps=data.num_batches)
        logs = self._run_evaluation(data, cbs)
        return logs if return_dict else self._flatten_in_order(logs)

    def predict(self, x: Any, batch_size: Optional[int] = None, verbose: Any = "auto",
                steps: Optional[int] = None, callbacks: Optional[list] = None) -> Any:
        """The model's outputs for every sample, batched, as NumPy arrays.

        Example:
            >>> import minitf as tf
            >>> model = tf.keras.Sequential([tf.keras.layers.Dense(3)])
            >>> model.predict(tf.ones([70, 2]), verbose=0).shape
            (70, 3)
        """
        verbose = 1 if verbose == "auto" else int(verbose)
        data = make_batches(x, None, None, batch_size, shuffle=False, steps=steps)
        cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose,
                           epochs=1, steps=data.num_batches)
        predict_function = self.make_predict_function()
        cbs.call("on_predict_begin", None)
        outputs: list = []
        for step, batch in enumerate(data.epoch()):
            if not outputs:
                self._prepare_for_steps(batch)
            cbs.call("on_predict_batch_begin", step, None)
            out = predict_function(*batch)
            outputs.append(nest.map_structure(np.asarray, out))
            cbs.call("on_predict_batch_end", step, {"outputs": out})
        cbs.call("on_predict_end", None)
        if not outputs:
            raise ValueError("The prediction data produced no batches.")
        flat = [nest.flatten(o) for o in outputs]
        joined = [np.concatenate([f[i] for f in flat], axis=0) for i in range(len(flat[0]))]
        return nest.pack_sequence_as(outputs[0], joined)

"""``tf.keras.callbacks``: hooks that ``fit``, ``evaluate`` and ``predict`` call.

``fit`` calls ``on_train_begin``, then per epoch ``on_epoch_begin``, per batch
``on_train_batch_begin``/``_end``, and ``on_epoch_end(epoch, logs)`` with the epoch's
metrics (validation ones prefixed ``val_``), then ``on_train_end``. A callback may stop
training by setting ``self.model.stop_training = True``.

Example:
    >>> import minitf as tf
    >>> seen = []
    >>> cb = tf.keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(e))
    >>> model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> _ = model.fit(tf.ones([4, 2]), tf.ones([4]), epochs=3, verbose=0, callbacks=[cb])
    >>> seen
    [0, 1, 2]
"""

from __future__ import annotations

import csv
import os
from typing import Any, Callable, Optional

import numpy as np
from minitf.keras.callback_base import (  # noqa: F401  (tf.keras.callbacks.*)
    _BATCH_HOOKS, Callback, CallbackList, History, ProgbarLogger,
)

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger", "EarlyStopping",
           "ModelCheckpoint", "LearningRateScheduler", "LambdaCallback", "CSVLogger",
           "TerminateOnNaN", "ReduceLROnPlateau"]

class _Monitor(Callback):
    """Watches one logged value and decides what counts as an improvement."""

    def __init__(self, monitor: str = "val_loss", mode: str = "auto",
                 baseline: Optional[float] = None, min_delta: float = 0.0) -> None:
        super().__init__()
        self.monitor, self.mode = monitor, mode if mode in ("auto", "min", "max") else "auto"
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op: Optional[Callable] = None

    def _set_monitor_op(self) -> None:
        if self.mode == "min":
            self.monitor_op = np.less
        elif self.mode == "max":
            self.monitor_op = np.greater
        else:
            name = self.monitor.removeprefix("val_")
            if name == "loss":
                self.monitor_op = np.less
            for m in getattr(self.model, "_compiled_metrics", []) or []:
                if m.name == name:
                    self.monitor_op = np.greater if getattr(m, "_direction", "down") == "up" \
                        else np.less
            if self.monitor_op is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor}, but "
                    f"cannot tell whether it should be maximized or minimized. Pass "
                    f"mode='max' or mode='min'.")
        if self.monitor_op is np.less:
            self.min_delta = -abs(self.min_delta)

    def _is_improvement(self, value: float, reference: Optional[float]) -> bool:
        if reference is None:
            return True
        return bool(self.monitor_op(value - self.min_delta, reference))


class EarlyStopping(_Monitor):
    """Stops training when ``monitor`` stops improving for ``patience`` epochs.

    Args:
        monitor: the logged value to watch (default ``"val_loss"``).
        min_delta: the smallest change that counts as an improvement.
        patience: epochs without improvement before stopping.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (from the metric).
        baseline: a value the metric must beat.
        restore_best_weights: put back the weights of the best epoch at the end.
        start_from_epoch: epochs to wait before watching.

    Example:
        >>> import minitf as tf
        >>> es = tf.keras.callbacks.EarlyStopping(monitor="loss", patience=1)
        >>> es.patience
        1
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: Optional[float] = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0) -> None:
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience, self.verbose, self.baseline = patience, verbose, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        self.wait = self.stopped_epoch = 0
        self.best_weights: Optional[list] = None

    def on_train_begin(self, logs: Optional[dict] = None) -> None:
        self.wait = self.stopped_epoch = self.best_epoch = 0
        self.best = None
        self.best_weights = None

    def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        current = (logs or {}).get(self.monitor)
        if current is None:
            import warnings
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(logs or {})}",
                          stacklevel=2)
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: Optional[dict] = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(_Monitor):
    """Saves the model (or its weights) after every epoch, or only when it improves.

    ``filepath`` may use ``{epoch}`` and log keys: ``"ckpt-{epoch:02d}-{val_loss:.2f}.keras"``.
    A full model needs a ``.keras`` path; with ``save_weights_only=True`` it must end in
    ``.weights.h5`` (or ``.weights.npz``).

    Example:
        >>> import minitf as tf
        >>> tf.keras.callbacks.ModelCheckpoint("best.keras", save_best_only=True).monitor
        'val_loss'
    """

    def __init__(self, filepath: str, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False,
                 mode: str = "auto", save_freq: Any = "epoch",
                 initial_value_threshold: Optional[float] = None) -> None:
        super().__init__(monitor, mode, baseline=initial_value_threshold)
        self.filepath, self.verbose = os.fspath(filepath), verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        if save_freq != "epoch":
            raise NotImplementedError("ModelCheckpoint(save_freq=int) is not implemented in "
                                      "minitf; checkpoints are saved at epoch ends.")
        self.save_freq = save_freq
        if save_weights_only and not self.filepath.endswith((".weights.h5", ".weights.npz")):
            raise ValueError(f"When using `save_weights_only=True` in `ModelCheckpoint`, the "
                             f"filepath provided must end in `.weights.h5` (Keras weights "
                             f"format). Received: filepath={self.filepath}")
        if not save_weights_only and not self.filepath.endswith(".keras"):
            raise ValueError(f"The filepath provided must end in `.keras` (Keras model "
                             f"format). Received: filepath={self.filepath}")

    def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
        logs = logs or {}
        if self.monitor_op is None:
            self._set_monitor_op()
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is not None:
                best = "None" if self.best is None else f"{self.best:.5f}"
                if not self._is_improvement(current, self.best):
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from "
                              f"{best}")
                    return
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                          f"{current:.5f}, saving model to {path}")
                self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {path}")


class LearningRateScheduler(Callback):
    """Sets the learning rate at each epoch's start to ``schedule(epoch, lr)``.

    Example:
        >>> import minitf as tf
        >>> cb = tf.keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
        >>> cb.schedule(0, 1.0)
        0.5
    """

    def __init__(self, schedule: Callable, verbose: int = 0) -> None:
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch: int, logs: Optional[dict] = None) -> None:
        optimizer = self.model.optimizer
        lr = float(np.asarray(optimizer.learning_rate))
        try:
            lr = self.schedule(epoch, lr)
        except TypeError:  # Keras 1 style: schedule(epoch)
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, np.floating, int)) and not hasattr(lr, "numpy"):
            raise ValueError(f'The output of the "schedule" function should be a float. Got: '
                             f'{lr}')
        optimizer.learning_rate = float(np.asarray(lr))
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                  f"{float(np.asarray(lr))}.")

    def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
        if logs is not None:
            logs["learning_rate"] = float(np.asarray(self.model.optimizer.learning_rate))


class LambdaCallback(Callback):
    """A callback made of functions: ``LambdaCallback(on_epoch_end=lambda e, logs: ...)``.

    Example:
        >>> import minitf as tf
        >>> cb = tf.keras.callbacks.LambdaCallback(on_train_end=lambda logs: None)
        >>> cb.on_train_end({})
    """

    def __init__(self, on_epoch_begin: Optional[Callable] = None,
                 on_epoch_end: Optional[Callable] = None,
                 on_train_begin: Optional[Callable] = None,
                 on_train_end: Optional[Callable] = None,
                 on_train_batch_begin: Optional[Callable] = None,
                 on_train_batch_end: Optional[Callable] = None, **kwargs: Any) -> None:
        super().__init__()
        hooks = dict(kwargs, on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin or kwargs.get("on_batch_begin"),
                     on_train_batch_end=on_train_batch_end or kwargs.get("on_batch_end"))
        hooks.pop("on_batch_begin", None)
        hooks.pop("on_batch_end", None)
        for name, fn in hooks.items():
            if fn is not None:
                if not hasattr(Callback, name):
                    raise TypeError(f"LambdaCallback got an unknown hook {name!r}")
                setattr(self, name, fn)


class CSVLogger(Callback):
    """Writes each epoch's logs as a CSV row (header: ``epoch`` then sorted keys).

    Example:
        >>> import minitf as tf
        >>> tf.keras.callbacks.CSVLogger("training.log").sep
        ','
    """

    def __init__(self, filename: str, separator: str = ",", append: bool = False) -> None:
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self.keys: Optional[list] = None
        self.writer: Any = None
        self.csv_file: Any = None

    def on_train_begin(self, logs: Optional[dict] = None) -> None:
        exists = self.append and os.path.exists(self.filename) and \
            os.path.getsize(self.filename) > 0
        self.append_header = not exists
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="")
        self.keys, self.writer = None, None

    def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys.extend([f"val_{k}" for k in self.keys])
        if self.writer is None:
            dialect = type("Dialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=dialect)
            if self.append_header:
                self.writer.writeheader()
        self.writer.writerow({"epoch": epoch, **{k: logs.get(k, "NA") for k in self.keys}})
        self.csv_file.flush()

    def on_train_end(self, logs: Optional[dict] = None) -> None:
        if self.csv_file is not None:
            self.csv_file.close()
            self.csv_file, self.writer = None, None


class TerminateOnNaN(Callback):
    """Stops training as soon as a batch loss is NaN or infinite.

    Example:
        >>> import minitf as tf
        >>> isinstance(tf.keras.callbacks.TerminateOnNaN(), tf.keras.callbacks.Callback)
        True
    """

    def on_train_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class ReduceLROnPlateau(_Monitor):
    """Multiplies the learning rate by ``factor`` after ``patience`` epochs without
    improvement (never below ``min_lr``).

    Example:
        >>> import minitf as tf
        >>> tf.keras.callbacks.ReduceLROnPlateau(factor=0.5).factor
        0.5
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0.0) -> None:
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Got {factor}")
        self.factor, self.patience, self.verbose = factor, patience, verbose
        self.cooldown, self.min_lr = cooldown, min_lr
        self.wait = self.cooldown_counter = 0

    def on_train_begin(self, logs: Optional[dict] = None) -> None:
        self.wait = self.cooldown_counter = 0
        self.best = None

    def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
        logs = logs if logs is not None else {}
        if self.monitor_op is None:
            self._set_monitor_op()
        lr = float(np.asarray(self.model.optimizer.learning_rate))
        logs["learning_rate"] = lr
        current = logs.get(self.monitor)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best, self.wait = current, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience and lr > self.min_lr:
                new_lr = max(lr * self.factor, self.min_lr)
                self.model.optimizer.learning_rate = new_lr
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                          f"{new_lr}.")
                self.cooldown_counter, self.wait = self.cooldown, 0

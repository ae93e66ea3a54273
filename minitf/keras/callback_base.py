"""The callback machinery: ``Callback``, ``CallbackList``, and the two callbacks ``fit``
always adds — ``History`` (the returned record of epoch logs) and ``ProgbarLogger`` (the
progress bar).

Example:
    >>> import minitf as tf
    >>> h = tf.keras.callbacks.History()
    >>> h.on_train_begin()
    >>> h.on_epoch_end(0, {"loss": 0.5})
    >>> h.history
    {'loss': [0.5]}
"""

from __future__ import annotations

from typing import Any, Optional

from minitf.keras.progbar import Progbar

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger"]


class Callback:
    """Base class: override the ``on_*`` hooks you need; ``self.model`` is set by fit.

    Example:
        >>> import minitf as tf
        >>> class Printer(tf.keras.callbacks.Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         print(epoch, sorted(logs))
        >>> Printer().model is None
        True
    """

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict = {}

    def set_model(self, model: Any) -> None:
        """Attaches the model being trained."""
        self.model = model

    def set_params(self, params: dict) -> None:
        """Receives ``{"verbose", "epochs", "steps"}``."""
        self.params = params

    def on_train_begin(self, logs: Optional[dict] = None) -> None: ...
    def on_train_end(self, logs: Optional[dict] = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: Optional[dict] = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None: ...
    def on_train_batch_begin(self, batch: int, logs: Optional[dict] = None) -> None: ...
    def on_train_batch_end(self, batch: int, logs: Optional[dict] = None) -> None: ...
    def on_test_begin(self, logs: Optional[dict] = None) -> None: ...
    def on_test_end(self, logs: Optional[dict] = None) -> None: ...
    def on_test_batch_begin(self, batch: int, logs: Optional[dict] = None) -> None: ...
    def on_test_batch_end(self, batch: int, logs: Optional[dict] = None) -> None: ...
    def on_predict_begin(self, logs: Optional[dict] = None) -> None: ...
    def on_predict_end(self, logs: Optional[dict] = None) -> None: ...
    def on_predict_batch_begin(self, batch: int, logs: Optional[dict] = None) -> None: ...
    def on_predict_batch_end(self, batch: int, logs: Optional[dict] = None) -> None: ...

    # Keras 2 names.
    def on_batch_begin(self, batch: int, logs: Optional[dict] = None) -> None:
        """Alias of :meth:`on_train_batch_begin`."""

    def on_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        """Alias of :meth:`on_train_batch_end`."""


_BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin",
                "on_batch_end", "on_test_batch_begin", "on_test_batch_end",
                "on_predict_batch_begin", "on_predict_batch_end")


class CallbackList:
    """Calls a hook on every callback in order.

    ``needs_batch_logs`` says whether any callback looks at per-batch logs, so the
    training loop can skip turning tensors into floats on every step when none do.

    Example:
        >>> from minitf.keras.callback_base import CallbackList, History
        >>> cbs = CallbackList([], add_history=True, epochs=1)
        >>> [type(c).__name__ for c in cbs], cbs.needs_batch_logs
        (['History'], False)
    """

    def __init__(self, callbacks: Optional[list] = None, add_history: bool = False,
                 add_progbar: bool = False, model: Any = None, **params: Any) -> None:
        self.callbacks = list(callbacks or [])
        # Keras's order: the user's callbacks, then History, then the progress bar — so
        # logs a callback adds (LearningRateScheduler's learning_rate) are recorded and shown.
        if add_history and not any(isinstance(c, History) for c in self.callbacks):
            self.callbacks.append(History())
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        for c in self.callbacks:
            if model is not None:
                c.set_model(model)
            c.set_params(dict(params))
        self.needs_batch_logs = any(
            hook in vars(c) or getattr(type(c), hook) is not getattr(Callback, hook)
            for c in self.callbacks for hook in _BATCH_HOOKS)

    def __iter__(self) -> Any:
        return iter(self.callbacks)

    def call(self, hook: str, *args: Any) -> None:
        """Runs ``hook(*args)`` on each callback (and the Keras 2 batch aliases)."""
        for c in self.callbacks:
            getattr(c, hook)(*args)
            if hook == "on_train_batch_begin":
                c.on_batch_begin(*args)
            elif hook == "on_train_batch_end":
                c.on_batch_end(*args)


class History(Callback):
    """Records each epoch's logs: ``history.history["loss"]`` is a list, one per epoch.

    ``fit`` adds one and returns it.

    Example:
        >>> import minitf as tf
        >>> h = tf.keras.callbacks.History()
        >>> h.on_train_begin()
        >>> h.on_epoch_end(0, {"loss": 1.0})
        >>> h.history, h.epoch
        ({'loss': [1.0]}, [0])
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict = {}
        self.epoch: list = []

    def on_train_begin(self, logs: Optional[dict] = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.history = self


class ProgbarLogger(Callback):
    """Prints Keras's progress bar (``verbose=1``) or one line per epoch (``verbose=2``).

    Example:
        >>> from minitf.keras.callback_base import ProgbarLogger
        >>> bar = ProgbarLogger()
        >>> bar.set_params({"verbose": 2, "epochs": 1, "steps": 1})
        >>> bar.on_epoch_begin(0)
        >>> bar.on_epoch_end(0, {"loss": 0.5})  # doctest: +ELLIPSIS
        1/1 - 0s - ...s/step - loss: 0.5000
    """

    def __init__(self) -> None:
        super().__init__()
        self.progbar: Optional[Progbar] = None
        self._in_fit = False

    def set_params(self, params: dict) -> None:
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs: Optional[dict] = None) -> None:
        self._in_fit = True

    def on_train_end(self, logs: Optional[dict] = None) -> None:
        self._in_fit = False

    def on_epoch_begin(self, epoch: int, logs: Optional[dict] = None) -> None:
        self.progbar = Progbar(self.target, verbose=self.verbose)
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}")

    def _update(self, batch: int, logs: Optional[dict]) -> None:
        if self.progbar is None:
            self.progbar = Progbar(self.target, verbose=self.verbose)
        self.seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self.seen, list((logs or {}).items()), finalize=False)

    def _finalize(self, logs: Optional[dict]) -> None:
        if self.progbar is None:
            return
        if self.target is None:
            self.target = getattr(self, "seen", 0)
            self.progbar.target = self.target
        self.progbar.update(self.target, list((logs or {}).items()), finalize=True)
        self.progbar = None

    def on_train_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        self._update(batch, logs)

    def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
        self._finalize(logs)

    def on_test_begin(self, logs: Optional[dict] = None) -> None:
        if not self._in_fit:
            self.progbar = Progbar(self.target, verbose=self.verbose)

    def on_test_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        if not self._in_fit:
            self._update(batch, logs)

    def on_test_end(self, logs: Optional[dict] = None) -> None:
        if not self._in_fit:
            self._finalize(logs)

    def on_predict_begin(self, logs: Optional[dict] = None) -> None:
        self.progbar = Progbar(self.target, verbose=self.verbose)

    def on_predict_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        self._update(batch, None)

    def on_predict_end(self, logs: Optional[dict] = None) -> None:
        self._finalize(None)

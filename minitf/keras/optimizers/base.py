"""``Optimizer``: the machinery every Keras optimizer shares.

``apply_gradients(zip(grads, vars))`` does, in order (Keras 3's order):

1. on first use, ``build(vars)``: create the per-variable *slots* (momentum, velocity...)
   eagerly, even inside a traced step;
2. drop pairs whose gradient is None;
3. clip the gradients (``clipnorm``, ``global_clipnorm`` or ``clipvalue``);
4. apply decoupled weight decay ``v -= v · weight_decay · lr``;
5. ``update_step(g, v, lr)`` per variable, with the learning rate of this step (a
   schedule is evaluated at ``iterations``);
6. ``iterations += 1``, then each variable's ``constraint``.

Example:
    >>> import minitf as tf
    >>> v = tf.Variable(1.0)
    >>> opt = tf.keras.optimizers.SGD(learning_rate=0.1)
    >>> _ = opt.apply_gradients([(tf.constant(2.0), v)])
    >>> round(float(v.numpy()), 6), int(opt.iterations.numpy())
    (0.8, 1)
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

from minitf.train.restore import notify_attribute
from minitf import dtypes as _dtypes
from minitf.distribute import keras_hooks as _distribute
from minitf.keras.layer import snake_case, unique_name
from minitf.keras.variable import KerasVariable
from minitf.ops import elementwise as ew
from minitf.ops.clipping import clip_by_global_norm, clip_by_norm
from minitf.tensor import Tensor
from minitf.variables import Variable, init_scope

__all__ = ["Optimizer"]


class Optimizer:
    """Base class of Keras optimizers.

    Args:
        learning_rate: a float, or a ``LearningRateSchedule`` evaluated each step.
        weight_decay: decoupled weight decay (AdamW-style) if set.
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient element to ``[-clipvalue, clipvalue]``.
        global_clipnorm: clip all gradients together to this global norm.
        name: the optimizer's name (its variables' path prefix).

    Example:
        >>> import minitf as tf
        >>> opt = tf.keras.optimizers.Adam(0.01)
        >>> float(opt.learning_rate)
        0.009999999776482582
    """

    def __init__(self, learning_rate: Any = 0.001, weight_decay: Optional[float] = None,
                 clipnorm: Optional[float] = None, clipvalue: Optional[float] = None,
                 global_clipnorm: Optional[float] = None, use_ema: bool = False,
                 ema_momentum: float = 0.99, ema_overwrite_frequency: Optional[int] = None,
                 loss_scale_factor: Optional[float] = None,
                 gradient_accumulation_steps: Optional[int] = None,
                 name: Optional[str] = None, **kwargs: Any) -> None:
        if kwargs.pop("lr", None) is not None:
            raise ValueError("Argument `lr` is no longer supported; use `learning_rate`.")
        if kwargs:
            raise TypeError(f"Unknown keyword arguments for {type(self).__name__}: {kwargs}")
        if sum(x is not None for x in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can "
                             "be set.")
        if use_ema or gradient_accumulation_steps:
            raise NotImplementedError("use_ema and gradient_accumulation_steps are not "
                                      "implemented in minitf.")
        self.name = name or unique_name(snake_case(type(self).__name__))
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, \
            global_clipnorm
        self.use_ema, self.ema_momentum = use_ema, ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._variables: list = []
        self._trainable_variables: list = []
        self._index: dict = {}  # id(model variable) -> its position (slot lookup)
        self._exclude_from_wd: set = set()
        # tf.distribute: made in a strategy's scope, it sums the gradients over replicas.
        self._distribution_strategy = _distribute.strategy_in_scope()
        with init_scope():
            self._iterations = self._new_variable(0, "iteration", _dtypes.int64)
            from minitf.keras.optimizers.schedules import LearningRateSchedule
            if isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate):
                self._schedule = learning_rate
                self._learning_rate = None
            else:
                self._schedule = None
                self._learning_rate = self._new_variable(float(learning_rate),
                                                         "learning_rate", _dtypes.float32)

    def _new_variable(self, value: Any, name: str, dtype: Any) -> KerasVariable:
        var = KerasVariable(value, trainable=False, name=name, path=f"{self.name}/{name}",
                            dtype=dtype)
        self._variables.append(var)
        # A checkpoint restored before this slot existed may be waiting for it.
        notify_attribute(self._variables, str(len(self._variables) - 1), var)
        return var

    # -- state ----------------------------------------------------------------------------
    @property
    def iterations(self) -> KerasVariable:
        """The number of steps applied so far (an int64 variable)."""
        return self._iterations

    @property
    def variables(self) -> list:
        """Every optimizer variable: iteration, learning rate, then the slots.

        Example:
            >>> import minitf as tf
            >>> [v.name for v in tf.keras.optimizers.SGD().variables]
            ['iteration', 'learning_rate']
        """
        return list(self._variables)

    @property
    def learning_rate(self) -> Any:
        """The current learning rate: the variable, or the schedule's value now."""
        if self._schedule is not None:
            return self._schedule(self._iterations)
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        from minitf.keras.optimizers.schedules import LearningRateSchedule
        if isinstance(value, LearningRateSchedule):
            self._schedule = value
            return
        if self._learning_rate is None:
            raise TypeError("This optimizer uses a LearningRateSchedule; its learning rate "
                            "cannot be set to a number. Create a new optimizer instead.")
        if not isinstance(value, (Tensor, Variable)):
            value = float(value)
        self._learning_rate.assign(value)

    def _current_learning_rate(self) -> Any:
        if self._schedule is not None:
            return self._schedule(self._iterations)
        return self._learning_rate.value()

    def add_variable(self, shape: Any, initializer: Any = "zeros", dtype: Any = None,
                     name: Optional[str] = None) -> KerasVariable:
        """Creates an optimizer variable (eagerly, even while tracing)."""
        from minitf.keras import initializers
        with init_scope():
            value = initializers.get(initializer)(tuple(shape), dtype=dtype or "float32")
            return self._new_variable(value, name or "var", value.dtype)

    def add_variable_from_reference(self, reference_variable: Variable,
                                    name: Optional[str] = None,
                                    initializer: Any = "zeros") -> KerasVariable:
        """A slot shaped like ``reference_variable``, named ``<its path>_<name>``."""
        ref_path = getattr(reference_variable, "path", reference_variable.name.split(":")[0])
        from minitf.keras import initializers
        with init_scope():
            value = initializers.get(initializer)(tuple(reference_variable.shape),
                                                  dtype=reference_variable.dtype)
            return self._new_variable(value, f"{ref_path.replace('/', '_')}_{name or 'var'}",
                                      reference_variable.dtype)

    def build(self, variables: list) -> None:
        """Creates the slots for ``variables``; subclasses add theirs after calling this."""
        self._trainable_variables = list(variables)
        self._index = {id(v): i for i, v in enumerate(variables)}
        self.built = True
        # Under a strategy, every replica starts from rank 0's weights (a broadcast).
        _distribute.mirror_variables(getattr(self, "_distribution_strategy", None),
                                     self._trainable_variables)

    def _var_index(self, variable: Variable) -> int:
        return self._index[id(variable)]

    def exclude_from_weight_decay(self, var_list: Optional[list] = None,
                                  var_names: Optional[list] = None) -> None:
        """Exempts variables (or names containing ``var_names`` words) from weight decay."""
        for v in var_list or []:
            self._exclude_from_wd.add(id(v))
        self._exclude_names = list(var_names or [])

    def _use_weight_decay(self, variable: Variable) -> bool:
        if id(variable) in self._exclude_from_wd:
            return False
        return not any(n in variable.name for n in getattr(self, "_exclude_names", []))

    # -- applying -------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars: Iterable) -> Any:
        """Applies ``(gradient, variable)`` pairs; returns the iteration count.

        Raises:
            ValueError: if every gradient is None (nothing connects the loss to the
                variables).
        """
        pairs = list(grads_and_vars)
        return self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def apply(self, grads: list, trainable_variables: Optional[list] = None) -> Any:
        """Applies ``grads`` to ``trainable_variables`` (default: those it was built for)."""
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer "
                                 "must already be built on a list of variables.")
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        elif any(id(v) not in self._index for v in trainable_variables):
            raise KeyError(
                f"The optimizer {self.name} was built for {len(self._index)} variables and "
                f"cannot update a variable it has not seen. Use one optimizer per model (or "
                f"call optimizer.build(all_variables) before training).")
        pairs = [(g, v) for g, v in zip(grads, trainable_variables) if g is not None]
        if not pairs:
            raise ValueError(
                f"No gradients provided for any variable: {[v.name for v in trainable_variables]}"
                f". The loss does not depend on them; check that the model's output is used "
                f"to compute the loss inside the GradientTape.")
        # Under a strategy: the sum over replicas (one all-reduce), then clipping.
        grads = _distribute.aggregate_gradients(getattr(self, "_distribution_strategy", None),
                                                [g for g, _ in pairs])
        grads = self._clip_gradients(grads)
        variables = [v for _, v in pairs]
        lr = self._current_learning_rate()
        if self.weight_decay:
            for v in variables:
                if self._use_weight_decay(v):
                    v.assign_sub(ew.multiply(v.value(), ew.multiply(ew.cast(lr, v.dtype),
                                                                   float(self.weight_decay))))
        for g, v in zip(grads, variables):
            if g.dtype is not v.dtype:
                g = ew.cast(g, v.dtype)
            self.update_step(g, v, lr if v.dtype is _dtypes.float32 else ew.cast(lr, v.dtype))
        self._iterations.assign_add(1)
        for v in variables:
            if getattr(v, "constraint", None) is not None:
                v.assign(v.constraint(v.value()))
        return self._iterations

    def update_step(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        """One variable's update; each optimizer implements its rule here."""
        raise NotImplementedError

    def _clip_gradients(self, grads: list) -> list:
        if self.clipnorm:
            return [clip_by_norm(g, float(self.clipnorm)) for g in grads]
        if self.global_clipnorm:
            return clip_by_global_norm(grads, float(self.global_clipnorm))[0]
        if self.clipvalue:
            c = float(self.clipvalue)
            return [ew.clip_by_value(g, -c, c) for g in grads]
        return grads

    # -- config ---------------------------------------------------------------------------
    def get_config(self) -> dict:
        """The constructor arguments (Keras 3's keys)."""
        if self._schedule is not None:
            from minitf.keras.serialization import serialize_keras_object
            lr: Any = serialize_keras_object(self._schedule)
        else:
            lr = float(self._learning_rate.numpy())
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config: dict, custom_objects: Optional[dict] = None) -> "Optimizer":
        """Rebuilds the optimizer (its slots start fresh)."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            from minitf.keras.serialization import deserialize_keras_object
            config["learning_rate"] = deserialize_keras_object(config["learning_rate"],
                                                               custom_objects)
        return cls(**config)

    def _checkpoint_children(self) -> dict:
        # TF 2.21's keys: opt/_iterations, opt/_learning_rate, then the slots by their
        # position, opt/_variables/N (N from 2: positions 0 and 1 are the two above and
        # are saved under their first path only). Positions, not names, so a new model
        # whose layers got other automatic names still restores its optimizer state.
        children = {"_iterations": self._iterations}
        if self._learning_rate is not None:
            children["_learning_rate"] = self._learning_rate
        children["_variables"] = self._variables
        return children

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


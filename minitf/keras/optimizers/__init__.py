"""``tf.keras.optimizers``: SGD, Adam, AdamW, RMSprop, Adagrad and learning-rate schedules.

Each optimizer is its update rule (``update_step``) on top of :class:`Optimizer`, with
Keras 3's defaults. For a gradient ``g`` and learning rate ``η``:

* SGD: ``v -= η g``; with momentum ``m = μ m - η g`` then ``v += m`` (Nesterov:
  ``v += μ m - η g``).
* Adam: ``m += (g - m)(1 - β₁)``, ``s += (g² - s)(1 - β₂)``,
  ``v -= η √(1 - β₂ᵗ) / (1 - β₁ᵗ) · m / (√s + ε)``. AdamW also decays ``v -= v · λ η``.
* RMSprop: ``s = ρ s + (1 - ρ) g²``, ``v -= η g / √(s + ε)``.
* Adagrad: ``a += g²`` (``a`` starts at 0.1), ``v -= η g / √(a + ε)``.

Example:
    >>> import minitf as tf
    >>> v = tf.Variable([1.0, 2.0])
    >>> opt = tf.keras.optimizers.SGD(learning_rate=0.5, momentum=0.9)
    >>> _ = opt.apply_gradients([(tf.constant([1.0, 1.0]), v)])
    >>> v.numpy()
    array([0.5, 1.5], dtype=float32)
"""

from __future__ import annotations

from typing import Any, Optional

from minitf.keras.optimizers import schedules  # noqa: F401
from minitf.keras.optimizers.base import Optimizer
from minitf.keras.serialization import keras_class
from minitf.ops import elementwise as ew
from minitf.tensor import Tensor
from minitf.variables import Variable

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "schedules", "get",
           "serialize", "deserialize"]


@keras_class
class SGD(Optimizer):
    """Gradient descent, optionally with (Nesterov) momentum.

    Args:
        learning_rate: default 0.01.
        momentum: default 0 (plain gradient descent).
        nesterov: use Nesterov momentum.

    Example:
        >>> import minitf as tf
        >>> v = tf.Variable(1.0)
        >>> _ = tf.keras.optimizers.SGD(0.1).apply_gradients([(tf.constant(1.0), v)])
        >>> round(float(v), 6)
        0.9
    """

    def __init__(self, learning_rate: Any = 0.01, momentum: float = 0.0, nesterov: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not 0.0 <= momentum <= 1.0:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def build(self, variables: list) -> None:
        super().build(variables)
        self.momentums = [self.add_variable_from_reference(v, "momentum") for v in variables] \
            if self.momentum else []

    def update_step(self, gradient: Tensor, variable: Variable, learning_rate: Any) -> None:
        step = ew.multiply(gradient, learning_rate)
        if not self.momentum:
            variable.assign_sub(step)
            return
        # BEGIN SOLUTION keras: SGD with momentum, Nesterov; spec: tests/test_keras_optimizers.py
        m = self.momentums[self._var_index(variable)]
        m.assign(ew.subtract(ew.multiply(m.value(), self.momentum), step))
        if self.nesterov:
            variable.assign_add(ew.subtract(ew.multiply(m.value(), self.momentum), step))
        else:
            variable.assign_add(m.value())
        # END SOLUTION

    def get_config(self) -> dict:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


@keras_class
class Adam(Optimizer):
    """Adaptive moment estimation (Kingma & Ba), Keras 3's form with ε outside the root.

    Args:
        learning_rate: default 0.001.
        beta_1, beta_2: decay rates of the first and second moments (0.9, 0.999).
        epsilon: 1e-7.
        amsgrad: use the running maximum of the second moment.

    Example:
        >>> import minitf as tf
        >>> v = tf.Variable(1.0)
        >>> _ = tf.keras.optimizers.Adam(0.1).apply_gradients([(tf.constant(3.0), v)])
        >>> round(float(v), 4)  # the first Adam step moves by about the learning rate
        0.9
    """

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def build(self, variables: list) -> None:
        super().build(variables)
        self._momentums = [self.add_variable_from_reference(v, "momentum") for v in variables]
        self._velocities = [self.add_variable_from_reference(v, "velocity") for v in variables]
        self._velocity_hats = [self.add_variable_from_reference(v, "velocity_hat")
                               for v in variables] if self.amsgrad else []

    def update_step(self, gradient: Tensor, variable: Variable, learning_rate: Any) -> None:
        i = self._var_index(variable)
        m, v = self._momentums[i], self._velocities[i]
        t = ew.cast(ew.add(self.iterations.value(), 1), variable.dtype)
        # Bias correction folded into the step size: η √(1 - β₂ᵗ) / (1 - β₁ᵗ).
        alpha = ew.truediv(ew.multiply(learning_rate,
                                       ew.sqrt(ew.subtract(1.0, ew.pow(self.beta_2, t)))),
                           ew.subtract(1.0, ew.pow(self.beta_1, t)))
        m.assign_add(ew.multiply(ew.subtract(gradient, m.value()), 1.0 - self.beta_1))
        v.assign_add(ew.multiply(ew.subtract(ew.square(gradient), v.value()), 1.0 - self.beta_2))
        second = v.value()
        if self.amsgrad:
            v_hat = self._velocity_hats[i]
            v_hat.assign(ew.maximum(v_hat.value(), second))
            second = v_hat.value()
        variable.assign_sub(ew.truediv(ew.multiply(m.value(), alpha),
                                       ew.add(ew.sqrt(second), self.epsilon)))

    def get_config(self) -> dict:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


@keras_class
class AdamW(Adam):
    """Adam with decoupled weight decay (default ``weight_decay=0.004``).

    Example:
        >>> import minitf as tf
        >>> tf.keras.optimizers.AdamW().weight_decay
        0.004
    """

    def __init__(self, learning_rate: Any = 0.001, weight_decay: float = 0.004,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 amsgrad: bool = False, **kwargs: Any) -> None:
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: None")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)


@keras_class
class RMSprop(Optimizer):
    """Divides the gradient by a running root-mean-square of recent gradients.

    Args:
        learning_rate: default 0.001.
        rho: the decay of the squared-gradient average (0.9).
        momentum: optional momentum on the increments.
        epsilon: 1e-7 (inside the square root).
        centered: subtract the squared mean gradient (an estimate of the variance).

    Example:
        >>> import minitf as tf
        >>> v = tf.Variable(1.0)
        >>> _ = tf.keras.optimizers.RMSprop(0.1).apply_gradients([(tf.constant(2.0), v)])
        >>> round(float(v), 4)  # 1 - 0.1 · 2 / sqrt(0.1 · 4)
        0.6838
    """

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def build(self, variables: list) -> None:
        super().build(variables)
        self._velocities = [self.add_variable_from_reference(v, "velocity") for v in variables]
        self._momentums = [self.add_variable_from_reference(v, "momentum")
                           for v in variables] if self.momentum > 0 else []
        self._average_gradients = [self.add_variable_from_reference(v, "average_gradient")
                                   for v in variables] if self.centered else []

    def update_step(self, gradient: Tensor, variable: Variable, learning_rate: Any) -> None:
        i = self._var_index(variable)
        velocity = self._velocities[i]
        velocity.assign(ew.add(ew.multiply(velocity.value(), self.rho),
                               ew.multiply(ew.square(gradient), 1.0 - self.rho)))
        if self.centered:
            avg = self._average_gradients[i]
            avg.assign(ew.add(ew.multiply(avg.value(), self.rho),
                              ew.multiply(gradient, 1.0 - self.rho)))
            denominator = ew.add(ew.subtract(velocity.value(), ew.square(avg.value())),
                                 self.epsilon)
        else:
            denominator = ew.add(velocity.value(), self.epsilon)
        increment = ew.truediv(ew.multiply(gradient, learning_rate), ew.sqrt(denominator))
        if self.momentum > 0:
            mom = self._momentums[i]
            mom.assign(ew.add(ew.multiply(mom.value(), self.momentum), increment))
            variable.assign_sub(mom.value())
        else:
            variable.assign_sub(increment)

    def get_config(self) -> dict:
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


@keras_class
class Adagrad(Optimizer):
    """Per-parameter step sizes shrinking with the sum of squared gradients so far.

    Args:
        learning_rate: default 0.001.
        initial_accumulator_value: the accumulators' start (0.1).
        epsilon: 1e-7.

    Example:
        >>> import minitf as tf
        >>> v = tf.Variable(1.0)
        >>> _ = tf.keras.optimizers.Adagrad(0.1).apply_gradients([(tf.constant(1.0), v)])
        >>> round(float(v), 4)  # 1 - 0.1 · 1 / sqrt(0.1 + 1)
        0.9047
    """

    def __init__(self, learning_rate: Any = 0.001, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def build(self, variables: list) -> None:
        from minitf.keras.initializers import Constant
        super().build(variables)
        init = Constant(self.initial_accumulator_value)
        self._accumulators = [self.add_variable_from_reference(v, "accumulator", init)
                              for v in variables]

    def update_step(self, gradient: Tensor, variable: Variable, learning_rate: Any) -> None:
        acc = self._accumulators[self._var_index(variable)]
        acc.assign_add(ew.square(gradient))
        variable.assign_sub(ew.truediv(ew.multiply(gradient, learning_rate),
                                       ew.sqrt(ew.add(acc.value(), self.epsilon))))

    def get_config(self) -> dict:
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


_BY_NAME = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad}


def get(identifier: Any) -> Optimizer:
    """An optimizer from a name (``"adam"``), a config dict, or an instance.

    Example:
        >>> import minitf as tf
        >>> type(tf.keras.optimizers.get("rmsprop")).__name__
        'RMSprop'
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}. "
                             f"Known names: {sorted(_BY_NAME)}.")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")


def serialize(optimizer: Optimizer) -> dict:
    """Keras's description of an optimizer.

    Example:
        >>> import minitf as tf
        >>> tf.keras.optimizers.serialize(tf.keras.optimizers.SGD())["class_name"]
        'SGD'
    """
    from minitf.keras.serialization import serialize_keras_object
    return serialize_keras_object(optimizer)


def deserialize(config: dict, custom_objects: Optional[dict] = None) -> Optimizer:
    """The inverse of :func:`serialize`.

    Example:
        >>> import minitf as tf
        >>> tf.keras.optimizers.deserialize({"class_name": "Adam", "config": {}}).beta_1
        0.9
    """
    from minitf.keras.serialization import deserialize_keras_object
    return deserialize_keras_object(config, custom_objects)

"""``tf.keras``: layers, models, training.

Build a model from layers (``Sequential``, the functional ``Model(inputs, outputs)``, or a
``Model`` subclass), ``compile`` it with an optimizer, a loss and metrics, ``fit`` it to
data, then ``evaluate``, ``predict`` and ``save`` it.

Example:
    >>> import numpy as np
    >>> import minitf as tf
    >>> model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    >>> model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    >>> x = np.linspace(0, 1, 32, dtype=np.float32)[:, None]
    >>> history = model.fit(x, 2 * x, epochs=5, verbose=0)
    >>> len(history.history["loss"])
    5
"""

from minitf.keras import (  # noqa: F401
    activations, backend, callbacks, initializers, layers, losses, metrics, models,
    optimizers, regularizers, utils,
)
from minitf.keras import saving_api as saving  # noqa: F401
from minitf.keras.functional import Input, KerasTensor  # noqa: F401
from minitf.keras.layer import InputSpec, Layer  # noqa: F401
from minitf.keras.model import Model  # noqa: F401
from minitf.keras.sequential import Sequential  # noqa: F401

__version__ = "3.15.1"

__all__ = ["activations", "backend", "callbacks", "initializers", "layers", "losses",
           "metrics", "models", "optimizers", "regularizers", "saving", "utils", "Input",
           "KerasTensor", "InputSpec", "Layer", "Model", "Sequential"]

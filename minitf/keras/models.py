"""``tf.keras.models``: the model classes and whole-model loading.

Example:
    >>> import minitf as tf
    >>> tf.keras.models.Sequential is tf.keras.Sequential
    True
"""

from __future__ import annotations

from typing import Any, Optional

from minitf.keras.model import Functional, Model  # noqa: F401
from minitf.keras.saving import load_model, save_model  # noqa: F401
from minitf.keras.sequential import Sequential  # noqa: F401

__all__ = ["Model", "Sequential", "Functional", "load_model", "save_model", "clone_model",
           "model_from_json"]


def clone_model(model: Model, input_tensors: Any = None, clone_function: Any = None) -> Model:
    """A new model with the same architecture and freshly initialized weights.

    Example:
        >>> import minitf as tf
        >>> m = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
        >>> c = tf.keras.models.clone_model(m)
        >>> c is m, len(c.weights)
        (False, 2)
    """
    from minitf.keras.serialization import deserialize_keras_object, serialize_keras_object
    config = serialize_keras_object(model)
    _strip_names(config)
    return deserialize_keras_object(config)


def _strip_names(config: Any) -> None:
    # Clones get fresh layer names except where a functional graph refers to them.
    if isinstance(config, dict) and config.get("class_name") == "Sequential":
        for layer in config["config"].get("layers", []):
            if layer.get("class_name") != "InputLayer":
                layer["config"].pop("name", None)


def model_from_json(json_string: str, custom_objects: Optional[dict] = None) -> Model:
    """Rebuilds a model from ``model.to_json()`` (new weights).

    Example:
        >>> import minitf as tf
        >>> m = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
        >>> type(tf.keras.models.model_from_json(m.to_json())).__name__
        'Sequential'
    """
    import json

    from minitf.keras.serialization import deserialize_keras_object
    return deserialize_keras_object(json.loads(json_string), custom_objects)

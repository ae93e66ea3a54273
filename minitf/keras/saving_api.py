"""``tf.keras.saving``: registering custom classes and loading/saving models.

Example:
    >>> import minitf as tf
    >>> tf.keras.saving.load_model is tf.keras.models.load_model
    True
"""

from minitf.keras.saving import load_model, save_model  # noqa: F401
from minitf.keras.serialization import (  # noqa: F401
    deserialize_keras_object, get_registered_object, register_keras_serializable,
    serialize_keras_object,
)

__all__ = ["load_model", "save_model", "register_keras_serializable",
           "serialize_keras_object", "deserialize_keras_object", "get_registered_object"]

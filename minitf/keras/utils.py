"""``tf.keras.utils``: small helpers (one-hot labels, seeding, the progress bar, time-series
windows).

Example:
    >>> import minitf as tf
    >>> tf.keras.utils.to_categorical([0, 2], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
"""

from __future__ import annotations

import random
from typing import Any, Optional

import numpy as np

from minitf.keras.progbar import Progbar  # noqa: F401
from minitf.keras.serialization import (  # noqa: F401
    deserialize_keras_object, get_registered_object, register_keras_serializable,
    serialize_keras_object,
)
from minitf.keras.timeseries import timeseries_dataset_from_array  # noqa: F401

__all__ = ["to_categorical", "set_random_seed", "Progbar", "register_keras_serializable",
           "serialize_keras_object", "deserialize_keras_object", "get_registered_object",
           "timeseries_dataset_from_array"]


def to_categorical(x: Any, num_classes: Optional[int] = None) -> np.ndarray:
    """Integer class ids to one-hot float32 rows.

    Example:
        >>> import minitf as tf
        >>> tf.keras.utils.to_categorical([1]).tolist()
        [[0.0, 1.0]]
    """
    labels = np.asarray(x, dtype=np.int64)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    n = int(labels.max()) + 1 if num_classes is None else int(num_classes)
    out = np.zeros(labels.shape + (n,), np.float32)
    np.put_along_axis(out, labels[..., None], 1.0, axis=-1)
    return out


def set_random_seed(seed: int) -> None:
    """Seeds Python's, NumPy's and minitf's random generators at once.

    Example:
        >>> import minitf as tf
        >>> tf.keras.utils.set_random_seed(0)
    """
    import minitf
    random.seed(seed)
    np.random.seed(seed)
    minitf.random.set_seed(seed)

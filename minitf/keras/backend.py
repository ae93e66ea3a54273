"""``tf.keras.backend``: session-wide settings (names, float type, epsilon).

Example:
    >>> import minitf as tf
    >>> tf.keras.backend.floatx(), tf.keras.backend.epsilon()
    ('float32', 1e-07)
"""

from __future__ import annotations

from minitf.keras.layer import clear_session  # noqa: F401

__all__ = ["clear_session", "floatx", "epsilon", "image_data_format"]


def floatx() -> str:
    """The default float dtype of weights and computation (``"float32"``).

    Example:
        >>> import minitf as tf
        >>> tf.keras.backend.floatx()
        'float32'
    """
    return "float32"


def epsilon() -> float:
    """The fuzz factor used by losses and optimizers (``1e-7``).

    Example:
        >>> import minitf as tf
        >>> tf.keras.backend.epsilon()
        1e-07
    """
    return 1e-7


def image_data_format() -> str:
    """Images are ``(batch, height, width, channels)`` in minitf.

    Example:
        >>> import minitf as tf
        >>> tf.keras.backend.image_data_format()
        'channels_last'
    """
    return "channels_last"

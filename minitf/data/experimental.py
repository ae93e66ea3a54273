"""``tf.data.experimental``: the older names of tf.data's constants and helpers.

Example:
    >>> import minitf as tf
    >>> ds = tf.data.Dataset.range(4).repeat()
    >>> int(tf.data.experimental.cardinality(ds)) == tf.data.experimental.INFINITE_CARDINALITY
    True
"""

from __future__ import annotations

from typing import Any

from minitf.data.options import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "cardinality"]


def cardinality(dataset: Any) -> Any:
    """``dataset.cardinality()`` (the TF 2.2 spelling).

    Example:
        >>> import minitf as tf
        >>> int(tf.data.experimental.cardinality(tf.data.Dataset.range(3)))
        3
    """
    return dataset.cardinality()

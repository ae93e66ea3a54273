"""tf.data's constants and ``tf.data.Options``.

``AUTOTUNE`` asks a transformation to choose its own parallelism or buffer size. The two
cardinality constants are the values ``Dataset.cardinality()`` returns when the number of
elements is not a plain count: ``INFINITE_CARDINALITY`` after ``repeat()`` and
``UNKNOWN_CARDINALITY`` when only running the pipeline could tell (``filter``,
``from_generator``).

Example:
    >>> import minitf as tf
    >>> tf.data.AUTOTUNE, tf.data.INFINITE_CARDINALITY, tf.data.UNKNOWN_CARDINALITY
    (-1, -1, -2)
"""

from __future__ import annotations

import os
from typing import Any, Optional

from minitf import errors

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "Options",
           "autotune_parallelism", "autotune_buffer", "count_arg"]

AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2


def autotune_parallelism(num_parallel_calls: Optional[int], op: str) -> int:
    """How many threads a parallel transformation uses (0: run in the caller's thread).

    ``AUTOTUNE`` becomes the number of CPU cores; ``None`` means sequential.

    Example:
        >>> from minitf.data.options import autotune_parallelism
        >>> autotune_parallelism(None, "map"), autotune_parallelism(3, "map")
        (0, 3)
    """
    if num_parallel_calls is None:
        return 0
    n = count_arg(num_parallel_calls, "num_parallel_calls", op)
    if n == AUTOTUNE:
        return max(1, os.cpu_count() or 1)
    if n <= 0:
        raise errors.InvalidArgumentError(
            None, None, f"{op}: num_parallel_calls must be greater than zero (or "
            f"tf.data.AUTOTUNE), got {n}.")
    return n


def autotune_buffer(buffer_size: Optional[int], op: str) -> int:
    """``prefetch``'s buffer size: a count, or ``AUTOTUNE`` (returned as is: the buffer
    then sizes itself from the first element, see :mod:`minitf.data.prefetch`).

    Example:
        >>> import minitf as tf
        >>> from minitf.data.options import autotune_buffer
        >>> autotune_buffer(4, "prefetch"), autotune_buffer(tf.data.AUTOTUNE, "prefetch")
        (4, -1)
    """
    n = AUTOTUNE if buffer_size is None else count_arg(buffer_size, "buffer_size", op)
    if n < 0 and n != AUTOTUNE:
        raise errors.InvalidArgumentError(
            None, None, f"{op}: buffer_size must be >= 0 or set buffer_size to be -1 "
            f"(tf.data.AUTOTUNE) for auto-tuning, got {n}.")
    return n


def count_arg(value: Any, name: str, op: str) -> int:
    """An integer argument (a Python/NumPy int or an integer scalar tensor) as ``int``.

    Raises:
        TypeError: for floats, strings and non-scalar values, as TF does.

    Example:
        >>> import numpy as np
        >>> from minitf.data.options import count_arg
        >>> count_arg(np.int32(4), "count", "take")
        4
    """
    if isinstance(value, bool):
        raise TypeError(f"{op}: {name} must be an integer, got the bool {value!r}.")
    if isinstance(value, int):
        return value
    try:
        import numpy as np
        arr = np.asarray(value)
    except Exception:  # noqa: BLE001 - anything unconvertible is the same user error
        arr = None
    if arr is None or arr.shape != () or arr.dtype.kind not in "iu":
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype int64: "
                        f"{op}'s {name} must be an integer scalar.")
    return int(arr)


class Options:
    """Pipeline options (``tf.data.Options``), set with ``Dataset.with_options``.

    minitf runs every pipeline the same way, so options are recorded and returned by
    ``Dataset.options()`` but change nothing. ``deterministic`` is always honoured: minitf
    keeps element order even with parallel ``map``.

    Example:
        >>> import minitf as tf
        >>> options = tf.data.Options()
        >>> options.deterministic = True
        >>> tf.data.Dataset.range(3).with_options(options).options().deterministic
        True
    """

    def __init__(self) -> None:
        self.deterministic: Optional[bool] = None
        self.experimental_optimization: Any = None
        self.experimental_distribute: Any = None
        self.threading: Any = None

    def merge(self, other: "Options") -> "Options":
        """The options of ``self`` overridden by the fields ``other`` sets."""
        merged = Options()
        merged.__dict__.update({k: v for k, v in self.__dict__.items()})
        merged.__dict__.update({k: v for k, v in other.__dict__.items() if v is not None})
        return merged

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Options) and self.__dict__ == other.__dict__

    def __repr__(self) -> str:
        return f"Options({', '.join(f'{k}={v!r}' for k, v in self.__dict__.items())})"

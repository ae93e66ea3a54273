"""``tf.data``: input pipelines (see issue "tf.data.Dataset input pipelines").

Build a :class:`Dataset` from arrays, tensors, ranges or a Python generator, chain
transformations (``map``, ``shuffle``, ``batch``, ``prefetch``...), and iterate it with
``for``: each loop is a fresh pass yielding minitf Tensors.

Example:
    >>> import numpy as np
    >>> import minitf as tf
    >>> x = np.arange(10, dtype=np.float32)
    >>> ds = tf.data.Dataset.from_tensor_slices((x, 2 * x)).shuffle(10).batch(4)
    >>> [xb.shape.as_list() for xb, yb in ds]
    [[4], [4], [2]]
"""

from minitf.data import experimental  # noqa: F401
from minitf.data.dataset import Dataset, NumpyIterator, OwnedIterator  # noqa: F401
from minitf.data.structure import DatasetSpec  # noqa: F401
from minitf.data.options import (  # noqa: F401
    AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Options,
)

Iterator = OwnedIterator

__all__ = ["AUTOTUNE", "Dataset", "DatasetSpec", "INFINITE_CARDINALITY", "Iterator", "Options",
           "UNKNOWN_CARDINALITY", "experimental"]

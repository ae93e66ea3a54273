"""``tf.saved_model``: save and load traced functions and variables, data only.

``save(obj, export_dir)`` writes every ``tf.function`` reachable from ``obj`` (with all
its traced graphs), the variables and the nested objects; ``load(export_dir)`` rebuilds
them in any process — no class, no code from the file. The format is JSON (object graph,
graphs, signatures, with a checksum) and ``.npz`` arrays, written atomically.

Example:
    >>> import os, tempfile
    >>> import minitf as tf
    >>> class MyModule(tf.Module):
    ...     def __init__(self, value):
    ...         self.weight = tf.Variable(value)
    ...     @tf.function
    ...     def multiply(self, x):
    ...         return x * self.weight
    >>> mod = MyModule(3)
    >>> _ = mod.multiply(tf.constant([1, 2, 3]))
    >>> path = os.path.join(tempfile.mkdtemp(), "saved")
    >>> tf.saved_model.save(mod, path)
    >>> reloaded = tf.saved_model.load(path)
    >>> reloaded.multiply(tf.constant([1, 2, 3]))
    <tf.Tensor: shape=(3,), dtype=int32, numpy=array([3, 6, 9], dtype=int32)>
"""

from minitf.saved_model.load import LoadOptions, contains_saved_model, load
from minitf.saved_model.save import SaveOptions, save

__all__ = ["save", "load", "SaveOptions", "LoadOptions", "contains_saved_model"]

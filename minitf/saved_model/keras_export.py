"""A Keras model as a SavedModel: its traced call, its weights, Keras's own files.

``model.save("dir")`` (no extension) writes a directory that both loaders read:

* ``tf.keras.models.load_model("dir")`` rebuilds the Keras classes from Keras's config
  files (passed here as ``extra_files``);
* ``tf.saved_model.load("dir")`` needs no class at all: it gets the model's call traced
  for any batch size (``__call__`` and ``signatures["serving_default"]``) and its
  variables. A ``Lambda`` layer is inside that graph as its equations, so loading runs
  no code from the file.

Everything is written in one atomic commit (:mod:`minitf.saved_model.directory`).

Example:
    >>> import os, tempfile
    >>> import minitf as tf
    >>> model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    >>> path = os.path.join(tempfile.mkdtemp(), "model")
    >>> save_keras_model(model, path)
    >>> loaded = tf.saved_model.load(path)
    >>> loaded(tf.ones([3, 2])).shape
    TensorShape([3, 1])
"""

from __future__ import annotations

from typing import Any, Optional

from minitf import dtypes as _dtypes
from minitf.core.spec import TensorSpec
from minitf.function import Function, function
from minitf.saved_model.save import write_saved_model

__all__ = ["serving_function", "save_keras_model"]


def _any_batch(shape: Any) -> tuple:
    # A model built on a concrete batch serves any batch size.
    shape = tuple(shape)
    return (None,) + shape[1:] if shape else shape


def _input_specs(model: Any) -> Any:
    inputs = getattr(model, "inputs", None)
    if inputs:  # functional (or Sequential with an Input): the declared inputs
        specs = [TensorSpec(_any_batch(t.shape), _dtypes.as_dtype(t.dtype)) for t in inputs]
        return specs[0] if len(specs) == 1 else specs
    shapes = getattr(model, "_build_shapes", None)
    if shapes is None:
        raise ValueError(f"Model {model.name!r} has not been built, so its call cannot be "
                         f"traced for saving. Call it on data, or model.build(input_shape).")
    from minitf.keras.layer_utils import map_shapes
    dtype = _dtypes.as_dtype(model.dtype)
    return map_shapes(lambda s: TensorSpec(_any_batch(s), dtype), shapes)


def serving_function(model: Any) -> Function:
    """``model(inputs, training=False)`` as a tf.function with a fixed input signature.

    Example:
        >>> import minitf as tf
        >>> model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
        >>> serving_function(model).input_signature
        [TensorSpec(shape=(None, 3), dtype=tf.float32, name=None)]
    """
    def serve(inputs: Any) -> Any:
        return model(inputs, training=False)
    return function(serve, input_signature=[_input_specs(model)])


def save_keras_model(model: Any, export_dir: Any, extra_files: Optional[dict] = None) -> None:
    """Writes a built Keras model as a SavedModel directory (plus ``extra_files``).

    Args:
        model: a built Keras model.
        export_dir: the directory.
        extra_files: ``{name: bytes}`` for Keras's config and weights files.

    Raises:
        ValueError: if the model is not built.
    """
    serve = serving_function(model)
    write_saved_model(model, export_dir, {"serving_default": serve},
                      functions={"__call__": serve}, extra_files=extra_files)

"""Saving Keras models: ``.keras`` zip files, SavedModel directories, weight files.

All formats are *data only*: JSON for the architecture (Keras 3's config format) and
``.npz`` arrays (``allow_pickle=False``) for the weights. Loading looks classes up in
minitf's registry and never imports or runs code from the file.

* ``model.save("m.keras")``: one zip with ``metadata.json``, ``config.json`` (the model,
  its ``compile`` arguments and build shape) and ``model.weights.npz``.
* ``model.save("m")`` (no extension): a SavedModel directory (the model's call traced
  for any batch size, and its variables: what ``tf.saved_model.load`` reads, without
  the Keras classes) that also holds the same three files (what
  ``keras.models.load_model`` reads back).
* ``save_weights("w.weights.h5")``: the weights alone, by position; the name keeps Keras's
  suffix but the content is an ``.npz`` archive (no HDF5 in minitf).

Every file is written to a temporary name and renamed, so a crash leaves the old file.

Example:
    >>> import os, tempfile
    >>> import minitf as tf
    >>> model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    >>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
    >>> model.save(path)
    >>> restored = tf.keras.models.load_model(path)
    >>> bool((restored.predict(tf.ones([1, 2]), verbose=0)
    ...       == model.predict(tf.ones([1, 2]), verbose=0)).all())
    True
"""

from __future__ import annotations

import datetime
import io
import json
import os
import zipfile
from typing import Any, Optional

import numpy as np

from minitf import errors, nest
from minitf.keras import functional as _f
from minitf.keras.serialization import deserialize_keras_object, serialize_keras_object
from minitf.train.atomic import (
    atomic_write_bytes, load_arrays, read_json, save_arrays,
)

__all__ = ["save_model", "load_model", "save_weights", "load_weights", "functional_config",
           "functional_from_config"]

KERAS_VERSION = "3.15.1"
_CONFIG, _METADATA, _WEIGHTS = "config.json", "metadata.json", "model.weights.npz"


# ---------------------------------------------------------------------------------------
# Functional graphs as JSON
# ---------------------------------------------------------------------------------------
def _kt_ref(t: _f.KerasTensor) -> dict:
    layer, node_index, tensor_index = t._keras_history
    return {"class_name": "__keras_tensor__",
            "config": {"shape": list(t.shape), "dtype": t.dtype,
                       "keras_history": [layer.name, node_index, tensor_index]}}


def functional_config(model: Any) -> dict:
    """Keras 3's config of a functional model: layers with their inbound nodes.

    Example:
        >>> import minitf as tf
        >>> x = tf.keras.Input((2,), name="x")
        >>> model = tf.keras.Model(x, tf.keras.layers.Dense(1, name="out")(x))
        >>> functional_config(model)["output_layers"]
        [['out', 0, 0]]
    """
    node_ids = {id(n) for n in model._functional_nodes}
    layers = []
    for layer in model._graph_layers:
        if type(layer).__name__ == "_OpLayer":
            raise ValueError(f"The functional model {model.name!r} applies a raw operator "
                             f"({layer.name}) to a KerasTensor; it cannot be saved as a config."
                             f" Wrap the operation in a keras.layers.Lambda layer.")
        entry = serialize_keras_object(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = []
        for index, node in enumerate(layer._inbound_nodes):
            if id(node) in node_ids and node.input_tensors:
                def ref(x: Any) -> Any:
                    return _kt_ref(x) if isinstance(x, _f.KerasTensor) else x
                entry["inbound_nodes"].append({
                    "node_index": index,
                    "args": nest.map_structure(ref, list(node.args)),
                    "kwargs": nest.map_structure(ref, node.kwargs) if node.kwargs else {}})
        layers.append(entry)

    def history(ts: list) -> list:
        return [list(_kt_ref(t)["config"]["keras_history"]) for t in ts]
    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": history(model._functional_inputs),
            "output_layers": history(model._functional_outputs)}


def functional_from_config(cls: type, config: dict, custom_objects: Optional[dict] = None
                           ) -> Any:
    """Rebuilds a functional model: re-creates each layer, then replays its calls.

    Example:
        >>> import minitf as tf
        >>> x = tf.keras.Input((2,))
        >>> model = tf.keras.Model(x, tf.keras.layers.Dense(1)(x))
        >>> clone = functional_from_config(tf.keras.Model, functional_config(model))
        >>> clone(tf.ones([1, 2])).shape
        TensorShape([1, 1])
    """
    layers, pending = {}, []
    for entry in config["layers"]:
        if entry["class_name"] == "InputLayer":
            cfg = entry["config"]
            layers[entry["name"]] = _f.InputLayer(batch_shape=cfg["batch_shape"],
                                                  dtype=cfg.get("dtype"), name=cfg.get("name"))
        else:
            layers[entry["name"]] = deserialize_keras_object(entry, custom_objects)
        for node in entry.get("inbound_nodes", []):
            pending.append((entry["name"], node))
    # (layer name, saved node index) -> the re-created node's outputs
    made: dict = {(name, 0): [layer.output] for name, layer in layers.items()
                  if isinstance(layer, _f.InputLayer)}

    def ready(x: Any) -> bool:
        return not (isinstance(x, dict) and x.get("class_name") == "__keras_tensor__") or \
            tuple(x["config"]["keras_history"][:2]) in made

    def resolve(x: Any) -> Any:
        if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
            name, node_index, tensor_index = x["config"]["keras_history"]
            return made[(name, node_index)][tensor_index]
        return x
    while pending:
        progressed = False
        for item in list(pending):
            name, node = item
            leaves = nest.flatten([node["args"], node["kwargs"]])
            if all(ready(v) for v in leaves if isinstance(v, dict)):
                args = _map_refs(resolve, node["args"])
                kwargs = _map_refs(resolve, node["kwargs"])
                out = layers[name](*args, **kwargs)
                made[(name, node["node_index"])] = nest.flatten(out)
                pending.remove(item)
                progressed = True
        if not progressed:
            raise ValueError("The saved functional model's graph is inconsistent: some layer "
                             "inputs are never produced. The file may be damaged.")

    def outputs(refs: list) -> Any:
        ts = [made[(n, i)][j] for n, i, j in refs]
        return ts[0] if len(ts) == 1 else ts
    model_cls = cls if cls.__name__ != "Model" else _functional_class()
    return model_cls(outputs(config["input_layers"]), outputs(config["output_layers"]),
                     name=config.get("name"), trainable=config.get("trainable", True))


def _map_refs(fn: Any, value: Any) -> Any:
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        return fn(value)
    if isinstance(value, list):
        return [_map_refs(fn, v) for v in value]
    if isinstance(value, dict):
        return {k: _map_refs(fn, v) for k, v in value.items()}
    return value


def _functional_class() -> type:
    from minitf.keras.model import Functional
    return Functional


# ---------------------------------------------------------------------------------------
# Weights
# ---------------------------------------------------------------------------------------
def _weight_arrays(model: Any) -> dict:
    # Keys keep the order (and say which weight it was): "0000:dense/kernel".
    return {f"{i:04d}:{getattr(v, 'path', v.name)}": v.numpy()
            for i, v in enumerate(model.weights)}


def _assign_weights(model: Any, arrays: dict, source: str, skip_mismatch: bool) -> None:
    keys = sorted(arrays)
    weights = model.weights
    if len(keys) != len(weights):
        raise ValueError(
            f"A total of {len(keys)} objects could not be loaded: the file {source} holds "
            f"{len(keys)} weights but model {model.name!r} has {len(weights)}. Build the same "
            f"architecture (call the model on data or model.build(shape) first).")
    for key, var in zip(keys, weights):
        value = arrays[key]
        if tuple(value.shape) != tuple(var.shape):
            if skip_mismatch:
                continue
            raise ValueError(f"Weight {key.split(':', 1)[1]} in {source} has shape "
                             f"{value.shape}, but the model's {var.path} has shape "
                             f"{tuple(var.shape)}.")
        var.assign(value.astype(var.dtype.as_numpy_dtype, copy=False))


def _ensure_built(model: Any) -> None:
    if not model.built:
        raise ValueError(f"Model {model.name!r} has not been built, so it has no weights to "
                         f"save or load yet. Call it on data, or model.build(input_shape).")


def save_weights(model: Any, filepath: Any, overwrite: bool = True) -> None:
    """Writes the model's weights (``.weights.h5`` or ``.weights.npz``; npz content).

    Example:
        >>> import os, tempfile
        >>> import minitf as tf
        >>> model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
        >>> save_weights(model, os.path.join(tempfile.mkdtemp(), "m.weights.h5"))
    """
    filepath = os.fspath(filepath)
    if not filepath.endswith((".weights.h5", ".weights.npz")):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: "
                         f"filepath={filepath}")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    _ensure_built(model)
    save_arrays(filepath, _weight_arrays(model))


def load_weights(model: Any, filepath: Any, skip_mismatch: bool = False) -> None:
    """Loads weights from :func:`save_weights`'s file or from a ``.keras`` file.

    Example:
        >>> import os, tempfile
        >>> import minitf as tf
        >>> model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.weights.h5")
        >>> save_weights(model, path)
        >>> load_weights(model, path)
    """
    filepath = os.fspath(filepath)
    _ensure_built(model)
    if filepath.endswith(".keras"):
        with zipfile.ZipFile(filepath) as z:
            arrays = _npz_from_bytes(z.read(_WEIGHTS), filepath)
    else:
        arrays = load_arrays(filepath, "Weights file")
    _assign_weights(model, arrays, filepath, skip_mismatch)


def _npz_from_bytes(data: bytes, source: str) -> dict:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except (ValueError, zipfile.BadZipFile, OSError) as e:
        raise errors.DataLossError(None, None, f"The weights in {source} are damaged or not "
                                   f"data-only ({e}).") from None


# ---------------------------------------------------------------------------------------
# Whole models
# ---------------------------------------------------------------------------------------
def _model_config(model: Any) -> dict:
    config = serialize_keras_object(model)
    config["compile_config"] = model.get_compile_config() if hasattr(
        model, "get_compile_config") else None
    config["build_config"] = model.get_build_config()
    return config


def _metadata() -> dict:
    return {"keras_version": KERAS_VERSION, "saved_by": "minitf",
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}


def save_model(model: Any, filepath: Any, overwrite: bool = True, **kwargs: Any) -> None:
    """Saves ``model`` as a ``.keras`` file, or as a directory when there is no extension.

    Raises:
        ValueError: for ``.h5`` paths or other extensions.

    Example:
        >>> import os, tempfile
        >>> import minitf as tf
        >>> model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
        >>> directory = os.path.join(tempfile.mkdtemp(), "my_model")
        >>> save_model(model, directory)
        >>> sorted(os.listdir(directory))
        ['config.json', 'metadata.json', 'model.weights.npz', 'saved_model.json', 'variables']
    """
    filepath = os.fspath(filepath)
    if filepath.endswith((".h5", ".hdf5")):
        raise ValueError("minitf does not write the legacy HDF5 format. Use a `.keras` path "
                         "(one file) or a path without extension (a SavedModel directory).")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    _ensure_built(model)
    config, weights = _model_config(model), _weight_arrays(model)
    if filepath.endswith(".keras"):
        buffer = io.BytesIO()
        npz = io.BytesIO()
        np.savez(npz, **weights)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(_METADATA, json.dumps(_metadata()))
            z.writestr(_CONFIG, json.dumps(config))
            z.writestr(_WEIGHTS, npz.getvalue())
        atomic_write_bytes(filepath, buffer.getvalue())
        return
    if os.path.splitext(filepath)[1]:
        raise ValueError(f"Invalid filepath extension for saving {filepath!r}: use `.keras` "
                         f"(one file) or no extension (a SavedModel directory).")
    # One atomic commit (tf.saved_model's directory swap) writes the SavedModel and
    # Keras's three files together.
    from minitf.saved_model.keras_export import save_keras_model
    npz = io.BytesIO()
    np.savez(npz, **weights)
    save_keras_model(model, filepath, extra_files={
        _WEIGHTS: npz.getvalue(), _CONFIG: json.dumps(config, indent=1).encode("utf-8"),
        _METADATA: json.dumps(_metadata(), indent=1).encode("utf-8")})


def load_model(filepath: Any, custom_objects: Optional[dict] = None, compile: bool = True,
               safe_mode: bool = True) -> Any:
    """Loads a model saved by ``model.save`` (``.keras`` file or directory).

    Raises:
        NotFoundError: if the path does not exist.
        DataLossError: if a file is damaged.
        ValueError: naming an unknown class (pass it in ``custom_objects``).

    Example:
        >>> import os, tempfile
        >>> import minitf as tf
        >>> model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.keras")
        >>> model.save(path)
        >>> type(load_model(path)).__name__
        'Sequential'
    """
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise errors.NotFoundError(None, None, f"No model found at {filepath}.")
    if os.path.isdir(filepath):
        config = read_json(os.path.join(filepath, _CONFIG), "Keras model config")
        arrays = load_arrays(os.path.join(filepath, _WEIGHTS), "Keras model weights")
    else:
        try:
            with zipfile.ZipFile(filepath) as z:
                config = json.loads(z.read(_CONFIG).decode("utf-8"))
                arrays = _npz_from_bytes(z.read(_WEIGHTS), filepath)
        except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError) as e:
            raise errors.DataLossError(None, None, f"{filepath} is not a valid .keras file "
                                       f"(damaged or not written by Keras): {e}") from None
    model = deserialize_keras_object(config, custom_objects)
    if not model.built and config.get("build_config"):
        model.build_from_config(config["build_config"])
    if compile and config.get("compile_config"):
        model.compile_from_config(config["compile_config"])
    _assign_weights(model, arrays, filepath, skip_mismatch=False)
    return model

"""How a ``Lambda`` layer's function is written to, and read from, a saved model.

Keras 3 stores a lambda as Python bytecode and refuses to load it unless told the file
is trusted (``safe_mode=False``). minitf never loads code from a file. The design (see
DESIGN.md, persistence) stores the lambda as its *traced graph* — equations over
registered primitives — so loading runs nothing but minitf ops. Until graph
serialization exists in this build, the function is stored by name, and loading finds it
among registered objects or ``custom_objects``.

Example:
    >>> import minitf as tf
    >>> from minitf.keras.saving_lambda import serialize_lambda
    >>> serialize_lambda(tf.keras.layers.Lambda(tf.math.square))["config"]
    'square'
"""

from __future__ import annotations

from typing import Any, Optional

__all__ = ["serialize_lambda", "deserialize_lambda"]


def serialize_lambda(layer: Any) -> dict:
    """A JSON description of ``layer.function`` (its traced graph when available)."""
    fn = layer.function
    traced = _traced_graph_config(layer)
    if traced is not None:
        return {"class_name": "TracedGraph", "config": traced}
    name = getattr(fn, "__name__", "<lambda>")
    return {"module": getattr(fn, "__module__", None), "class_name": "function",
            "config": name, "registered_name": name}


def _traced_graph_config(layer: Any) -> Optional[dict]:
    # Hook for graph serialization (minitf.saved_model / minitf.function): returns None
    # until a serializer for traced graphs is available.
    try:
        from minitf.saved_model import serialize_function  # type: ignore[attr-defined]
    except ImportError:
        return None
    spec = getattr(layer, "_build_shapes", None)
    if spec is None:
        return None
    return serialize_function(layer.function, spec, layer.dtype)


def deserialize_lambda(config: Any, custom_objects: Optional[dict] = None) -> Any:
    """The callable a serialized Lambda function describes.

    Raises:
        ValueError: when the function was stored by name and no registered or custom
            object has that name (the message says how to pass it).
    """
    if callable(config):
        return config
    if isinstance(config, dict) and config.get("class_name") == "TracedGraph":
        from minitf.saved_model import deserialize_function  # type: ignore[attr-defined]
        return deserialize_function(config["config"])
    name = config.get("config") if isinstance(config, dict) else str(config)
    module = config.get("module", "") if isinstance(config, dict) else ""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    from minitf.keras.serialization import _lookup_function, get_registered_object
    found = get_registered_object(name)
    if found is not None:
        return found
    try:
        return _lookup_function(module or "", name, None)
    except ValueError:
        raise ValueError(
            f"This model's Lambda layer wraps the Python function {name!r}, which a saved "
            f"file cannot carry as code. Pass it when loading: "
            f"keras.models.load_model(path, custom_objects={{{name!r}: your_function}}).") \
            from None

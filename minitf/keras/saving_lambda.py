"""A ``Lambda`` layer's function, saved as its traced graph (never as code).

Keras 3 stores a lambda as Python bytecode and refuses to load it unless the file is
trusted (``safe_mode=False``). minitf traces the function instead (``tf.function`` with
the batch axis left unknown) and writes the graph's equations as JSON: primitive names,
JSON-able parameters, literal constants. Loading rebuilds the graph and runs it with
``eval_graph`` — only registered primitives, nothing from the file is executed — so a
model loads in a process that never saw the lambda's source.

A function that cannot be traced on its own (it reads a variable, say) is stored by name;
loading it then needs ``custom_objects={name: fn}``.

Example:
    >>> import minitf as tf
    >>> from minitf.keras.saving_lambda import serialize_lambda, deserialize_lambda
    >>> layer = tf.keras.layers.Lambda(lambda x: x * 2.0 + 1.0)
    >>> _ = layer(tf.ones([3, 2]))
    >>> fn = deserialize_lambda(serialize_lambda(layer))
    >>> fn(tf.ones([1, 2])).numpy()
    array([[3., 3.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any, Optional

from minitf import dtypes as _dtypes
from minitf import nest
from minitf.core.graph import Graph, eval_graph
# The graph format is shared with tf.saved_model (one serializer for every saved graph);
# graph_to_json / graph_from_json stay importable from here.
from minitf.core.serialize import graph_from_json, graph_to_json
from minitf.core.spec import TensorSpec

__all__ = ["serialize_lambda", "deserialize_lambda", "graph_to_json", "graph_from_json"]


# ---------------------------------------------------------------------------------------
# Lambda functions
# ---------------------------------------------------------------------------------------
class TracedFunction:
    """A loaded Lambda function: runs its stored graph on the given tensors.

    Example:
        >>> import minitf as tf
        >>> cf = tf.function(lambda x: -x).get_concrete_function(tf.TensorSpec([None]))
        >>> fn = TracedFunction(graph_from_json(graph_to_json(cf.graph)), 0, {})
        >>> fn(tf.constant([1.0])).numpy()
        array([-1.], dtype=float32)
    """

    def __init__(self, graph: Graph, structure: Any, config: dict) -> None:
        self.graph, self._structure, self._config = graph, structure, config
        self.__name__ = config.get("name", "traced_function")

    def __call__(self, inputs: Any, **kwargs: Any) -> Any:
        from minitf.tensor import convert_to_tensor
        flat = [convert_to_tensor(x) for x in nest.flatten(inputs)]
        outs = eval_graph(self.graph, *flat)
        return nest.pack_sequence_as(self._structure, outs)


def _input_specs(layer: Any) -> Any:
    shapes = layer._build_shapes
    dtype = _dtypes.as_dtype(layer.dtype)

    def spec(shape: tuple) -> TensorSpec:
        dims = list(shape)
        if dims:
            dims[0] = None  # any batch size
        return TensorSpec(dims, dtype)
    from minitf.keras.layer import map_shapes
    return map_shapes(spec, shapes)


def _trace(layer: Any) -> Optional[dict]:
    import minitf
    if not hasattr(minitf, "function") or getattr(layer, "_build_shapes", None) is None:
        return None
    fn, arguments = layer.function, dict(layer.arguments)
    if isinstance(fn, TracedFunction):
        return fn._config
    specs = _input_specs(layer)
    try:
        traced = minitf.function(lambda x: fn(x, **arguments))
        cf = traced.get_concrete_function(specs)
        graph_json = graph_to_json(cf.graph)
    except Exception:  # untraceable or not self-contained: fall back to the name
        return None
    structure = nest.map_structure(lambda _: 0, cf.structured_outputs)
    return {"name": getattr(fn, "__name__", "<lambda>"), "graph": graph_json,
            "output_structure": structure}


def serialize_lambda(layer: Any) -> dict:
    """The function of a built Lambda layer as a traced graph (else by name).

    Example:
        >>> import minitf as tf
        >>> layer = tf.keras.layers.Lambda(lambda x: x * 3.0)
        >>> _ = layer(tf.ones([1, 2]))
        >>> serialize_lambda(layer)["class_name"]
        'TracedGraph'
    """
    traced = _trace(layer)
    if traced is not None:
        return {"class_name": "TracedGraph", "config": traced}
    fn = layer.function
    name = getattr(fn, "__name__", "<lambda>")
    return {"module": getattr(fn, "__module__", None), "class_name": "function",
            "config": name, "registered_name": name}


def deserialize_lambda(config: Any, custom_objects: Optional[dict] = None) -> Any:
    """The callable a serialized Lambda function describes.

    Raises:
        ValueError: when the function was stored by name and no registered or custom
            object has that name (the message says how to pass it).

    Example:
        >>> import minitf as tf
        >>> deserialize_lambda({"class_name": "function", "config": "relu",
        ...                     "module": "keras.activations"}) is tf.keras.activations.relu
        True
    """
    if callable(config):
        return config
    if isinstance(config, dict) and config.get("class_name") == "TracedGraph":
        cfg = config["config"]
        if custom_objects and cfg.get("name") in custom_objects:
            return custom_objects[cfg["name"]]
        return TracedFunction(graph_from_json(cfg["graph"]), cfg.get("output_structure", 0),
                              cfg)
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
            f"This model's Lambda layer wraps the Python function {name!r}, which could not "
            f"be traced into a graph when it was saved, and a saved file does not carry "
            f"code. Pass it when loading: keras.models.load_model(path, "
            f"custom_objects={{{name!r}: your_function}}).") from None

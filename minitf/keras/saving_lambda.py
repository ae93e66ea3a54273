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

import numpy as np

from minitf import dtypes as _dtypes
from minitf import nest
from minitf.core.graph import Eqn, Graph, Lit, Var, eval_graph
from minitf.core.primitive import get_primitive
from minitf.core.spec import TensorSpec

__all__ = ["serialize_lambda", "deserialize_lambda", "graph_to_json", "graph_from_json"]


# ---------------------------------------------------------------------------------------
# Graph <-> JSON
# ---------------------------------------------------------------------------------------
def _to_json(value: Any) -> Any:
    if isinstance(value, Graph):
        return {"__graph__": graph_to_json(value)}
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[k, _to_json(v)] for k, v in value.items()]}
    if isinstance(value, (np.generic,)):
        return value.item()
    if isinstance(value, _dtypes.DType):
        return {"__dtype__": value.name}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot store the parameter {value!r} of a traced graph as JSON")


def _from_json(value: Any) -> Any:
    # Params were tuples (JSON lists), dicts, graphs or scalars.
    if isinstance(value, list):
        return tuple(_from_json(v) for v in value)
    if isinstance(value, dict):
        if "__graph__" in value:
            return graph_from_json(value["__graph__"])
        if "__dtype__" in value:
            return _dtypes.as_dtype(value["__dtype__"])
        return {k: _from_json(v) for k, v in value["__dict__"]}
    return value


def graph_to_json(graph: Graph) -> dict:
    """A JSON-ready description of a graph without captures.

    Raises:
        ValueError: if the graph captures variables or outer tensors.

    Example:
        >>> import minitf as tf
        >>> cf = tf.function(lambda x: x * 2.0).get_concrete_function(tf.TensorSpec([None]))
        >>> [e["prim"] for e in graph_to_json(cf.graph)["eqns"]]
        ['mul']
    """
    if graph.captures:
        raise ValueError(f"graph {graph.name} reads {len(graph.captures)} outside value(s) "
                         f"(variables or tensors); only self-contained graphs are stored.")
    ids: dict = {}

    def new_var(v: Var) -> dict:
        ids[id(v)] = len(ids)
        return {"id": ids[id(v)], "shape": list(v.shape), "dtype": v.dtype.name}

    def atom(a: Any) -> dict:
        if isinstance(a, Lit):
            arr = np.asarray(a.value)
            return {"lit": arr.tolist(), "shape": list(arr.shape), "dtype": a.dtype.name}
        return {"var": ids[id(a)]}
    inputs = [new_var(v) for v in graph.inputs]
    eqns = []
    for e in graph.eqns:
        ins = [atom(a) for a in e.inputs]
        eqns.append({"prim": e.prim.name, "inputs": ins, "params": _to_json(e.params),
                     "outputs": [new_var(o) for o in e.outputs]})
    return {"name": graph.name, "inputs": inputs, "eqns": eqns,
            "outputs": [atom(a) for a in graph.outputs]}


def graph_from_json(data: dict) -> Graph:
    """Rebuilds :func:`graph_to_json`'s graph; primitives are looked up by name only.

    Example:
        >>> import minitf as tf
        >>> from minitf.core.graph import eval_graph
        >>> cf = tf.function(lambda x: x + 1.0).get_concrete_function(tf.TensorSpec([None]))
        >>> g = graph_from_json(graph_to_json(cf.graph))
        >>> eval_graph(g, tf.constant([1.0]))[0].numpy()
        array([2.], dtype=float32)
    """
    vars_: dict = {}

    def new_var(d: dict) -> Var:
        v = Var(TensorSpec(d["shape"], _dtypes.as_dtype(d["dtype"])))
        vars_[d["id"]] = v
        return v

    def atom(d: dict) -> Any:
        if "lit" in d:
            dtype = _dtypes.as_dtype(d["dtype"])
            return Lit(np.asarray(d["lit"], dtype=dtype.np).reshape(d["shape"]), dtype)
        return vars_[d["var"]]
    inputs = [new_var(d) for d in data["inputs"]]
    eqns = []
    for e in data["eqns"]:
        ins = tuple(atom(a) for a in e["inputs"])
        params = _from_json(e["params"])
        eqns.append(Eqn(get_primitive(e["prim"]), ins, params,
                        tuple(new_var(o) for o in e["outputs"])))
    return Graph(inputs, eqns, [atom(a) for a in data["outputs"]],
                 name=str(data.get("name", "graph")))


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

"""Graphs as data: a :class:`~minitf.core.graph.Graph` to JSON and back, running no code.

One format serves every place minitf stores a traced function (a SavedModel's concrete
functions, a Keras ``Lambda`` layer). A graph is written as::

    {"name": "f",
     "inputs":  [{"id": 0, "shape": [3], "dtype": "int32", "hint": "x"}, ...],
     "eqns":    [{"prim": "mul", "inputs": [{"var": 0}, {"var": 1}],
                  "params": {}, "outputs": [{"id": 2, "shape": [3], "dtype": "int32"}]}],
     "outputs": [{"var": 2}],
     "captures": [{"node": 1}],        # only for graphs that read outside values
     "assigned": []}

* a **primitive** is stored by name and looked up in ``PRIMITIVES`` when loading, so a
  loaded graph can only ever call registered primitives;
* **params** are JSON values: tuples become lists, and a few tagged objects cover the
  rest (``{"__graph__": ...}`` for the body of a ``cond``/``while``/``call``,
  ``{"__dtype__": "float32"}``, ``{"__dict__": [[k, v], ...]}``, ``{"__float__": "nan"}``).
  A param that is not data (a Python function, an object) cannot be stored: saving
  fails with an error naming the graph, the equation and the parameter;
* a **literal** (a constant the function used) is written inline when it is small, and
  otherwise into an arrays file (``{"array": "c3", ...}``; see ``arrays`` below);
* a **capture** (a variable the graph reads) is written as whatever ``capture_ref``
  returns — a SavedModel stores the variable's node id in its object graph. A graph held
  in a param (a branch, a called function) runs on the inputs its equation passes, so
  its captures are kept only when they can be named (for the listing).

Loading validates everything it reads (names, dtypes, shapes, param keys and types) and
finally re-derives every type with :func:`~minitf.core.graph.typecheck`; anything that
does not fit raises ``DataLossError`` naming the graph and what was wrong. Nothing read
from the file is ever evaluated: the straight-line compiler later writes param *values*
with ``repr`` (always a literal) and only after checking param *keys* are identifiers.

Example:
    >>> import minitf as tf
    >>> from minitf.core.graph import eval_graph
    >>> cf = tf.function(lambda x: x * 2.0 + 1.0).get_concrete_function(
    ...     tf.TensorSpec([None], tf.float32))
    >>> data = graph_to_json(cf.graph)
    >>> [e["prim"] for e in data["eqns"]]
    ['mul', 'add']
    >>> eval_graph(graph_from_json(data), tf.constant([1.0, 2.0]))[0].numpy()
    array([3., 5.], dtype=float32)
"""

from __future__ import annotations

import base64
import keyword
import math
from typing import Any, Callable, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf import errors
from minitf.core.graph import Eqn, Graph, Lit, Var, typecheck
from minitf.core.primitive import PRIMITIVES
from minitf.core.spec import TensorSpec

__all__ = ["graph_to_json", "graph_from_json", "dtype_from_json", "shape_from_json",
           "INLINE_LIMIT"]

# Literals with at most this many elements are written into the JSON itself (readable
# in the file); larger ones go to the arrays file, where they cost no parsing.
INLINE_LIMIT = 16
_DTYPES = {d.name: d for d in _dtypes.ALL_DTYPES}
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


# ---------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------
class _Writer:
    """What one :func:`graph_to_json` call shares across nested graphs."""

    def __init__(self, capture_ref: Optional[Callable[[Any], Any]],
                 arrays: Optional[dict]) -> None:
        self.capture_ref = capture_ref
        self.arrays = arrays
        self.array_names: dict = {}  # id(buffer) -> name: a literal used twice is stored once

    def literal(self, lit: Lit) -> dict:
        from minitf.core.graph import lit_tensor
        from minitf.tensor import host_array
        arr = host_array(lit_tensor(lit))
        head = {"shape": list(arr.shape), "dtype": lit.dtype.name}
        if self.arrays is not None and (arr.size > INLINE_LIMIT or lit.dtype is _dtypes.string):
            name = self.array_names.get(id(lit.value))
            if name is None:
                name = self.array_names[id(lit.value)] = f"c{len(self.arrays)}"
                self.arrays[name] = arr
            return {"array": name, **head}
        if lit.dtype is _dtypes.string:
            return {"lit_b64": [base64.b64encode(bytes(x)).decode("ascii")
                                for x in arr.ravel()], **head}
        flat = arr.ravel().tolist()
        if lit.dtype.is_floating:
            flat = [x if math.isfinite(x) else repr(x) for x in flat]  # "nan", "inf"
        return {"lit": flat[0] if arr.ndim == 0 else flat, **head}


def _param_to_json(value: Any, writer: _Writer, where: Callable[[], str]) -> Any:
    if isinstance(value, Graph):
        return {"__graph__": _graph(value, writer, nested=True)}
    if isinstance(value, (list, tuple)):
        return [_param_to_json(v, writer, where) for v in value]
    if isinstance(value, dict) and all(isinstance(k, (str, int)) for k in value):
        return {"__dict__": [[k, _param_to_json(v, writer, where)] for k, v in value.items()]}
    if isinstance(value, _dtypes.DType):
        return {"__dtype__": value.name}
    if isinstance(value, np.generic) and not isinstance(value, np.object_):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(value)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(
        f"{where()} holds {value!r} ({type(value).__name__}), a Python object rather than "
        f"data, so it cannot be saved (minitf stores graphs as data and never stores "
        f"code). Compute this part with minitf ops on tensors, or keep it outside the "
        f"saved tf.function (for a tf.custom_gradient, save the function without it).")


def _graph(graph: Graph, writer: _Writer, nested: bool = False) -> dict:
    ids: dict = {}

    def new_var(v: Var) -> dict:
        ids[id(v)] = len(ids)
        d = {"id": ids[id(v)], "shape": list(v.shape), "dtype": v.dtype.name}
        if v.hint:
            d["hint"] = v.hint
        return d

    def atom(a: Any) -> dict:
        return writer.literal(a) if isinstance(a, Lit) else {"var": ids[id(a)]}

    if graph.captures and not nested and writer.capture_ref is None:
        raise ValueError(f"graph {graph.name} reads {len(graph.captures)} outside value(s) "
                         f"(variables or tensors); only self-contained graphs are stored.")
    inputs = [new_var(v) for v in graph.inputs]
    eqns = []
    for i, e in enumerate(graph.eqns):
        if PRIMITIVES.get(e.prim.name) is not e.prim:
            raise TypeError(
                f"graph {graph.name}, equation {i}: primitive {e.prim.name!r} is not "
                f"registered (tf.custom_gradient and other tape-only primitives are never "
                f"part of a saved graph), so a loaded graph could not name it.")

        def where(i: int = i, e: Eqn = e) -> str:
            return f"graph {graph.name}, equation {i} ({e.prim.name})"
        params = {}
        for k, v in e.params.items():
            params[k] = _param_to_json(v, writer, lambda k=k: f"{where()}: parameter {k!r}")
        eqns.append({"prim": e.prim.name, "inputs": [atom(a) for a in e.inputs],
                     "params": params, "outputs": [new_var(o) for o in e.outputs]})
    out = {"name": graph.name, "inputs": inputs, "eqns": eqns,
           "outputs": [atom(a) for a in graph.outputs]}
    if graph.captures and not nested:
        out["captures"] = [writer.capture_ref(c) for c in graph.captures]
    elif graph.captures and writer.capture_ref is not None:
        # A nested graph runs on the inputs its equation passes; its captures are only
        # names for the listing, kept when they can be named.
        try:
            out["captures"] = [writer.capture_ref(c) for c in graph.captures]
        except ValueError:
            pass
    if graph.assigned:
        out["assigned"] = list(graph.assigned)
    return out


def graph_to_json(graph: Graph, *, capture_ref: Optional[Callable[[Any], Any]] = None,
                  arrays: Optional[dict] = None) -> dict:
    """A JSON-ready description of ``graph`` (see the module docstring for the format).

    Args:
        graph: the graph.
        capture_ref: maps each captured object (a ``tf.Variable``) to a JSON value naming
            it; it raises if the object cannot be named. Without it, only graphs with no
            captures can be written.
        arrays: a dict that receives the large literals (name -> ndarray), for the
            caller to write to an arrays file. Without it, every literal is inline.

    Raises:
        ValueError: if the graph has captures and no ``capture_ref`` is given.
        TypeError: naming the equation and parameter, if a param is not data.

    Example:
        >>> import minitf as tf
        >>> cf = tf.function(lambda x: x * 2.0).get_concrete_function(tf.TensorSpec([None]))
        >>> [e["prim"] for e in graph_to_json(cf.graph)["eqns"]]
        ['mul']
    """
    return _graph(graph, _Writer(capture_ref, arrays))


# ---------------------------------------------------------------------------------------
# Reading: every value is checked before use
# ---------------------------------------------------------------------------------------
class _Invalid(Exception):
    """A description that does not fit the format (turned into DataLossError)."""


def _expect(ok: bool, what: str) -> None:
    if not ok:
        raise _Invalid(what)


def dtype_from_json(name: Any) -> _dtypes.DType:
    """The DType a stored name denotes (only minitf's own dtype names are accepted).

    Example:
        >>> dtype_from_json("float32")
        tf.float32
    """
    _expect(isinstance(name, str) and name in _DTYPES, f"unknown dtype {name!r}")
    return _DTYPES[name]


def shape_from_json(shape: Any) -> tuple:
    """A stored shape (a list of non-negative ints or None) as a tuple.

    Example:
        >>> shape_from_json([None, 3])
        (None, 3)
    """
    _expect(isinstance(shape, list) and all(
        d is None or (type(d) is int and d >= 0) for d in shape), f"bad shape {shape!r}")
    return tuple(shape)


def _param_from_json(value: Any, reader: "_Reader") -> Any:
    if isinstance(value, list):
        return tuple(_param_from_json(v, reader) for v in value)
    if isinstance(value, dict):
        _expect(len(value) == 1, f"bad parameter {value!r}")
        (tag, body), = value.items()
        if tag == "__graph__":
            return reader.graph(body, nested=True)
        if tag == "__dtype__":
            return dtype_from_json(body)
        if tag == "__float__":
            _expect(body in _NONFINITE, f"bad float {body!r}")
            return _NONFINITE[body]
        _expect(tag == "__dict__" and isinstance(body, list), f"bad parameter tag {tag!r}")
        out = {}
        for item in body:
            _expect(isinstance(item, list) and len(item) == 2
                    and isinstance(item[0], (str, int)), f"bad dict item {item!r}")
            out[item[0]] = _param_from_json(item[1], reader)
        return out
    _expect(value is None or isinstance(value, (bool, int, float, str)),
            f"bad parameter {value!r}")
    return value


def _check_program(params: dict) -> None:
    # A fused chain names primitives inside its params; only fusible ones may appear.
    from minitf.backends.fusion import FUSIBLE
    for step in params.get("program", ()):
        _expect(isinstance(step, tuple) and step and step[0] in FUSIBLE and all(
            isinstance(a, (int, float)) for a in step[1:]), f"bad fused step {step!r}")


class _Reader:
    def __init__(self, captures: Optional[Callable[[Any], Any]],
                 arrays: Optional[dict]) -> None:
        self.captures = captures
        self.arrays = arrays

    def literal(self, d: dict) -> Lit:
        dtype = dtype_from_json(d.get("dtype"))
        shape = shape_from_json(d.get("shape"))
        _expect(None not in shape, "a literal with an unknown size")
        if "array" in d:
            _expect(self.arrays is not None and d["array"] in self.arrays,
                    f"literal array {d['array']!r} is missing from the arrays file")
            arr = self.arrays[d["array"]]
            _expect(tuple(arr.shape) == shape, f"literal {d['array']!r} has shape "
                    f"{arr.shape} in the arrays file but {list(shape)} in the graph")
            arr = arr.astype(object) if dtype is _dtypes.string else \
                arr.astype(dtype.np, copy=False)
        elif "lit_b64" in d:
            _expect(dtype is _dtypes.string and isinstance(d["lit_b64"], list), "bad string")
            arr = np.array([base64.b64decode(s.encode("ascii"), validate=True)
                            for s in d["lit_b64"]], dtype=object)
        else:
            flat = d.get("lit")
            flat = flat if isinstance(flat, list) else [flat]
            _expect(all(isinstance(x, (bool, int, float)) or x in _NONFINITE
                        for x in np.ravel(np.asarray(flat, dtype=object))),
                    f"bad literal {flat!r}")
            arr = np.asarray([_NONFINITE.get(x, x) if isinstance(x, str) else x
                              for x in np.ravel(np.asarray(flat, dtype=object))])
            arr = arr.astype(dtype.np)
        _expect(arr.size == int(np.prod(shape, dtype=np.int64)),
                f"literal has {arr.size} elements but shape {list(shape)}")
        arr = arr.reshape(shape)
        # A rank-0 constant is a NumPy scalar, as in a freshly traced graph.
        return Lit(arr[()] if arr.ndim == 0 and dtype is not _dtypes.string else arr, dtype)

    def graph(self, data: Any, nested: bool = False) -> Graph:
        _expect(isinstance(data, dict), "a graph must be an object")
        name = data.get("name", "graph")
        _expect(isinstance(name, str), "bad graph name")
        vars_: dict = {}

        def new_var(d: Any) -> Var:
            _expect(isinstance(d, dict) and type(d.get("id")) is int
                    and d["id"] not in vars_, f"bad or repeated value id in {d!r}")
            hint = d.get("hint")
            _expect(hint is None or isinstance(hint, str), "bad hint")
            v = Var(TensorSpec(shape_from_json(d.get("shape")), dtype_from_json(d.get("dtype"))),
                    hint)
            vars_[d["id"]] = v
            return v

        def atom(d: Any) -> Any:
            _expect(isinstance(d, dict), f"bad atom {d!r}")
            if "var" in d:
                _expect(d["var"] in vars_, f"value {d['var']!r} used before it is defined")
                return vars_[d["var"]]
            return self.literal(d)

        inputs = [new_var(d) for d in _as_list(data.get("inputs"))]
        eqns = []
        for e in _as_list(data.get("eqns")):
            _expect(isinstance(e, dict), "bad equation")
            prim = PRIMITIVES.get(e.get("prim"))
            _expect(prim is not None, f"unknown primitive {e.get('prim')!r} (written by "
                    f"another minitf version, or tampered with)")
            params = e.get("params", {})
            _expect(isinstance(params, dict), "bad params")
            for k in params:  # keys become keyword names in generated code: identifiers only
                _expect(isinstance(k, str) and k.isidentifier() and not keyword.iskeyword(k),
                        f"bad parameter name {k!r}")
            params = {k: _param_from_json(v, self) for k, v in params.items()}
            if prim.name == "fused_elementwise":
                _check_program(params)
            ins = tuple(atom(a) for a in _as_list(e.get("inputs")))
            outs = tuple(new_var(o) for o in _as_list(e.get("outputs")))
            eqns.append(Eqn(prim, ins, params, outs))
        outputs = [atom(a) for a in _as_list(data.get("outputs"))]
        captures = []
        if "captures" in data and (self.captures is not None or not nested):
            _expect(self.captures is not None, "a graph with captures needs a capture table")
            captures = [self.captures(ref) for ref in _as_list(data["captures"])]
            _expect(len(captures) <= len(inputs), "more captures than inputs")
        assigned = _as_list(data.get("assigned", []))
        _expect(all(type(i) is int and 0 <= i < len(inputs) for i in assigned)
                and len(assigned) <= len(outputs), f"bad assigned {assigned!r}")
        graph = Graph(inputs, eqns, outputs, captures=captures, assigned=assigned, name=name)
        try:
            typecheck(graph)
        except Exception as e:  # a rule rejecting tampered params, or a type mismatch
            raise _Invalid(f"it does not typecheck: {e}") from None
        return graph


def _as_list(x: Any) -> list:
    _expect(isinstance(x, list), f"expected a list, got {type(x).__name__}")
    return x


def graph_from_json(data: Any, *, captures: Optional[Callable[[Any], Any]] = None,
                    arrays: Optional[dict] = None, source: str = "the saved file") -> Graph:
    """Rebuilds :func:`graph_to_json`'s graph, checking every value it reads.

    Args:
        data: the JSON description.
        captures: maps each stored capture reference back to its object.
        arrays: the arrays file's contents (for literals stored there).
        source: what to call the file in error messages.

    Raises:
        DataLossError: naming the graph and the problem, if the description is damaged,
            tampered with, or names an unknown primitive.

    Example:
        >>> import minitf as tf
        >>> from minitf.core.graph import eval_graph
        >>> cf = tf.function(lambda x: x + 1.0).get_concrete_function(tf.TensorSpec([None]))
        >>> g = graph_from_json(graph_to_json(cf.graph))
        >>> eval_graph(g, tf.constant([1.0]))[0].numpy()
        array([2.], dtype=float32)
    """
    try:
        return _Reader(captures, arrays).graph(data)
    except errors.OpError:
        raise
    except Exception as e:  # any failure to rebuild means the description is damaged
        name = data.get("name") if isinstance(data, dict) else None
        raise errors.DataLossError(
            None, None, f"{source}: the stored graph {name!r} is damaged or was tampered "
            f"with ({e}). Save the model again with this minitf.") from None

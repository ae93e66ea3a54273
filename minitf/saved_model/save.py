"""``tf.saved_model.save``: an object's functions, graphs and variables, as data.

The object tree is walked from the root (attributes of modules and plain objects,
elements of lists, tuples and dicts, the ``_checkpoint_children`` of Keras objects),
and every object found becomes a *node* of the saved object graph:

* a ``tf.Variable`` — its dtype, shape, trainability and checkpoint key; the values go
  into a checkpoint of the root under ``variables/`` (TF's layout and keys);
* a ``tf.function`` — its Python signature and every concrete function it traced (one
  with an ``input_signature`` that was never called is traced now, as TF does);
* other objects and containers — their children by name.

A concrete function is its trace's signature, its output structure and its graph; the
graph's captured variables are written as references to their nodes, so the loaded
function reads the loaded variables. The directory holds::

    saved_model.json     format, version, checksum; nodes, functions, graphs, signatures
    constants.npz        literals too large for the JSON (only when there are some)
    variables/           variables.index + variables.data-00000-of-00001

and is written all at once (:mod:`minitf.saved_model.directory`).

Example:
    >>> import os, tempfile
    >>> import minitf as tf
    >>> class Scale(tf.Module):
    ...     def __init__(self):
    ...         self.s = tf.Variable(2.0)
    ...     @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    ...     def __call__(self, x):
    ...         return x * self.s
    >>> path = os.path.join(tempfile.mkdtemp(), "scale")
    >>> tf.saved_model.save(Scale(), path)
    >>> sorted(os.listdir(path))
    ['saved_model.json', 'variables']
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from typing import Any, Optional

import numpy as np

from minitf.concrete_function import ConcreteFunction
from minitf.core.serialize import graph_to_json
from minitf.function import Function
from minitf.saved_model import directory
from minitf.saved_model.restored import SignatureMap
from minitf.saved_model.signatures import signature_entry
from minitf.saved_model.structure import (
    signature_to_json, specs_to_json, template_to_json, type_to_json,
)
from minitf.train import atomic
from minitf.train.checkpoint import index_path, write_checkpoint
from minitf.train.object_graph import _SKIP_ATTRIBUTES, is_trackable, variable_keys
from minitf.variables import Variable

__all__ = ["save", "write_saved_model", "SaveOptions", "FORMAT", "VERSION", "MARKER",
           "CONSTANTS", "VARIABLES_PREFIX", "canonical_json"]

FORMAT = "minitf-saved-model"
VERSION = 1
MARKER = "saved_model.json"
CONSTANTS = "constants.npz"
VARIABLES_PREFIX = os.path.join("variables", "variables")
_SKIP = _SKIP_ATTRIBUTES | {"_minitf_bound_functions"}


class SaveOptions:
    """``tf.saved_model.SaveOptions``: accepted for compatibility (no option changes
    what minitf writes).

    Example:
        >>> SaveOptions(experimental_custom_gradients=False).experimental_custom_gradients
        False
    """

    def __init__(self, namespace_whitelist: Any = None, save_debug_info: bool = False,
                 function_aliases: Any = None, experimental_io_device: Any = None,
                 experimental_variable_policy: Any = None,
                 experimental_custom_gradients: bool = True, **kwargs: Any) -> None:
        self.namespace_whitelist = namespace_whitelist
        self.save_debug_info = save_debug_info
        self.function_aliases = function_aliases
        self.experimental_io_device = experimental_io_device
        self.experimental_variable_policy = experimental_variable_policy
        self.experimental_custom_gradients = experimental_custom_gradients


def canonical_json(payload: Any) -> bytes:
    """The bytes the checksum covers: compact, sorted JSON (no NaN, which JSON lacks).

    Example:
        >>> canonical_json({"b": [1, 2.5], "a": None})
        b'{"a":null,"b":[1,2.5]}'
    """
    return json.dumps(payload, sort_keys=True, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


# ---------------------------------------------------------------------------------------
# The object walk
# ---------------------------------------------------------------------------------------
def _is_function(value: Any) -> bool:
    return isinstance(value, (Function, ConcreteFunction))


def _saveable(value: Any, depth: int = 0) -> bool:
    if _is_function(value) or is_trackable(value):
        return not isinstance(value, SignatureMap)
    if depth < 20 and isinstance(value, (list, tuple)):
        return any(_saveable(v, depth + 1) for v in value)
    if depth < 20 and isinstance(value, dict):
        return any(_saveable(v, depth + 1) for v in value.values())
    return False


def _unwrap(obj: Any) -> Any:
    # A variable view (what `assign` returns) stands for the variable itself.
    return getattr(obj, "_parent", obj) if isinstance(obj, Variable) else obj


def children(obj: Any) -> list:
    """``[(name or key, child)]``: what the SavedModel keeps of ``obj``, in order.

    Example:
        >>> import minitf as tf
        >>> class M(tf.Module):
        ...     def __init__(self):
        ...         self.w = tf.Variable(1.0)
        ...         self.note = "not saved"
        ...     @tf.function
        ...     def f(self, x):
        ...         return x * self.w
        >>> [name for name, _ in children(M())]
        ['w', 'f']
    """
    if isinstance(obj, (Variable, Function, ConcreteFunction)):
        return []
    if isinstance(obj, (list, tuple)):
        return [(i, v) for i, v in enumerate(obj) if _saveable(v)]
    if isinstance(obj, dict):
        return [(k, v) for k, v in obj.items() if _saveable(v)]
    own = getattr(type(obj), "_checkpoint_children", None)
    attributes = own(obj) if own is not None else getattr(obj, "__dict__", {})
    out = [(k, v) for k, v in attributes.items()
           if k not in _SKIP and (not k.startswith("__") or k == "__call__") and _saveable(v)]
    # tf.function methods live on the class; reading one binds it to this object.
    names = {k for k, _ in out}
    for klass in type(obj).__mro__:
        for name, value in sorted(vars(klass).items()):
            if isinstance(value, Function) and name not in names \
                    and name not in getattr(obj, "__dict__", {}):
                names.add(name)
                out.append((name, getattr(obj, name)))
    return out


def _walk(root: Any, extra: dict) -> list:
    """Every object reachable from ``root`` once, breadth first (the root first)."""
    order, seen = [root], {id(root)}
    queue = [root]
    while queue:
        obj = queue.pop(0)
        kids = children(obj) + (list(extra.items()) if obj is root else [])
        for _, child in kids:
            child = _unwrap(child)
            if id(child) not in seen:
                seen.add(id(child))
                order.append(child)
                queue.append(child)
    return order


# ---------------------------------------------------------------------------------------
# The exporter
# ---------------------------------------------------------------------------------------
class _Exporter:
    def __init__(self, root: Any, extra: dict) -> None:
        self.root, self.extra = root, extra
        # Trace what TF traces at save time: tf.functions with an input_signature.
        for obj in _walk(root, extra):
            if isinstance(obj, Function) and obj.input_signature is not None \
                    and not obj._cache:
                obj.get_concrete_function()
        self.objects = _walk(root, extra)
        self.ids = {id(o): i for i, o in enumerate(self.objects)}
        self.keys = {id(v): k for k, v in variable_keys(root).items()}
        self.concrete: list = []
        self.cf_ids: dict = {}
        self.graphs: list = []
        self.graph_ids: dict = {}
        self.arrays: dict = {}

    # -- nodes ----------------------------------------------------------------------
    def nodes(self) -> list:
        return [self.node(o) for o in self.objects]

    def node(self, obj: Any) -> dict:
        if isinstance(obj, Variable):
            key = self.keys.get(id(obj))
            if key is None:
                raise ValueError(f"The variable {obj.name} is reachable only through a "
                                 f"tf.function attribute; keep it as an attribute too.")
            return {"kind": "variable", "name": obj._name, "dtype": obj.dtype.name,
                    "shape": list(obj._shape), "trainable": bool(obj.trainable),
                    "checkpoint_key": key}
        if isinstance(obj, Function):
            return self.function(obj)
        if isinstance(obj, ConcreteFunction):
            owner = obj._owner
            return {"kind": "concrete_function", "concrete_function": self.cf(obj, obj.name),
                    "python_signature": signature_to_json(owner._signature),
                    "name": owner._name}
        items = [(k, self.ids[id(_unwrap(v))])
                 for k, v in children(obj) + (list(self.extra.items()) if obj is self.root
                                              else [])]
        if isinstance(obj, (list, tuple)):
            kind = "list" if isinstance(obj, list) else "tuple"
            return {"kind": kind, "items": [i for _, i in items]}
        if isinstance(obj, dict):
            for k, _ in items:
                if not (k is None or isinstance(k, (str, int, bool))):
                    raise ValueError(f"Cannot save the dict key {k!r}: a SavedModel stores "
                                     f"dicts with string, number, bool or None keys.")
            return {"kind": "dict", "items": [[k, i] for k, i in items]}
        if any(k == "signatures" for k, _ in items):
            raise ValueError(f"Cannot save the attribute 'signatures' of {type(obj).__name__}: "
                             f"a loaded object uses that name for its serving signatures. "
                             f"Rename the attribute (and pass signatures=... to save).")
        return {"kind": "user_object", "class_name": type(obj).__name__,
                "children": [[str(k), i] for k, i in items]}

    def function(self, fn: Function) -> dict:
        cfs, seen = [], set()
        for cf in fn._cache.values():
            if id(cf) not in seen:
                seen.add(id(cf))
                cfs.append(self.cf(cf, fn._name))
        return {"kind": "function", "name": fn._name,
                "python_signature": signature_to_json(fn._signature),
                "input_signature": None if fn.input_signature is None
                else specs_to_json(fn.input_signature),
                "reduce_retracing": fn._reduce_retracing, "concrete_functions": cfs}

    # -- concrete functions and graphs -------------------------------------------------
    def cf(self, cf: ConcreteFunction, fn_name: str) -> int:
        got = self.cf_ids.get(id(cf))
        if got is not None:
            return got
        try:
            params = [[n, k, type_to_json(t, f"argument {n!r}")] for n, k, t, _ in cf._key_params]
            entry = {"name": cf.graph.name, "graph": self.graph(cf.graph), "params": params,
                     "outputs": template_to_json(cf._template)}
        except (TypeError, ValueError) as e:
            raise ValueError(f"Cannot save tf.function {fn_name!r} (concrete function "
                             f"{cf.name}): {e}") from None
        self.cf_ids[id(cf)] = len(self.concrete)
        self.concrete.append(entry)
        return self.cf_ids[id(cf)]

    def graph(self, graph: Any) -> int:
        got = self.graph_ids.get(id(graph))
        if got is None:
            data = graph_to_json(graph, capture_ref=self.capture_ref, arrays=self.arrays)
            got = self.graph_ids[id(graph)] = len(self.graphs)
            self.graphs.append(data)
        return got

    def capture_ref(self, obj: Any) -> dict:
        obj = _unwrap(obj)
        if isinstance(obj, Variable):
            node = self.ids.get(id(obj))
            if node is None:
                raise ValueError(
                    f"it reads the variable {obj.name} (shape {tuple(obj._shape)}), which is "
                    f"not reachable from the object being saved (an 'untracked' variable, "
                    f"e.g. a global or a local of __init__). Store it as an attribute of the "
                    f"saved object (self.v = tf.Variable(...)) so it is saved too.")
            return {"node": node}
        raise ValueError(f"it captures {obj!r}, a symbolic tensor of another trace; return "
                         f"values from the functions that compute them instead.")


def _signature_dict(obj: Any, signatures: Any) -> dict:
    if signatures is None:
        existing = getattr(obj, "__dict__", {}).get("signatures")
        return dict(existing) if isinstance(existing, SignatureMap) else {}
    if not isinstance(signatures, dict):
        signatures = {"serving_default": signatures}
    for name in signatures:
        if not isinstance(name, str) or not name:
            raise ValueError(f"Signature names must be non-empty strings, got {name!r}.")
    return signatures


def write_saved_model(obj: Any, export_dir: Any, signatures: Any = None, *,
                      functions: Optional[dict] = None,
                      extra_files: Optional[dict] = None) -> None:
    """Writes ``obj`` as a SavedModel, with extra root functions and files.

    What :func:`save` does, plus two hooks for formats built on top (Keras writes its
    config next to the SavedModel, in the same atomic commit).

    Args:
        obj: the root object.
        export_dir: the directory.
        signatures: as for :func:`save`.
        functions: ``{name: tf.function or ConcreteFunction}`` saved as children of the
            root (``{"__call__": f}`` makes the loaded object callable).
        extra_files: ``{relative path: bytes}`` written into the directory.

    Example:
        >>> import os, tempfile
        >>> import minitf as tf
        >>> d = os.path.join(tempfile.mkdtemp(), "m")
        >>> write_saved_model(tf.Module(), d, extra_files={"notes.txt": b"hello"})
        >>> sorted(os.listdir(d))
        ['notes.txt', 'saved_model.json', 'variables']
    """
    export_dir = os.fspath(export_dir)
    exporter = _Exporter(obj, dict(functions or {}))
    nodes = exporter.nodes()
    sigs = {}
    for name, value in _signature_dict(obj, signatures).items():
        sigs[name] = signature_entry(value, name, exporter.cf)
    save_id = uuid.uuid4().hex

    def fill(staging: str) -> None:
        prefix = os.path.join(staging, VARIABLES_PREFIX)
        write_checkpoint(prefix, obj)
        checkpoint_id = atomic.read_json(index_path(prefix), "Checkpoint index")["checkpoint_id"]
        constants = None
        if exporter.arrays:
            constants = CONSTANTS
            atomic.save_arrays(os.path.join(staging, CONSTANTS), {
                "__save_id__": np.frombuffer(save_id.encode(), np.uint8), **exporter.arrays})
        for rel, data in (extra_files or {}).items():
            atomic.atomic_write_bytes(os.path.join(staging, rel), data)
        payload = {"nodes": nodes, "concrete_functions": exporter.concrete,
                   "graphs": exporter.graphs, "signatures": sigs,
                   "variables": {"checkpoint_id": checkpoint_id}, "constants": constants}
        document = {"format": FORMAT, "version": VERSION, "save_id": save_id,
                    "sha256": hashlib.sha256(canonical_json(payload)).hexdigest(),
                    "saved_model": payload}
        # Written last: a directory without it is not a SavedModel.
        atomic.atomic_write_bytes(os.path.join(staging, MARKER),
                                  json.dumps(document, indent=1, allow_nan=False).encode())

    directory.commit(export_dir, fill)


def save(obj: Any, export_dir: Any, signatures: Any = None, options: Any = None) -> None:
    """Saves ``obj``'s tf.functions (all their traces), variables and sub-objects.

    Args:
        obj: a ``tf.Module`` (or any object) to save.
        export_dir: the directory to write (replaced as a whole, atomically).
        signatures: a ``tf.function`` with an ``input_signature``, a concrete function,
            or a dict ``{name: either}``; one alone is ``"serving_default"``. Each becomes
            a function of ``loaded.signatures`` taking keyword arguments and returning a
            dict.
        options: a :class:`SaveOptions` (accepted, ignored).

    Raises:
        ValueError: naming the function, if a graph reads a variable not reachable from
            ``obj`` or holds something that is not data.

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
        >>> tf.saved_model.load(path).multiply(tf.constant([1, 2, 3]))
        <tf.Tensor: shape=(3,), dtype=int32, numpy=array([3, 6, 9], dtype=int32)>
    """
    write_saved_model(obj, export_dir, signatures)

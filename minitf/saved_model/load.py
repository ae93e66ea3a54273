"""``tf.saved_model.load``: rebuilds the saved objects from data alone.

Loading reads ``saved_model.json`` (checking its format, version and checksum), the
variables checkpoint and the constants file (``allow_pickle=False``: NumPy refuses
anything that would need unpickling), then rebuilds, in order:

1. the variables, with their saved values, names and trainability;
2. the graphs (primitives looked up by name; every value checked; every type
   re-derived), their captures pointing at the loaded variables;
3. the functions: a :class:`~minitf.saved_model.restored.RestoredFunction` per saved
   ``tf.function``, holding its concrete functions;
4. the objects and containers, with their children as attributes or items.

No class is imported and nothing from the files is evaluated: the loaded objects are
``_UserObject``\\ s, so they work in a process that never saw the original classes.
Calls run the saved graphs through the ``call`` primitive, so ``GradientTape`` can
differentiate them (fine-tuning) and the loaded variables are captured by reference.

Example:
    >>> import os, tempfile
    >>> import minitf as tf
    >>> m = tf.Module()
    >>> m.v = tf.Variable([1.0, 2.0])
    >>> m.f = tf.function(lambda x: x * m.v, input_signature=[tf.TensorSpec([2])])
    >>> path = os.path.join(tempfile.mkdtemp(), "m")
    >>> tf.saved_model.save(m, path)
    >>> loaded = tf.saved_model.load(path)
    >>> loaded.f(tf.constant([3.0, 3.0])).numpy()
    array([3., 6.], dtype=float32)
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import numpy as np

from minitf import errors
from minitf.concrete_function import ConcreteFunction
from minitf.core.serialize import (
    _expect, _Invalid, dtype_from_json, graph_from_json, shape_from_json,
)
from minitf.saved_model import directory
from minitf.saved_model.restored import (
    RestoredFunction, SignatureMap, _UserObject, user_object_class,
)
from minitf.saved_model.save import (
    CONSTANTS, FORMAT, MARKER, VARIABLES_PREFIX, VERSION, canonical_json,
)
from minitf.saved_model.signatures import signature_function
from minitf.saved_model.structure import (
    KINDS, signature_from_json, specs_from_json, template_from_json, type_from_json,
)
from minitf.train import atomic
from minitf.train.checkpoint import index_path, read_checkpoint
from minitf.variables import Variable

__all__ = ["load", "LoadOptions", "contains_saved_model"]

# Attribute names a loaded object may not receive from the file (they would replace the
# object's own machinery).
_RESERVED = frozenset({"signatures", "_name", "_scope_name", "_minitf_bound_functions"})


class LoadOptions:
    """``tf.saved_model.LoadOptions``: accepted for compatibility.

    Example:
        >>> LoadOptions(allow_partial_checkpoint=True).allow_partial_checkpoint
        True
    """

    def __init__(self, allow_partial_checkpoint: bool = False, experimental_io_device: Any = None,
                 experimental_skip_checkpoint: bool = False, **kwargs: Any) -> None:
        self.allow_partial_checkpoint = allow_partial_checkpoint
        self.experimental_io_device = experimental_io_device
        self.experimental_skip_checkpoint = experimental_skip_checkpoint


def contains_saved_model(export_dir: Any) -> bool:
    """Whether ``export_dir`` holds a SavedModel (as ``tf.saved_model.contains_saved_model``).

    Example:
        >>> import tempfile
        >>> contains_saved_model(tempfile.mkdtemp())
        False
    """
    path = directory.resolve(os.fspath(export_dir), MARKER)
    return os.path.isfile(os.path.join(path, MARKER))


def _damaged(path: str, problem: str) -> errors.DataLossError:
    return errors.DataLossError(
        None, None, f"The SavedModel at {path} is damaged or was tampered with: {problem}. "
        f"Save the model again (minitf never runs code from a SavedModel).")


def _read_document(path: str) -> dict:
    marker = os.path.join(path, MARKER)
    if not os.path.exists(marker):
        raise errors.NotFoundError(
            None, None, f"No SavedModel found at {path}: it has no {MARKER} (is the path "
            f"right? A minitf SavedModel is the directory tf.saved_model.save wrote).")
    document = atomic.read_json(marker, "SavedModel description")
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise _damaged(path, f"{MARKER} is not a minitf SavedModel description")
    version = document.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise errors.UnimplementedError(
            None, None, f"The SavedModel at {path} has format version {version!r}; this "
            f"minitf reads up to {VERSION}. Upgrade minitf.")
    payload = document.get("saved_model")
    try:
        digest = hashlib.sha256(canonical_json(payload)).hexdigest()
    except (TypeError, ValueError):
        digest = None
    if digest != document.get("sha256"):
        raise _damaged(path, f"the checksum of {MARKER} does not match its contents")
    return document


class _Loader:
    def __init__(self, path: str, document: dict) -> None:
        self.path = path
        self.save_id = document.get("save_id")
        data = document["saved_model"]
        _expect(isinstance(data, dict), "bad description")
        self.nodes = data.get("nodes")
        self.cfs = data.get("concrete_functions")
        self.graph_data = data.get("graphs")
        _expect(isinstance(self.nodes, list) and self.nodes and isinstance(self.cfs, list)
                and isinstance(self.graph_data, list), "bad description")
        self.signature_data = data.get("signatures") or {}
        self.arrays = self._constants(data.get("constants"))
        self.values = self._variable_values(data.get("variables"))
        self.objects: dict = {}
        self.graphs: dict = {}
        self.concrete: dict = {}

    # -- files ----------------------------------------------------------------------
    def _constants(self, name: Any) -> dict:
        if name is None:
            return {}
        _expect(name == CONSTANTS, f"bad constants file name {name!r}")
        arrays = atomic.load_arrays(os.path.join(self.path, CONSTANTS), "SavedModel constants")
        token = bytes(arrays.pop("__save_id__", np.zeros(0, np.uint8))).decode("ascii",
                                                                               "replace")
        if token != self.save_id:
            raise _damaged(self.path, f"{CONSTANTS} comes from another save")
        return arrays

    def _variable_values(self, info: Any) -> dict:
        prefix = os.path.join(self.path, VARIABLES_PREFIX)
        index = atomic.read_json(index_path(prefix), "SavedModel variables index")
        if not isinstance(info, dict) or not isinstance(index, dict) or \
                index.get("checkpoint_id") != info.get("checkpoint_id"):
            raise _damaged(self.path, "the variables checkpoint comes from another save")
        return read_checkpoint(prefix)

    # -- nodes ----------------------------------------------------------------------
    def node_data(self, i: Any, kind: Any = None) -> dict:
        _expect(type(i) is int and 0 <= i < len(self.nodes), f"bad node reference {i!r}")
        node = self.nodes[i]
        _expect(isinstance(node, dict) and (kind is None or node.get("kind") == kind),
                f"node {i} is not a {kind}")
        return node

    def obj(self, i: int) -> Any:
        if i in self.objects:
            got = self.objects[i]
            _expect(got is not _BUILDING, f"node {i} contains itself through a tuple")
            return got
        node = self.node_data(i)
        build = getattr(self, "_" + str(node.get("kind")), None)
        _expect(node.get("kind") in _KINDS and build is not None,
                f"unknown node kind {node.get('kind')!r}")
        return build(i, node)

    def _variable(self, i: int, node: dict) -> Variable:
        dtype, shape = dtype_from_json(node.get("dtype")), shape_from_json(node.get("shape"))
        key, name = node.get("checkpoint_key"), node.get("name")
        _expect(key in self.values, f"variable {name!r} has no value in the checkpoint")
        value = self.values[key]
        _expect(tuple(value.shape) == shape and value.dtype == dtype.np,
                f"variable {name!r}: the checkpoint holds {value.dtype}{list(value.shape)}, "
                f"the description {dtype.name}{list(shape)}")
        _expect(isinstance(name, str) and isinstance(node.get("trainable"), bool), "bad variable")
        v = Variable(value, trainable=node["trainable"], name=name.split(":")[0], dtype=dtype)
        self.objects[i] = v
        return v

    def _function(self, i: int, node: dict) -> RestoredFunction:
        name = node.get("name")
        _expect(isinstance(name, str), "bad function name")
        spec = node.get("input_signature")
        fn = RestoredFunction(name, signature_from_json(node.get("python_signature")),
                              None if spec is None else specs_from_json(spec))
        fn._reduce_retracing = bool(node.get("reduce_retracing", False))
        self.objects[i] = fn
        for c in node.get("concrete_functions") or []:
            fn.add_concrete_function(self.cf(c, fn))
        return fn

    def _concrete_function(self, i: int, node: dict) -> ConcreteFunction:
        c = node.get("concrete_function")
        if c not in self.concrete:
            name = node.get("name")
            _expect(isinstance(name, str), "bad function name")
            owner = RestoredFunction(name, signature_from_json(node.get("python_signature")),
                                     None)
            owner.add_concrete_function(self.cf(c, owner))
        self.objects[i] = self.concrete[c]
        return self.concrete[c]

    def _list(self, i: int, node: dict) -> list:
        out: list = []
        self.objects[i] = out
        out.extend(self.obj(c) for c in _items(node))
        return out

    def _tuple(self, i: int, node: dict) -> tuple:
        self.objects[i] = _BUILDING
        out = tuple(self.obj(c) for c in _items(node))
        self.objects[i] = out
        return out

    def _dict(self, i: int, node: dict) -> dict:
        out: dict = {}
        self.objects[i] = out
        for item in _items(node):
            _expect(isinstance(item, list) and len(item) == 2 and (
                item[0] is None or isinstance(item[0], (str, int, bool))), "bad dict item")
            out[item[0]] = self.obj(item[1])
        return out

    def _user_object(self, i: int, node: dict) -> _UserObject:
        kids = node.get("children")
        _expect(isinstance(kids, list) and all(isinstance(k, list) and len(k) == 2
                                               for k in kids), "bad children")
        for name, _ in kids:
            _expect(isinstance(name, str) and name not in _RESERVED and
                    (not name.startswith("__") or name == "__call__"),
                    f"bad attribute name {name!r}")
        obj = user_object_class(any(name == "__call__" for name, _ in kids))()
        self.objects[i] = obj
        for name, c in kids:
            # Straight into the instance dict: a name the original object used freely
            # (``variables`` on a plain class) must not hit a tf.Module property.
            obj.__dict__[name] = self.obj(c)
        return obj

    # -- functions ------------------------------------------------------------------
    def graph(self, g: Any) -> Any:
        _expect(type(g) is int and 0 <= g < len(self.graph_data), f"bad graph reference {g!r}")
        if g not in self.graphs:
            self.graphs[g] = graph_from_json(self.graph_data[g], captures=self.capture,
                                             arrays=self.arrays, source=self.path)
        return self.graphs[g]

    def capture(self, ref: Any) -> Variable:
        _expect(isinstance(ref, dict) and set(ref) == {"node"}, f"bad capture {ref!r}")
        self.node_data(ref["node"], "variable")
        return self.obj(ref["node"])

    def cf(self, c: Any, owner: RestoredFunction) -> ConcreteFunction:
        if c in self.concrete:
            return self.concrete[c]
        _expect(type(c) is int and 0 <= c < len(self.cfs) and isinstance(self.cfs[c], dict),
                f"bad concrete function reference {c!r}")
        entry = self.cfs[c]
        graph = self.graph(entry.get("graph"))
        params = []
        for p in entry.get("params") or []:
            _expect(isinstance(p, list) and len(p) == 3 and isinstance(p[0], str)
                    and p[1] in KINDS, f"bad parameter {p!r}")
            params.append((p[0], p[1], type_from_json(p[2])))
        template = template_from_json(entry.get("outputs"))
        cf = ConcreteFunction.from_graph(graph, params, template, owner)
        self.concrete[c] = cf
        return cf

    def signatures(self) -> SignatureMap:
        _expect(isinstance(self.signature_data, dict), "bad signatures")
        out = {}
        for name, entry in self.signature_data.items():
            _expect(isinstance(entry, dict), "bad signature")
            c = entry.get("concrete_function")
            base = self.concrete.get(c) if c in self.concrete else None
            if base is None:
                owner = RestoredFunction(str(name), signature_from_json([]), None)
                base = self.cf(c, owner)
            out[name] = signature_function(entry, base, RestoredFunction)
        return SignatureMap(out)


_BUILDING = object()
_KINDS = ("variable", "function", "concrete_function", "list", "tuple", "dict", "user_object")


def _items(node: dict) -> list:
    items = node.get("items")
    _expect(isinstance(items, list), "bad container")
    return items


def load(export_dir: Any, tags: Any = None, options: Any = None) -> Any:
    """Loads a SavedModel written by :func:`minitf.saved_model.save`.

    Args:
        export_dir: the SavedModel directory.
        tags, options: accepted for compatibility (minitf writes one graph set).

    Returns:
        The root object: a ``_UserObject`` with the saved variables, functions and
        sub-objects as attributes, and ``signatures``.

    Raises:
        NotFoundError: if there is no SavedModel at ``export_dir``.
        DataLossError: if a file is truncated, corrupted or tampered with.
        UnimplementedError: for a newer format version.

    Example:
        >>> import os, tempfile
        >>> import minitf as tf
        >>> m = tf.Module()
        >>> m.v = tf.Variable(3)
        >>> path = os.path.join(tempfile.mkdtemp(), "m")
        >>> tf.saved_model.save(m, path)
        >>> tf.saved_model.load(path).v.numpy()
        np.int32(3)
    """
    path = directory.resolve(os.fspath(export_dir), MARKER)
    document = _read_document(path)
    try:
        loader = _Loader(path, document)
        root = loader.obj(0)
        signatures = loader.signatures()
    except _Invalid as e:
        raise _damaged(path, str(e)) from None
    except (TypeError, KeyError, IndexError, AttributeError) as e:  # a malformed value
        raise _damaged(path, f"{type(e).__name__}: {e}") from None
    if isinstance(root, _UserObject):
        root.__dict__["signatures"] = signatures
    return root

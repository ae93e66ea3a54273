"""Python structures as JSON: trace types, output structures, signatures.

A concrete function is more than its graph: it was traced for a *signature* (which
arguments, of which types) and returns a *structure* (a dict, a tuple of tensors...).
Both are small trees of Python values, written here as tagged JSON and read back with
every leaf checked:

* a trace type (see :mod:`minitf.trace_type`) — ``{"tensor": ["int32", [3]]}``,
  ``{"variable": ["float32", [], true]}``, ``{"value": 2}``, ``{"list": [...]}``,
  ``{"tuple": [...]}``, ``{"dict": [[key, type], ...]}``;
* an output template (leaves are output positions or None) and an ``input_signature``
  (leaves are ``{"spec": [dtype, shape, name]}``), with the same containers;
* the Python signature of a function: parameter names, kinds and simple defaults.

A namedtuple is stored as a plain tuple (its class is code, which a SavedModel does not
carry).

Example:
    >>> import minitf as tf
    >>> from minitf.trace_type import trace_type
    >>> t = trace_type([tf.constant([1, 2]), 3])
    >>> type_to_json(t)
    {'list': [{'tensor': ['int32', [2]]}, {'value': 3}]}
    >>> type_from_json(type_to_json(t)) == t
    True
"""

from __future__ import annotations

import inspect
import math
from typing import Any

from minitf.core.serialize import _Invalid, _expect, dtype_from_json, shape_from_json
from minitf.core.spec import TensorSpec

__all__ = ["type_to_json", "type_from_json", "template_to_json", "template_from_json",
           "specs_to_json", "specs_from_json", "signature_to_json", "signature_from_json",
           "value_to_json", "value_from_json", "KINDS"]

KINDS = ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD", "KEYWORD_ONLY")
_P = inspect.Parameter
_PARAMETER_KINDS = {k.name: k for k in (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD,
                                        _P.VAR_POSITIONAL, _P.KEYWORD_ONLY, _P.VAR_KEYWORD)}


def value_to_json(value: Any, what: str) -> Any:
    """A Python scalar (None, bool, int, float, str) as JSON; floats may be nan/inf.

    Example:
        >>> value_to_json(float("inf"), "x"), value_to_json(3, "x")
        ({'float': 'inf'}, 3)
    """
    if isinstance(value, float) and not math.isfinite(value):
        return {"float": repr(value)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"{what} is {value!r} ({type(value).__name__}); a SavedModel stores "
                    f"tensors, variables and Python numbers, strings, booleans or None.")


def value_from_json(value: Any) -> Any:
    """Inverse of :func:`value_to_json`.

    Example:
        >>> value_from_json({"float": "-inf"})
        -inf
    """
    if isinstance(value, dict):
        _expect(set(value) == {"float"} and value["float"] in ("nan", "inf", "-inf"),
                f"bad value {value!r}")
        return float(value["float"])
    _expect(value is None or isinstance(value, (bool, int, float, str)), f"bad value {value!r}")
    return value


def _key_to_json(key: Any, what: str) -> Any:
    if key is None or isinstance(key, (bool, int, str)):
        return key
    raise TypeError(f"{what}: the dict key {key!r} is not a string, number, bool or None; "
                    f"a SavedModel cannot store it.")


def _key_from_json(key: Any) -> Any:
    _expect(key is None or isinstance(key, (bool, int, str)), f"bad dict key {key!r}")
    return key


# ---------------------------------------------------------------------------------------
# Trace types
# ---------------------------------------------------------------------------------------
def type_to_json(t: tuple, what: str = "an argument") -> Any:
    """A trace type (``("T", dtype, shape)`` etc.) as JSON.

    Raises:
        TypeError: for objects traced by identity or namedtuples (not storable).

    Example:
        >>> import minitf as tf
        >>> type_to_json(("dict", (("k", ("P", None)),)))
        {'dict': [['k', {'value': None}]]}
    """
    kind = t[0]
    if kind == "T":
        return {"tensor": [t[1].name, list(t[2])]}
    if kind == "V":
        return {"variable": [t[1].name, list(t[2]), bool(t[3])]}
    if kind == "P":
        return {"value": value_to_json(t[1], what)}
    if kind in ("list", "tuple"):
        return {kind: [type_to_json(c, what) for c in t[1]]}
    if kind == "dict":
        return {"dict": [[_key_to_json(k, what), type_to_json(c, what)] for k, c in t[1]]}
    if kind == "namedtuple":
        raise TypeError(f"{what} is a namedtuple ({t[1].__name__}); minitf's SavedModel "
                        f"stores no classes. Pass a tuple or a dict instead.")
    obj = t[-1]
    raise TypeError(f"{what} is {obj!r} ({type(obj).__name__}), a Python object that "
                    f"tf.function keys on by identity; a SavedModel cannot store it. Pass "
                    f"tensors or Python numbers/strings instead.")


def type_from_json(data: Any) -> tuple:
    """Inverse of :func:`type_to_json` (every leaf checked).

    Example:
        >>> type_from_json({"variable": ["float32", [2], True]})
        ('V', tf.float32, (2,), True)
    """
    _expect(isinstance(data, dict) and len(data) == 1, f"bad type {data!r}")
    (kind, body), = data.items()
    if kind == "tensor":
        _expect(isinstance(body, list) and len(body) == 2, "bad tensor type")
        return ("T", dtype_from_json(body[0]), shape_from_json(body[1]))
    if kind == "variable":
        _expect(isinstance(body, list) and len(body) == 3 and isinstance(body[2], bool),
                "bad variable type")
        return ("V", dtype_from_json(body[0]), shape_from_json(body[1]), body[2])
    if kind == "value":
        return ("P", value_from_json(body))
    _expect(isinstance(body, list), f"bad type {data!r}")
    if kind in ("list", "tuple"):
        return (kind, tuple(type_from_json(c) for c in body))
    _expect(kind == "dict", f"unknown type tag {kind!r}")
    items = []
    for item in body:
        _expect(isinstance(item, list) and len(item) == 2, "bad dict type")
        items.append((_key_from_json(item[0]), type_from_json(item[1])))
    return ("dict", tuple(items))


# ---------------------------------------------------------------------------------------
# Nested structures with simple leaves (output templates, input signatures)
# ---------------------------------------------------------------------------------------
def _tree_to_json(value: Any, leaf: Any, what: str) -> Any:
    if isinstance(value, dict):
        return {"dict": [[_key_to_json(k, what), _tree_to_json(v, leaf, what)]
                         for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        return {kind: [_tree_to_json(v, leaf, what) for v in value]}
    return leaf(value)


def _tree_from_json(data: Any, leaf: Any) -> Any:
    if isinstance(data, dict) and len(data) == 1 and next(iter(data)) in ("list", "tuple",
                                                                          "dict"):
        (kind, body), = data.items()
        _expect(isinstance(body, list), f"bad structure {data!r}")
        if kind == "list":
            return [_tree_from_json(v, leaf) for v in body]
        if kind == "tuple":
            return tuple(_tree_from_json(v, leaf) for v in body)
        out = {}
        for item in body:
            _expect(isinstance(item, list) and len(item) == 2, "bad dict item")
            out[_key_from_json(item[0])] = _tree_from_json(item[1], leaf)
        return out
    return leaf(data)


def _index_leaf(i: Any) -> Any:
    if i is None or (type(i) is int and i >= 0):
        return i
    raise _Invalid(f"bad output position {i!r}")


def template_to_json(template: Any) -> Any:
    """An output template (leaves: output positions or None) as JSON.

    Example:
        >>> template_to_json({"y": 0, "z": (1, None)})
        {'dict': [['y', 0], ['z', {'tuple': [1, None]}]]}
    """
    return _tree_to_json(template, _index_leaf, "the function's output")


def template_from_json(data: Any) -> Any:
    """Inverse of :func:`template_to_json`.

    Example:
        >>> template_from_json({"tuple": [0, {"list": [1]}]})
        (0, [1])
    """
    return _tree_from_json(data, _index_leaf)


def specs_to_json(specs: Any) -> Any:
    """An ``input_signature`` (a structure of TensorSpecs) as JSON.

    Example:
        >>> import minitf as tf
        >>> specs_to_json([tf.TensorSpec([None], tf.float32, name="x")])
        {'list': [{'spec': ['float32', [None], 'x']}]}
    """
    def leaf(s: Any) -> Any:
        if not isinstance(s, TensorSpec):
            raise TypeError(f"input_signature entries must be tf.TensorSpec, got {s!r}.")
        return {"spec": [s.dtype.name, list(s.shape.as_tuple()), s.name]}
    return _tree_to_json(specs, leaf, "the input_signature")


def specs_from_json(data: Any) -> Any:
    """Inverse of :func:`specs_to_json`.

    Example:
        >>> specs_from_json({"list": [{"spec": ["int32", [], None]}]})
        [TensorSpec(shape=(), dtype=tf.int32, name=None)]
    """
    def leaf(d: Any) -> TensorSpec:
        _expect(isinstance(d, dict) and isinstance(d.get("spec"), list)
                and len(d["spec"]) == 3, f"bad spec {d!r}")
        dtype, shape, name = d["spec"]
        _expect(name is None or isinstance(name, str), "bad spec name")
        return TensorSpec(shape_from_json(shape), dtype_from_json(dtype), name)
    return _tree_from_json(data, leaf)


# ---------------------------------------------------------------------------------------
# Python signatures
# ---------------------------------------------------------------------------------------
def signature_to_json(signature: inspect.Signature) -> list:
    """Parameter names, kinds and defaults (a default that is not a simple value is
    dropped: the loaded function then needs the argument).

    Example:
        >>> import inspect
        >>> signature_to_json(inspect.signature(lambda x, training=False: x))
        [{'name': 'x', 'kind': 'POSITIONAL_OR_KEYWORD'}, {'name': 'training', \
'kind': 'POSITIONAL_OR_KEYWORD', 'default': False}]
    """
    out = []
    for p in signature.parameters.values():
        entry = {"name": p.name, "kind": p.kind.name}
        if p.default is not p.empty:
            try:
                entry["default"] = value_to_json(p.default, p.name)
            except TypeError:
                pass
        out.append(entry)
    return out


def signature_from_json(data: Any) -> inspect.Signature:
    """Inverse of :func:`signature_to_json`.

    Example:
        >>> str(signature_from_json([{"name": "x", "kind": "POSITIONAL_OR_KEYWORD"},
        ...                          {"name": "k", "kind": "KEYWORD_ONLY", "default": 1}]))
        '(x, *, k=1)'
    """
    _expect(isinstance(data, list), "bad signature")
    params = []
    for entry in data:
        _expect(isinstance(entry, dict) and isinstance(entry.get("name"), str)
                and entry["name"].isidentifier() and entry.get("kind") in _PARAMETER_KINDS,
                f"bad parameter {entry!r}")
        default = value_from_json(entry["default"]) if "default" in entry else \
            inspect.Parameter.empty
        params.append(inspect.Parameter(entry["name"], _PARAMETER_KINDS[entry["kind"]],
                                        default=default))
    try:
        return inspect.Signature(params)
    except ValueError as e:  # order of kinds or defaults broken
        raise _Invalid(f"bad signature: {e}") from None

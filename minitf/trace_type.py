"""Trace types: what ``tf.function`` keys its traces on, and how types generalise.

A *trace type* is a small hashable tuple describing one argument the way TensorFlow's
``tf.types.experimental.TraceType`` does:

* ``("T", dtype, shape)`` — a tensor or NumPy array (shape may hold None);
* ``("V", dtype, shape, trainable)`` — a ``tf.Variable`` (the graph reads whichever
  variable is passed);
* ``("P", value)`` — a Python number, string, bool or None, by value;
* ``("list"|"tuple"|"dict"|"namedtuple", ..., children)`` — containers;
* ``("O", obj)`` / ``("I", id, obj)`` — other objects, by equality or identity.

A trace for a *supertype* serves a call (``(None,)`` covers every vector), and with
``reduce_retracing`` two types *generalise* to the most specific type covering both.

Example:
    >>> import minitf as tf
    >>> a, b = trace_type(tf.zeros([3])), trace_type(tf.zeros([4]))
    >>> generalize(a, b)
    ('T', tf.float32, (None,))
    >>> is_supertype(generalize(a, b), a)
    True
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from minitf import nest
from minitf.concrete_function import VariableSpec
from minitf.core.spec import TensorShape, TensorSpec
from minitf.core.tracing import GraphBuilder
from minitf.tensor import Tensor, convert_to_tensor
from minitf.variables import Variable

__all__ = ["trace_type", "is_supertype", "generalize", "unknown_dims", "type_value",
           "signature_type",
           "trace_argument", "flat_leaves", "SpecPlaceholder"]


def trace_type(value: Any) -> Any:
    """The hashable trace type of one argument (see the module docstring).

    Example:
        >>> import minitf as tf
        >>> trace_type([tf.constant([1.0]), 2])
        ('list', (('T', tf.float32, (1,)), ('P', 2)))
    """
    # BEGIN SOLUTION graphs: the trace cache key of an argument; spec: tests/test_retracing.py
    if isinstance(value, Tensor):
        return ("T", value._dtype, tuple(value._shape))
    if isinstance(value, Variable):
        value = getattr(value, "_parent", value)
        return ("V", value._dtype, tuple(value._shape), value.trainable)
    if isinstance(value, (np.ndarray, np.generic)):
        t = convert_to_tensor(value)
        return ("T", t._dtype, tuple(t._shape))
    if isinstance(value, dict):
        keys = sorted(value, key=repr)
        return ("dict", tuple((k, trace_type(value[k])) for k in keys))
    if isinstance(value, tuple) and hasattr(type(value), "_fields"):
        return ("namedtuple", type(value), tuple(trace_type(v) for v in value))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(trace_type(v) for v in value))
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return ("P", value)
    try:
        hash(value)
    except TypeError:
        return ("I", id(value), value)
    return ("O", value)
    # END SOLUTION


def is_supertype(general: Any, specific: Any) -> bool:
    """Whether a trace for ``general`` can run a call of type ``specific``."""
    if general == specific:
        return True
    if general[0] == "T" and specific[0] == "T":
        return general[1] is specific[1] and TensorShape(general[2]).is_compatible_with(
            specific[2]) and len(general[2]) == len(specific[2]) and all(
            g is None or g == s for g, s in zip(general[2], specific[2]))
    if general[0] != specific[0] or len(general) != len(specific):
        return False
    if general[0] in ("list", "tuple", "dict", "namedtuple"):
        gs, ss = general[-1], specific[-1]
        if general[0] == "namedtuple" and general[1] is not specific[1]:
            return False
        if len(gs) != len(ss):
            return False
        if general[0] == "dict":
            return all(gk == sk and is_supertype(g, s) for (gk, g), (sk, s) in zip(gs, ss))
        return all(is_supertype(g, s) for g, s in zip(gs, ss))
    return False


def unknown_dims(t: Any) -> int:
    """How many tensor sizes a trace type leaves unknown (fewer: more specific)."""
    if t[0] == "T":
        return sum(d is None for d in t[2])
    if t[0] in ("list", "tuple", "namedtuple"):
        return sum(unknown_dims(c) for c in t[-1])
    if t[0] == "dict":
        return sum(unknown_dims(c) for _, c in t[1])
    return 0


def generalize(a: Any, b: Any) -> Optional[Any]:
    """The most specific type covering both (None dims where sizes differ), if any."""
    if a == b:
        return a
    if a[0] == "T" and b[0] == "T":
        # Different ranks would need unknown-rank tensors, which minitf's shape rules do
        # not model: such calls keep their own exact trace.
        if a[1] is not b[1] or len(a[2]) != len(b[2]):
            return None
        return ("T", a[1], tuple(x if x == y else None for x, y in zip(a[2], b[2])))
    if a[0] != b[0] or a[0] not in ("list", "tuple", "dict", "namedtuple") \
            or len(a[-1]) != len(b[-1]):
        return None
    if a[0] == "namedtuple" and a[1] is not b[1]:
        return None
    if a[0] == "dict":
        if [k for k, _ in a[1]] != [k for k, _ in b[1]]:
            return None
        items = [(k, generalize(x, y)) for (k, x), (_, y) in zip(a[1], b[1])]
        return None if any(v is None for _, v in items) else ("dict", tuple(items))
    items = [generalize(x, y) for x, y in zip(a[-1], b[-1])]
    if any(v is None for v in items):
        return None
    return a[:-1] + (tuple(items),)


def type_value(t: Any) -> Any:
    """What the signature shows for a trace type (TensorSpec, VariableSpec, value)."""
    kind = t[0]
    if kind == "T":
        return TensorSpec(t[2], t[1])
    if kind == "V":
        return VariableSpec(t[2], t[1], t[3])
    if kind == "dict":
        return {k: type_value(v) for k, v in t[1]}
    if kind == "namedtuple":
        return t[1](*[type_value(v) for v in t[2]])
    if kind in ("list", "tuple"):
        items = [type_value(v) for v in t[1]]
        return items if kind == "list" else tuple(items)
    return t[1] if kind in ("P", "O") else t[2]


def _shape_of_spec(spec: TensorSpec) -> tuple:
    dims = spec.shape.as_tuple()
    if dims is None:
        # Graphs here have a known rank everywhere (Var shapes are tuples): say so plainly.
        raise ValueError(
            f"minitf does not trace tensors of unknown rank ({spec}): give the number of "
            f"axes and leave their sizes unknown, e.g. tf.TensorSpec([None], {spec.dtype!r}) "
            f"for vectors or tf.TensorSpec([None, None], ...) for matrices (or pass no "
            f"input_signature and let each rank trace its own graph).")
    return tuple(dims)


class SpecPlaceholder(Tensor):
    """A TensorSpec passed to ``get_concrete_function``: traced as a tensor of that type."""

    __slots__ = ("_spec_shape",)

    def __new__(cls, spec: TensorSpec) -> "SpecPlaceholder":
        t = object.__new__(cls)
        t._value = None
        t._dtype = spec.dtype
        t._spec_shape = _shape_of_spec(spec)
        return t

    def __init__(self, spec: TensorSpec) -> None:
        pass

    @property
    def _shape(self) -> tuple:
        return self._spec_shape


def signature_type(spec: Any) -> Any:
    if isinstance(spec, TensorSpec):
        return ("T", spec.dtype, _shape_of_spec(spec))
    return trace_type(nest.map_structure(
        lambda s: SpecPlaceholder(s) if isinstance(s, TensorSpec) else s, spec))


def trace_argument(builder: GraphBuilder, value: Any, t: Any, name: str,
                    inputs: list) -> Any:
    """The value the Python function sees while tracing: symbolic where ``t`` says."""
    kind = t[0]
    if kind == "T":
        x = builder.new_input(TensorSpec(t[2], t[1]), name)
        inputs.append(x)
        return x
    if kind == "V":
        variable = getattr(value, "_parent", value)
        inputs.append(builder.variable_input(variable, name))
        return value
    if kind == "dict":
        return type(value)((k, trace_argument(builder, value[k], sub, name, inputs))
                           for k, sub in t[1]) if type(value) is not dict else \
            {k: trace_argument(builder, value[k], sub, name, inputs) for k, sub in t[1]}
    if kind == "namedtuple":
        return type(value)(*[trace_argument(builder, v, sub, name, inputs)
                             for v, sub in zip(value, t[2])])
    if kind in ("list", "tuple"):
        items = [trace_argument(builder, v, sub, name, inputs) for v, sub in zip(value, t[1])]
        return type(value)(items)
    return value


def flat_leaves(params: list, types_: list) -> list:
    """The call's tensors and variables, in the order of the graph's argument inputs."""
    out: list = []

    def walk(value: Any, t: Any) -> None:
        kind = t[0]
        if kind == "T":
            out.append(value if isinstance(value, Tensor) else convert_to_tensor(value, t[1]))
        elif kind == "V":
            out.append(getattr(value, "_parent", value))
        elif kind == "dict":
            for k, sub in t[1]:
                walk(value[k], sub)
        elif kind in ("list", "tuple", "namedtuple"):
            for v, sub in zip(value, t[-1]):
                walk(v, sub)

    for (_, _, _, value), t in zip(params, types_):
        walk(value, t)
    return out

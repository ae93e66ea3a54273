"""The structure of a tape: what must repeat for a compiled backward pass to apply.

:mod:`minitf.compiled_backward` compiles the backward pass of a tape once per
*structure*. Two tapes have the same structure when their equations use the same
primitives with the same plain parameters, wired the same way, on tensors of the same
shapes and dtypes that depend on a source in the same places. Tensors are numbered
*slots* in order of first appearance: they become the inputs of the compiled graph.

Two operations:

* :func:`structure` walks a tape once and returns a hashable key (to look a plan up), the
  slot tensors, and a :class:`Template` — the same facts laid out for checking;
* :func:`match` checks a new tape against a template without building a key: it compares
  as it walks and gives up at the first difference (the training-loop case costs about
  half of building and hashing a key).

Example:
    >>> import minitf as tf
    >>> x = tf.constant([1.0, 2.0])
    >>> def tape_of(x):
    ...     with tf.GradientTape() as t:
    ...         t.watch(x)
    ...         y = x * x
    ...     return t, y
    >>> t1, y1 = tape_of(x)
    >>> key, tensors, template = structure(t1._eqns, [y1], [None], [[id(x)]], t1._watched)
    >>> len(tensors)  # x, then the product
    2
    >>> t2, y2 = tape_of(tf.constant([3.0, 4.0]))
    >>> match(template, t2._eqns, [y2], [None], [[id(y2)]], t2._watched) is None  # y2 is no source
    True
"""

from __future__ import annotations

from typing import Any, Optional

from minitf.core.graph import Graph
from minitf.core.primitive import PRIMITIVES
from minitf.tensor import Tensor

__all__ = ["Template", "structure", "match"]

# Parameter types compared by value (a Graph by identity: graphs are never mutated).
# Anything else might carry values a trace would freeze (a Variable, an array).
_PLAIN = frozenset({int, float, bool, str, type(None), Graph})


class _Marker:
    """Tags a parameter's tensors in a key (no plain parameter value can equal it)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_SLOT, _SLOTS = _Marker("slot"), _Marker("slots")


class Template:
    """A tape's structure, laid out for :func:`match`.

    Attributes:
        eqns: per equation ``(prim, input slots, params, number of outputs)``; params are
            None or ``((name, value), ...)`` with tensor values as ``("slot", s)`` or
            ``("slots", s, ...)``.
        specs: per slot ``(shape, dtype name, depends on a source)``, or None for a slot
            first seen as an equation's output (its type follows from the equation).
        targets: per target ``(slot, slot of its output gradient or None)``.
        sources: per source, the slots whose cotangents make its gradient.
    """

    __slots__ = ("eqns", "specs", "targets", "sources")

    def __init__(self) -> None:
        self.eqns: list = []
        self.specs: list = []
        self.targets: list = []
        self.sources: list = []


def _plain_tuple(value: tuple) -> bool:
    # Axes, shapes, strides, paddings: tuples of plain values, maybe nested.
    for v in value:
        kind = type(v)
        if kind is tuple:
            if not _plain_tuple(v):
                return False
        elif kind not in _PLAIN or kind is Graph:
            return False
    return True


def structure(eqns: list, targets: list, ogs: list, keys: list,
              relevant: Any) -> Optional[tuple]:
    """``(key, slot tensors, Template)`` of a tape, or None when it cannot be compiled.

    Args:
        eqns: the tape's equations.
        targets: the target tensors; ``ogs``: their output gradients (tensors or None).
        keys: per source, the ids whose cotangents add up to its gradient.
        relevant: the ids of tensors that depend on a source.
    """
    slot_of: dict = {}
    tensors: list = []
    template = Template()
    specs = template.specs

    def slot(t: Any) -> int:
        s = slot_of.get(id(t))
        if s is None:
            s = slot_of[id(t)] = len(tensors)
            tensors.append(t)
            specs.append((t._value.shape, t._dtype._name, id(t) in relevant))
        return s

    for eqn in eqns:
        prim = eqn.prim
        if PRIMITIVES.get(prim.name) is not prim:
            return None  # a tape-only primitive (custom_gradient: Python grad_fn)
        ins = tuple([slot(a) for a in eqn.inputs])
        params = None
        if eqn.params:
            items = []
            for name, value in eqn.params.items():
                kind = type(value)
                if kind is tuple and value and isinstance(value[0], Tensor):
                    if not all(isinstance(t, Tensor) for t in value):
                        return None
                    value = (_SLOTS,) + tuple([slot(t) for t in value])  # call residuals
                elif kind is tuple:
                    if not _plain_tuple(value):
                        return None
                elif isinstance(value, Tensor):
                    value = (_SLOT, slot(value))
                elif kind not in _PLAIN:
                    return None
                items.append((name, value))
            params = tuple(items)
        for o in eqn.outputs:
            n = len(tensors)
            if slot_of.setdefault(id(o), n) != n:
                return None  # an output that is also an earlier tensor: not a tape we made
            tensors.append(o)
            specs.append(None)
        template.eqns.append((prim, ins, params, len(eqn.outputs)))
    for t, og in zip(targets, ogs):
        if not isinstance(t, Tensor):
            return None  # a Variable target: keyed by the variable, rare; walk it
        template.targets.append((slot(t), None if og is None else slot(og)))
    for ks in keys:
        template.sources.append(tuple([slot_of[k] for k in ks if k in slot_of]))
    key = (tuple(template.eqns), tuple(specs), tuple(template.targets),
           tuple(template.sources))
    return key, tensors, template


def match(template: Template, eqns: list, targets: list, ogs: list, keys: list,
          relevant: Any) -> Optional[list]:
    """The slot tensors of a tape with ``template``'s structure, else None.

    Checks exactly what :func:`structure`'s key holds, in the same walk order. It runs
    at every step of a training loop, so the common checks are written out inline.
    """
    if len(eqns) != len(template.eqns) or len(targets) != len(template.targets):
        return None
    specs = template.specs
    tensors: list = []
    keep = tensors.append
    seen: dict = {}  # id -> slot: a tensor may take a new slot only once
    n = 0  # == len(tensors)
    for eqn, (prim, ins, params, n_out) in zip(eqns, template.eqns):
        if eqn.prim is not prim:
            return None
        inputs = eqn.inputs
        if len(inputs) != len(ins):
            return None
        for a, s in zip(inputs, ins):
            if s < n:
                if tensors[s] is not a:
                    return None
                continue
            # First appearance: the next slot, an unseen tensor of the recorded type.
            spec = specs[s]
            key = id(a)
            if (s != n or spec is None or key in seen or a._value.shape != spec[0]
                    or a._dtype._name != spec[1] or (key in relevant) is not spec[2]):
                return None
            seen[key] = n
            keep(a)
            n += 1
        if params is not None or eqn.params:
            if params is None or not _same_params(eqn.params, params, tensors, specs, seen,
                                                  relevant, keep):
                return None
            n = len(tensors)
        outputs = eqn.outputs
        if len(outputs) != n_out:
            return None
        for o in outputs:
            seen[id(o)] = n
            keep(o)
            n += 1
    for t, og, (s, og_s) in zip(targets, ogs, template.targets):
        if not _same_slot(t, s, tensors, specs, seen, relevant, keep):
            return None
        if (og is None) != (og_s is None):
            return None
        if og is not None and not _same_slot(og, og_s, tensors, specs, seen, relevant, keep):
            return None
    if len(keys) != len(template.sources):
        return None
    for ks, expected in zip(keys, template.sources):
        if tuple([seen[k] for k in ks if k in seen]) != expected:
            return None
    return tensors


def _same_slot(a: Any, s: int, tensors: list, specs: list, seen: dict, relevant: Any,
               keep: Any) -> bool:
    # `a` should hold slot s: an earlier one, or the next, first seen here.
    n = len(tensors)
    if s < n:
        return tensors[s] is a
    spec = specs[s] if s == n else None
    if (spec is None or id(a) in seen or not isinstance(a, Tensor)
            or a._value.shape != spec[0] or a._dtype._name != spec[1]
            or (id(a) in relevant) is not spec[2]):
        return False
    seen[id(a)] = s
    keep(a)
    return True


def _same_params(params: dict, expected: tuple, tensors: list, specs: list, seen: dict,
                 relevant: Any, keep: Any) -> bool:
    if len(params) != len(expected):
        return False
    for (name, value), (want_name, want) in zip(params.items(), expected):
        if name != want_name:
            return False
        if value is want:
            continue  # a graph, a small int, a bool, an interned string
        if type(want) is tuple and want and (want[0] is _SLOT or want[0] is _SLOTS):
            got = (value,) if want[0] is _SLOT else value
            if type(got) is not tuple or len(got) != len(want) - 1:
                return False
            for t, s in zip(got, want[1:]):
                if not _same_slot(t, s, tensors, specs, seen, relevant, keep):
                    return False
        elif type(value) is not type(want) or value != want:
            return False  # plain values: same type (1 is not 1.0 here), equal
    return True

"""Graph clean-up passes: constant folding, common-subexpression elimination, dead code.

Each pass takes a :class:`~minitf.core.graph.Graph` and returns a new one computing the
same outputs with fewer equations. None of them ever folds, merges or deletes an
*effectful* equation (random draws, ``tf.print``): two draws of ``tf.random.normal`` are
two different values, and a print must still print.

* :func:`fold_constants` — an equation whose inputs are all constants is computed once,
  at trace time, and replaced by its value (``2.0 * 3.0`` becomes ``6.0``); so is one
  that only reads its input's shape when that shape is known (``ones_like``);
* :func:`eliminate_common_subexpressions` — two equations applying the same primitive
  with the same params to the same inputs compute the same value: keep the first;
* :func:`eliminate_dead_code` — equations whose results nobody uses are dropped.

Example:
    >>> import minitf as tf
    >>> from minitf.core.passes import simplify
    >>> @tf.function(autograph=False)
    ... def f(x):
    ...     unused = tf.exp(x)
    ...     return tf.sin(x) + tf.sin(x)
    >>> raw = f.get_concrete_function(tf.constant(1.0)).raw_graph
    >>> [e.prim.name for e in raw.eqns]
    ['exp', 'sin', 'sin', 'add']
    >>> [e.prim.name for e in simplify(raw).eqns]
    ['sin', 'add']
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minitf.core.graph import Eqn, Graph, Lit, Var, is_effectful
from minitf.core.interpreters import host_value

__all__ = ["eliminate_dead_code", "eliminate_common_subexpressions", "fold_constants",
           "inline_calls", "simplify"]

# Folding never creates a constant larger than this (it would bloat the graph).
_MAX_FOLDED_ELEMENTS = 1 << 16
# Primitives whose result depends only on their input's shape (foldable once it is known:
# the seed cotangent `ones_like(loss)` of a gradient traced inside a function).
_SHAPE_ONLY = ("zeros_like", "ones_like", "shape")


def _rewrite(eqn: Eqn, subst: dict) -> Eqn:
    if not subst:
        return eqn
    ins = tuple(subst.get(id(a), a) for a in eqn.inputs)
    if all(a is b for a, b in zip(ins, eqn.inputs)):
        return eqn
    return Eqn(eqn.prim, ins, eqn.params, eqn.outputs)


def _outputs(graph: Graph, subst: dict) -> list:
    return [subst.get(id(a), a) for a in graph.outputs]


def eliminate_dead_code(graph: Graph) -> Graph:
    """Drops equations whose outputs are never used (effectful ones are kept).

    Example:
        >>> import minitf as tf
        >>> @tf.function(autograph=False)
        ... def f(x):
        ...     tf.exp(x)
        ...     return x
        >>> len(eliminate_dead_code(f.get_concrete_function(tf.constant(1.0)).raw_graph).eqns)
        0
    """
    # BEGIN SOLUTION graphs: dead-code elimination, one backward sweep; spec: tests/test_graph_ir.py
    needed = {id(a) for a in graph.outputs if isinstance(a, Var)}
    keep = []
    for eqn in reversed(graph.eqns):
        for o in eqn.outputs:
            if id(o) in needed:
                break
        else:  # no output used: only an effect keeps it
            if not is_effectful(eqn):
                continue
        keep.append(eqn)
        for a in eqn.inputs:
            if isinstance(a, Var):
                needed.add(id(a))
    keep.reverse()
    return graph.with_eqns(keep)
    # END SOLUTION


_PLAIN = (int, float, str, bool, type(None))


def _key(value: Any) -> Any:
    """A hashable stand-in for a param or a literal (identity for opaque objects)."""
    if isinstance(value, _PLAIN):
        return (type(value), value)
    if isinstance(value, (tuple, list)):
        return (type(value), tuple(_key(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((k, _key(v)) for k, v in value.items()))
    if isinstance(value, Lit):
        v = host_value(value.value)
        if v.size <= 64 and v.dtype != object:
            return ("lit", value.dtype.name, v.shape, v.tobytes())
        return ("obj", id(value))
    return ("obj", id(value))


def eliminate_common_subexpressions(graph: Graph) -> Graph:
    """Merges equations that apply one primitive with equal params to the same inputs.

    Example:
        >>> import minitf as tf
        >>> @tf.function(autograph=False)
        ... def f(x):
        ...     return tf.exp(x) + tf.exp(x)
        >>> g = eliminate_common_subexpressions(f.get_concrete_function(tf.constant(1.0)).raw_graph)
        >>> [e.prim.name for e in g.eqns]
        ['exp', 'add']
    """
    seen: dict = {}
    subst: dict = {}
    keep = []
    for eqn in graph.eqns:
        eqn = _rewrite(eqn, subst)
        if is_effectful(eqn):
            keep.append(eqn)
            continue
        key = (eqn.prim.name,
               tuple([_key(a) if isinstance(a, Lit) else ("var", id(a)) for a in eqn.inputs]),
               _key(eqn.params) if eqn.params else ())
        prev = seen.get(key)
        if prev is None:
            seen[key] = eqn
            keep.append(eqn)
            continue
        for old, new in zip(eqn.outputs, prev.outputs):
            subst[id(old)] = new
    return graph.with_eqns(keep, _outputs(graph, subst))


def fold_constants(graph: Graph) -> Graph:
    """Computes equations whose inputs are all constants at trace time.

    Only equations with a NumPy implementation, no effects and small results are folded;
    one that fails (say, an out-of-range gather) is left to fail at run time, as it
    would without folding.

    Example:
        >>> import minitf as tf
        >>> @tf.function(autograph=False)
        ... def f(x):
        ...     return x + tf.constant(2.0) * 3.0
        >>> g = fold_constants(f.get_concrete_function(tf.constant(1.0)).raw_graph)
        >>> print(g.eqns[0].prim.name, g.eqns[0].inputs[1])
        add Lit(6.0:f32[])
    """
    from minitf.core.interpreters import _DTYPE_OF_BUFFER_DTYPE
    subst: dict = {}
    keep = []
    for eqn in graph.eqns:
        eqn = _rewrite(eqn, subst)
        # A candidate: a shape-only primitive on known shapes, or all inputs constants
        # (most equations have a Var among their inputs: nothing to fold, next).
        candidate = eqn.prim.name in _SHAPE_ONLY and all(
            None not in a.shape for a in eqn.inputs)
        if not candidate:
            candidate = True
            for a in eqn.inputs:
                if not isinstance(a, Lit):
                    candidate = False
                    break
        if not candidate:
            keep.append(eqn)
            continue
        impl = eqn.prim.impls.get("numpy")
        foldable = (impl is not None and not is_effectful(eqn) and eqn.outputs
                    and all(None not in o.shape and math.prod(o.shape) <= _MAX_FOLDED_ELEMENTS
                            for o in eqn.outputs))
        if foldable:
            # A shape-only primitive reads nothing but its input's (static) shape, so any
            # array of that shape computes its result.
            values = [a.value if isinstance(a, Lit) else np.zeros(a.shape, a.dtype.np)
                      for a in eqn.inputs]
            try:
                with np.errstate(all="ignore"):
                    out = impl(*values, **eqn.params)
            except Exception:
                foldable = False
        if not foldable:
            keep.append(eqn)
            continue
        outs = out if eqn.prim.multiple_results else (out,)
        for v, value in zip(eqn.outputs, outs):
            lit = Lit(value, _DTYPE_OF_BUFFER_DTYPE[value.dtype])
            if lit.dtype is not v.dtype or lit.shape != v.shape:
                raise AssertionError(
                    f"fold_constants: {eqn.prim.name}'s NumPy implementation returned "
                    f"{lit!r}, but its abstract evaluation promised {v!r}.")
            subst[id(v)] = lit
    return graph.with_eqns(keep, _outputs(graph, subst))


def inline_calls(graph: Graph) -> Graph:
    """Replaces each plain ``call[graph=g]`` equation by g's own equations.

    The compiled backward pass of a tape holding a traced call then runs as one flat
    program (and prints as one listing). Calls that carry anything besides ``graph``
    (a custom gradient's ``vjp=``, the residuals of a taped call) and graphs with
    captures or variable assignments are kept as they are.

    Example:
        >>> import minitf as tf
        >>> from minitf.core.tracing import trace
        >>> inner, _ = trace(lambda x: x * x, [tf.TensorSpec([], tf.float32)])
        >>> from minitf.core.call import call_graph
        >>> outer, _ = trace(lambda x: call_graph(inner, [x])[0] + 1.0,
        ...                  [tf.TensorSpec([], tf.float32)])
        >>> [e.prim.name for e in outer.eqns], [e.prim.name for e in inline_calls(outer).eqns]
        (['call', 'add'], ['mul', 'add'])
    """
    subst: dict = {}
    eqns: list = []
    changed = False
    for eqn in graph.eqns:
        eqn = _rewrite(eqn, subst)
        callee = eqn.params.get("graph") if eqn.prim.name == "call" else None
        if callee is None or len(eqn.params) != 1 or callee.captures or callee.assigned:
            eqns.append(eqn)
            continue
        changed = True
        inner = dict(zip((id(v) for v in callee.inputs), eqn.inputs))
        flat = inline_calls(callee)  # (its outputs: the callee's, after its own inlining)
        for e in flat.eqns:
            fresh = tuple(Var(o.spec, o.hint) for o in e.outputs)
            inner.update(zip((id(o) for o in e.outputs), fresh))
            eqns.append(Eqn(e.prim, tuple(inner.get(id(a), a) for a in e.inputs), e.params,
                            fresh))
        for out, result in zip(eqn.outputs, flat.outputs):
            subst[id(out)] = inner.get(id(result), result)
    if not changed:
        return graph
    return graph.with_eqns(eqns, _outputs(graph, subst))


def simplify(graph: Graph) -> Graph:
    """Folding, then CSE, then dead-code elimination: what ``tf.function`` runs.

    Example:
        >>> import minitf as tf
        >>> @tf.function(autograph=False)
        ... def f(x):
        ...     return x * (1.0 + 1.0)
        >>> raw = f.get_concrete_function(tf.constant(1.0)).raw_graph
        >>> [e.prim.name for e in simplify(raw).eqns]
        ['mul']
    """
    return eliminate_dead_code(eliminate_common_subexpressions(fold_constants(graph)))

"""A readable listing of a graph, one equation per line (``print(concrete_fn.graph)``).

The format follows JAX's jaxpr: each line is ``outputs = primitive[params] inputs``,
every value carries its type (``f32[32]``: float32 with 32 elements; ``?`` marks a size
known only at run time), constants are written inline with their type, and graphs held
in params (the branches of ``cond``, the body of ``while``) are printed nested::

    graph f(x:f32[3]) {
      capture w:f32[] from <tf.Variable 'w:0'>
      a:f32[3] = mul x w
      b:f32[] = reduce_sum[axis=(0,) keepdims=False] a
      return b
    }

Arguments keep the Python parameter names, captured variables their variable names;
intermediate values are named ``a``, ``b``, ``c``... in order of definition.

Example:
    >>> import minitf as tf
    >>> @tf.function
    ... def f(x):
    ...     return tf.reduce_sum(tf.exp(x))
    >>> print(f.get_concrete_function(tf.zeros([3])).graph)
    graph f(x:f32[3]) {
      a:f32[3] = exp x
      b:f32[] = reduce_sum[axis=(0,) keepdims=False] a
      return b
    }
"""

from __future__ import annotations

import itertools
import keyword
import math
import re
from typing import Any, Iterator

import numpy as np

from minitf.core.graph import Graph, Lit, Var, type_str

__all__ = ["graph_str", "lit_str", "Namer"]

_INLINE_ELEMENTS = 6


def lit_str(lit: Lit) -> str:
    """A constant as listings print it: ``2.0:f32[]``, ``[1 2]:i32[2]``, ``const:f32[9,9]``.

    Example:
        >>> import numpy as np
        >>> import minitf as tf
        >>> from minitf.core.graph import Lit
        >>> lit_str(Lit(np.array([1, 2], np.int32), tf.int32))
        '[1 2]:i32[2]'
    """
    value = lit.value
    size = math.prod(lit.shape)  # (1 for a scalar)
    if size <= _INLINE_ELEMENTS and not isinstance(value, (np.ndarray, np.generic)):
        from minitf.core.interpreters import backend_of
        value = backend_of(value).to_numpy(value)  # a device buffer: copy its few elements
    if size <= _INLINE_ELEMENTS and isinstance(value, (np.ndarray, np.generic)):
        text = _elements(np.asarray(value))
    else:
        text = "const"
    return f"{text}:{type_str(lit.shape, lit.dtype)}"


def _elements(a: np.ndarray) -> str:
    # Python's repr of each element (2.0, 3, True, b'x'), nested in brackets.
    if a.ndim == 0:
        return repr(a.item())
    return "[" + " ".join(_elements(x) for x in a) + "]"


def _letters() -> Iterator[str]:
    # a, b, ..., z, ba, bb, ... (jaxpr's scheme: never a keyword, never a digit first)
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    for n in itertools.count(1):
        for chars in itertools.product(alphabet, repeat=n):
            if n > 1 and chars[0] == "a":
                continue
            yield "".join(chars)


def sanitize(hint: str) -> str:
    """A hint made into a Python identifier: ``'dense/kernel:0'`` -> ``'dense_kernel'``.

    Example:
        >>> sanitize("dense/kernel:0")
        'dense_kernel'
    """
    name = hint.split(":")[0]
    name = re.sub(r"\W", "_", name).strip("_") or "v"
    if name[0].isdigit() or keyword.iskeyword(name):
        name = "v_" + name
    return name


class Namer:
    """Gives every Var of one graph a unique readable name.

    Inputs are named from their hints (argument and variable names); other Vars get
    ``a``, ``b``, ``c``... skipping names already taken.
    """

    def __init__(self, reserved: tuple = ()) -> None:
        self._names: dict = {}
        self._taken = set(reserved)
        self._letters = _letters()

    def hinted(self, var: Var) -> str:
        """Names ``var`` after its hint (made unique with ``_1``, ``_2``...)."""
        base = sanitize(var.hint) if var.hint else next(self._fresh())
        name = base
        for k in itertools.count(1):
            if name not in self._taken:
                break
            name = f"{base}_{k}"
        self._taken.add(name)
        self._names[id(var)] = name
        return name

    def _fresh(self) -> Iterator[str]:
        for name in self._letters:
            if name not in self._taken and not keyword.iskeyword(name):
                yield name

    def __call__(self, var: Var) -> str:
        name = self._names.get(id(var))
        if name is None:
            name = next(self._fresh())
            self._taken.add(name)
            self._names[id(var)] = name
        return name


def _holds_graph(value: Any) -> bool:
    return isinstance(value, Graph) or (isinstance(value, (tuple, list)) and
                                        any(isinstance(v, Graph) for v in value))


def _param_str(value: Any) -> str:
    if callable(value) and not isinstance(value, type):
        return getattr(value, "__name__", type(value).__name__)
    return repr(value)


def _capture_str(obj: Any) -> str:
    name = getattr(obj, "name", None)
    if hasattr(obj, "assign") and name is not None:
        return f"<tf.Variable '{name}'>"
    return "an enclosing trace's tensor"


def graph_str(graph: Graph, indent: str = "") -> str:
    """The listing of ``graph``; nested graphs are indented under their equation.

    Example:
        >>> import minitf as tf
        >>> @tf.function
        ... def f(x):
        ...     return -x
        >>> graph_str(f.get_concrete_function(tf.constant(1)).graph).splitlines()[1]
        '  a:i32[] = neg x'
    """
    namer = Namer()

    def atom(a: Any) -> str:
        return lit_str(a) if isinstance(a, Lit) else namer(a)

    def typed(v: Var) -> str:
        return f"{namer(v)}:{type_str(v.shape, v.dtype)}"

    n_args = graph.num_args
    arg_names = [namer.hinted(v) for v in graph.inputs[:n_args]]
    args = ", ".join(f"{n}:{type_str(v.shape, v.dtype)}"
                     for n, v in zip(arg_names, graph.inputs[:n_args]))
    lines = [f"{indent}graph {graph.name}({args}) {{"]
    body = indent + "  "
    for v, obj in zip(graph.inputs[n_args:], graph.captures):
        namer.hinted(v)
        lines.append(f"{body}capture {typed(v)} from {_capture_str(obj)}")
    for eqn in graph.eqns:
        outs = " ".join(typed(v) for v in eqn.outputs)
        lhs = f"{outs} = " if outs else ""
        ins = " ".join(atom(a) for a in eqn.inputs)
        simple = [f"{k}={_param_str(v)}" for k, v in eqn.params.items() if not _holds_graph(v)]
        nested = [(k, v) for k, v in eqn.params.items() if _holds_graph(v)]
        if not nested:
            params = f"[{' '.join(simple)}]" if simple else ""
            lines.append(f"{body}{lhs}{eqn.prim.name}{params}{' ' if ins else ''}{ins}")
            continue
        # Graphs held in params (cond branches, loop bodies) are listed inside, indented.
        lines.append(f"{body}{lhs}{eqn.prim.name}[{' '.join(simple)}")
        for k, v in nested:
            items = [(k, v)] if isinstance(v, Graph) else [(f"{k}[{i}]", g)
                                                          for i, g in enumerate(v)]
            for label, sub in items:
                sub_lines = graph_str(sub, body + "  ").splitlines()
                sub_lines[0] = f"{body}  {label}={sub_lines[0].lstrip()}"
                lines.extend(sub_lines)
        lines.append(f"{body}]{' ' if ins else ''}{ins}")
    n_res = graph.num_results
    results = ", ".join(atom(a) for a in graph.outputs[:n_res])
    lines.append(f"{body}return {results or '()'}")
    for index, a in zip(graph.assigned, graph.outputs[n_res:]):
        target = graph.inputs[index]
        lines.append(f"{body}assign {namer(target)} <- {atom(a)}")
    lines.append(f"{indent}}}")
    return "\n".join(lines)

"""Tracing the pieces of control flow: branches and loop bodies as graphs.

``tf.cond`` and ``tf.while_loop`` trace each branch or body with a child builder; each
graph captures what it reads from outside (tensors of the enclosing trace, variables).
:func:`align` gives several graphs one common operand list, so one equation can feed
whichever graph runs.

Example:
    >>> import minitf as tf
    >>> from minitf.ops._subgraphs import trace_sub
    >>> builder, result = trace_sub(lambda x: x * 2.0, "double", [tf.TensorSpec([], tf.float32)],
    ...                             ["x"])
    >>> [e.prim.name for e in builder.eqns]
    ['mul']
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from minitf import errors
from minitf.core.graph import Graph, Var
from minitf.core.spec import TensorSpec, shape_str
from minitf.core.tracing import GraphBuilder, current_builder
from minitf.tensor import Tensor, convert_to_tensor, host_array

__all__ = ["trace_sub", "align", "operands", "to_tensor", "concrete_truth"]


def trace_sub(fn: Callable[..., Any], name: str, in_specs: Sequence[TensorSpec] = (),
               hints: Sequence[str] = (), carried: Sequence[Any] = ()) -> tuple:
    """Traces ``fn(*inputs)`` in a child builder; variables in ``carried`` are inputs too."""
    from minitf.core.printing import sanitize
    b = GraphBuilder(name, current_builder())
    args = [b.new_input(s, h) for s, h in zip(in_specs, hints)]
    for v in carried:
        b.variable_input(v, sanitize(v.name))
    with b.tracing():
        result = fn(*args)
    return b, result


def capture_spec(obj: Any) -> TensorSpec:
    return TensorSpec._make(tuple(obj._shape), obj._dtype)


def align(graphs: Sequence[Graph]) -> tuple[list, list]:
    """One operand list for several graphs: the union of their captures, in order.

    Returns the captured objects and the graphs rewritten to take exactly those inputs
    (after their own arguments); a graph ignores the operands it did not capture.
    """
    union: list = []
    seen: dict = {}
    for g in graphs:
        for c in g.captures:
            if id(c) not in seen:
                seen[id(c)] = len(union)
                union.append(c)
    aligned = []
    for g in graphs:
        n = g.num_args
        mine = {id(c): v for c, v in zip(g.captures, g.inputs[n:])}
        caps = [mine.get(id(c)) or Var(capture_spec(c), getattr(c, "name", "operand"))
                for c in union]
        aligned.append(Graph(g.inputs[:n] + caps, g.eqns, g.outputs, name=g.name))
    return union, aligned


def operands(captured: Sequence[Any]) -> list:
    from minitf.variables import Variable
    return [c._read() if isinstance(c, Variable) else c for c in captured]


def to_tensor(x: Any) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if hasattr(type(x), "_as_tensor"):
        return type(x)._as_tensor(x)
    return convert_to_tensor(x)


def concrete_truth(pred: Any, op: str) -> bool:
    if isinstance(pred, Tensor):
        value = host_array(pred)
        if value.shape != ():
            raise errors.InvalidArgumentError(
                None, None, f"{op}: the predicate must be a scalar, got shape "
                            f"{shape_str(value.shape)}; reduce it first, e.g. "
                            f"tf.reduce_all(pred).")
        return bool(value)
    return bool(pred)

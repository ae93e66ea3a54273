"""Elementwise fusion: a graph pass that turns chains of elementwise equations into one
``fused_elementwise`` equation, which the Triton backend runs as one generated kernel.

Why: on a GPU an elementwise op is memory-bound — its time is the bytes it moves. A
chain ``y = tanh(x * w + b)`` run op by op writes and re-reads every intermediate; fused,
each input is read once and each result written once (see :mod:`minitf.kernels.fused`).

What fuses: equations of the arithmetic primitives the kernels know (``add sub mul div
max min neg exp log sqrt tanh sigmoid abs``) on one floating dtype and one fully known
shape, whose operands have that shape or are rank 0. A rank-0 literal becomes a constant
in the kernel's source. A run of such equations in graph order is one group; the run
may step over unrelated equations (a ``broadcast_to`` of a bias) as long as they do not
read a value of the run — those are moved before the fused equation, which keeps the
order valid. A value of the group used later, or returned, becomes an output.

The ``fused_elementwise`` primitive carries the group as data (``program``: a tuple of
``(op, arg, ...)`` with value numbers and float constants, as in
:mod:`minitf.kernels.fused`), so graphs that contain it still print, typecheck and save.
Its NumPy implementation replays the program with the original primitives' NumPy
implementations, so it is bit-for-bit the unfused result on the CPU.

Example:
    >>> import minitf as tf
    >>> from minitf.backends.fusion import fuse_elementwise
    >>> @tf.function
    ... def f(x, w):
    ...     return tf.tanh(x * w + 1.0)
    >>> g = f.get_concrete_function(tf.zeros([3]), tf.zeros([3])).graph
    >>> [e.prim.name for e in fuse_elementwise(g).eqns]
    ['fused_elementwise']
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minitf.core.graph import Eqn, Graph, Lit, Var
from minitf.core.interpreters import bind, host_value
from minitf.core.primitive import PRIMITIVES, Primitive
from minitf.core.spec import TensorSpec

__all__ = ["FUSIBLE", "fuse_elementwise", "fused_elementwise_p"]

FUSIBLE = ("add", "sub", "mul", "div", "max", "min",
           "neg", "exp", "log", "sqrt", "tanh", "sigmoid", "abs")

fused_elementwise_p = Primitive("fused_elementwise", multiple_results=True)


@fused_elementwise_p.def_abstract_eval
def _fused_abstract(*xs: TensorSpec, program: tuple, outputs: tuple) -> list:
    shape = max((x.shape._dims for x in xs), key=len)  # full-shape inputs or rank 0
    return [TensorSpec._make(shape, xs[0].dtype) for _ in outputs]


def _replay(program: tuple, inputs: list, outputs: tuple, apply: Any, const: Any) -> list:
    values = list(inputs)
    for op, *args in program:
        values.append(apply(op, *[values[a] if isinstance(a, int) else const(a)
                                  for a in args]))
    return [values[o] for o in outputs]


@fused_elementwise_p.def_impl("numpy")
def _fused_numpy(*xs: Any, program: tuple, outputs: tuple) -> list:
    dtype = np.asarray(xs[0]).dtype.type
    return _replay(program, list(xs), outputs,
                   lambda op, *a: PRIMITIVES[op].impls["numpy"](*a), dtype)


@fused_elementwise_p.def_vjp
def _fused_vjp(gs: list, *xs: Any, out: list, program: tuple, outputs: tuple) -> tuple:
    # Replay the chain with bind under a fresh tape: its VJP is the chain's VJPs, so the
    # gradient is made of ordinary equations (and can be differentiated again).
    from minitf.autodiff import GradientTape
    from minitf.tensor import convert_to_tensor
    with GradientTape(persistent=False, watch_accessed_variables=False) as tape:
        for x in xs:
            tape.watch(x)
        ys = _replay(program, list(xs), outputs, lambda op, *a: bind(PRIMITIVES[op], *a),
                     lambda c: convert_to_tensor(c, dtype=xs[0].dtype))
    keep = [(y, g) for y, g in zip(ys, gs) if g is not None]
    grads = tape.gradient([y for y, _ in keep], list(xs),
                          output_gradients=[g for _, g in keep])
    return tuple(grads)


# ---------------------------------------------------------------------------------------
# The pass
# ---------------------------------------------------------------------------------------
def _member_type(eqn: Eqn) -> Any:
    """(shape, dtype) if ``eqn`` can join a fused group, else None."""
    if eqn.prim.name not in FUSIBLE or len(eqn.outputs) != 1:
        return None
    out = eqn.outputs[0]
    if not out.dtype.is_floating or None in out.shape:
        return None
    for a in eqn.inputs:
        if a.dtype is not out.dtype or (a.shape != out.shape and a.shape != ()):
            return None
    if all(_constant(a) is not None for a in eqn.inputs):
        return None  # constants only: left to constant folding
    return (out.shape, out.dtype)


class _Group:
    """A run of fusible equations being collected."""

    def __init__(self, kind: tuple) -> None:
        self.kind = kind
        self.eqns: list = []
        self.defined: set = set()   # ids of Vars the group defines

    def reads_from(self, eqn: Eqn) -> bool:
        return any(isinstance(a, Var) and id(a) in self.defined for a in eqn.inputs)

    def add(self, eqn: Eqn) -> None:
        self.eqns.append(eqn)
        self.defined.add(id(eqn.outputs[0]))

    def fused(self, used_outside: set) -> list:
        """One ``fused_elementwise`` equation (or the lone equation of a run of one)."""
        if len(self.eqns) == 1:
            return self.eqns
        # 1. The inputs: atoms from outside the group, in order of first use (scalar
        #    constants go into the kernel's source instead).
        inputs: list = []
        for eqn in self.eqns:
            for a in eqn.inputs:
                if (_constant(a) is None and id(a) not in self.defined
                        and all(a is not b for b in inputs)):
                    inputs.append(a)
        # 2. The program: inputs are values 0..n-1, equation j defines value n + j.
        number = {id(a): i for i, a in enumerate(inputs)}
        program = []
        for j, eqn in enumerate(self.eqns):
            args = [number[id(a)] if _constant(a) is None else _constant(a)
                    for a in eqn.inputs]
            program.append((eqn.prim.name, *args))
            number[id(eqn.outputs[0])] = len(inputs) + j
        outs = [e.outputs[0] for e in self.eqns if id(e.outputs[0]) in used_outside]
        params = {"program": tuple(program),
                  "outputs": tuple(number[id(v)] for v in outs)}
        return [Eqn(fused_elementwise_p, tuple(inputs), params, tuple(outs))]


def _constant(atom: Any) -> Any:
    """A rank-0 finite literal as a Python float (it becomes a constant in the kernel)."""
    if isinstance(atom, Lit) and atom.shape == ():
        value = float(host_value(atom.value))
        if np.isfinite(value):
            return value
    return None


def fuse_elementwise(graph: Graph) -> Graph:
    """The graph with each run of fusible elementwise equations replaced by one
    ``fused_elementwise`` equation (see the module docstring).

    Example:
        >>> import minitf as tf
        >>> from minitf.backends.fusion import fuse_elementwise
        >>> @tf.function
        ... def f(x):
        ...     return tf.exp(-x) * 2.0
        >>> print(fuse_elementwise(f.get_concrete_function(tf.zeros([2])).graph))
        graph f(x:f32[2]) {
          a:f32[2] = fused_elementwise[program=(('neg', 0), ('exp', 1), ('mul', 2, 2.0)) outputs=(3,)] x
          return a
        }
    """
    # Who reads each Var: group values read by anything outside the group are outputs.
    readers: dict = {}
    for eqn in graph.eqns:
        for a in eqn.inputs:
            if isinstance(a, Var):
                readers.setdefault(id(a), []).append(eqn)
    returned = {id(a) for a in graph.outputs if isinstance(a, Var)}
    new_eqns: list = []
    group: Any = None

    def close() -> None:
        nonlocal group
        if group is not None:
            members = {id(e) for e in group.eqns}
            used = {v for v in group.defined if v in returned or
                    any(id(r) not in members for r in readers.get(v, ()))}
            new_eqns.extend(group.fused(used))
            group = None

    for eqn in graph.eqns:
        kind = _member_type(eqn)
        if kind is not None and group is not None and kind == group.kind:
            group.add(eqn)
        elif group is not None and not group.reads_from(eqn) and not eqn.prim.effectful:
            new_eqns.append(eqn)          # step over it: it does not need the group
        elif kind is not None:
            close()
            group = _Group(kind)
            group.add(eqn)
        else:
            close()
            new_eqns.append(eqn)
    close()
    if len(new_eqns) == len(graph.eqns):
        return graph
    return graph.with_eqns(new_eqns)

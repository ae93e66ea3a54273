"""The IR shared by the tape and by traced graphs: ``Var``, ``Lit``, ``Eqn``, ``Graph``.

An :class:`Eqn` is one primitive application: ``outputs = prim(*inputs, **params)``.
``GradientTape`` records Eqns whose inputs and outputs are the concrete tensors it saw;
``tf.function`` stages Eqns into a :class:`Graph` whose atoms are symbolic:

* a :class:`Var` is a value known only by its type (a ``TensorSpec``): a graph input or
  the output of an equation;
* a :class:`Lit` is a constant baked into the graph (a concrete tensor the traced
  function used, such as the ``2.0`` of ``x * 2.0``).

A graph is a pure function of its inputs. Its inputs are the function's arguments
followed by its *captures* (the values it reads from outside: variables, by reference,
and tensors of an enclosing trace). A graph that assigns variables returns their new
values as extra outputs, and whoever runs the graph writes them back (``assigned``).

Three small interpreters walk a graph: :func:`typecheck` re-derives every type with the
primitives' abstract-evaluation rules, :func:`eval_graph` applies every equation with
``bind`` (so a tape watching the inputs records the whole computation and can
differentiate it), and :mod:`minitf.core.compile` turns it into straight-line Python.

Example:
    >>> import minitf as tf
    >>> @tf.function
    ... def f(x):
    ...     return tf.exp(x) * 2.0
    >>> g = f.get_concrete_function(tf.TensorSpec([3], tf.float32)).graph
    >>> [e.prim.name for e in g.eqns]
    ['exp', 'mul']
    >>> eval_graph(g, tf.constant([0.0, 0.0, 0.0]))[0].numpy()
    array([2., 2., 2.], dtype=float32)
"""

from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence

from minitf import dtypes as _dtypes
from minitf.core.primitive import Primitive
from minitf.core.spec import TensorSpec

__all__ = ["Eqn", "Var", "Lit", "Graph", "typecheck", "eval_graph", "GraphTypeError",
           "is_effectful"]


class Eqn:
    """``outputs = prim(*inputs, **params)``.

    Attributes:
        prim: the primitive.
        inputs: the input atoms (tensors on a tape; Var/Lit in a Graph).
        params: the primitive's keyword metadata.
        outputs: the output atoms.

    Example:
        >>> import minitf as tf
        >>> from minitf.core.primitive import PRIMITIVES
        >>> x = tf.constant(2.0)
        >>> Eqn(PRIMITIVES["neg"], (x,), {}, (tf.negative(x),)).prim.name
        'neg'
    """

    __slots__ = ("prim", "inputs", "params", "outputs")

    def __init__(self, prim: Primitive, inputs: tuple, params: dict, outputs: tuple) -> None:
        self.prim = prim
        self.inputs = inputs
        self.params = params
        self.outputs = outputs

    def __repr__(self) -> str:
        params = "".join(f" {k}={v!r}" for k, v in self.params.items())
        return f"Eqn({self.prim.name}{params}: {len(self.inputs)} in, {len(self.outputs)} out)"


class Var:
    """A symbolic value in a graph, known only by its shape and dtype.

    Vars compare by identity: two Vars of the same type are different values.

    Args:
        spec: the value's type (shape may hold None for sizes known only at run time).
        hint: a readable name the printer tries to use (``"x"``, ``"w_q"``).

    Example:
        >>> import minitf as tf
        >>> Var(tf.TensorSpec([2], tf.float32)).spec
        TensorSpec(shape=(2,), dtype=tf.float32, name=None)
    """

    __slots__ = ("shape", "dtype", "hint", "_spec")

    def __init__(self, spec: TensorSpec, hint: Optional[str] = None) -> None:
        self.hint = hint
        if type(spec) is TensorSpec and type(spec._shape._dims) is tuple:
            # (Tracing makes a Var per result: the spec's own fields, read directly.) It
            # asks for a Var's spec each time it is an operand (abstract evaluation takes
            # specs): keep the one it was made from when that one is plain.
            self.shape: tuple = spec._shape._dims
            self.dtype: _dtypes.DType = spec._dtype
            self._spec = spec if spec._name is None else None
            return
        self.shape = tuple(spec.shape.as_tuple())
        self.dtype = spec.dtype
        self._spec = None

    @property
    def spec(self) -> TensorSpec:
        """The value's type as a ``TensorSpec``."""
        spec = self._spec
        if spec is None:
            spec = self._spec = TensorSpec._make(self.shape, self.dtype)
        return spec

    def __repr__(self) -> str:
        return f"Var({self.hint or '?'}: {type_str(self.shape, self.dtype)})"


class Lit:
    """A constant in a graph: a concrete buffer the traced function used.

    Args:
        value: the backend buffer (a NumPy array or NumPy scalar on the CPU).
        dtype: its minitf dtype.

    Example:
        >>> import numpy as np
        >>> import minitf as tf
        >>> Lit(np.float32(2.0), tf.float32)
        Lit(2.0:f32[])
    """

    __slots__ = ("value", "dtype", "shape", "_spec")

    def __init__(self, value: Any, dtype: _dtypes.DType) -> None:
        self.value = value
        self.dtype = dtype
        self.shape: tuple = tuple(value.shape)
        self._spec: Optional[TensorSpec] = None

    @property
    def spec(self) -> TensorSpec:
        """The constant's type."""
        spec = self._spec
        if spec is None:
            spec = self._spec = TensorSpec._make(self.shape, self.dtype)
        return spec

    def __repr__(self) -> str:
        from minitf.core.printing import lit_str
        return f"Lit({lit_str(self)})"


_SHORT = {"float16": "f16", "float32": "f32", "float64": "f64", "int8": "i8", "int16": "i16",
          "int32": "i32", "int64": "i64", "uint8": "u8", "uint16": "u16", "uint32": "u32",
          "uint64": "u64", "bool": "bool", "string": "str"}


def type_str(shape: Optional[Sequence], dtype: _dtypes.DType) -> str:
    """A compact type as graph listings print it: ``f32[2,?]`` (``?`` for unknown sizes).

    Example:
        >>> import minitf as tf
        >>> type_str((2, None), tf.float32)
        'f32[2,?]'
    """
    dims = "?" if shape is None else ",".join("?" if d is None else str(d) for d in shape)
    return f"{_SHORT.get(dtype.name, dtype.name)}[{dims}]"


class Graph:
    """A traced function: typed inputs, a list of equations, outputs.

    Args:
        inputs: the input Vars: the arguments, then one per capture.
        eqns: the equations, in an order where every input is defined before use.
        outputs: the output atoms (Var or Lit): the results, then the new value of each
            assigned variable.
        captures: the outside objects feeding the last ``len(captures)`` inputs — a
            ``tf.Variable`` (its current value is read at each call) or a tensor of an
            enclosing trace.
        assigned: for each assigned variable, the index of the input that holds it; its
            new value is ``outputs[num_results + k]``.
        name: the traced function's name (printed).

    Example:
        >>> import minitf as tf
        >>> @tf.function
        ... def f(x):
        ...     return x + 1.0
        >>> g = f.get_concrete_function(tf.TensorSpec([], tf.float32)).graph
        >>> print(g)
        graph f(x:f32[]) {
          a:f32[] = add x 1.0:f32[]
          return a
        }
    """

    def __init__(self, inputs: Sequence[Var], eqns: Sequence[Eqn], outputs: Sequence[Any], *,
                 captures: Sequence[Any] = (), assigned: Sequence[int] = (),
                 name: str = "graph") -> None:
        self.inputs = list(inputs)
        self.eqns = list(eqns)
        self.outputs = list(outputs)
        self.captures = list(captures)
        self.assigned = tuple(assigned)
        self.name = name
        # Caches filled on first use: the compiled Python function, derived VJP graphs.
        self._compiled: Any = None
        self._derived: dict = {}

    @property
    def num_args(self) -> int:
        """How many inputs are arguments (the rest are captures)."""
        return len(self.inputs) - len(self.captures)

    @property
    def num_results(self) -> int:
        """How many outputs are results (the rest are new values of variables)."""
        return len(self.outputs) - len(self.assigned)

    @property
    def in_specs(self) -> list:
        """The input types."""
        return [v.spec for v in self.inputs]

    @property
    def out_specs(self) -> list:
        """The output types."""
        return [a.spec for a in self.outputs]

    def python_source(self) -> str:
        """The straight-line Python this graph runs as when nothing needs recording.

        Example:
            >>> import minitf as tf
            >>> @tf.function
            ... def f(x):
            ...     return x * x
            >>> print(f.get_concrete_function(tf.constant(1.0)).graph.python_source())
            def f(x):
                a = x * x  # mul
                return (a,)
        """
        from minitf.core.compile import python_source
        return python_source(self)

    def compiled(self) -> Any:
        """The graph as a Python function from input buffers to a tuple of output buffers."""
        if self._compiled is None:
            from minitf.core.compile import compile_graph
            self._compiled = compile_graph(self)
        return self._compiled

    def run(self, *buffers: Any) -> tuple:
        """Runs the graph on input buffers: interpreted the first time, compiled after.

        Writing and compiling its straight-line code costs more than one interpreted run
        (the equations' own NumPy implementations, whose results the compiled lines
        reproduce bit for bit), so a graph run once is never compiled: say the backward
        pass of a traced call walked once, before a training loop compiles whole steps.

        Example:
            >>> import minitf as tf, numpy as np
            >>> from minitf.core.tracing import trace
            >>> g, _ = trace(lambda x: x * 3.0, [tf.TensorSpec([], tf.float32)])
            >>> g.run(np.float32(2.0)), g._compiled is None, g.run(np.float32(2.0))
            ((np.float32(6.0),), True, (np.float32(6.0),))
        """
        if self._compiled is None and not self._derived.get("ran") \
                and all("numpy" in e.prim.impls for e in self.eqns):
            self._derived["ran"] = True
            return _interpret(self, buffers)
        return self.compiled()(*buffers)

    def with_eqns(self, eqns: Sequence[Eqn], outputs: Optional[Sequence[Any]] = None
                  ) -> "Graph":
        """A copy with other equations (and outputs): what the clean-up passes return."""
        return Graph(self.inputs, eqns, self.outputs if outputs is None else outputs,
                     captures=self.captures, assigned=self.assigned, name=self.name)

    def __str__(self) -> str:
        from minitf.core.printing import graph_str
        return graph_str(self)

    def __repr__(self) -> str:
        return (f"<Graph {self.name}: {len(self.inputs)} inputs, {len(self.eqns)} equations, "
                f"{len(self.outputs)} outputs>")


class GraphTypeError(TypeError):
    """A graph is malformed: a Var used before it is defined, or a type that disagrees
    with what its primitive's abstract evaluation derives."""


def _same_type(a: TensorSpec, shape: tuple, dtype: _dtypes.DType) -> bool:
    return a.dtype is dtype and tuple(a.shape.as_tuple() or ()) == tuple(shape)


def typecheck(graph: Graph) -> None:
    """Checks a graph: every Var defined once before use, every type re-derived.

    Abstract evaluation of each equation (the primitive's shape/dtype rule applied to
    the input types) must give exactly the types its output Vars carry.

    Raises:
        GraphTypeError: naming the equation and both types.

    Example:
        >>> import minitf as tf
        >>> @tf.function
        ... def f(x):
        ...     return tf.reduce_sum(x * 2.0)
        >>> typecheck(f.get_concrete_function(tf.zeros([3])).graph)
    """
    defined: set = set()
    for v in graph.inputs:
        if id(v) in defined:
            raise GraphTypeError(f"graph {graph.name}: input {v!r} is listed twice.")
        defined.add(id(v))

    def check_atom(a: Any, where: str) -> None:
        if isinstance(a, Lit):
            return
        if not isinstance(a, Var):
            raise GraphTypeError(f"graph {graph.name}: {where} uses {a!r}, not a Var or Lit.")
        if id(a) not in defined:
            raise GraphTypeError(f"graph {graph.name}: {where} uses {a!r} before it is "
                                 f"defined.")

    for i, eqn in enumerate(graph.eqns):
        where = f"equation {i} ({eqn.prim.name})"
        for a in eqn.inputs:
            check_atom(a, where)
        specs = eqn.prim.abstract_eval(*[a.spec for a in eqn.inputs], **eqn.params)
        specs = list(specs) if eqn.prim.multiple_results else [specs]
        if len(specs) != len(eqn.outputs):
            raise GraphTypeError(f"graph {graph.name}: {where} has {len(eqn.outputs)} outputs "
                                 f"but its abstract evaluation gives {len(specs)}.")
        for spec, out in zip(specs, eqn.outputs):
            if not _same_type(spec, out.shape, out.dtype):
                raise GraphTypeError(
                    f"graph {graph.name}: {where} output {out!r} has type "
                    f"{type_str(out.shape, out.dtype)} but abstract evaluation gives "
                    f"{type_str(spec.shape.as_tuple(), spec.dtype)}.")
            if id(out) in defined:
                raise GraphTypeError(f"graph {graph.name}: {where} redefines {out!r}.")
            defined.add(id(out))
    for a in graph.outputs:
        check_atom(a, "the outputs")


def eval_graph(graph: Graph, *args: Any) -> list:
    """Runs a graph by applying each equation with ``bind`` (the reference interpreter).

    Because every equation goes through ``bind``, a ``GradientTape`` watching the
    arguments records the whole computation, and a trace in progress stages it.

    Args:
        graph: the graph.
        *args: one tensor per graph input (arguments, then captured values).

    Returns:
        The list of output tensors (results, then new values of assigned variables).

    Example:
        >>> import minitf as tf
        >>> @tf.function
        ... def f(x):
        ...     return x * 3.0
        >>> g = f.get_concrete_function(tf.TensorSpec([], tf.float32)).graph
        >>> eval_graph(g, tf.constant(2.0))[0].numpy()
        np.float32(6.0)
    """
    from minitf.core.interpreters import bind
    if len(args) != len(graph.inputs):
        raise TypeError(f"graph {graph.name} takes {len(graph.inputs)} inputs, got {len(args)}.")
    # BEGIN SOLUTION graphs: evaluate a graph equation by equation; spec: tests/test_graph_ir.py
    env = {id(v): x for v, x in zip(graph.inputs, args)}

    def read(a: Any) -> Any:
        return lit_tensor(a) if isinstance(a, Lit) else env[id(a)]

    for eqn in graph.eqns:
        outs = bind(eqn.prim, *[read(a) for a in eqn.inputs], **eqn.params)
        for v, x in zip(eqn.outputs, outs if eqn.prim.multiple_results else (outs,)):
            env[id(v)] = x
    return [read(a) for a in graph.outputs]
    # END SOLUTION


def _interpret(graph: Graph, buffers: Sequence[Any]) -> tuple:
    # Graph.run's first run: each equation's NumPy implementation on the buffers, the
    # constants as the compiled code holds them (rank 0: NumPy scalars).
    from minitf.core.compile import _as_scalar
    env = {id(v): x for v, x in zip(graph.inputs, buffers)}

    def read(a: Any) -> Any:
        return _as_scalar(a.value) if isinstance(a, Lit) else env[id(a)]

    for eqn in graph.eqns:
        out = eqn.prim.impls["numpy"](*[read(a) for a in eqn.inputs], **eqn.params)
        for v, x in zip(eqn.outputs, out if eqn.prim.multiple_results else (out,)):
            env[id(v)] = x
    return tuple(read(a) for a in graph.outputs)


def lit_tensor(lit: Lit) -> Any:
    """A concrete Tensor holding a literal's value."""
    from minitf.tensor import Tensor
    t = object.__new__(Tensor)
    t._value = lit.value
    t._dtype = lit.dtype
    return t


def has_effects(graph: Graph) -> bool:
    """Whether running ``graph`` has side effects (an effectful equation, at any depth)."""
    got = graph._derived.get("effects")
    if got is None:
        got = graph._derived["effects"] = any(is_effectful(e) for e in graph.eqns)
    return got


def is_effectful(eqn: Eqn) -> bool:
    """Whether an equation must run even if its results are unused, and never be merged.

    True for effectful primitives (random draws, ``print``) and for equations that hold
    a graph with such an equation (a ``cond`` or ``while`` whose body prints).
    """
    if eqn.prim.effectful:
        return True
    params = eqn.params
    if not params:  # (most equations: an elementwise op)
        return False
    for value in params.values():
        if isinstance(value, Graph) and has_effects(value):
            return True
        if isinstance(value, (tuple, list)) and any(
                isinstance(g, Graph) and has_effects(g) for g in value):
            return True
    return False


def free_vars(eqns: Iterable[Eqn]) -> set:
    """The ids of Vars the equations use (inputs that are Vars)."""
    return {id(a) for e in eqns for a in e.inputs if isinstance(a, Var)}

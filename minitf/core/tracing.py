"""Tracing: running Python with symbolic tensors to record a :class:`Graph`.

While a :class:`GraphBuilder` is the context's ``builder``, ``bind`` does not compute:
it calls ``builder.stage(prim, args, params)``, which asks the primitive's abstract
evaluation for the output types and returns new *symbolic* tensors
(:class:`GraphTensor`: a Tensor with no value, only a shape and a dtype). Concrete
tensors the function uses become constants (``Lit``).

Variables are captured *by reference*: the first read of a variable gives the graph one
more input, fed with the variable's value each time the graph runs. An assignment
records the new (symbolic) value; later reads in the same trace see it, and the graph
returns it so that the caller can write it back.

Builders nest: the branches of ``tf.cond``, the body of ``tf.while_loop`` and an inner
``tf.function`` are traced by a child builder. A child that meets a tensor of an
enclosing trace (or a variable) captures it as one more input.

Example:
    >>> import minitf as tf
    >>> from minitf.core.tracing import trace
    >>> graph, _ = trace(lambda x: tf.exp(x) + 1.0, [tf.TensorSpec([2], tf.float32)])
    >>> [e.prim.name for e in graph.eqns]
    ['exp', 'add']
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

from minitf import errors, nest
from minitf.core import interpreters
from minitf.core.graph import Eqn, Graph, Lit, Var
from minitf.core.spec import TensorShape, TensorSpec, shape_str
from minitf.tensor import Tensor, _symbolic_value_error, convert_to_tensor

__all__ = ["GraphTensor", "GraphBuilder", "trace", "is_symbolic", "current_builder"]


def is_symbolic(x: Any) -> bool:
    """Whether ``x`` is a symbolic tensor of a trace (it has no value yet).

    Example:
        >>> import minitf as tf
        >>> is_symbolic(tf.constant(1.0))
        False
    """
    return isinstance(x, GraphTensor)


def current_builder() -> Optional["GraphBuilder"]:
    """The builder of the trace in progress, or None when running eagerly."""
    return interpreters.current().builder


_BOOL_HELP = (
    "Using a symbolic `tf.Tensor` as a Python `bool` is not allowed: inside a tf.function "
    "its value is only known when the graph runs. Write the `if`/`while` on the tensor "
    "directly in the decorated function's body (AutoGraph turns it into tf.cond / "
    "tf.while_loop), or call tf.cond(pred, true_fn, false_fn) / tf.while_loop(cond, body, "
    "loop_vars) yourself.")
_ITER_HELP = (
    "Iterating over a symbolic `tf.Tensor` is not allowed: inside a tf.function its "
    "length may only be known when the graph runs. Write the `for` loop directly in the "
    "decorated function's body (AutoGraph turns it into tf.while_loop), or unpack with "
    "tf.unstack(x) / index with x[i].")


class SymbolicValueError(AttributeError, NotImplementedError):
    """Asking a symbolic tensor for its value (``.numpy()``) inside or after a trace."""


class GraphTensor(Tensor):
    """A symbolic tensor: the type of a value in a graph being traced, with no value.

    Ops on it are staged into the graph. Asking for its value (``.numpy()``, ``bool()``,
    ``float()``) is an error that says what to write instead.

    Example:
        >>> import minitf as tf
        >>> @tf.function
        ... def f(x):
        ...     print(x)
        ...     return x
        >>> _ = f(tf.constant([1.0, 2.0]))
        Tensor("x:0", shape=(2,), dtype=float32)
    """

    __slots__ = ("_static_shape", "_var", "_builder", "_tname")

    @property
    def _shape(self) -> tuple:
        return self._static_shape

    @property
    def shape(self) -> TensorShape:
        """The static shape (None for sizes known only at run time)."""
        return TensorShape._from_tuple(self._static_shape)

    @property
    def ndim(self) -> int:
        """The rank."""
        return len(self._static_shape)

    @property
    def name(self) -> str:
        """TF's tensor name: the op (or argument) name and ``:0``."""
        return f"{self._tname}:0"

    @property
    def device(self) -> str:
        """Graph tensors are placed when the graph runs."""
        return ""

    @property
    def graph(self) -> Any:
        """The builder of the graph this tensor belongs to."""
        return self._builder

    def numpy(self) -> Any:
        """Always an error: a symbolic tensor has no value yet.

        The error is an ``AttributeError`` (TF's symbolic tensors have no ``numpy``
        attribute, and its guides catch that) that is also a ``NotImplementedError``.
        """
        raise SymbolicValueError(str(_symbolic_value_error(self)))

    def __array__(self, dtype: Any = None, copy: Optional[bool] = None) -> Any:
        raise _symbolic_value_error(self)

    def __bool__(self) -> bool:
        raise errors.OperatorNotAllowedInGraphError(
            _BOOL_HELP + getattr(self._builder, "autograph_note", ""))

    def __iter__(self) -> Any:
        raise errors.OperatorNotAllowedInGraphError(
            _ITER_HELP + getattr(self._builder, "autograph_note", ""))

    def __repr__(self) -> str:
        return f"<tf.Tensor '{self.name}' shape={shape_str(self._static_shape)} " \
               f"dtype={self._dtype.name}>"

    def __str__(self) -> str:
        return f'Tensor("{self.name}", shape={shape_str(self._static_shape)}, ' \
               f'dtype={self._dtype.name})'


def _new_graph_tensor(var: Var, builder: "GraphBuilder", name: str) -> GraphTensor:
    t = object.__new__(GraphTensor)
    t._value = None
    t._dtype = var.dtype
    t._static_shape = var.shape
    t._var = var
    t._builder = builder
    t._tname = name
    return t


class GraphBuilder:
    """Collects the equations of one trace (the ``builder`` of the interpreter context).

    Args:
        name: the graph's name (the traced function's).
        parent: the builder of the enclosing trace, if any.

    Example:
        >>> import minitf as tf
        >>> b = GraphBuilder("double")
        >>> x = b.new_input(tf.TensorSpec([], tf.float32), "x")
        >>> with b.tracing():
        ...     y = x * 2.0
        >>> print(b.build([y]))
        graph double(x:f32[]) {
          a:f32[] = mul x 2.0:f32[]
          return a
        }
    """

    def __init__(self, name: str = "graph", parent: Optional["GraphBuilder"] = None) -> None:
        self.name = name
        self.parent = parent
        self.eqns: list = []
        self._arg_inputs: list = []
        self._capture_inputs: list = []
        self.captures: list = []
        self._captured: dict = {}        # id(outer tensor) -> our GraphTensor
        self._variables: dict = {}       # id(var) -> [var, current value, input index]
        self.assigned: dict = {}         # id(var) -> var, in order of first assignment
        self.created_variables: list = []
        self._names: dict = {}  # name -> how many tensors have taken it
        self.autograph_note = ""

    # -- inputs ----------------------------------------------------------------------
    def _unique(self, base: str) -> str:
        names = self._names
        n = names.get(base, 0)
        names[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    def new_input(self, spec: TensorSpec, hint: str = "input") -> GraphTensor:
        """Adds an argument input of type ``spec``; returns its symbolic tensor."""
        var = Var(spec, hint)
        self._arg_inputs.append(var)
        return _new_graph_tensor(var, self, self._unique(hint))

    def variable_input(self, variable: Any, hint: str) -> GraphTensor:
        """Adds an argument input that holds ``variable``'s value (a variable argument).

        Reads of ``variable`` in this trace give this input; assignments to it are
        written back to whichever variable the caller passes in this position.
        """
        t = self.new_input(TensorSpec._make(tuple(variable._shape), variable._dtype), hint)
        self._variables[id(variable)] = [variable, t, ("arg", len(self._arg_inputs) - 1)]
        return t

    def _capture(self, obj: Any, spec: TensorSpec, hint: str) -> GraphTensor:
        var = Var(spec, hint)
        self._capture_inputs.append(var)
        self.captures.append(obj)
        return _new_graph_tensor(var, self, self._unique(hint))

    # -- the interpreter hooks -------------------------------------------------------
    def _atom(self, x: Any) -> Any:
        if type(x) is GraphTensor and x._builder is self:  # (the common case, first)
            return x._var
        if isinstance(x, GraphTensor):
            if x._builder is self:
                return x._var
            return self._capture_tensor(x)._var
        if isinstance(x, Tensor):
            return Lit(x._value, x._dtype)
        return Lit(convert_to_tensor(x)._value, convert_to_tensor(x)._dtype)

    def _capture_tensor(self, x: GraphTensor) -> GraphTensor:
        got = self._captured.get(id(x))
        if got is not None:
            return got
        b = self.parent
        while b is not None and b is not x._builder:
            b = b.parent
        if b is None:
            raise errors.InvalidArgumentError(
                None, None,
                f"The symbolic tensor {x} belongs to another tf.function's trace, which has "
                f"finished (a tensor 'leaked' out of it, e.g. stored on self or in a global). "
                f"Return the value from the function that computes it instead of storing it.")
        t = self._capture(x, TensorSpec._make(x._static_shape, x._dtype), x._tname)
        self._captured[id(x)] = t
        return t

    def stage(self, prim: Any, args: Sequence[Any], params: dict) -> Any:
        """Records ``prim(*args, **params)``; returns symbolic output tensor(s)."""
        # BEGIN SOLUTION graphs: stage an equation, give its outputs; spec: tests/test_graph_ir.py
        ins = tuple([self._atom(a) for a in args])
        specs = prim.abstract_eval(*[a.spec for a in ins], **params)
        name = self._unique(prim.name)
        if not prim.multiple_results:  # (most primitives: one Var, one tensor)
            out = Var(specs)
            self.eqns.append(Eqn(prim, ins, params, (out,)))
            return _new_graph_tensor(out, self, name)
        outs = tuple(Var(s) for s in specs)
        self.eqns.append(Eqn(prim, ins, params, outs))
        return [_new_graph_tensor(v, self, name) for v in outs]
        # END SOLUTION

    def read_variable(self, variable: Any) -> Tensor:
        """The variable's current value in this trace (captured on first read)."""
        entry = self._variables.get(id(variable))
        if entry is None:
            from minitf.core.printing import sanitize
            spec = TensorSpec._make(tuple(variable._shape), variable._dtype)
            t = self._capture(variable, spec, sanitize(variable.name))
            entry = self._variables[id(variable)] = [
                variable, t, ("capture", len(self.captures) - 1)]
        return entry[1]

    def assign_variable(self, variable: Any, value: Tensor) -> None:
        """Records that ``variable`` now holds ``value`` (written back after the call)."""
        self.read_variable(variable)  # the graph needs an input naming the variable
        self._variables[id(variable)][1] = value
        self.assigned.setdefault(id(variable), variable)

    # -- results ---------------------------------------------------------------------
    def tracing(self) -> Any:
        """A context in which ops are staged into this builder (and no tape records)."""
        ctx = interpreters.current()
        return interpreters.using(ctx.replace(builder=self, tapes=()))

    def output_atom(self, value: Any) -> Any:
        """The graph atom for a traced function's output leaf."""
        if hasattr(type(value), "_as_tensor") and not isinstance(value, Tensor):
            with self.tracing():
                value = type(value)._as_tensor(value)
        if not isinstance(value, Tensor):
            value = convert_to_tensor(value)
        return self._atom(value)

    def build(self, outputs: Sequence[Any], include_assigned: bool = True) -> Graph:
        """The graph: ``outputs`` (tensors or convertible values), then assigned values.

        ``include_assigned=False`` leaves assignments out (control flow threads them
        itself, see :mod:`minitf.ops.control_flow`).
        """
        atoms = [self.output_atom(o) for o in outputs]
        n_args = len(self._arg_inputs)
        assigned = []
        for vid in (self.assigned if include_assigned else ()):
            variable, value, (kind, index) = self._variables[vid]
            assigned.append(index if kind == "arg" else n_args + index)
            atoms.append(self._atom(value))
        return Graph(self._arg_inputs + self._capture_inputs, self.eqns, atoms,
                     captures=self.captures, assigned=assigned, name=self.name)

    def __repr__(self) -> str:
        return f"<GraphBuilder {self.name}: {len(self.eqns)} equations>"


def _note_created_variable(variable: Any) -> None:
    # Variable.__init__ calls every creation hook after building the variable; inside a
    # trace, the builder remembers it (tf.function allows creation on the first trace only).
    builder = interpreters.current().builder
    if builder is not None:
        builder.created_variables.append(variable)


def _install_hook() -> None:
    from minitf import variables
    if _note_created_variable not in variables.creation_hooks:
        variables.creation_hooks.append(_note_created_variable)


_install_hook()


def _parameter_names(fn: Callable[..., Any], n: int) -> list:
    # The listing names inputs after the Python parameters when there are that many.
    import inspect
    try:
        names = [p.name for p in inspect.signature(fn).parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        names = []
    return names[:n] + [f"arg{i}" for i in range(len(names), n)]


def trace(fn: Callable[..., Any], in_specs: Sequence[TensorSpec], *,
          name: Optional[str] = None, hints: Optional[Sequence[str]] = None,
          parent: Optional[GraphBuilder] = None) -> tuple[Graph, Any]:
    """Traces ``fn(*tensors)`` into a graph, with one input per spec.

    Args:
        fn: called with one symbolic tensor per spec; returns a nested structure of
            tensors (or values convertible to tensors).
        in_specs: the argument types.
        name: the graph's name (default: ``fn``'s).
        hints: argument names for the listing.
        parent: the enclosing builder (default: the current one, if tracing).

    Returns:
        ``(graph, structure)``: the graph, and ``fn``'s result with its leaves replaced
        by output positions (see :func:`nest.pack_sequence_as`).

    Example:
        >>> import minitf as tf
        >>> g, out = trace(lambda a, b: (a + b, a * b), [tf.TensorSpec([], tf.int32)] * 2)
        >>> out, [e.prim.name for e in g.eqns]
        ((0, 1), ['add', 'mul'])
    """
    builder = GraphBuilder(name or getattr(fn, "__name__", "graph"),
                           parent if parent is not None else current_builder())
    if hints is None:
        hints = _parameter_names(fn, len(in_specs))
    args = [builder.new_input(s, h) for s, h in zip(in_specs, hints)]
    with builder.tracing():
        result = fn(*args)
    leaves = nest.flatten(result)
    graph = builder.build(leaves)
    return graph, nest.pack_sequence_as(result, list(range(len(leaves))))

"""``ConcreteFunction``: one trace of a ``tf.function``, for one input signature.

A concrete function owns the traced :class:`~minitf.core.graph.Graph` and knows how to
run it in each context:

* **eager, nothing recording** — the fast path: straight-line Python over NumPy
  buffers (see :mod:`minitf.core.compile`); no ``bind``, no Tensor in between;
* **under a GradientTape** — one ``call`` equation whose VJP is a graph
  (:mod:`minitf.core.call`), written out for one tape (:mod:`minitf.written_calls`);
* **inside another trace** — the ``call`` equation is staged into the outer graph.

Captured variables are read at every call (by reference), and the new values of the
variables the graph assigns are written back after it ran.

Example:
    >>> import minitf as tf
    >>> @tf.function
    ... def f(x, n=2):
    ...     return x * n
    >>> cf = f.get_concrete_function(tf.TensorSpec([None], tf.float32))
    >>> print(cf.pretty_printed_signature())
    Input Parameters:
      x (POSITIONAL_OR_KEYWORD): TensorSpec(shape=(None,), dtype=tf.float32, name=None)
      n (POSITIONAL_OR_KEYWORD): Literal[2]
    Output Type:
      TensorSpec(shape=(None,), dtype=tf.float32, name=None)
    Captures:
      None
    >>> cf(tf.constant([1.0, 2.0]))
    <tf.Tensor: shape=(2,), dtype=float32, numpy=array([2., 4.], dtype=float32)>
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from minitf import nest
from minitf.core.call import _watched_inputs, call_graph
from minitf.core.graph import Graph
from minitf.core.interpreters import _DTYPE_OF_BUFFER_DTYPE, _state
from minitf.core.interpreters import current as _current_context
from minitf.core.spec import TensorSpec, shape_str
from minitf.tensor import Tensor
from minitf.variables import Variable
from minitf.written_calls import write_eager_call, write_taped_call

__all__ = ["ConcreteFunction", "VariableSpec", "type_string"]


class VariableSpec:
    """The trace type of a ``tf.Variable`` argument: shape, dtype and trainability.

    Example:
        >>> import minitf as tf
        >>> VariableSpec((1,), tf.float32)
        VariableSpec(shape=(1,), dtype=tf.float32, trainable=True, alias_id=0)
    """

    def __init__(self, shape: tuple, dtype: Any, trainable: bool = True,
                 alias_id: int = 0) -> None:
        self.shape, self.dtype, self.trainable, self.alias_id = shape, dtype, trainable, alias_id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VariableSpec) and (self.shape, self.dtype, self.trainable) \
            == (other.shape, other.dtype, other.trainable)

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.trainable))

    def __repr__(self) -> str:
        return (f"VariableSpec(shape={shape_str(self.shape)}, dtype={self.dtype!r}, "
                f"trainable={self.trainable}, alias_id={self.alias_id})")


def type_string(value: Any) -> str:
    """TF's notation for a trace type: ``List[TensorSpec(...), Literal[2]]``.

    Example:
        >>> import minitf as tf
        >>> type_string([tf.TensorSpec([], tf.int32), 2])
        'List[TensorSpec(shape=(), dtype=tf.int32, name=None), Literal[2]]'
    """
    if isinstance(value, TensorSpec):
        return repr(TensorSpec(value.shape, value.dtype))
    if isinstance(value, VariableSpec):
        return repr(value)
    if isinstance(value, dict):
        return "Dict[" + ", ".join(f"[{k!r}, {type_string(v)}]" for k, v in value.items()) + "]"
    if isinstance(value, list):
        return "List[" + ", ".join(type_string(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "Tuple[" + ", ".join(type_string(v) for v in value) + "]"
    return f"Literal[{value!r}]"


def _spec_of_output(value: Any) -> Any:
    if isinstance(value, Tensor):
        return TensorSpec._make(tuple(value._shape), value._dtype)
    return value


class ConcreteFunction:
    """A traced function for one input signature: callable, with a printable graph.

    Made by ``tf.function`` (see :meth:`minitf.function.Function.get_concrete_function`),
    never directly.

    Attributes:
        graph: the graph it runs (after clean-up passes); ``print`` it.
        raw_graph: the graph as traced, before clean-up.
        structured_input_signature: ``(args, kwargs)`` with TensorSpecs for tensors.
        structured_outputs: the outputs as traced (symbolic tensors).

    Example:
        >>> import minitf as tf
        >>> @tf.function
        ... def f(x):
        ...     return tf.reduce_sum(x)
        >>> cf = f.get_concrete_function(tf.constant([1, 2]))
        >>> cf.structured_input_signature
        ((TensorSpec(shape=(2,), dtype=tf.int32, name='x'),), {})
        >>> print(cf.graph)
        graph f(x:i32[2]) {
          a:i32[] = reduce_sum[axis=(0,) keepdims=False] x
          return a
        }
    """

    def __init__(self, *, graph: Graph, raw_graph: Graph, params: list,
                 input_tensors: list, outputs: Any, output_template: Any,
                 owner: Any) -> None:
        self.graph = graph
        self.raw_graph = raw_graph
        self._params = params                # [(display name, kind, trace type)]
        self._input_tensors = input_tensors  # symbolic tensors of the graph's inputs
        self.structured_outputs = outputs
        self._template = output_template     # leaves: output index, or None
        self._owner = owner                  # the Function (binds call arguments)
        self._n_args = graph.num_args
        self._fast_failed = False  # write_eager_call could not write it (see _fast)
        # The generated call under one GradientTape (minitf.written_calls): None until a
        # taped call has run, False where it cannot be written.
        self._taped: Any = None
        self._pack = _packer(output_template)
        self._captured_variables = [isinstance(c, Variable) for c in graph.captures]
        # A module's method captures its variables and nothing else (see _call_flat).
        self._captures_are_variables = bool(graph.captures) and all(
            type(c) is Variable for c in graph.captures)

    # -- signatures ---------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The graph's name."""
        return self.graph.name

    @property
    def structured_input_signature(self) -> tuple:
        """``(args, kwargs)``: TensorSpecs (named by argument) and Python values."""
        args, kwargs = [], {}
        for name, kind, t in self._params:
            value = _named_specs(t, name)
            if kind == "KEYWORD_ONLY":
                kwargs[name] = value
            else:
                args.append(value)
        return tuple(args), kwargs

    @property
    def inputs(self) -> list:
        """The graph's input tensors (arguments, then captured values)."""
        return list(self._input_tensors)

    @property
    def outputs(self) -> list:
        """The flat list of output tensors."""
        return [o for o in nest.flatten(self.structured_outputs) if isinstance(o, Tensor)]

    @property
    def output_shapes(self) -> Any:
        """The output shapes, in the output structure."""
        return nest.map_structure(lambda t: t.shape if isinstance(t, Tensor) else None,
                                  self.structured_outputs)

    @property
    def output_dtypes(self) -> Any:
        """The output dtypes, in the output structure."""
        return nest.map_structure(lambda t: t.dtype if isinstance(t, Tensor) else None,
                                  self.structured_outputs)

    @property
    def captured_inputs(self) -> list:
        """The objects the graph captured (variables, by reference)."""
        return list(self.graph.captures)

    @property
    def variables(self) -> tuple:
        """The captured variables."""
        return tuple(c for c in self.graph.captures if isinstance(c, Variable))

    @property
    def trainable_variables(self) -> tuple:
        """The captured trainable variables."""
        return tuple(v for v in self.variables if v.trainable)

    def _signature_text(self) -> str:
        parts, seen_kw = [], False
        positional_only = any(k == "POSITIONAL_ONLY" for _, k, _ in self._params)
        for name, kind, t in self._params:
            if kind == "KEYWORD_ONLY" and not seen_kw:
                if positional_only:
                    parts.append("/")
                parts.append("*")
                seen_kw = True
            parts.append(f"{name}: {type_string(t)}")
        if positional_only and not seen_kw:
            parts.append("/")
        out = type_string(nest.map_structure(_spec_of_output, self.structured_outputs))
        return f"({', '.join(parts)}) -> {out}"

    def pretty_printed_signature(self, verbose: bool = True) -> str:
        """The signature as TensorFlow prints it (inputs, output type, captures).

        ``verbose=False`` gives the one-line form ``(x: ...) -> ...``.

        Example:
            >>> import minitf as tf
            >>> @tf.function
            ... def f(x):
            ...     return x
            >>> print(f.get_concrete_function(tf.constant(1)).pretty_printed_signature())
            Input Parameters:
              x (POSITIONAL_OR_KEYWORD): TensorSpec(shape=(), dtype=tf.int32, name=None)
            Output Type:
              TensorSpec(shape=(), dtype=tf.int32, name=None)
            Captures:
              None
        """
        if not verbose:
            return self._signature_text()
        lines = ["Input Parameters:"]
        lines += [f"  {name} ({kind}): {type_string(t)}" for name, kind, t in self._params]
        lines.append("Output Type:")
        lines.append("  " + type_string(nest.map_structure(_spec_of_output,
                                                           self.structured_outputs)))
        lines.append("Captures:")
        caps = [c for c in self.graph.captures]
        if not caps:
            lines.append("  None")
        for c in caps:
            spec = "TensorSpec(shape=(), dtype=tf.resource, name=None)" \
                if isinstance(c, Variable) else type_string(_spec_of_output(c))
            lines.append(f"  {id(c)}: {spec}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ConcreteFunction {self._signature_text()} at 0x{id(self):X}>"

    def __str__(self) -> str:
        # As TF 2.21 prints one: the verbose signature after the class name.
        return f"ConcreteFunction {self.pretty_printed_signature()}"

    # -- calling ------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Runs the graph on arguments that fit its signature."""
        flat = self._owner._flat_inputs_for(self, args, kwargs)
        return self._call_flat(flat)

    def _call_flat(self, flat_args: Sequence[Any]) -> Any:
        """Runs the graph on the flat argument leaves (tensors and variables)."""
        graph = self.graph
        ctx = _current_context()
        if ctx.builder is None and not ctx.tapes and not _state["multi_backend"]:
            targets = list(flat_args) + graph.captures
            outs = self._run_eager(targets)
        else:
            values = [a._read() if isinstance(a, Variable) else a for a in flat_args]
            if self._captures_are_variables and ctx.builder is None:
                # Variable._read of each, written out (eager, recording): the tapes
                # watch the values read.
                for c in graph.captures:
                    t = c._tensor
                    for tape in ctx.tapes:
                        tape._on_variable_read(c, t)
                    values.append(t)
            else:
                for c, is_variable in zip(graph.captures, self._captured_variables):
                    values.append(c._read() if is_variable else c)  # tapes watch reads
            outs = call_graph(graph, values, ctx)
            if self._taped is None and ctx.builder is None:
                self._write_taped_call(ctx.tapes, values)
            if graph.assigned:
                targets = list(flat_args) + graph.captures
        if graph.assigned:
            n_res = graph.num_results
            for k, index in enumerate(graph.assigned):
                variable, new = targets[index], outs[n_res + k]
                if ctx.builder is None:
                    variable._tensor = new
                else:
                    variable.assign(new)
        return self._pack(outs)

    def _run_eager(self, targets: list) -> list:
        buffers = [t._tensor._value if isinstance(t, Variable) else _buffer(t) for t in targets]
        outs = []
        for value in self.graph.compiled()(*buffers):
            t = object.__new__(Tensor)
            t._value = value
            t._dtype = _DTYPE_OF_BUFFER_DTYPE[value.dtype]
            outs.append(t)
        return outs

    @classmethod
    def from_graph(cls, graph: Graph, params: list, output_template: Any,
                   owner: Any) -> "ConcreteFunction":
        """A concrete function for a graph that was not traced here (a loaded one).

        ``tf.saved_model.load`` rebuilds graphs from data and wraps each in one of these.

        Args:
            graph: the graph (its captures: the variables it reads).
            params: ``[(display name, kind, trace type)]`` as the trace recorded them.
            output_template: the output structure, leaves = output positions or None.
            owner: the ``Function`` whose signature binds call arguments.

        Example:
            >>> import minitf as tf
            >>> f = tf.function(lambda x: x + 1)
            >>> cf = f.get_concrete_function(tf.TensorSpec([], tf.int32))
            >>> params = [(n, k, t) for n, k, t, _ in cf._key_params]
            >>> ConcreteFunction.from_graph(cf.graph, params, 0, f)(tf.constant(1)).numpy()
            np.int32(2)
        """
        from minitf.core.graph import Var
        from minitf.core.tracing import _new_graph_tensor
        from minitf.trace_type import type_value

        def symbolic(atom: Any, name: str) -> Tensor:
            # Symbolic tensors describe the inputs and outputs (shapes, dtypes, names).
            return _new_graph_tensor(atom if isinstance(atom, Var) else Var(atom.spec, name),
                                     None, name)
        inputs = [symbolic(v, v.hint or f"input_{i}")
                  for i, v in enumerate(graph.inputs[:graph.num_args])]
        outs = [symbolic(a, f"output_{i}") for i, a in enumerate(graph.outputs)]
        structured = None if output_template is None else nest.pack_sequence_as(
            output_template, [None if i is None else outs[i]
                              for i in nest.flatten(output_template)])
        cf = cls(graph=graph, raw_graph=graph,
                 params=[(n, k, type_value(t)) for n, k, t in params], input_tensors=inputs,
                 outputs=structured, output_template=output_template, owner=owner)
        cf._key_params = [(n, k, t, None) for n, k, t in params]
        cf._created_variables = []
        return cf

    def _write_taped_call(self, tapes: tuple, values: list) -> None:
        # After a call under one GradientTape: write that call out for the next ones,
        # for the inputs this tape watched (a later call with others takes this path).
        if len(tapes) == 1 and hasattr(tapes[0], "_watched"):
            wrt = _watched_inputs(self.graph, values, tapes)
            if wrt:
                self._taped = write_taped_call(self, wrt) or False

    def _fast(self, *args: Any) -> Any:
        """The call on positional eager tensors when nothing records (``Function``'s).

        The first one writes the generated function (``write_eager_call``): it reads
        the argument buffers and the captured variables' buffers, runs the straight-line
        program, wraps the outputs and writes assigned variables back, so a cached call
        costs one dict lookup and the NumPy calls themselves. It is then stored on the
        instance, where later lookups of ``_fast`` find it first (a shape a training
        loop only calls under a tape never writes it). Where it cannot be written, the
        graph runs as ``_call_flat`` runs it.
        """
        fast = None if self._fast_failed else write_eager_call(self)
        if fast is None:
            self._fast_failed = True
            return self._call_flat(args)
        self._fast = fast
        return fast(*args)


def _packer(template: Any) -> Callable[[list], Any]:
    """Builds the output structure from the graph's output list (simple cases fast)."""
    if template is None:
        return lambda outs: None
    if isinstance(template, int):
        return lambda outs: outs[template]
    leaves = nest.flatten(template)
    if type(template) in (tuple, list) and len(leaves) == len(template) \
            and all(isinstance(i, int) for i in template):
        kind = type(template)
        return lambda outs: kind([outs[i] for i in template])
    return lambda outs: nest.pack_sequence_as(
        template, [None if i is None else outs[i] for i in leaves])


def _buffer(t: Any) -> Any:
    if isinstance(t, Tensor):
        return t._value
    from minitf.tensor import convert_to_tensor
    return convert_to_tensor(t)._value


def _named_specs(t: Any, name: str) -> Any:
    if isinstance(t, TensorSpec):
        return TensorSpec(t.shape, t.dtype, name)
    if isinstance(t, dict):
        return {k: _named_specs(v, f"{name}_{k}") for k, v in t.items()}
    if isinstance(t, (list, tuple)):
        items = [_named_specs(v, f"{name}_{i}") for i, v in enumerate(t)]
        return type(t)(items) if not hasattr(type(t), "_fields") else type(t)(*items)
    return t

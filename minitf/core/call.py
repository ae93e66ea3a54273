"""The ``call`` primitive: running a whole graph as one equation, and its VJP graphs.

Calling a traced function under a ``GradientTape`` records *one* equation,
``call[graph=...]``, instead of every op inside. Its VJP is itself a graph, derived
once per graph and cached:

* the **joint** graph takes the graph's inputs and the cotangents of its float outputs
  and returns the cotangents of its float inputs. It is traced by evaluating the graph
  under a tape and asking that tape for the gradient — so the backward pass is made of
  ordinary equations, and can itself be differentiated (second derivatives);
* the **split** form cuts the joint graph in two: a *forward* graph that also returns
  the intermediate values the backward pass needs (the *residuals*), and a *backward*
  graph that starts from them instead of recomputing the forward pass. A call made
  while a tape records uses the split form.

Example:
    >>> import minitf as tf
    >>> @tf.function
    ... def f(x):
    ...     return tf.sin(x) * x
    >>> x = tf.constant(1.0)
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = f(x)
    >>> tape.recorded_operations()
    ['call(float32[]) -> float32[]']
    >>> round(float(tape.gradient(y, x)), 6)  # cos(1)·1 + sin(1)
    1.381773
"""

from __future__ import annotations

from itertools import compress
from operator import attrgetter
from typing import Any, Optional, Sequence

from minitf import errors
from minitf.core import interpreters
from minitf.core.graph import Graph, Var, eval_graph, type_str
from minitf.core.interpreters import _DTYPE_OF_BUFFER_DTYPE, bind
from minitf.core.primitive import Primitive
from minitf.core.spec import TensorSpec

__all__ = ["call_p", "call_graph", "joint_vjp_graph", "split_vjp_graphs"]

call_p = Primitive("call", multiple_results=True)


@call_p.def_abstract_eval
def _call_abstract(*specs: TensorSpec, graph: Graph, **params: Any) -> list:
    if len(specs) != len(graph.inputs):
        raise errors.InvalidArgumentError(
            None, None, f"call of graph {graph.name}: {len(graph.inputs)} inputs expected, "
            f"got {len(specs)}.")
    for i, (s, v) in enumerate(zip(specs, graph.inputs)):
        if s.dtype is not v.dtype or not s.shape.is_compatible_with(v.shape):
            raise errors.InvalidArgumentError(
                None, None, f"call of graph {graph.name}: input {i} has type "
                f"{type_str(s.shape.as_tuple(), s.dtype)} but the graph expects "
                f"{type_str(v.shape, v.dtype)}.")
    return graph.out_specs


@call_p.def_impl("numpy")
def _call_numpy(*buffers: Any, graph: Graph, **params: Any) -> tuple:
    return graph.run(*buffers)


_VALUE = attrgetter("_value")  # a tensor's buffer


def _float_inputs(graph: Graph) -> tuple:
    got = graph._derived.get("float_inputs")
    if got is None:
        got = graph._derived["float_inputs"] = tuple(
            i for i, v in enumerate(graph.inputs) if v.dtype.is_floating)
    return got


def _float_outputs(graph: Graph) -> tuple:
    got = graph._derived.get("float_outputs")
    if got is None:
        got = graph._derived["float_outputs"] = tuple(
            j for j, a in enumerate(graph.outputs) if a.dtype.is_floating)
    return got


def _watched_inputs(graph: Graph, args: Sequence[Any], tapes: tuple) -> tuple:
    """The float inputs some recording tape watches: the only ones needing cotangents.

    A tensor a tape does not watch when the call is made cannot become a source later
    (TF's rule: watch before use), so the backward pass can skip the others — the
    seed's training loop then never computes the gradient of its data batch.
    """
    if len(tapes) == 1 and hasattr(tapes[0], "_watched"):  # one GradientTape: the usual
        ids = tapes[0]._watched
        floats = _float_inputs(graph)
        if len(floats) == len(args):  # all inputs float: select in C, no Python loop
            return tuple(compress(floats, map(ids.__contains__, map(id, args))))
        return tuple([i for i in floats if id(args[i]) in ids])
    watched = []
    for i in _float_inputs(graph):
        key = id(args[i])
        for tape in tapes:
            ids = getattr(tape, "_watched", None)
            if ids is None or key in ids:
                watched.append(i)
                break
    return tuple(watched)


def call_graph(graph: Graph, args: Sequence[Any], ctx: Any = None) -> list:
    """Applies ``graph`` to tensors as one ``call`` equation; returns its outputs.

    While tapes record, the forward pass runs in its split form (it also returns the
    residuals), and the tapes record one equation whose outputs are the graph's own
    outputs; the residuals ride along in the equation's params, so a first-order gradient
    does not recompute the forward pass.

    Args:
        graph: the graph to apply.
        args: one tensor per graph input.
        ctx: the current interpreter context, if the caller has it at hand.

    Example:
        >>> import minitf as tf
        >>> from minitf.core.tracing import trace
        >>> g, _ = trace(lambda x: x * x, [tf.TensorSpec([], tf.float32)])
        >>> call_graph(g, [tf.constant(3.0)])[0].numpy()
        np.float32(9.0)
    """
    if ctx is None:
        ctx = interpreters.current()
    tapes = ctx.tapes
    if not tapes:
        return bind(call_p, *args, graph=graph)
    wrt = _watched_inputs(graph, args, tapes)
    if not wrt:
        return bind(call_p, *args, graph=graph)
    split = graph._derived.get(("split", wrt))  # every call after the first
    if split is None:
        if ("no_vjp", wrt) in graph._derived:
            return bind(call_p, *args, graph=graph)
        try:
            split = split_vjp_graphs(graph, wrt)
        except NotImplementedError:
            # Not differentiable (say, a staged while_loop's gradient): record a plain
            # call, whose VJP raises the same error only if a gradient is asked for.
            graph._derived[("no_vjp", wrt)] = True
            return bind(call_p, *args, graph=graph)
    fwd, bwd, n_res = split
    # Run the forward pass without recording it (the tapes record the one equation
    # below instead): computed eagerly, or staged when a trace is in progress.
    if ctx.builder is None:
        if interpreters._state["multi_backend"]:
            outs = interpreters.eager_apply(call_p, args, {"graph": fwd})
        else:  # NumPy: run the compiled forward graph on the buffers directly
            try:
                values = (fwd._compiled or fwd.compiled())(*map(_VALUE, args))
            except (AttributeError, KeyError, TypeError, ValueError) as e:
                raise interpreters._explain_failure(call_p, args, {"graph": fwd}, e) from e
            outs = []
            new, cls, dtype_of = object.__new__, interpreters._Tensor, _DTYPE_OF_BUFFER_DTYPE
            for v in values:  # interpreters._wrap, written out
                t = new(cls)
                t._value = v
                t._dtype = dtype_of[v.dtype]
                outs.append(t)
    else:
        outs = ctx.builder.stage(call_p, args, {"graph": fwd})
    n_out = len(outs) - n_res
    primary = list(outs[:n_out])
    params = {"graph": graph, "residuals": tuple(outs[n_out:]), "backward": bwd, "wrt": wrt}
    args, results = tuple(args), tuple(primary)
    for tape in tapes:
        tape._record(call_p, args, params, results)
    return primary


def _as_list(x: Any) -> list:
    # A tape hands a one-output multiple-results equation its cotangent unwrapped.
    return list(x) if isinstance(x, (list, tuple)) else [x]


@call_p.def_vjp
def _call_vjp(g: Any, *inputs: Any, out: Any, graph: Graph, residuals: Any = None,
              backward: Any = None, wrt: Any = None, vjp: Optional[Graph] = None) -> tuple:
    g = _as_list(g)
    cts = [g[j] for j in _float_outputs(graph)]
    if wrt is None:
        wrt = _float_inputs(graph)
    if vjp is not None:
        # A tf.custom_gradient staged into a graph brings its own gradient graph (one
        # cotangent per float input): autodiff of `graph` would ignore its grad_fn.
        by_input = dict(zip(_float_inputs(graph), call_graph(vjp, [*inputs, *cts])))
        in_cts = [by_input[i] for i in wrt]
    elif residuals is not None and not interpreters.current().tapes:
        # First order: start from the saved residuals (nothing records this pass).
        in_cts = bind(call_p, *inputs, *residuals, *cts, graph=backward)
    else:
        # The backward pass is itself being recorded (higher order): recompute from the
        # inputs, so every value it uses is connected to them on the recording tapes.
        in_cts = call_graph(joint_vjp_graph(graph, wrt), [*inputs, *cts])
    result: list = [None] * len(inputs)
    for i, ct in zip(wrt, in_cts):
        result[i] = ct
    return tuple(result)


def _joint(graph: Graph, wrt: tuple, with_primal: bool) -> Graph:
    """Traces ``(inputs, output cotangents) -> [outputs,] cotangents of inputs wrt``."""
    from minitf.autodiff import GradientTape, UnconnectedGradients
    from minitf.core.tracing import trace
    n_in = len(graph.inputs)
    diff_out = [j for j, a in enumerate(graph.outputs) if a.dtype.is_floating]

    def joint(*args: Any) -> Any:
        ins, cts = args[:n_in], args[n_in:]
        with GradientTape(watch_accessed_variables=False) as tape:
            for i in wrt:
                tape.watch(ins[i])
            outs = eval_graph(graph, *ins)
        grads = []
        if wrt:
            grads = tape.gradient([outs[j] for j in diff_out], [ins[i] for i in wrt],
                                  output_gradients=list(cts) if diff_out else None,
                                  unconnected_gradients=UnconnectedGradients.ZERO)
        return (list(outs), list(grads)) if with_primal else list(grads)

    specs = graph.in_specs + [graph.outputs[j].spec for j in diff_out]
    hints = [v.hint or f"in{i}" for i, v in enumerate(graph.inputs)] + \
        [f"ct_{j}" for j in range(len(diff_out))]
    joint_graph, _ = trace(joint, specs, name=f"{graph.name}_vjp", hints=hints, parent=None)
    return joint_graph


def joint_vjp_graph(graph: Graph, wrt: Optional[tuple] = None) -> Graph:
    """The backward graph that recomputes the forward pass (cached on ``graph``).

    Inputs: the graph's inputs, then one cotangent per float output. Outputs: one
    cotangent per input in ``wrt`` (default: every float input).

    Example:
        >>> import minitf as tf
        >>> from minitf.core.tracing import trace
        >>> g, _ = trace(lambda x: tf.sin(x), [tf.TensorSpec([], tf.float32)])
        >>> [e.prim.name for e in joint_vjp_graph(g).eqns]
        ['cos', 'mul']
    """
    from minitf.core.passes import simplify
    wrt = _float_inputs(graph) if wrt is None else tuple(wrt)
    got = graph._derived.get(("joint", wrt))
    if got is None:
        got = graph._derived[("joint", wrt)] = simplify(_joint(graph, wrt, with_primal=False))
    return got


def split_vjp_graphs(graph: Graph, wrt: Optional[tuple] = None) -> tuple[Graph, Graph, int]:
    """``(forward, backward, number of residuals)`` for ``graph`` (cached on it).

    ``forward`` returns the graph's outputs then the residuals; ``backward`` takes the
    graph's inputs, the residuals and the output cotangents, and returns the cotangents
    of the inputs in ``wrt`` (default: every float input). Equations that do not depend
    on a cotangent go to ``forward`` (so effectful ones, such as random draws, run
    exactly once).

    Example:
        >>> import minitf as tf
        >>> from minitf.core.tracing import trace
        >>> g, _ = trace(lambda x: tf.exp(tf.sin(x)), [tf.TensorSpec([], tf.float32)])
        >>> fwd, bwd, n_res = split_vjp_graphs(g)
        >>> [e.prim.name for e in fwd.eqns], [e.prim.name for e in bwd.eqns], n_res
        (['sin', 'exp', 'cos'], ['mul', 'mul'], 2)
    """
    wrt = _float_inputs(graph) if wrt is None else wrt
    got = graph._derived.get(("split", wrt))
    if got is not None:
        return got  # every traced call under a tape comes here: no import before this
    from minitf.core.passes import simplify
    joint = simplify(_joint(graph, wrt, with_primal=True))
    n_in, n_out = len(graph.inputs), len(graph.outputs)
    ct_inputs = joint.inputs[n_in:]
    tainted = {id(v) for v in ct_inputs}
    fwd_eqns, bwd_eqns = [], []
    for eqn in joint.eqns:
        if any(id(a) in tainted for a in eqn.inputs):
            bwd_eqns.append(eqn)
            tainted.update(id(o) for o in eqn.outputs)
        else:
            fwd_eqns.append(eqn)
    primal_ins = {id(v) for v in joint.inputs[:n_in]}
    residuals: list = []
    seen: set = set()

    def need(a: Any) -> None:
        if isinstance(a, Var) and id(a) not in tainted and id(a) not in primal_ins \
                and id(a) not in seen:
            seen.add(id(a))
            residuals.append(a)

    for eqn in bwd_eqns:
        for a in eqn.inputs:
            need(a)
    for a in joint.outputs[n_out:]:
        need(a)
    # No pass is run again on the halves: the joint graph was simplified, and a half has
    # nothing to fold or merge that it had not, nor a dead equation (every forward one
    # feeds an output or a residual, every backward one a cotangent).
    fwd = Graph(joint.inputs[:n_in], fwd_eqns, joint.outputs[:n_out] + residuals,
                name=f"{graph.name}_fwd")
    bwd = Graph(joint.inputs[:n_in] + residuals + list(ct_inputs), bwd_eqns,
                joint.outputs[n_out:], name=f"{graph.name}_bwd")
    got = graph._derived[("split", wrt)] = (fwd, bwd, len(residuals))
    return got

"""``tf.while_loop``: a Python loop eagerly, one ``while`` equation inside ``tf.function``.

Eagerly the loop is plain Python and a tape records every iteration. Inside a trace the
condition and the body are traced once into graphs and staged as

    while[cond=..., body=..., num_carry=n] *carry *operands

which loops when the graph runs. Variables the body assigns become extra loop variables
(the enclosing trace assigns their final values). The loop variables keep their dtype
and shape; ``shape_invariants`` relaxes shapes (None for sizes that change).

The VJP (``while_grad``) replays the loop keeping each iteration's loop variables, then
runs the body's VJP graph backwards through them: gradients for any trip count known at
run time, including for captured tensors and variables. A second derivative through a
*staged* loop is not supported (the replay runs outside the graph); eagerly it is.

Example:
    >>> import minitf as tf
    >>> i, total = tf.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s + i),
    ...                          [tf.constant(0), tf.constant(0)])
    >>> int(total)
    10
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import numpy as np

from minitf import dtypes as _dtypes
from minitf import nest
from minitf.core.call import _as_list, joint_vjp_graph
from minitf.core.graph import Graph, type_str
from minitf.core.interpreters import bind
from minitf.core.passes import simplify
from minitf.core.primitive import Primitive
from minitf.core.spec import TensorSpec, shape_str
from minitf.core.tracing import current_builder, is_symbolic
from minitf.ops._subgraphs import align, concrete_truth, operands, to_tensor, trace_sub
from minitf.tensor import Tensor, convert_to_tensor, host_array

__all__ = ["while_loop", "staged_while", "while_p", "while_grad_p"]

while_p = Primitive("while", multiple_results=True)
while_grad_p = Primitive("while_grad", multiple_results=True)

@while_p.def_abstract_eval
def _while_abstract(*specs: TensorSpec, cond: Graph, body: Graph, num_carry: int) -> list:
    return [v.spec for v in body.inputs[:num_carry]]


@while_p.def_impl("numpy")
def _while_numpy(*args: Any, cond: Graph, body: Graph, num_carry: int) -> list:
    carry, operands = args[:num_carry], args[num_carry:]
    test, step = cond.compiled(), body.compiled()
    while test(*carry, *operands)[0]:
        carry = step(*carry, *operands)
    return list(carry)


def _float_positions(graph: Graph, n: Optional[int] = None) -> list:
    inputs = graph.inputs if n is None else graph.inputs[:n]
    return [i for i, v in enumerate(inputs) if v.dtype.is_floating]


@while_p.def_vjp
def _while_vjp(g: Any, *args: Any, out: Any, cond: Graph, body: Graph,
               num_carry: int) -> tuple:
    g = _as_list(g)
    diff_carry = _float_positions(body, num_carry)
    diff_in = _float_positions(body)
    if not diff_in:
        return (None,) * len(args)
    cts = bind(while_grad_p, *args, *[g[j] for j in diff_carry], cond=cond, body=body,
               num_carry=num_carry)
    result: list = [None] * len(args)
    for i, ct in zip(diff_in, cts):
        result[i] = ct
    return tuple(result)


@while_grad_p.def_abstract_eval
def _while_grad_abstract(*specs: TensorSpec, cond: Graph, body: Graph, num_carry: int) -> list:
    return [specs[i] for i in _float_positions(body)]


@while_grad_p.def_impl("numpy")
def _while_grad_numpy(*args: Any, cond: Graph, body: Graph, num_carry: int) -> list:
    # Replay the loop, keeping each iteration's input, then pull the cotangents back
    # through the body's VJP graph from the last iteration to the first:
    #   ct(carry_k) = body_vjp(carry_k, ct(carry_{k+1}));  ct(operands) = Σ_k its share.
    n_in = len(body.inputs)
    carry, operands = args[:num_carry], args[num_carry:n_in]
    ct_carry = list(args[n_in:])
    test, step = cond.compiled(), body.compiled()
    history = []
    while test(*carry, *operands)[0]:
        history.append(carry)
        carry = step(*carry, *operands)
    diff_carry = _float_positions(body, num_carry)
    diff_ops = [i for i in _float_positions(body) if i >= num_carry]
    ct_ops = [np.zeros_like(np.asarray(operands[i - num_carry])) for i in diff_ops]
    if history:
        backward = joint_vjp_graph(body).compiled()
        for state in reversed(history):
            res = backward(*state, *operands, *ct_carry)
            ct_carry = list(res[:len(diff_carry)])
            ct_ops = [a + b for a, b in zip(ct_ops, res[len(diff_carry):])]
    ct_carry = [np.asarray(c, dtype=body.inputs[i].dtype.np) for c, i in zip(ct_carry, diff_carry)]
    ct_ops = [np.asarray(c, dtype=body.inputs[i].dtype.np) for c, i in zip(ct_ops, diff_ops)]
    return ct_carry + ct_ops


@while_grad_p.def_vjp
def _while_grad_vjp(g: Any, *args: Any, out: Any, **params: Any) -> tuple:
    raise NotImplementedError(
        "Second derivatives through a tf.while_loop inside tf.function are not supported "
        "by minitf (its gradient replays the loop outside the graph). Compute them with "
        "the loop running eagerly (tf.config.run_functions_eagerly(True)), or unroll the "
        "loop with a Python range.")


def _normalize_body_result(result: Any, loop_vars: Any, single: bool) -> Any:
    # A body may return a bare tensor for one loop variable (as TF accepts).
    if (single or len(loop_vars) == 1) and not (isinstance(result, (list, tuple))
                                                and len(result) == 1):
        return [result] if not isinstance(loop_vars, tuple) else (result,)
    if isinstance(result, (list, tuple)) and not isinstance(loop_vars, type(result)):
        return type(loop_vars)(result) if not hasattr(type(loop_vars), "_fields") \
            else type(loop_vars)(*result)
    return result


def while_loop(cond: Callable[..., Any], body: Callable[..., Any], loop_vars: Any,
               shape_invariants: Any = None, parallel_iterations: int = 10,
               back_prop: bool = True, swap_memory: bool = False,
               maximum_iterations: Any = None, name: Optional[str] = None) -> Any:
    """Repeats ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` is True.

    Eagerly this is a Python loop (a tape records every iteration). Inside
    ``tf.function`` the loop is staged: ``cond`` and ``body`` are traced once, and the
    loop runs when the graph runs. The body must keep each loop variable's dtype and
    shape (``shape_invariants`` may relax shapes, with None for sizes that change).

    Args:
        cond: returns a scalar bool tensor from the loop variables.
        body: returns new loop variables (same structure).
        loop_vars: a tensor, or a (nested) list/tuple of tensors.
        shape_invariants: optional shapes (same structure) that the loop variables keep.
        parallel_iterations, back_prop, swap_memory: accepted for compatibility.
        maximum_iterations: stop after this many iterations at most.
        name: unused.

    Returns:
        The final loop variables, in the structure of ``loop_vars``.

    Example:
        >>> import minitf as tf
        >>> i, total = tf.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s + i),
        ...                          [tf.constant(0), tf.constant(0)])
        >>> int(total)
        10
    """
    single = not isinstance(loop_vars, (list, tuple))
    loop_vars = [loop_vars] if single else loop_vars
    if maximum_iterations is not None:
        return _bounded(cond, body, loop_vars, shape_invariants, maximum_iterations, single)
    if current_builder() is None:
        values = loop_vars
        while concrete_truth(cond(*values), "while_loop"):
            values = _normalize_body_result(body(*values), loop_vars, single)
        return values[0] if single else values
    out = staged_while(cond, body, loop_vars, shape_invariants, single=single)
    return out[0] if single else out


def _bounded(cond: Callable, body: Callable, loop_vars: Any, shape_invariants: Any,
             maximum_iterations: Any, single: bool) -> Any:
    # A counter joins the loop variables: cond' = (i < max) and cond, body' = (i + 1, body).
    from minitf.ops.elementwise import logical_and
    if current_builder() is None and not is_symbolic(maximum_iterations):
        limit = int(host_array(maximum_iterations)) if isinstance(maximum_iterations, Tensor) \
            else int(maximum_iterations)
        values, i = loop_vars, 0
        while i < limit and concrete_truth(cond(*values), "while_loop"):
            values = _normalize_body_result(body(*values), loop_vars, single)
            i += 1
        return values[0] if single else values
    limit = to_tensor(maximum_iterations)
    counter = convert_to_tensor(np.zeros((), limit._dtype.np))
    invariants = None if shape_invariants is None else [limit.shape] + list(
        [shape_invariants] if single else shape_invariants)

    def cond2(i: Any, *vs: Any) -> Any:
        return logical_and(i < limit, cond(*vs))

    def body2(i: Any, *vs: Any) -> Any:
        new = _normalize_body_result(body(*vs), loop_vars, single)
        return [i + 1, *new]

    out = staged_while(cond2, body2, [counter, *loop_vars], invariants, single=False)
    return out[1] if single else type(loop_vars)(out[1:]) if not hasattr(
        type(loop_vars), "_fields") else type(loop_vars)(*out[1:])


def staged_while(cond: Callable[..., Any], body: Callable[..., Any], loop_vars: Any,
                 shape_invariants: Any = None, single: bool = False,
                 names: Optional[Sequence[str]] = None) -> Any:
    """Stages a ``while`` equation for ``loop_vars`` (a list); returns the final values."""
    flat = [to_tensor(v) for v in nest.flatten(loop_vars)]
    specs = [TensorSpec._make(tuple(t._shape), t._dtype) for t in flat]
    if shape_invariants is not None:
        shapes = nest.flatten(shape_invariants) if not single else [shape_invariants]
        specs = [TensorSpec(s, t.dtype) for s, t in zip(shapes, specs)]
    label = (lambda i: f"'{names[i]}'") if names else (lambda i: f"loop variable {i}")
    hints = list(names) if names else [f"v{i}" for i in range(len(flat))]

    def traced_cond(carried: Sequence[Any]) -> tuple:
        def run(*xs: Any) -> Any:
            return cond(*nest.pack_sequence_as(loop_vars, list(xs[:len(flat)])))
        return trace_sub(run, "while_cond", specs, hints, carried)

    def traced_body(carried: Sequence[Any]) -> tuple:
        def run(*xs: Any) -> Any:
            result = body(*nest.pack_sequence_as(loop_vars, list(xs[:len(flat)])))
            return _normalize_body_result(result, loop_vars, single)
        return trace_sub(run, "while_body", specs, hints, carried)

    bb, result = traced_body(())
    carried = list(bb.assigned.values())
    if carried:  # assigned variables become loop variables: trace again with them carried
        bb, result = traced_body(carried)
    bc, test = traced_cond(carried)
    try:
        nest.assert_same_structure(loop_vars, result, check_types=False)
    except (ValueError, TypeError) as e:
        raise ValueError(f"tf.while_loop: the body must return the same structure as "
                         f"loop_vars. {e}") from None
    new = [to_tensor(x) if not is_symbolic(x) else x for x in nest.flatten(result)]
    for i, (x, s) in enumerate(zip(new, specs)):
        if x._dtype is not s.dtype:
            raise TypeError(f"{label(i)} has dtype {s.dtype.name} before the loop, but dtype "
                            f"{x._dtype.name} after one iteration; cast it (tf.cast) so it "
                            f"keeps one dtype.")
        if not s.shape.is_compatible_with(tuple(x._shape)):
            raise ValueError(
                f"{label(i)} has shape {shape_str(s.shape.as_tuple())} before the loop, but "
                f"shape {shape_str(tuple(x._shape))} after one iteration. To allow the shape "
                f"to vary across iterations, give tf.while_loop shape_invariants with None "
                f"for the sizes that change — or, in a Python loop, start its body with "
                f"tf.autograph.experimental.set_loop_options(shape_invariants=[(var, "
                f"tf.TensorShape([None, ...]))]).")
    with bb.tracing():
        extra = [bb.read_variable(v) for v in carried]
    body_graph = simplify(bb.build(new + extra, include_assigned=False))
    cond_graph = simplify(bc.build([test], include_assigned=False))
    t = cond_graph.outputs[0]
    if t.dtype is not _dtypes.bool or t.shape != ():
        raise TypeError(f"tf.while_loop: cond must return a scalar bool tensor, got "
                        f"{type_str(t.shape, t.dtype)}.")
    captured, (cond_graph, body_graph) = align([cond_graph, body_graph])
    init = flat + operands(carried)
    outs = bind(while_p, *init, *operands(captured), cond=cond_graph, body=body_graph,
                num_carry=len(init))
    for v, value in zip(carried, outs[len(flat):]):
        v.assign(value)
    return nest.pack_sequence_as(loop_vars, list(outs[:len(flat)]))

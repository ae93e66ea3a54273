"""Control flow on tensors: ``tf.cond`` and ``tf.while_loop``.

Run eagerly (a concrete predicate), they are plain Python: ``cond`` calls one branch,
``while_loop`` loops — and a ``GradientTape`` records the operations of the branch or of
every iteration, so gradients need nothing special.

Inside ``tf.function`` the predicate is symbolic, so the branches and the loop body are
traced into graphs (by child builders) and staged as one equation:

* ``cond[branches=(false_graph, true_graph)] pred *operands`` runs one branch at run
  time. Its VJP is again a ``cond``, over the two branches' VJP graphs;
* ``while[cond=..., body=..., num_carry=n] *carry *operands`` loops at run time. Its VJP
  (``while_grad``) replays the loop, keeping every iteration's values, then runs the
  body's VJP graph backwards through them — so gradients work for any trip count known
  at run time. (A second derivative through a staged loop is not supported.)

Operands are the captured values: tensors of the enclosing trace and variables read
inside. Variables *assigned* inside a branch or a loop body become extra outputs (and,
for loops, extra loop variables): the enclosing trace then assigns them.

Example:
    >>> import minitf as tf
    >>> @tf.function
    ... def collatz_steps(n):
    ...     return tf.while_loop(
    ...         lambda n, k: n > 1,
    ...         lambda n, k: (tf.cond(n % 2 == 0, lambda: n // 2, lambda: 3 * n + 1), k + 1),
    ...         [n, 0])[1]
    >>> collatz_steps(tf.constant(6)).numpy()
    np.int32(8)
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import numpy as np

from minitf import dtypes as _dtypes
from minitf import errors, nest
from minitf.core.call import _as_list, joint_vjp_graph
from minitf.core.graph import Graph, Var, type_str
from minitf.core.interpreters import bind
from minitf.core.passes import simplify
from minitf.core.primitive import Primitive
from minitf.core.spec import TensorSpec, shape_str
from minitf.core.tracing import GraphBuilder, current_builder, is_symbolic
from minitf.tensor import Tensor, convert_to_tensor, host_array

__all__ = ["cond", "while_loop", "cond_p", "while_p", "while_grad_p"]

cond_p = Primitive("cond", multiple_results=True)
while_p = Primitive("while", multiple_results=True)
while_grad_p = Primitive("while_grad", multiple_results=True)


# ---------------------------------------------------------------------------------------
# Tracing helpers shared by cond and while
# ---------------------------------------------------------------------------------------
def _trace_sub(fn: Callable[..., Any], name: str, in_specs: Sequence[TensorSpec] = (),
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


def _capture_spec(obj: Any) -> TensorSpec:
    return TensorSpec._make(tuple(obj._shape), obj._dtype)


def _align(graphs: Sequence[Graph]) -> tuple[list, list]:
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
        caps = [mine.get(id(c)) or Var(_capture_spec(c), getattr(c, "name", "operand"))
                for c in union]
        aligned.append(Graph(g.inputs[:n] + caps, g.eqns, g.outputs, name=g.name))
    return union, aligned


def _operands(captured: Sequence[Any]) -> list:
    from minitf.variables import Variable
    return [c._read() if isinstance(c, Variable) else c for c in captured]


def _to_tensor(x: Any) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if hasattr(type(x), "_as_tensor"):
        return type(x)._as_tensor(x)
    return convert_to_tensor(x)


# ---------------------------------------------------------------------------------------
# cond
# ---------------------------------------------------------------------------------------
def _merged_spec(a: TensorSpec, b: TensorSpec, where: str) -> TensorSpec:
    if a.dtype is not b.dtype:
        raise TypeError(f"{where} has dtype {a.dtype.name} in the main branch, but dtype "
                        f"{b.dtype.name} in the else branch; cast one with tf.cast so both "
                        f"branches give the same dtype.")
    sa, sb = a.shape.as_tuple(), b.shape.as_tuple()
    if len(sa) != len(sb):
        raise ValueError(f"{where} has shape {shape_str(sa)} in the main branch, but shape "
                         f"{shape_str(sb)} in the else branch; both branches must give "
                         f"tensors of the same rank.")
    return TensorSpec._make(tuple(x if x == y else None for x, y in zip(sa, sb)), a.dtype)


@cond_p.def_abstract_eval
def _cond_abstract(pred: TensorSpec, *ops: TensorSpec, branches: tuple) -> list:
    if pred.dtype is not _dtypes.bool or pred.shape.as_tuple() != ():
        raise errors.InvalidArgumentError(
            None, None, f"cond: the predicate must be a scalar bool tensor, got "
                        f"{type_str(pred.shape.as_tuple(), pred.dtype)}.")
    false_g, true_g = branches
    return [_merged_spec(t, f, f"output {i}")
            for i, (t, f) in enumerate(zip(true_g.out_specs, false_g.out_specs))]


@cond_p.def_impl("numpy")
def _cond_numpy(pred: Any, *ops: Any, branches: tuple) -> tuple:
    return branches[1 if pred else 0].compiled()(*ops)


@cond_p.def_vjp
def _cond_vjp(g: Any, pred: Any, *ops: Any, out: Any, branches: tuple) -> tuple:
    # The VJP of a cond is a cond over the branches' VJPs: the same predicate picks the
    # branch whose backward pass runs.
    g = _as_list(g)
    diff_out = [j for j, a in enumerate(branches[0].outputs) if a.dtype.is_floating]
    diff_in = [i for i, v in enumerate(branches[0].inputs) if v.dtype.is_floating]
    if not diff_in:
        return (None,) * (1 + len(ops))
    backward = tuple(joint_vjp_graph(b) for b in branches)
    cts = bind(cond_p, pred, *ops, *[g[j] for j in diff_out], branches=backward)
    result: list = [None] * len(ops)
    for i, ct in zip(diff_in, cts):
        result[i] = ct
    return (None, *result)


def _concrete_truth(pred: Any, op: str) -> bool:
    if isinstance(pred, Tensor):
        value = host_array(pred)
        if value.shape != ():
            raise errors.InvalidArgumentError(
                None, None, f"{op}: the predicate must be a scalar, got shape "
                            f"{shape_str(value.shape)}; reduce it first, e.g. "
                            f"tf.reduce_all(pred).")
        return bool(value)
    return bool(pred)


def cond(pred: Any, true_fn: Optional[Callable[[], Any]] = None,
         false_fn: Optional[Callable[[], Any]] = None, name: Optional[str] = None) -> Any:
    """``true_fn()`` if ``pred`` else ``false_fn()``, also for predicates known only at run time.

    Eagerly (or with a Python/concrete predicate) only the chosen branch runs. Inside
    ``tf.function`` with a symbolic predicate both branches are traced and the choice
    happens when the graph runs; they must return the same structure and dtypes.

    Args:
        pred: a scalar bool tensor (or Python bool).
        true_fn: a zero-argument callable.
        false_fn: a zero-argument callable.
        name: unused (TF compatibility).

    Returns:
        The chosen branch's result.

    Example:
        >>> import minitf as tf
        >>> x = tf.constant(-2.0)
        >>> tf.cond(x > 0, lambda: x, lambda: -x)
        <tf.Tensor: shape=(), dtype=float32, numpy=2.0>
    """
    if not callable(true_fn) or not callable(false_fn):
        raise TypeError("tf.cond needs two zero-argument callables: "
                        "tf.cond(pred, lambda: ..., lambda: ...).")
    if not is_symbolic(pred):
        return true_fn() if _concrete_truth(pred, "cond") else false_fn()
    return staged_cond(pred, true_fn, false_fn)


def staged_cond(pred: Tensor, true_fn: Callable[[], Any], false_fn: Callable[[], Any],
                names: Optional[Sequence[str]] = None,
                reconcile: Optional[Callable[..., tuple]] = None) -> Any:
    """Stages a ``cond`` equation (``pred`` symbolic).

    Args:
        pred: the symbolic scalar bool predicate.
        true_fn, false_fn: the branches.
        names: names of the (flat) outputs, for error messages.
        reconcile: ``(true_builder, true_result, false_builder, false_result) ->
            (true_result, false_result)``, called after both branches are traced (AutoGraph
            uses it to drop or fill values that only one branch defines).
    """
    if pred._dtype is not _dtypes.bool or tuple(pred._shape) != ():
        raise errors.InvalidArgumentError(
            None, None, f"tf.cond: the predicate must be a scalar bool tensor, got "
                        f"{pred!s}; compare to get a bool (x > 0) and reduce to a scalar "
                        f"(tf.reduce_any).")
    bt, rt = _trace_sub(true_fn, "cond_true")
    bf, rf = _trace_sub(false_fn, "cond_false")
    if reconcile is not None:
        rt, rf = reconcile(bt, rt, bf, rf)
    try:
        nest.assert_same_structure(rt, rf, check_types=False)
    except (ValueError, TypeError) as e:
        raise ValueError(f"true_fn and false_fn arguments to tf.cond must have the same "
                         f"number, type, and overall structure of return values. {e}") from None
    lt, lf = nest.flatten(rt), nest.flatten(rf)
    keep = [i for i, (a, b) in enumerate(zip(lt, lf)) if not (a is None and b is None)]
    for i in keep:
        if (lt[i] is None) != (lf[i] is None):
            raise ValueError("tf.cond: one branch returns None where the other returns a "
                             "value; return a tensor from both branches.")
    assigned = list({**bt.assigned, **bf.assigned}.values())
    graphs = []
    for b, leaves in ((bf, lf), (bt, lt)):
        with b.tracing():
            extra = [b.read_variable(v) for v in assigned]
        graphs.append(simplify(b.build([leaves[i] for i in keep] + extra,
                                       include_assigned=False)))
    label = (lambda i: f"'{names[i]}'") if names else (lambda i: f"output {i}")
    for k, (s_t, s_f) in enumerate(zip(graphs[1].out_specs, graphs[0].out_specs)):
        if k < len(keep):
            _merged_spec(s_t, s_f, label(keep[k]))
    captured, branches = _align(graphs)
    outs = bind(cond_p, pred, *_operands(captured), branches=tuple(branches))
    for v, new in zip(assigned, outs[len(keep):]):
        v.assign(new)
    flat = [None] * len(lt)
    for i, o in zip(keep, outs):
        flat[i] = o
    return nest.pack_sequence_as(rt, flat)


# ---------------------------------------------------------------------------------------
# while_loop
# ---------------------------------------------------------------------------------------
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
        while _concrete_truth(cond(*values), "while_loop"):
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
        while i < limit and _concrete_truth(cond(*values), "while_loop"):
            values = _normalize_body_result(body(*values), loop_vars, single)
            i += 1
        return values[0] if single else values
    limit = _to_tensor(maximum_iterations)
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
    flat = [_to_tensor(v) for v in nest.flatten(loop_vars)]
    specs = [TensorSpec._make(tuple(t._shape), t._dtype) for t in flat]
    if shape_invariants is not None:
        shapes = nest.flatten(shape_invariants) if not single else [shape_invariants]
        specs = [TensorSpec(s, t.dtype) for s, t in zip(shapes, specs)]
    label = (lambda i: f"'{names[i]}'") if names else (lambda i: f"loop variable {i}")
    hints = list(names) if names else [f"v{i}" for i in range(len(flat))]

    def traced_cond(carried: Sequence[Any]) -> tuple:
        def run(*xs: Any) -> Any:
            return cond(*nest.pack_sequence_as(loop_vars, list(xs[:len(flat)])))
        return _trace_sub(run, "while_cond", specs, hints, carried)

    def traced_body(carried: Sequence[Any]) -> tuple:
        def run(*xs: Any) -> Any:
            result = body(*nest.pack_sequence_as(loop_vars, list(xs[:len(flat)])))
            return _normalize_body_result(result, loop_vars, single)
        return _trace_sub(run, "while_body", specs, hints, carried)

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
    new = [_to_tensor(x) if not is_symbolic(x) else x for x in nest.flatten(result)]
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
    captured, (cond_graph, body_graph) = _align([cond_graph, body_graph])
    init = flat + _operands(carried)
    outs = bind(while_p, *init, *_operands(captured), cond=cond_graph, body=body_graph,
                num_carry=len(init))
    for v, value in zip(carried, outs[len(flat):]):
        v.assign(value)
    return nest.pack_sequence_as(loop_vars, list(outs[:len(flat)]))

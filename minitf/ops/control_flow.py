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

from minitf import dtypes as _dtypes
from minitf import errors, nest
from minitf.core.call import _as_list, joint_vjp_graph
from minitf.core.graph import type_str
from minitf.core.interpreters import bind
from minitf.core.passes import simplify
from minitf.core.primitive import Primitive
from minitf.core.spec import TensorSpec, shape_str
from minitf.core.tracing import is_symbolic
from minitf.ops._subgraphs import align, concrete_truth, operands, trace_sub
from minitf.ops.loops import staged_while, while_grad_p, while_loop, while_p
from minitf.tensor import Tensor

__all__ = ["cond", "staged_cond", "while_loop", "staged_while", "cond_p", "while_p",
           "while_grad_p"]

cond_p = Primitive("cond", multiple_results=True)


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
        return true_fn() if concrete_truth(pred, "cond") else false_fn()
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
    bt, rt = trace_sub(true_fn, "cond_true")
    bf, rf = trace_sub(false_fn, "cond_false")
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
    leaf_names = _leaf_names(rt, names) if names else None
    label = (lambda i: f"'{leaf_names[i]}'") if leaf_names else (lambda i: f"output {i}")
    for k, (s_t, s_f) in enumerate(zip(graphs[1].out_specs, graphs[0].out_specs)):
        if k < len(keep):
            _merged_spec(s_t, s_f, label(keep[k]))
    captured, branches = align(graphs)
    outs = bind(cond_p, pred, *operands(captured), branches=tuple(branches))
    for v, new in zip(assigned, outs[len(keep):]):
        v.assign(new)
    flat = [None] * len(lt)
    for i, o in zip(keep, outs):
        flat[i] = o
    return nest.pack_sequence_as(rt, flat)


def _leaf_names(result: Any, names: Sequence[str]) -> Optional[list]:
    """The variable name of each flat output (a variable may hold a tuple)."""
    if not isinstance(result, (list, tuple)) or len(result) != len(names):
        return None
    return [name for value, name in zip(result, names) for _ in nest.flatten(value)]

"""The backward pass: the chain rule over a tape's recorded equations.

``GradientTape.gradient`` (and ``jacobian``) come here with the tape: the ids of the
tensors each source stands for (:func:`source_keys`), the tensors that depend on a
source (:func:`relevant_ids`), then :func:`pullback` seeds the targets with ones (or the
given output gradients), runs :func:`backward_pass`, and adds up each source's
cotangents.

Example:
    >>> import minitf as tf
    >>> from minitf.backward import backward_pass
    >>> x = tf.constant(2.0)
    >>> with tf.GradientTape() as t:
    ...     t.watch(x)
    ...     y = x * x * x
    >>> float(backward_pass(t._tape_eqns, {id(y): tf.constant(1.0)})[id(x)])
    12.0
"""

from __future__ import annotations

import inspect
import logging
from typing import Any, Container, Optional

import numpy as np

from minitf.compiled_backward import compiled_pullback
from minitf.core.interpreters import bind1
from minitf.core.interpreters import current as _current_context
from minitf.ops.creation import ones_like_p, zeros_like_p
from minitf.ops.elementwise import add_p
from minitf.tensor import Tensor, convert_to_tensor
from minitf.variables import Variable

__all__ = ["all_source_keys", "backward_pass", "pullback", "pullback_eqns", "relevant_ids",
           "source_keys"]

logger = logging.getLogger("minitf")
_new = object.__new__


def _base_variable(v: Variable) -> Variable:
    # What `assign` returns (shown as 'UnreadVariable') stands for its parent variable.
    return v if type(v) is Variable else getattr(v, "_parent", v)


def _add(a: Tensor, b: Tensor) -> Tensor:
    return bind1(add_p, a, b)


def _zeros_like(x: Tensor) -> Tensor:
    return bind1(zeros_like_p, x, dtype=x._dtype.name)


def _ones_like(x: Tensor) -> Tensor:
    # The seed cotangent is a constant: for NumPy tensors make it directly (no equation).
    value = x._value
    kind = type(value)
    if kind is x._dtype._np.type:  # a NumPy scalar (a rank-0 result)
        seed = kind(1)
    elif kind is np.ndarray:
        seed = np.ones(value.shape, value.dtype)
    else:
        return bind1(ones_like_p, x, dtype=x._dtype.name)
    t = _new(Tensor)
    t._value = seed
    t._dtype = x._dtype
    return t


# VJP rule -> whether it takes the keyword `needs` (one bool per input; see backward_pass).
_TAKES_NEEDS: dict = {}


def _takes_needs(rule: Any) -> bool:
    try:
        param = inspect.signature(rule).parameters.get("needs")
    except (TypeError, ValueError):
        param = None
    takes = param is not None and param.kind is inspect.Parameter.KEYWORD_ONLY
    _TAKES_NEEDS[rule] = takes
    return takes


def backward_pass(eqns: list, cotangents: dict, relevant: Optional[Container] = None) -> dict:
    """Propagates cotangents backwards through ``eqns`` (the chain rule, once per Eqn).

    Args:
        eqns: equations in the order they ran.
        cotangents: ``id(atom) -> cotangent`` seeded at the targets; updated in place.
        relevant: ids of atoms that depend on a source; only they receive cotangents
            (None: every input does). A VJP rule that declares a keyword-only ``needs``
            parameter is told which of its inputs are relevant (a tuple of bools) and may
            return None for the others instead of computing them.

    Returns:
        ``cotangents``, now holding the cotangent of every relevant atom reached.

    Example:
        >>> import minitf as tf
        >>> from minitf.autodiff import backward_pass
        >>> x = tf.constant(3.0)
        >>> with tf.GradientTape() as t:
        ...     t.watch(x)
        ...     y = x * x
        >>> cts = backward_pass(t._tape_eqns, {id(y): tf.constant(1.0)})
        >>> float(cts[id(x)])
        6.0
    """
    get = cotangents.get
    for eqn in reversed(eqns):
        # BEGIN SOLUTION autodiff: g of eqn's outputs, or skip it; spec: tests/test_autodiff_tape.py
        outs = eqn.outputs
        prim = eqn.prim
        if not prim.multiple_results:
            out = outs[0]
            g = get(id(out))
            if g is None:
                continue
        else:
            gs = [get(id(o)) for o in outs]
            if all(c is None for c in gs):
                continue
            # A multi-output VJP wants a cotangent per output: the unused ones are zero.
            g = [c if c is not None else _zeros_like(o) for c, o in zip(gs, outs)]
            out = list(outs)
        # END SOLUTION
        # BEGIN SOLUTION autodiff: apply the VJP, add into cotangents; spec: tests/test_gradients.py
        if prim.vjp is None:
            raise NotImplementedError(
                f"Primitive {prim.name!r} has no VJP rule: minitf cannot differentiate "
                f"through it. Wrap the computation in tf.stop_gradient, or define one with "
                f"{prim.name}_p.def_vjp.")
        rule = prim.vjp
        inputs = eqn.inputs
        takes_needs = _TAKES_NEEDS.get(rule)
        if takes_needs is None:
            takes_needs = _takes_needs(rule)
        params = eqn.params
        if takes_needs and relevant is not None:
            # Tell the rule which cotangents will be kept: `x @ w` with a constant `x`
            # then skips the matmul that would only compute x's (discarded) cotangent.
            if len(inputs) == 2:
                needs = (id(inputs[0]) in relevant, id(inputs[1]) in relevant)
            else:
                needs = tuple([id(x) in relevant for x in inputs])
            in_cts = (rule(g, *inputs, out=out, needs=needs, **params) if params
                      else rule(g, *inputs, out=out, needs=needs))
        else:
            in_cts = rule(g, *inputs, out=out, **params) if params else rule(g, *inputs, out=out)
        for x, ct in zip(inputs, in_cts):
            if ct is None:
                continue
            key = id(x)
            if relevant is not None and key not in relevant:
                continue
            prev = get(key)
            cotangents[key] = ct if prev is None else _add(prev, ct)
        # END SOLUTION
    return cotangents


def source_keys(tape: Any, source: Any) -> list:
    """The ids whose cotangents add up to ``source``'s gradient.

    A tensor stands for itself. A variable stands for every tensor the tape read from it
    (it may have been assigned between reads), and for itself: a Variable passed as a
    *target* is keyed by the variable, so ``gradient(v, v)`` is one (TF's handles).

    Example:
        >>> import minitf as tf
        >>> from minitf.backward import source_keys
        >>> v = tf.Variable(1.0)
        >>> with tf.GradientTape() as t:
        ...     y = v * 2.0
        >>> len(source_keys(t, v))  # the variable and its one read
        2
    """
    if isinstance(source, Tensor):
        return [id(source)]
    if isinstance(source, Variable):
        var = source if type(source) is Variable else _base_variable(source)
        keys = [id(var)]
        for t in tape._reads.get(keys[0], ()):
            keys.append(id(t))
        return keys
    raise ValueError(f"GradientTape.gradient: sources must be tensors or variables, got "
                     f"{source!r} of type {type(source).__name__}.")


def all_source_keys(tape: Any, sources: list) -> list:
    """:func:`source_keys` of each source; variables (`model.variables`) inline.

    Example:
        >>> import minitf as tf
        >>> v = tf.Variable(1.0)
        >>> with tf.GradientTape() as t:
        ...     y = v * 2.0
        >>> [len(ks) for ks in all_source_keys(t, [v, y])]
        [2, 1]
    """
    keys = []
    reads = tape._reads
    for s in sources:
        if type(s) is Variable:  # the common case of every training step: no calls
            key = id(s)
            read = reads.get(key)
            keys.append([key, *map(id, read)] if read else [key])
        else:
            keys.append(source_keys(tape, s))
    return keys


def relevant_ids(tape: Any, keys: list) -> Container:
    """The ids of the recorded tensors that depend on a source: only they need cotangents.

    Args:
        tape: the GradientTape.
        keys: :func:`source_keys` of each source.

    Example:
        >>> import minitf as tf
        >>> from minitf.backward import relevant_ids, source_keys
        >>> a, b = tf.constant(1.0), tf.constant(2.0)
        >>> with tf.GradientTape() as t:
        ...     t.watch([a, b])
        ...     y = a * 3.0
        >>> id(y) in relevant_ids(t, [source_keys(t, a)]), id(y) in relevant_ids(t, [[id(b)]])
        (True, False)
    """
    relevant = set()
    for ks in keys:
        relevant.update(ks)
    if tape._roots <= relevant:
        # Every watched tensor descends from a source (the usual `gradient(loss,
        # all_variables)`): the watched set is the answer, no sweep needed.
        return tape._watched
    add = relevant.add
    for eqn in tape._eqns:
        for x in eqn.inputs:
            if id(x) in relevant:
                for o in eqn.outputs:
                    add(id(o))
                break
    return relevant


def pullback(tape: Any, targets: list, output_gradients: list, sources: list, keys: list,
             relevant: Container, zeros_if_unconnected: bool) -> list:
    """Seeds the targets, runs the backward pass over the tape, sums each source's part.

    Args:
        tape: the GradientTape.
        targets: flat list of target tensors (their sum is differentiated).
        output_gradients: one seed per target, or None for ones.
        sources: flat list of tensors and variables.
        keys: :func:`source_keys` of each source.
        relevant: :func:`relevant_ids` of the keys.
        zeros_if_unconnected: give zeros, not None, to a source no target depends on.

    Returns:
        One gradient (or None) per source.

    Example:
        >>> import minitf as tf
        >>> from minitf.backward import pullback, relevant_ids, source_keys
        >>> x = tf.constant(3.0)
        >>> with tf.GradientTape() as t:
        ...     t.watch(x)
        ...     y = x * x
        >>> keys = [source_keys(t, x)]
        >>> [float(g) for g in pullback(t, [y], [None], [x], keys, relevant_ids(t, keys), False)]
        [6.0]
    """
    ctx = _current_context()
    if not ctx.tapes and ctx.builder is None:
        # Nothing records this backward pass: a tape seen before runs compiled code.
        grads = compiled_pullback(tape._eqns, targets, output_gradients, sources, keys,
                                  relevant, zeros_if_unconnected, ctx, tape)
        if grads is not None:
            return grads
    return pullback_eqns(tape._eqns, targets, output_gradients, sources, keys, relevant,
                         zeros_if_unconnected)


def pullback_eqns(eqns: list, targets: list, output_gradients: list, sources: list,
                  keys: list, relevant: Container, zeros_if_unconnected: bool) -> list:
    """:func:`pullback` on a list of equations, always walked in Python.

    :mod:`minitf.compiled_backward` traces this very function on symbolic tensors.

    Example:
        >>> import minitf as tf
        >>> from minitf.backward import pullback_eqns
        >>> x = tf.constant(3.0)
        >>> with tf.GradientTape() as t:
        ...     t.watch(x)
        ...     y = x * x
        >>> [float(g) for g in pullback_eqns(t._eqns, [y], [None], [x], [[id(x)]], None, False)]
        [6.0]
    """
    cts: dict = {}
    for t, og in zip(targets, output_gradients):
        if isinstance(t, Tensor):
            key = id(t)
        elif isinstance(t, Variable):
            var = _base_variable(t)
            key, t = id(var), var._tensor
        elif t is None:
            continue
        else:
            raise ValueError(f"GradientTape.gradient: targets must be tensors, got {t!r} "
                             f"of type {type(t).__name__}.")
        if t._dtype._kind != "f":
            continue
        seed = _ones_like(t) if og is None else convert_to_tensor(og, t._dtype)
        prev = cts.get(key)
        cts[key] = seed if prev is None else _add(prev, seed)
    if cts:
        backward_pass(eqns, cts, relevant)
    out = []
    for src, ks in zip(sources, keys):
        if src._dtype._kind != "f":
            # TF logs this at a verbosity that is off by default: debug, here.
            logger.debug("The dtype of the source tensor must be floating (e.g. "
                         "tf.float32) when calling GradientTape.gradient, got %r",
                         src._dtype)
            out.append(None)
            continue
        g = None
        for k in ks:
            c = cts.get(k)
            if c is not None:
                g = c if g is None else _add(g, c)
        if g is None and zeros_if_unconnected:
            g = _zeros_like(src._tensor if isinstance(src, Variable) else src)
        out.append(g)
    return out

"""``tf.custom_gradient``: a function that brings its own gradient.

The decorated ``f(*x)`` returns ``(y, grad_fn)``. It runs with the active tapes switched
off (its inner operations are not recorded), and each tape then records *one* equation
``y = custom_gradient(*x, *variable_values)`` whose VJP calls ``grad_fn``. Because
``grad_fn`` is written in minitf ops, an outer tape records it in turn, so custom
gradients can be differentiated again.

Example:
    >>> import minitf as tf
    >>> @tf.custom_gradient
    ... def log1pexp(x):
    ...     e = tf.exp(x)
    ...     def grad(upstream):
    ...         return upstream * (1 - 1 / (1 + e))  # stable where e overflows
    ...     return tf.math.log(1 + e), grad
    >>> x = tf.constant(100.0)
    >>> with tf.GradientTape() as t:
    ...     t.watch(x)
    ...     y = log1pexp(x)
    >>> float(t.gradient(y, x))
    1.0
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Optional

from minitf import nest
from minitf.autodiff import GradientTape
from minitf.core import interpreters
from minitf.core.interpreters import Context, _context, bind1
from minitf.core.primitive import PRIMITIVES, Primitive
from minitf.tensor import Tensor, convert_to_tensor

__all__ = ["custom_gradient"]


def _as_cotangent(ct: Any, like: Tensor) -> Optional[Tensor]:
    if ct is None or isinstance(ct, Tensor):
        return ct
    return convert_to_tensor(ct, like._dtype)


def _custom_vjp(g: Any, *inputs: Tensor, out: Any, grad_fn: Callable, n_args: int,
                variables: tuple, single: bool) -> tuple:
    upstream = g if isinstance(g, list) else [g]
    args = upstream[:1] if single else upstream
    if variables:
        input_grads, var_grads = grad_fn(*args, variables=list(variables))
        var_grads = list(var_grads)
        if len(var_grads) != len(variables):
            raise ValueError(f"custom_gradient: grad_fn returned {len(var_grads)} variable "
                             f"gradients for the {len(variables)} variables the function "
                             f"read; return one per variable, in the order given.")
    else:
        input_grads, var_grads = grad_fn(*args), []
    input_grads = list(input_grads) if isinstance(input_grads, (list, tuple)) \
        else [input_grads]
    if len(input_grads) != n_args:
        raise ValueError(f"custom_gradient: grad_fn returned {len(input_grads)} gradients "
                         f"for the {n_args} inputs of the function; return one per input "
                         f"(None for an input without a gradient).")
    cts = input_grads + var_grads
    return tuple(_as_cotangent(ct, x) for ct, x in zip(cts, inputs))


def _custom_prim() -> Primitive:
    prim = Primitive("custom_gradient", multiple_results=True)
    prim.def_vjp(_custom_vjp)
    # Tape-only: its params hold Python functions, so it is never staged into a graph
    # (tracing stages f's own operations) and can never be saved. Taking it out of the
    # registry keeps a loaded graph from naming it and the registry test honest.
    del PRIMITIVES[prim.name]
    return prim


_CUSTOM_P = _custom_prim()


def _accepts_variables(fn: Callable) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.name == "variables" or p.kind is p.VAR_KEYWORD for p in params)


def _fresh(t: Any) -> Any:
    # An output that *is* an input (or a variable's value) would be its own cotangent
    # key; a copy gives the custom equation an output of its own.
    from minitf.ops.shape import identity_p
    return bind1(identity_p, t)


def custom_gradient(f: Optional[Callable] = None) -> Callable:
    """Decorates ``f(*x) -> (y, grad_fn)`` so that tapes use ``grad_fn`` for its gradient.

    ``grad_fn(*upstream)`` receives one cotangent per output of ``f`` and returns one
    gradient per input. If ``f`` reads trainable variables, ``grad_fn(*upstream,
    variables=...)`` returns ``(input_grads, variable_grads)``.

    Example:
        >>> import minitf as tf
        >>> @tf.custom_gradient
        ... def clip_grad(x):
        ...     def grad(upstream):
        ...         return tf.clip_by_value(upstream, -1.0, 1.0)
        ...     return tf.identity(x), grad
        >>> x = tf.constant(3.0)
        >>> with tf.GradientTape() as t:
        ...     t.watch(x)
        ...     y = clip_grad(x) * 10.0
        >>> float(t.gradient(y, x))
        1.0
    """
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        inputs = [a if isinstance(a, Tensor) else convert_to_tensor(a) for a in args]
        ctx = _context.get()
        # A private tape (the only one active) sees which variables f reads.
        spy = GradientTape()
        with interpreters.using(Context((), ctx.builder, ctx.device)):
            spy._push()
            try:
                result, grad_fn = f(*inputs, **kwargs)
            finally:
                spy._pop()
        variables = tuple(v for v in spy.watched_variables() if v.trainable)
        if variables and not _accepts_variables(grad_fn):
            raise TypeError(f"custom_gradient: {getattr(f, '__name__', 'f')} reads "
                            f"variables {[v.name for v in variables]}, so its grad_fn must "
                            f"accept a keyword argument `variables` and return "
                            f"(input_grads, variable_grads).")
        if not ctx.tapes:
            return result
        # Reading each variable again lets the outer tapes watch its current value.
        var_values = [v._read() for v in variables]
        taken = {id(t) for t in inputs} | {id(t) for t in var_values}
        with interpreters.using(Context((), ctx.builder, ctx.device)):
            flat_out = [_fresh(o) if id(o) in taken else o for o in nest.flatten(result)]
        result = nest.pack_sequence_as(result, flat_out) if nest.is_nested(result) \
            else flat_out[0]
        params = {"grad_fn": grad_fn, "n_args": len(inputs), "variables": variables,
                  "single": not nest.is_nested(result)}
        for tape in ctx.tapes:
            tape._record(_CUSTOM_P, tuple(inputs) + tuple(var_values), params,
                         tuple(flat_out))
        return result

    return wrapped

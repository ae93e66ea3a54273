"""The converted ``while`` and ``for``: Python loops, or one staged ``tf.while_loop``.

``while_stmt`` loops in Python while its test is a Python value; as soon as the test is
a symbolic tensor, the rest of the loop is staged. ``for_stmt`` iterates in Python over
Python iterables, and stages a loop with an index over a tensor (inside a trace) or over
``range``/``tf.range`` with a symbolic bound. The loop variables of a staged loop are the
variables its body assigns that have a value before the loop; body-only variables
become :class:`~minitf.autograph.expressions.Undefined` after it.

Example:
    >>> from minitf.autograph.loops import for_stmt
    >>> seen = []
    >>> for_stmt(range(3), None, seen.append, lambda: (), lambda v: None, (), 1)
    >>> seen
    [0, 1, 2]
"""

from __future__ import annotations

import builtins
from typing import Any, Callable, Optional, Sequence

import numpy as np

from minitf.autograph.conditionals import if_stmt
from minitf.autograph.expressions import (
    UNDEFINED_RETURN,
    Undefined,
    and_,
    is_undefined,
    stageable,
    truth,
)
from minitf.core.tracing import current_builder, is_symbolic
from minitf.tensor import Tensor, convert_to_tensor, host_array

__all__ = ["while_stmt", "for_stmt", "range_", "set_loop_options"]

def while_stmt(test: Callable[[], Any], body: Callable[[], None],
               get_state: Callable[[], tuple], set_state: Callable[[tuple], None],
               names: Sequence[str], lineno: int) -> None:
    """A converted ``while``: a Python loop until the test is a symbolic tensor, then staged."""
    while True:
        t = test()
        if is_symbolic(t):
            _staged_loop(get_state, set_state, names, lineno,
                         test=lambda extra: test(), step=lambda extra: body() or [])
            return
        if not truth(t):
            return
        body()


class _SymbolicRange:
    """``range``/``tf.range`` with a symbolic bound: iterated by a staged loop."""

    def __init__(self, *args: Any) -> None:
        from minitf.ops.elementwise import cast
        if len(args) == 1:
            args = (0, args[0], 1)
        elif len(args) == 2:
            args = (args[0], args[1], 1)
        tensors = [a if isinstance(a, Tensor) else convert_to_tensor(a) for a in args]
        # tf.range's rule: a float argument makes the range float, else the widest int.
        floats = [t.dtype for t in tensors if t.dtype.is_floating]
        dtype = floats[0] if floats else max((t.dtype for t in tensors), key=lambda d: d.size)
        self.start, self.limit, self.delta = (cast(t, dtype) for t in tensors)


def range_(func: Callable[..., Any], *args: Any) -> Any:
    """``range(...)`` / ``tf.range(...)`` as a ``for`` loop's iterable."""
    from minitf.ops.creation import range as tf_range
    if (func is builtins.range or func is tf_range) and any(is_symbolic(a) for a in args):
        return _SymbolicRange(*args)
    return func(*args)


def for_stmt(iterable: Any, extra_test: Optional[Callable[[], Any]],
             body: Callable[[Any], None], get_state: Callable[[], tuple],
             set_state: Callable[[tuple], None], names: Sequence[str], lineno: int) -> None:
    """A converted ``for``: Python iteration, or a staged loop over a tensor / range."""
    if isinstance(iterable, _SymbolicRange):
        _staged_range(iterable, extra_test, body, get_state, set_state, names, lineno)
        return
    if isinstance(iterable, Tensor) and current_builder() is not None:
        _staged_tensor_loop(iterable, extra_test, body, get_state, set_state, names, lineno)
        return
    for item in iterable:
        if extra_test is not None:
            t = extra_test()
            if is_symbolic(t):
                # A `break` decided by a tensor: the remaining iterations are guarded.
                if_stmt(t, lambda item=item: body(item), lambda: None, get_state, set_state,
                        names, lineno)
                continue
            if not truth(t):
                break
        body(item)


def _with_extra(test: Any, extra_test: Optional[Callable[[], Any]]) -> Any:
    if extra_test is None:
        return test
    return and_(lambda: test, extra_test)


def _staged_tensor_loop(x: Tensor, extra_test: Any, body: Callable[[Any], None],
                        get_state: Any, set_state: Any, names: Sequence[str],
                        lineno: int) -> None:
    from minitf.ops.shape import shape as tf_shape
    if not x._shape:
        raise TypeError(f"Cannot iterate over a scalar tensor (line {lineno}).")
    n = x._shape[0] if x._shape[0] is not None else tf_shape(x)[0]

    def step(extra: list) -> list:
        body(x[extra[0]])
        return [extra[0] + 1]

    _staged_loop(get_state, set_state, names, lineno,
                 test=lambda extra: _with_extra(extra[0] < n, extra_test), step=step,
                 extra_init=[convert_to_tensor(np.int32(0))], extra_names=["iteration"])


def _staged_range(r: _SymbolicRange, extra_test: Any, body: Callable[[Any], None],
                  get_state: Any, set_state: Any, names: Sequence[str], lineno: int) -> None:
    from minitf.ops.elementwise import where

    def test(extra: list) -> Any:
        v = extra[0]
        if not is_symbolic(r.delta):  # the direction is known while tracing
            up = truth(host_array(r.delta) > 0)
            return _with_extra(v < r.limit if up else v > r.limit, extra_test)
        zero = convert_to_tensor(np.zeros((), r.delta.dtype.np))
        return _with_extra(where(r.delta > zero, v < r.limit, v > r.limit), extra_test)

    def step(extra: list) -> list:
        body(extra[0])
        return [extra[0] + r.delta]

    _staged_loop(get_state, set_state, names, lineno, test=test, step=step,
                 extra_init=[r.start], extra_names=["iteration"])


def _loop_value(v: Any) -> bool:
    return stageable(v) and not isinstance(v, (list, dict)) or isinstance(v, Tensor)


def _staged_loop(get_state: Callable[[], tuple], set_state: Callable[[tuple], None],
                 names: Sequence[str], lineno: int, *, test: Callable[[list], Any],
                 step: Callable[[list], list], extra_init: Sequence[Any] = (),
                 extra_names: Sequence[str] = ()) -> None:
    """Stages a ``tf.while_loop`` whose loop variables are the assigned variables."""
    from minitf.ops.control_flow import staged_while
    init = get_state()
    loop_pos, fixed, body_locals = [], {}, []
    for i, v in enumerate(init):
        if v is UNDEFINED_RETURN:
            raise NotImplementedError(
                f"A `return` inside a loop whose condition is a tensor (line {lineno}) is "
                f"not supported by minitf's AutoGraph. Store the result in a variable, "
                f"`break` out of the loop, and return after it.")
        if isinstance(v, Undefined):
            body_locals.append(i)
        elif _loop_value(v):
            loop_pos.append(i)
        else:
            fixed[i] = v
    k = len(extra_init)

    def restore(values: Sequence[Any]) -> None:
        state = list(init)
        for i, v in zip(loop_pos, values):
            state[i] = v
        set_state(tuple(state))

    def cond_fn(*values: Any) -> Any:
        restore(values[k:])
        return test(list(values[:k]))

    def body_fn(*values: Any) -> list:
        if _LOOP_OPTIONS and _LOOP_OPTIONS[-1] is options:
            options["placeholders"] = values  # set_loop_options names these tensors
        restore(values[k:])
        new_extra = step(list(values[:k]))
        new = get_state()
        for i, v in fixed.items():
            if new[i] is not v:
                raise ValueError(
                    f"'{names[i]}' holds a Python {type(v).__name__} that the loop on line "
                    f"{lineno} changes, but the loop's condition is a tensor, so its body "
                    f"runs only once while tracing. Make '{names[i]}' a tensor (or use a "
                    f"Python condition).")
        for i in loop_pos:
            if is_undefined(new[i]):
                raise new[i].error() if isinstance(new[i], Undefined) else ValueError(
                    f"'{names[i]}' lost its value inside the loop on line {lineno}.")
        return list(new_extra) + [new[i] for i in loop_pos]

    loop_init = list(extra_init) + [init[i] for i in loop_pos]
    loop_names = list(extra_names) + [names[i] for i in loop_pos]
    options: dict = {}
    _LOOP_OPTIONS.append(options)
    try:
        try:
            outs = staged_while(cond_fn, body_fn, loop_init, names=loop_names)
        except ValueError:
            # The body asked for relaxed shapes (set_loop_options): trace it again with them.
            wanted = options.get("shape_invariants")
            if not wanted:
                raise
            placeholders = options["placeholders"]
            invariants = [wanted.get(id(p), tf_shape_of(v))
                          for p, v in zip(placeholders, loop_init)]
            outs = staged_while(cond_fn, body_fn, loop_init, shape_invariants=invariants,
                                names=loop_names)
    finally:
        _LOOP_OPTIONS.pop()
    final = list(init)
    for i, v in zip(loop_pos, outs[k:]):
        final[i] = v
    for i in body_locals:
        final[i] = Undefined(names[i], f"it is only assigned inside the loop on line {lineno}, "
                                       f"whose condition is a tensor")
    set_state(tuple(final))


# The options of the staged loops being traced, innermost last (set_loop_options).
_LOOP_OPTIONS: list = []


def tf_shape_of(value: Any) -> Any:
    """The static shape of a loop variable's initial value (for shape invariants)."""
    t = value if isinstance(value, Tensor) else convert_to_tensor(value)
    from minitf.core.spec import TensorShape
    return TensorShape(tuple(t._shape))


def set_loop_options(parallel_iterations: Any = None, swap_memory: Any = None,
                     maximum_iterations: Any = None, shape_invariants: Any = None) -> None:
    """Options for the enclosing loop (``tf.autograph.experimental.set_loop_options``).

    Call it first thing in the body of a loop over tensors. ``shape_invariants`` is a
    list of ``(variable, shape)`` pairs: the loop variable may change to any shape that
    fits ``shape`` (None for sizes that change). In a loop that runs in Python it does
    nothing. ``parallel_iterations`` and ``swap_memory`` are accepted and ignored; so is
    ``maximum_iterations`` (write the bound into the loop's condition instead).

    Example:
        >>> import minitf as tf
        >>> @tf.function
        ... def grow(n):
        ...     s = tf.zeros([0])
        ...     for i in tf.range(n):
        ...         tf.autograph.experimental.set_loop_options(
        ...             shape_invariants=[(s, tf.TensorShape([None]))])
        ...         s = tf.concat([s, [1.0]], 0)
        ...     return s
        >>> grow(tf.constant(3)).numpy()  # doctest: +SKIP
        array([1., 1., 1.], dtype=float32)
    """
    if not _LOOP_OPTIONS or not shape_invariants:
        return
    from minitf.core.spec import TensorShape
    _LOOP_OPTIONS[-1]["shape_invariants"] = {
        id(v): TensorShape(shape) for v, shape in shape_invariants}

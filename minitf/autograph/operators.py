"""AutoGraph's runtime: the ``ag__.*`` helpers that converted code calls.

Each helper looks at its condition when it runs. A Python value (or an eager tensor)
keeps Python's meaning: ``if_stmt`` runs one branch, ``while_stmt`` loops in Python. A
symbolic tensor (inside ``tf.function``) stages the control flow instead:

* ``if_stmt`` traces both branches into a ``tf.cond`` whose outputs are the variables
  the branches assign;
* ``while_stmt`` / ``for_stmt`` trace the loop into a ``tf.while_loop`` whose loop
  variables are the variables the body assigns (``for`` over a tensor or a
  ``tf.range``/``range`` with tensor bounds adds an index).

Variables that a staged branch or loop leaves without a value become :class:`Undefined`
objects, whose every use raises an error saying where and what to write instead.

Example:
    >>> import minitf as tf
    >>> from minitf.autograph import operators as ag__
    >>> ag__.and_(lambda: True, lambda: 3)
    3
"""

from __future__ import annotations

import builtins
from typing import Any, Callable, Optional, Sequence

import numpy as np

from minitf import nest
from minitf.core.tracing import current_builder, is_symbolic
from minitf.tensor import Tensor, convert_to_tensor

__all__ = ["if_stmt", "while_stmt", "for_stmt", "and_", "or_", "not_", "if_exp", "range_",
           "converted_call", "retval", "read_state", "Undefined", "UNDEFINED_RETURN"]


class Undefined:
    """The value of a variable that has none at this point of a converted function.

    Using it (in an op, in arithmetic, as a bool, returning it) raises a ``ValueError``
    that names the variable and says why it has no value.

    Example:
        >>> Undefined("y", "it is assigned in only one branch of an `if` on line 3")
        <'y' is undefined: it is assigned in only one branch of an `if` on line 3>
    """

    __slots__ = ("name", "reason")

    def __init__(self, name: str, reason: str = "it is not defined yet") -> None:
        self.name = name
        self.reason = reason

    def error(self) -> ValueError:
        """The error any use of this value raises."""
        return ValueError(f"'{self.name}' must be defined before it is used, but {self.reason}. "
                          f"Give it a value on every path (for example, set it before the "
                          f"`if` or the loop).")

    def _as_tensor(self) -> Any:
        raise self.error()

    def __bool__(self) -> bool:
        raise self.error()

    def __getattr__(self, attr: str) -> Any:
        raise self.error()

    def __repr__(self) -> str:
        return f"<'{self.name}' is undefined: {self.reason}>"


def _raise_undefined(self: Undefined, *args: Any) -> Any:
    raise self.error()


for _op in ("add", "radd", "sub", "rsub", "mul", "rmul", "truediv", "rtruediv", "pow",
            "rpow", "matmul", "rmatmul", "neg", "lt", "le", "gt", "ge", "getitem", "iter",
            "len", "float", "int", "index", "call"):
    setattr(Undefined, f"__{_op}__", _raise_undefined)


class _UndefinedReturn:
    """The return value before any ``return`` ran (becomes None if none does)."""

    def __repr__(self) -> str:
        return "UNDEFINED_RETURN"


UNDEFINED_RETURN = _UndefinedReturn()


def _undefined(v: Any) -> bool:
    return isinstance(v, Undefined) or v is UNDEFINED_RETURN


def _truth(v: Any) -> bool:
    return builtins.bool(v)


def read_state(names: Sequence[str], *readers: Callable[[], Any]) -> tuple:
    """The current values of some variables (``Undefined`` for those not yet bound)."""
    values = []
    for name, read in zip(names, readers):
        try:
            values.append(read())
        except NameError:  # UnboundLocalError and unbound free variables too
            values.append(Undefined(name))
    return tuple(values)


def retval(value: Any) -> Any:
    """The function's return value (None if no ``return`` ran)."""
    return None if value is UNDEFINED_RETURN else value


# ---------------------------------------------------------------------------------------
# Expressions
# ---------------------------------------------------------------------------------------
def _as_bool_tensor(v: Any) -> Tensor:
    return v if isinstance(v, Tensor) else convert_to_tensor(builtins.bool(v))


def and_(*fns: Callable[[], Any]) -> Any:
    """``a and b and ...``: Python's meaning, or ``tf.logical_and`` on symbolic tensors."""
    from minitf.ops.elementwise import logical_and
    value = fns[0]()
    for k in range(1, len(fns)):
        if is_symbolic(value):
            return logical_and(value, _as_bool_tensor(and_(*fns[k:])))
        if not value:
            return value
        value = fns[k]()
    return value


def or_(*fns: Callable[[], Any]) -> Any:
    """``a or b or ...``: Python's meaning, or ``tf.logical_or`` on symbolic tensors."""
    from minitf.ops.elementwise import logical_or
    value = fns[0]()
    for k in range(1, len(fns)):
        if is_symbolic(value):
            return logical_or(value, _as_bool_tensor(or_(*fns[k:])))
        if value:
            return value
        value = fns[k]()
    return value


def not_(value: Any) -> Any:
    """``not x``: Python's meaning, or ``tf.logical_not`` on a symbolic tensor."""
    if is_symbolic(value):
        from minitf.ops.elementwise import logical_not
        return logical_not(value)
    return not value


def if_exp(test: Any, body: Callable[[], Any], orelse: Callable[[], Any]) -> Any:
    """``a if test else b``: Python's meaning, or ``tf.cond`` on a symbolic test."""
    if is_symbolic(test):
        from minitf.ops.control_flow import staged_cond
        return staged_cond(test, body, orelse)
    return body() if test else orelse()


# ---------------------------------------------------------------------------------------
# if
# ---------------------------------------------------------------------------------------
def if_stmt(test: Any, body: Callable[[], None], orelse: Callable[[], None],
            get_state: Callable[[], tuple], set_state: Callable[[tuple], None],
            names: Sequence[str], lineno: int) -> None:
    """A converted ``if``: Python's ``if``, or a staged ``tf.cond`` on a symbolic test."""
    if not is_symbolic(test):
        if _truth(test):
            body()
        else:
            orelse()
        return
    from minitf.ops.control_flow import staged_cond
    init = get_state()

    def branch(fn: Callable[[], None]) -> Callable[[], Any]:
        def run() -> Any:
            set_state(init)
            fn()
            return list(get_state())
        return run

    post: list = []

    def reconcile(bt: Any, rt: list, bf: Any, rf: list) -> tuple:
        rt, rf = list(rt), list(rf)
        for i, name in enumerate(names):
            a, b = rt[i], rf[i]
            if _undefined(a) and _undefined(b):
                post.append(("value", a if a is b else Undefined(name)))
                rt[i] = rf[i] = None
            elif _undefined(a) or _undefined(b):
                missing, other = (a, b) if _undefined(a) else (b, a)
                if missing is UNDEFINED_RETURN and other is not None:
                    filler = _zeros_like(other)  # never read: the do_return flag is False
                    if _undefined(a):
                        rt[i] = filler
                    else:
                        rf[i] = filler
                    post.append(("out",))
                else:
                    branch_name = "else" if _undefined(b) else "main"
                    post.append(("value", Undefined(
                        name, f"it is assigned in only one branch of the `if` on line "
                              f"{lineno} (not in the {branch_name} branch)")))
                    rt[i] = rf[i] = None
            elif a is b:
                post.append(("value", a))
                rt[i] = rf[i] = None
            elif _stageable(a) and _stageable(b):
                post.append(("out",))
            else:
                raise ValueError(
                    f"'{name}' holds Python values ({_describe(a)} and {_describe(b)}) that "
                    f"differ between the branches of the `if` on line {lineno}, whose "
                    f"condition is a tensor. Only tensors (and numbers) can differ between "
                    f"branches: compute '{name}' as a tensor, or make the condition a "
                    f"Python value.")
        return rt, rf

    outs = staged_cond(test, branch(body), branch(orelse), names=list(names),
                       reconcile=reconcile)
    final = []
    for i, p in enumerate(post):
        final.append(outs[i] if p[0] == "out" else p[1])
    set_state(tuple(final))


def _stageable(v: Any) -> bool:
    leaves = nest.flatten(v)
    return all(isinstance(x, (Tensor, builtins.bool, int, float, np.generic, np.ndarray))
               or hasattr(type(x), "_as_tensor") for x in leaves) and not any(
        _undefined(x) for x in leaves)


def _describe(v: Any) -> str:
    return "undefined" if _undefined(v) else f"{type(v).__name__} {v!r}"


def _zeros_like(value: Any) -> Any:
    def zeros(x: Any) -> Tensor:
        t = x if isinstance(x, Tensor) else convert_to_tensor(x)
        shape = tuple(0 if d is None else d for d in t._shape)
        return convert_to_tensor(np.zeros(shape, t._dtype.np))
    return nest.map_structure(zeros, value)


# ---------------------------------------------------------------------------------------
# loops
# ---------------------------------------------------------------------------------------
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
        if not _truth(t):
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
            if not _truth(t):
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
            up = _truth(np.asarray(r.delta._value) > 0)
            return _with_extra(v < r.limit if up else v > r.limit, extra_test)
        zero = convert_to_tensor(np.zeros((), r.delta.dtype.np))
        return _with_extra(where(r.delta > zero, v < r.limit, v > r.limit), extra_test)

    def step(extra: list) -> list:
        body(extra[0])
        return [extra[0] + r.delta]

    _staged_loop(get_state, set_state, names, lineno, test=test, step=step,
                 extra_init=[r.start], extra_names=["iteration"])


def _loop_value(v: Any) -> bool:
    return _stageable(v) and not isinstance(v, (list, dict)) or isinstance(v, Tensor)


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
            if _undefined(new[i]):
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


# ---------------------------------------------------------------------------------------
# calls
# ---------------------------------------------------------------------------------------
def converted_call(f: Any, *args: Any, **kwargs: Any) -> Any:
    """Calls ``f``, converting it first if it is a user function (cached)."""
    from minitf.autograph import convert_callee
    return convert_callee(f)(*args, **kwargs)

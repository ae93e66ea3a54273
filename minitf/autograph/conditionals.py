"""The converted ``if``: Python's ``if``, or a staged ``tf.cond`` on a symbolic test.

The branches assign variables of the enclosing function (through ``nonlocal``);
``if_stmt`` runs each branch from the same starting values, reads what they assigned and
makes those the outputs of one ``cond``. Values that only one branch defines become
:class:`~minitf.autograph.expressions.Undefined`; the not-yet-set return value of a
function that returns inside the ``if`` is filled with zeros on the branch that did not
return (never read: that branch's return flag is False).

Example:
    >>> from minitf.autograph.conditionals import if_stmt
    >>> state = {"x": 1}
    >>> if_stmt(True, lambda: state.update(x=2), lambda: None,
    ...         lambda: (), lambda v: None, (), 1)
    >>> state["x"]
    2
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from minitf import nest
from minitf.autograph.expressions import (
    UNDEFINED_RETURN,
    Undefined,
    describe,
    is_undefined,
    stageable,
    truth,
)
from minitf.core.tracing import is_symbolic
from minitf.tensor import Tensor, convert_to_tensor

__all__ = ["if_stmt"]

def if_stmt(test: Any, body: Callable[[], None], orelse: Callable[[], None],
            get_state: Callable[[], tuple], set_state: Callable[[tuple], None],
            names: Sequence[str], lineno: int) -> None:
    """A converted ``if``: Python's ``if``, or a staged ``tf.cond`` on a symbolic test."""
    if not is_symbolic(test):
        if truth(test):
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
            if is_undefined(a) and is_undefined(b):
                post.append(("value", a if a is b else Undefined(name)))
                rt[i] = rf[i] = None
            elif is_undefined(a) or is_undefined(b):
                missing, other = (a, b) if is_undefined(a) else (b, a)
                if missing is UNDEFINED_RETURN and other is not None:
                    filler = _zeros_like(other)  # never read: the do_return flag is False
                    if is_undefined(a):
                        rt[i] = filler
                    else:
                        rf[i] = filler
                    post.append(("out",))
                else:
                    branch_name = "else" if is_undefined(b) else "main"
                    post.append(("value", Undefined(
                        name, f"it is assigned in only one branch of the `if` on line "
                              f"{lineno} (not in the {branch_name} branch)")))
                    rt[i] = rf[i] = None
            elif a is b:
                post.append(("value", a))
                rt[i] = rf[i] = None
            elif stageable(a) and stageable(b):
                post.append(("out",))
            else:
                raise ValueError(
                    f"'{name}' holds Python values ({describe(a)} and {describe(b)}) that "
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


def _zeros_like(value: Any) -> Any:
    def zeros(x: Any) -> Tensor:
        t = x if isinstance(x, Tensor) else convert_to_tensor(x)
        shape = tuple(0 if d is None else d for d in t._shape)
        return convert_to_tensor(np.zeros(shape, t._dtype.np))
    return nest.map_structure(zeros, value)

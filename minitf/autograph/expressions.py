"""Values and expressions of converted code: ``Undefined``, ``and_``, ``not_``, ``if_exp``.

A variable that a staged branch or loop leaves without a value becomes an
:class:`Undefined`, whose every use raises an error naming the variable and why.
``a and b``, ``a or b``, ``not a`` and ``a if c else b`` keep Python's meaning for
Python values and become ``tf.logical_and`` / ``logical_or`` / ``logical_not`` /
``tf.cond`` on symbolic tensors.

Example:
    >>> from minitf.autograph.expressions import and_, not_
    >>> and_(lambda: True, lambda: 3), not_(0)
    (3, True)
"""

from __future__ import annotations

import builtins
from typing import Any, Callable, Sequence

import numpy as np

from minitf import nest
from minitf.core.tracing import is_symbolic
from minitf.tensor import Tensor, convert_to_tensor

__all__ = ["Undefined", "UNDEFINED_RETURN", "is_undefined", "truth", "read_state", "retval",
           "and_", "or_", "not_", "if_exp", "stageable", "describe"]


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


def is_undefined(v: Any) -> bool:
    """Whether ``v`` is an undefined variable or the not-yet-set return value."""
    return isinstance(v, Undefined) or v is UNDEFINED_RETURN


def truth(v: Any) -> bool:
    """Python's truth of a non-symbolic condition."""
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


def stageable(v: Any) -> bool:
    """Whether ``v`` can flow through a staged cond/loop (tensors and numbers)."""
    leaves = nest.flatten(v)
    return all(isinstance(x, (Tensor, builtins.bool, int, float, np.generic, np.ndarray))
               or hasattr(type(x), "_as_tensor") for x in leaves) and not any(
        is_undefined(x) for x in leaves)


def describe(v: Any) -> str:
    """``v`` for error messages."""
    return "undefined" if is_undefined(v) else f"{type(v).__name__} {v!r}"

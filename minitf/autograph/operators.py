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

from typing import Any

from minitf.autograph.conditionals import if_stmt
from minitf.autograph.expressions import (
    UNDEFINED_RETURN,
    Undefined,
    and_,
    if_exp,
    not_,
    or_,
    read_state,
    retval,
)
from minitf.autograph.loops import for_stmt, range_, set_loop_options, while_stmt

__all__ = ["if_stmt", "while_stmt", "for_stmt", "and_", "or_", "not_", "if_exp", "range_",
           "converted_call", "retval", "read_state", "Undefined", "UNDEFINED_RETURN",
           "set_loop_options"]


def converted_call(f: Any, *args: Any, **kwargs: Any) -> Any:
    """Calls ``f``, converting it first if it is a user function (cached)."""
    from minitf.autograph import convert_callee
    return convert_callee(f)(*args, **kwargs)

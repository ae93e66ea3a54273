"""AutoGraph's first pass: ``break``, ``continue`` and ``return`` become flag variables.

After this pass no jump is left inside a loop or an ``if`` — only assignments to flags,
``if not <flag>:`` guards around the statements a jump would skip, and loop conditions
that stop when a flag is set — so the second pass can turn every ``if`` and loop into
functions without caring about jumps. The result is plain Python with the same meaning.

Example:
    >>> import ast
    >>> from minitf.autograph.lowering import Lowering
    >>> fn = ast.parse("def f(x):\\n    while x:\\n        break\\n    return x").body[0]
    >>> body = Lowering(iter(range(1, 9))).function_body(fn.body)
    >>> print(ast.unparse(ast.fix_missing_locations(ast.Module(body=body, type_ignores=[]))))
    ag__break_1 = False
    while not ag__break_1 and x:
        ag__break_1 = True
    return x
"""

from __future__ import annotations

import ast
from typing import Any, Iterable, Optional

from minitf.autograph.ast_util import _ag, _assign, _const, _name, _not_any, walk_scope

__all__ = ["Lowering"]

class Lowering:
    """The jump-lowering pass (see the module docstring)."""

    def __init__(self, counter: Iterable[int]) -> None:
        self._counter = counter
        self.return_lowered = False

    def function_body(self, body: list) -> list:
        # Returns need lowering unless every `return` is the last top-level statement.
        returns = [n for s in body for n in walk_scope(s) if isinstance(n, ast.Return)]
        top_last = isinstance(body[-1], ast.Return) if body else False
        if not returns or (len(returns) == 1 and top_last):
            return self.block(body, loop=None)[0]
        self.return_lowered = True
        new, _ = self.block(body, loop=None)
        return ([_assign("ag__do_return", _const(False)),
                 _assign("ag__retval", _ag("UNDEFINED_RETURN"))] + new +
                [ast.Return(value=ast.Call(func=_ag("retval"), args=[_name("ag__retval")],
                                           keywords=[]))])

    def block(self, stmts: list, loop: Optional[dict]) -> tuple[list, set]:
        """Lowers a block; returns it and the flags its statements may set."""
        out: list = []
        for i, s in enumerate(stmts):
            new, flags, hard = self.stmt(s, loop)
            out.extend(new)
            if hard:
                return out, flags  # an unconditional jump: the rest never runs
            if flags:
                rest, rest_flags = self.block(stmts[i + 1:], loop)
                if rest:
                    out.append(ast.copy_location(
                        ast.If(test=_not_any(flags), body=rest, orelse=[]), stmts[i + 1]))
                return out, flags | rest_flags
        return out, set()

    def stmt(self, s: ast.stmt, loop: Optional[dict]) -> tuple[list, set, bool]:
        """``(new statements, flags it may set, whether it always jumps)``."""
        if isinstance(s, ast.Return) and self.return_lowered:
            value = s.value if s.value is not None else _const(None)
            return ([_assign("ag__do_return", _const(True)), _assign("ag__retval", value)],
                    {"ag__do_return"}, True)
        if isinstance(s, ast.Break) and loop is not None:
            loop["break_used"] = True
            return [_assign(loop["break"], _const(True))], {loop["break"]}, True
        if isinstance(s, ast.Continue) and loop is not None:
            loop["continue_used"] = True
            return [_assign(loop["continue"], _const(True))], {loop["continue"]}, True
        if isinstance(s, ast.If):
            body, f1 = self.block(s.body, loop)
            orelse, f2 = self.block(s.orelse, loop)
            s.body, s.orelse = body or [ast.Pass()], orelse
            return [s], f1 | f2, False
        if isinstance(s, (ast.With, ast.Try)):
            flags: set = set()
            for field in ("body", "orelse", "finalbody"):
                if hasattr(s, field):
                    new, f = self.block(getattr(s, field), loop)
                    setattr(s, field, new or ([ast.Pass()] if field == "body" else []))
                    flags |= f
            for handler in getattr(s, "handlers", []):
                new, f = self.block(handler.body, loop)
                handler.body = new or [ast.Pass()]
                flags |= f
            return [s], flags, False
        if isinstance(s, (ast.While, ast.For)):
            return self.loop(s)
        return [s], set(), False

    def loop(self, s: Any) -> tuple[list, set, bool]:
        k = next(self._counter)
        info = {"break": f"ag__break_{k}", "continue": f"ag__continue_{k}",
                "break_used": False, "continue_used": False}
        body, flags = self.block(s.body, info)
        own = {info["break"], info["continue"]}
        outer = flags - own  # a return inside the loop also ends the loop
        if info["continue_used"]:
            body = [_assign(info["continue"], _const(False))] + body
        stop = ({info["break"]} if info["break_used"] else set()) | outer
        s.body = body or [ast.Pass()]
        before: list = []
        if info["break_used"]:
            before.append(_assign(info["break"], _const(False)))
        if stop:
            if isinstance(s, ast.While):
                s.test = ast.BoolOp(op=ast.And(), values=[_not_any(stop), s.test])
            else:
                s.ag_extra_test = _not_any(stop)
        orelse, f_else = self.block(s.orelse, None)
        s.orelse = []
        after: list = []
        if orelse:
            after = [ast.If(test=_not_any({info["break"]}), body=orelse, orelse=[])] \
                if info["break_used"] else orelse
        return before + [s] + after, outer | f_else, False

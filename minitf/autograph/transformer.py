"""AutoGraph's source transformation: Python control flow into calls of runtime helpers.

A function is converted in two passes over its AST (its source, from ``inspect``):

1. **Lowering jumps.** ``break``, ``continue`` and ``return`` inside control flow
   become flag variables — ``break`` sets ``ag__break_1 = True``; statements after a
   possible jump are guarded by ``if not <flag>:``; a loop stops when its flag is set;
   returns store ``ag__retval`` and the function ends with ``return ag__retval``. The
   result is plain Python with the same meaning, and no jumps left inside loops or ifs.
2. **Functionalizing.** Each ``if``/``while``/``for`` becomes small nested functions (the
   branches, the loop test and body) plus a call such as ``ag__.if_stmt(test, ...)``.
   The nested functions share the variables they assign with the enclosing function
   through ``nonlocal``, and ``get_state``/``set_state`` functions read and write them.
   ``a and b``, ``not a`` and ``a if c else b`` become ``ag__.and_``/``not_``/``if_exp``,
   and calls go through ``ag__.converted_call`` (which converts user functions too).

The helpers (:mod:`minitf.autograph.operators`) decide at run time: a Python condition
runs plain Python; a symbolic tensor condition stages ``tf.cond`` / ``tf.while_loop``.

Example:
    >>> from minitf.autograph.transformer import convert_source
    >>> src = '''
    ... def f(x):
    ...     if x > 0:
    ...         x = x * 2
    ...     return x
    ... '''
    >>> "ag__.if_stmt" in convert_source(src)
    True
"""

from __future__ import annotations

import ast
import itertools
from typing import Any, Iterable, Optional

from minitf.autograph.ast_util import (
    _NO_WRAP,
    ConversionError,
    _ag,
    _const,
    _line,
    _name,
    assigned_names,
    contains,
    lambda_,
    walk_scope,
)
from minitf.autograph.lowering import Lowering

__all__ = ["convert_function_ast", "convert_source", "assigned_names", "ConversionError"]

# ---------------------------------------------------------------------------------------
# Pass 2: functionalizing control flow
# ---------------------------------------------------------------------------------------
class _Functionalize(ast.NodeTransformer):
    def __init__(self, counter: Iterable[int], global_names: set,
                 first_arg: Optional[str] = None) -> None:
        self._counter = counter
        self._globals = global_names
        self.modified: list = []
        self.first_arg = first_arg

    def _scope_decls(self, names: list) -> list:
        locals_ = [n for n in names if n not in self._globals]
        globals_ = [n for n in names if n in self._globals]
        decls: list = []
        if locals_:
            decls.append(ast.Nonlocal(names=locals_))
        if globals_:
            decls.append(ast.Global(names=globals_))
        for n in locals_:
            if n not in self.modified:
                self.modified.append(n)
        return decls

    def _def(self, name: str, args: list, body: list, names: list) -> ast.FunctionDef:
        extra = {"type_params": []} if "type_params" in ast.FunctionDef._fields else {}
        return ast.FunctionDef(
            name=name, args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=a) for a in args],
                                          vararg=None, kwonlyargs=[], kw_defaults=[],
                                          kwarg=None, defaults=[]),
            body=self._scope_decls(names) + (body or [ast.Pass()]), decorator_list=[],
            returns=None, **extra)

    def _state_fns(self, k: int, names: list) -> list:
        """``get_state``/``set_state`` for ``names``: read them (undefined allowed), write."""
        # ag__.read_state calls each reader, giving Undefined for a name not yet bound.
        get_body = [ast.Return(value=ast.Call(
            func=_ag("read_state"),
            args=[ast.Tuple(elts=[_const(n) for n in names], ctx=ast.Load())]
            + [lambda_(_name(n)) for n in names], keywords=[]))]
        set_body = [ast.Assign(
            targets=[ast.Tuple(elts=[_name(n, ast.Store()) for n in names], ctx=ast.Store())],
            value=_name("ag__values"))]
        return [self._def(f"ag__get_state_{k}", [], get_body, []),
                self._def(f"ag__set_state_{k}", ["ag__values"], set_body, names)]

    def _call(self, fn: str, args: list, k: int, names: list, lineno: int) -> ast.Expr:
        return ast.Expr(value=ast.Call(func=_ag(fn), args=args + [
            _name(f"ag__get_state_{k}"), _name(f"ag__set_state_{k}"),
            ast.Tuple(elts=[_const(n) for n in names], ctx=ast.Load()), _const(lineno)],
            keywords=[]))

    def visit_If(self, node: ast.If) -> list:
        names = assigned_names(node.body + node.orelse)
        self.generic_visit(node)
        k = next(self._counter)
        defs = [self._def(f"ag__if_true_{k}", [], node.body, names),
                self._def(f"ag__if_false_{k}", [], node.orelse, names)]
        call = self._call("if_stmt", [node.test, _name(f"ag__if_true_{k}"),
                                      _name(f"ag__if_false_{k}")], k, names, _line(node))
        return defs + self._state_fns(k, names) + [call]

    def visit_While(self, node: ast.While) -> list:
        names = assigned_names(node.body + [node.test])
        self.generic_visit(node)
        k = next(self._counter)
        defs = [self._def(f"ag__loop_test_{k}", [], [ast.Return(value=node.test)], []),
                self._def(f"ag__loop_body_{k}", [], node.body, names)]
        call = self._call("while_stmt", [_name(f"ag__loop_test_{k}"),
                                         _name(f"ag__loop_body_{k}")], k, names, _line(node))
        return defs + self._state_fns(k, names) + [call]

    def visit_For(self, node: ast.For) -> list:
        names = assigned_names([ast.Assign(targets=[node.target], value=_const(None))]
                               + node.body)
        extra = getattr(node, "ag_extra_test", None)
        it = node.iter
        is_range = isinstance(it, ast.Call) and not it.keywords and \
            not any(isinstance(a, ast.Starred) for a in it.args) and (
                (isinstance(it.func, ast.Name) and it.func.id == "range")
                or (isinstance(it.func, ast.Attribute) and it.func.attr == "range"))
        if is_range:
            # range(n) / tf.range(n): ag__.range_ decides (a tensor bound stages a loop).
            node.iter = ast.copy_location(ast.Call(
                func=_ag("range_"), args=[self.visit(it.func)] + [self.visit(a) for a in it.args],
                keywords=[]), it)
        else:
            node.iter = self.visit(it)
        node.body = [r for s in node.body for r in _as_stmts(self.visit(s))]
        k = next(self._counter)
        body = [ast.Assign(targets=[node.target], value=_name("ag__item"))] + node.body
        defs = [self._def(f"ag__loop_body_{k}", ["ag__item"], body, names)]
        test: ast.expr = _const(None)
        if extra is not None:
            extra = self.visit(extra)
            defs.insert(0, self._def(f"ag__loop_test_{k}", [], [ast.Return(value=extra)], []))
            test = _name(f"ag__loop_test_{k}")
        call = self._call("for_stmt", [node.iter, test, _name(f"ag__loop_body_{k}")], k, names,
                          _line(node))
        return defs + self._state_fns(k, names) + [call]

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.expr:
        self.generic_visit(node)
        fn = "and_" if isinstance(node.op, ast.And) else "or_"
        return ast.Call(func=_ag(fn), args=[lambda_(v) for v in node.values], keywords=[])

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return ast.Call(func=_ag("not_"), args=[node.operand], keywords=[])
        return node

    def visit_IfExp(self, node: ast.IfExp) -> ast.expr:
        self.generic_visit(node)
        return ast.Call(func=_ag("if_exp"), args=[node.test, lambda_(node.body),
                                                  lambda_(node.orelse)], keywords=[])

    def visit_Call(self, node: ast.Call) -> ast.expr:
        self.generic_visit(node)
        f = node.func
        if isinstance(f, ast.Name) and f.id == "super" and not node.args and self.first_arg:
            # Zero-argument super() reads the *enclosing* function's first argument, which
            # a generated branch or lambda does not have: spell it out.
            node.args = [_name("__class__"), _name(self.first_arg)]
            return node
        if isinstance(f, ast.Name) and (f.id in _NO_WRAP or f.id.startswith("ag__")):
            return node
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) \
                and f.value.id == "ag__":
            return node
        return ast.Call(func=_ag("converted_call"), args=[f] + node.args,
                        keywords=node.keywords)

    # Nested scopes keep their own control flow (converted when called, if user code).
    def visit_FunctionDef(self, node: Any) -> Any:
        return node

    visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = visit_FunctionDef


def _as_stmts(x: Any) -> list:
    return x if isinstance(x, list) else [x]


def convert_function_ast(fn_def: ast.FunctionDef) -> ast.FunctionDef:
    """Converts one function definition in place (both passes); returns it.

    Raises:
        ConversionError: for generators and async functions.
    """
    if isinstance(fn_def, ast.AsyncFunctionDef) or contains(fn_def.body, (ast.Yield,
                                                                           ast.YieldFrom)):
        raise ConversionError(f"{fn_def.name} is a generator or coroutine")
    counter = itertools.count(1)
    fn_def.decorator_list = []
    global_names = {n for s in fn_def.body for node in walk_scope(s)
                    if isinstance(node, ast.Global) for n in node.names}
    nonlocal_names = {n for s in fn_def.body for node in walk_scope(s)
                      if isinstance(node, ast.Nonlocal) for n in node.names}
    lowering = Lowering(counter)
    body = lowering.function_body(fn_def.body)
    positional = fn_def.args.posonlyargs + fn_def.args.args
    functionalize = _Functionalize(counter, global_names,
                                   positional[0].arg if positional else None)
    new_body: list = []
    for s in body:
        out = functionalize.visit(s)
        new_body.extend(out if isinstance(out, list) else [out])
    # The nested functions declare `nonlocal x` for every variable they assign; Python
    # requires `x` to be bound in this function. A never-run `if False: x = None` makes
    # each one a local (as it was in the original, where the assignment lived here).
    params = {a.arg for a in fn_def.args.posonlyargs + fn_def.args.args +
              fn_def.args.kwonlyargs} | {a.arg for a in (fn_def.args.vararg,
                                                         fn_def.args.kwarg) if a}
    locals_ = [n for n in functionalize.modified
               if n not in params and n not in nonlocal_names and n not in global_names]
    if locals_:
        new_body.insert(0, ast.If(test=_const(False), body=[ast.Assign(
            targets=[_name(n, ast.Store()) for n in locals_], value=_const(None))], orelse=[]))
    fn_def.body = new_body
    return fn_def


def convert_source(source: str) -> str:
    """The converted source of the first function defined in ``source`` (for reading).

    Example:
        >>> print(convert_source("def f(x):\\n    return x and 1"))
        def f(x):
            return ag__.and_(lambda: x, lambda: 1)
    """
    tree = ast.parse(source.strip("\n"))
    fn_def = next(n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    convert_function_ast(fn_def)
    return ast.unparse(ast.fix_missing_locations(fn_def))

"""Small AST helpers for AutoGraph: node constructors and scope-aware analysis.

Example:
    >>> import ast
    >>> from minitf.autograph.ast_util import assigned_names
    >>> assigned_names(ast.parse("a = 1\\nb, c = 2, 3").body)
    ['a', 'b', 'c']
"""

from __future__ import annotations

import ast
from typing import Any, Iterable

__all__ = ["ConversionError", "assigned_names", "contains", "walk_scope"]

# Calls that must run in the caller's own frame, never through converted_call.
_NO_WRAP = {"super", "locals", "globals", "vars", "eval", "exec", "print", "isinstance",
            "len", "range", "type", "id", "getattr", "setattr", "hasattr"}


class ConversionError(Exception):
    """The function cannot be converted (e.g. a generator); it runs unconverted."""


def _name(id_: str, ctx: Any = None) -> ast.Name:
    return ast.Name(id=id_, ctx=ctx or ast.Load())


def _ag(attr: str) -> ast.Attribute:
    return ast.Attribute(value=_name("ag__"), attr=attr, ctx=ast.Load())


def _assign(name: str, value: ast.expr) -> ast.Assign:
    return ast.Assign(targets=[_name(name, ast.Store())], value=value)


def _const(v: Any) -> ast.Constant:
    return ast.Constant(value=v)


def _line(node: ast.AST) -> int:
    """The source line of ``node`` (of its first located child for generated nodes)."""
    for n in ast.walk(node):
        if getattr(n, "lineno", None) is not None:
            return n.lineno
    return 0


def _not_any(flags: Iterable[str]) -> ast.expr:
    flags = sorted(flags)
    inner = _name(flags[0]) if len(flags) == 1 else ast.BoolOp(
        op=ast.Or(), values=[_name(f) for f in flags])
    return ast.UnaryOp(op=ast.Not(), operand=inner)


# ---------------------------------------------------------------------------------------
# Analysis: which names a block assigns (not looking into nested scopes)
# ---------------------------------------------------------------------------------------
class _Assigned(ast.NodeVisitor):
    def __init__(self) -> None:
        self.names: list = []

    def _add(self, name: str) -> None:
        if name not in self.names:
            self.names.append(name)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self._add(node.id)

    def visit_FunctionDef(self, node: Any) -> None:
        self._add(node.name)  # binds the name; its body is another scope

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_ClassDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        pass

    def _comprehension(self, node: Any) -> None:
        pass  # comprehension targets are local to the comprehension

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension

    def visit_Import(self, node: Any) -> None:
        for alias in node.names:
            self._add((alias.asname or alias.name).split(".")[0])

    visit_ImportFrom = visit_Import

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self._add(node.name)
        self.generic_visit(node)


def assigned_names(stmts: Iterable[ast.AST]) -> list:
    """Names bound by ``stmts`` in their own scope, in order of first binding.

    Example:
        >>> import ast
        >>> assigned_names(ast.parse("a = 1\\nfor i in r: b += i\\nf = lambda q: q").body)
        ['a', 'i', 'b', 'f']
    """
    v = _Assigned()
    for s in stmts:
        v.visit(s)
    return v.names


def contains(stmts: Iterable[ast.AST], kinds: tuple) -> bool:
    """Whether ``stmts`` hold a node of ``kinds`` outside nested functions and classes."""
    for s in stmts:
        for node in walk_scope(s):
            if isinstance(node, kinds):
                return True
    return False


def walk_scope(node: ast.AST) -> Iterable[ast.AST]:
    yield node
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        yield from walk_scope(child)


def lambda_(body: ast.expr) -> ast.Lambda:
    """``lambda: body``."""
    return ast.Lambda(args=ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[],
                                         kw_defaults=[], kwarg=None, defaults=[]), body=body)

"""AutoGraph: Python ``if``/``while``/``for`` on tensors, inside ``tf.function``.

``tf.function`` converts the function it decorates (and the user functions that
function calls) by rewriting its source: control flow becomes calls of runtime helpers
that keep Python's behaviour for Python values and stage ``tf.cond`` /
``tf.while_loop`` for symbolic tensors. See :mod:`minitf.autograph.transformer` for the
rewriting and :mod:`minitf.autograph.operators` for the helpers.

``tf.autograph.to_code(f)`` shows the converted source — the best way to see what
AutoGraph does.

Example:
    >>> import minitf as tf
    >>> def f(x):
    ...     while x > 1:
    ...         x = x / 2
    ...     return x
    >>> tf.function(f)(tf.constant(10.0)).numpy()  # doctest: +SKIP
    np.float32(0.625)
"""

from __future__ import annotations

import ast
import inspect
import logging
import os
import sys
import textwrap
import types
import weakref
from typing import Any, Callable

from minitf import nest
from minitf.autograph import operators
from minitf.autograph.transformer import ConversionError, convert_function_ast

__all__ = ["to_graph", "to_code", "to_graph_function", "convert_callee", "note_for",
           "check_defined", "operators", "experimental"]

logger = logging.getLogger("minitf")

_converted: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()
_failures: "weakref.WeakKeyDictionary[Any, str]" = weakref.WeakKeyDictionary()

# Library code is never converted (only the user's own functions are).
_LIBRARY_ROOTS = {"minitf", "numpy", "torch", "triton", "matplotlib", "pytest", "_pytest",
                  "hypothesis", "sklearn", "scipy", "pluggy", "tensorflow", "keras"}
# A decorator's wrapper (functools.wraps) carries the user's __module__ but minitf's
# code: where the code lives decides (tf.custom_gradient's wrapper is library code).
_MINITF_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _parse(fn: types.FunctionType) -> ast.FunctionDef:
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError) as e:
        raise ConversionError(f"its source code is not available ({e})") from None
    tree = ast.parse(textwrap.dedent(source))
    # Line numbers as in the file, so tracebacks and messages point at the user's code.
    ast.increment_lineno(tree, fn.__code__.co_firstlineno - 1)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == fn.__name__:
            return node
    raise ConversionError("its definition was not found in its source (a lambda, or a "
                          "function created by exec)")


def _convert(fn: types.FunctionType) -> types.FunctionType:
    """A new function: ``fn``'s converted code with ``fn``'s globals and closure cells."""
    if fn.__name__ == "<lambda>":
        raise ConversionError("it is a lambda (AutoGraph converts `def` functions only)")
    fn_def = convert_function_ast(_parse(fn))
    # The converted def is nested in a factory whose parameters are `ag__` and the
    # original free variables, so it refers to them as closure cells; the new function
    # then gets the original function's own cells (shared with its enclosing scope).
    freevars = list(fn.__code__.co_freevars)
    factory = ast.FunctionDef(
        name="ag__factory",
        args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=a) for a in ["ag__"] + freevars],
                           vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                           defaults=[]),
        body=[fn_def, ast.Return(value=ast.Name(id=fn.__name__, ctx=ast.Load()))],
        decorator_list=[], returns=None,
        **({"type_params": []} if "type_params" in ast.FunctionDef._fields else {}))
    module = ast.fix_missing_locations(ast.Module(body=[factory], type_ignores=[]))
    filename = fn.__code__.co_filename
    code = compile(module, filename, "exec")
    factory_code = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in factory_code.co_consts
                 if isinstance(c, types.CodeType) and c.co_name == fn.__name__)
    cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    cells["ag__"] = types.CellType(operators)
    try:
        closure = tuple(cells[name] for name in inner.co_freevars)
    except KeyError as e:
        raise ConversionError(f"its converted code needs an unknown free variable {e}") from None
    new = types.FunctionType(inner, fn.__globals__, fn.__name__, fn.__defaults__, closure)
    new.__kwdefaults__ = fn.__kwdefaults__
    new.__doc__, new.__qualname__, new.__module__ = fn.__doc__, fn.__qualname__, fn.__module__
    new.__dict__.update(fn.__dict__)
    new.__minitf_autograph_source__ = ast.unparse(fn_def)
    return new


def to_graph_function(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` converted by AutoGraph (cached), or ``fn`` itself if it cannot be.

    Bound methods are converted through their function and bound again.

    Example:
        >>> def f(x):
        ...     return x if x > 0 else -x
        >>> to_graph_function(f)(-3)  # doctest: +SKIP
        3
    """
    if isinstance(fn, types.MethodType):
        conv = to_graph_function(fn.__func__)
        return fn if conv is fn.__func__ else types.MethodType(conv, fn.__self__)
    if not isinstance(fn, types.FunctionType):
        call = getattr(type(fn), "__call__", None)
        if isinstance(call, types.FunctionType):  # a callable object: convert its __call__
            conv = to_graph_function(call)
            return fn if conv is call else types.MethodType(conv, fn)
        return fn
    got = _converted.get(fn)
    if got is not None:
        return got
    try:
        got = _convert(fn)
    except (ConversionError, SyntaxError) as e:
        _failures[fn] = str(e)
        logger.debug("AutoGraph could not convert %s: %s", fn.__name__, e)
        got = fn
    _converted[fn] = got
    return got


def _is_user_function(f: Any) -> bool:
    if not isinstance(f, types.FunctionType) or f.__name__ == "<lambda>":
        return False
    root = (f.__module__ or "").split(".")[0]
    if root in _LIBRARY_ROOTS or root in getattr(sys, "stdlib_module_names", ()):
        return False
    filename = f.__code__.co_filename
    return not (filename.startswith("<") or "site-packages" in filename
                or filename.startswith(_MINITF_DIR))


def convert_callee(f: Any) -> Any:
    """What a converted call calls: user functions and methods converted, others as is."""
    if isinstance(f, types.MethodType):
        if _is_user_function(f.__func__):
            return to_graph_function(f)
        return f
    if _is_user_function(f):
        return to_graph_function(f)
    return f


def note_for(fn: Callable[..., Any]) -> str:
    """An explanation to add to errors when ``fn`` was not converted ("" if it was)."""
    base = getattr(fn, "__func__", fn)
    if getattr(base, "__minitf_autograph_source__", None) is not None:
        return ""
    if not isinstance(base, types.FunctionType):
        base = getattr(type(base), "__call__", base)
    reason = _failures.get(base) if isinstance(base, types.FunctionType) else None
    name = getattr(base, "__name__", type(base).__name__)
    reason = reason or "it is not a Python function whose source AutoGraph can read"
    return (f" (AutoGraph could not convert `{name}` because {reason}; use tf.cond / "
            f"tf.while_loop, or define it with `def` in a file.)")


def check_defined(value: Any, where: str) -> None:
    """Raises the teaching error of an :class:`~operators.Undefined` found in ``value``."""
    for leaf in nest.flatten(value):
        if isinstance(leaf, operators.Undefined):
            raise leaf.error()


class experimental:  # noqa: N801 - TF's namespace name
    """``tf.autograph.experimental``: loop options."""

    set_loop_options = staticmethod(operators.set_loop_options)


def to_graph(fn: Callable[..., Any], recursive: bool = True, experimental_optional_features:
             Any = None) -> Callable[..., Any]:
    """The function with its control flow converted (``tf.autograph.to_graph``).

    Example:
        >>> import minitf as tf
        >>> callable(tf.autograph.to_graph(lambda x: x))
        True
    """
    return to_graph_function(fn)


def to_code(fn: Callable[..., Any], recursive: bool = True,
            experimental_optional_features: Any = None) -> str:
    """The converted source of ``fn`` (``tf.autograph.to_code``): what AutoGraph runs.

    Raises:
        ValueError: if ``fn`` cannot be converted (say, its source is not available).

    Example:
        >>> import minitf as tf
        >>> print(tf.autograph.to_code(tf.autograph.operators.retval))  # doctest: +ELLIPSIS
        def retval(value: Any) -> Any:
        ...
    """
    base = getattr(fn, "__func__", getattr(fn, "python_function", fn))
    base = getattr(base, "__func__", base)
    try:
        return ast.unparse(ast.fix_missing_locations(convert_function_ast(_parse(base))))
    except ConversionError as e:
        raise ValueError(f"AutoGraph cannot convert {getattr(base, '__name__', base)!r}: "
                         f"{e}.") from None

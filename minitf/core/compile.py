"""A graph turned into straight-line Python: one line per equation, printable.

When nothing needs recording (no tape) and nothing is being traced, calling a traced
function does not need ``bind`` at all: every equation can call its primitive's NumPy
implementation directly on raw buffers. This module writes that program as Python
source and compiles it with ``exec``; ``graph.python_source()`` shows it::

    def __call__(x, w_q, w_l, b):
        a = x * x  # pow
        c = w_q * a  # mul
        ...
        return (e,)

What the lowering does on the way (each keeps results bit-for-bit equal to ``bind``):

* ``add``/``sub``/``mul``/``div``/comparisons on buffers become Python operators (for
  NumPy arrays and scalars they call the same ufunc, minus a wrapper call), except a
  float scalar meeting an array on its left, which calls the ufunc (``np.multiply``)
  directly; rank-0 constants are NumPy scalars, except where they meet an array: there
  they are 0-d arrays, which NumPy would otherwise make from the scalar on every call;
* ``x ** 2`` becomes ``x * x`` and ``x ** 1`` becomes ``x`` (NumPy's power gives exactly
  those);
* ``identity`` and ``stop_gradient`` become plain aliases, and a float ``reduce_sum``
  calls ``np.add.reduce`` (what ``np.sum`` runs) directly;
* ``broadcast_to`` feeding elementwise ops is dropped when NumPy's own broadcasting
  gives the same result shape (the equations only exist to make gradients explicit);
* equations whose results are unused are skipped (effectful ones never are).

Example:
    >>> import minitf as tf
    >>> @tf.function
    ... def f(x):
    ...     return x * 2.0 + 1.0
    >>> print(f.get_concrete_function(tf.zeros([2])).graph.python_source())
    def f(x):
        # _k0 = 2.0:f32[]
        # _k1 = 1.0:f32[]
        a = x * _k0  # mul
        b = a + _k1  # add
        return (b,)
"""

from __future__ import annotations

import builtins
from typing import Any, Callable, Optional, Sequence

import numpy as np

from minitf.core.interpreters import host_value
from minitf.core.graph import Eqn, Graph, Lit, Var, is_effectful
from minitf.core.printing import Namer, lit_str, sanitize

__all__ = ["python_source", "compile_graph", "lower", "Program", "tuple_display",
           "unpack_targets"]

# Primitives whose NumPy implementation equals a Python operator on buffers.
_OPERATORS = {
    "add": "{0} + {1}", "sub": "{0} - {1}", "mul": "{0} * {1}", "div": "{0} / {1}",
    "neg": "-{0}", "eq": "{0} == {1}", "ne": "{0} != {1}", "lt": "{0} < {1}",
    "le": "{0} <= {1}", "gt": "{0} > {1}", "ge": "{0} >= {1}",
}
# The same operators as ufunc calls, for a NumPy scalar meeting an array (below).
_UFUNCS = {"add": "np.add", "sub": "np.subtract", "mul": "np.multiply", "div": "np.divide"}
_ALIASES = ("identity", "stop_gradient")
_SIMPLE = (int, float, str, bool, type(None))


def _as_operator(eqn: Any) -> bool:
    # Strings are 0-d object arrays: `a + b` on two of them gives bytes, not an array.
    return eqn.prim.name in _OPERATORS and eqn.outputs[0].dtype._kind != "O"


def _is_simple(value: Any) -> bool:
    # Values whose repr is valid Python that rebuilds them (JSON-like params).
    if isinstance(value, _SIMPLE):
        return not (isinstance(value, float) and not np.isfinite(value))
    if isinstance(value, (tuple, list)):
        return all(_is_simple(v) for v in value)
    return False


class Program:
    """Straight-line code for one graph.

    Attributes:
        lines: the body, one statement per kept equation.
        namespace: the globals the body refers to (implementations, constants).
        input_names: one Python name per graph input.
        output_exprs: one Python expression per graph output.
        constants: ``(global name, listing)`` of every constant, for comments.
    """

    def __init__(self) -> None:
        self.lines: list = []
        self.namespace: dict = {"np": np}
        self.input_names: list = []
        self.output_exprs: list = []
        self.constants: list = []


def _elide_broadcasts(graph: Graph) -> dict:
    """Maps ids of ``broadcast_to`` outputs to their sources where NumPy broadcasts anyway.

    An elementwise equation may read the source instead of the broadcast value when
    broadcasting the sources' shapes already gives the equation's (fully known) output
    shape — then NumPy computes the identical result without the explicit copy.
    """
    source: dict = {}
    for eqn in graph.eqns:
        if (eqn.prim.name == "broadcast_to" and len(eqn.inputs) == 1
                and None not in eqn.outputs[0].shape):
            source[id(eqn.outputs[0])] = eqn.inputs[0]
    if not source:
        return {}
    subst: dict = {}
    for eqn in graph.eqns:
        if eqn.prim.elementwise is None and eqn.prim.name != "select":
            continue
        if len(eqn.inputs) < 2 or len(eqn.outputs) != 1:
            continue
        out_shape = eqn.outputs[0].shape
        if None in out_shape:
            continue
        ins = [source.get(id(a), a) for a in eqn.inputs]
        if any(None in a.shape for a in ins):
            continue
        try:
            shape = np.broadcast_shapes(*[a.shape for a in ins])
        except ValueError:
            continue
        if tuple(shape) == tuple(out_shape):
            for a, new in zip(eqn.inputs, ins):
                if new is not a:
                    subst.setdefault(id(eqn), {})[id(a)] = new
    return subst


def _live(graph: Graph, subst: dict) -> list:
    """The equations whose results are needed (effectful ones always are)."""
    needed = {id(a) for a in graph.outputs if isinstance(a, Var)}
    keep = []
    for eqn in reversed(graph.eqns):
        if is_effectful(eqn) or any(id(o) in needed for o in eqn.outputs):
            keep.append(eqn)
            repl = subst.get(id(eqn), {})
            for a in eqn.inputs:
                a = repl.get(id(a), a)
                if isinstance(a, Var):
                    needed.add(id(a))
    keep.reverse()
    return keep


def lower(graph: Graph, *, reserved: tuple = ()) -> Program:
    """Writes ``graph`` as straight-line Python over buffers (see the module docstring).

    Args:
        graph: the graph.
        reserved: names the caller's wrapper code uses (kept free).

    Returns:
        A :class:`Program`.

    Raises:
        NotImplementedError: if a primitive has no NumPy implementation.
    """
    prog = Program()
    subst = _elide_broadcasts(graph)
    eqns = _live(graph, subst)
    impl_names: dict = {}
    for eqn in eqns:
        name = eqn.prim.name
        if name in impl_names or name in _ALIASES:
            continue
        if _as_operator(eqn) or (name == "pow" and _small_exponent(eqn)) or _float_sum(eqn):
            continue
        if "numpy" not in eqn.prim.impls:
            raise NotImplementedError(f"primitive {name!r} has no NumPy implementation")
        gname = sanitize(name)
        if hasattr(builtins, gname):  # `slice`, `print`...: keep Python's builtins visible
            gname += "_"
        while gname in prog.namespace or gname in reserved:
            gname = "_" + gname
        impl_names[name] = gname
        prog.namespace[gname] = eqn.prim.impls["numpy"]
    namer = Namer(reserved=tuple(prog.namespace) + tuple(reserved) + ("_k", "_g"))
    prog.input_names = [namer.hinted(v) for v in graph.inputs]
    lits: dict = {}

    def atom(a: Any, meets_array: bool = False) -> str:
        if isinstance(a, Lit):
            # A rank-0 constant that meets an array is held as a 0-d array: NumPy turns
            # a scalar operand into one on every call (~0.2 µs of a ~0.7 µs multiply).
            array = _as_0d_array(a.value) if meets_array else None
            key = (_lit_key(a), array is not None)
            if key not in lits:
                lits[key] = f"_k{len(lits)}"
                prog.namespace[lits[key]] = _as_scalar(a.value) if array is None else array
                prog.constants.append((lits[key], lit_str(a)))
            return lits[key]
        return namer(a)

    n_objects = 0
    for eqn in eqns:
        repl = subst.get(id(eqn), {})
        name = eqn.prim.name
        exponent = _small_exponent(eqn) if name == "pow" else None
        if exponent:
            ins = [atom(repl.get(id(eqn.inputs[0]), eqn.inputs[0]))]
        else:
            operands = [repl.get(id(a), a) for a in eqn.inputs]
            if len(operands) == 2 and name in _OPERATORS:  # (add, mul, <, ...)
                left, right = operands
                ins = [atom(left, len(right.shape) > 0), atom(right, len(left.shape) > 0)]
            else:
                ins = [atom(a) for a in operands]
        outs = [namer(v) for v in eqn.outputs]
        if _scalar_meets_array(eqn, repl):
            rhs = f"{_UFUNCS[name]}({ins[0]}, {ins[1]})"
        elif _as_operator(eqn):
            rhs = _OPERATORS[name].format(*ins)
        elif exponent == 2:
            rhs = f"{ins[0]} * {ins[0]}"
        elif exponent == 1:
            rhs = ins[0]
        elif name in _ALIASES:
            rhs = ins[0]
        elif _float_sum(eqn):
            if len(eqn.inputs[0].shape) == 1 and not eqn.params["keepdims"]:
                rhs = f"np.add.reduce({ins[0]})"  # a vector's only axis (the default)
            else:
                rhs = f"np.add.reduce({ins[0]}, axis={eqn.params['axis']!r}, " \
                      f"keepdims={eqn.params['keepdims']!r})"
        else:
            args = list(ins)
            for k, v in eqn.params.items():
                if _is_simple(v):
                    args.append(f"{k}={v!r}")
                else:
                    gname = f"_g{n_objects}"
                    n_objects += 1
                    prog.namespace[gname] = v
                    args.append(f"{k}={gname}")
            rhs = f"{impl_names[name]}({', '.join(args)})"
        # BEGIN SOLUTION graphs: one line of Python per equation; spec: tests/test_graph_ir.py
        if not eqn.outputs:
            prog.lines.append(f"{rhs}  # {name}")
        elif eqn.prim.multiple_results:
            lhs = ", ".join(outs) + ("," if len(outs) == 1 else "")
            prog.lines.append(f"{lhs} = {rhs}  # {name}")
        else:
            prog.lines.append(f"{outs[0]} = {rhs}  # {name}")
        # END SOLUTION
    prog.output_exprs = [atom(a) for a in graph.outputs]
    return prog


def _as_scalar(value: Any) -> Any:
    # A rank-0 constant as a NumPy scalar: the same value, and `k * s` on two scalars
    # runs the scalar's own arithmetic (~0.1 µs) instead of a ufunc on a 0-d array (~1 µs).
    if type(value) is np.ndarray and value.ndim == 0 and value.dtype.kind in "biufc":
        return value[()]
    return value


def _as_0d_array(value: Any) -> Optional[np.ndarray]:
    # A numeric rank-0 constant (a NumPy scalar or 0-d array) as a 0-d array, else None.
    if isinstance(value, (np.ndarray, np.generic)) and value.ndim == 0 \
            and value.dtype.kind in "biufc":
        return np.asarray(value)
    return None


def _scalar_meets_array(eqn: Eqn, repl: dict) -> bool:
    """A float ``add/sub/mul/div`` of a rank-0 left operand and an array: call the ufunc.

    ``s * x`` with a NumPy scalar ``s`` first tries the scalar's own ``__mul__``, which
    converts and defers to the array (~1.5 µs for 32 floats); ``np.multiply(s, x)`` is
    the call that ends up running, without the detour (~1 µs). Same ufunc, same bits.
    ``repl``: the equation's inputs replaced by elided broadcasts' sources.
    """
    if eqn.prim.name not in _UFUNCS or eqn.outputs[0].dtype._kind != "f":
        return False
    left, right = (repl.get(id(a), a) for a in eqn.inputs)  # after broadcast elision
    return len(left.shape) == 0 and len(right.shape) > 0


def _lit_key(lit: Lit) -> Any:
    # Equal small constants share one name (the 0.01 of three optimizer updates).
    value = host_value(lit.value)
    if value.size <= 16 and value.dtype != object:
        return (lit.dtype.name, value.shape, value.tobytes())
    return id(lit)


def _small_exponent(eqn: Eqn) -> Optional[int]:
    """1 or 2 for ``pow`` by a literal 1 or 2 of the base's shape (exact rewrites), else None.

    NumPy's power gives exactly ``x`` for exponent 1 and exactly ``x * x`` for 2 (one
    rounding of the exact product), so those rewrites keep every bit.
    """
    y = eqn.inputs[1]
    if not (isinstance(y, Lit) and y.shape == () and eqn.inputs[0].shape == eqn.outputs[0].shape):
        return None
    value = float(host_value(y.value))
    return int(value) if value in (1.0, 2.0) else None


def _float_sum(eqn: Eqn) -> bool:
    """A float ``reduce_sum`` of an array: ``np.add.reduce`` is what ``np.sum`` runs.

    (Skipping ``np.sum``'s argument handling saves a few µs per call; integer sums keep
    the primitive's implementation, which casts NumPy's widened result back.)
    """
    return eqn.prim.name == "reduce_sum" and eqn.inputs[0].dtype.is_floating \
        and len(eqn.inputs[0].shape) > 0


def _function_source(name: str, prog: Program) -> str:
    lines = [f"def {name}({', '.join(prog.input_names)}):"]
    lines += [f"    # {k} = {text}" for k, text in prog.constants]
    lines += [f"    {line}" for line in prog.lines]
    lines.append(f"    return {tuple_display(prog.output_exprs)}")
    return "\n".join(lines)


def tuple_display(items: Sequence[str]) -> str:
    """Python source of a tuple of these expressions (one item keeps its comma).

    Example:
        >>> tuple_display(["a"]), tuple_display(["a", "b"]), tuple_display([])
        ('(a,)', '(a, b)', '()')
    """
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def unpack_targets(names: Sequence[str]) -> str:
    """The left side of an unpacking into these names: ``a,`` for one (its length is
    checked too).

    Example:
        >>> unpack_targets(["a"]) + " = x", unpack_targets(["a", "b"]) + " = x"
        ('a, = x', 'a, b = x')
    """
    return names[0] + "," if len(names) == 1 else ", ".join(names)


def python_source(graph: Graph, name: Optional[str] = None) -> str:
    """The Python source of ``graph``'s straight-line program.

    Example:
        >>> import minitf as tf
        >>> @tf.function
        ... def f(x):
        ...     return tf.identity(x)
        >>> print(python_source(f.get_concrete_function(tf.constant(1)).graph))
        def f(x):
            a = x  # identity
            return (a,)
    """
    return _function_source(sanitize(name or graph.name), lower(graph))


def compile_graph(graph: Graph) -> Callable[..., tuple]:
    """``graph`` as a Python function: input buffers in, a tuple of output buffers out.

    Example:
        >>> import numpy as np
        >>> import minitf as tf
        >>> @tf.function
        ... def f(x):
        ...     return x + x
        >>> run = compile_graph(f.get_concrete_function(tf.zeros([2])).graph)
        >>> run(np.array([1.0, 2.0], np.float32))
        (array([2., 4.], dtype=float32),)
    """
    prog = lower(graph)
    return exec_source(_function_source("_graph_fn", prog), prog.namespace, "_graph_fn",
                       graph.name)


_CODE_CACHE: dict = {}  # (source, file name) -> code object; see exec_source
_CODE_CACHE_SIZE = 512


def exec_source(source: str, namespace: dict, fn_name: str, label: str) -> Callable[..., Any]:
    """Compiles generated source; tracebacks show ``<minitf graph NAME>`` as the file.

    The code object is kept by its source text: Python's compiler costs ~12 µs a line
    (1 ms for a training step's backward plan), and the same text comes back often —
    the same model traced for another batch shape, a model built again. A code object
    is immutable and the names in it resolve in ``namespace`` when it runs, so one
    serves every namespace (as a module's ``.pyc`` does).

    Example:
        >>> f = exec_source("def f(x): return x + k", {"k": 1}, "f", "demo")
        >>> g = exec_source("def f(x): return x + k", {"k": 2}, "f", "demo")
        >>> f(1), g(1), f.__code__ is g.__code__
        (2, 3, True)
    """
    filename = f"<minitf graph {label}>"
    code = _CODE_CACHE.get((source, filename))
    if code is None:
        code = compile(source, filename, "exec", dont_inherit=True)
        if len(_CODE_CACHE) >= _CODE_CACHE_SIZE:
            _CODE_CACHE.pop(next(iter(_CODE_CACHE)), None)  # the oldest (dicts keep order)
        _CODE_CACHE[(source, filename)] = code
    exec(code, namespace)
    fn = namespace[fn_name]
    fn.__minitf_source__ = source
    return fn

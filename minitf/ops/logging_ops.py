"""``tf.print``: an *effectful* primitive, so it prints on every call of a traced function.

Python's ``print`` inside a ``tf.function`` runs while tracing only; ``tf.print`` is an
equation of the graph (``print``), never folded, merged or removed, so it runs each time
the graph runs and shows the values of that run.

The text is TensorFlow's: numbers without dtype noise (``2.5``, ``[1 2 3]``), bools as
``1``/``0``, strings quoted, long dimensions summarized as ``first ... last`` (three of
each by default), and Python structures printed around the tensors they hold.

Example:
    >>> import sys
    >>> import minitf as tf
    >>> tf.print("x is", tf.constant([1.0, 2.5]), {"n": tf.constant(3)}, output_stream=sys.stdout)
    x is [1 2.5] {'n': 3}
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from minitf.core.interpreters import bind
from minitf.core.primitive import NOT_DIFFERENTIABLE, Primitive
from minitf.tensor import Tensor, convert_to_tensor

__all__ = ["print_p", "print_tensors", "format_value"]

print_p = Primitive("print", multiple_results=True, effectful=True)
print_p.def_abstract_eval(lambda *specs, **params: [])
print_p.def_vjp(NOT_DIFFERENTIABLE)


def _float_text(v: float, dtype: np.dtype) -> str:
    # TF's rule: the shortest of %.{6,9}g (float32) or %.{15,17}g (float64) that reads back
    # as the same number.
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    short, full = (15, 17) if dtype == np.float64 else (6, 9)
    text = f"{v:.{short}g}"
    if dtype.type(text) != v:
        text = f"{v:.{full}g}"
    return text


def _element_text(v: Any, dtype: np.dtype) -> str:
    if dtype.kind == "f":
        return _float_text(float(v), np.dtype(np.float64) if dtype == np.float64
                           else np.dtype(np.float32))
    if dtype.kind == "b":
        return "1" if v else "0"
    if dtype.kind in "OSU":
        s = v.decode() if isinstance(v, bytes) else str(v)
        return f'"{s}"'
    return str(int(v))


def format_value(value: np.ndarray, summarize: int = 3) -> str:
    """A tensor's value as ``tf.print`` writes it.

    Args:
        value: the NumPy value.
        summarize: elements shown at each end of a long dimension (-1: all).

    Example:
        >>> import numpy as np
        >>> format_value(np.arange(20))
        '[0 1 2 ... 17 18 19]'
    """
    value = np.asarray(value)
    if value.ndim == 0:
        return _element_text(value[()], value.dtype)
    if value.size == 0:
        return "[]"

    def fmt(a: np.ndarray, depth: int) -> str:
        n = a.shape[0]
        cut = summarize is not None and summarize >= 0 and n > 2 * summarize
        idx = list(range(summarize)) + [None] + list(range(n - summarize, n)) if cut \
            else list(range(n))
        if a.ndim == 1:
            return "[" + " ".join("..." if i is None else _element_text(a[i], a.dtype)
                                  for i in idx) + "]"
        sep = "\n" * (a.ndim - 1) + " " * (depth + 1)
        return "[" + sep.join("..." if i is None else fmt(a[i], depth + 1) for i in idx) + "]"

    return fmt(value, 0)


_STREAMS = {"stderr": lambda: sys.stderr, "stdout": lambda: sys.stdout}


@print_p.def_impl("numpy")
def _print_numpy(*values: Any, parts: tuple, summarize: int, stream: str) -> list:
    pieces = [parts[0]]
    for v, text in zip(values, parts[1:]):
        pieces.append(format_value(v, summarize))
        pieces.append(text)
    out = _STREAMS[stream]()
    out.write("".join(pieces))
    out.flush()
    return []


def _render(value: Any, top: bool, tokens: list, tensors: list) -> None:
    """Appends text pieces and tensor slots (ints) for one argument of ``tf.print``."""
    if isinstance(value, Tensor) or hasattr(type(value), "_as_tensor"):
        t = value if isinstance(value, Tensor) else type(value)._as_tensor(value)
        tokens.append(len(tensors))
        tensors.append(t)
    elif isinstance(value, (np.ndarray, np.generic)):
        tokens.append(len(tensors))
        tensors.append(convert_to_tensor(value))
    elif isinstance(value, dict):
        tokens.append("{")
        for k, (key, v) in enumerate(value.items()):
            tokens.append(("" if k == 0 else ", ") + f"{key!r}: ")
            _render(v, False, tokens, tensors)
        tokens.append("}")
    elif isinstance(value, (list, tuple)):
        open_, close = ("[", "]") if isinstance(value, list) else ("(", ")")
        tokens.append(open_)
        for k, v in enumerate(value):
            if k:
                tokens.append(", ")
            _render(v, False, tokens, tensors)
        if isinstance(value, tuple) and len(value) == 1:
            tokens.append(",")
        tokens.append(close)
    else:
        tokens.append(str(value) if top else repr(value))


def _stream_name(stream: Any) -> str:
    if stream is sys.stdout or stream == "stdout" or stream == "file://stdout":
        return "stdout"
    if stream is sys.stderr or stream is None or stream in ("stderr", "file://stderr"):
        return "stderr"
    raise ValueError(f"tf.print: output_stream {stream!r} is not supported; use sys.stdout "
                     f"or sys.stderr.")


def print_tensors(*inputs: Any, output_stream: Any = None, summarize: int = 3,
                  sep: str = " ", end: str = "\n", name: Any = None) -> None:
    """Prints tensors and Python values, every time it runs (``tf.print``).

    Args:
        *inputs: tensors, variables, strings, numbers, and lists/tuples/dicts of them.
        output_stream: ``sys.stderr`` (the default, as in TF) or ``sys.stdout``.
        summarize: elements shown at each end of a long dimension (-1 or None: all).
        sep: put between the inputs.
        end: written at the end.
        name: unused.

    Example:
        >>> import sys
        >>> import minitf as tf
        >>> tf.print(tf.range(10), summarize=2, output_stream=sys.stdout)
        [0 1 ... 8 9]
    """
    tokens: list = []
    tensors: list = []
    for k, value in enumerate(inputs):
        if k:
            tokens.append(sep)
        _render(value, True, tokens, tensors)
    tokens.append(end)
    parts, current = [], ""
    for tok in tokens:
        if isinstance(tok, int):
            parts.append(current)
            current = ""
        else:
            current += tok
    parts.append(current)
    summarize = -1 if summarize is None else int(summarize)
    bind(print_p, *tensors, parts=tuple(parts), summarize=summarize,
         stream=_stream_name(output_stream))

"""User functions inside a pipeline (``map``, ``filter``, ``take_while``, ``reduce``).

TensorFlow calls a dataset function with the element *unpacked*: a tuple element
``(x, y)`` arrives as two positional arguments, anything else (a tensor, a dict, a
namedtuple) as one argument. The function runs outside any ``GradientTape`` and any
graph being traced — dataset work is never differentiated — which
:func:`call_in_pipeline` arranges.

How the function runs:

* **traced** — when ``minitf.function`` exists, the function is traced once per pipeline
  into a graph (its Python side effects run once, as in TF) and the element spec of the
  result comes from the trace;
* **eager** — otherwise it is called with eager tensors for each element, and the spec of
  the result is read off the first element (so an unknown dimension shows as its first
  size: e.g. ``(3,)`` where TF's trace says ``(None,)``).

Example:
    >>> import minitf as tf
    >>> from minitf.data.functions import StructuredFunction
    >>> spec = (tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32))
    >>> f = StructuredFunction(lambda a, b: a + b, spec, "map")
    >>> import numpy as np
    >>> f([np.int32(1), np.int32(2)])
    <tf.Tensor: shape=(), dtype=int32, numpy=3>
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Optional, Sequence

import numpy as np

from minitf.core import interpreters
from minitf.core.interpreters import Context
from minitf.data import structure

__all__ = ["StructuredFunction", "call_in_pipeline", "normalize_output"]


def call_in_pipeline(fn: Callable[..., Any], *args: Any) -> Any:
    """Calls ``fn(*args)`` with no tape recording and no graph staging.

    The device set by ``tf.device`` is kept, so tensors made inside land where the user
    asked. This is cheap when nothing is active (the common case): no context switch.

    Example:
        >>> import minitf as tf
        >>> from minitf.data.functions import call_in_pipeline
        >>> x = tf.Variable(2.0)
        >>> with tf.GradientTape() as tape:
        ...     y = call_in_pipeline(lambda: x * x)
        >>> print(tape.gradient(y, x))
        None
    """
    ctx = interpreters._context.get()
    if not ctx.tapes and ctx.builder is None:
        return fn(*args)
    token = interpreters._context.set(Context(device=ctx.device))
    try:
        return fn(*args)
    finally:
        interpreters._context.reset(token)


def normalize_output(value: Any, what: str) -> Any:
    """A function's result as an element of host arrays; a top-level list is a tuple."""
    if isinstance(value, list):
        value = tuple(value)
    return structure.normalize_element(value, what)


def _function_name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)


class StructuredFunction:
    """A user function bound to an input element spec.

    Calling it with a *flat* element (host arrays) packs the arrays into tensors,
    unpacks a tuple element into positional arguments, and calls the function in the
    pipeline context. It returns the function's raw result.

    Args:
        fn: the user's function.
        input_spec: the element spec of the elements it receives.
        op: the transformation's name, for error messages.

    Raises:
        TypeError: at construction, when ``fn`` cannot take the element's components
            (e.g. ``lambda x, y:`` on a dataset of single tensors).

    Example:
        >>> import numpy as np
        >>> import minitf as tf
        >>> from minitf.data.functions import StructuredFunction
        >>> f = StructuredFunction(lambda d: d["a"] * 2, {"a": tf.TensorSpec([], tf.int64)}, "map")
        >>> f([np.int64(4)])
        <tf.Tensor: shape=(), dtype=int64, numpy=8>
    """

    def __init__(self, fn: Callable[..., Any], input_spec: Any, op: str) -> None:
        if not callable(fn):
            raise TypeError(f"{op}: expected a function (callable), got "
                            f"{type(fn).__name__} {fn!r}.")
        self.fn = fn
        self.op = op
        self.input_spec = input_spec
        # TF passes a plain tuple's components as separate arguments (not a namedtuple).
        self.unpack = type(input_spec) is tuple
        self._packer = structure.make_packer(input_spec)
        self._check_arity()

    def _check_arity(self) -> None:
        try:
            sig = inspect.signature(self.fn)
        except (TypeError, ValueError):
            return  # builtins without a signature: let the call itself complain
        n = len(self.input_spec) if self.unpack else 1
        try:
            sig.bind(*([None] * n))
        except TypeError as e:
            kind = (f"a tuple of {n} components, passed as {n} positional arguments"
                    if self.unpack else "one structure, passed as a single argument")
            raise TypeError(
                f"{self.op}: {_function_name(self.fn)}() cannot be called with this "
                f"dataset's elements ({e}). Each element is {kind}; element_spec is "
                f"{self.input_spec}. Make the function's parameters match.") from None

    def __call__(self, flat: Sequence[Any]) -> Any:
        element = self._packer(flat)
        if self.unpack:
            return call_in_pipeline(self.fn, *element)
        return call_in_pipeline(self.fn, element)


def zeros_like_spec(spec: Any) -> list:
    """A flat stand-in element for a spec (unknown dims as 0): used to learn the output
    spec of a function over an empty dataset."""
    out = []
    for s in structure.flatten(spec):
        dims = s.shape.as_tuple()
        shape = () if dims is None else tuple(0 if d is None else d for d in dims)
        out.append(np.zeros(shape, s.dtype.np))
    return out


def first_output_spec(fn: StructuredFunction, first: Optional[list]) -> Any:
    """The spec of ``fn``'s result on the first element (or a zero stand-in if none)."""
    flat = first if first is not None else zeros_like_spec(fn.input_spec)
    return structure.spec_of(normalize_output(fn(flat), f"the {fn.op} function's result"))

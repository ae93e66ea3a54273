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
* **eager** — otherwise it is called with eager tensors for each element. The element
  spec then comes from tracing the function once with symbolic tensors
  (``minitf.core.tracing``) when that works, as TF's does; if it cannot be traced, the
  spec is read off the first element with every size left ``None``.

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

from minitf import nest
from minitf.core import interpreters
from minitf.core.interpreters import Context
from minitf.core.spec import TensorSpec
from minitf.data import structure
from minitf.tensor import Tensor

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
        self._concrete: Any = None  # the traced ConcreteFunction, once traced
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

    def flat_python(self, *tensors: Any) -> Any:
        """The user function as TF traces it: flat tensors in, result with a top-level
        list read as a tuple and inner lists made tensors."""
        element = nest.pack_sequence_as(self.input_spec, list(tensors))
        out = self.fn(*element) if self.unpack else self.fn(element)
        out = tuple(out) if isinstance(out, list) else out
        return _lists_to_tensors(out)

    def trace(self) -> Optional[Any]:
        """Traces the function with ``minitf.function`` once, as TF does when the
        transformation is built; later calls run the traced graph. Returns the result's
        spec, or None (and calls stay eager) when ``minitf.function`` is missing or cannot
        trace this function.
        """
        import minitf
        function = getattr(minitf, "function", None)
        if not callable(function):
            return None
        leaves = structure.flatten(self.input_spec)

        def traced(*args: Any) -> Any:  # graph inputs show as args_0, args_1 (TF's names)
            return self.flat_python(*args)
        # The graph's name says where it came from, as TF's "Dataset_map_<lambda>".
        traced.__name__ = f"Dataset_{self.op}_{getattr(self.fn, '__name__', 'fn')}"
        try:
            concrete = function(traced).get_concrete_function(
                *[TensorSpec(s.shape, s.dtype) for s in leaves])
            spec = nest.map_structure(_output_spec, concrete.structured_outputs)
        except Exception:  # noqa: BLE001 - an untraceable function runs eagerly instead
            return None
        self._concrete = concrete
        # The flat entry point (TF's name) skips re-binding arguments per element.
        self._run = getattr(concrete, "_call_flat", None) or (lambda ts: concrete(*ts))
        self._flat_packer = structure.make_packer(tuple(leaves))
        return spec

    def __call__(self, flat: Sequence[Any]) -> Any:
        if self._concrete is not None:
            return call_in_pipeline(self._run, self._flat_packer(flat))
        element = self._packer(flat)
        if self.unpack:
            return call_in_pipeline(self.fn, *element)
        return call_in_pipeline(self.fn, element)


def _output_spec(value: Any) -> TensorSpec:
    if isinstance(value, Tensor):
        return TensorSpec(value.shape, value.dtype)
    return structure.spec_of(structure.normalize_element(value))


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
    """The spec of ``fn``'s result read off the first element (or a zero stand-in).

    Only structure, dtypes and ranks are kept: every size becomes ``None``. A function
    that cannot be traced usually computes a shape from the element's value, so its
    sizes vary from element to element and the first element's would be wrong.
    """
    flat = first if first is not None else zeros_like_spec(fn.input_spec)
    spec = structure.spec_of(normalize_output(fn(flat), f"the {fn.op} function's result"))
    return nest.map_structure(
        lambda s: TensorSpec([None] * s.shape.rank, s.dtype), spec)


def traced_output_spec(fn: StructuredFunction) -> Optional[Any]:
    """The spec of ``fn``'s result found by tracing it with symbolic tensors, as TF does
    (so unknown sizes stay ``None``); None when tracing is unavailable or fails.

    Tracing runs the function's Python once. A function that needs concrete values
    (e.g. a shape computed from an element) cannot be traced by minitf yet and falls
    back to :func:`first_output_spec`.
    """
    try:
        from minitf.core.tracing import trace
    except ImportError:
        return None
    leaves = structure.flatten(fn.input_spec)

    try:
        graph, positions = trace(fn.flat_python, leaves, name=_function_name(fn.fn))
        specs = [graph.outputs[i].spec for i in nest.flatten(positions)]
        return nest.pack_sequence_as(positions, [TensorSpec(s.shape, s.dtype) for s in specs])
    except Exception:  # noqa: BLE001 - any failure: the eager path decides (and reports)
        return None


def _lists_to_tensors(value: Any) -> Any:
    # Below the top level a list is one tensor in tf.data ([x, x] has shape (2,)).
    if isinstance(value, dict):
        return type(value)((k, _lists_to_tensors(v)) for k, v in value.items())
    if isinstance(value, tuple):
        items = [_lists_to_tensors(v) for v in value]
        return type(value)(*items) if hasattr(type(value), "_fields") else tuple(items)
    if isinstance(value, list):
        from minitf.ops.joining import stack
        from minitf.tensor import convert_to_tensor
        parts = [_lists_to_tensors(v) for v in value]
        return stack([convert_to_tensor(p) for p in parts]) if parts else \
            convert_to_tensor(value)
    return value

"""The interpreter context and ``bind``: where every op application goes.

``bind(prim, *tensors, **params)`` is the single door through which every primitive is
applied. What happens behind it depends on the *context*, a small immutable record held
in a ``contextvars.ContextVar`` (so threads and generators each see their own):

* ``builder`` — when ``tf.function`` is tracing, a graph builder that *stages* the
  equation into a ``Graph`` (using the primitive's abstract-eval rule) instead of
  computing it;
* ``tapes`` — the active ``GradientTape``\\ s, each of which *records* the equation if one
  of its inputs is being watched;
* ``device`` — set by ``tf.device(...)``: where new tensors are created.

With no builder and no tape (the common eager case) ``bind`` computes the result with the
primitive's implementation for the backend that holds the inputs.

Example:
    >>> import minitf as tf
    >>> from minitf.core.interpreters import bind1
    >>> from minitf.core.primitive import PRIMITIVES
    >>> bind1(PRIMITIVES["add"], tf.constant(1.0), tf.constant(2.0))
    <tf.Tensor: shape=(), dtype=float32, numpy=3.0>
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from typing import Any, Iterator, Optional, Sequence

from numpy import bool_ as _np_bool, ndarray as _ndarray, number as _np_number

from minitf import errors
from minitf.core.primitive import Primitive

__all__ = ["Context", "current", "bind", "bind1", "using", "register_buffer_type"]


class Context:
    """One immutable snapshot of the interpreter state.

    Attributes:
        tapes: the recording ``GradientTape``\\ s, innermost last.
        builder: the graph builder staging equations, or None when eager.
        device: the device string new tensors go to (``"/CPU:0"``...), None for default.
    """

    __slots__ = ("tapes", "builder", "device")

    def __init__(self, tapes: tuple = (), builder: Any = None,
                 device: Optional[str] = None) -> None:
        self.tapes = tapes
        self.builder = builder
        self.device = device

    def replace(self, **changes: Any) -> "Context":
        """A copy with some fields changed."""
        fields = {"tapes": self.tapes, "builder": self.builder, "device": self.device}
        fields.update(changes)
        return Context(**fields)

    def __repr__(self) -> str:
        return f"Context(tapes={len(self.tapes)}, builder={self.builder!r}, device={self.device!r})"


EAGER = Context()
_context: ContextVar[Context] = ContextVar("minitf_context", default=EAGER)
# Other modules call `current()`, not `_context.get()`: CPython 3.11 compiles a method
# call on an imported name as an attribute load (expecting a module), which for a
# ContextVar cannot be specialized and makes a bound method every call (~50 ns).
current = _context.get


@contextlib.contextmanager
def using(ctx: Context) -> Iterator[Context]:
    """Runs the body with ``ctx`` as the current context.

    Example:
        >>> from minitf.core.interpreters import using, current
        >>> with using(current().replace(device="/CPU:0")):
        ...     current().device
        '/CPU:0'
    """
    token = _context.set(ctx)
    try:
        yield ctx
    finally:
        _context.reset(token)


# ---------------------------------------------------------------------------------------
# Backends: a buffer's Python type says which backend holds it. The NumPy backend
# registers ndarray and NumPy's scalar types; the Triton backend registers torch.Tensor
# when it is first used. ``_impl_cache`` maps (primitive, buffer type) to the function.
# ---------------------------------------------------------------------------------------
_BACKEND_OF_TYPE: dict[type, Any] = {}
_DTYPE_OF_BUFFER_DTYPE: dict[Any, Any] = {}
_state = {"multi_backend": False, "resolved": False}


def resolve_default_device() -> None:
    """Decides once whether new tensors go to a GPU; loads the GPU backend if so."""
    _state["resolved"] = True
    from minitf.device import gpu_available
    if gpu_available():
        import minitf.backends.triton_backend  # noqa: F401  (registers torch buffers)


def register_buffer_type(buffer_type: type, backend: Any) -> None:
    """Declares that buffers of ``buffer_type`` belong to ``backend``."""
    _BACKEND_OF_TYPE[buffer_type] = backend
    if len({b.name for b in _BACKEND_OF_TYPE.values()}) > 1:
        _state["multi_backend"] = True


def backend_of(buffer: Any) -> Any:
    """The backend object that holds ``buffer``."""
    try:
        return _BACKEND_OF_TYPE[type(buffer)]
    except KeyError:
        raise TypeError(f"minitf cannot use a buffer of type {type(buffer).__name__}") from None


def host_value(buffer: Any) -> Any:
    """A host ``ndarray`` for a buffer of any backend (NumPy buffers are not copied).

    Code that inspects raw buffers (graph literals, ``_value``) must use this rather
    than ``np.asarray``: a CUDA buffer cannot become an ndarray without a copy.
    """
    import numpy as np
    if isinstance(buffer, (np.ndarray, np.generic)):
        return np.asarray(buffer)
    return backend_of(buffer).to_numpy(buffer)


def _impl(prim: Primitive, backend: Any) -> Any:
    try:
        return prim.impls[backend.name]
    except KeyError:
        return backend.missing_impl(prim)


def _wrap(value: Any) -> Any:
    t = _new_tensor(_Tensor)
    t._value = value
    t._dtype = _DTYPE_OF_BUFFER_DTYPE[value.dtype]
    return t


def eager_apply(prim: Primitive, args: Sequence[Any], params: dict) -> Any:
    """Computes ``prim`` on concrete tensors and wraps the result(s) as Tensors."""
    try:
        if not _state["multi_backend"]:
            out = prim.impls["numpy"](*[a._value for a in args], **params)
        else:
            values = [a._value for a in args]
            if values:
                backend, values = _common_backend(prim, values)
            else:
                backend = _creation_backend()
            out = _impl(prim, backend)(*values, **params)
    except (AttributeError, KeyError, TypeError, ValueError) as e:
        raise _explain_failure(prim, args, params, e) from e
    if prim.multiple_results:
        return [_wrap(o) for o in out]
    return _wrap(out)


def _common_backend(prim: Primitive, values: list) -> tuple[Any, list]:
    # Inputs on two devices: like TF, copy them to the device of the first accelerator
    # input. The copy is explicit and counted by the backend (see triton_backend).
    backends = [_BACKEND_OF_TYPE[type(v)] for v in values]
    target = backends[0]
    for b in backends:
        if b.name != "numpy":
            target = b
            break
    if all(b is target for b in backends):
        return target, values
    return target, [v if b is target else target.from_backend(v, b, prim)
                    for v, b in zip(values, backends)]


def _creation_backend() -> Any:
    if not _state["resolved"]:
        resolve_default_device()
    from minitf.device import backend_for_new_tensors
    return backend_for_new_tensors()


def _explain_failure(prim: Primitive, args: Sequence[Any], params: dict,
                     err: Exception) -> Exception:
    """Turns a low-level failure inside an implementation into a teaching error."""
    if any(getattr(a, "_value", 0) is None for a in args):
        return TypeError(
            f"{prim.name}: got a symbolic tensor from a traced tf.function outside of it. "
            f"Graph tensors only exist while the function is being traced; return the "
            f"value from the function instead of storing it."
        )
    shapes = ", ".join(f"{tuple(a.shape)} {a.dtype.name}" for a in args
                       if getattr(a, "_value", None) is not None)
    return errors.InvalidArgumentError(
        None, None,
        f"{prim.name} failed on inputs [{shapes}] with params {params}: {err}")


def bind(prim: Primitive, *args: Any, **params: Any) -> Any:
    """Applies ``prim`` in the current context; returns one Tensor or a list.

    Args:
        prim: the primitive.
        *args: Tensors (already converted; binary ops already broadcast).
        **params: the primitive's keyword metadata (``axis=...``).

    Returns:
        A Tensor, or a list of Tensors for ``multiple_results`` primitives.

    Example:
        >>> import minitf as tf
        >>> from minitf.core.interpreters import bind
        >>> from minitf.core.primitive import PRIMITIVES
        >>> bind(PRIMITIVES["neg"], tf.constant([1, 2]))
        <tf.Tensor: shape=(2,), dtype=int32, numpy=array([-1, -2], dtype=int32)>
    """
    ctx = _context.get()
    if ctx.builder is None:
        out = eager_apply(prim, args, params)
    else:
        out = ctx.builder.stage(prim, args, params)
    if ctx.tapes:
        outs = out if prim.multiple_results else (out,)
        for tape in ctx.tapes:
            tape._record(prim, args, params, outs)
    return out


def bind1(prim: Primitive, *args: Any, **params: Any) -> Any:
    """``bind`` for single-result primitives, with a fast path for eager NumPy.

    Example:
        >>> import minitf as tf
        >>> from minitf.core.interpreters import bind1
        >>> from minitf.core.primitive import PRIMITIVES
        >>> bind1(PRIMITIVES["mul"], tf.constant(2.0), tf.constant(4.0))
        <tf.Tensor: shape=(), dtype=float32, numpy=8.0>
    """
    ctx = _context.get()
    if ctx.builder is not None or _state["multi_backend"]:
        return bind(prim, *args, **params)
    # The hot path: eager (maybe recording), one backend (NumPy). ~0.4 µs on top of the
    # NumPy call. One and two inputs are spelled out: a list comprehension is a call.
    try:
        impl = prim.impls["numpy"]
        if len(args) == 2:  # (a binary op has no params: a plain call is cheaper)
            value = impl(args[0]._value, args[1]._value, **params) if params \
                else impl(args[0]._value, args[1]._value)
        elif len(args) == 1:
            value = impl(args[0]._value, **params)
        else:
            value = impl(*[a._value for a in args], **params)
    except (AttributeError, KeyError, TypeError, ValueError) as e:
        raise _explain_failure(prim, args, params, e) from e
    out = _new_tensor(_Tensor)
    out._value = value
    # A rank-0 result is a NumPy scalar: its type names the dtype, and hashing a type
    # is cheaper than hashing a NumPy dtype (~70 ns, on every scalar op).
    dtype = _DTYPE_OF_SCALAR_TYPE.get(type(value))
    if dtype is None:
        dtype = _DTYPE_OF_BUFFER_DTYPE[value.dtype] if type(value) is _ndarray \
            else _dtype_of_buffer(value)
    out._dtype = dtype
    if ctx.tapes:
        outs = (out,)
        for tape in ctx.tapes:
            tape._record(prim, args, params, outs)
    return out


def _dtype_of_buffer(value: Any) -> Any:
    dtype = _DTYPE_OF_BUFFER_DTYPE[value.dtype]
    if isinstance(value, _NUMERIC_SCALARS):  # such a scalar type stands for one dtype
        _DTYPE_OF_SCALAR_TYPE[type(value)] = dtype
    return dtype


_DTYPE_OF_SCALAR_TYPE: dict = {}
_NUMERIC_SCALARS = (_np_number, _np_bool)


def _set_tensor_class(cls: type) -> None:
    # tensor.py calls this once: the interpreters wrap results without importing it.
    global _Tensor
    _Tensor = cls


_Tensor: Any = None
_new_tensor = object.__new__

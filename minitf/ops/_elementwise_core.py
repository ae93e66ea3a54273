"""The machinery shared by the elementwise op families (unary, arithmetic, comparison).

* dtype *kinds* (``"f"`` floats, ``"iu"`` integers, ``"b"`` bool) and the check that
  turns a wrong one into a teaching error;
* the factories ``_unary`` / ``_binary`` that make a primitive with its abstract-eval
  rule (same shape; the dtype rule of the family) and its NumPy implementation;
* ``_apply_unary`` / ``_apply_binary``: what every public elementwise function calls —
  conversion, dtype check, explicit broadcasting, then ``bind`` — with the fast path
  for the common eager case;
* NumPy helpers: ``correctly_rounded`` (TF's last digit) and ``_scalar_fast``;
* VJP helpers: ``_fit`` (sum the cotangent of a rank-0 operand) and ``_scalar``.

Example:
    >>> from minitf.ops._elementwise_core import _check_kind, FLOAT
    >>> import minitf as tf
    >>> _check_kind("exp", tf.TensorSpec([2], tf.float32), FLOAT)  # no error: a float
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf import errors
from minitf.core.interpreters import EAGER, _DTYPE_OF_BUFFER_DTYPE as _DTYPE_OF
from minitf.core.interpreters import _explain_failure, _state, bind1
from minitf.core.interpreters import current as _current_context
from minitf.core.primitive import Primitive
from minitf.core.spec import TensorSpec
from minitf.ops._operands import binary_operands, broadcast_shapes, describe, to_tensor
from minitf.tensor import Tensor

# NumPy warns on overflow, 0/0 and log(0); TensorFlow silently yields inf/nan. The warning
# is attributed to the minitf module that called NumPy, so this silences only ours.
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"minitf\.")
_new = object.__new__

FLOAT = "f"
NUMERIC = "fiu"
INTEGER = "iu"
BOOL = "b"
ANY = "fiub"
# TF's Neg and Abs take floats and signed integers only: -x of a uint8 has no answer.
SIGNED = "fi"


def _check_kind(op: str, x: Any, kinds: str) -> None:
    if x._dtype._kind not in kinds:
        wanted = {"f": "a floating-point", "fiu": "a numeric", "iu": "an integer",
                  "b": "a bool", "fiub": "a numeric or bool"}.get(kinds, kinds)
        fix = (f"cast it first, e.g. tf.{op}(tf.cast(x, tf.float32))" if kinds == FLOAT
               else "cast it to a supported dtype with tf.cast")
        raise errors.InvalidArgumentError(
            None, None, f"{op} expects {wanted} tensor, got {describe(x)}; {fix}.")


# ---------------------------------------------------------------------------------------
# Factories
# ---------------------------------------------------------------------------------------
def _unary(name: str, numpy_fn: Callable, kinds: str = FLOAT) -> Primitive:
    prim = Primitive(name)
    prim.elementwise = name

    @prim.def_abstract_eval
    def _abstract(x: TensorSpec) -> TensorSpec:
        _check_kind(name, x, kinds)
        return TensorSpec._make(x.shape._dims, x.dtype)

    prim.def_impl("numpy")(numpy_fn)
    prim.dtype_kinds = kinds
    return prim


def _binary(name: str, numpy_fn: Callable, kinds: str = NUMERIC,
            out_dtype: Optional[_dtypes.DType] = None) -> Primitive:
    prim = Primitive(name)
    prim.elementwise = name

    @prim.def_abstract_eval
    def _abstract(x: TensorSpec, y: TensorSpec) -> TensorSpec:
        if x.dtype is not y.dtype:
            raise errors.InvalidArgumentError(
                None, None, f"{name}: operands have dtypes {x.dtype.name} and {y.dtype.name}")
        _check_kind(name, x, kinds)
        shape = broadcast_shapes(x.shape._dims, y.shape._dims, name)
        return TensorSpec._make(shape, out_dtype or x.dtype)

    prim.def_impl("numpy")(numpy_fn)
    prim.dtype_kinds = kinds
    return prim


def _apply_unary(prim: Primitive, x: Any) -> Tensor:
    if type(x) is not Tensor:
        x = to_tensor(x)
    if x._dtype._kind not in prim.dtype_kinds:
        _check_kind(prim.name, x, prim.dtype_kinds)
    return bind1(prim, x)


def _apply_binary(prim: Primitive, x: Any, y: Any, op: str) -> Tensor:
    # Fast path: two eager NumPy tensors of one dtype and one shape, no tracing. This is
    # the `a + b` of every tutorial, so it avoids every call it can (~1 µs). Under tapes
    # (no tracing) the operands need no more checks either: the tapes record it here, as
    # bind1 would.
    if type(x) is Tensor:
        if type(y) is not Tensor:
            ty = type(y)
            if (ty is float or ty is int) and x._dtype._kind == "f":
                return _tensor_and_number(prim, x, y, op, False)  # (number on the right)
            return _apply_binary_checked(prim, x, y, op)
    elif type(y) is Tensor and (type(x) is float or type(x) is int) \
            and y._dtype._kind == "f":
        return _tensor_and_number(prim, y, x, op, True)  # (number on the left)
    else:
        return _apply_binary_checked(prim, x, y, op)
    xv = x._value
    yv = y._value
    dtype = x._dtype
    if (dtype is y._dtype and xv.shape == yv.shape and dtype._kind in prim.dtype_kinds
            and not _state["multi_backend"]):
        ctx = _current_context()
        if ctx is not EAGER and ctx.builder is not None:
            return _apply_binary_checked(prim, x, y, op)  # tracing: staged
        try:
            value = prim.impls["numpy"](xv, yv)
        except (AttributeError, KeyError, TypeError, ValueError) as e:
            raise _explain_failure(prim, (x, y), {}, e) from e
        out = _new(Tensor)
        out._value = value
        out._dtype = _DTYPE_OF[value.dtype]
        if ctx is not EAGER:
            args, outs = (x, y), (out,)
            for tape in ctx.tapes:
                tape._record(prim, args, {}, outs)
        return out
    return _apply_binary_checked(prim, x, y, op)


def _tensor_and_number(prim: Primitive, tensor: Tensor, number: Any, op: str,
                       number_on_left: bool) -> Tensor:
    # `learning_rate * g`, `x + 1.0`: a Python number meets a float tensor. It becomes
    # a NumPy scalar of the tensor's dtype, exactly as binary_operands would convert it.
    dtype = tensor._dtype
    if (dtype._kind in prim.dtype_kinds and _current_context() is EAGER
            and not _state["multi_backend"]):
        # Eager: one dtype on both sides, which the primitive's own NumPy implementation
        # keeps (the scalar broadcasts).
        scalar = dtype._scalars.get(number)  # (dtype.scalar's cache, read inline)
        if scalar is None:
            scalar = dtype.scalar(number)
        impl = prim.impls["numpy"]
        try:
            value = impl(scalar, tensor._value) if number_on_left \
                else impl(tensor._value, scalar)
        except (AttributeError, KeyError, TypeError, ValueError) as e:
            args = (number, tensor) if number_on_left else (tensor, number)
            raise _explain_failure(prim, args, {}, e) from e
        out = _new(Tensor)
        out._value = value
        out._dtype = _DTYPE_OF[value.dtype]
        return out
    if _state["multi_backend"]:  # binary_operands converts onto the tensor's device
        return _apply_binary_checked(prim, number, tensor, op) if number_on_left \
            else _apply_binary_checked(prim, tensor, number, op)
    converted = _new(Tensor)
    converted._value = dtype.scalar(number)
    converted._dtype = dtype
    x, y = (converted, tensor) if number_on_left else (tensor, converted)
    if dtype._kind not in prim.dtype_kinds:
        return _apply_binary_checked(prim, x, y, op)
    return _apply_binary(prim, x, y, op)  # recorded or staged: the general path


def _apply_binary_checked(prim: Primitive, x: Any, y: Any, op: str) -> Tensor:
    x, y = binary_operands(x, y, op)
    if x._dtype._kind not in prim.dtype_kinds:
        _check_kind(prim.name, x, prim.dtype_kinds)
    return bind1(prim, x, y)


def correctly_rounded(fn: Callable) -> Callable:
    """Runs a float16/float32 transcendental function in float64, then rounds.

    NumPy's float32 ``exp``/``log``/``tanh`` may be 1 ulp off the true value; TensorFlow's
    are correctly rounded, and tutorials print 8 digits. Computing in float64 and rounding
    once gives TF's digits (e.g. softmax([1, 2, 3])[1] = 0.24472848) at the cost of one
    conversion each way.
    """
    def run(x: np.ndarray, **params: Any) -> np.ndarray:
        if x.dtype == np.float32 or x.dtype == np.float16:
            return fn(x.astype(np.float64), **params).astype(x.dtype)
        return fn(x, **params)
    run.__name__ = getattr(fn, "__name__", "fn")
    return run


def _scalar_fast(ufunc: Callable, operator_fn: Callable) -> Callable:
    """A NumPy implementation that is fast for both arrays and NumPy scalars.

    A ufunc call on two NumPy scalars costs ~1.6 µs (they are converted to arrays and
    back); the Python operator on them costs ~0.1 µs and computes the same thing. Rank-0
    results are scalars, so scalar code (losses, the seed's f(x)) takes this path often.
    A 0-d array (``tf.constant(1.0)``, a scalar ``tf.Variable``) is unwrapped to its
    scalar (``x[()]``, ~0.1 µs) for the same reason: a ufunc on a 0-d array and a NumPy
    scalar costs ~1.7 µs, the operator on the two scalars ~0.3 µs, with the same result.
    """
    ndarray = np.ndarray

    def impl(x: Any, y: Any) -> Any:
        if type(x) is ndarray:
            if x.ndim:
                return ufunc(x, y)
            if x.dtype.kind == "O":  # strings: + joins them (a string), == compares (a bool)
                r = ufunc(x, y)
                return np.asarray(r, dtype=object) if isinstance(r, (bytes, str)) \
                    else np.asarray(r)[()]
            x = x[()]
        if type(y) is ndarray:
            if y.ndim:
                return ufunc(x, y)
            y = y[()]
        return operator_fn(x, y)
    impl.__name__ = ufunc.__name__
    return impl


def _checked_int_division(impl: Callable, op: str) -> Callable:
    """``impl`` refusing integer division by zero, as TF does (NumPy returns 0)."""
    def checked(x: Any, y: Any) -> Any:
        if y.dtype.kind in "iu" and not y.all():
            raise errors.InvalidArgumentError(
                None, None, f"Integer division by zero [Op:{op}]. Make sure the divisor has "
                f"no zeros (e.g. tf.where(y == 0, 1, y)) or divide floats instead.")
        return impl(x, y)
    checked.__name__ = impl.__name__
    return checked


def _checked_int_power(impl: Callable) -> Callable:
    """``impl`` refusing negative integer exponents of integers, as TF does."""
    def checked(x: Any, y: Any) -> Any:
        if y.dtype.kind == "i" and (y < 0).any():
            raise errors.InvalidArgumentError(
                None, None, "Integers to negative integer powers are not allowed [Op:Pow]. "
                "Cast the base to a float first: tf.pow(tf.cast(x, tf.float32), y).")
        return impl(x, y)
    checked.__name__ = impl.__name__
    return checked


# ---------------------------------------------------------------------------------------
# VJP helpers. A rank-0 operand next to a shaped one was broadcast implicitly, so its
# cotangent is summed (`_fit`). Binary rules take `needs` (which inputs' cotangents the
# tape keeps, see minitf.backward) and skip the others.
# ---------------------------------------------------------------------------------------
def _fit(g: Tensor, x: Tensor) -> Tensor:
    if g._shape and not x._shape:  # (a rank-0 g, the common scalar case, exits first)
        from minitf.ops.reduction import sum_p
        return bind1(sum_p, g, axis=tuple(range(len(g._shape))), keepdims=False)
    return g


def _scalar(value: float, like: Tensor) -> Tensor:
    t = _new(Tensor)
    dtype = like._dtype
    t._value = dtype.scalar(value)
    t._dtype = dtype
    return t


_BOTH = (True, True)

"""Elementwise primitives: unary math, binary arithmetic, comparisons, ``where``, ``cast``.

Each primitive is made by a small factory (``_unary`` / ``_binary``) that registers its
abstract-eval rule (same shape; the dtype rule of the family), its NumPy implementation
and its VJP. Binary primitives see operands of equal shape, or one rank-0 operand: the
public functions insert ``broadcast_to`` for every other case (see ``_operands``).

VJPs are written with ``bind1`` on primitives, so the backward pass is made of ordinary
recorded equations and can itself be differentiated (second derivatives).

Example:
    >>> import minitf as tf
    >>> tf.exp(tf.constant([0.0, 1.0]))
    <tf.Tensor: shape=(2,), dtype=float32, numpy=array([1.       , 2.7182817], dtype=float32)>
"""

from __future__ import annotations

import operator
import warnings
from typing import Any, Callable, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf import errors
from minitf.core.interpreters import EAGER, _DTYPE_OF_BUFFER_DTYPE as _DTYPE_OF
from minitf.core.interpreters import _context, _explain_failure, _state, bind1
from minitf.core.primitive import NOT_DIFFERENTIABLE, Primitive
from minitf.core.spec import TensorShape, TensorSpec
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


def _check_kind(op: str, x: Any, kinds: str) -> None:
    if x.dtype._kind not in kinds:
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
    # Fast path: two eager NumPy tensors of one dtype and one shape, no tape, no tracing.
    # This is the `a + b` of every tutorial, so it avoids every call it can (~1 µs).
    # Under a tape (no tracing) the operands need no more checks either: bind1 records.
    if type(x) is Tensor and type(y) is Tensor:
        xv = x._value
        yv = y._value
        dtype = x._dtype
        if (dtype is y._dtype and xv.shape == yv.shape and dtype._kind in prim.dtype_kinds
                and not _state["multi_backend"]):
            ctx = _context.get()
            if ctx is not EAGER:
                if ctx.builder is None:
                    return bind1(prim, x, y)
                return _apply_binary_checked(prim, x, y, op)
            try:
                value = prim.impls["numpy"](xv, yv)
            except (AttributeError, KeyError, TypeError, ValueError) as e:
                raise _explain_failure(prim, (x, y), {}, e) from e
            out = _new(Tensor)
            out._value = value
            out._dtype = _DTYPE_OF[value.dtype]
            return out
    return _apply_binary_checked(prim, x, y, op)


def _apply_binary_checked(prim: Primitive, x: Any, y: Any, op: str) -> Tensor:
    x, y = binary_operands(x, y, op)
    if x._dtype._kind not in prim.dtype_kinds:
        _check_kind(prim.name, x, prim.dtype_kinds)
    return bind1(prim, x, y)


# ---------------------------------------------------------------------------------------
# Unary math
# ---------------------------------------------------------------------------------------
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


# TF's Neg and Abs take floats and signed integers only: -x of a uint8 has no answer.
SIGNED = "fi"
neg_p = _unary("neg", np.negative, SIGNED)
abs_p = _unary("abs", np.abs, SIGNED)
sign_p = _unary("sign", np.sign, NUMERIC)
exp_p = _unary("exp", correctly_rounded(np.exp))
log_p = _unary("log", correctly_rounded(np.log))
log1p_p = _unary("log1p", correctly_rounded(np.log1p))
sqrt_p = _unary("sqrt", np.sqrt)
sin_p = _unary("sin", correctly_rounded(np.sin))
cos_p = _unary("cos", correctly_rounded(np.cos))
tanh_p = _unary("tanh", correctly_rounded(np.tanh))
floor_p = _unary("floor", np.floor)
ceil_p = _unary("ceil", np.ceil)
# TF rounds half to even, as NumPy does.
round_p = _unary("round", np.round, NUMERIC)
is_nan_p = _unary("is_nan", np.isnan)
is_finite_p = _unary("is_finite", np.isfinite)
logical_not_p = _unary("logical_not", np.logical_not, BOOL)


def _sigmoid_numpy(x: np.ndarray) -> np.ndarray:
    # 1 / (1 + e^-x) overflows for very negative x; e^x / (1 + e^x) is exact there.
    # Both branches are computed on |x|, so nothing overflows: s(x) = e^{-|x|}/(1+e^{-|x|})
    # for x < 0 and 1/(1+e^{-|x|}) for x >= 0.
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)


sigmoid_p = _unary("sigmoid", correctly_rounded(_sigmoid_numpy))

for _p, _dt in ((is_nan_p, _dtypes.bool), (is_finite_p, _dtypes.bool)):
    def _bool_abstract(x: TensorSpec, _name: str = _p.name) -> TensorSpec:
        _check_kind(_name, x, FLOAT)
        return TensorSpec._make(x.shape._dims, _dtypes.bool)
    _p.def_abstract_eval(_bool_abstract)


def negative(x: Any, name: Optional[str] = None) -> Tensor:
    """Computes ``-x`` elementwise.

    Example:
        >>> import minitf as tf
        >>> tf.negative(tf.constant([1, -2]))
        <tf.Tensor: shape=(2,), dtype=int32, numpy=array([-1,  2], dtype=int32)>
    """
    return _apply_unary(neg_p, x)


def abs(x: Any, name: Optional[str] = None) -> Tensor:  # noqa: A001 - TF's name
    """Absolute value, elementwise.

    Example:
        >>> import minitf as tf
        >>> tf.abs(tf.constant([-1.5, 2.0]))
        <tf.Tensor: shape=(2,), dtype=float32, numpy=array([1.5, 2. ], dtype=float32)>
    """
    return _apply_unary(abs_p, x)


def sign(x: Any, name: Optional[str] = None) -> Tensor:
    """-1, 0 or 1 by the sign of each element.

    Example:
        >>> import minitf as tf
        >>> tf.sign(tf.constant([-3.0, 0.0, 2.0])).numpy()
        array([-1.,  0.,  1.], dtype=float32)
    """
    return _apply_unary(sign_p, x)


def exp(x: Any, name: Optional[str] = None) -> Tensor:
    """``e**x`` elementwise.

    Example:
        >>> import minitf as tf
        >>> tf.exp(tf.constant(0.0))
        <tf.Tensor: shape=(), dtype=float32, numpy=1.0>
    """
    return _apply_unary(exp_p, x)


def log(x: Any, name: Optional[str] = None) -> Tensor:
    """Natural logarithm elementwise (``-inf`` at 0, ``nan`` below).

    Example:
        >>> import minitf as tf
        >>> tf.math.log(tf.constant(1.0))
        <tf.Tensor: shape=(), dtype=float32, numpy=0.0>
    """
    return _apply_unary(log_p, x)


def log1p(x: Any, name: Optional[str] = None) -> Tensor:
    """``log(1 + x)``, accurate for small ``x``.

    Example:
        >>> import minitf as tf
        >>> float(tf.math.log1p(tf.constant(0.0)))
        0.0
    """
    return _apply_unary(log1p_p, x)


def sqrt(x: Any, name: Optional[str] = None) -> Tensor:
    """Square root elementwise.

    Example:
        >>> import minitf as tf
        >>> tf.sqrt(tf.constant([4.0, 9.0])).numpy()
        array([2., 3.], dtype=float32)
    """
    return _apply_unary(sqrt_p, x)


def rsqrt(x: Any, name: Optional[str] = None) -> Tensor:
    """``1 / sqrt(x)`` (composed: ``sqrt`` then a division).

    Example:
        >>> import minitf as tf
        >>> tf.math.rsqrt(tf.constant(4.0)).numpy()
        np.float32(0.5)
    """
    x = to_tensor(x)
    return divide(_ones_scalar(x), sqrt(x))


def square(x: Any, name: Optional[str] = None) -> Tensor:
    """``x * x`` (composed from ``mul``).

    Example:
        >>> import minitf as tf
        >>> tf.square(tf.constant([2, 3]))
        <tf.Tensor: shape=(2,), dtype=int32, numpy=array([4, 9], dtype=int32)>
    """
    x = to_tensor(x)
    _check_kind("square", x, NUMERIC)
    return bind1(mul_p, x, x)


def sin(x: Any, name: Optional[str] = None) -> Tensor:
    """Sine elementwise.

    Example:
        >>> import minitf as tf
        >>> float(tf.sin(tf.constant(0.0)))
        0.0
    """
    return _apply_unary(sin_p, x)


def cos(x: Any, name: Optional[str] = None) -> Tensor:
    """Cosine elementwise.

    Example:
        >>> import minitf as tf
        >>> float(tf.cos(tf.constant(0.0)))
        1.0
    """
    return _apply_unary(cos_p, x)


def tanh(x: Any, name: Optional[str] = None) -> Tensor:
    """Hyperbolic tangent elementwise.

    Example:
        >>> import minitf as tf
        >>> float(tf.tanh(tf.constant(0.0)))
        0.0
    """
    return _apply_unary(tanh_p, x)


def sigmoid(x: Any, name: Optional[str] = None) -> Tensor:
    """``1 / (1 + exp(-x))``, computed without overflow.

    Example:
        >>> import minitf as tf
        >>> tf.sigmoid(tf.constant(0.0))
        <tf.Tensor: shape=(), dtype=float32, numpy=0.5>
    """
    return _apply_unary(sigmoid_p, x)


def floor(x: Any, name: Optional[str] = None) -> Tensor:
    """Largest integer not greater than x (float result).

    Example:
        >>> import minitf as tf
        >>> tf.floor(tf.constant([1.5, -1.5])).numpy()
        array([ 1., -2.], dtype=float32)
    """
    return _apply_unary(floor_p, x)


def ceil(x: Any, name: Optional[str] = None) -> Tensor:
    """Smallest integer not less than x (float result).

    Example:
        >>> import minitf as tf
        >>> tf.math.ceil(tf.constant([1.5, -1.5])).numpy()
        array([ 2., -1.], dtype=float32)
    """
    return _apply_unary(ceil_p, x)


def round(x: Any, name: Optional[str] = None) -> Tensor:  # noqa: A001 - TF's name
    """Rounds half to even, as TensorFlow (and NumPy) do.

    Example:
        >>> import minitf as tf
        >>> tf.round(tf.constant([0.5, 1.5, 2.5])).numpy()
        array([0., 2., 2.], dtype=float32)
    """
    return _apply_unary(round_p, x)


def is_nan(x: Any, name: Optional[str] = None) -> Tensor:
    """True where x is NaN.

    Example:
        >>> import minitf as tf
        >>> tf.math.is_nan(tf.constant([1.0, float("nan")])).numpy()
        array([False,  True])
    """
    return _apply_unary(is_nan_p, x)


def is_finite(x: Any, name: Optional[str] = None) -> Tensor:
    """True where x is neither inf nor NaN.

    Example:
        >>> import minitf as tf
        >>> tf.math.is_finite(tf.constant([1.0, float("inf")])).numpy()
        array([ True, False])
    """
    return _apply_unary(is_finite_p, x)


def logical_not(x: Any, name: Optional[str] = None) -> Tensor:
    """Boolean NOT.

    Example:
        >>> import minitf as tf
        >>> tf.logical_not(tf.constant([True, False])).numpy()
        array([False,  True])
    """
    return _apply_unary(logical_not_p, x)


# ---------------------------------------------------------------------------------------
# Binary arithmetic
# ---------------------------------------------------------------------------------------
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


add_p = _binary("add", _scalar_fast(np.add, operator.add), ANY)
sub_p = _binary("sub", _scalar_fast(np.subtract, operator.sub))
mul_p = _binary("mul", _scalar_fast(np.multiply, operator.mul), ANY)
div_p = _binary("div", _scalar_fast(np.true_divide, operator.truediv), FLOAT)
floordiv_p = _binary("floordiv", _checked_int_division(
    _scalar_fast(np.floor_divide, operator.floordiv), "FloorDiv"))
mod_p = _binary("mod", _checked_int_division(_scalar_fast(np.mod, operator.mod), "FloorMod"))
pow_p = _binary("pow", _checked_int_power(_scalar_fast(np.power, operator.pow)))
maximum_p = _binary("max", np.maximum)
minimum_p = _binary("min", np.minimum)


def add(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``x + y`` with broadcasting (no implicit dtype promotion).

    Example:
        >>> import minitf as tf
        >>> tf.add(tf.constant([1, 2]), 10)
        <tf.Tensor: shape=(2,), dtype=int32, numpy=array([11, 12], dtype=int32)>
    """
    return _apply_binary(add_p, x, y, "AddV2")


def subtract(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``x - y`` with broadcasting.

    Example:
        >>> import minitf as tf
        >>> tf.subtract(5.0, tf.constant([1.0, 2.0])).numpy()
        array([4., 3.], dtype=float32)
    """
    return _apply_binary(sub_p, x, y, "Sub")


def multiply(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``x * y`` with broadcasting.

    Example:
        >>> import minitf as tf
        >>> tf.multiply(tf.constant([[1], [2]]), tf.constant([1, 10]))
        <tf.Tensor: shape=(2, 2), dtype=int32, numpy=
        array([[ 1, 10],
               [ 2, 20]], dtype=int32)>
    """
    return _apply_binary(mul_p, x, y, "Mul")


_TRUEDIV_FLOAT = {"int8": _dtypes.float32, "int16": _dtypes.float32, "uint8": _dtypes.float32,
                  "uint16": _dtypes.float32, "int32": _dtypes.float64,
                  "int64": _dtypes.float64, "uint32": _dtypes.float64,
                  "uint64": _dtypes.float64}


def truediv(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``x / y``; integers are first cast to float, as TensorFlow does.

    int8/int16/uint8/uint16 give float32, int32/int64 give float64.

    Example:
        >>> import minitf as tf
        >>> tf.constant(1) / tf.constant(2)
        <tf.Tensor: shape=(), dtype=float64, numpy=0.5>
    """
    if (type(x) is Tensor and type(y) is Tensor and x._dtype is y._dtype
            and x._dtype.is_floating and x._value.shape == y._value.shape):
        return bind1(div_p, x, y)
    x, y = binary_operands(x, y, "RealDiv")
    if x._dtype.is_integer:
        target = _TRUEDIV_FLOAT[x._dtype.name]
        x, y = cast(x, target), cast(y, target)
    elif not x._dtype.is_floating:
        raise TypeError(f"x and y must not be {x._dtype.name} for division: `/` needs "
                        f"numbers; cast with tf.cast(x, tf.float32).")
    return bind1(div_p, x, y)


def divide(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``tf.divide``: the same as ``x / y`` (:func:`truediv`).

    Example:
        >>> import minitf as tf
        >>> tf.divide(tf.constant(3.0), 2.0).numpy()
        np.float32(1.5)
    """
    return truediv(x, y)


def floordiv(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``x // y``: division rounded toward minus infinity.

    Example:
        >>> import minitf as tf
        >>> tf.math.floordiv(tf.constant([7, -7]), 2)
        <tf.Tensor: shape=(2,), dtype=int32, numpy=array([ 3, -4], dtype=int32)>
    """
    return _apply_binary(floordiv_p, x, y, "FloorDiv")


def floormod(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``x % y`` with the sign of ``y`` (Python's rule).

    Example:
        >>> import minitf as tf
        >>> tf.math.floormod(tf.constant([7, -7]), 3)
        <tf.Tensor: shape=(2,), dtype=int32, numpy=array([1, 2], dtype=int32)>
    """
    return _apply_binary(mod_p, x, y, "FloorMod")


def pow(x: Any, y: Any, name: Optional[str] = None) -> Tensor:  # noqa: A001 - TF's name
    """``x ** y`` elementwise.

    Example:
        >>> import minitf as tf
        >>> tf.pow(tf.constant([2.0, 3.0]), 2).numpy()
        array([4., 9.], dtype=float32)
    """
    return _apply_binary(pow_p, x, y, "Pow")


def maximum(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """Elementwise maximum with broadcasting.

    Example:
        >>> import minitf as tf
        >>> tf.maximum(tf.constant([1.0, 5.0]), 3.0).numpy()
        array([3., 5.], dtype=float32)
    """
    return _apply_binary(maximum_p, x, y, "Maximum")


def minimum(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """Elementwise minimum with broadcasting.

    Example:
        >>> import minitf as tf
        >>> tf.minimum(tf.constant([1.0, 5.0]), 3.0).numpy()
        array([1., 3.], dtype=float32)
    """
    return _apply_binary(minimum_p, x, y, "Minimum")


# ---------------------------------------------------------------------------------------
# Comparisons and logic (not differentiable: bool outputs)
# ---------------------------------------------------------------------------------------
# Equality also compares strings (object arrays of bytes), as TF's Equal does.
equal_p = _binary("eq", _scalar_fast(np.equal, operator.eq), ANY + "O", _dtypes.bool)
not_equal_p = _binary("ne", _scalar_fast(np.not_equal, operator.ne), ANY + "O", _dtypes.bool)
less_p = _binary("lt", _scalar_fast(np.less, operator.lt), NUMERIC, _dtypes.bool)
less_equal_p = _binary("le", _scalar_fast(np.less_equal, operator.le), NUMERIC, _dtypes.bool)
greater_p = _binary("gt", _scalar_fast(np.greater, operator.gt), NUMERIC, _dtypes.bool)
greater_equal_p = _binary("ge", _scalar_fast(np.greater_equal, operator.ge), NUMERIC,
                          _dtypes.bool)
logical_and_p = _binary("logical_and", np.logical_and, BOOL)
logical_or_p = _binary("logical_or", np.logical_or, BOOL)
logical_xor_p = _binary("logical_xor", np.logical_xor, BOOL)


def equal(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``x == y`` elementwise (bool result).

    Example:
        >>> import minitf as tf
        >>> tf.equal(tf.constant([1, 2]), 2).numpy()
        array([False,  True])
    """
    return _apply_binary(equal_p, x, y, "Equal")


def not_equal(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``x != y`` elementwise.

    Example:
        >>> import minitf as tf
        >>> tf.not_equal(tf.constant([1, 2]), 2).numpy()
        array([ True, False])
    """
    return _apply_binary(not_equal_p, x, y, "NotEqual")


def less(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``x < y`` elementwise.

    Example:
        >>> import minitf as tf
        >>> tf.less(tf.constant([1, 2]), 2).numpy()
        array([ True, False])
    """
    return _apply_binary(less_p, x, y, "Less")


def less_equal(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``x <= y`` elementwise.

    Example:
        >>> import minitf as tf
        >>> tf.less_equal(tf.constant([1, 3]), 2).numpy()
        array([ True, False])
    """
    return _apply_binary(less_equal_p, x, y, "LessEqual")


def greater(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``x > y`` elementwise.

    Example:
        >>> import minitf as tf
        >>> tf.greater(tf.constant([1, 3]), 2).numpy()
        array([False,  True])
    """
    return _apply_binary(greater_p, x, y, "Greater")


def greater_equal(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``x >= y`` elementwise.

    Example:
        >>> import minitf as tf
        >>> tf.greater_equal(tf.constant([1, 2]), 2).numpy()
        array([False,  True])
    """
    return _apply_binary(greater_equal_p, x, y, "GreaterEqual")


def logical_and(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """Boolean AND.

    Example:
        >>> import minitf as tf
        >>> tf.logical_and(tf.constant([True, True]), tf.constant([True, False])).numpy()
        array([ True, False])
    """
    return _apply_binary(logical_and_p, x, y, "LogicalAnd")


def logical_or(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """Boolean OR.

    Example:
        >>> import minitf as tf
        >>> tf.logical_or(tf.constant([False, False]), tf.constant([True, False])).numpy()
        array([ True, False])
    """
    return _apply_binary(logical_or_p, x, y, "LogicalOr")


def logical_xor(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """Boolean XOR.

    Example:
        >>> import minitf as tf
        >>> tf.math.logical_xor(tf.constant([True, True]), tf.constant([True, False])).numpy()
        array([False,  True])
    """
    return _apply_binary(logical_xor_p, x, y, "LogicalXor")


# ---------------------------------------------------------------------------------------
# where (select) and cast
# ---------------------------------------------------------------------------------------
select_p = Primitive("select")


@select_p.def_abstract_eval
def _select_abstract(c: TensorSpec, x: TensorSpec, y: TensorSpec) -> TensorSpec:
    if c.dtype is not _dtypes.bool:
        raise errors.InvalidArgumentError(None, None,
                                          f"where: condition must be bool, got {c.dtype.name}")
    if x.dtype is not y.dtype:
        raise errors.InvalidArgumentError(
            None, None, f"where: x and y must have one dtype, got {x.dtype.name} and "
            f"{y.dtype.name}")
    shape = broadcast_shapes(broadcast_shapes(c.shape._dims, x.shape._dims, "SelectV2"),
                             y.shape._dims, "SelectV2")
    return TensorSpec._make(shape, x.dtype)


select_p.def_impl("numpy")(np.where)


def where(condition: Any, x: Any = None, y: Any = None, name: Optional[str] = None) -> Tensor:
    """Picks ``x`` where ``condition`` is True, else ``y`` (all three broadcast).

    With only ``condition``, returns the int64 coordinates of its True elements.

    Example:
        >>> import minitf as tf
        >>> tf.where(tf.constant([True, False]), 1.0, 0.0).numpy()
        array([1., 0.], dtype=float32)
    """
    condition = to_tensor(condition)
    if x is None and y is None:
        from minitf.ops.indexing import where_indices
        return where_indices(condition)
    if x is None or y is None:
        raise ValueError("tf.where needs both x and y, or neither.")
    if condition._dtype is not _dtypes.bool:
        raise errors.InvalidArgumentError(
            None, None, f"where: condition must be a bool tensor, got {describe(condition)}; "
            f"build it with a comparison such as x > 0.")
    x, y = binary_operands(x, y, "SelectV2")
    # The output shape is that of all three broadcast together (x or y may be rank 0).
    shape = broadcast_shapes(broadcast_shapes(condition._shape, x._shape, "SelectV2"),
                             y._shape, "SelectV2")
    from minitf.ops._operands import broadcast_to_shape
    condition = broadcast_to_shape(condition, shape, x) if condition._shape != shape else condition
    x = broadcast_to_shape(x, shape, condition) if x._shape and x._shape != shape else x
    y = broadcast_to_shape(y, shape, condition) if y._shape and y._shape != shape else y
    return bind1(select_p, condition, x, y)


cast_p = Primitive("cast")
cast_p.elementwise = "cast"


@cast_p.def_abstract_eval
def _cast_abstract(x: TensorSpec, *, dtype: str) -> TensorSpec:
    return TensorSpec._make(x.shape._dims, _dtypes.as_dtype(dtype))


@cast_p.def_impl("numpy")
def _cast_numpy(x: np.ndarray, *, dtype: str) -> np.ndarray:
    target = _dtypes.as_dtype(dtype).np
    if x.dtype.kind == "f" and target.kind in "iu":
        # TF truncates toward zero; NaN/inf become the dtype's minimum, not UB.
        with np.errstate(invalid="ignore"):
            return np.asarray(np.trunc(x)).astype(target)
    return np.asarray(x).astype(target)


def cast(x: Any, dtype: Any, name: Optional[str] = None) -> Tensor:
    """Converts a tensor to ``dtype`` (floats to ints truncate toward zero).

    Example:
        >>> import minitf as tf
        >>> tf.cast(tf.constant([1.7, -1.7]), tf.int32)
        <tf.Tensor: shape=(2,), dtype=int32, numpy=array([ 1, -1], dtype=int32)>
    """
    dtype = _dtypes.as_dtype(dtype)
    x = to_tensor(x)
    if x._dtype is dtype:
        return x
    return bind1(cast_p, x, dtype=dtype.name)


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any,
                  name: Optional[str] = None) -> Tensor:
    """Clamps values into ``[clip_value_min, clip_value_max]`` (composed of min/max).

    Example:
        >>> import minitf as tf
        >>> tf.clip_by_value(tf.constant([-2.0, 0.5, 3.0]), -1.0, 1.0).numpy()
        array([-1. ,  0.5,  1. ], dtype=float32)
    """
    t = to_tensor(t)
    out = maximum(minimum(t, clip_value_max), clip_value_min)
    if out._shape != t._shape and not TensorShape._from_tuple(t._shape).is_compatible_with(
            out._shape):
        # TF: the result must keep t's shape; bounds may only broadcast *to* it.
        raise ValueError(
            f"Shapes {TensorShape._from_tuple(t._shape)} and "
            f"{TensorShape._from_tuple(out._shape)} are incompatible: clip_by_value's "
            f"bounds must broadcast to the shape of t; reshape or slice the bounds.")
    return out


def _ones_scalar(x: Tensor) -> Tensor:
    t = object.__new__(Tensor)
    t._value = x._dtype.np.type(1)
    t._dtype = x._dtype
    return t


# ---------------------------------------------------------------------------------------
# VJPs. `g` is the cotangent of the output, `out` the output itself. A rank-0 operand
# next to a shaped one was broadcast implicitly, so its cotangent is summed (`_fit`).
# ---------------------------------------------------------------------------------------
def _fit(g: Tensor, x: Tensor) -> Tensor:
    if g._shape and not x._shape:  # (a rank-0 g, the common scalar case, exits first)
        from minitf.ops.reduction import sum_p
        return bind1(sum_p, g, axis=tuple(range(len(g._shape))), keepdims=False)
    return g


def _scalar(value: float, like: Tensor) -> Tensor:
    t = _new(Tensor)
    dtype = like._dtype
    t._value = dtype._np.type(value)
    t._dtype = dtype
    return t


def _mul(a: Tensor, b: Tensor) -> Tensor:
    return bind1(mul_p, a, b)


def _div(a: Tensor, b: Tensor) -> Tensor:
    return bind1(div_p, a, b)


def _neg(a: Tensor) -> Tensor:
    return bind1(neg_p, a)


neg_p.def_vjp(lambda g, x, *, out: (_neg(g),))
abs_p.def_vjp(lambda g, x, *, out: (_mul(g, bind1(sign_p, x)),))
exp_p.def_vjp(lambda g, x, *, out: (_mul(g, out),))
log_p.def_vjp(lambda g, x, *, out: (_div(g, x),))
log1p_p.def_vjp(lambda g, x, *, out: (_div(g, bind1(add_p, _scalar(1, x), x)),))
# d sqrt(x) = 1 / (2 sqrt(x))
sqrt_p.def_vjp(lambda g, x, *, out: (_div(g, _mul(_scalar(2, out), out)),))
sin_p.def_vjp(lambda g, x, *, out: (_mul(g, bind1(cos_p, x)),))
cos_p.def_vjp(lambda g, x, *, out: (_neg(_mul(g, bind1(sin_p, x))),))
# d tanh = 1 - tanh², d sigmoid = s (1 - s): both from the output, no recomputation.
tanh_p.def_vjp(lambda g, x, *, out: (
    _mul(g, bind1(sub_p, _scalar(1, out), _mul(out, out))),))
sigmoid_p.def_vjp(lambda g, x, *, out: (
    _mul(g, _mul(out, bind1(sub_p, _scalar(1, out), out))),))


@sign_p.def_vjp
def _sign_vjp(g: Tensor, x: Tensor, *, out: Tensor) -> tuple:
    from minitf.ops.creation import zeros_like_p
    return (bind1(zeros_like_p, x, dtype=x._dtype.name),)


for _p in (floor_p, ceil_p, round_p, is_nan_p, is_finite_p, logical_not_p, floordiv_p,
           equal_p, not_equal_p, less_p, less_equal_p, greater_p, greater_equal_p,
           logical_and_p, logical_or_p, logical_xor_p):
    _p.def_vjp(NOT_DIFFERENTIABLE)

# Binary rules take `needs` (which inputs' cotangents the tape keeps, see
# autodiff.backward_pass) and skip the others: `w * x` with a constant x costs one mul.
_BOTH = (True, True)


@add_p.def_vjp
def _add_vjp(g: Tensor, x: Tensor, y: Tensor, *, out: Tensor, needs: tuple = _BOTH) -> tuple:
    return (_fit(g, x) if needs[0] else None, _fit(g, y) if needs[1] else None)


@sub_p.def_vjp
def _sub_vjp(g: Tensor, x: Tensor, y: Tensor, *, out: Tensor, needs: tuple = _BOTH) -> tuple:
    return (_fit(g, x) if needs[0] else None, _fit(_neg(g), y) if needs[1] else None)


@mul_p.def_vjp
def _mul_vjp(g: Tensor, x: Tensor, y: Tensor, *, out: Tensor, needs: tuple = _BOTH) -> tuple:
    if x is y and needs[0]:
        # x * x (tf.square): d = 2 x g, given once: the tape adds the cotangents of the
        # two input slots, and None in the second saves a multiply and that addition.
        return (_mul(_scalar(2, x), _mul(g, x)), None)
    return (_fit(_mul(g, y), x) if needs[0] else None,
            _fit(_mul(g, x), y) if needs[1] else None)


@div_p.def_vjp
def _div_vjp(g: Tensor, x: Tensor, y: Tensor, *, out: Tensor, needs: tuple = _BOTH) -> tuple:
    # d(x/y) = dx / y - dy x / y²  =  dx / y - dy out / y
    return (_fit(_div(g, y), x) if needs[0] else None,
            _fit(_neg(_div(_mul(g, out), y)), y) if needs[1] else None)

# floormod(x, y) = x - floor(x / y) y  (TF's gradient: dx = g, dy = -g floor(x / y))
mod_p.def_vjp(lambda g, x, y, *, out: (
    _fit(g, x), _fit(_neg(_mul(g, bind1(floordiv_p, x, y))), y)))


@pow_p.def_vjp
def _pow_vjp(g: Tensor, x: Tensor, y: Tensor, *, out: Tensor, needs: tuple = _BOTH) -> tuple:
    # d x^y / dx = y x^(y-1);  d x^y / dy = x^y log x, taken as 0 where x <= 0 (as TF).
    gx = gy = None
    if needs[0]:
        gx = _fit(_mul(g, _mul(y, bind1(pow_p, x, bind1(sub_p, y, _scalar(1, y))))), x)
    if needs[1]:
        positive = bind1(greater_p, x, _scalar(0, x))
        safe_x = bind1(select_p, positive, x, _scalar(1, x))  # log(1) = 0, never log(<=0)
        gy = _fit(_mul(g, _mul(out, bind1(log_p, safe_x))), y)
    return gx, gy


def _minmax_vjp(mask_p: Primitive) -> Callable:
    def vjp(g: Tensor, x: Tensor, y: Tensor, *, out: Tensor, needs: tuple = _BOTH) -> tuple:
        # Ties send the gradient to x, as TF's _MaximumGrad/_MinimumGrad do.
        mask = bind1(mask_p, x, y)
        zero = _scalar(0, g)
        return (_fit(bind1(select_p, mask, g, zero), x) if needs[0] else None,
                _fit(bind1(select_p, mask, zero, g), y) if needs[1] else None)
    return vjp


maximum_p.def_vjp(_minmax_vjp(greater_equal_p))
minimum_p.def_vjp(_minmax_vjp(less_equal_p))


@select_p.def_vjp
def _select_vjp(g: Tensor, c: Tensor, x: Tensor, y: Tensor, *, out: Tensor,
                needs: tuple = (False, True, True)) -> tuple:
    zero = _scalar(0, g)
    return (None, _fit(bind1(select_p, c, g, zero), x) if needs[1] else None,
            _fit(bind1(select_p, c, zero, g), y) if needs[2] else None)


@cast_p.def_vjp
def _cast_vjp(g: Tensor, x: Tensor, *, out: Tensor, dtype: str) -> tuple:
    # Gradients pass through casts between float types; integer sides get none.
    if x._dtype.is_floating and g._dtype.is_floating:
        return (bind1(cast_p, g, dtype=x._dtype.name),)
    return (None,)

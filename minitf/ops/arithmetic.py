"""Arithmetic primitives: ``neg``, ``add``, ``sub``, ``mul``, ``div``, ``floordiv``,
``mod``, ``pow``, ``max``, ``min`` — and their VJPs — with ``truediv``'s integer rule and
``clip_by_value`` composed on top.

Binary primitives see operands of equal shape, or one rank-0 operand: the public
functions insert ``broadcast_to`` for every other case (see ``_operands``). VJPs are
written with ``bind1`` on primitives, so the backward pass is made of ordinary recorded
equations and can itself be differentiated (second derivatives).

Example:
    >>> import minitf as tf
    >>> tf.add(tf.constant([1, 2]), 10).numpy()
    array([11, 12], dtype=int32)
"""

from __future__ import annotations

import operator
from typing import Any, Callable, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf.core.interpreters import bind1
from minitf.core.primitive import NOT_DIFFERENTIABLE, Primitive
from minitf.core.spec import TensorShape
from minitf.ops._elementwise_core import (
    _BOTH, ANY, FLOAT, SIGNED, _apply_binary, _apply_unary, _binary, _checked_int_division,
    _checked_int_power, _fit, _scalar, _scalar_fast, _unary,
)
from minitf.ops._operands import binary_operands, to_tensor
from minitf.ops.comparison import (
    cast, greater_equal_p, greater_p, less_equal_p, select_p,
)
from minitf.tensor import Tensor

neg_p = _unary("neg", np.negative, SIGNED)
# add also joins strings (tf.string's + is concatenation, as in TF); "O" is their kind.
add_p = _binary("add", _scalar_fast(np.add, operator.add), ANY + "O")
sub_p = _binary("sub", _scalar_fast(np.subtract, operator.sub))
mul_p = _binary("mul", _scalar_fast(np.multiply, operator.mul), ANY)
div_p = _binary("div", _scalar_fast(np.true_divide, operator.truediv), FLOAT)
floordiv_p = _binary("floordiv", _checked_int_division(
    _scalar_fast(np.floor_divide, operator.floordiv), "FloorDiv"))
mod_p = _binary("mod", _checked_int_division(_scalar_fast(np.mod, operator.mod), "FloorMod"))
pow_p = _binary("pow", _checked_int_power(_scalar_fast(np.power, operator.pow)))
maximum_p = _binary("max", np.maximum)
minimum_p = _binary("min", np.minimum)


def negative(x: Any, name: Optional[str] = None) -> Tensor:
    """Computes ``-x`` elementwise.

    Example:
        >>> import minitf as tf
        >>> tf.negative(tf.constant([1, -2]))
        <tf.Tensor: shape=(2,), dtype=int32, numpy=array([-1,  2], dtype=int32)>
    """
    return _apply_unary(neg_p, x)


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


# ---------------------------------------------------------------------------------------
# VJPs. `g` is the cotangent of the output, `out` the output itself.
# ---------------------------------------------------------------------------------------
def _mul(a: Tensor, b: Tensor) -> Tensor:
    return bind1(mul_p, a, b)


def _div(a: Tensor, b: Tensor) -> Tensor:
    return bind1(div_p, a, b)


def _neg(a: Tensor) -> Tensor:
    return bind1(neg_p, a)


neg_p.def_vjp(lambda g, x, *, out: (_neg(g),))
floordiv_p.def_vjp(NOT_DIFFERENTIABLE)


@add_p.def_vjp
def _add_vjp(g: Tensor, x: Tensor, y: Tensor, *, out: Tensor, needs: tuple = _BOTH) -> tuple:
    return (_fit(g, x) if needs[0] else None, _fit(g, y) if needs[1] else None)


@sub_p.def_vjp
def _sub_vjp(g: Tensor, x: Tensor, y: Tensor, *, out: Tensor, needs: tuple = _BOTH) -> tuple:
    return (_fit(g, x) if needs[0] else None, _fit(_neg(g), y) if needs[1] else None)


@mul_p.def_vjp
def _mul_vjp(g: Tensor, x: Tensor, y: Tensor, *, out: Tensor, needs: tuple = _BOTH) -> tuple:
    # BEGIN SOLUTION autodiff: mul's VJP (x * x too); spec: tests/test_gradients.py
    if x is y and needs[0]:
        # x * x (tf.square): d = 2 x g, given once: the tape adds the cotangents of the
        # two input slots, and None in the second saves a multiply and that addition.
        return (_mul(_scalar(2, x), _mul(g, x)), None)
    return (_fit(_mul(g, y), x) if needs[0] else None,
            _fit(_mul(g, x), y) if needs[1] else None)
    # END SOLUTION


@div_p.def_vjp
def _div_vjp(g: Tensor, x: Tensor, y: Tensor, *, out: Tensor, needs: tuple = _BOTH) -> tuple:
    # d(x/y) = dx / y - dy x / y²  =  dx / y - dy out / y
    # BEGIN SOLUTION autodiff: div's VJP; spec: tests/test_gradients.py
    return (_fit(_div(g, y), x) if needs[0] else None,
            _fit(_neg(_div(_mul(g, out), y)), y) if needs[1] else None)
    # END SOLUTION

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
        from minitf.ops.unary import log_p  # (unary imports this module)
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

"""Unary math primitives (``abs``, ``sign``, ``exp``, ``log``, ``sqrt``, ``sin``, ``tanh``,
``sigmoid``, ``floor``...) and their VJPs; ``square`` and ``rsqrt`` composed.

Transcendental functions on float16/float32 are computed in float64 and rounded once
(``correctly_rounded``), so printed values match TensorFlow's to the last digit.

Example:
    >>> import minitf as tf
    >>> tf.exp(tf.constant([0.0, 1.0]))
    <tf.Tensor: shape=(2,), dtype=float32, numpy=array([1.       , 2.7182817], dtype=float32)>
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf.core.interpreters import bind1
from minitf.core.primitive import NOT_DIFFERENTIABLE
from minitf.core.spec import TensorSpec
from minitf.ops._elementwise_core import (
    BOOL, FLOAT, NUMERIC, SIGNED, _apply_unary, _check_kind, _scalar, _unary,
    correctly_rounded,
)
from minitf.ops._operands import to_tensor
from minitf.ops.arithmetic import _div, _mul, _neg, add_p, divide, mul_p, sub_p
from minitf.tensor import Tensor

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
    # BEGIN SOLUTION tensors: sigmoid in NumPy, never overflowing; spec: tests/test_ops_forward.py
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)
    # END SOLUTION


sigmoid_p = _unary("sigmoid", correctly_rounded(_sigmoid_numpy))

for _p, _dt in ((is_nan_p, _dtypes.bool), (is_finite_p, _dtypes.bool)):
    def _bool_abstract(x: TensorSpec, _name: str = _p.name) -> TensorSpec:
        _check_kind(_name, x, FLOAT)
        return TensorSpec._make(x.shape._dims, _dtypes.bool)
    _p.def_abstract_eval(_bool_abstract)


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
    if type(x) is not Tensor:
        x = to_tensor(x)
    if x._dtype._kind not in NUMERIC:  # (the check inline: a loss squares every step)
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


def _ones_scalar(x: Tensor) -> Tensor:
    t = object.__new__(Tensor)
    t._value = x._dtype.np.type(1)
    t._dtype = x._dtype
    return t



# ---------------------------------------------------------------------------------------
# VJPs. `g` is the cotangent of the output, `out` the output itself.
# ---------------------------------------------------------------------------------------
abs_p.def_vjp(lambda g, x, *, out: (_mul(g, bind1(sign_p, x)),))
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


@exp_p.def_vjp
def _exp_vjp(g: Tensor, x: Tensor, *, out: Tensor) -> tuple:
    # BEGIN SOLUTION autodiff: exp's VJP, from its output; spec: tests/test_gradients.py
    return (_mul(g, out),)
    # END SOLUTION


@sign_p.def_vjp
def _sign_vjp(g: Tensor, x: Tensor, *, out: Tensor) -> tuple:
    from minitf.ops.creation import zeros_like_p
    return (bind1(zeros_like_p, x, dtype=x._dtype.name),)


for _p in (floor_p, ceil_p, round_p, is_nan_p, is_finite_p, logical_not_p):
    _p.def_vjp(NOT_DIFFERENTIABLE)

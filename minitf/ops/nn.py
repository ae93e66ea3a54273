"""``tf.nn``: activations and losses, composed from primitives — except ``softmax`` and
``log_softmax``, which are primitives.

Why are the softmaxes primitives when DESIGN.md lists softmax among the composed ops?
They are hot paths with a fused GPU kernel (one read, one write per row, instead of the
five passes of max/sub/exp/sum/div), and their VJPs are short:
``dx = s (g - Σ g s)`` and ``dx = g - softmax(x) Σ g``. Everything else here has no
gradient rule of its own.

Example:
    >>> import minitf as tf
    >>> x = tf.constant([[1., 2., 3.], [4., 5., 6.]])
    >>> tf.nn.softmax(x, axis=-1)
    <tf.Tensor: shape=(2, 3), dtype=float32, numpy=
    array([[0.09003057, 0.24472848, 0.66524094],
           [0.09003057, 0.24472848, 0.66524094]], dtype=float32)>
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from minitf import errors
from minitf.core.interpreters import bind1
from minitf.core.primitive import Primitive
from minitf.core.spec import TensorSpec
from minitf.ops import elementwise as ew
from minitf.ops._operands import describe, to_tensor
from minitf.ops._elementwise_core import _apply_unary, _unary
from minitf.ops.elementwise import correctly_rounded
from minitf.ops.reduction import reduce_sum
from minitf.tensor import Tensor

# ---------------------------------------------------------------------------------------
# softmax / log_softmax primitives
# ---------------------------------------------------------------------------------------
softmax_p = Primitive("softmax")
log_softmax_p = Primitive("log_softmax")
softmax_p.dtype_kinds = log_softmax_p.dtype_kinds = "f"


@softmax_p.def_impl("numpy")
@correctly_rounded
def _softmax_numpy(x: np.ndarray, *, axis: int) -> np.ndarray:
    # Subtracting the row max keeps exp() from overflowing; it cancels in the ratio.
    # (`initial` makes an empty axis give an empty result, as in TF, not an error.)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True, initial=-np.inf))
    return e / np.sum(e, axis=axis, keepdims=True)


@log_softmax_p.def_impl("numpy")
@correctly_rounded
def _log_softmax_numpy(x: np.ndarray, *, axis: int) -> np.ndarray:
    shifted = x - np.max(x, axis=axis, keepdims=True, initial=-np.inf)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


for _p in (softmax_p, log_softmax_p):
    _p.def_abstract_eval(lambda x, *, axis: TensorSpec._make(x.shape._dims, x.dtype))


@softmax_p.def_vjp
def _softmax_vjp(g: Tensor, x: Tensor, *, out: Tensor, axis: int) -> tuple:
    # ds_i = s_i (g_i - Σ_j g_j s_j)
    from minitf.ops.reduction import sum_p, _expand_back
    gs = bind1(ew.mul_p, g, out)
    total = _expand_back(bind1(sum_p, gs, axis=(axis,), keepdims=True), x, (axis,), True)
    return (bind1(ew.mul_p, out, bind1(ew.sub_p, g, total)),)


@log_softmax_p.def_vjp
def _log_softmax_vjp(g: Tensor, x: Tensor, *, out: Tensor, axis: int) -> tuple:
    # d log_softmax: g - softmax(x) Σ g, and softmax(x) = exp(log_softmax(x)).
    from minitf.ops.reduction import sum_p, _expand_back
    total = _expand_back(bind1(sum_p, g, axis=(axis,), keepdims=True), x, (axis,), True)
    return (bind1(ew.sub_p, g, bind1(ew.mul_p, bind1(ew.exp_p, out), total)),)


def _softmax_like(prim: Primitive, logits: Any, axis: Optional[int], op: str) -> Tensor:
    x = to_tensor(logits)
    if not x._dtype.is_floating:
        raise errors.InvalidArgumentError(
            None, None, f"{op} expects a floating-point tensor, got {describe(x)}; use "
            f"tf.cast(logits, tf.float32).")
    rank = len(x._shape)
    if rank == 0:
        raise errors.InvalidArgumentError(None, None, f"{op} needs a tensor of rank >= 1, "
                                          f"got a scalar; pass a vector of logits, e.g. "
                                          f"tf.reshape(x, [-1]).")
    axis = -1 if axis is None else int(axis)
    if not -rank <= axis < rank:
        raise errors.InvalidArgumentError(None, None, f"{op}: axis {axis} out of range for "
                                          f"rank {rank}.")
    return bind1(prim, x, axis=axis % rank)


def softmax(logits: Any, axis: Optional[int] = None, name: Optional[str] = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``axis`` (default last), computed stably.

    Example:
        >>> import minitf as tf
        >>> tf.nn.softmax(tf.constant([0.0, 0.0])).numpy()
        array([0.5, 0.5], dtype=float32)
    """
    return _softmax_like(softmax_p, logits, axis, "Softmax")


def log_softmax(logits: Any, axis: Optional[int] = None, name: Optional[str] = None) -> Tensor:
    """``x - log(sum(exp(x)))`` along ``axis`` (default last), computed stably.

    Example:
        >>> import minitf as tf
        >>> round(float(tf.nn.log_softmax(tf.constant([0.0, 0.0]))[0]), 6)
        -0.693147
    """
    return _softmax_like(log_softmax_p, logits, axis, "LogSoftmax")


# ---------------------------------------------------------------------------------------
# Activations (composed)
# ---------------------------------------------------------------------------------------
def relu(features: Any, name: Optional[str] = None) -> Tensor:
    """``max(x, 0)``; its gradient at 0 is 0, as TensorFlow's.

    Example:
        >>> import minitf as tf
        >>> tf.nn.relu(tf.constant([-1.0, 2.0])).numpy()
        array([0., 2.], dtype=float32)
    """
    x = to_tensor(features)
    return ew.where(ew.greater(x, 0), x, 0)


def relu6(features: Any, name: Optional[str] = None) -> Tensor:
    """``min(max(x, 0), 6)``.

    Example:
        >>> import minitf as tf
        >>> tf.nn.relu6(tf.constant([-1.0, 3.0, 9.0])).numpy()
        array([0., 3., 6.], dtype=float32)
    """
    x = to_tensor(features)
    return ew.where(ew.greater(x, 0), ew.where(ew.less(x, 6), x, 6), 0)


def leaky_relu(features: Any, alpha: float = 0.2, name: Optional[str] = None) -> Tensor:
    """``x`` where positive, else ``alpha * x``.

    Example:
        >>> import minitf as tf
        >>> tf.nn.leaky_relu(tf.constant([-1.0, 2.0])).numpy()
        array([-0.2,  2. ], dtype=float32)
    """
    x = to_tensor(features)
    if x._dtype.is_integer:
        x = ew.cast(x, "float32")  # as TF: alpha * x of an int has no integer answer
    return ew.where(ew.greater(x, 0), x, ew.multiply(x, alpha))


def elu(features: Any, name: Optional[str] = None) -> Tensor:
    """``x`` where positive, else ``exp(x) - 1``.

    Example:
        >>> import minitf as tf
        >>> round(float(tf.nn.elu(tf.constant(-1.0))), 6)
        -0.632121
    """
    x = to_tensor(features)
    # exp of the clamped value: the unused branch must not overflow for large x.
    return ew.where(ew.greater(x, 0), x, ew.subtract(ew.exp(ew.minimum(x, 0)), 1))


# e^-t is below half an ulp of t: float16 (ulp(10) = 2^-7), float32, float64.
_SOFTPLUS_LINEAR_ABOVE = {"float16": 10.0, "float32": 20.0, "float64": 40.0}


def _softplus_numpy(x: np.ndarray) -> np.ndarray:
    # log1p(exp(x)), or x above the threshold: there log1p(e^x) = x + log1p(e^-x) rounds
    # to x in the dtype, and below it exp cannot overflow. (max(x, 0) + log1p(exp(-|x|))
    # is exact too, but not smooth at 0.) Same digits as the ops tf.exp and tf.math.log1p.
    threshold = x.dtype.type(_SOFTPLUS_LINEAR_ABOVE.get(x.dtype.name, 20.0))
    exp, log1p = ew.exp_p.impls["numpy"], ew.log1p_p.impls["numpy"]
    y = np.where(x > threshold, x, log1p(exp(np.minimum(x, threshold)))).astype(x.dtype)
    return y[()] if y.ndim == 0 else y  # rank 0: a NumPy scalar, as every op gives


# A primitive rather than a composition for one reason: its gradient must be computed
# as sigmoid(x), as TensorFlow's is. The chain rule through log1p(exp(x)) gives
# exp(x) / (1 + exp(x)), one rounding away: 0.99995464 at x = 10 where TF's guide prints
# 0.9999546.
softplus_p = _unary("softplus", _softplus_numpy)
softplus_p.def_vjp(lambda g, x, *, out: (bind1(ew.mul_p, g, bind1(ew.sigmoid_p, x)),))


def softplus(features: Any, name: Optional[str] = None) -> Tensor:
    """``log(1 + exp(x))``, computed without overflow; its gradient is ``sigmoid(x)``.

    Example:
        >>> import minitf as tf
        >>> round(float(tf.nn.softplus(tf.constant(0.0))), 6)
        0.693147
        >>> x = tf.Variable(10.0)
        >>> with tf.GradientTape() as tape:
        ...     y = tf.nn.softplus(x)
        >>> tape.gradient(y, x).numpy()
        np.float32(0.9999546)
    """
    return _apply_unary(softplus_p, features)


def silu(features: Any, beta: float = 1.0, name: Optional[str] = None) -> Tensor:
    """``x * sigmoid(beta * x)`` (a.k.a. swish).

    Example:
        >>> import minitf as tf
        >>> float(tf.nn.silu(tf.constant(0.0)))
        0.0
    """
    x = to_tensor(features)
    return ew.multiply(x, ew.sigmoid(x if beta == 1.0 else ew.multiply(x, beta)))


swish = silu


def gelu(features: Any, approximate: bool = False, name: Optional[str] = None) -> Tensor:
    """Gaussian error linear unit, by the tanh approximation.

    minitf has no ``erf`` primitive, so both settings use
    ``0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))`` (within 1e-3 of the exact form).

    Example:
        >>> import minitf as tf
        >>> float(tf.nn.gelu(tf.constant(0.0)))
        0.0
    """
    x = to_tensor(features)
    inner = ew.multiply(ew.add(x, ew.multiply(ew.pow(x, 3), 0.044715)),
                        float(np.sqrt(2 / np.pi)))
    return ew.multiply(ew.multiply(x, 0.5), ew.add(ew.tanh(inner), 1))


def bias_add(value: Any, bias: Any, data_format: Any = None,
             name: Optional[str] = None) -> Tensor:
    """Adds a 1-D ``bias`` along the last axis.

    Example:
        >>> import minitf as tf
        >>> tf.nn.bias_add(tf.zeros([2, 2]), [1.0, 2.0]).numpy()
        array([[1., 2.],
               [1., 2.]], dtype=float32)
    """
    return ew.add(value, bias)


def l2_normalize(x: Any, axis: Any = None, epsilon: float = 1e-12,
                 name: Optional[str] = None) -> Tensor:
    """``x / sqrt(max(sum(x²), epsilon))`` along ``axis``.

    Example:
        >>> import minitf as tf
        >>> tf.math.l2_normalize(tf.constant([3.0, 4.0])).numpy()
        array([0.6, 0.8], dtype=float32)
    """
    x = to_tensor(x)
    sq = reduce_sum(ew.square(x), axis, keepdims=True)
    return ew.multiply(x, ew.rsqrt(ew.maximum(sq, epsilon)))


def moments(x: Any, axes: Any, shift: Any = None, keepdims: bool = False,
            name: Optional[str] = None) -> tuple:
    """Mean and variance over ``axes``.

    Example:
        >>> import minitf as tf
        >>> m, v = tf.nn.moments(tf.constant([1.0, 3.0]), axes=[0])
        >>> float(m), float(v)
        (2.0, 1.0)
    """
    from minitf.ops.reduction import reduce_mean
    from minitf.ops.shape import stop_gradient
    x = to_tensor(x)
    mean = reduce_mean(x, axes, keepdims=True)
    variance = reduce_mean(ew.square(ew.subtract(x, stop_gradient(mean))), axes,
                           keepdims=True)
    if not keepdims:
        from minitf.ops.shape import squeeze
        from minitf.ops.reduction import normalize_axes
        ax = normalize_axes(axes, len(x._shape), "Moments")
        mean, variance = squeeze(mean, ax), squeeze(variance, ax)
    return mean, variance


def dropout(x: Any, rate: float, noise_shape: Any = None, seed: Optional[int] = None,
            name: Optional[str] = None) -> Tensor:
    """Zeroes elements with probability ``rate`` and scales the rest by ``1/(1-rate)``.

    Example:
        >>> import minitf as tf
        >>> y = tf.nn.dropout(tf.ones([1000]), rate=0.5, seed=1)
        >>> sorted(set(y.numpy().tolist()))
        [0.0, 2.0]
    """
    from minitf.ops.random import uniform
    x = to_tensor(x)
    rate = float(rate)
    if not 0 <= rate < 1:
        raise ValueError(f"rate must be a scalar tensor or a float in the range [0, 1), got "
                         f"{rate}")
    if rate == 0:
        return x
    shape = x._shape if noise_shape is None else noise_shape
    keep = ew.greater_equal(uniform(shape, dtype=x._dtype, seed=seed), rate)
    return ew.where(keep, ew.multiply(x, 1.0 / (1.0 - rate)), 0.0)


# ---------------------------------------------------------------------------------------
# Losses on logits (composed)
# ---------------------------------------------------------------------------------------
def sigmoid_cross_entropy_with_logits(labels: Any = None, logits: Any = None,
                                      name: Optional[str] = None) -> Tensor:
    """Elementwise logistic loss ``softplus(x) - x z``, stable for any logits.

    (TF's ``max(x, 0) - x z + log1p(exp(-|x|))`` has the same values, but its kinks at
    ``x = 0`` would give the gradient ``1 - z`` there instead of ``sigmoid(0) - z``.)

    Example:
        >>> import minitf as tf
        >>> round(float(tf.nn.sigmoid_cross_entropy_with_logits(
        ...     labels=tf.constant(1.0), logits=tf.constant(0.0))), 6)
        0.693147
    """
    x = to_tensor(logits)
    z = to_tensor(labels, x._dtype)
    if z._shape != x._shape:
        raise ValueError(f"logits and labels must have the same shape "
                         f"({x.shape} vs {z.shape})")
    return ew.subtract(softplus(x), ew.multiply(x, z))


def softmax_cross_entropy_with_logits(labels: Any, logits: Any, axis: int = -1,
                                      name: Optional[str] = None) -> Tensor:
    """``-Σ labels · log_softmax(logits)`` along ``axis`` (labels are distributions).

    Example:
        >>> import minitf as tf
        >>> round(float(tf.nn.softmax_cross_entropy_with_logits(
        ...     labels=[0.0, 1.0], logits=[0.0, 0.0])), 6)
        0.693147
    """
    x = to_tensor(logits)
    z = to_tensor(labels, x._dtype)
    return ew.negative(reduce_sum(ew.multiply(z, log_softmax(x, axis)), axis))


def sparse_softmax_cross_entropy_with_logits(labels: Any, logits: Any,
                                             name: Optional[str] = None) -> Tensor:
    """Cross-entropy with integer class ``labels`` against ``logits`` (last axis).

    Example:
        >>> import minitf as tf
        >>> round(float(tf.nn.sparse_softmax_cross_entropy_with_logits(
        ...     labels=1, logits=[0.0, 0.0])), 6)
        0.693147
    """
    from minitf.ops.indexing import one_hot
    x = to_tensor(logits)
    labels = to_tensor(labels)
    if not labels._dtype.is_integer:
        raise errors.InvalidArgumentError(
            None, None, f"sparse_softmax_cross_entropy_with_logits: labels must be integer "
            f"class ids, got {describe(labels)}; for one-hot labels use "
            f"softmax_cross_entropy_with_logits.")
    if labels._shape != x._shape[:-1]:
        raise errors.InvalidArgumentError(
            None, None, f"logits and labels must have the same first dimension, got logits "
            f"shape {list(x._shape)} and labels shape {list(labels._shape)}")
    return ew.negative(reduce_sum(ew.multiply(one_hot(labels, x._shape[-1], dtype=x._dtype),
                                              log_softmax(x)), -1))

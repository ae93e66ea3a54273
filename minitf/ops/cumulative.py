"""Running sums and products along an axis: ``tf.math.cumsum`` (also ``tf.cumsum``) and
``tf.math.cumprod``.

Two primitives, ``cumsum`` and ``cumprod``, with the same three parameters:

* ``axis`` — the axis scanned;
* ``exclusive`` — leave each element out of its own result: ``[a, b, c]`` gives
  ``[0, a, a + b]`` instead of ``[a, a + b, a + b + c]`` (``1`` starts a product);
* ``reverse`` — scan from the end: ``[a + b + c, b + c, c]``.

A scan cannot be composed from other ops without an ``n × n`` triangular matrix, so each
is a primitive. Their VJPs are scans again, written with ``bind1``, so a gradient can be
differentiated once more:

* ``x_i`` appears in every ``y_j`` with ``j >= i`` (forward), so ``dx_i = Σ_{j>=i} g_j``:
  the cotangent scanned in the *other* direction, with the same ``exclusive``;
* ``y_j = Π x_i`` over its factors, so ``dy_j/dx_i = y_j / x_i`` and
  ``dx = cumsum(g·y, reverse=not reverse) / x``. That division assumes ``x`` has no
  zeros: where ``x_i == 0`` the gradient is 0 (TensorFlow's ``div_no_nan`` rule), not
  the true product of the other factors.

Example:
    >>> import minitf as tf
    >>> from minitf.ops.cumulative import cumsum, cumprod
    >>> x = tf.constant([1.0, 2.0, 3.0, 4.0])
    >>> cumsum(x).numpy()
    array([ 1.,  3.,  6., 10.], dtype=float32)
    >>> cumprod(x, exclusive=True).numpy()
    array([1., 1., 2., 6.], dtype=float32)
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from minitf import errors
from minitf.core.interpreters import bind1
from minitf.core.primitive import Primitive
from minitf.core.spec import TensorSpec
from minitf.ops._elementwise_core import NUMERIC, _scalar
from minitf.ops._operands import describe, to_tensor
from minitf.tensor import Tensor, host_array

__all__ = ["cumsum", "cumprod"]


def _scan_numpy(scan: Callable, identity: int) -> Callable:
    """The NumPy implementation of a scan, given ``np.cumsum`` or ``np.cumprod``."""
    def impl(x: np.ndarray, *, axis: int, exclusive: bool, reverse: bool) -> np.ndarray:
        x = np.moveaxis(np.asarray(x), axis, 0)  # scan along the leading axis
        if reverse:
            x = x[::-1]
        # dtype=x.dtype: NumPy would widen int8/int32 sums to int64; TF keeps the dtype.
        out = scan(x, axis=0, dtype=x.dtype)
        if exclusive and len(out):
            # Shift by one: the identity first, the last running value dropped.
            out = np.concatenate([np.full_like(out[:1], identity), out[:-1]])
        if reverse:
            out = out[::-1]
        # (A copy: NumPy calls a size-1 reversed view contiguous, but torch rejects its
        # negative stride when the GPU backend takes the result.)
        return np.moveaxis(out, 0, axis).copy()
    return impl


def _scan_primitive(name: str, scan: Callable, identity: int) -> Primitive:
    prim = Primitive(name)
    prim.dtype_kinds = NUMERIC

    @prim.def_abstract_eval
    def _abstract(x: TensorSpec, *, axis: int, exclusive: bool, reverse: bool) -> TensorSpec:
        return TensorSpec._make(x.shape._dims, x.dtype)

    prim.def_impl("numpy")(_scan_numpy(scan, identity))
    return prim


cumsum_p = _scan_primitive("cumsum", np.cumsum, 0)
cumprod_p = _scan_primitive("cumprod", np.cumprod, 1)


@cumsum_p.def_vjp
def _cumsum_vjp(g: Tensor, x: Tensor, *, out: Tensor, axis: int, exclusive: bool,
                reverse: bool) -> tuple:
    return (bind1(cumsum_p, g, axis=axis, exclusive=exclusive, reverse=not reverse),)


@cumprod_p.def_vjp
def _cumprod_vjp(g: Tensor, x: Tensor, *, out: Tensor, axis: int, exclusive: bool,
                 reverse: bool) -> tuple:
    from minitf.ops.elementwise import div_p, equal_p, mul_p, select_p
    # dx_i = Σ_j g_j y_j / x_i over the y_j that have x_i as a factor (see the module doc).
    summed = bind1(cumsum_p, bind1(mul_p, g, out), axis=axis, exclusive=exclusive,
                   reverse=not reverse)
    # Divide only where x != 0 (dividing by 1 elsewhere), then put 0 there: div_no_nan.
    zero = bind1(equal_p, x, _scalar(0, x))
    safe_x = bind1(select_p, zero, _scalar(1, x), x)
    return (bind1(select_p, zero, _scalar(0, x), bind1(div_p, summed, safe_x)),)


def _axis_arg(axis: Any, rank: int, op: str) -> int:
    """``axis`` (an int, or a scalar integer tensor) as a non-negative int."""
    if isinstance(axis, Tensor):
        if not axis._dtype.is_integer:
            raise TypeError(f"{op}: axis must be an integer, got a tensor with "
                            f"{describe(axis)}.")
        axis = host_array(axis)  # (raises a clear error for a symbolic tensor)
    arr = np.asarray(axis)
    if arr.ndim:
        raise errors.InvalidArgumentError(
            None, None, f"ScanOp: axis must be a scalar, not {arr.tolist()} [Op:{op}]. "
            f"{op} scans one axis: pass an integer, e.g. axis=0.")
    if arr.dtype.kind not in "iu":  # (a bool is kind "b")
        raise TypeError(f"{op}: axis must be an integer, got {axis!r}.")
    a = int(arr)
    if not -rank <= a < rank:
        raise errors.InvalidArgumentError(
            None, None, f"ScanOp: Expected scan axis in the range [{-rank}, {rank}), but got "
            f"{a} [Op:{op}] for a tensor of rank {rank}. Count axes from 0, or from -1 for "
            f"the last.")
    return a % rank


def _scan(prim: Primitive, x: Any, axis: Any, exclusive: bool, reverse: bool,
          op: str) -> Tensor:
    x = to_tensor(x)
    if x._dtype._kind not in prim.dtype_kinds:
        raise errors.InvalidArgumentError(
            None, None, f"{op} expects a numeric tensor, got {describe(x)} [Op:{op}]; cast it "
            f"first, e.g. tf.cast(x, tf.int32).")
    if not x._shape:
        raise errors.InvalidArgumentError(
            None, None, f"ScanOp: Expected scan axis in the range [0, 0), but got {axis} "
            f"[Op:{op}]: a scalar has no axis to scan. Pass a tensor of rank >= 1, e.g. "
            f"tf.reshape(x, [1]).")
    a = _axis_arg(axis, len(x._shape), op)
    return bind1(prim, x, axis=a, exclusive=bool(exclusive), reverse=bool(reverse))


def cumsum(x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False,
           name: Optional[str] = None) -> Tensor:
    """The running sum of ``x`` along ``axis``.

    ``cumsum([a, b, c])`` is ``[a, a + b, a + b + c]``; with ``exclusive=True``
    ``[0, a, a + b]``; with ``reverse=True`` ``[a + b + c, b + c, c]``. Integers keep
    their dtype (and wrap around on overflow, as in TensorFlow).

    Args:
        x: a numeric tensor of rank >= 1 (floats, signed or unsigned integers).
        axis: the axis to scan (default 0); negative counts from the end.
        exclusive: leave each element out of its own sum.
        reverse: sum from the last element towards the first.
        name: ignored (TF's graph name).

    Returns:
        A tensor of ``x``'s shape and dtype.

    Raises:
        InvalidArgumentError: for a bool tensor, a scalar, or an axis out of range.
        TypeError: for a non-integer axis.

    Example:
        >>> import minitf as tf
        >>> from minitf.ops.cumulative import cumsum
        >>> x = tf.constant([[1, 2, 3], [4, 5, 6]])
        >>> cumsum(x, axis=1).numpy()
        array([[ 1,  3,  6],
               [ 4,  9, 15]], dtype=int32)
        >>> cumsum(x, axis=1, exclusive=True, reverse=True).numpy()
        array([[ 5,  3,  0],
               [11,  6,  0]], dtype=int32)
    """
    return _scan(cumsum_p, x, axis, exclusive, reverse, "Cumsum")


def cumprod(x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False,
            name: Optional[str] = None) -> Tensor:
    """The running product of ``x`` along ``axis``.

    ``cumprod([a, b, c])`` is ``[a, a·b, a·b·c]``; ``exclusive`` and ``reverse`` work as
    in :func:`cumsum` (an exclusive product starts at 1).

    The gradient divides by ``x`` (``dy_j/dx_i = y_j / x_i``), so it assumes ``x`` has no
    zeros: at an element equal to 0 it is 0 rather than the true derivative (the product
    of the other factors), exactly as in TensorFlow.

    Args:
        x: a numeric tensor of rank >= 1.
        axis: the axis to scan (default 0); negative counts from the end.
        exclusive: leave each element out of its own product.
        reverse: multiply from the last element towards the first.
        name: ignored (TF's graph name).

    Returns:
        A tensor of ``x``'s shape and dtype.

    Raises:
        InvalidArgumentError: for a bool tensor, a scalar, or an axis out of range.
        TypeError: for a non-integer axis.

    Example:
        >>> import minitf as tf
        >>> from minitf.ops.cumulative import cumprod
        >>> x = tf.Variable([2.0, 5.0, 3.0])
        >>> with tf.GradientTape() as tape:
        ...     y = cumprod(x)  # [2, 10, 30]
        >>> y.numpy(), tape.gradient(y, x).numpy()  # d(2 + 10 + 30) / dx
        (array([ 2., 10., 30.], dtype=float32), array([21.,  8., 10.], dtype=float32))
    """
    return _scan(cumprod_p, x, axis, exclusive, reverse, "Cumprod")

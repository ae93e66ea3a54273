"""Sorting: ``tf.argsort`` (a primitive), and ``tf.sort`` and ``tf.math.top_k`` composed from it.

One primitive, ``argsort``, finds the order: the positions that sort each slice along an
axis, as int32. It is not differentiable (positions are integers). The values are then
*picked* with one ``gather`` on the flattened tensor, so ``sort`` and ``top_k`` need no
gradient rule of their own: gather's VJP scatters the cotangent back to the elements that
were picked, which is exactly TensorFlow's gradient for both.

The sort is stable in both directions: equal values keep their order of appearance
(TensorFlow's, whose ``stable=False`` is not implemented either). NaN sorts last
ascending, as in TensorFlow; descending it sorts first (TF puts it where its top-k
comparisons happen to leave it).

Example:
    >>> import minitf as tf
    >>> from minitf.ops.sorting import argsort, sort, top_k
    >>> x = tf.constant([3.0, 1.0, 2.0])
    >>> sort(x).numpy(), argsort(x).numpy()
    (array([1., 2., 3.], dtype=float32), array([1, 2, 0], dtype=int32))
    >>> top_k(x, k=2).values.numpy()
    array([3., 2.], dtype=float32)
"""

from __future__ import annotations

import collections
import math
from typing import Any, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf import errors
from minitf.core.interpreters import bind1
from minitf.core.primitive import NOT_DIFFERENTIABLE, Primitive
from minitf.core.spec import TensorSpec
from minitf.ops._elementwise_core import NUMERIC
from minitf.ops._operands import describe, dims_str, to_tensor
from minitf.tensor import Tensor, host_array

__all__ = ["sort", "argsort", "top_k", "TopKV2"]

# What top_k returns, as in TensorFlow: a namedtuple, so `values, indices = top_k(x)`.
TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])

argsort_p = Primitive("argsort")
argsort_p.dtype_kinds = NUMERIC


@argsort_p.def_abstract_eval
def _argsort_abstract(x: TensorSpec, *, axis: int, descending: bool) -> TensorSpec:
    return TensorSpec._make(x.shape._dims, _dtypes.int32)


@argsort_p.def_impl("numpy")
def _argsort_numpy(x: np.ndarray, *, axis: int, descending: bool) -> np.ndarray:
    x = np.asarray(x)
    if not descending:
        return np.argsort(x, axis=axis, kind="stable").astype(np.int32)
    # Stable and descending: sort the reversed axis ascending (equal values then come
    # last position first), read that order backwards, and map the positions back to
    # the unreversed axis — equal values now come first position first. (Sorting -x
    # instead would overflow for the smallest integer and wrap for unsigned ones.)
    n = x.shape[axis]
    order = np.flip(np.argsort(np.flip(x, axis), axis=axis, kind="stable"), axis)
    return (n - 1 - order).astype(np.int32)


argsort_p.def_vjp(NOT_DIFFERENTIABLE)

_DIRECTIONS = ("ASCENDING", "DESCENDING")


def _checked(values: Any, op: str) -> Tensor:
    x = to_tensor(values)
    if x._dtype._kind not in NUMERIC:
        raise errors.InvalidArgumentError(
            None, None, f"{op} expects a numeric tensor, got {describe(x)}: there is no "
            f"order to sort by. Cast it first, e.g. tf.cast(x, tf.int32).")
    return x


def _descending(direction: Any, op: str) -> bool:
    if direction not in _DIRECTIONS:
        raise ValueError(f"Argument `direction` should be one of ASCENDING, DESCENDING. "
                         f"Received: direction={direction} ({op}).")
    return direction == "DESCENDING"


def _axis(axis: Any, x: Tensor, op: str) -> int:
    arr = np.asarray(host_array(axis) if isinstance(axis, Tensor) else axis)
    if arr.ndim or arr.dtype.kind not in "iu":
        raise TypeError(f"{op}: axis must be one integer, got {axis!r}.")
    rank = len(x._shape)
    a = int(arr)
    if not -rank <= a < rank:
        hint = "" if rank else " A scalar has nothing to sort: pass a tensor of rank >= 1."
        raise errors.InvalidArgumentError(
            None, None, f"{op}: axis {a} is out of range for a tensor of rank {rank} "
            f"({describe(x)}); it must lie in [{-rank}, {rank}).{hint}")
    return a % rank


def _take_along_last(x: Tensor, order: Tensor) -> Tensor:
    """``out[..., j] = x[..., order[..., j]]``: one gather on the flattened ``x``.

    Row ``r`` of ``x`` (seen as ``[rows, n]``) starts at ``r * n`` in the flat tensor, so
    the flat positions are ``order + r * n``. The row numbers come from a cumulative sum
    of ones, which works also when the number of rows is known only at run time.
    """
    from minitf.ops.creation import ones_like
    from minitf.ops.cumulative import cumsum
    from minitf.ops.elementwise import add, multiply
    from minitf.ops.indexing import gather
    from minitf.ops.shape import reshape
    n = x._shape[-1]
    k = order._shape[-1]
    lead = x._shape[:-1]
    if n is None or list(lead).count(None) > 1:
        raise ValueError(
            f"Sorting inside tf.function needs the sorted axis and all but one other size "
            f"known when tracing, got {dims_str(x._shape)}; give the function an "
            f"input_signature with more known sizes.")
    # (The row count is spelled out when known: with k = 0, -1 would be ambiguous.)
    rows = reshape(order, [-1 if None in lead else math.prod(lead), k])
    row_numbers = cumsum(ones_like(rows[:, :1]), axis=0, exclusive=True)  # [rows, 1]
    flat = gather(reshape(x, [-1]), add(rows, multiply(row_numbers, n)))
    return reshape(flat, [-1 if d is None else d for d in lead] + [k])


def argsort(values: Any, axis: Any = -1, direction: str = "ASCENDING", stable: bool = False,
            name: Optional[str] = None) -> Tensor:
    """The positions that would sort ``values`` along ``axis``, as int32.

    The order is always stable: equal values keep their order of appearance, in both
    directions (``stable`` is accepted for TensorFlow's signature; TF is stable too).

    Args:
        values: a numeric tensor of rank >= 1.
        axis: the axis to sort along (default: the last).
        direction: ``'ASCENDING'`` or ``'DESCENDING'``.
        stable: ignored (the sort is always stable).
        name: ignored (TF's graph name).

    Returns:
        An int32 tensor of ``values``' shape.

    Raises:
        ValueError: for another ``direction``.
        InvalidArgumentError: for a bool tensor, or an axis out of range.

    Example:
        >>> import minitf as tf
        >>> from minitf.ops.sorting import argsort
        >>> argsort([1, 0, 1, 0, 1]).numpy()
        array([1, 3, 0, 2, 4], dtype=int32)
        >>> argsort([1, 0, 1, 0, 1], direction='DESCENDING').numpy()
        array([0, 2, 4, 1, 3], dtype=int32)
    """
    descending = _descending(direction, "argsort")
    x = _checked(values, "argsort")
    return bind1(argsort_p, x, axis=_axis(axis, x, "argsort"), descending=descending)


def sort(values: Any, axis: Any = -1, direction: str = "ASCENDING",
         name: Optional[str] = None) -> Tensor:
    """``values`` sorted along ``axis``; differentiable (the gradient follows each element).

    Composed: :func:`argsort`, then a gather of the values in that order, so the
    cotangent of each sorted position flows back to the element that landed there.

    Args:
        values: a numeric tensor of rank >= 1.
        axis: the axis to sort along (default: the last).
        direction: ``'ASCENDING'`` or ``'DESCENDING'``.
        name: ignored (TF's graph name).

    Returns:
        A tensor of ``values``' shape and dtype.

    Raises:
        ValueError: for another ``direction``.
        InvalidArgumentError: for a bool tensor, or an axis out of range.

    Example:
        >>> import minitf as tf
        >>> from minitf.ops.sorting import sort
        >>> x = tf.constant([[3, 1, 2], [1, 1, 0]])
        >>> sort(x, direction='DESCENDING').numpy()
        array([[3, 2, 1],
               [1, 1, 0]], dtype=int32)
        >>> sort(x, axis=0).numpy()
        array([[1, 1, 0],
               [3, 1, 2]], dtype=int32)
    """
    from minitf.ops.shape import transpose
    descending = _descending(direction, "sort")
    x = _checked(values, "sort")
    a = _axis(axis, x, "sort")
    last = len(x._shape) - 1
    # Sort along the last axis: move `axis` there and back (a swap is its own inverse).
    perm = list(range(last + 1))
    perm[a], perm[last] = last, a
    moved = transpose(x, perm)
    order = bind1(argsort_p, moved, axis=last, descending=descending)
    return transpose(_take_along_last(moved, order), perm)


def top_k(input: Any, k: Any = 1, sorted: bool = True,  # noqa: A002 - TF's names
          index_type: Any = _dtypes.int32, name: Optional[str] = None) -> TopKV2:
    """The ``k`` largest entries of each row (along the last axis) and their positions.

    Returns ``TopKV2(values, indices)``: ``values`` in descending order, ``indices``
    where they were (``index_type``, int32 by default). Among equal values the earlier
    position comes first. The gradient with respect to ``input`` flows to the selected
    elements only (each gets the cotangent of the place it was selected into).

    Args:
        input: a numeric tensor of rank >= 1.
        k: how many entries to keep, ``0 <= k <= input.shape[-1]``.
        sorted: accepted for TensorFlow's signature; the result is always sorted (TF
            allows any order when it is False).
        index_type: ``tf.int32`` or ``tf.int64``.
        name: ignored (TF's graph name).

    Raises:
        InvalidArgumentError: for a scalar or bool input, a negative ``k``, or ``k``
            larger than the last dimension.

    Example:
        >>> import minitf as tf
        >>> from minitf.ops.sorting import top_k
        >>> values, indices = top_k([1, 3, 3, 2, 3], k=3)
        >>> values.numpy(), indices.numpy()
        (array([3, 3, 3], dtype=int32), array([1, 2, 4], dtype=int32))
        >>> x = tf.Variable([1.0, 5.0, 3.0, 4.0])
        >>> with tf.GradientTape() as tape:
        ...     best = top_k(x, k=2).values  # [5, 4]
        ...     y = tf.reduce_sum(best * [10.0, 1.0])
        >>> tape.gradient(y, x).numpy()
        array([ 0., 10.,  0.,  1.], dtype=float32)
    """
    from minitf.ops.elementwise import cast
    x = _checked(input, "top_k")
    if not x._shape:
        raise errors.InvalidArgumentError(
            None, None, f"input must be >= 1-D, got shape {dims_str(x._shape)} [Op:TopKV2]: "
            f"top_k picks along the last axis; pass a vector, e.g. tf.reshape(x, [1]).")
    k_arr = np.asarray(host_array(k) if isinstance(k, Tensor) else k)
    if k_arr.ndim or k_arr.dtype.kind not in "iu":
        raise errors.InvalidArgumentError(
            None, None, f"top_k: k must be a scalar integer, got {k!r} [Op:TopKV2].")
    k = int(k_arr)
    n = x._shape[-1]
    if k < 0:
        raise errors.InvalidArgumentError(None, None, f"Need k >= 0, got {k} [Op:TopKV2].")
    if n is not None and k > n:
        raise errors.InvalidArgumentError(
            None, None, f"input must have at least k columns. Had {n}, needed {k} "
            f"[Op:TopKV2] (input {describe(x)}); choose k <= {n}.")
    index_type = _dtypes.as_dtype(index_type)
    if index_type not in (_dtypes.int32, _dtypes.int64):
        raise TypeError(f"top_k: index_type must be tf.int32 or tf.int64, got {index_type!r}.")
    order = bind1(argsort_p, x, axis=len(x._shape) - 1, descending=True)[..., :k]
    return TopKV2(_take_along_last(x, order), cast(order, index_type))

"""Norms and clipping by norm: ``tf.norm``, ``tf.clip_by_norm``, ``tf.clip_by_global_norm``,
``tf.linalg.global_norm``.

All composed of primitives (square, sum, sqrt, maximum, where), so their gradients come
from the tape like any other op's. The usual use is gradient clipping in a training loop:

    grads = tape.gradient(loss, model.trainable_variables)
    grads, norm = tf.clip_by_global_norm(grads, 5.0)

The L2 norm ``sqrt(sum(t²))`` has no derivative at ``t = 0``; ``clip_by_norm`` uses
``sqrt`` only where the sum is positive (TensorFlow's trick), so a zero tensor passes
through with gradient one instead of NaN.

Example:
    >>> import minitf as tf
    >>> tf.clip_by_norm(tf.constant([3.0, 4.0]), 1.0).numpy()  # norm 5 → 1
    array([0.6, 0.8], dtype=float32)
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from minitf import errors
from minitf.ops import elementwise as ew
from minitf.ops._operands import describe, to_tensor
from minitf.ops.creation import ones_like
from minitf.ops.reduction import reduce_max, reduce_sum
from minitf.ops.shape import squeeze
from minitf.tensor import Tensor, convert_to_tensor

__all__ = ["norm", "clip_by_norm", "clip_by_global_norm", "global_norm"]


def _check_floating(op: str, t: Tensor) -> None:
    if not t.dtype.is_floating:
        raise errors.InvalidArgumentError(
            None, None, f"{op} expects floating-point tensors (a norm needs a square root), "
            f"got {describe(t)}; cast it first, e.g. tf.cast(t, tf.float32).")


def _axes(axis: Any, rank: int) -> Optional[tuple]:
    if axis is None:
        return None
    axes = tuple(int(a) for a in (axis if isinstance(axis, (list, tuple)) else [axis]))
    if len(axes) not in (1, 2) or any(not -rank <= a < rank for a in axes) or (
            len(axes) == 2 and axes[0] % rank == axes[1] % rank):
        raise ValueError(f"norm: 'axis' must be None, an integer, or a pair of distinct "
                         f"axes of a rank-{rank} tensor, got {axis!r}.")
    return tuple(a % rank for a in axes)


def norm(tensor: Any, ord: Any = "euclidean", axis: Any = None,  # noqa: A002 - TF's name
         keepdims: Optional[bool] = None, name: Optional[str] = None) -> Tensor:
    """A vector norm (over all elements, or one axis) or a matrix norm (over two axes).

    Vector norms: ``'euclidean'`` (or 2), 1, ``np.inf`` and any ``p > 0`` (``(Σ|x|ᵖ)^(1/p)``).
    Matrix norms (``axis`` a pair): ``'fro'``/``'euclidean'``, 1 (largest column sum of
    ``|x|``) and ``np.inf`` (largest row sum). The spectral norm (``ord=2`` on a matrix)
    needs a singular value decomposition, which minitf does not have.

    Raises:
        ValueError: for an unsupported ``ord`` (the message lists the supported ones).
        InvalidArgumentError: for integer tensors.

    Example:
        >>> import numpy as np
        >>> import minitf as tf
        >>> x = tf.constant([[3.0, -4.0], [1.0, 2.0]])
        >>> float(tf.norm(x[0])), tf.norm(x, axis=1).numpy(), float(tf.norm(x, ord=np.inf))
        (5.0, array([5.      , 2.236068], dtype=float32), 4.0)
    """
    import math
    x = to_tensor(tensor)
    _check_floating("norm", x)
    axes = _axes(axis, len(x.shape))
    keep = bool(keepdims)
    matrix = axes is not None and len(axes) == 2
    if ord in ("euclidean", "fro") or (ord == 2 and not matrix):
        if ord == "fro" and not matrix:
            raise ValueError("norm: 'ord' must be a supported vector norm, got fro ('fro' is "
                             "for matrices: pass axis=[-2, -1]).")
        return ew.sqrt(reduce_sum(ew.square(x), axes, keepdims=keep))
    if matrix and ord in (1, math.inf):
        # ord=1: sum |x| down each column (axes[0]), then the largest; inf: across rows.
        first, second = (axes[0], axes[1]) if ord == 1 else (axes[1], axes[0])
        sums = reduce_sum(ew.abs(x), first, keepdims=True)
        out = reduce_max(sums, second, keepdims=True)
        return out if keep else squeeze(out, list(axes))
    if not matrix and isinstance(ord, (int, float)) and not isinstance(ord, bool) and ord > 0:
        if ord == math.inf:
            return reduce_max(ew.abs(x), axes, keepdims=keep)
        if ord == 1:
            return reduce_sum(ew.abs(x), axes, keepdims=keep)
        p = float(ord)
        return ew.pow(reduce_sum(ew.pow(ew.abs(x), p), axes, keepdims=keep), 1.0 / p)
    kind = "matrix" if matrix else "vector"
    allowed = "'fro', 'euclidean', 1, np.inf" if matrix else "'euclidean', 1, 2, np.inf or p > 0"
    raise ValueError(f"norm: 'ord' must be a supported {kind} norm ({allowed}), got {ord!r}.")


def clip_by_norm(t: Any, clip_norm: Any, axes: Any = None, name: Optional[str] = None) -> Tensor:
    """Rescales ``t`` so that its L2 norm (over ``axes``) is at most ``clip_norm``.

    ``t * clip_norm / max(norm(t), clip_norm)``: unchanged when the norm is within the
    bound, otherwise scaled down to it. With ``axes``, each slice is clipped on its own.

    Args:
        t: a floating-point tensor.
        clip_norm: the largest norm (a scalar, or a tensor broadcasting against the
            norms); a negative value is treated as 0.
        axes: the axes the norm is taken over (default: all).
        name: ignored (TF's graph name).

    Raises:
        InvalidArgumentError: for an integer or bool ``t``.

    Example:
        >>> import minitf as tf
        >>> rows = tf.constant([[3.0, 4.0], [0.3, 0.4]])
        >>> tf.clip_by_norm(rows, 1.0, axes=[1]).numpy()  # row norms 5 and 0.5
        array([[0.6, 0.8],
               [0.3, 0.4]], dtype=float32)
    """
    t = to_tensor(t)
    _check_floating("clip_by_norm", t)
    clip_norm = ew.maximum(convert_to_tensor(clip_norm, t.dtype), 0.0)
    sum_sq = reduce_sum(ew.square(t), axes, keepdims=True)
    positive = ew.greater(sum_sq, 0.0)
    # sqrt only where the sum is positive: at 0 its derivative would be infinite.
    norm = ew.where(positive, ew.sqrt(ew.where(positive, sum_sq, ones_like(sum_sq))), sum_sq)
    return ew.truediv(ew.multiply(t, clip_norm), ew.maximum(norm, clip_norm))


def _as_list(t_list: Any, op: str) -> list:
    if isinstance(t_list, (Tensor, str, bytes)) or not isinstance(t_list, Sequence):
        raise TypeError(f"{op}: `t_list` should be a sequence of tensors (a list or tuple), "
                        f"got {type(t_list).__name__}. Wrap a single tensor: [t].")
    return [None if t is None else to_tensor(t) for t in t_list]


def global_norm(t_list: Sequence[Any], name: Optional[str] = None) -> Tensor:
    """The L2 norm of all the tensors together: ``sqrt(sum of sum(t²))``; None entries skipped.

    Raises:
        TypeError: if ``t_list`` is not a list or tuple.

    Example:
        >>> import minitf as tf
        >>> float(tf.linalg.global_norm([tf.constant([3.0]), tf.constant([4.0])]))
        5.0
    """
    tensors = [t for t in _as_list(t_list, "global_norm") if t is not None]
    if not tensors:
        return convert_to_tensor(0.0)
    for t in tensors:
        _check_floating("global_norm", t)
    dtype = tensors[0].dtype
    total = None
    for t in tensors:
        part = ew.cast(reduce_sum(ew.square(t)), dtype)
        total = part if total is None else ew.add(total, part)
    return ew.sqrt(total)


def clip_by_global_norm(t_list: Sequence[Any], clip_norm: Any, use_norm: Any = None,
                        name: Optional[str] = None) -> tuple:
    """Scales every tensor by one factor so that their global norm is at most ``clip_norm``.

    Returns ``(clipped_list, global_norm)``; None entries stay None. The factor is
    ``clip_norm / max(global_norm, clip_norm)``; an infinite or NaN norm gives NaN values
    (as in TensorFlow), so a diverged step is visible rather than silently rescaled.

    Args:
        t_list: a list or tuple of floating-point tensors (or None).
        clip_norm: the largest global norm.
        use_norm: the global norm, if already computed.
        name: ignored (TF's graph name).

    Example:
        >>> import minitf as tf
        >>> clipped, norm = tf.clip_by_global_norm([tf.constant([3.0, 0.0]), None,
        ...                                         tf.constant([4.0])], 1.0)
        >>> [None if c is None else c.numpy().tolist() for c in clipped], float(norm)
        ([[0.6000000238418579, 0.0], None, [0.800000011920929]], 5.0)
    """
    tensors = _as_list(t_list, "clip_by_global_norm")
    norm = global_norm(tensors) if use_norm is None else to_tensor(use_norm)
    clip_norm = convert_to_tensor(clip_norm, norm.dtype)
    # (norm - norm) is 0 for a finite norm and NaN for inf/NaN: TF's way of poisoning.
    scale = ew.add(ew.truediv(clip_norm, ew.maximum(norm, clip_norm)), ew.subtract(norm, norm))
    clipped = [None if t is None else ew.multiply(t, ew.cast(scale, t.dtype)) for t in tensors]
    return clipped, norm

"""Moving elements around: ``tf.reverse``, ``tf.roll``, ``tf.repeat``, ``tf.gather_nd``,
``tf.sequence_mask`` and ``tf.ensure_shape``.

All but ``ensure_shape`` are composed, so gradients come from the ops they use: a slice
with step -1 (``reverse``), one ``gather`` per axis (``roll`` reads ``(i - shift) mod n``,
``repeat`` reads ``0, 0, 1, 1, 1...``; copies sum their cotangents), a gather at flattened
positions (``gather_nd``), a comparison with ``range(maxlen)`` (``sequence_mask``).
``ensure_shape`` is a primitive: in a graph it checks, when the graph runs, the sizes
unknown while tracing, and tells the tracer the sizes it guarantees.

Example:
    >>> import minitf as tf
    >>> from minitf.ops.rearrange import reverse, roll, repeat
    >>> x = tf.constant([0, 1, 2, 3, 4])
    >>> reverse(x, [0]).numpy(), roll(x, shift=2, axis=0).numpy()
    (array([4, 3, 2, 1, 0], dtype=int32), array([3, 4, 0, 1, 2], dtype=int32))
    >>> repeat(tf.constant([1, 2]), repeats=[2, 3], axis=0).numpy()
    array([1, 1, 2, 2, 2], dtype=int32)
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf import errors
from minitf.core.interpreters import bind1
from minitf.core.primitive import Primitive
from minitf.core.spec import TensorShape, TensorSpec
from minitf.ops import elementwise as ew
from minitf.ops._operands import describe, dims_str, to_tensor
from minitf.ops.creation import range as _range
from minitf.ops.indexing import gather, getitem
from minitf.ops.shape import expand_dims, reshape
from minitf.tensor import Tensor, convert_to_tensor, host_array

__all__ = ["reverse", "roll", "repeat", "sequence_mask", "gather_nd", "ensure_shape"]


def _invalid(message: str) -> errors.InvalidArgumentError:
    return errors.InvalidArgumentError(None, None, message)


def _known(value: Any, what: str, op: str) -> np.ndarray:
    """A tensor-or-Python argument as a host array; a symbolic tensor cannot be one."""
    if isinstance(value, Tensor):
        if value._value is None:
            raise TypeError(f"{op}: {what} must be known when the function is traced, got a "
                            f"symbolic tensor; pass a Python value or compute it outside.")
        return host_array(value)
    return np.asarray(value)


def _int_list(value: Any, what: str, op: str, vector: bool = False) -> list:
    """A scalar or 1-D (``vector``: only 1-D) integer argument as a list of ints."""
    arr = _known(value, what, op)
    if arr.ndim > 1 or vector and arr.ndim == 0:
        raise _invalid(f"{op}: {what} must be a {'' if vector else 'scalar or a '}1-D vector "
                       f"(a list), not of shape {dims_str(arr.shape)}.")
    if arr.size and arr.dtype.kind not in "iu":
        raise _invalid(f"{op}: {what} must be integers, got {arr.tolist()!r}.")
    return [int(v) for v in arr.reshape(-1)]


def _static_size(x: Tensor, axis: int, op: str) -> int:
    if x._shape[axis] is None:
        raise ValueError(f"{op}: the size of axis {axis} must be known when tracing, got "
                         f"{dims_str(x._shape)}; give the tf.function an input_signature "
                         f"with that size.")
    return x._shape[axis]


def reverse(tensor: Any, axis: Any, name: Optional[str] = None) -> Tensor:
    """Reverses ``tensor`` along each axis in the list ``axis`` (``[]`` changes nothing).

    Raises:
        InvalidArgumentError: when ``axis`` is not a list, repeats an axis, or names an
            axis out of range.

    Example:
        >>> import minitf as tf
        >>> from minitf.ops.rearrange import reverse
        >>> reverse(tf.constant([[1, 2, 3], [4, 5, 6]]), [-1]).numpy()
        array([[3, 2, 1],
               [6, 5, 4]], dtype=int32)
    """
    x = to_tensor(tensor)
    rank = len(x._shape)
    axes: set = set()
    for i, a in enumerate(_int_list(axis, "axis", "reverse", vector=True)):
        if not -rank <= a < rank:
            raise _invalid(f"'axis'[{i}] = {a} is out of valid range [{-rank}, {rank}) "
                           f"[Op:ReverseV2] for a tensor with {describe(x)}.")
        if a % rank in axes:
            raise _invalid(f"axis {a % rank} specified more than once. [Op:ReverseV2] "
                           f"Reversing an axis twice would undo it: list each axis once.")
        axes.add(a % rank)
    if not axes:
        return x
    return getitem(x, tuple(slice(None, None, -1) if d in axes else slice(None)
                            for d in range(rank)))


def roll(input: Any, shift: Any, axis: Any, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Rolls elements ``shift`` places along ``axis``; those pushed off one end come back
    at the other. ``shift`` and ``axis`` are ints or equal-length lists (known when
    tracing); shifts of one axis add up.

    Raises:
        InvalidArgumentError: for a scalar input, ``shift`` and ``axis`` of different
            lengths, non-integer shifts, or an axis out of range.

    Example:
        >>> import minitf as tf
        >>> from minitf.ops.rearrange import roll
        >>> x = tf.constant([[1, 2, 3], [4, 5, 6]])
        >>> roll(x, shift=[1, -1], axis=[0, 1]).numpy()
        array([[5, 6, 4],
               [2, 3, 1]], dtype=int32)
    """
    x = to_tensor(input)
    rank = len(x._shape)
    if rank == 0:
        raise _invalid("input must be 1-D or higher [Op:Roll]: a scalar has no axis to roll.")
    shifts, axes = _int_list(shift, "shift", "roll"), _int_list(axis, "axis", "roll")
    if len(shifts) != len(axes):
        raise _invalid(f"shift and axis must have the same size [Op:Roll]: got "
                       f"{len(shifts)} shift(s) for {len(axes)} axis/axes.")
    total: dict = {}  # axis -> summed shift
    for s, a in zip(shifts, axes):
        if not -rank <= a < rank:
            raise _invalid(f"axis {a} is out of range [Op:Roll] for a tensor with "
                           f"{describe(x)}; axes must lie in [{-rank}, {rank}).")
        total[a % rank] = total.get(a % rank, 0) + s
    for a, s in sorted(total.items()):
        n = _static_size(x, a, "roll")
        if n and s % n:  # (an empty axis, or whole turns, move nothing)
            x = gather(x, ew.floormod(ew.subtract(_range(n), s % n), n), axis=a)
    return x


def repeat(input: Any, repeats: Any, axis: Optional[int] = None,  # noqa: A002
           name: Optional[str] = None) -> Tensor:
    """Repeats each element (``axis=None``: of the flattened input) or each slice along
    ``axis``; ``repeats`` is one count for all, or one per slice. As in TensorFlow, a
    negative count in a list counts as 0.

    Raises:
        ValueError: for an axis out of range, or a wrong number of counts.
        TypeError: for non-integer counts.
        InvalidArgumentError: for a negative scalar count.

    Example:
        >>> import minitf as tf
        >>> from minitf.ops.rearrange import repeat
        >>> x = tf.constant([[1, 2], [3, 4]])
        >>> repeat(x, repeats=2).numpy()
        array([1, 1, 2, 2, 3, 3, 4, 4], dtype=int32)
        >>> repeat(x, repeats=[0, 2], axis=1).numpy()
        array([[2, 2],
               [4, 4]], dtype=int32)
    """
    x = to_tensor(input)
    if axis is None or not x._shape:
        x = reshape(x, [-1])  # (a scalar is repeated as a vector, as in TensorFlow)
        axis = 0 if axis is None else axis
    rank = len(x._shape)
    if not -rank <= int(axis) < rank:
        raise ValueError(f"repeat: axis={axis} out of bounds: expected {-rank}<=axis<{rank} "
                         f"for a tensor with {describe(x)}.")
    axis = int(axis) % rank
    counts = _known(repeats, "repeats", "repeat")
    if counts.dtype.kind not in "iu" and counts.size:  # ([] is a float64 array to NumPy)
        raise TypeError(f"repeat: `repeats` must be of type integer, got {counts.tolist()!r} "
                        f"of dtype {counts.dtype}.")
    if counts.ndim == 0 and counts < 0:
        raise _invalid(f"repeat: repeats must be >= 0, got {int(counts)} (a count of copies).")
    n = _static_size(x, axis, "repeat")
    if counts.ndim > 1 or counts.ndim == 1 and counts.size not in (1, n):
        raise ValueError(f"repeat: `repeats` of shape {counts.shape} does not fit: axis {axis} "
                         f"of {describe(x)} has {n} slices, so give one count or {n}.")
    counts = np.maximum(np.broadcast_to(counts, (n,)), 0).astype(np.int64)
    positions = np.repeat(np.arange(n), counts)
    return gather(x, convert_to_tensor(positions.astype(np.int32)), axis=axis)


def sequence_mask(lengths: Any, maxlen: Any = None, dtype: Any = _dtypes.bool,
                  name: Optional[str] = None) -> Tensor:
    """``mask[..., j] = j < lengths[...]``, of shape ``lengths.shape + [maxlen]``.

    ``maxlen`` defaults to the largest length; it (or, then, ``lengths``) must be known
    when tracing. As in TensorFlow the comparison is in ``maxlen``'s dtype: float lengths
    against an integer ``maxlen`` are truncated toward zero.

    Raises:
        ValueError: for a non-scalar ``maxlen``.
        InvalidArgumentError: for a negative ``maxlen``, or bool lengths.

    Example:
        >>> import minitf as tf
        >>> from minitf.ops.rearrange import sequence_mask
        >>> sequence_mask([1, 3, 2], 4).numpy()
        array([[ True, False, False, False],
               [ True,  True,  True, False],
               [ True,  True, False, False]])
    """
    lengths = to_tensor(lengths)
    if lengths._dtype._kind not in "fiu":
        raise _invalid(f"sequence_mask: lengths must be numbers, got {describe(lengths)}.")
    if maxlen is None:  # the longest length, at least 0 (also for no lengths at all)
        values = _known(lengths, "lengths (when maxlen is not given)", "sequence_mask")
        limit = np.maximum(values.max(), 0) if values.size else values.dtype.type(0)
        kind = lengths._dtype
    else:
        maxlen = to_tensor(maxlen)
        limit, kind = _known(maxlen, "maxlen", "sequence_mask"), maxlen._dtype
        if limit.ndim:
            raise ValueError(f"Argument `maxlen` must be scalar for sequence_mask, received "
                             f"`maxlen` = {limit.tolist()} with shape '{limit.shape}' instead")
        if limit < 0:
            raise _invalid(f"sequence_mask: maxlen must be >= 0, got {limit} (the number of "
                           f"steps in the mask) [Op:Range].")
    mask = ew.less(_range(limit, dtype=kind), expand_dims(ew.cast(lengths, kind), -1))
    return ew.cast(mask, dtype)


def gather_nd(params: Any, indices: Any, batch_dims: int = 0, name: Optional[str] = None,
              bad_indices_policy: str = "") -> Tensor:
    """Picks elements (or slices) of ``params`` at the index tuples ``indices[..., :]``.

    A tuple of ``d`` coordinates indexes the first ``d`` axes, so the result has shape
    ``indices.shape[:-1] + params.shape[d:]``. Differentiable with respect to ``params``:
    the gradient scatter-adds the cotangent (an element picked twice gets both).
    Out-of-range tuples raise ``InvalidArgumentError``, as TensorFlow on the CPU (inside
    ``tf.function``: when the graph runs, with ``gather``'s message).

    Raises:
        InvalidArgumentError: for out-of-range or non-integer indices, a scalar
            ``indices`` or ``params``, or tuples longer than ``params``' rank.
        NotImplementedError: for ``batch_dims != 0``.

    Example:
        >>> import minitf as tf
        >>> from minitf.ops.rearrange import gather_nd
        >>> p = tf.constant([[1, 2], [3, 4]])
        >>> gather_nd(p, [[0, 0], [1, 1]]).numpy()  # elements
        array([1, 4], dtype=int32)
        >>> gather_nd(p, [[1], [0]]).numpy()  # rows
        array([[3, 4],
               [1, 2]], dtype=int32)
    """
    from minitf.ops.reduction import reduce_all, reduce_sum
    if batch_dims:
        raise NotImplementedError("tf.gather_nd batch_dims != 0 is not implemented in minitf.")
    params, indices = to_tensor(params), to_tensor(indices)
    if indices._dtype not in (_dtypes.int16, _dtypes.int32, _dtypes.int64):
        raise _invalid(f"gather_nd: indices must be int16, int32 or int64, got "
                       f"{describe(indices)} [Op:GatherNd]; cast them with tf.cast.")
    for t, what in ((indices, "indices"), (params, "params")):
        if not t._shape:
            raise _invalid(f"{what} must be at least a vector [Op:GatherNd], got a scalar.")
    d = indices._shape[-1]
    if d is None or None in params._shape[:d]:
        raise ValueError(f"gather_nd: the last size of indices {dims_str(indices._shape)} "
                         f"and the sizes of params {dims_str(params._shape)} it indexes must "
                         f"be known when tracing.")
    if d > len(params._shape):
        raise _invalid(f"index innermost dimension length must be <= params rank; saw: {d} "
                       f"vs. {len(params._shape)} [Op:GatherNd]: a tuple has one coordinate "
                       f"per axis of params {dims_str(params._shape)}, at most.")
    head, tail = params._shape[:d], params._shape[d:]
    if d and indices._value is not None:  # known indices: TF's message, naming a bad tuple
        tuples = host_array(indices).reshape(-1, d)
        bad = np.argwhere(((tuples < 0) | (tuples >= np.array(head))).any(axis=1))
        if bad.size:
            raise _invalid(f"indices[{bad[0, 0]}] = {tuples[bad[0, 0]].tolist()} does not index "
                           f"into param shape {dims_str(params._shape)} [Op:GatherNd]: "
                           f"coordinate i must lie in [0, shape[i]).")
    coords = ew.cast(indices, _dtypes.int64)
    # Row-major strides of the indexed axes: tuple (i, j, k) is position i·s0 + j·s1 + k.
    strides = np.array([math.prod(head[i + 1:]) for i in range(d)], np.int64)
    flat_index = reduce_sum(ew.multiply(coords, strides), -1)
    if d and indices._value is None:
        # In a graph, a bad tuple goes to position -1, which gather refuses when it runs
        # (rather than reading a neighbouring element).
        inside = ew.logical_and(ew.greater_equal(coords, 0),
                                ew.less(coords, np.array(head, np.int64)))
        flat_index = ew.where(reduce_all(inside, -1), flat_index, np.int64(-1))
    flat_params = reshape(params, [math.prod(head)] + [-1 if s is None else s for s in tail])
    return gather(flat_params, flat_index, axis=0)


ensure_shape_p = Primitive("ensure_shape")
ensure_shape_p.dtype_kinds = None  # any dtype


def _compatible(actual: tuple, expected: tuple) -> bool:
    return len(actual) == len(expected) and all(
        a is None or e is None or a == e for a, e in zip(actual, expected))


def _mismatch(actual: tuple, expected: tuple) -> errors.InvalidArgumentError:
    return _invalid(f"Shape of tensor x {dims_str(actual)} is not compatible with expected "
                    f"shape {dims_str(expected)}. [Op:EnsureShape] (A ? (None) in the "
                    f"expected shape accepts any size.)")


@ensure_shape_p.def_abstract_eval
def _ensure_shape_abstract(x: TensorSpec, *, shape: tuple) -> TensorSpec:
    dims = x.shape._dims
    if not _compatible(dims, tuple(shape)):  # already wrong while tracing: TF's ValueError
        raise ValueError(f"ensure_shape: the tensor's shape {dims_str(dims)} is not "
                         f"compatible with the expected shape {dims_str(shape)}.")
    # The tracer learns every size that the check will guarantee.
    return TensorSpec._make(tuple(a if e is None else e for a, e in zip(dims, shape)), x.dtype)


@ensure_shape_p.def_impl("numpy")
def _ensure_shape_numpy(x: np.ndarray, *, shape: tuple) -> np.ndarray:
    if not _compatible(np.shape(x), tuple(shape)):
        raise _mismatch(np.shape(x), tuple(shape))
    return x


ensure_shape_p.def_vjp(lambda g, x, *, out, shape: (g,))


def ensure_shape(x: Any, shape: Any, name: Optional[str] = None) -> Tensor:
    """Returns ``x`` after checking that its shape is compatible with ``shape``.

    ``None`` in ``shape`` accepts any size (``shape=None``: any rank). Inside
    ``tf.function`` sizes unknown when tracing are checked when the graph runs, and the
    traced tensor gets the sizes ``shape`` names.

    Raises:
        InvalidArgumentError: when the shapes differ (eagerly, or when the graph runs).
        ValueError: when they differ while tracing, or for a negative size.

    Example:
        >>> import minitf as tf
        >>> from minitf.ops.rearrange import ensure_shape
        >>> ensure_shape(tf.zeros([2, 3]), [2, None]).shape
        TensorShape([2, 3])
        >>> ensure_shape(tf.zeros([2, 3]), [3, None])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        minitf.errors.InvalidArgumentError: Shape of tensor x [2,3] is not compatible with ...
    """
    x = to_tensor(x)
    expected = TensorShape(shape).as_tuple()
    if expected is None or (None not in x._shape and _compatible(x._shape, expected)):
        return x  # nothing is left to check
    if x._value is not None:  # eager, and the shapes differ
        raise _mismatch(x._shape, expected)
    return bind1(ensure_shape_p, x, shape=expected)

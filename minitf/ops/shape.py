"""Shape primitives: ``broadcast_to``, ``reshape``, ``transpose``, ``expand_dims``,
``squeeze``, ``concat``, ``split``, ``tile``, ``pad``, ``shape``; plus ``stack``,
``unstack``, ``identity`` and ``stop_gradient``.

These move data without computing on it, so their VJPs are other shape ops: the
gradient of a ``reshape`` is a ``reshape`` back, of a ``concat`` a ``split``, of a
``broadcast_to`` a ``reduce_sum`` over the broadcast axes.

Example:
    >>> import minitf as tf
    >>> x = tf.constant([[1, 2, 3], [4, 5, 6]])
    >>> tf.reshape(x, [3, -1]).shape
    TensorShape([3, 2])
    >>> tf.concat([x, x], axis=0).shape
    TensorShape([4, 3])
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from minitf import dtypes as _dtypes
from minitf import errors
from minitf.core.interpreters import bind, bind1
from minitf.core.primitive import NOT_DIFFERENTIABLE, Primitive
from minitf.core.spec import TensorSpec, shape_str
from minitf.ops._operands import describe, dims_str, to_tensor
from minitf.tensor import Tensor, host_array


def _static_ints(value: Any, what: str) -> tuple:
    """A shape/perm/multiples argument as a tuple of Python ints."""
    if isinstance(value, Tensor):
        if value._value is None:
            raise TypeError(f"{what} must be known when the function is traced; got a "
                            f"symbolic tensor. Pass a Python list, or use x.shape.")
        value = host_array(value).tolist()
    if hasattr(value, "as_list"):
        value = value.as_list()
    if isinstance(value, (int, np.integer)):
        return (int(value),)
    return tuple(-1 if v is None else int(v) for v in value)


def _prod(dims: Sequence) -> int:
    n = 1
    for d in dims:
        n *= d
    return n


# ---------------------------------------------------------------------------------------
# broadcast_to
# ---------------------------------------------------------------------------------------
broadcast_to_p = Primitive("broadcast_to")


@broadcast_to_p.def_abstract_eval
def _broadcast_to_abstract(x: TensorSpec, *refs: TensorSpec, shape: tuple) -> TensorSpec:
    return TensorSpec._make(tuple(shape), x.dtype)


@broadcast_to_p.def_impl("numpy")
def _broadcast_to_numpy(x: np.ndarray, *refs: np.ndarray, shape: tuple) -> np.ndarray:
    # `refs` only exist in graphs with unknown (None) sizes: they supply those at run time.
    if refs:
        shape = np.broadcast_shapes(x.shape, *(r.shape for r in refs))
    shape = tuple(shape)
    if x.shape == shape:
        return x
    # np.broadcast_to costs ~4 µs; building the strided view directly costs ~0.5 µs.
    # New leading axes and size-1 axes get stride 0: every index reads the same element.
    if isinstance(x, np.ndarray) and x.flags.c_contiguous:
        lead = len(shape) - x.ndim
        strides = (0,) * lead + tuple(0 if xd == 1 and sd != 1 else st for xd, sd, st in
                                      zip(x.shape, shape[lead:], x.strides))
        return np.ndarray(shape, x.dtype, x, 0, strides)
    return np.broadcast_to(x, shape)


@broadcast_to_p.def_vjp
def _broadcast_to_vjp(g: Tensor, x: Tensor, *refs: Tensor, out: Tensor, shape: tuple) -> tuple:
    return (sum_to(g, x._shape),) + (None,) * len(refs)


def sum_to(g: Tensor, shape: tuple) -> Tensor:
    """Sums ``g`` down to ``shape``: the adjoint of broadcasting ``shape`` up to ``g``'s.

    The axes are known statically (new leading axes, and axes where ``shape`` has 1 and
    ``g`` has not), even in graphs with unknown sizes.
    """
    # BEGIN SOLUTION autodiff: broadcast_to's VJP, sum g to shape; spec: tests/test_gradients.py
    from minitf.ops.reduction import sum_p
    gshape = g._shape
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, d in enumerate(shape) if d == 1 and gshape[lead + i] != 1)
    if not axes:
        return g
    total = bind1(sum_p, g, axis=axes, keepdims=True)
    if lead:
        total = bind1(reshape_p, total, shape=tuple(-1 if d is None else d for d in shape)) \
            if shape.count(None) <= 1 else bind1(squeeze_p, total, axis=tuple(range(lead)))
    return total
    # END SOLUTION


def broadcast_to(input: Any, shape: Any, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Broadcasts ``input`` to ``shape`` (NumPy rules).

    Example:
        >>> import minitf as tf
        >>> tf.broadcast_to(tf.constant([1, 2]), [2, 2]).numpy()
        array([[1, 2],
               [1, 2]], dtype=int32)
    """
    from minitf.ops._operands import broadcast_shapes
    x = to_tensor(input)
    target = _static_ints(shape, "shape")
    out = broadcast_shapes(x._shape, target, "BroadcastTo")
    if out != target:
        raise errors.InvalidArgumentError(
            None, None, f"Unable to broadcast tensor of shape {dims_str(x._shape)} to tensor "
            f"of shape {dims_str(target)} [Op:BroadcastTo]: each size must be equal or 1.")
    if x._shape == target:
        return x
    return bind1(broadcast_to_p, x, shape=target)


# ---------------------------------------------------------------------------------------
# reshape, transpose, expand_dims, squeeze
# ---------------------------------------------------------------------------------------
reshape_p = Primitive("reshape")


def _resolve_reshape(in_shape: tuple, shape: tuple) -> tuple:
    # BEGIN SOLUTION tensors: reshape's shape, resolving one -1; spec: tests/test_ops_forward.py
    if None in in_shape:
        return tuple(None if d == -1 else d for d in shape)
    known = _prod(d for d in shape if d != -1)
    total = _prod(in_shape)
    if shape.count(-1) == 1:
        if known == 0 or total % known:
            raise errors.InvalidArgumentError(
                None, None,
                f"Input to reshape is a tensor with {total} values, but the requested shape "
                f"requires a multiple of {known} [Op:Reshape]. Check the -1 dimension.")
        return tuple(total // known if d == -1 else d for d in shape)
    if known != total:
        raise errors.InvalidArgumentError(
            None, None,
            f"Input to reshape is a tensor with {total} values, but the requested shape has "
            f"{known} [Op:Reshape]. The sizes of {dims_str(in_shape)} and {dims_str(shape)} "
            f"must multiply to the same number.")
    return shape
    # END SOLUTION


@reshape_p.def_abstract_eval
def _reshape_abstract(x: TensorSpec, *, shape: tuple) -> TensorSpec:
    return TensorSpec._make(_resolve_reshape(x.shape._dims, tuple(shape)), x.dtype)


@reshape_p.def_impl("numpy")
def _reshape_numpy(x: np.ndarray, *, shape: tuple) -> np.ndarray:
    return np.reshape(x, shape)


@reshape_p.def_vjp
def _reshape_vjp(g: Tensor, x: Tensor, *, out: Tensor, shape: tuple) -> tuple:
    xs = x._shape
    if xs.count(None) > 1:
        raise NotImplementedError("reshape gradient with several unknown sizes")
    return (bind1(reshape_p, g, shape=tuple(-1 if d is None else d for d in xs)),)


def reshape(tensor: Any, shape: Any, name: Optional[str] = None) -> Tensor:
    """Gives ``tensor`` a new shape with the same number of elements; one size may be -1.

    Example:
        >>> import minitf as tf
        >>> tf.reshape(tf.range(6), [2, -1]).numpy()
        array([[0, 1, 2],
               [3, 4, 5]], dtype=int32)
    """
    x = to_tensor(tensor)
    shape = _static_ints(shape, "shape")
    if shape.count(-1) > 1:
        raise errors.InvalidArgumentError(
            None, None, f"reshape: only one input size may be -1, not {shape.count(-1)} "
            f"(shape {list(shape)}).")
    resolved = _resolve_reshape(x._shape, shape)
    if resolved == x._shape and None not in resolved:
        return x
    return bind1(reshape_p, x, shape=shape if None in x._shape else resolved)


transpose_p = Primitive("transpose")


@transpose_p.def_abstract_eval
def _transpose_abstract(x: TensorSpec, *, perm: tuple) -> TensorSpec:
    return TensorSpec._make(tuple(x.shape._dims[p] for p in perm), x.dtype)


@transpose_p.def_impl("numpy")
def _transpose_numpy(x: np.ndarray, *, perm: tuple) -> np.ndarray:
    return np.transpose(x, perm)


@transpose_p.def_vjp
def _transpose_vjp(g: Tensor, x: Tensor, *, out: Tensor, perm: tuple) -> tuple:
    return (bind1(transpose_p, g, perm=tuple(int(i) for i in np.argsort(perm))),)


def transpose(a: Any, perm: Any = None, conjugate: bool = False,
              name: Optional[str] = None) -> Tensor:
    """Permutes dimensions; the default reverses them (a matrix transpose for rank 2).

    Example:
        >>> import minitf as tf
        >>> tf.transpose(tf.constant([[1, 2, 3]])).shape
        TensorShape([3, 1])
    """
    x = to_tensor(a)
    rank = len(x._shape)
    perm = tuple(range(rank - 1, -1, -1)) if perm is None else _static_ints(perm, "perm")
    if sorted(p % rank if rank else p for p in perm) != list(range(rank)):
        raise errors.InvalidArgumentError(
            None, None, f"transpose expects perm to be a permutation of 0..{rank - 1}, got "
            f"{list(perm)} for {describe(x)}.")
    perm = tuple(p % rank for p in perm)
    if perm == tuple(range(rank)):
        return x
    return bind1(transpose_p, x, perm=perm)


expand_dims_p = Primitive("expand_dims")


@expand_dims_p.def_abstract_eval
def _expand_dims_abstract(x: TensorSpec, *, axis: int) -> TensorSpec:
    dims = list(x.shape._dims)
    dims.insert(axis, 1)
    return TensorSpec._make(tuple(dims), x.dtype)


@expand_dims_p.def_impl("numpy")
def _expand_dims_numpy(x: np.ndarray, *, axis: int) -> np.ndarray:
    # A reshape is the same view as np.expand_dims at a tenth of the call cost.
    shape = x.shape
    return x.reshape(shape[:axis] + (1,) + shape[axis:])


@expand_dims_p.def_vjp
def _expand_dims_vjp(g: Tensor, x: Tensor, *, out: Tensor, axis: int) -> tuple:
    return (bind1(squeeze_p, g, axis=(axis,)),)


def expand_dims(input: Any, axis: int, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Inserts a size-1 dimension at ``axis`` (negative counts from the end).

    Example:
        >>> import minitf as tf
        >>> tf.expand_dims(tf.constant([1, 2]), -1).shape
        TensorShape([2, 1])
    """
    x = to_tensor(input)
    rank = len(x._shape)
    axis = int(axis)
    if not -rank - 1 <= axis <= rank:
        raise errors.InvalidArgumentError(
            None, None, f"expand_dims: axis {axis} is out of range for a tensor of rank "
            f"{rank}; it must lie in [{-rank - 1}, {rank}].")
    return bind1(expand_dims_p, x, axis=axis % (rank + 1))


squeeze_p = Primitive("squeeze")


@squeeze_p.def_abstract_eval
def _squeeze_abstract(x: TensorSpec, *, axis: tuple) -> TensorSpec:
    return TensorSpec._make(tuple(d for i, d in enumerate(x.shape._dims) if i not in axis),
                            x.dtype)


@squeeze_p.def_impl("numpy")
def _squeeze_numpy(x: np.ndarray, *, axis: tuple) -> np.ndarray:
    # (A reshape, as for expand_dims: the same view, a fraction of np.squeeze's cost.)
    return x.reshape(tuple(d for i, d in enumerate(x.shape) if i not in axis))


@squeeze_p.def_vjp
def _squeeze_vjp(g: Tensor, x: Tensor, *, out: Tensor, axis: tuple) -> tuple:
    for a in sorted(axis):
        g = bind1(expand_dims_p, g, axis=a)
    return (g,)


def squeeze(input: Any, axis: Any = None, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Removes size-1 dimensions (all of them, or those in ``axis``).

    Example:
        >>> import minitf as tf
        >>> tf.squeeze(tf.zeros([1, 3, 1])).shape
        TensorShape([3])
    """
    x = to_tensor(input)
    shape = x._shape
    rank = len(shape)
    if axis is None:
        axes = tuple(i for i, d in enumerate(shape) if d == 1)
    else:
        axes = tuple(sorted({int(a) % rank for a in _static_ints(axis, "axis")}))
        for a in axes:
            if shape[a] not in (1, None):
                raise errors.InvalidArgumentError(
                    None, None, f"Can not squeeze dim[{a}], expected a dimension of 1, got "
                    f"{shape[a]} [Op:Squeeze] for {describe(x)}. Only size-1 dimensions can be "
                    f"removed; leave out axis to remove all of them.")
    if not axes:
        return x
    return bind1(squeeze_p, x, axis=axes)


# ---------------------------------------------------------------------------------------
# concat, split, stack, unstack
# ---------------------------------------------------------------------------------------
concat_p = Primitive("concat")


@concat_p.def_abstract_eval
def _concat_abstract(*xs: TensorSpec, axis: int) -> TensorSpec:
    dims = list(xs[0].shape._dims)
    sizes = [x.shape._dims[axis] for x in xs]
    dims[axis] = None if None in sizes else sum(sizes)
    return TensorSpec._make(tuple(dims), xs[0].dtype)


@concat_p.def_impl("numpy")
def _concat_numpy(*xs: np.ndarray, axis: int) -> np.ndarray:
    return np.concatenate(xs, axis=axis)


@concat_p.def_vjp
def _concat_vjp(g: Tensor, *xs: Tensor, out: Tensor, axis: int) -> tuple:
    sizes = tuple(x._shape[axis] for x in xs)
    if None in sizes:
        raise NotImplementedError("concat gradient needs the concatenated sizes statically")
    return tuple(bind(split_p, g, sizes=sizes, axis=axis))


def concat(values: Sequence[Any], axis: int, name: Optional[str] = None) -> Tensor:
    """Joins tensors along an existing ``axis``.

    Example:
        >>> import minitf as tf
        >>> x = tf.constant([[1., 2., 3.], [4., 5., 6.]])
        >>> tf.concat([x, x], axis=1).shape
        TensorShape([2, 6])
    """
    xs = [to_tensor(v) for v in values]
    if not xs:
        raise ValueError("tf.concat needs at least one tensor.")
    first = xs[0]
    rank = len(first._shape)
    if rank == 0:
        raise errors.InvalidArgumentError(None, None, "Can't concatenate scalars (use tf.stack "
                                          "instead) [Op:ConcatV2]")
    axis = int(axis)
    if not -rank <= axis < rank:
        raise errors.InvalidArgumentError(
            None, None, f"ConcatOp : Expected concatenating dimensions in the range "
            f"[{-rank}, {rank}), but got {axis} [Op:ConcatV2]")
    axis %= rank
    for i, x in enumerate(xs[1:], 1):
        if x._dtype is not first._dtype:
            raise errors.InvalidArgumentError(
                None, None, f"concat: tensor {i} has dtype {x._dtype.name} but tensor 0 has "
                f"{first._dtype.name}; cast them to one dtype first.")
        ok = len(x._shape) == rank and all(
            a == b or a is None or b is None or j == axis
            for j, (a, b) in enumerate(zip(first._shape, x._shape)))
        if not ok:
            raise errors.InvalidArgumentError(
                None, None, f"ConcatOp : Dimension mismatch: shape of tensor {i} "
                f"{dims_str(x._shape)} does not match tensor 0 {dims_str(first._shape)} "
                f"outside axis {axis} [Op:ConcatV2]. Tensors are joined along axis "
                f"{axis} only; every other size must agree (reshape or slice them).")
    if len(xs) == 1:
        return first
    return bind1(concat_p, *xs, axis=axis)


split_p = Primitive("split", multiple_results=True)


@split_p.def_abstract_eval
def _split_abstract(x: TensorSpec, *, sizes: tuple, axis: int) -> list:
    out = []
    for s in sizes:
        dims = list(x.shape._dims)
        dims[axis] = s
        out.append(TensorSpec._make(tuple(dims), x.dtype))
    return out


@split_p.def_impl("numpy")
def _split_numpy(x: np.ndarray, *, sizes: tuple, axis: int) -> list:
    return np.split(x, np.cumsum(sizes)[:-1], axis=axis)


@split_p.def_vjp
def _split_vjp(gs: list, x: Tensor, *, out: list, sizes: tuple, axis: int) -> tuple:
    from minitf.ops.creation import zeros_like
    parts = [g if g is not None else zeros_like(o) for g, o in zip(gs, out)]
    return (bind1(concat_p, *parts, axis=axis),)


def split(value: Any, num_or_size_splits: Any, axis: int = 0, num: Optional[int] = None,
          name: Optional[str] = None) -> list:
    """Splits ``value`` along ``axis`` into equal parts or parts of the given sizes.

    Example:
        >>> import minitf as tf
        >>> [t.shape.as_list() for t in tf.split(tf.zeros([6, 2]), [1, 5])]
        [[1, 2], [5, 2]]
    """
    x = to_tensor(value)
    rank = len(x._shape)
    axis = int(axis) % rank
    total = x._shape[axis]
    if isinstance(num_or_size_splits, (int, np.integer)):
        n = int(num_or_size_splits)
        if total is None or n <= 0 or total % n:
            raise errors.InvalidArgumentError(
                None, None, f"Number of ways to split should evenly divide the split "
                f"dimension, but got split_dim {axis} (size = {total}) and num_split {n} "
                f"[Op:Split]. Pass a number that divides {total}, or a list of sizes "
                f"summing to it.")
        sizes = (total // n,) * n
    else:
        sizes = _static_ints(num_or_size_splits, "num_or_size_splits")
        if -1 in sizes and total is not None:
            rest = total - sum(s for s in sizes if s != -1)
            sizes = tuple(rest if s == -1 else s for s in sizes)
        if total is not None and sum(sizes) != total:
            raise errors.InvalidArgumentError(
                None, None, f"Determined shape must either match input shape along "
                f"split_dim exactly if fully specified, or be less than the size of the "
                f"input along split_dim if not fully specified. Got sizes {list(sizes)} "
                f"for dimension {axis} of size {total} [Op:SplitV]. The sizes must sum to "
                f"{total} (one of them may be -1).")
    return list(bind(split_p, x, sizes=sizes, axis=axis))


def stack(values: Sequence[Any], axis: int = 0, name: Optional[str] = None) -> Tensor:
    """Stacks tensors of one shape along a new ``axis`` (composed: expand_dims + concat).

    Example:
        >>> import minitf as tf
        >>> x = tf.constant([1.0, 2.0])
        >>> tf.stack([x, x**2], axis=1).numpy()
        array([[1., 1.],
               [2., 4.]], dtype=float32)
    """
    xs = [to_tensor(v) for v in values]
    if not xs:
        raise ValueError("tf.stack needs at least one tensor.")
    rank = len(xs[0]._shape)
    axis = int(axis)
    if not -rank - 1 <= axis <= rank:
        raise ValueError(f"Argument `axis` = {axis} not in range [{-rank - 1}, {rank + 1})")
    for i, x in enumerate(xs[1:], 1):
        if x._shape != xs[0]._shape:
            raise errors.InvalidArgumentError(
                None, None, f"Shapes of all inputs must match: values[0].shape = "
                f"{dims_str(xs[0]._shape)} != values[{i}].shape = {dims_str(x._shape)} "
                f"[Op:Pack]. tf.stack needs tensors of one shape; to join along an "
                f"existing axis use tf.concat.")
    axis %= rank + 1
    return concat([bind1(expand_dims_p, x, axis=axis) for x in xs], axis=axis)


def unstack(value: Any, num: Optional[int] = None, axis: int = 0,
            name: Optional[str] = None) -> list:
    """Splits ``value`` along ``axis`` into a list of tensors of one less rank.

    Example:
        >>> import minitf as tf
        >>> [t.numpy().tolist() for t in tf.unstack(tf.constant([[1, 2], [3, 4]]))]
        [[1, 2], [3, 4]]
    """
    x = to_tensor(value)
    rank = len(x._shape)
    if rank == 0:
        raise ValueError("Cannot unstack a scalar: it has no dimension to split along; "
                         "unstack tensors of rank >= 1 (tf.reshape(x, [1]) for one value).")
    axis = int(axis) % rank
    n = x._shape[axis]
    if n is None:
        raise ValueError(f"Cannot infer argument `num` from shape {shape_str(x._shape)}")
    if n == 0:
        return []
    parts = bind(split_p, x, sizes=(1,) * n, axis=axis)
    return [bind1(squeeze_p, p, axis=(axis,)) for p in parts]


# ---------------------------------------------------------------------------------------
# tile, pad
# ---------------------------------------------------------------------------------------
tile_p = Primitive("tile")


@tile_p.def_abstract_eval
def _tile_abstract(x: TensorSpec, *, multiples: tuple) -> TensorSpec:
    return TensorSpec._make(tuple(None if d is None else d * m
                                  for d, m in zip(x.shape._dims, multiples)), x.dtype)


@tile_p.def_impl("numpy")
def _tile_numpy(x: np.ndarray, *, multiples: tuple) -> np.ndarray:
    return np.tile(x, multiples)


@tile_p.def_vjp
def _tile_vjp(g: Tensor, x: Tensor, *, out: Tensor, multiples: tuple) -> tuple:
    # out[m0*d0 + i0, ...] = x[i0, ...]: view g as (m0, d0, m1, d1, ...) and sum the m axes.
    from minitf.ops.reduction import sum_p
    dims = x._shape
    if None in dims:
        raise NotImplementedError("tile gradient needs static sizes")
    split_shape = tuple(v for m, d in zip(multiples, dims) for v in (m, d))
    g = bind1(reshape_p, g, shape=split_shape)
    g = bind1(sum_p, g, axis=tuple(range(0, 2 * len(dims), 2)), keepdims=False)
    return (g,)


def tile(input: Any, multiples: Any, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Repeats ``input`` ``multiples[i]`` times along each axis.

    Example:
        >>> import minitf as tf
        >>> tf.tile(tf.constant([[1, 2]]), [2, 2]).numpy()
        array([[1, 2, 1, 2],
               [1, 2, 1, 2]], dtype=int32)
    """
    x = to_tensor(input)
    multiples = _static_ints(multiples, "multiples")
    if len(multiples) != len(x._shape):
        raise errors.InvalidArgumentError(
            None, None, f"Expected multiples argument to be a vector of length "
            f"{len(x._shape)} but got length {len(multiples)} [Op:Tile]: give one "
            f"multiple per dimension (1 keeps a dimension as it is).")
    return bind1(tile_p, x, multiples=multiples)


pad_p = Primitive("pad")


@pad_p.def_abstract_eval
def _pad_abstract(x: TensorSpec, *, paddings: tuple, constant_values: Any) -> TensorSpec:
    return TensorSpec._make(tuple(None if d is None else d + lo + hi
                                  for d, (lo, hi) in zip(x.shape._dims, paddings)), x.dtype)


@pad_p.def_impl("numpy")
def _pad_numpy(x: np.ndarray, *, paddings: tuple, constant_values: Any) -> np.ndarray:
    return np.pad(x, paddings, constant_values=np.asarray(constant_values, x.dtype))


@pad_p.def_vjp
def _pad_vjp(g: Tensor, x: Tensor, *, out: Tensor, paddings: tuple,
             constant_values: Any) -> tuple:
    from minitf.ops.indexing import slice_p
    spec = tuple(("slice", lo, None if hi == 0 else -hi, 1) for lo, hi in paddings)
    return (bind1(slice_p, g, spec=spec),)


def pad(tensor: Any, paddings: Any, mode: str = "CONSTANT", constant_values: Any = 0,
        name: Optional[str] = None) -> Tensor:
    """Pads with ``constant_values``; ``paddings[i] = [before, after]`` for axis i.

    Example:
        >>> import minitf as tf
        >>> tf.pad(tf.constant([[1, 2]]), [[1, 0], [0, 1]]).numpy()
        array([[0, 0, 0],
               [1, 2, 0]], dtype=int32)
    """
    x = to_tensor(tensor)
    if str(mode).upper() != "CONSTANT":
        raise NotImplementedError(f"tf.pad mode {mode!r}: minitf implements 'CONSTANT' only.")
    if isinstance(paddings, Tensor):
        paddings = host_array(paddings).tolist()
    paddings = tuple((int(lo), int(hi)) for lo, hi in paddings)
    if len(paddings) != len(x._shape) or any(lo < 0 or hi < 0 for lo, hi in paddings):
        raise errors.InvalidArgumentError(
            None, None, f"The first dimension of paddings must be the rank of inputs "
            f"({len(x._shape)}) and every padding non-negative; got {list(paddings)} "
            f"[Op:Pad]")
    value = np.asarray(constant_values).item()
    return bind1(pad_p, x, paddings=paddings, constant_values=value)


# ---------------------------------------------------------------------------------------
# shape, size, rank, identity, stop_gradient
# ---------------------------------------------------------------------------------------
shape_p = Primitive("shape")


@shape_p.def_abstract_eval
def _shape_abstract(x: TensorSpec, *, out_type: str) -> TensorSpec:
    return TensorSpec._make((len(x.shape._dims),), _dtypes.as_dtype(out_type))


@shape_p.def_impl("numpy")
def _shape_numpy(x: np.ndarray, *, out_type: str) -> np.ndarray:
    return np.array(x.shape, dtype=_dtypes.as_dtype(out_type).np)


shape_p.def_vjp(NOT_DIFFERENTIABLE)


def shape(input: Any, out_type: Any = _dtypes.int32, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """The shape of a tensor as a 1-D int32 tensor (computed at run time in graphs).

    Example:
        >>> import minitf as tf
        >>> tf.shape(tf.zeros([2, 3]))
        <tf.Tensor: shape=(2,), dtype=int32, numpy=array([2, 3], dtype=int32)>
    """
    x = to_tensor(input)
    out_type = _dtypes.as_dtype(out_type)
    if None not in x._shape:
        from minitf.tensor import convert_to_tensor
        return convert_to_tensor(np.array(x._shape, dtype=out_type.np))
    return bind1(shape_p, x, out_type=out_type.name)


def size(input: Any, out_type: Any = _dtypes.int32, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """The number of elements, as a scalar tensor.

    Example:
        >>> import minitf as tf
        >>> tf.size(tf.zeros([2, 3]))
        <tf.Tensor: shape=(), dtype=int32, numpy=6>
    """
    from minitf.ops.reduction import reduce_prod
    return reduce_prod(shape(input, out_type))


def rank(input: Any, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """The number of dimensions, as a scalar int32 tensor.

    Example:
        >>> import minitf as tf
        >>> tf.rank(tf.zeros([2, 3]))
        <tf.Tensor: shape=(), dtype=int32, numpy=2>
    """
    from minitf.tensor import convert_to_tensor
    return convert_to_tensor(np.int32(len(to_tensor(input)._shape)))


identity_p = Primitive("identity")
identity_p.def_abstract_eval(lambda x: x)
identity_p.def_impl("numpy")(lambda x: x)
identity_p.def_vjp(lambda g, x, *, out: (g,))

stop_gradient_p = Primitive("stop_gradient")
stop_gradient_p.def_abstract_eval(lambda x: x)
stop_gradient_p.def_impl("numpy")(lambda x: x)
stop_gradient_p.def_vjp(NOT_DIFFERENTIABLE)


def identity(input: Any, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Returns a tensor with the same value (reads a Variable's current value).

    Example:
        >>> import minitf as tf
        >>> tf.identity(tf.constant([1, 2])).numpy()
        array([1, 2], dtype=int32)
    """
    return bind1(identity_p, to_tensor(input))


def stop_gradient(input: Any, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """The same value, but gradients do not flow through it.

    Example:
        >>> import minitf as tf
        >>> x = tf.Variable(2.0)
        >>> with tf.GradientTape() as tape:
        ...     y = x * tf.stop_gradient(x)
        >>> float(tape.gradient(y, x))
        2.0
    """
    return bind1(stop_gradient_p, to_tensor(input))

"""Joining, splitting and repeating: ``concat``, ``split`` (primitives), ``stack`` and
``unstack`` (composed), ``tile`` and ``pad`` (primitives).

Their VJPs are each other: the gradient of a ``concat`` is a ``split`` of the cotangent,
of a ``split`` a ``concat``; ``tile`` sums the repeated blocks, ``pad`` slices the
padding away.

Example:
    >>> import minitf as tf
    >>> x = tf.constant([[1, 2, 3], [4, 5, 6]])
    >>> tf.concat([x, x], axis=0).shape
    TensorShape([4, 3])
    >>> [t.shape.as_list() for t in tf.split(x, 3, axis=1)]
    [[2, 1], [2, 1], [2, 1]]
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from minitf import errors
from minitf.core.interpreters import bind, bind1
from minitf.core.primitive import Primitive
from minitf.core.spec import TensorSpec, shape_str
from minitf.ops._operands import dims_str, to_tensor
from minitf.tensor import Tensor, host_array
from minitf.ops.shape import _static_ints, expand_dims_p, reshape_p, squeeze_p


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

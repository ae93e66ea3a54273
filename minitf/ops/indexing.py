"""Indexing: ``x[...]`` (the ``slice`` primitive), ``gather``, ``one_hot``, ``tf.where``
with one argument, ``boolean_mask``.

``x[1:, ::2, None, ..., -1]`` is normalised into a *slice spec*: a tuple of entries
``("int", i)``, ``("slice", start, stop, step)``, ``("newaxis",)``, ``("ellipsis",)`` —
plain data, so graphs print it and SavedModel stores it. The VJP of a slice scatters
the cotangent back into zeros (``slice_grad``), and the VJP of that is a slice again.

Example:
    >>> import minitf as tf
    >>> x = tf.reshape(tf.range(12), [3, 4])
    >>> x[1:, ::2].numpy()
    array([[ 4,  6],
           [ 8, 10]], dtype=int32)
    >>> tf.gather(tf.constant([10, 20, 30]), [2, 0]).numpy()
    array([30, 10], dtype=int32)
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf import errors
from minitf.core.interpreters import bind1
from minitf.core.primitive import NOT_DIFFERENTIABLE, Primitive
from minitf.core.spec import TensorSpec
from minitf.ops._operands import describe, dims_str, to_tensor
from minitf.tensor import Tensor, host_array

Spec = tuple


def _np_index(spec: Spec) -> tuple:
    out: list = []
    for entry in spec:
        kind = entry[0]
        if kind == "int":
            out.append(entry[1])
        elif kind == "slice":
            out.append(slice(entry[1], entry[2], entry[3]))
        elif kind == "newaxis":
            out.append(None)
        else:
            out.append(Ellipsis)
    return tuple(out)


def _sliced_shape(shape: tuple, spec: Spec) -> tuple:
    """The static output shape of ``x[spec]`` (None where the input size is unknown)."""
    n_consuming = sum(1 for e in spec if e[0] in ("int", "slice"))
    out: list = []
    dim = 0
    for entry in spec:
        kind = entry[0]
        if kind == "newaxis":
            out.append(1)
        elif kind == "ellipsis":
            n = len(shape) - n_consuming
            out.extend(shape[dim:dim + n])
            dim += n
        elif kind == "int":
            dim += 1
        else:
            size = shape[dim]
            out.append(None if size is None else len(range(*slice(*entry[1:]).indices(size))))
            dim += 1
    out.extend(shape[dim:])
    return tuple(out)


slice_p = Primitive("slice")


@slice_p.def_abstract_eval
def _slice_abstract(x: TensorSpec, *, spec: Spec) -> TensorSpec:
    return TensorSpec._make(_sliced_shape(x.shape._dims, spec), x.dtype)


@slice_p.def_impl("numpy")
def _slice_numpy(x: np.ndarray, *, spec: Spec) -> np.ndarray:
    return np.asarray(x[_np_index(spec)])


@slice_p.def_vjp
def _slice_vjp(g: Tensor, x: Tensor, *, out: Tensor, spec: Spec) -> tuple:
    return (bind1(slice_grad_p, g, x, spec=spec),)


# slice_grad(g, x_ref): zeros shaped like x_ref with g written where the slice read from.
slice_grad_p = Primitive("slice_grad")


@slice_grad_p.def_abstract_eval
def _slice_grad_abstract(g: TensorSpec, ref: TensorSpec, *, spec: Spec) -> TensorSpec:
    return TensorSpec._make(ref.shape._dims, g.dtype)


@slice_grad_p.def_impl("numpy")
def _slice_grad_numpy(g: np.ndarray, ref: np.ndarray, *, spec: Spec) -> np.ndarray:
    out = np.zeros(ref.shape, g.dtype)
    out[_np_index(spec)] = g
    return out


@slice_grad_p.def_vjp
def _slice_grad_vjp(gg: Tensor, g: Tensor, ref: Tensor, *, out: Tensor, spec: Spec) -> tuple:
    return (bind1(slice_p, gg, spec=spec), None)


def _normalize_key(key: Any, shape: tuple) -> tuple[Spec, list]:
    """Turns a ``__getitem__`` key into a slice spec plus the symbolic scalar indices."""
    if not isinstance(key, tuple):
        key = (key,)
    spec: list = []
    dynamic: list = []  # (position in spec, tensor) for symbolic scalar indices
    n_consuming = sum(1 for k in key if k is not None and k is not Ellipsis)
    if n_consuming > len(shape):
        raise errors.InvalidArgumentError(
            None, None, f"Index {key!r} has {n_consuming} indices but the tensor has rank "
            f"{len(shape)} (shape {dims_str(shape)}).")
    dim = 0
    for k in key:
        if k is None:
            spec.append(("newaxis",))
        elif k is Ellipsis:
            if any(e[0] == "ellipsis" for e in spec):
                raise ValueError("An index can only have a single ellipsis ('...').")
            spec.append(("ellipsis",))
            dim += len(shape) - n_consuming
        elif isinstance(k, slice):
            parts = []
            for p in (k.start, k.stop, k.step):
                if isinstance(p, Tensor):
                    p = int(host_array(p))
                parts.append(None if p is None else int(p))
            if parts[2] == 0:
                raise errors.InvalidArgumentError(
                    None, None, f"strides[{dim}] must be non-zero [Op:StridedSlice]: a slice "
                    f"step of 0 would never advance; use 1 (or -1 to reverse).")
            spec.append(("slice", *parts))
            dim += 1
        else:
            if isinstance(k, Tensor) and k._value is None:
                if k._dtype.is_integer and k._shape == ():
                    dynamic.append((len(spec), k))
                    spec.append(("slice", None, None, None))
                    dim += 1
                    continue
                raise TypeError(f"Only scalar integer tensors can index a tensor, got "
                                f"{describe(k)}.")
            if isinstance(k, (Tensor, np.ndarray, np.generic)):
                arr = np.asarray(k)
                if arr.ndim or arr.dtype.kind not in "iu":
                    raise TypeError(
                        "Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) "
                        f"and scalar integer tensors are valid indices, got {k!r}. For a "
                        f"list of indices use tf.gather; for a mask tf.boolean_mask.")
                k = int(arr)
            if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
                raise TypeError(
                    "Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and "
                    f"scalar integer tensors are valid indices, got {k!r}. For a list of "
                    f"indices use tf.gather; for a mask tf.boolean_mask.")
            size = shape[dim] if dim < len(shape) else None
            k = int(k)
            if size is not None and not -size <= k < size:
                raise errors.InvalidArgumentError(
                    None, None, f"slice index {k} of dimension {dim} out of bounds "
                    f"[Op:StridedSlice]: the dimension has size {size}, so an index must lie in "
                    f"[{-size}, {size}).")
            spec.append(("int", k % size if size else k))
            dim += 1
    return tuple(spec), dynamic


def getitem(tensor: Any, key: Any) -> Tensor:
    """``tensor[key]`` with ints, negative ints, slices with steps, ``...`` and ``None``.

    Example:
        >>> import minitf as tf
        >>> x = tf.constant([[1, 2, 3], [4, 5, 6]])
        >>> x[-1, ::-1].numpy()
        array([6, 5, 4], dtype=int32)
        >>> x[..., None].shape
        TensorShape([2, 3, 1])
    """
    x = to_tensor(tensor)
    spec, dynamic = _normalize_key(key, x._shape)
    if not x._shape and spec and all(e[0] in ("newaxis", "ellipsis") for e in spec) \
            and not any(e[0] == "newaxis" for e in spec):
        return x
    out = bind1(slice_p, x, spec=spec)
    # A symbolic scalar index (inside tf.function) was sliced as ':'; now gather the one
    # row it names. Its output axis is the number of non-int entries before it.
    for pos, index in reversed(dynamic):
        axis = sum(1 for e in spec[:pos] if e[0] != "int")
        out = gather(out, index, axis=axis)
    return out


# ---------------------------------------------------------------------------------------
# gather and its adjoint
# ---------------------------------------------------------------------------------------
gather_p = Primitive("gather")


@gather_p.def_abstract_eval
def _gather_abstract(params: TensorSpec, indices: TensorSpec, *, axis: int) -> TensorSpec:
    p = params.shape._dims
    return TensorSpec._make(p[:axis] + indices.shape._dims + p[axis + 1:], params.dtype)


@gather_p.def_impl("numpy")
def _gather_numpy(params: np.ndarray, indices: np.ndarray, *, axis: int) -> np.ndarray:
    n = params.shape[axis]
    if indices.size and (indices.min() < 0 or indices.max() >= n):
        bad = indices[(indices < 0) | (indices >= n)].ravel()[0]
        raise errors.InvalidArgumentError(
            None, None, f"indices = {bad} is not in [0, {n}) [Op:GatherV2]: gather reads "
            f"along axis {axis} of a tensor with {n} entries there.")
    return np.take(params, indices, axis=axis)


@gather_p.def_vjp
def _gather_vjp(g: Tensor, params: Tensor, indices: Tensor, *, out: Tensor, axis: int) -> tuple:
    return (bind1(scatter_add_p, g, indices, params, axis=axis), None)


gather_p.dtype_kinds = None

# scatter_add(g, indices, ref): zeros shaped like ref, g's slices added at `indices` along
# `axis` (repeated indices accumulate) — the adjoint of gather.
scatter_add_p = Primitive("scatter_add")


@scatter_add_p.def_abstract_eval
def _scatter_add_abstract(g: TensorSpec, indices: TensorSpec, ref: TensorSpec, *,
                          axis: int) -> TensorSpec:
    return TensorSpec._make(ref.shape._dims, g.dtype)


@scatter_add_p.def_impl("numpy")
def _scatter_add_numpy(g: np.ndarray, indices: np.ndarray, ref: np.ndarray, *,
                       axis: int) -> np.ndarray:
    out = np.zeros(ref.shape, g.dtype)
    pre, post = ref.shape[:axis], ref.shape[axis + 1:]
    moved_out = np.moveaxis(out, axis, 0)
    moved_g = np.moveaxis(np.reshape(g, pre + (-1,) + post), axis, 0)
    np.add.at(moved_out, np.reshape(indices, -1), moved_g)
    return out


@scatter_add_p.def_vjp
def _scatter_add_vjp(gg: Tensor, g: Tensor, indices: Tensor, ref: Tensor, *, out: Tensor,
                     axis: int) -> tuple:
    return (bind1(gather_p, gg, indices, axis=axis), None, None)


def gather(params: Any, indices: Any, validate_indices: Any = None, axis: Any = None,
           batch_dims: int = 0, name: Optional[str] = None) -> Tensor:
    """Picks slices of ``params`` along ``axis`` at ``indices``.

    Out-of-range indices raise ``InvalidArgumentError`` (as TF does on the CPU).

    Example:
        >>> import minitf as tf
        >>> tf.gather(tf.constant([[1, 2], [3, 4]]), [1], axis=1).numpy()
        array([[2],
               [4]], dtype=int32)
    """
    if batch_dims:
        raise NotImplementedError("tf.gather batch_dims != 0 is not implemented in minitf.")
    params = to_tensor(params)
    indices = to_tensor(indices)
    if not indices._dtype.is_integer:
        raise TypeError(f"gather: indices must be integers, got {describe(indices)}.")
    rank = len(params._shape)
    axis = 0 if axis is None else int(axis)
    if not -rank <= axis < rank:
        raise errors.InvalidArgumentError(
            None, None, f"Expected axis in the range [{-rank}, {rank}), but got {axis} "
            f"[Op:GatherV2]")
    return bind1(gather_p, params, indices, axis=axis % rank)


def one_hot(indices: Any, depth: int, on_value: Any = None, off_value: Any = None,
            axis: Optional[int] = None, dtype: Any = None, name: Optional[str] = None) -> Tensor:
    """One-hot encoding along a new last axis (composed: a comparison and a cast).

    Indices outside ``[0, depth)`` give a row of ``off_value``, as in TF.

    Example:
        >>> import minitf as tf
        >>> tf.one_hot([0, 2], depth=3).numpy()
        array([[1., 0., 0.],
               [0., 0., 1.]], dtype=float32)
    """
    from minitf.ops.elementwise import add, cast, equal, multiply, subtract
    from minitf.ops.shape import expand_dims
    from minitf.tensor import convert_to_tensor
    indices = to_tensor(indices)
    if dtype is None:
        dtype = (to_tensor(on_value)._dtype if on_value is not None else
                 to_tensor(off_value)._dtype if off_value is not None else _dtypes.float32)
    dtype = _dtypes.as_dtype(dtype)
    rank = len(indices._shape)
    axis = rank if axis is None or axis == -1 else int(axis)
    positions = convert_to_tensor(np.arange(int(depth), dtype=indices._dtype.np))
    shape = [1] * (rank + 1)
    shape[axis] = int(depth)
    from minitf.ops.shape import reshape
    hot = cast(equal(expand_dims(indices, axis), reshape(positions, shape)), dtype)
    on = convert_to_tensor(1 if on_value is None else on_value, dtype)
    off = convert_to_tensor(0 if off_value is None else off_value, dtype)
    if on_value is None and off_value is None:
        return hot
    return add(multiply(hot, subtract(on, off)), off)


where_indices_p = Primitive("where_indices")


@where_indices_p.def_abstract_eval
def _where_indices_abstract(c: TensorSpec) -> TensorSpec:
    return TensorSpec._make((None, len(c.shape._dims)), _dtypes.int64)


@where_indices_p.def_impl("numpy")
def _where_indices_numpy(c: np.ndarray) -> np.ndarray:
    return np.argwhere(c).astype(np.int64)


where_indices_p.def_vjp(NOT_DIFFERENTIABLE)


def where_indices(condition: Tensor) -> Tensor:
    """Coordinates of True elements, shape ``(n, rank)``, int64 (``tf.where(c)``)."""
    from minitf.ops.elementwise import not_equal
    if condition._dtype is not _dtypes.bool:
        condition = not_equal(condition, 0)  # TF treats non-zero numbers as True
    return bind1(where_indices_p, condition)


def boolean_mask(tensor: Any, mask: Any, axis: Optional[int] = None,
                 name: Optional[str] = None) -> Tensor:
    """The elements of ``tensor`` where ``mask`` is True (flattening the mask's dims).

    Example:
        >>> import minitf as tf
        >>> tf.boolean_mask(tf.constant([1, 2, 3]), [True, False, True]).numpy()
        array([1, 3], dtype=int32)
    """
    from minitf.ops.shape import reshape
    x = to_tensor(tensor)
    mask = to_tensor(mask)
    k = len(mask._shape)
    if x._shape[:k] != mask._shape and None not in x._shape[:k]:
        raise errors.InvalidArgumentError(
            None, None, f"boolean_mask: mask shape {dims_str(mask._shape)} must match the "
            f"first {k} dimensions of the tensor {dims_str(x._shape)}.")
    flat = reshape(x, [-1] + list(x._shape[k:]))
    idx = reshape(where_indices(reshape(mask, [-1])), [-1])
    return gather(flat, idx, axis=0)

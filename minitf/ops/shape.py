"""Shape primitives: ``broadcast_to``, ``reshape``, ``transpose``, ``expand_dims``,
``squeeze``, ``shape``; plus ``identity`` and ``stop_gradient``. (Joining and splitting —
``concat``, ``split``, ``stack``, ``tile``, ``pad`` — live in :mod:`minitf.ops.joining`.)

These move data without computing on it, so their VJPs are other shape ops: the
gradient of a ``reshape`` is a ``reshape`` back, of a ``transpose`` the inverse
transpose, of a ``broadcast_to`` a ``reduce_sum`` over the broadcast axes.

Example:
    >>> import minitf as tf
    >>> x = tf.constant([[1, 2, 3], [4, 5, 6]])
    >>> tf.reshape(x, [3, -1]).shape
    TensorShape([3, 2])
    >>> tf.transpose(x).shape
    TensorShape([3, 2])
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from minitf import dtypes as _dtypes
from minitf import errors
from minitf.core.interpreters import bind1
from minitf.core.primitive import NOT_DIFFERENTIABLE, Primitive
from minitf.core.spec import TensorSpec
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
    if isinstance(x, np.generic):
        x = np.asarray(x)  # a NumPy scalar (a full reduction's result) as a 0-d array
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

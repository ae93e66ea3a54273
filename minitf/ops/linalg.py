"""``matmul``: the one linear-algebra primitive (batched), and ``tensordot``/``linalg``
helpers composed from it.

``matmul_p`` multiplies ``(..., m, k) @ (..., k, n)`` with equal batch dims; the public
function handles ``transpose_a/b`` (a transpose is a free view in NumPy) and broadcasts
batch dims explicitly. VJP: ``dA = g @ Bᵀ``, ``dB = Aᵀ @ g``.

Example:
    >>> import minitf as tf
    >>> x = tf.constant([[1., 2., 3.], [4., 5., 6.]])
    >>> x @ tf.transpose(x)
    <tf.Tensor: shape=(2, 2), dtype=float32, numpy=
    array([[14., 32.],
           [32., 77.]], dtype=float32)>
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from minitf import errors
from minitf.core.interpreters import EAGER, _context, _state, bind1
from minitf.core.primitive import Primitive
from minitf.core.spec import TensorSpec
from minitf.ops._operands import broadcast_shapes, dims_str, to_tensor
from minitf.tensor import Tensor

_new = object.__new__
matmul_p = Primitive("matmul")
matmul_p.dtype_kinds = "fiu"


@matmul_p.def_abstract_eval
def _matmul_abstract(a: TensorSpec, b: TensorSpec) -> TensorSpec:
    sa, sb = a.shape._dims, b.shape._dims
    _check_matmul(sa, sb, a.dtype, b.dtype)
    # BEGIN SOLUTION tensors: matmul's result shape (..., m, n); spec: tests/test_registry.py
    return TensorSpec._make(sa[:-1] + sb[-1:], a.dtype)
    # END SOLUTION


matmul_p.def_impl("numpy")(np.matmul)


def _matrix_transpose(x: Tensor) -> Tensor:
    from minitf.ops.shape import transpose_p
    r = len(x._shape)
    return bind1(transpose_p, x, perm=tuple(range(r - 2)) + (r - 1, r - 2))


@matmul_p.def_vjp
def _matmul_vjp(g: Tensor, a: Tensor, b: Tensor, *, out: Tensor,
                needs: tuple = (True, True)) -> tuple:
    # `needs` (see autodiff.backward_pass): the first layer's input needs no cotangent,
    # and skipping it saves a whole matmul.
    # BEGIN SOLUTION autodiff: matmul's VJP, dA = g Bᵀ and dB = Aᵀ g; spec: tests/test_gradients.py
    return (bind1(matmul_p, g, _matrix_transpose(b)) if needs[0] else None,
            bind1(matmul_p, _matrix_transpose(a), g) if needs[1] else None)
    # END SOLUTION


def _check_matmul(sa: tuple, sb: tuple, da: Any, db: Any) -> None:
    if da is not db:
        raise errors.InvalidArgumentError(
            None, None, f"cannot compute MatMul as input #1(zero-based) was expected to be a "
            f"{da.name} tensor but is a {db.name} tensor [Op:MatMul]. Cast one operand with "
            f"tf.cast.")
    if len(sa) < 2 or len(sb) < 2:
        raise errors.InvalidArgumentError(
            None, None, f"In[0] and In[1] must have rank >= 2, got shapes {dims_str(sa)} and "
            f"{dims_str(sb)} [Op:MatMul]. For a vector use tf.reshape(v, [-1, 1]) or "
            f"tf.tensordot.")
    if sa[-1] is not None and sb[-2] is not None and sa[-1] != sb[-2]:
        raise errors.InvalidArgumentError(
            None, None, f"Matrix size-incompatible: In[0]: {dims_str(sa)}, In[1]: "
            f"{dims_str(sb)} [Op:MatMul]. The last dimension of a ({sa[-1]}) must equal the "
            f"second-to-last of b ({sb[-2]}); transpose_b=True may be what you meant.")


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False,
           adjoint_a: bool = False, adjoint_b: bool = False, a_is_sparse: bool = False,
           b_is_sparse: bool = False, output_type: Any = None,
           name: Optional[str] = None) -> Tensor:
    """Matrix product ``a @ b`` of rank >= 2 tensors; leading dims are batch dims.

    Args:
        a, b: tensors of shape ``(..., m, k)`` and ``(..., k, n)``.
        transpose_a, transpose_b: transpose the last two dims first.
        adjoint_a, adjoint_b: the same as transposing (no complex types in minitf).

    Raises:
        InvalidArgumentError: naming both shapes when the inner sizes differ.

    Example:
        >>> import minitf as tf
        >>> tf.matmul(tf.ones([2, 3]), tf.ones([2, 3]), transpose_b=True).numpy()
        array([[3., 3.],
               [3., 3.]], dtype=float32)
    """
    if transpose_a or transpose_b or adjoint_a or adjoint_b:
        return _matmul(a, b, transpose_a or adjoint_a, transpose_b or adjoint_b)
    return matmul_operator(a, b)


def matmul_operator(a: Any, b: Any) -> Tensor:
    """``a @ b`` (``Tensor.__matmul__``): :func:`matmul` without its options.

    Example:
        >>> import minitf as tf
        >>> (tf.ones([1, 2]) @ tf.ones([2, 1])).numpy()
        array([[2.]], dtype=float32)
    """
    # Fast path: two eager NumPy matrices that fit, no tape, no tracing. It skips
    # bind1's generic dispatch and matmul's keyword handling (~1 µs, 10% of a 64x64
    # product); the slow path's checks (dtype, rank, inner size) are all made here, so
    # anything else (and every error) takes the general path.
    if type(a) is Tensor and type(b) is Tensor:
        av = a._value
        bv = b._value
        dtype = a._dtype
        if (dtype is b._dtype and av.ndim == 2 and bv.ndim == 2
                and av.shape[1] == bv.shape[0] and dtype._kind in "fiu"
                and _context.get() is EAGER and not _state["multi_backend"]):
            out = _new(Tensor)
            out._value = matmul_p.impls["numpy"](av, bv)
            out._dtype = dtype  # a product of two matrices of one dtype keeps it
            return out
    return _matmul(a, b, False, False)


def _matmul(a: Any, b: Any, transpose_a: bool, transpose_b: bool) -> Tensor:
    """The general path: conversion, transposes, checks, batch broadcasting, bind."""
    if type(a) is not Tensor:
        a = to_tensor(a)
    if type(b) is not Tensor:
        b = to_tensor(b, a._dtype if isinstance(a, Tensor) else None)
    if transpose_a:
        a = _matrix_transpose(a)
    if transpose_b:
        b = _matrix_transpose(b)
    sa, sb = a._shape, b._shape
    if len(sa) == 2 and len(sb) == 2 and a._dtype is b._dtype and sa[1] == sb[0] \
            and sa[1] is not None and a._dtype._kind in "fiu":
        return bind1(matmul_p, a, b)
    _check_matmul(sa, sb, a._dtype, b._dtype)
    if a._dtype._kind not in "fiu":
        raise errors.InvalidArgumentError(None, None, f"MatMul does not support dtype "
                                          f"{a._dtype.name}; cast to float32.")
    if sa[:-2] != sb[:-2]:
        from minitf.ops._operands import broadcast_to_shape
        batch = broadcast_shapes(sa[:-2], sb[:-2], "BatchMatMulV2")
        a = broadcast_to_shape(a, batch + sa[-2:], b)
        b = broadcast_to_shape(b, batch + sb[-2:], a)
    return bind1(matmul_p, a, b)


def tensordot(a: Any, b: Any, axes: Any, name: Optional[str] = None) -> Tensor:
    """Sums products over the given axes (composed: transpose, reshape, matmul).

    Args:
        a, b: tensors.
        axes: an int N (last N axes of a with first N of b) or a pair of axis lists.

    Example:
        >>> import minitf as tf
        >>> tf.tensordot(tf.constant([1., 2.]), tf.constant([3., 4.]), 1).numpy()
        np.float32(11.0)
    """
    from minitf.ops.shape import reshape, transpose
    a, b = to_tensor(a), to_tensor(b)
    ra, rb = len(a._shape), len(b._shape)
    if isinstance(axes, (int, np.integer)):
        ax_a = list(range(ra - int(axes), ra))
        ax_b = list(range(int(axes)))
    else:
        ax_a, ax_b = ([axes[0]] if isinstance(axes[0], int) else list(axes[0]),
                      [axes[1]] if isinstance(axes[1], int) else list(axes[1]))
    ax_a = [x % ra for x in ax_a]
    ax_b = [x % rb for x in ax_b]
    free_a = [i for i in range(ra) if i not in ax_a]
    free_b = [i for i in range(rb) if i not in ax_b]
    k = int(np.prod([a._shape[i] for i in ax_a]))
    a2 = reshape(transpose(a, free_a + ax_a), [-1, k])
    b2 = reshape(transpose(b, ax_b + free_b), [k, -1])
    out_shape = [a._shape[i] for i in free_a] + [b._shape[i] for i in free_b]
    return reshape(matmul(a2, b2), out_shape)


def eye(num_rows: int, num_columns: Optional[int] = None, batch_shape: Any = None,
        dtype: Any = None, name: Optional[str] = None) -> Tensor:
    """An identity matrix (ones on the diagonal).

    Example:
        >>> import minitf as tf
        >>> tf.eye(2).numpy()
        array([[1., 0.],
               [0., 1.]], dtype=float32)
    """
    from minitf import dtypes as _dtypes
    from minitf.tensor import convert_to_tensor
    dtype = _dtypes.float32 if dtype is None else _dtypes.as_dtype(dtype)
    m = np.eye(int(num_rows), None if num_columns is None else int(num_columns), dtype=dtype.np)
    if batch_shape is not None:
        m = np.broadcast_to(m, tuple(batch_shape) + m.shape).copy()
    return convert_to_tensor(m)

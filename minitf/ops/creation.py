"""Creating tensors: ``constant``, ``zeros``/``ones``/``fill``, ``*_like``, ``range``,
``linspace``.

Creation from Python data needs no primitive: the value is known, so it becomes a
concrete tensor (inside ``tf.function`` it is embedded in the graph as a literal).
``zeros_like``/``ones_like`` *are* primitives: their shape comes from another tensor,
which in a traced graph may only be known at run time.

Example:
    >>> import minitf as tf
    >>> tf.constant([[1., 2., 3.], [4., 5., 6.]])
    <tf.Tensor: shape=(2, 3), dtype=float32, numpy=
    array([[1., 2., 3.],
           [4., 5., 6.]], dtype=float32)>
    >>> tf.zeros([2], tf.int64)
    <tf.Tensor: shape=(2,), dtype=int64, numpy=array([0, 0])>
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf.core.interpreters import bind1
from minitf.core.primitive import NOT_DIFFERENTIABLE, Primitive
from minitf.core.spec import TensorSpec
from minitf.ops._operands import to_tensor
from minitf.tensor import Tensor, _wrap_host, host_array, to_array


def _shape_arg(shape: Any) -> tuple:
    if isinstance(shape, Tensor):
        shape = host_array(shape).tolist()
    if hasattr(shape, "as_list"):
        shape = shape.as_list()
    if isinstance(shape, (int, np.integer)):
        shape = [shape]
    dims = tuple(int(d) for d in shape)
    if any(d < 0 for d in dims):
        from minitf import errors
        bad = next(d for d in dims if d < 0)
        raise errors.InvalidArgumentError(
            None, None, f"Dimension {bad} must be >= 0: shape {list(dims)} has a negative "
            f"size. Sizes count elements; -1 (infer a size) only works in tf.reshape.")
    return dims


def constant(value: Any, dtype: Any = None, shape: Any = None,
             name: Optional[str] = None) -> Tensor:
    """A tensor holding ``value`` (TF's dtype inference; NumPy arrays keep their dtype).

    Args:
        value: a Python number, bool, string, nested list, NumPy array or tensor.
        dtype: the dtype to convert to (NumPy arrays are cast; Python floats refuse an
            integer dtype with ``TypeError``).
        shape: optional shape: a scalar is broadcast to it, otherwise the element count
            must match and the value is reshaped.
        name: unused.

    Example:
        >>> import minitf as tf
        >>> tf.constant(1, shape=[2, 2]).numpy()
        array([[1, 1],
               [1, 1]], dtype=int32)
    """
    dt = None if dtype is None else _dtypes.as_dtype(dtype)
    if isinstance(value, Tensor) and value._value is not None:
        if dt is not None and value._dtype is not dt:
            raise TypeError(
                f"Expected tensor {host_array(value)} with dtype {dt!r}, but got dtype "
                f"{value._dtype!r}. tf.constant does not change a tensor's dtype; use "
                f"tf.cast(x, {dt!r}).")
        arr = to_array(value, dt)
    else:
        if hasattr(type(value), "_as_tensor"):
            value = type(value)._as_tensor(value)
            arr = to_array(value, dt)
        else:
            arr = to_array(value, dt)
    if shape is not None:
        target = _shape_arg(shape)
        if arr.size == 1:
            arr = np.full(target, arr.reshape(()), dtype=arr.dtype)
        elif arr.size == int(np.prod(target)):
            arr = arr.reshape(target)
        else:
            raise TypeError(
                f"Eager execution of tf.constant with unsupported shape. Tensor {arr} "
                f"(converted from {value!r}) has {arr.size} elements, but got `shape` "
                f"{target} with {int(np.prod(target))} elements).")
    return _wrap_host(arr)


def zeros(shape: Any, dtype: Any = _dtypes.float32, name: Optional[str] = None) -> Tensor:
    """A tensor of zeros.

    Example:
        >>> import minitf as tf
        >>> tf.zeros([2, 3]).shape
        TensorShape([2, 3])
    """
    dtype = _dtypes.as_dtype(dtype)
    return _wrap_host(np.zeros(_shape_arg(shape), dtype.np))


def ones(shape: Any, dtype: Any = _dtypes.float32, name: Optional[str] = None) -> Tensor:
    """A tensor of ones.

    Example:
        >>> import minitf as tf
        >>> tf.ones([2], tf.int32).numpy()
        array([1, 1], dtype=int32)
    """
    dtype = _dtypes.as_dtype(dtype)
    return _wrap_host(np.ones(_shape_arg(shape), dtype.np))


def fill(dims: Any, value: Any, name: Optional[str] = None) -> Tensor:
    """A tensor of shape ``dims`` filled with ``value`` (dtype inferred from value).

    Example:
        >>> import minitf as tf
        >>> tf.fill([2], 3)
        <tf.Tensor: shape=(2,), dtype=int32, numpy=array([3, 3], dtype=int32)>
    """
    v = to_array(value)
    return _wrap_host(np.full(_shape_arg(dims), v, dtype=v.dtype))


zeros_like_p = Primitive("zeros_like")
ones_like_p = Primitive("ones_like")
for _p, _fill in ((zeros_like_p, 0), (ones_like_p, 1)):
    def _like_abstract(x: TensorSpec, *, dtype: str) -> TensorSpec:
        return TensorSpec._make(x.shape._dims, _dtypes.as_dtype(dtype))

    def _like_numpy(x: np.ndarray, *, dtype: str, _fill: int = _fill) -> np.ndarray:
        return np.full(np.shape(x), _fill, dtype=_dtypes.as_dtype(dtype).np)

    _p.def_abstract_eval(_like_abstract)
    _p.def_impl("numpy")(_like_numpy)
    _p.def_vjp(NOT_DIFFERENTIABLE)


def zeros_like(input: Any, dtype: Any = None, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Zeros with the shape (and by default the dtype) of ``input``.

    Example:
        >>> import minitf as tf
        >>> tf.zeros_like(tf.constant([1., 2.]), dtype=tf.int32).numpy()
        array([0, 0], dtype=int32)
    """
    x = to_tensor(input)
    dtype = x._dtype if dtype is None else _dtypes.as_dtype(dtype)
    return bind1(zeros_like_p, x, dtype=dtype.name)


def ones_like(input: Any, dtype: Any = None, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Ones with the shape (and by default the dtype) of ``input``.

    Example:
        >>> import minitf as tf
        >>> tf.ones_like([1, 2])
        <tf.Tensor: shape=(2,), dtype=int32, numpy=array([1, 1], dtype=int32)>
    """
    x = to_tensor(input)
    dtype = x._dtype if dtype is None else _dtypes.as_dtype(dtype)
    return bind1(ones_like_p, x, dtype=dtype.name)


def range(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None,  # noqa: A001
          name: str = "range") -> Tensor:
    """``[start, start + delta, ...)`` up to ``limit`` (like Python's ``range``).

    The dtype is inferred from the arguments (int32 for ints, float32 if any is a float).

    Example:
        >>> import minitf as tf
        >>> tf.range(1, 2, 0.5)
        <tf.Tensor: shape=(2,), dtype=float32, numpy=array([1. , 1.5], dtype=float32)>
    """
    if limit is None:
        start, limit = 0, start
    args = [to_array(a) for a in (start, limit, delta)]
    if dtype is None:
        kinds = {a.dtype.kind for a in args}
        if "f" in kinds:
            floats = [a.dtype for a in args if a.dtype.kind == "f"]
            dtype = _dtypes.from_numpy(max(floats, key=lambda d: d.itemsize))
        else:
            ints = [a.dtype for a in args]
            dtype = _dtypes.from_numpy(max(ints, key=lambda d: d.itemsize))
    dtype = _dtypes.as_dtype(dtype)
    s, lim, d = (a.item() for a in args)
    if d == 0:
        from minitf import errors
        raise errors.InvalidArgumentError(None, None, "Requires delta != 0: tf.range(start, "
                                          "limit, delta) with delta 0 would never end.")
    return _wrap_host(np.arange(s, lim, d).astype(dtype.np))


def linspace(start: Any, stop: Any, num: Any, name: Optional[str] = None,
             axis: int = 0) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive.

    Integer ``start``/``stop`` give float64, as in TensorFlow.

    Example:
        >>> import minitf as tf
        >>> tf.linspace(-2, 2, 5)
        <tf.Tensor: shape=(5,), dtype=float64, numpy=array([-2., -1.,  0.,  1.,  2.])>
    """
    a, b = to_array(start), to_array(stop)
    dtype = a.dtype if a.dtype.kind == "f" else np.dtype(np.float64)
    out = np.linspace(a.astype(dtype), b.astype(dtype), int(to_array(num)), axis=axis)
    return _wrap_host(out.astype(dtype))

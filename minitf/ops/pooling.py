"""Pooling primitives on NHWC images: ``tf.nn.max_pool2d`` and ``tf.nn.avg_pool2d``.

Both read the image through the strided window view of :mod:`minitf.ops.conv` (no copy)
and reduce each window. Their gradients form closed families, so second derivatives work:

* ``avg_pool2d`` and ``avg_pool2d_grad`` are each other's adjoints (``"SAME"`` windows
  divide by the number of real pixels they cover, as TF does);
* ``max_pool2d_grad(x, g)`` routes ``g`` to each window's first maximum (TF's rule), and
  ``max_pool2d_grad_grad(x, d)`` reads ``d`` back from those positions: adjoints again.

Example:
    >>> import minitf as tf
    >>> x = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
    >>> tf.nn.max_pool2d(x, ksize=2, strides=2, padding="VALID")[0, :, :, 0].numpy()
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from minitf import errors
from minitf.core.interpreters import bind1
from minitf.core.primitive import Primitive
from minitf.core.spec import TensorSpec
from minitf.ops.conv import Pads, _check_fits, _col2im, _image, _out_size, _pad, _pair, \
    _resolve_padding, _windows, on_torch
from minitf.tensor import Tensor

__all__ = ["max_pool2d", "avg_pool2d"]

max_pool2d_p = Primitive("max_pool2d")
max_pool2d_grad_p = Primitive("max_pool2d_grad")
max_pool2d_grad_grad_p = Primitive("max_pool2d_grad_grad")
avg_pool2d_p = Primitive("avg_pool2d")
avg_pool2d_grad_p = Primitive("avg_pool2d_grad")
for _p in (avg_pool2d_p, avg_pool2d_grad_p, max_pool2d_grad_p, max_pool2d_grad_grad_p):
    _p.dtype_kinds = "f"
max_pool2d_p.dtype_kinds = "fiu"


# ---------------------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------------------
def _pool_abstract(x: TensorSpec, *, ksize: tuple, strides: tuple, pads: Pads) -> TensorSpec:
    n, h, w, c = x.shape._dims
    return TensorSpec._make((n, _out_size(h, ksize[0], strides[0], 1, pads[0]),
                             _out_size(w, ksize[1], strides[1], 1, pads[1]), c), x.dtype)


max_pool2d_p.def_abstract_eval(_pool_abstract)
avg_pool2d_p.def_abstract_eval(_pool_abstract)


def _lowest(dtype: np.dtype) -> Any:
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


@max_pool2d_p.def_impl("numpy")
def _max_pool_numpy(x: np.ndarray, *, ksize: tuple, strides: tuple, pads: Pads) -> np.ndarray:
    # Padding with -inf: a padded cell never wins the max (TF's SAME pooling).
    return _windows(_pad(x, pads, _lowest(x.dtype)), ksize, strides).max(axis=(3, 4))


def _argmax_taps(x: np.ndarray, ksize: tuple, strides: tuple, pads: Pads,
                 out_hw: tuple) -> np.ndarray:
    """For every window, the flat index ``i·KW + j`` of its first maximum."""
    win = _windows(_pad(x, pads, _lowest(x.dtype)), ksize, strides, out_hw=out_hw)
    n, oh, ow, kh, kw, c = win.shape
    return win.reshape(n, oh, ow, kh * kw, c).argmax(axis=3)


@max_pool2d_p.def_vjp
def _max_pool_vjp(g: Tensor, x: Tensor, *, out: Tensor, ksize: tuple, strides: tuple,
                  pads: Pads) -> tuple:
    return (bind1(max_pool2d_grad_p, x, g, ksize=ksize, strides=strides, pads=pads),)


@max_pool2d_grad_p.def_abstract_eval
def _mpg_abstract(x: TensorSpec, g: TensorSpec, **params: Any) -> TensorSpec:
    return TensorSpec._make(x.shape._dims, g.dtype)


@max_pool2d_grad_p.def_impl("numpy")
def _mpg_numpy(x: np.ndarray, g: np.ndarray, *, ksize: tuple, strides: tuple,
               pads: Pads) -> np.ndarray:
    arg = _argmax_taps(x, ksize, strides, pads, g.shape[1:3])
    n, oh, ow, c = g.shape
    kh, kw = ksize
    cols = np.zeros((n, oh, ow, kh, kw, c), g.dtype)
    # Scatter g onto the winning tap of each window (one-hot over the taps).
    cols.reshape(n, oh, ow, kh * kw, c)[...] = np.where(
        arg[:, :, :, None, :] == np.arange(kh * kw)[:, None], g[:, :, :, None, :], 0)
    return np.ascontiguousarray(_col2im(cols, x.shape[1:3], strides, pads))


@max_pool2d_grad_p.def_vjp
def _mpg_vjp(d: Tensor, x: Tensor, g: Tensor, *, out: Tensor, ksize: tuple, strides: tuple,
             pads: Pads) -> tuple:
    # Linear in g; the routing is piecewise constant in x, so x gets no gradient.
    return (None, bind1(max_pool2d_grad_grad_p, x, d, ksize=ksize, strides=strides, pads=pads))


@max_pool2d_grad_grad_p.def_abstract_eval
def _mpgg_abstract(x: TensorSpec, d: TensorSpec, *, ksize: tuple, strides: tuple,
                   pads: Pads) -> TensorSpec:
    return _pool_abstract(d, ksize=ksize, strides=strides, pads=pads)


@max_pool2d_grad_grad_p.def_impl("numpy")
def _mpgg_numpy(x: np.ndarray, d: np.ndarray, *, ksize: tuple, strides: tuple,
                pads: Pads) -> np.ndarray:
    win = _windows(_pad(d, pads, 0), ksize, strides)
    n, oh, ow, kh, kw, c = win.shape
    arg = _argmax_taps(x, ksize, strides, pads, (oh, ow))
    taps = win.reshape(n, oh, ow, kh * kw, c)
    return np.take_along_axis(taps, arg[:, :, :, None, :], axis=3)[:, :, :, 0, :]


@max_pool2d_grad_grad_p.def_vjp
def _mpgg_vjp(g2: Tensor, x: Tensor, d: Tensor, *, out: Tensor, ksize: tuple, strides: tuple,
              pads: Pads) -> tuple:
    return (None, bind1(max_pool2d_grad_p, x, g2, ksize=ksize, strides=strides, pads=pads))


def _window_counts(input_hw: tuple, ksize: tuple, strides: tuple, pads: Pads,
                   dtype: np.dtype) -> np.ndarray:
    """How many real (unpadded) pixels each window covers: TF's SAME average divisor."""
    ones = np.ones((1,) + tuple(input_hw) + (1,), dtype)
    return _windows(_pad(ones, pads, 0), ksize, strides).sum(axis=(3, 4))


@avg_pool2d_p.def_impl("numpy")
def _avg_pool_numpy(x: np.ndarray, *, ksize: tuple, strides: tuple, pads: Pads) -> np.ndarray:
    sums = _windows(_pad(x, pads, 0), ksize, strides).sum(axis=(3, 4))
    return (sums / _window_counts(x.shape[1:3], ksize, strides, pads, x.dtype)).astype(x.dtype)


@avg_pool2d_p.def_vjp
def _avg_pool_vjp(g: Tensor, x: Tensor, *, out: Tensor, ksize: tuple, strides: tuple,
                  pads: Pads) -> tuple:
    return (bind1(avg_pool2d_grad_p, g, input_hw=tuple(x._shape[1:3]), ksize=ksize,
                  strides=strides, pads=pads),)


@avg_pool2d_grad_p.def_abstract_eval
def _apg_abstract(g: TensorSpec, *, input_hw: tuple, ksize: tuple, strides: tuple,
                  pads: Pads) -> TensorSpec:
    n, _, _, c = g.shape._dims
    return TensorSpec._make((n,) + tuple(input_hw) + (c,), g.dtype)


@avg_pool2d_grad_p.def_impl("numpy")
def _apg_numpy(g: np.ndarray, *, input_hw: tuple, ksize: tuple, strides: tuple,
               pads: Pads) -> np.ndarray:
    share = g / _window_counts(input_hw, ksize, strides, pads, g.dtype)
    n, oh, ow, c = g.shape
    cols = np.broadcast_to(share[:, :, :, None, None, :], (n, oh, ow) + tuple(ksize) + (c,))
    return np.ascontiguousarray(_col2im(cols, tuple(input_hw), strides, pads))


@avg_pool2d_grad_p.def_vjp
def _apg_vjp(d: Tensor, g: Tensor, *, out: Tensor, input_hw: tuple, ksize: tuple,
             strides: tuple, pads: Pads) -> tuple:
    return (bind1(avg_pool2d_p, d, ksize=ksize, strides=strides, pads=pads),)


def _pool(prim: Primitive, op: str, input: Any, ksize: Any, strides: Any, padding: Any,
          data_format: str) -> Tensor:
    x = _image(input, op, data_format)
    ksize = _pair(ksize, "ksize", op)
    strides = _pair(strides, "strides", op)
    pads = _resolve_padding(padding, tuple(x._shape[1:3]), ksize, strides, (1, 1), op)
    _check_fits(x, ksize, pads, (1, 1), op)
    if prim is avg_pool2d_p and not x._dtype.is_floating:
        raise errors.InvalidArgumentError(
            None, None, f"{op} needs a floating-point input, got {x._dtype.name}.")
    return bind1(prim, x, ksize=ksize, strides=strides, pads=pads)


def max_pool2d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NHWC",
               name: Optional[str] = None) -> Tensor:
    """The maximum of each ``ksize`` window (NHWC); its gradient goes to the first maximum.

    Example:
        >>> import minitf as tf
        >>> x = tf.reshape(tf.constant([1., 3., 2., 4.]), [1, 2, 2, 1])
        >>> float(tf.nn.max_pool2d(x, 2, 2, "VALID")[0, 0, 0, 0])
        4.0
    """
    return _pool(max_pool2d_p, "MaxPool", input, ksize, strides, padding, data_format)


def avg_pool2d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NHWC",
               name: Optional[str] = None) -> Tensor:
    """The mean of each ``ksize`` window (NHWC); with ``"SAME"``, padding is not counted.

    Example:
        >>> import minitf as tf
        >>> x = tf.reshape(tf.constant([1., 3., 2., 4.]), [1, 2, 2, 1])
        >>> float(tf.nn.avg_pool2d(x, 2, 2, "VALID")[0, 0, 0, 0])
        2.5
    """
    return _pool(avg_pool2d_p, "AvgPool", input, ksize, strides, padding, data_format)


for _p in (max_pool2d_p, max_pool2d_grad_p, max_pool2d_grad_grad_p, avg_pool2d_p,
           avg_pool2d_grad_p):
    _p.def_impl("triton")(on_torch(_p.name))  # the GPU backend: torch, imported lazily

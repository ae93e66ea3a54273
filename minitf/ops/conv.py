"""Convolution primitives on NHWC images (``tf.nn.conv2d``), and the window arithmetic
that :mod:`minitf.ops.pooling` shares.

A 2-D convolution slides a ``(KH, KW, C, O)`` filter over a ``(N, H, W, C)`` image. The
NumPy implementation is *im2col*: a strided view lists every window as a row
``(N·OH·OW, KH·KW·C)`` without copying, one reshape copies it, and a single matmul with the
filter reshaped to ``(KH·KW·C, O)`` does all the arithmetic in BLAS.

Each primitive here is linear in its differentiated inputs, so the gradient rules form
closed families (each VJP binds a primitive of the same family, so second derivatives work):

* ``conv2d(x, w)``: ``dx = conv2d_backprop_input(g, w)``, ``dw = conv2d_backprop_filter(x, g)``
* ``conv2d_backprop_input(g, w)``: ``dg = conv2d(d, w)``, ``dw = conv2d_backprop_filter(d, g)``
* ``conv2d_backprop_filter(x, g)``: ``dx = conv2d_backprop_input(g, d)``, ``dg = conv2d(x, d)``

Padding is resolved by the public functions into explicit ``pads=((top, bottom), (left,
right))`` so the primitives never need to know about ``"SAME"``.

Example:
    >>> import minitf as tf
    >>> x = tf.reshape(tf.range(9.0), [1, 3, 3, 1])
    >>> tf.nn.conv2d(x, tf.ones([2, 2, 1, 1]), strides=1, padding="VALID")[0, :, :, 0].numpy()
    array([[ 8., 12.],
           [20., 24.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from minitf import errors
from minitf.core.interpreters import bind1
from minitf.core.primitive import Primitive
from minitf.core.spec import TensorSpec
from minitf.ops._operands import dims_str, to_tensor
from minitf.tensor import Tensor

__all__ = ["conv2d", "same_pads"]

Pads = tuple  # ((top, bottom), (left, right))

conv2d_p = Primitive("conv2d")
conv2d_backprop_input_p = Primitive("conv2d_backprop_input")
conv2d_backprop_filter_p = Primitive("conv2d_backprop_filter")
for _p in (conv2d_p, conv2d_backprop_input_p, conv2d_backprop_filter_p):
    _p.dtype_kinds = "f"


# ---------------------------------------------------------------------------------------
# Window arithmetic shared by the NumPy implementations
# ---------------------------------------------------------------------------------------
def _out_size(n: Optional[int], k: int, s: int, d: int, pad: tuple) -> Optional[int]:
    """Output length of a sliding window: ``(n + pads - span) // s + 1``."""
    if n is None:
        return None
    return (n + pad[0] + pad[1] - ((k - 1) * d + 1)) // s + 1


def _pad(x: np.ndarray, pads: Pads, value: Any) -> np.ndarray:
    (pt, pb), (pl, pr) = pads
    if pt == pb == pl == pr == 0:
        return x
    return np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=value)


def _windows(xp: np.ndarray, ksize: tuple, strides: tuple, dilations: tuple = (1, 1),
             out_hw: Optional[tuple] = None) -> np.ndarray:
    """A read-only ``(N, OH, OW, KH, KW, C)`` view of every window of the padded image.

    No data moves: window (a, b) starts ``a·sh`` rows down, and tap (i, j) of it sits
    ``i·dh`` rows further, so both are just strides over the same buffer.
    """
    n, h, w, c = xp.shape
    (kh, kw), (sh, sw), (dh, dw) = ksize, strides, dilations
    if out_hw is None:
        out_hw = ((h - (kh - 1) * dh - 1) // sh + 1, (w - (kw - 1) * dw - 1) // sw + 1)
    s_n, s_h, s_w, s_c = xp.strides
    return np.lib.stride_tricks.as_strided(
        xp, (n, out_hw[0], out_hw[1], kh, kw, c),
        (s_n, s_h * sh, s_w * sw, s_h * dh, s_w * dw, s_c), writeable=False)


def _col2im(cols: np.ndarray, input_hw: tuple, strides: tuple, pads: Pads,
            dilations: tuple = (1, 1)) -> np.ndarray:
    """The adjoint of :func:`_windows`: adds each window's taps back onto the image.

    ``cols`` is ``(N, OH, OW, KH, KW, C)``. One strided add per filter tap (KH·KW of
    them, 9 for a 3×3 filter), each touching N·OH·OW·C values.
    """
    n, oh, ow, kh, kw, c = cols.shape
    (sh, sw), (dh, dw) = strides, dilations
    (pt, pb), (pl, pr) = pads
    h, w = input_hw
    out = np.zeros((n, h + pt + pb, w + pl + pr, c), cols.dtype)
    for i in range(kh):
        for j in range(kw):
            r0, c0 = i * dh, j * dw
            out[:, r0:r0 + sh * (oh - 1) + 1:sh, c0:c0 + sw * (ow - 1) + 1:sw, :] += \
                cols[:, :, :, i, j, :]
    return out[:, pt:pt + h, pl:pl + w, :]


def _im2col(x: np.ndarray, ksize: tuple, strides: tuple, pads: Pads, dilations: tuple,
            out_hw: Optional[tuple] = None) -> np.ndarray:
    """Every window as one row: ``(N·OH·OW, KH·KW·C)`` (the only copy of the image)."""
    win = _windows(_pad(x, pads, 0), ksize, strides, dilations, out_hw)
    return win.reshape(-1, ksize[0] * ksize[1] * x.shape[3])


# ---------------------------------------------------------------------------------------
# conv2d and its backprop pair
# ---------------------------------------------------------------------------------------
@conv2d_p.def_abstract_eval
def _conv2d_abstract(x: TensorSpec, w: TensorSpec, *, strides: tuple, pads: Pads,
                     dilations: tuple) -> TensorSpec:
    n, h, wd, _ = x.shape._dims
    kh, kw, _, o = w.shape._dims
    return TensorSpec._make((n, _out_size(h, kh, strides[0], dilations[0], pads[0]),
                             _out_size(wd, kw, strides[1], dilations[1], pads[1]), o), x.dtype)


@conv2d_p.def_impl("numpy")
def _conv2d_numpy(x: np.ndarray, w: np.ndarray, *, strides: tuple, pads: Pads,
                  dilations: tuple) -> np.ndarray:
    kh, kw, c, o = w.shape
    if kh == kw == 1 and tuple(strides) == (1, 1) and _no_pads(pads):
        return (x.reshape(-1, c) @ w.reshape(c, o)).reshape(x.shape[:3] + (o,))
    n = x.shape[0]
    win = _windows(_pad(x, pads, 0), (kh, kw), strides, dilations)
    oh, ow = win.shape[1:3]
    # im2col: (N·OH·OW, KH·KW·C) @ (KH·KW·C, O) — about N·OH·OW·KH·KW·C·O multiply-adds.
    out = win.reshape(n * oh * ow, kh * kw * c) @ w.reshape(kh * kw * c, o)
    return out.reshape(n, oh, ow, o)


def _no_pads(pads: Pads) -> bool:
    return all(p == 0 for pair in pads for p in pair)


@conv2d_p.def_vjp
def _conv2d_vjp(g: Tensor, x: Tensor, w: Tensor, *, out: Tensor, strides: tuple, pads: Pads,
                dilations: tuple) -> tuple:
    geometry = dict(strides=strides, pads=pads, dilations=dilations)
    return (bind1(conv2d_backprop_input_p, g, w, input_hw=tuple(x._shape[1:3]), **geometry),
            bind1(conv2d_backprop_filter_p, x, g, filter_hw=tuple(w._shape[:2]), **geometry))


@conv2d_backprop_input_p.def_abstract_eval
def _bpi_abstract(g: TensorSpec, w: TensorSpec, *, input_hw: tuple, strides: tuple,
                  pads: Pads, dilations: tuple) -> TensorSpec:
    return TensorSpec._make((g.shape._dims[0],) + tuple(input_hw) + (w.shape._dims[2],),
                            g.dtype)


@conv2d_backprop_input_p.def_impl("numpy")
def _bpi_numpy(g: np.ndarray, w: np.ndarray, *, input_hw: tuple, strides: tuple, pads: Pads,
               dilations: tuple) -> np.ndarray:
    kh, kw, c, o = w.shape
    n, oh, ow, _ = g.shape
    # Each output pixel's gradient spreads back over its window: cols = g @ Wᵀ, then col2im.
    cols = (g.reshape(-1, o) @ w.reshape(-1, o).T).reshape(n, oh, ow, kh, kw, c)
    return np.ascontiguousarray(_col2im(cols, tuple(input_hw), strides, pads, dilations))


@conv2d_backprop_input_p.def_vjp
def _bpi_vjp(d: Tensor, g: Tensor, w: Tensor, *, out: Tensor, input_hw: tuple, strides: tuple,
             pads: Pads, dilations: tuple) -> tuple:
    geometry = dict(strides=strides, pads=pads, dilations=dilations)
    return (bind1(conv2d_p, d, w, **geometry),
            bind1(conv2d_backprop_filter_p, d, g, filter_hw=tuple(w._shape[:2]), **geometry))


@conv2d_backprop_filter_p.def_abstract_eval
def _bpf_abstract(x: TensorSpec, g: TensorSpec, *, filter_hw: tuple, strides: tuple,
                  pads: Pads, dilations: tuple) -> TensorSpec:
    return TensorSpec._make(tuple(filter_hw) + (x.shape._dims[3], g.shape._dims[3]), x.dtype)


@conv2d_backprop_filter_p.def_impl("numpy")
def _bpf_numpy(x: np.ndarray, g: np.ndarray, *, filter_hw: tuple, strides: tuple, pads: Pads,
               dilations: tuple) -> np.ndarray:
    kh, kw = filter_hw
    c, o = x.shape[3], g.shape[3]
    cols = _im2col(x, (kh, kw), strides, pads, dilations, out_hw=g.shape[1:3])
    # dW[k, o] = Σ over every window position of x_window[k] · g[o]: one matmul.
    return (cols.T @ g.reshape(-1, o)).reshape(kh, kw, c, o)


@conv2d_backprop_filter_p.def_vjp
def _bpf_vjp(d: Tensor, x: Tensor, g: Tensor, *, out: Tensor, filter_hw: tuple,
             strides: tuple, pads: Pads, dilations: tuple) -> tuple:
    geometry = dict(strides=strides, pads=pads, dilations=dilations)
    return (bind1(conv2d_backprop_input_p, g, d, input_hw=tuple(x._shape[1:3]), **geometry),
            bind1(conv2d_p, x, d, **geometry))


# ---------------------------------------------------------------------------------------
# Public functions (tf.nn names)
# ---------------------------------------------------------------------------------------
def _pair(value: Any, what: str, op: str) -> tuple:
    """TF accepts an int, a pair, or a length-4 NHWC list (whose N and C must be 1)."""
    if isinstance(value, (int, np.integer)):
        return (int(value), int(value))
    value = [int(v) for v in value]
    if len(value) == 1:
        return (value[0], value[0])
    if len(value) == 2:
        return (value[0], value[1])
    if len(value) == 4:
        if value[0] != 1 or value[3] != 1:
            raise errors.InvalidArgumentError(
                None, None, f"{op}: {what} in the batch and depth dimensions must be 1, got "
                f"{value} [Op:{op}].")
        return (value[1], value[2])
    raise errors.InvalidArgumentError(
        None, None, f"{op}: {what} must be an int or a list of 1, 2 or 4 ints, got {value}.")


def same_pads(input_hw: tuple, ksize: tuple, strides: tuple,
              dilations: tuple = (1, 1)) -> Pads:
    """TF's ``"SAME"`` padding: output size ``ceil(n / s)``, the odd pixel at the end.

    Example:
        >>> from minitf.ops.conv import same_pads
        >>> same_pads((5, 5), (3, 3), (2, 2))
        ((1, 1), (1, 1))
    """
    pads = []
    for n, k, s, d in zip(input_hw, ksize, strides, dilations):
        span = (k - 1) * d + 1
        total = max((-(-n // s) - 1) * s + span - n, 0)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def _resolve_padding(padding: Any, input_hw: tuple, ksize: tuple, strides: tuple,
                     dilations: tuple, op: str) -> Pads:
    if isinstance(padding, str):
        mode = padding.upper()
        if mode == "VALID":
            return ((0, 0), (0, 0))
        if mode == "SAME":
            if None in input_hw:
                raise errors.InvalidArgumentError(
                    None, None, f"{op} with padding='SAME' needs a known height and width, "
                    f"got input shape {dims_str((None,) + tuple(input_hw) + (None,))}.")
            return same_pads(input_hw, ksize, strides, dilations)
        raise errors.InvalidArgumentError(
            None, None, f"{op}: padding must be 'SAME' or 'VALID', got {padding!r}.")
    pads = [(int(a), int(b)) for a, b in padding]
    if len(pads) == 4:
        pads = pads[1:3]
    return (pads[0], pads[1])


def _image(x: Any, op: str, data_format: str) -> Tensor:
    x = to_tensor(x)
    if data_format not in ("NHWC", "channels_last"):
        raise errors.InvalidArgumentError(
            None, None, f"{op}: minitf supports data_format='NHWC' only, got {data_format!r}; "
            f"transpose with tf.transpose(x, [0, 2, 3, 1]).")
    if len(x._shape) != 4:
        raise errors.InvalidArgumentError(
            None, None, f"{op}: input must be 4-dimensional (batch, height, width, channels), "
            f"got shape {dims_str(x._shape)}. Add a batch axis with tf.expand_dims(x, 0).")
    return x


def conv2d(input: Any, filters: Any, strides: Any, padding: Any, data_format: str = "NHWC",
           dilations: Any = None, name: Optional[str] = None) -> Tensor:
    """2-D convolution (cross-correlation, as in TF) of NHWC images with HWIO filters.

    Args:
        input: ``(N, H, W, C)`` images.
        filters: ``(KH, KW, C, O)`` filters.
        strides: an int, a pair, or ``[1, sh, sw, 1]``.
        padding: ``"SAME"``, ``"VALID"`` or explicit ``[[0, 0], [t, b], [l, r], [0, 0]]``.
        dilations: spacing between filter taps (default 1).

    Returns:
        ``(N, OH, OW, O)``.

    Example:
        >>> import minitf as tf
        >>> x = tf.ones([1, 3, 3, 1])
        >>> tf.nn.conv2d(x, tf.ones([2, 2, 1, 1]), strides=1, padding="VALID")[0, :, :, 0]
        <tf.Tensor: shape=(2, 2), dtype=float32, numpy=
        array([[4., 4.],
               [4., 4.]], dtype=float32)>
    """
    x = _image(input, "Conv2D", data_format)
    w = to_tensor(filters, x._dtype)
    if len(w._shape) != 4:
        raise errors.InvalidArgumentError(
            None, None, f"Conv2D: filters must be 4-dimensional (height, width, in_channels, "
            f"out_channels), got shape {dims_str(w._shape)}.")
    if x._dtype is not w._dtype or not x._dtype.is_floating:
        raise errors.InvalidArgumentError(
            None, None, f"Conv2D needs input and filters of one floating dtype, got "
            f"{x._dtype.name} and {w._dtype.name}; cast with tf.cast(..., tf.float32).")
    if x._shape[3] is not None and x._shape[3] != w._shape[2]:
        raise errors.InvalidArgumentError(
            None, None, f"Conv2D: input depth {x._shape[3]} must equal the filters' in_channels "
            f"{w._shape[2]} (input {dims_str(x._shape)}, filters {dims_str(w._shape)}).")
    strides = _pair(strides, "strides", "Conv2D")
    dilations = (1, 1) if dilations is None else _pair(dilations, "dilations", "Conv2D")
    ksize = tuple(w._shape[:2])
    pads = _resolve_padding(padding, tuple(x._shape[1:3]), ksize, strides, dilations, "Conv2D")
    _check_fits(x, ksize, pads, dilations, "Conv2D")
    return bind1(conv2d_p, x, w, strides=strides, pads=pads, dilations=dilations)


def _check_fits(x: Tensor, ksize: tuple, pads: Pads, dilations: tuple, op: str) -> None:
    for n, k, p, d in zip(x._shape[1:3], ksize, pads, dilations):
        if n is not None and n + p[0] + p[1] < (k - 1) * d + 1:
            raise errors.InvalidArgumentError(
                None, None, f"{op}: the window {tuple(ksize)} is larger than the (padded) input "
                f"{dims_str(x._shape)}; use padding='SAME' or a smaller kernel.")


# ---------------------------------------------------------------------------------------
# The GPU backend: torch implementations (cuDNN), imported on first use
# ---------------------------------------------------------------------------------------
def on_torch(name: str) -> Callable:
    """``minitf.ops.conv_torch.<name>``, imported when first called (never by ``import
    minitf``)."""
    def run(*buffers: Any, **params: Any) -> Any:
        from minitf.ops import conv_torch
        return getattr(conv_torch, name)(*buffers, **params)
    run.__name__ = f"{name}_torch"
    return run


for _p in (conv2d_p, conv2d_backprop_input_p, conv2d_backprop_filter_p):
    _p.def_impl("triton")(on_torch(_p.name))

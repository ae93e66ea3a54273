"""Reductions: ``reduce_sum/max/min/prod/any/all`` as primitives, and
``reduce_mean``/``reduce_logsumexp``/``reduce_std`` composed from them (``argmax`` and
``argmin`` are in :mod:`minitf.ops.arg_reduction`).

``axis`` is normalised to a sorted tuple of non-negative ints before ``bind`` so that
graphs print and save one canonical form.

Example:
    >>> import minitf as tf
    >>> x = tf.constant([[1., 2.], [3., 4.]])
    >>> tf.reduce_sum(x, axis=0).numpy()
    array([4., 6.], dtype=float32)
    >>> tf.reduce_mean(x, keepdims=True).numpy()
    array([[2.5]], dtype=float32)
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np

from minitf import dtypes as _dtypes
from minitf import errors
from minitf.core.graph import Eqn as _Eqn
from minitf.core.interpreters import _state, bind1
from minitf.core.interpreters import current as _current_context
from minitf.core.primitive import NOT_DIFFERENTIABLE, Primitive
from minitf.core.spec import TensorSpec
from minitf.ops import elementwise as _ew
from minitf.ops import shape as _shape_ops
from minitf.ops._operands import describe, to_tensor
from minitf.tensor import Tensor

Axis = Union[None, int, Sequence[int], Tensor]
_new = object.__new__


def normalize_axes(axis: Axis, rank: int, op: str) -> tuple:
    """``axis`` (None, int, list, tensor) as a sorted tuple of non-negative ints.

    Raises:
        InvalidArgumentError: for an axis outside ``[-rank, rank)``.
    """
    if axis is None:
        return tuple(range(rank))
    if isinstance(axis, Tensor):
        axis = np.asarray(axis).tolist()
    if isinstance(axis, (int, np.integer)):
        axis = (int(axis),)
    out = []
    for a in axis:
        a = int(a)
        if not -rank <= a < max(rank, 1) or (rank == 0 and a not in (0, -1)):
            raise errors.InvalidArgumentError(
                None, None,
                f"Invalid reduction dimension ({a} for input with {rank} dimension(s)) "
                f"[Op:{op}]. Axes must lie in [-{rank}, {rank}).")
        out.append(a % rank if rank else 0)
    if rank == 0:
        return ()
    return tuple(sorted(set(out)))


def _reduced_shape(shape: tuple, axes: tuple, keepdims: bool) -> tuple:
    # BEGIN SOLUTION tensors: a reduction's shape rule (keepdims); spec: tests/test_registry.py
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)
    # END SOLUTION


def _reduction(name: str, numpy_fn: Any, kinds: str,
               out_dtype: Optional[_dtypes.DType] = None) -> Primitive:
    prim = Primitive(name)
    prim.dtype_kinds = kinds

    @prim.def_abstract_eval
    def _abstract(x: TensorSpec, *, axis: tuple, keepdims: bool) -> TensorSpec:
        return TensorSpec._make(_reduced_shape(x.shape._dims, tuple(axis), keepdims),
                                out_dtype or x.dtype)

    # np.add.reduce & co. (not max/min) reduce a vector's only axis without arguments.
    ufunc_method = isinstance(getattr(numpy_fn, "__self__", None), np.ufunc)

    @prim.def_impl("numpy")
    def _impl(x: np.ndarray, *, axis: tuple, keepdims: bool) -> np.ndarray:
        if ufunc_method and not keepdims and len(axis) == 1 and x.ndim == 1:
            out = numpy_fn(x)
        else:
            out = numpy_fn(x, axis=axis if type(axis) is tuple else tuple(axis),
                           keepdims=keepdims)
        # NumPy sums small ints into int64, bools into ints; TF keeps the dtype (`is` first:
        # comparing two NumPy dtypes with != costs ~0.2 µs).
        if out_dtype is None and out.dtype is not x.dtype and out.dtype != x.dtype:
            out = out.astype(x.dtype)
        return out

    return prim


def _with_identity(np_fn: Any, lowest: bool) -> Any:
    """``np.max``/``np.min`` that, like TF, return the reduction's identity over no
    elements (max: the dtype's lowest value, ``-inf`` for floats) instead of raising."""
    def reduce(x: np.ndarray, *, axis: tuple, keepdims: bool) -> np.ndarray:
        if x.size:
            return np_fn(x, axis=axis, keepdims=keepdims)
        if x.dtype.kind == "f":
            initial = -np.inf if lowest else np.inf
        else:
            info = np.iinfo(x.dtype)
            initial = info.min if lowest else info.max
        return np_fn(x, axis=axis, keepdims=keepdims, initial=initial)
    return reduce


# The ufuncs' own ``reduce`` methods: np.sum/np.max are Python wrappers around them that
# cost ~5 µs more per call, which is most of a small reduction's time.
sum_p = _reduction("reduce_sum", np.add.reduce, "fiu")
max_p = _reduction("reduce_max", _with_identity(np.maximum.reduce, lowest=True), "fiu")
min_p = _reduction("reduce_min", _with_identity(np.minimum.reduce, lowest=False), "fiu")
prod_p = _reduction("reduce_prod", np.multiply.reduce, "fiu")
any_p = _reduction("reduce_any", np.logical_or.reduce, "b")
all_p = _reduction("reduce_all", np.logical_and.reduce, "b")


def _reduce(prim: Primitive, x: Any, axis: Axis, keepdims: bool, op: str) -> Tensor:
    x = to_tensor(x)
    if x._dtype._kind not in prim.dtype_kinds:
        raise errors.InvalidArgumentError(
            None, None, f"{prim.name} does not support {describe(x)} [Op:{op}]; cast it "
            f"first, e.g. tf.{prim.name}(tf.cast(x, "
            f"tf.{'bool' if prim.dtype_kinds == 'b' else 'float32'})).")
    axes = normalize_axes(axis, len(x._shape), op)
    if not axes and not keepdims:
        return x
    return bind1(prim, x, axis=axes, keepdims=bool(keepdims))


def reduce_sum(input_tensor: Any, axis: Axis = None, keepdims: bool = False,
               name: Optional[str] = None) -> Tensor:
    """Sum over ``axis`` (all axes by default). Bools and ints keep their dtype.

    Example:
        >>> import minitf as tf
        >>> tf.reduce_sum([1, 2, 3])
        <tf.Tensor: shape=(), dtype=int32, numpy=6>
    """
    return _reduce(sum_p, input_tensor, axis, keepdims, "Sum")


def reduce_max(input_tensor: Any, axis: Axis = None, keepdims: bool = False,
               name: Optional[str] = None) -> Tensor:
    """Maximum over ``axis``; the gradient is shared equally among tied maxima (as TF).

    Example:
        >>> import minitf as tf
        >>> tf.reduce_max(tf.constant([[1, 5], [7, 2]]), axis=1).numpy()
        array([5, 7], dtype=int32)
    """
    return _reduce(max_p, input_tensor, axis, keepdims, "Max")


def reduce_min(input_tensor: Any, axis: Axis = None, keepdims: bool = False,
               name: Optional[str] = None) -> Tensor:
    """Minimum over ``axis``.

    Example:
        >>> import minitf as tf
        >>> tf.reduce_min(tf.constant([3.0, -1.0])).numpy()
        np.float32(-1.0)
    """
    return _reduce(min_p, input_tensor, axis, keepdims, "Min")


def reduce_prod(input_tensor: Any, axis: Axis = None, keepdims: bool = False,
                name: Optional[str] = None) -> Tensor:
    """Product over ``axis``.

    Example:
        >>> import minitf as tf
        >>> tf.reduce_prod(tf.constant([2.0, 3.0, 4.0])).numpy()
        np.float32(24.0)
    """
    return _reduce(prod_p, input_tensor, axis, keepdims, "Prod")


def reduce_any(input_tensor: Any, axis: Axis = None, keepdims: bool = False,
               name: Optional[str] = None) -> Tensor:
    """Logical OR over ``axis`` (bool input).

    Example:
        >>> import minitf as tf
        >>> tf.reduce_any(tf.constant([False, True])).numpy()
        np.True_
    """
    return _reduce(any_p, input_tensor, axis, keepdims, "Any")


def reduce_all(input_tensor: Any, axis: Axis = None, keepdims: bool = False,
               name: Optional[str] = None) -> Tensor:
    """Logical AND over ``axis`` (bool input).

    Example:
        >>> import minitf as tf
        >>> tf.reduce_all(tf.constant([False, True])).numpy()
        np.False_
    """
    return _reduce(all_p, input_tensor, axis, keepdims, "All")


def _count(x: Tensor, axes: tuple) -> Tensor:
    # The number of elements reduced, as a scalar of x's dtype. Static when the reduced
    # sizes are known; otherwise computed from tf.shape at run time.
    shape = x._shape
    n = 1
    for a in axes:
        d = shape[a]
        if d is None:
            break
        n *= d
    else:
        t = _new(Tensor)
        t._value, t._dtype = x._dtype.scalar(n), x._dtype
        return t
    from minitf.ops.elementwise import cast
    from minitf.ops.shape import shape as _shape, gather
    sizes = gather(_shape(x), list(axes))
    return cast(reduce_prod(sizes), x._dtype)


def reduce_mean(input_tensor: Any, axis: Axis = None, keepdims: bool = False,
                name: Optional[str] = None) -> Tensor:
    """Mean over ``axis`` (composed: sum, then divide by the count).

    Integer inputs give the integer mean truncated toward zero (C division), as in
    TensorFlow: the mean of ``[-1, -2]`` is ``-1``.

    Example:
        >>> import minitf as tf
        >>> tf.reduce_mean(tf.constant([1.0, 2.0, 4.0])).numpy()
        np.float32(2.3333333)
    """
    x = input_tensor
    if axis is None and not keepdims and type(x) is Tensor and x._dtype._kind == "f" \
            and type(x._value) is np.ndarray and x._value.ndim and x._value.size:
        ctx = _current_context()
        if ctx.builder is None and not _state["multi_backend"]:
            return _eager_mean_of_all(x, ctx)
    abs_p, div_p, floordiv_p, mul_p, sign_p = (_ew.abs_p, _ew.div_p, _ew.floordiv_p,
                                               _ew.mul_p, _ew.sign_p)
    x = to_tensor(input_tensor)
    axes = normalize_axes(axis, len(x._shape), "Mean")
    if axes and x._dtype._kind in sum_p.dtype_kinds:
        total = bind1(sum_p, x, axis=axes, keepdims=bool(keepdims))
    else:  # (no axes, or a dtype _reduce refuses with its error)
        total = _reduce(sum_p, x, axes, keepdims, "Mean")
    n = _count(x, axes)
    if x._dtype.is_integer:
        # Truncation toward zero: sign(total) * (|total| // n); an empty mean is 0.
        n_safe = _count_at_least_one(n)
        if x._dtype.is_unsigned:
            return bind1(floordiv_p, total, n_safe)
        return bind1(mul_p, bind1(sign_p, total),
                     bind1(floordiv_p, bind1(abs_p, total), n_safe))
    return bind1(div_p, total, n)


def _eager_mean_of_all(x: Tensor, ctx: Any) -> Tensor:
    """A training step's loss: the eager mean of all of a NumPy float tensor's elements.

    The two equations of the general path, ``sum`` over all axes then ``div`` by the
    count, computed and recorded on the tapes as ``bind1`` would, minus its generality
    (~3 µs of ~5). The axes are one shared tuple per rank: backward plans compare
    them by identity first.
    """
    value = x._value
    dtype = x._dtype
    ndim = value.ndim
    # sum_p's NumPy implementation as it runs for floats: a NumPy scalar of x's dtype.
    total_value = _ADD_REDUCE(value) if ndim == 1 else _ADD_REDUCE(value, axis=_ALL_AXES[ndim])
    count = dtype._scalars.get(value.size)  # (dtype.scalar's cache, read inline)
    if count is None:
        count = dtype.scalar(value.size)
    total = _new(Tensor)
    total._value = total_value
    total._dtype = dtype
    n = _new(Tensor)
    n._value = count
    n._dtype = dtype
    out = _new(Tensor)
    out._value = total_value / count  # div_p's NumPy implementation on two NumPy scalars
    out._dtype = dtype
    tapes = ctx.tapes
    if tapes:
        tape_class = _GRADIENT_TAPE or _gradient_tape_class()
        params = {"axis": _ALL_AXES[ndim], "keepdims": False}
        for tape in tapes:
            if type(tape) is not tape_class:
                tape._record(sum_p, (x,), params, (total,))
                tape._record(_ew.div_p, (total, n), {}, (out,))
                continue
            # GradientTape._record, twice, written out: both equations hang on x alone.
            watched = tape._watched
            if id(x) not in watched:
                continue
            watched[id(total)] = total
            watched[id(out)] = out
            summed = _new(_Eqn)
            summed.prim, summed.inputs, summed.params, summed.outputs = \
                sum_p, (x,), params, (total,)
            divided = _new(_Eqn)
            divided.prim, divided.inputs, divided.params, divided.outputs = \
                _ew.div_p, (total, n), {}, (out,)
            tape._eqns += (summed, divided)
    return out


_GRADIENT_TAPE: Any = None


def _gradient_tape_class() -> type:
    # (autodiff imports the ops: the class is looked up when a tape first records here)
    global _GRADIENT_TAPE
    from minitf.autodiff import GradientTape
    _GRADIENT_TAPE = GradientTape
    return GradientTape


_ALL_AXES = tuple(tuple(range(rank)) for rank in range(65))  # NumPy has at most 64 axes
_ADD_REDUCE = np.add.reduce


def _count_at_least_one(n: Tensor) -> Tensor:
    # An integer mean over no elements is 0 in TF (0 / 0 would be a division error).
    from minitf.ops.elementwise import maximum_p
    one = object.__new__(Tensor)
    one._value = n._dtype.np.type(1)
    one._dtype = n._dtype
    return bind1(maximum_p, n, one)


def reduce_variance(input_tensor: Any, axis: Axis = None, keepdims: bool = False,
                    name: Optional[str] = None) -> Tensor:
    """Population variance over ``axis`` (composed).

    Example:
        >>> import minitf as tf
        >>> tf.math.reduce_variance(tf.constant([1.0, 3.0])).numpy()
        np.float32(1.0)
    """
    from minitf.ops.elementwise import square, subtract
    x = to_tensor(input_tensor)
    mean = reduce_mean(x, axis, keepdims=True)
    return reduce_mean(square(subtract(x, mean)), axis, keepdims)


def reduce_std(input_tensor: Any, axis: Axis = None, keepdims: bool = False,
               name: Optional[str] = None) -> Tensor:
    """Population standard deviation over ``axis`` (composed).

    Example:
        >>> import minitf as tf
        >>> tf.math.reduce_std(tf.constant([1.0, 3.0])).numpy()
        np.float32(1.0)
    """
    from minitf.ops.elementwise import sqrt
    return sqrt(reduce_variance(input_tensor, axis, keepdims))


def reduce_logsumexp(input_tensor: Any, axis: Axis = None, keepdims: bool = False,
                     name: Optional[str] = None) -> Tensor:
    """``log(sum(exp(x)))`` computed stably: ``m + log(sum(exp(x - m)))``, m the max.

    Example:
        >>> import minitf as tf
        >>> round(float(tf.reduce_logsumexp(tf.constant([0.0, 0.0]))), 6)
        0.693147
    """
    from minitf.ops.elementwise import add, exp, is_finite, log, subtract, where
    from minitf.ops.shape import stop_gradient
    x = to_tensor(input_tensor)
    axes = normalize_axes(axis, len(x._shape), "Logsumexp")
    # The shift m only keeps exp() in range; it cancels mathematically, so no gradient
    # needs to flow through it (TF stops it too). Infinite maxima are replaced by 0.
    m = reduce_max(x, axes, keepdims=True)
    m = stop_gradient(where(is_finite(m), m, 0.0 if x._dtype.is_floating else 0))
    out = add(log(reduce_sum(exp(subtract(x, m)), axes, keepdims=True)), m)
    if not keepdims:
        from minitf.ops.shape import squeeze
        out = squeeze(out, axes) if axes else out
    return out


# ---------------------------------------------------------------------------------------
# VJPs: a reduction's cotangent is broadcast back over the reduced axes.
# ---------------------------------------------------------------------------------------
def _expand_back(t: Tensor, x: Tensor, axis: tuple, keepdims: bool) -> Tensor:
    """Broadcasts a reduced tensor ``t`` back to ``x``'s shape."""
    # BEGIN SOLUTION autodiff: reduce_sum's VJP, g spread back over x; spec: tests/test_gradients.py
    broadcast_to_p = _shape_ops.broadcast_to_p
    if not keepdims and t._shape:
        # Put size-1 axes back where the reduction removed them: one reshape when the
        # sizes are static, else one expand_dims per axis. (A rank-0 t — a full
        # reduction — needs neither: it broadcasts as it is.)
        kept = tuple(1 if i in axis else d for i, d in enumerate(x._shape))
        if None not in kept:
            t = bind1(_shape_ops.reshape_p, t, shape=kept)
        else:
            for a in sorted(axis):
                t = bind1(_shape_ops.expand_dims_p, t, axis=a)
    if t._shape == x._shape and None not in x._shape:
        return t
    if None in x._shape:
        return bind1(broadcast_to_p, t, x, shape=x._shape)
    return bind1(broadcast_to_p, t, shape=x._shape)
    # END SOLUTION


@sum_p.def_vjp
def _sum_vjp(g: Tensor, x: Tensor, *, out: Tensor, axis: tuple, keepdims: bool) -> tuple:
    return (_expand_back(g, x, axis, keepdims),)


def _extremum_vjp(g: Tensor, x: Tensor, *, out: Tensor, axis: tuple, keepdims: bool) -> tuple:
    # The gradient goes to the elements equal to the extremum, split evenly among ties
    # (TF's rule): indicator / count * g.
    from minitf.ops.elementwise import cast_p, div_p, equal_p, mul_p
    hit = bind1(cast_p, bind1(equal_p, x, _expand_back(out, x, axis, keepdims)),
                dtype=x._dtype.name)
    count = bind1(sum_p, hit, axis=axis, keepdims=True)
    share = bind1(div_p, hit, _expand_back(count, x, axis, True))
    return (bind1(mul_p, share, _expand_back(g, x, axis, keepdims)),)


max_p.def_vjp(_extremum_vjp)
min_p.def_vjp(_extremum_vjp)


@prod_p.def_vjp
def _prod_vjp(g: Tensor, x: Tensor, *, out: Tensor, axis: tuple, keepdims: bool) -> tuple:
    # d prod / d x_i = prod / x_i. (Exact only where x_i != 0; TF's cumprod-based rule
    # also covers zeros. Documented in the op-spec table's domain for reduce_prod.)
    from minitf.ops.elementwise import div_p, mul_p
    return (bind1(div_p, bind1(mul_p, _expand_back(g, x, axis, keepdims),
                               _expand_back(out, x, axis, keepdims)), x),)


any_p.def_vjp(NOT_DIFFERENTIABLE)
all_p.def_vjp(NOT_DIFFERENTIABLE)

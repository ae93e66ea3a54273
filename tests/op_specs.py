"""The op-spec table: one row per public op, tested generically.

Each :class:`OpSpec` names the minitf function, its NumPy reference, how to draw inputs
(arity, dtypes, value domain, shapes) and tolerances. ``test_ops_forward`` checks every
row against NumPy over hypothesis inputs; the gradient tests check every differentiable
row with ``minitf.testing.check_grads``.

A row's ``fn`` takes only tensors: other arguments (axes, shapes, indices, labels) are
fixed inside a small lambda, computed from the inputs' shapes where they must fit them.
Where TensorFlow's result differs from NumPy's plain function (integer ``/`` gives
float64, an integer mean truncates toward zero, ``max`` of nothing is ``-inf``), the
reference encodes TensorFlow's rule — checked against TensorFlow 2.21 when written.

Example:
    >>> from tests.op_specs import OP_SPECS
    >>> sorted(s.name for s in OP_SPECS)[:2]
    ['abs', 'add']
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Optional, Sequence

import numpy as np

import minitf as tf
from tests.strategies import (
    FLOAT_DTYPES, INT_DTYPES, batch_broadcast_matmul_shapes, concat_shapes, matmul_shapes,
    operand_and_bounds_shapes, shapes, shapes_where,
)


@dataclasses.dataclass(frozen=True)
class OpSpec:
    """How to test one op.

    Attributes:
        name: a readable id (pytest shows it).
        fn: the minitf function, called with tensors (and ``kwargs``).
        reference: the NumPy function computing the same thing on arrays.
        arity: the number of tensor arguments.
        dtypes: the dtypes the op accepts (inputs share one dtype).
        low, high: the input value domain.
        avoid_zero: keep inputs away from 0 (division, log of |x|...).
        broadcast: whether inputs may have different broadcastable shapes.
        differentiable: whether gradients are checked (float dtypes only).
        kink: points where the gradient is undefined; inputs are kept 1e-2 away.
        kwargs: extra keyword arguments (e.g. ``{"axis": 0}``).
        rtol, atol: forward tolerances for float32 (float64 uses 1e-10).
        min_dims: smallest rank to draw.
        max_dims: largest rank to draw.
        min_side: smallest size of each dimension (1 where an op needs an element).
        shapes: a zero-argument function returning a hypothesis strategy of a tuple of
            ``arity`` shapes, for ops whose operands need related shapes (matmul);
            None means: drawn from ``min_dims``..``max_side`` and ``broadcast``.
        avoid_ties: the gradient is undefined where two input elements are equal
            (``maximum``, ``reduce_max``): a gradient check must draw elements that are
            pairwise more than 1e-2 apart, within and across arguments.
    """

    name: str
    fn: Callable[..., Any]
    reference: Callable[..., Any]
    arity: int = 1
    dtypes: Sequence[tf.DType] = FLOAT_DTYPES
    low: float = -5.0
    high: float = 5.0
    avoid_zero: bool = False
    broadcast: bool = True
    differentiable: bool = True
    kink: Sequence[float] = ()
    kwargs: Optional[dict] = None
    rtol: float = 1e-5
    atol: float = 1e-6
    min_dims: int = 0
    max_dims: int = 3
    min_side: int = 0
    shapes: Optional[Callable[[], Any]] = None
    avoid_ties: bool = False


NUMERIC = FLOAT_DTYPES + INT_DTYPES
SMALL_INTS = (tf.int8, tf.int16, tf.uint8)
BOOL = (tf.bool,)
FLOAT16 = (tf.float16,)


# -- NumPy references for TensorFlow's rules --------------------------------------------
def _keep(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The reference with its result cast back to the first input's dtype (TF keeps the
    dtype where NumPy widens: ``np.sum`` of int32 is int64)."""
    def ref(x: np.ndarray, *rest: Any, **kw: Any) -> np.ndarray:
        return np.asarray(fn(x, *rest, **kw)).astype(x.dtype)
    return ref


def _truediv(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    # TF casts int8/int16/uint8 to float32 and int32/int64 to float64 before dividing.
    if x.dtype.kind in "iu":
        target = np.float32 if x.dtype.itemsize <= 2 else np.float64
        x, y = x.astype(target), y.astype(target)
    return np.true_divide(x, y)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return (1 / (1 + np.exp(-x.astype(np.float64)))).astype(x.dtype)


def _log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    x64 = x.astype(np.float64)
    m = np.max(x64, axis=axis, keepdims=True, initial=-np.inf)
    lse = m + np.log(np.sum(np.exp(x64 - m), axis=axis, keepdims=True))
    return (x64 - lse).astype(x.dtype)


def _softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.exp(_log_softmax(x.astype(np.float64), axis)).astype(x.dtype)


def _extremum(np_fn: Callable, fill: str) -> Callable:
    # TF's max of no elements is the dtype's lowest value (-inf for floats), min's the
    # highest: the identity of the reduction.
    def ref(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        if x.dtype.kind == "f":
            initial = -np.inf if fill == "low" else np.inf
        else:
            info = np.iinfo(x.dtype)
            initial = info.min if fill == "low" else info.max
        return np.asarray(np_fn(x, axis=axis, keepdims=keepdims, initial=initial), x.dtype)
    return ref


def _mean(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    # Integer means truncate toward zero (C division); an empty float mean is NaN.
    n = x.size if axis is None else int(np.prod([x.shape[a] for a in np.atleast_1d(axis)]))
    total = np.sum(x.astype(np.float64), axis=axis, keepdims=keepdims)
    if x.dtype.kind in "iu":
        return np.trunc(total / max(n, 1)).astype(x.dtype)
    with np.errstate(invalid="ignore"):
        return np.asarray(total / n).astype(x.dtype)


def _logsumexp(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    x64 = x.astype(np.float64)
    m = np.max(x64, axis=axis, keepdims=True, initial=-np.inf)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x64 - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        out = np.squeeze(out, axis=axis) if axis is not None else out.reshape(())
    return out.astype(x.dtype)


def _pattern(shape: Sequence[int]) -> np.ndarray:
    """A fixed True/False checkerboard of ``shape`` (conditions for ``where``)."""
    return (np.arange(int(np.prod(shape)), dtype=np.int64).reshape(tuple(shape)) % 3) != 1


def _labels(batch: Sequence[int], classes: int) -> np.ndarray:
    """Integer class ids ``0, 1, ..., classes-1, 0, ...`` filling ``batch``."""
    n = int(np.prod(batch))
    return (np.arange(n, dtype=np.int32) % max(classes, 1)).reshape(tuple(batch))


def _sigmoid_ce(z: np.ndarray, x: np.ndarray) -> np.ndarray:
    # -z log s(x) - (1 - z) log(1 - s(x)) with z = sigmoid(label logits), in float64.
    z64, x64 = 1 / (1 + np.exp(-z.astype(np.float64))), x.astype(np.float64)
    s = 1 / (1 + np.exp(-x64))
    return (-z64 * np.log(s) - (1 - z64) * np.log1p(-s)).astype(x.dtype)


def _softmax_ce(z: np.ndarray, x: np.ndarray) -> np.ndarray:
    p = _softmax(z.astype(np.float64))
    return (-np.sum(p * _log_softmax(x.astype(np.float64)), axis=-1)).astype(x.dtype)


def _sparse_ce(x: np.ndarray) -> np.ndarray:
    labels = _labels(x.shape[:-1], x.shape[-1])
    lsm = _log_softmax(x.astype(np.float64))
    picked = np.take_along_axis(lsm, labels[..., None].astype(np.int64), axis=-1)[..., 0]
    return (-picked).astype(x.dtype)


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    x64 = x.astype(np.float64)
    return (0.5 * x64 * (1 + np.tanh(np.sqrt(2 / np.pi) * (x64 + 0.044715 * x64 ** 3)))
            ).astype(x.dtype)


def _np_one_hot(x: np.ndarray, depth: int) -> np.ndarray:
    # Out-of-range ids (negative or >= depth) give a row of zeros, as in TF.
    return (x[..., None] == np.arange(depth)).astype(np.float32)


def _cast_ref(target: Any) -> Callable:
    def ref(x: np.ndarray) -> np.ndarray:
        if x.dtype.kind == "f" and np.dtype(target).kind in "iu":
            return np.trunc(x).astype(target)  # toward zero, as TF
        return x.astype(target)
    return ref


# -- the table ----------------------------------------------------------------------------
OP_SPECS: list[OpSpec] = [
    # Binary arithmetic (TF: no implicit promotion; NumPy agrees for one dtype).
    OpSpec("add", tf.add, np.add, arity=2, dtypes=NUMERIC + SMALL_INTS + FLOAT16),
    OpSpec("subtract", tf.subtract, np.subtract, arity=2, dtypes=NUMERIC + SMALL_INTS),
    OpSpec("multiply", tf.multiply, np.multiply, arity=2, dtypes=NUMERIC + SMALL_INTS + FLOAT16),
    OpSpec("divide", tf.divide, _truediv, arity=2, dtypes=NUMERIC, avoid_zero=True),
    OpSpec("truediv", tf.truediv, _truediv, arity=2, dtypes=NUMERIC + SMALL_INTS,
           avoid_zero=True),
    # floordiv/floormod jump wherever x / y is an integer (and hypothesis loves such
    # inputs); floordiv has no gradient in TF. Their VJPs are checked at chosen points.
    OpSpec("floordiv", tf.math.floordiv, np.floor_divide, arity=2, dtypes=NUMERIC,
           avoid_zero=True, differentiable=False),
    OpSpec("floormod", tf.math.floormod, np.mod, arity=2, dtypes=NUMERIC, avoid_zero=True,
           differentiable=False),
    OpSpec("pow", tf.pow, np.power, arity=2, low=0.5, high=2.0),
    OpSpec("pow_int", tf.pow, np.power, arity=2, dtypes=INT_DTYPES, low=0, high=4,
           differentiable=False),
    OpSpec("maximum", tf.maximum, np.maximum, arity=2, dtypes=NUMERIC, avoid_ties=True),
    OpSpec("minimum", tf.minimum, np.minimum, arity=2, dtypes=NUMERIC, avoid_ties=True),
    # Unary math.
    OpSpec("negative", tf.negative, np.negative, dtypes=NUMERIC + FLOAT16),
    OpSpec("abs", tf.abs, np.abs, dtypes=NUMERIC + FLOAT16, kink=(0.0,)),
    OpSpec("sign", tf.sign, np.sign, dtypes=NUMERIC, kink=(0.0,)),
    OpSpec("exp", tf.exp, np.exp, dtypes=FLOAT_DTYPES + FLOAT16),
    OpSpec("log", tf.math.log, np.log, low=0.1, high=10.0),
    OpSpec("log1p", tf.math.log1p, np.log1p, low=-0.9, high=5.0),
    OpSpec("sqrt", tf.sqrt, np.sqrt, low=0.1, high=10.0),
    OpSpec("rsqrt", tf.math.rsqrt, lambda x: 1 / np.sqrt(x), low=0.1, high=10.0),
    OpSpec("square", tf.square, np.square, dtypes=NUMERIC),
    OpSpec("sin", tf.sin, np.sin),
    OpSpec("cos", tf.cos, np.cos),
    OpSpec("tanh", tf.tanh, np.tanh),
    OpSpec("sigmoid", tf.sigmoid, _sigmoid, low=-20.0, high=20.0),
    OpSpec("math.sigmoid", tf.math.sigmoid, _sigmoid),
    # Rounding (TF: round half to even; no gradients).
    OpSpec("round", tf.round, np.round, dtypes=NUMERIC, differentiable=False),
    OpSpec("floor", tf.floor, np.floor, differentiable=False),
    OpSpec("ceil", tf.math.ceil, np.ceil, differentiable=False),
    # where / clip_by_value.
    OpSpec("where", lambda x, y: tf.where(_pattern(x.shape), x, y),
           lambda x, y: np.where(_pattern(x.shape), x, y), arity=2, dtypes=NUMERIC),
    OpSpec("where_scalar", lambda x: tf.where(x > 0, x, 0),
           lambda x: np.where(x > 0, x, 0).astype(x.dtype), dtypes=NUMERIC, kink=(0.0,)),
    OpSpec("where_indices", lambda x: tf.where(x > 0),
           lambda x: np.argwhere(x > 0).astype(np.int64), dtypes=NUMERIC,
           differentiable=False),
    OpSpec("clip_by_value", lambda x: tf.clip_by_value(x, -1, 2),
           lambda x: np.clip(x, -1, 2).astype(x.dtype), dtypes=NUMERIC, kink=(-1.0, 2.0)),
    OpSpec("clip_by_value_tensors", tf.clip_by_value,
           lambda x, lo, hi: np.maximum(np.minimum(x, hi), lo), arity=3, dtypes=NUMERIC,
           avoid_ties=True, shapes=operand_and_bounds_shapes),
    # Comparisons and logic (bool results, no gradients).
    OpSpec("equal", tf.equal, np.equal, arity=2, dtypes=NUMERIC + BOOL, low=-2, high=2,
           differentiable=False),
    OpSpec("not_equal", tf.not_equal, np.not_equal, arity=2, dtypes=NUMERIC + BOOL, low=-2,
           high=2, differentiable=False),
    OpSpec("less", tf.less, np.less, arity=2, dtypes=NUMERIC, low=-2, high=2,
           differentiable=False),
    OpSpec("less_equal", tf.less_equal, np.less_equal, arity=2, dtypes=NUMERIC, low=-2,
           high=2, differentiable=False),
    OpSpec("greater", tf.greater, np.greater, arity=2, dtypes=NUMERIC, low=-2, high=2,
           differentiable=False),
    OpSpec("greater_equal", tf.greater_equal, np.greater_equal, arity=2, dtypes=NUMERIC,
           low=-2, high=2, differentiable=False),
    OpSpec("logical_and", tf.logical_and, np.logical_and, arity=2, dtypes=BOOL,
           differentiable=False),
    OpSpec("logical_or", tf.logical_or, np.logical_or, arity=2, dtypes=BOOL,
           differentiable=False),
    OpSpec("logical_xor", tf.math.logical_xor, np.logical_xor, arity=2, dtypes=BOOL,
           differentiable=False),
    OpSpec("logical_not", tf.logical_not, np.logical_not, dtypes=BOOL, differentiable=False),
    OpSpec("is_nan", tf.math.is_nan, np.isnan, differentiable=False),
    OpSpec("is_finite", tf.math.is_finite, np.isfinite, differentiable=False),
    # cast (floats to ints truncate toward zero).
    OpSpec("cast_to_int32", lambda x: tf.cast(x, tf.int32), _cast_ref(np.int32),
           dtypes=NUMERIC, differentiable=False),
    OpSpec("cast_to_float32", lambda x: tf.cast(x, tf.float32), _cast_ref(np.float32),
           dtypes=NUMERIC + BOOL),
    OpSpec("cast_to_float64", lambda x: tf.cast(x, tf.float64), _cast_ref(np.float64)),
    OpSpec("cast_to_bool", lambda x: tf.cast(x, tf.bool), _cast_ref(np.bool_),
           dtypes=NUMERIC, differentiable=False),
    # Reductions: all axes, one axis, negative axis with keepdims, several axes.
    *[row for tf_fn, ref, kinds, diff, ties in (
        (tf.reduce_sum, _keep(np.sum), NUMERIC, True, False),
        (tf.reduce_max, _extremum(np.max, "low"), NUMERIC, True, True),
        (tf.reduce_min, _extremum(np.min, "high"), NUMERIC, True, True),
        (tf.reduce_prod, _keep(np.prod), NUMERIC, True, False),
        (tf.reduce_mean, _mean, NUMERIC, True, False),
        (tf.reduce_logsumexp, _logsumexp, FLOAT_DTYPES, True, False),
        (tf.reduce_any, np.any, BOOL, False, False),
        (tf.reduce_all, np.all, BOOL, False, False),
    ) for row in (
        OpSpec(tf_fn.__name__, tf_fn, ref, dtypes=kinds, differentiable=diff,
               avoid_ties=ties, avoid_zero=tf_fn is tf.reduce_prod, low=-3, high=3),
        OpSpec(tf_fn.__name__ + "_axis0", tf_fn, ref, dtypes=kinds, differentiable=diff,
               avoid_ties=ties, avoid_zero=tf_fn is tf.reduce_prod, low=-3, high=3,
               kwargs={"axis": 0}, min_dims=1),
        OpSpec(tf_fn.__name__ + "_keepdims", tf_fn, ref, dtypes=kinds, differentiable=diff,
               avoid_ties=ties, avoid_zero=tf_fn is tf.reduce_prod, low=-3, high=3,
               kwargs={"axis": -1, "keepdims": True}, min_dims=1),
        OpSpec(tf_fn.__name__ + "_axes01", tf_fn, ref, dtypes=kinds, differentiable=diff,
               avoid_ties=ties, avoid_zero=tf_fn is tf.reduce_prod, low=-3, high=3,
               kwargs={"axis": (0, 1)}, min_dims=2),
    )],
    OpSpec("reduce_std", tf.math.reduce_std, _keep(np.std), min_dims=1, min_side=1),
    OpSpec("reduce_variance", tf.math.reduce_variance, _keep(np.var), kwargs={"axis": -1},
           min_dims=1, min_side=1),
    # argmax/argmin: int64 by default; ties pick the first index (as NumPy). The reduced
    # axis must be non-empty (TF: "Reduction axis 0 is empty"), other axes may be empty.
    OpSpec("argmax", tf.argmax, lambda x: np.argmax(x, axis=0), dtypes=NUMERIC,
           min_dims=1, low=-2, high=2, differentiable=False,
           shapes=lambda: shapes_where(lambda s: s[0] > 0)),
    OpSpec("argmin_axis-1", tf.argmin, lambda x, axis: np.argmin(x, axis=axis),
           dtypes=NUMERIC, kwargs={"axis": -1}, min_dims=1, min_side=1, low=-2, high=2,
           differentiable=False),
    OpSpec("argmax_int32", lambda x: tf.argmax(x, axis=-1, output_type=tf.int32),
           lambda x: np.argmax(x, axis=-1).astype(np.int32), min_dims=1, min_side=1,
           differentiable=False),
    # Shape ops (lambdas fix the non-tensor arguments).
    OpSpec("reshape_flat", lambda x: tf.reshape(x, [-1]), lambda x: x.reshape(-1),
           dtypes=NUMERIC + BOOL),
    OpSpec("reshape_rows", lambda x: tf.reshape(x, [x.shape[0], -1]),
           lambda x: x.reshape(x.shape[0], -1), min_dims=1, min_side=1),
    OpSpec("transpose", tf.transpose, np.transpose, dtypes=NUMERIC + BOOL),
    OpSpec("transpose_perm", lambda x: tf.transpose(x, perm=[1, 0, 2]),
           lambda x: np.transpose(x, (1, 0, 2)), min_dims=3),
    OpSpec("concat", lambda x, y: tf.concat([x, y, x], axis=-1),
           lambda x, y: np.concatenate([x, y, x], axis=-1), arity=2, broadcast=False,
           dtypes=NUMERIC, min_dims=1),
    OpSpec("concat_axis0", lambda x, y: tf.concat([x, y], axis=0),
           lambda x, y: np.concatenate([x, y], axis=0), arity=2, min_dims=1,
           shapes=concat_shapes),
    OpSpec("stack", lambda x, y: tf.stack([x, y]), lambda x, y: np.stack([x, y]), arity=2,
           broadcast=False, dtypes=NUMERIC),
    OpSpec("stack_axis-1", lambda x, y: tf.stack([x, y], axis=-1),
           lambda x, y: np.stack([x, y], axis=-1), arity=2, broadcast=False),
    OpSpec("unstack", lambda x: tf.unstack(x, axis=-1), lambda x: list(np.moveaxis(x, -1, 0)),
           min_dims=1, dtypes=NUMERIC),
    OpSpec("split", lambda x: tf.split(x, 2, axis=0), lambda x: np.split(x, 2, axis=0),
           min_dims=1, shapes=lambda: shapes_where(lambda s: s[0] % 2 == 0)),
    OpSpec("split_sizes", lambda x: tf.split(x, [1, -1], axis=-1),
           lambda x: np.split(x, [1], axis=-1), min_dims=1, min_side=1),
    OpSpec("squeeze", tf.squeeze, np.squeeze, dtypes=NUMERIC),
    OpSpec("squeeze_axis", lambda x: tf.squeeze(x, axis=0), lambda x: np.squeeze(x, axis=0),
           shapes=lambda: shapes(0, 2).map(lambda s: ((1,) + s,))),
    OpSpec("expand_dims", lambda x: tf.expand_dims(x, 0), lambda x: np.expand_dims(x, 0),
           dtypes=NUMERIC + BOOL),
    OpSpec("expand_dims_-1", lambda x: tf.expand_dims(x, -1), lambda x: np.expand_dims(x, -1)),
    OpSpec("tile", lambda x: tf.tile(x, [2] + [1] * (x.ndim - 1)),
           lambda x: np.tile(x, [2] + [1] * (x.ndim - 1)), min_dims=1, dtypes=NUMERIC),
    OpSpec("tile_all", lambda x: tf.tile(x, [2] * x.ndim), lambda x: np.tile(x, [2] * x.ndim)),
    OpSpec("broadcast_to", lambda x: tf.broadcast_to(x, (2,) + tuple(x.shape)),
           lambda x: np.broadcast_to(x, (2,) + x.shape), dtypes=NUMERIC),
    OpSpec("gather", lambda x: tf.gather(x, [x.shape[0] - 1, 0, 0]),
           lambda x: np.take(x, [x.shape[0] - 1, 0, 0], axis=0), min_dims=1, min_side=1,
           dtypes=NUMERIC),
    OpSpec("gather_axis-1", lambda x: tf.gather(x, [[0], [x.shape[-1] - 1]], axis=-1),
           lambda x: np.take(x, [[0], [x.shape[-1] - 1]], axis=-1), min_dims=1, min_side=1),
    OpSpec("pad", lambda x: tf.pad(x, [[1, 2]] * x.ndim),
           lambda x: np.pad(x, [(1, 2)] * x.ndim), min_dims=1, dtypes=NUMERIC),
    OpSpec("pad_value", lambda x: tf.pad(x, [[0, 1]] * x.ndim, constant_values=3),
           lambda x: np.pad(x, [(0, 1)] * x.ndim, constant_values=3), min_dims=1),
    OpSpec("one_hot", lambda x: tf.one_hot(x, 4), lambda x: _np_one_hot(x, 4),
           dtypes=INT_DTYPES, low=-1, high=4, differentiable=False),
    OpSpec("shape", tf.shape, lambda x: np.array(x.shape, np.int32), dtypes=NUMERIC + BOOL,
           differentiable=False),
    OpSpec("size", tf.size, lambda x: np.array(x.size, np.int32), dtypes=NUMERIC,
           differentiable=False),
    OpSpec("rank", tf.rank, lambda x: np.array(x.ndim, np.int32), dtypes=NUMERIC,
           differentiable=False),
    OpSpec("identity", tf.identity, lambda x: x, dtypes=NUMERIC + BOOL),
    OpSpec("zeros_like", tf.zeros_like, np.zeros_like, dtypes=NUMERIC + BOOL,
           differentiable=False),
    OpSpec("ones_like", tf.ones_like, np.ones_like, dtypes=NUMERIC, differentiable=False),
    # Indexing (x[...]).
    OpSpec("getitem_int", lambda x: x[0], lambda x: x[0], min_dims=1, min_side=1,
           dtypes=NUMERIC + BOOL),
    OpSpec("getitem_negative", lambda x: x[-1], lambda x: x[-1], min_dims=1, min_side=1),
    OpSpec("getitem_step", lambda x: x[::2], lambda x: x[::2], min_dims=1),
    OpSpec("getitem_reverse", lambda x: x[::-1], lambda x: x[::-1], min_dims=1),
    OpSpec("getitem_ellipsis", lambda x: x[..., 1:], lambda x: x[..., 1:], min_dims=1),
    OpSpec("getitem_newaxis", lambda x: x[None, ..., tf.newaxis],
           lambda x: x[None, ..., None]),
    OpSpec("getitem_mixed", lambda x: x[-1, None, 1::2], lambda x: x[-1, None, 1::2],
           min_dims=2, min_side=1),
    # matmul: plain, batched, broadcast batch dims, transposes; and tensordot.
    OpSpec("matmul", tf.matmul, np.matmul, arity=2, dtypes=NUMERIC,
           shapes=lambda: matmul_shapes(max_batch_dims=0)),
    OpSpec("matmul_operator", lambda a, b: a @ b, np.matmul, arity=2,
           shapes=lambda: matmul_shapes(max_batch_dims=0)),
    OpSpec("matmul_batched", tf.matmul, np.matmul, arity=2, shapes=lambda: matmul_shapes()),
    OpSpec("matmul_batch_broadcast", tf.matmul, np.matmul, arity=2,
           shapes=lambda: batch_broadcast_matmul_shapes()),
    OpSpec("matmul_transpose_a", lambda a, b: tf.matmul(a, b, transpose_a=True),
           lambda a, b: np.matmul(np.swapaxes(a, -1, -2), b), arity=2,
           shapes=lambda: matmul_shapes().map(lambda s: (s[0][:-2] + s[0][:-3:-1], s[1]))),
    OpSpec("matmul_transpose_b", lambda a, b: tf.matmul(a, b, transpose_b=True),
           lambda a, b: np.matmul(a, np.swapaxes(b, -1, -2)), arity=2, dtypes=NUMERIC,
           shapes=lambda: matmul_shapes().map(lambda s: (s[0], s[1][:-2] + s[1][:-3:-1]))),
    OpSpec("tensordot", lambda a, b: tf.tensordot(a, b, 1), lambda a, b: np.tensordot(a, b, 1),
           arity=2, shapes=lambda: matmul_shapes(max_batch_dims=0)),
    # tf.nn activations.
    OpSpec("relu", tf.nn.relu, lambda x: np.maximum(x, 0), dtypes=NUMERIC, kink=(0.0,)),
    OpSpec("relu6", tf.nn.relu6, lambda x: np.clip(x, 0, 6).astype(x.dtype), dtypes=NUMERIC,
           low=-3, high=9, kink=(0.0, 6.0)),
    OpSpec("leaky_relu", tf.nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x).astype(x.dtype),
           kink=(0.0,)),
    OpSpec("leaky_relu_alpha", lambda x: tf.nn.leaky_relu(x, alpha=0.01),
           lambda x: np.where(x > 0, x, 0.01 * x).astype(x.dtype), kink=(0.0,)),
    OpSpec("elu", tf.nn.elu, lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
           kink=(0.0,)),
    OpSpec("softplus", tf.nn.softplus, lambda x: np.logaddexp(0, x).astype(x.dtype),
           low=-20, high=20),
    OpSpec("nn.sigmoid", tf.nn.sigmoid, _sigmoid),
    OpSpec("nn.tanh", tf.nn.tanh, np.tanh),
    OpSpec("silu", tf.nn.silu, lambda x: x * _sigmoid(x)),
    OpSpec("gelu_tanh", lambda x: tf.nn.gelu(x, approximate=True), _gelu_tanh),
    OpSpec("softmax", tf.nn.softmax, _softmax, min_dims=1),
    OpSpec("softmax_axis0", lambda x: tf.nn.softmax(x, axis=0), lambda x: _softmax(x, 0),
           min_dims=1),
    OpSpec("math.softmax", tf.math.softmax, _softmax, min_dims=1),
    OpSpec("log_softmax", tf.nn.log_softmax, _log_softmax, min_dims=1, low=-20, high=20),
    OpSpec("log_softmax_axis0", lambda x: tf.nn.log_softmax(x, axis=0),
           lambda x: _log_softmax(x, 0), min_dims=1),
    # The three cross-entropies. Labels come from the first argument through
    # sigmoid/softmax (so they are valid probabilities) or are fixed class ids.
    OpSpec("sigmoid_cross_entropy_with_logits",
           lambda z, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.sigmoid(z),
                                                                logits=x),
           _sigmoid_ce, arity=2, broadcast=False),
    OpSpec("softmax_cross_entropy_with_logits",
           lambda z, x: tf.nn.softmax_cross_entropy_with_logits(labels=tf.nn.softmax(z),
                                                                logits=x),
           _softmax_ce, arity=2, broadcast=False, min_dims=1),
    OpSpec("sparse_softmax_cross_entropy_with_logits",
           lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(
               labels=_labels(tuple(x.shape)[:-1], x.shape[-1]), logits=x),
           _sparse_ce, min_dims=1, min_side=1),
]


def spec_by_name(name: str) -> OpSpec:
    """The row called ``name``.

    Example:
        >>> from tests.op_specs import spec_by_name
        >>> spec_by_name("add").arity
        2
    """
    for s in OP_SPECS:
        if s.name == name:
            return s
    raise KeyError(name)

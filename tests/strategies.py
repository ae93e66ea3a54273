"""The hypothesis strategies of the test suite — the only place test data is generated.

Shapes are small (tests run the NumPy reference on every example) and include the edge
cases TensorFlow users meet: rank 0, size-1 dimensions and empty dimensions.

Example:
    >>> from tests.strategies import shapes
    >>> shapes().example()  # doctest: +SKIP
    (2, 0, 3)
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minitf as tf

FLOAT_DTYPES = (tf.float32, tf.float64)
INT_DTYPES = (tf.int32, tf.int64)
ALL_NUMERIC = FLOAT_DTYPES + INT_DTYPES + (tf.int8, tf.int16, tf.uint8, tf.float16)


def dtypes(choices: Sequence[tf.DType] = FLOAT_DTYPES + INT_DTYPES) -> st.SearchStrategy:
    """One of the given minitf dtypes."""
    return st.sampled_from(list(choices))


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 0,
           max_side: int = 4) -> st.SearchStrategy:
    """Array shapes, including rank 0, size-1 and (by default) empty dimensions."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable_shapes(max_dims: int = 3, max_side: int = 4, min_side: int = 0
                         ) -> st.SearchStrategy:
    """A pair of shapes that broadcast together under NumPy's rules."""
    return hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=max_dims,
                                             min_side=min_side, max_side=max_side).map(
        lambda bs: tuple(bs.input_shapes))


@st.composite
def matmul_shapes(draw: st.DrawFn, max_batch_dims: int = 1, max_side: int = 5) -> tuple:
    """Shapes ``(..., m, k)`` and ``(..., k, n)`` with equal batch dims."""
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=max_batch_dims, min_side=1,
                                  max_side=3))
    m, k, n = (draw(st.integers(1, max_side)) for _ in range(3))
    return batch + (m, k), batch + (k, n)


def arrays(dtype: tf.DType, shape: Sequence[int], *, low: float = -10.0, high: float = 10.0,
           allow_zero: bool = True) -> st.SearchStrategy:
    """NumPy arrays of a minitf dtype with values in ``[low, high]``.

    Floats are finite; ``allow_zero=False`` keeps values away from 0 (for division, log).
    """
    np_dtype = dtype.as_numpy_dtype
    if dtype.is_floating:
        width = 32 if dtype in (tf.float32, tf.float16) else 64
        if dtype == tf.float16:
            width = 16
        low, high = _representable(low, high, np.dtype(f"float{width}"))
        elements = st.floats(low, high, allow_nan=False, allow_infinity=False, width=width)
        if not allow_zero:
            elements = elements.filter(lambda v: abs(v) > 1e-2)
    elif dtype == tf.bool:
        elements = st.booleans()
    else:
        info = np.iinfo(np_dtype)
        lo, hi = max(int(low), int(info.min)), min(int(high), int(info.max))
        elements = st.integers(lo, hi)
        if not allow_zero:
            elements = elements.filter(lambda v: v != 0)
    return hnp.arrays(np_dtype, tuple(shape), elements=elements)


def _representable(low: float, high: float, np_dtype: np.dtype) -> tuple[float, float]:
    """The bounds rounded inward to values the float type holds (hypothesis insists)."""
    lo, hi = np_dtype.type(low), np_dtype.type(high)
    if lo < low:
        lo = np.nextafter(lo, np_dtype.type(np.inf))
    if hi > high:
        hi = np.nextafter(hi, np_dtype.type(-np.inf))
    return float(lo), float(hi)


@st.composite
def tensors(draw: st.DrawFn, dtype: Optional[tf.DType] = None, shape: Optional[tuple] = None,
            **kwargs: float) -> np.ndarray:
    """A NumPy array drawn with :func:`arrays` (tests convert it with ``tf.constant``)."""
    dtype = dtype if dtype is not None else draw(dtypes())
    shape = shape if shape is not None else draw(shapes())
    return draw(arrays(dtype, shape, **kwargs))


def shape_tuples(num_shapes: int, *, broadcast: bool, min_dims: int = 0, max_dims: int = 3,
                 min_side: int = 0, max_side: int = 4) -> st.SearchStrategy:
    """``num_shapes`` shapes for one op's arguments: mutually broadcastable, or all equal.

    Broadcastable shapes keep at least ``min_dims`` dimensions in every shape, so an op
    that needs a rank (an axis argument) gets it in each operand.
    """
    if num_shapes == 1 or not broadcast:
        return shapes(min_dims, max_dims, min_side, max_side).map(lambda s: (s,) * num_shapes)
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side,
        max_side=max_side).map(lambda bs: tuple(bs.input_shapes)).filter(
        lambda ss: all(len(s) >= min_dims for s in ss))


@st.composite
def batch_broadcast_matmul_shapes(draw: st.DrawFn, max_side: int = 4) -> tuple:
    """Shapes ``(b1, m, k)`` and ``(b2, m2..)`` whose batch dims broadcast (one may be 1
    or missing), as ``tf.matmul`` accepts."""
    b = draw(st.integers(1, 3))
    m, k, n = (draw(st.integers(1, max_side)) for _ in range(3))
    ba = draw(st.sampled_from([(b,), (1,), ()]))
    bb = draw(st.sampled_from([(b,), (1,)] if ba == () else [(b,), (1,), ()]))
    return ba + (m, k), bb + (k, n)


def shapes_where(predicate: "Callable[[tuple], bool]", min_dims: int = 1,
                 max_dims: int = 3) -> st.SearchStrategy:
    """One-argument shape tuples ``(shape,)`` that satisfy ``predicate`` (e.g. an even
    first dimension for ``tf.split(x, 2)``)."""
    return shapes(min_dims, max_dims).filter(predicate).map(lambda s: (s,))


def concat_shapes() -> st.SearchStrategy:
    """Two shapes equal except in their first dimension (for ``concat(axis=0)``)."""
    return st.tuples(shapes(min_dims=1), st.integers(0, 3)).map(
        lambda p: (p[0], (p[1],) + p[0][1:]))


@st.composite
def operand_and_bounds_shapes(draw: st.DrawFn) -> tuple:
    """A shape and two shapes that broadcast *to* it (bounds for ``clip_by_value``)."""
    s = draw(shapes())

    def bound() -> tuple:
        keep = draw(st.integers(0, len(s)))
        tail = s[len(s) - keep:]
        return tuple(1 if draw(st.booleans()) else d for d in tail)
    return s, bound(), bound()


@st.composite
def sliceable_arrays(draw: st.DrawFn, max_rows: int = 12, max_components: int = 3,
                     min_rows: int = 0) -> tuple:
    """A tuple of NumPy arrays sharing their first dimension (``from_tensor_slices``
    inputs): each component has its own dtype and row shape."""
    n = draw(st.integers(min_rows, max_rows))
    k = draw(st.integers(1, max_components))
    return tuple(draw(arrays(draw(dtypes()), (n,) + draw(shapes(max_dims=2, max_side=3))))
                 for _ in range(k))


def index_keys(shape: tuple) -> st.SearchStrategy:
    """Basic NumPy index keys for ``shape``: ints (negative too), slices with any step,
    at most one ``...`` and ``None`` (new axes) — what ``tensor[key]`` accepts."""
    return hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True, min_dims=0)


@st.composite
def gradient_points(draw: st.DrawFn, arg_shapes: Sequence[tuple], *, low: float, high: float,
                    avoid: Sequence[float] = (), distinct: bool = False,
                    gap: float = 1e-2) -> list:
    """float64 arrays (one per shape) where finite differences are meaningful.

    Every value lies in ``[low, high]`` and more than ``gap`` away from each point of
    ``avoid`` (kinks, poles). With ``distinct``, values are also pairwise more than
    ``gap`` apart across all the arrays (``maximum``, ``reduce_max``: ties have no
    derivative); they are then drawn from a grid of step ``6 gap`` plus a jitter of at
    most ``gap / 2``, so neighbours stay ``5 gap`` apart, and ``3 gap`` after a value
    is moved ``2 gap`` off a kink.
    """
    sizes = [int(np.prod(s, dtype=np.int64)) for s in arg_shapes]
    total = sum(sizes)

    def clear(v: float) -> bool:
        return all(abs(v - a) > gap for a in avoid)
    if distinct:
        step = 6 * gap
        if int((high - low) / step) < total:
            # More values than grid slots (a 3x3x3 operand in [-2.5, 2.5]): a finer grid,
            # still spaced ~15 times wider than the finite-difference step needs.
            step = (high - low) / (total + 1)
            gap = step / 6
        slots = int((high - low) / step)
        ks = draw(st.lists(st.integers(0, slots - 1), min_size=total, max_size=total,
                           unique=True))
        jitter = draw(st.lists(st.floats(-gap / 2, gap / 2), min_size=total,
                               max_size=total))
        flat = [low + step * (k + 0.5) + j for k, j in zip(ks, jitter)]
        flat = [v if clear(v) else v + 2 * gap for v in flat]
    else:
        element = st.floats(low, high, allow_nan=False, allow_infinity=False).filter(clear)
        flat = draw(st.lists(element, min_size=total, max_size=total))
    out, start = [], 0
    for shape, n in zip(arg_shapes, sizes):
        out.append(np.array(flat[start:start + n], np.float64).reshape(shape))
        start += n
    return out


# ---------------------------------------------------------------------------------------
# Small programs for the graph-IR properties (tests/test_graph_ir.py, test_function_grad.py)
# ---------------------------------------------------------------------------------------
PROGRAM_UNARY = ("neg", "sin", "cos", "tanh", "square", "abs", "exp_tanh", "sum_keep")
PROGRAM_BINARY = ("add", "sub", "mul", "maximum", "where_gt", "add_row")
PROGRAM_SCALAR = ("mul_const", "add_const")


@st.composite
def programs(draw: st.DrawFn, n_inputs: int = 2, max_len: int = 8) -> list:
    """A straight-line program over ``n_inputs`` same-shape float inputs.

    Each step is ``(op, i, j, const)``: apply ``op`` to earlier values ``i`` (and ``j``
    for binary ops; ``const`` for ops with a Python constant) and append the result. Ops
    keep values moderate (tanh inside exp), so float64 results stay finite; ``sum_keep``
    and ``add_row`` exercise reductions and explicit broadcasting.
    """
    steps = []
    for k in range(draw(st.integers(1, max_len))):
        n_values = n_inputs + k
        kind = draw(st.sampled_from(("unary", "binary", "scalar")))
        op = draw(st.sampled_from({"unary": PROGRAM_UNARY, "binary": PROGRAM_BINARY,
                                   "scalar": PROGRAM_SCALAR}[kind]))
        i = draw(st.integers(0, n_values - 1))
        j = draw(st.integers(0, n_values - 1))
        const = draw(st.sampled_from((0.5, -1.5, 2.0)))
        steps.append((op, i, j, const))
    return steps


# ---------------------------------------------------------------------------------------
# Global batches split across replicas (tests/test_distribute.py)
# ---------------------------------------------------------------------------------------
@st.composite
def global_batches(draw: st.DrawFn, max_rows: int = 13, max_replicas: int = 5) -> tuple:
    """A global batch ``(x, y)`` of 0..``max_rows`` rows and a replica count.

    ``x`` has a random trailing shape (rank 1 to 3 in all), ``y`` one value per row, so a
    split must cut every component of the batch at the same rows.
    """
    rows = draw(st.integers(0, max_rows))
    trailing = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    x = draw(hnp.arrays(np.float32, (rows,) + tuple(trailing),
                        elements=st.floats(-10, 10, width=32)))
    y = np.arange(rows, dtype=np.int32)
    return x, y, draw(st.integers(1, max_replicas))

"""The hypothesis strategies of the test suite — the only place test data is generated.

Shapes are small (tests run the NumPy reference on every example) and include the edge
cases TensorFlow users meet: rank 0, size-1 dimensions and empty dimensions.

Example:
    >>> from tests.strategies import shapes
    >>> shapes().example()  # doctest: +SKIP
    (2, 0, 3)
"""

from __future__ import annotations

from typing import Optional, Sequence

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


@st.composite
def tensors(draw: st.DrawFn, dtype: Optional[tf.DType] = None, shape: Optional[tuple] = None,
            **kwargs: float) -> np.ndarray:
    """A NumPy array drawn with :func:`arrays` (tests convert it with ``tf.constant``)."""
    dtype = dtype if dtype is not None else draw(dtypes())
    shape = shape if shape is not None else draw(shapes())
    return draw(arrays(dtype, shape, **kwargs))

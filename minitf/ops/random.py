"""Random numbers with TensorFlow's seed semantics (``tf.random``).

TensorFlow combines a *global* seed (``tf.random.set_seed``) with an *op* seed (the
``seed=`` argument):

* neither set — fresh randomness every run;
* global seed only — each op draws an op seed from a counter, so a program's whole
  sequence repeats after ``set_seed``;
* op seed only — the global seed defaults to a constant, so that op repeats run to run;
* both — the pair ``(global, op)`` names one stream.

Repeated calls with the same pair continue that stream (they do not repeat the first
draw), and ``set_seed`` restarts every stream — exactly TF's eager behaviour. The
numbers themselves come from NumPy's Philox generator, so they differ from TF's.

Random primitives are *effectful*: a traced function draws new numbers on every call,
and graph clean-up passes never fold or merge them.

Example:
    >>> import minitf as tf
    >>> tf.random.set_seed(7)
    >>> a = tf.random.uniform([2])
    >>> tf.random.set_seed(7)
    >>> bool(tf.reduce_all(a == tf.random.uniform([2])))
    True
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf import errors
from minitf.core.interpreters import bind1
from minitf.core.primitive import NOT_DIFFERENTIABLE, Primitive
from minitf.core.spec import TensorSpec
from minitf.ops._operands import to_tensor
from minitf.ops.creation import _shape_arg
from minitf.tensor import Tensor, to_array

# TF's constant for "an op seed was given but no global seed".
DEFAULT_GRAPH_SEED = 87654321

_state: dict = {"global_seed": None, "op_counter": 0}
_streams: dict = {}
_unseeded = np.random.default_rng()


def set_seed(seed: Optional[int]) -> None:
    """Sets the global random seed and restarts every random stream.

    Example:
        >>> import minitf as tf
        >>> tf.random.set_seed(1)
        >>> x = tf.random.normal([3])
        >>> tf.random.set_seed(1)
        >>> bool(tf.reduce_all(x == tf.random.normal([3])))
        True
    """
    _state["global_seed"] = None if seed is None else int(seed)
    _state["op_counter"] = 0
    _streams.clear()


def get_seed(op_seed: Optional[int]) -> Optional[tuple]:
    """The ``(global, op)`` seed pair for an op, by TF's rules (None: unseeded).

    Example:
        >>> from minitf.ops.random import get_seed, set_seed
        >>> set_seed(None)
        >>> get_seed(5)
        (87654321, 5)
    """
    g = _state["global_seed"]
    if g is not None:
        if op_seed is None:
            _state["op_counter"] += 1
            op_seed = _state["op_counter"]
        return (g, int(op_seed))
    if op_seed is not None:
        return (DEFAULT_GRAPH_SEED, int(op_seed))
    return None


def generator_for(seed: Optional[tuple]) -> np.random.Generator:
    """The NumPy generator of a seed pair's stream (created on first use)."""
    if seed is None:
        return _unseeded
    key = tuple(seed)
    gen = _streams.get(key)
    if gen is None:
        gen = _streams[key] = np.random.Generator(np.random.Philox(key=list(key)))
    return gen


def _random_prim(name: str, draw: Any) -> Primitive:
    prim = Primitive(name, effectful=True)

    @prim.def_abstract_eval
    def _abstract(*args: TensorSpec, shape: tuple, dtype: str, seed: Any, **kw: Any) -> TensorSpec:
        return TensorSpec._make(tuple(shape), _dtypes.as_dtype(dtype))

    @prim.def_impl("numpy")
    def _impl(*args: np.ndarray, shape: tuple, dtype: str, seed: Any, **kw: Any) -> np.ndarray:
        np_dtype = _dtypes.as_dtype(dtype).np
        return np.asarray(draw(generator_for(seed), tuple(shape), np_dtype, *args, **kw),
                          dtype=np_dtype)

    prim.def_vjp(NOT_DIFFERENTIABLE)
    return prim


def _truncated(gen: np.random.Generator, shape: tuple, dtype: Any) -> np.ndarray:
    # Standard normal re-drawn where |z| > 2, as TF's truncated_normal.
    out = gen.standard_normal(shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = gen.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return out


random_normal_p = _random_prim(
    "random_normal", lambda gen, shape, dtype: gen.standard_normal(shape))
def _uniform01(gen: np.random.Generator, shape: tuple, dtype: Any) -> np.ndarray:
    # Drawn in the target width: a float64 draw just below 1 would round *up* to 1.0 in
    # float32, outside [0, 1). float16 (which NumPy cannot draw) is clamped below 1.
    if dtype in (np.float32, np.float64):
        return gen.random(shape, dtype=dtype)
    u = gen.random(shape, dtype=np.float32).astype(dtype)
    return np.minimum(u, np.nextafter(dtype.type(1), dtype.type(0)))


random_uniform_p = _random_prim("random_uniform", _uniform01)
random_truncated_normal_p = _random_prim("random_truncated_normal", _truncated)
random_uniform_int_p = _random_prim(
    "random_uniform_int",
    lambda gen, shape, dtype, *, minval, maxval: gen.integers(minval, maxval, shape))

shuffle_p = _random_prim(
    "random_shuffle", lambda gen, shape, dtype, x: gen.permutation(x))


def _float_dtype(dtype: Any, op: str) -> _dtypes.DType:
    dtype = _dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        # TF fails converting the float mean/bounds to the dtype: a TypeError.
        raise TypeError(f"{op}: dtype must be a float type, got {dtype.name}; draw floats "
                        f"and tf.cast them, or use tf.random.uniform(..., maxval=n, "
                        f"dtype={dtype!r}) for integers.")
    return dtype


def normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = _dtypes.float32,
           seed: Optional[int] = None, name: Optional[str] = None) -> Tensor:
    """Samples from a normal distribution ``N(mean, stddev²)``.

    Also usable as a Keras initializer (``kernel_initializer=tf.random.normal``): it is
    then called as ``normal(shape, dtype=...)``.

    Example:
        >>> import minitf as tf
        >>> tf.random.normal([2, 3]).shape
        TensorShape([2, 3])
    """
    from minitf.ops.elementwise import add, multiply
    dtype = _float_dtype(dtype, "random.normal")
    z = bind1(random_normal_p, shape=_shape_arg(shape), dtype=dtype.name, seed=get_seed(seed))
    if not _is_value(stddev, 1.0):
        z = multiply(z, to_tensor(stddev, dtype) if not isinstance(stddev, Tensor) else stddev)
    if not _is_value(mean, 0.0):
        z = add(z, to_tensor(mean, dtype) if not isinstance(mean, Tensor) else mean)
    return z


def truncated_normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0,
                     dtype: Any = _dtypes.float32, seed: Optional[int] = None,
                     name: Optional[str] = None) -> Tensor:
    """Normal samples re-drawn until within two standard deviations of the mean.

    Example:
        >>> import minitf as tf
        >>> bool(tf.reduce_all(tf.abs(tf.random.truncated_normal([100])) <= 2.0))
        True
    """
    from minitf.ops.elementwise import add, multiply
    dtype = _float_dtype(dtype, "random.truncated_normal")
    z = bind1(random_truncated_normal_p, shape=_shape_arg(shape), dtype=dtype.name,
              seed=get_seed(seed))
    if not _is_value(stddev, 1.0):
        z = multiply(z, to_tensor(stddev, dtype) if not isinstance(stddev, Tensor) else stddev)
    if not _is_value(mean, 0.0):
        z = add(z, to_tensor(mean, dtype) if not isinstance(mean, Tensor) else mean)
    return z


def uniform(shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = _dtypes.float32,
            seed: Optional[int] = None, name: Optional[str] = None) -> Tensor:
    """Samples uniformly from ``[minval, maxval)`` (``maxval`` defaults to 1 for floats).

    Integer dtypes need ``maxval``.

    Example:
        >>> import minitf as tf
        >>> x = tf.random.uniform([1000], minval=0., maxval=5., seed=22)
        >>> bool(tf.reduce_all((x >= 0) & (x < 5)))
        True
    """
    from minitf.ops.elementwise import add, multiply, subtract
    dtype = _dtypes.as_dtype(dtype)
    shape = _shape_arg(shape)
    if dtype.is_integer:
        if maxval is None:
            raise ValueError(f"Must specify maxval for integer dtype {dtype!r}: integers "
                             f"are drawn from [minval, maxval), e.g. maxval=10.")
        lo, hi = int(to_array(minval)), int(to_array(maxval))
        if hi <= lo:
            raise errors.InvalidArgumentError(None, None, f"Need minval < maxval: {lo} >= {hi}")
        return bind1(random_uniform_int_p, shape=shape, dtype=dtype.name, seed=get_seed(seed),
                     minval=lo, maxval=hi)
    dtype = _float_dtype(dtype, "random.uniform")
    u = bind1(random_uniform_p, shape=shape, dtype=dtype.name, seed=get_seed(seed))
    if maxval is None:
        maxval = 1.0
    if _is_value(minval, 0.0) and _is_value(maxval, 1.0):
        return u
    lo = to_tensor(minval, dtype) if not isinstance(minval, Tensor) else minval
    hi = to_tensor(maxval, dtype) if not isinstance(maxval, Tensor) else maxval
    return add(multiply(u, subtract(hi, lo)), lo)


def shuffle(value: Any, seed: Optional[int] = None, name: Optional[str] = None) -> Tensor:
    """Randomly permutes a tensor along its first dimension.

    Example:
        >>> import minitf as tf
        >>> sorted(tf.random.shuffle(tf.range(5)).numpy().tolist())
        [0, 1, 2, 3, 4]
    """
    x = to_tensor(value)
    return bind1(shuffle_p, x, shape=x._shape, dtype=x._dtype.name, seed=get_seed(seed))


def _is_value(v: Any, target: float) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == target

"""Small composed ops: ``tf.math.squared_difference``, ``tf.nn.l2_loss``,
``tf.random.categorical``, and ``tf.linalg.diag_part``, ``tf.linalg.trace``,
``tf.linalg.diag``.

None has a primitive of its own, so each is differentiable (where it makes sense) and
traceable through the ops it is written in:

* ``squared_difference(x, y) = (x - y)²`` and ``l2_loss(t) = Σ t² / 2``;
* ``categorical`` is the *Gumbel-max trick*: ``argmax(logits + g)`` with
  ``g = -log(-log(u))``, ``u`` uniform, picks class ``i`` with probability
  ``softmax(logits)[i]``. The uniforms come from ``tf.random.uniform``, so the seed
  rules are minitf's (see :mod:`minitf.ops.random`);
* ``diag_part`` gathers positions ``i·(n + 1)`` of each flattened matrix, ``trace`` sums
  them, and ``diag`` places a vector on a diagonal with ``where`` (not by multiplying with
  the identity: ``inf · 0`` would put NaN off the diagonal).

Example:
    >>> import minitf as tf
    >>> from minitf.ops.extra_math import diag, diag_part, l2_loss, squared_difference, trace
    >>> squared_difference(tf.constant([1.0, 2.0]), 3.0).numpy()
    array([4., 1.], dtype=float32)
    >>> m = tf.constant([[1, 2], [3, 4]])
    >>> diag_part(m).numpy(), int(trace(m)), float(l2_loss(tf.constant([3.0, 4.0])))
    (array([1, 4], dtype=int32), 5, 12.5)
    >>> diag(tf.constant([1, 2])).numpy()
    array([[1, 0],
           [0, 2]], dtype=int32)
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf import errors
from minitf.ops import elementwise as ew
from minitf.ops._operands import binary_operands, describe, dims_str, to_tensor
from minitf.ops.reduction import reduce_sum
from minitf.tensor import Tensor, convert_to_tensor, host_array

__all__ = ["squared_difference", "l2_loss", "categorical", "diag_part", "trace", "diag"]


def squared_difference(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``(x - y)²`` elementwise, with broadcasting (floats, int32 and int64, as in TF).

    Raises:
        InvalidArgumentError: for different dtypes, shapes that do not broadcast, or
            another dtype (bool, uint8, int8, int16).

    Example:
        >>> import minitf as tf
        >>> from minitf.ops.extra_math import squared_difference
        >>> squared_difference(tf.constant([1.0, 2.0]), tf.constant([[3.0], [0.5]])).numpy()
        array([[4.  , 1.  ],
               [0.25, 2.25]], dtype=float32)
    """
    x, y = binary_operands(x, y, "SquaredDifference")
    if not (x._dtype.is_floating or x._dtype in (_dtypes.int32, _dtypes.int64)):
        raise errors.InvalidArgumentError(
            None, None, f"squared_difference supports floats, int32 and int64, got "
            f"{describe(x)} [Op:SquaredDifference]; cast first, e.g. tf.cast(x, tf.int32).")
    diff = ew.subtract(x, y)
    return ew.multiply(diff, diff)


def l2_loss(t: Any, name: Optional[str] = None) -> Tensor:
    """Half the sum of squares, ``Σ t² / 2`` — an L2 (weight decay) penalty.

    Raises:
        InvalidArgumentError: for a tensor that is not floating-point.

    Example:
        >>> import minitf as tf
        >>> from minitf.ops.extra_math import l2_loss
        >>> l2_loss(tf.constant([[1.0, 2.0], [3.0, 4.0]]))
        <tf.Tensor: shape=(), dtype=float32, numpy=15.0>
    """
    t = to_tensor(t)
    if not t._dtype.is_floating:
        raise errors.InvalidArgumentError(
            None, None, f"l2_loss expects a floating-point tensor, got {describe(t)} "
            f"[Op:L2Loss]; cast it first, e.g. tf.nn.l2_loss(tf.cast(t, tf.float32)).")
    return ew.truediv(reduce_sum(ew.multiply(t, t)), 2)


def categorical(logits: Any, num_samples: Any, dtype: Any = None, seed: Optional[int] = None,
                name: Optional[str] = None) -> Tensor:
    """Draws ``num_samples`` classes for each row of ``logits`` (unnormalized log-probs).

    Row ``b`` picks class ``i`` with probability ``softmax(logits[b])[i]``; a ``-inf``
    logit is never picked (a row of only ``-inf`` has no distribution: minitf gives 0
    there, TensorFlow an out-of-range index). Reproducible with ``tf.random.set_seed``
    and/or ``seed`` (minitf's seed rules; the numbers differ from TensorFlow's).

    Drawn by the Gumbel-max trick: ``argmax(logits + g)`` with Gumbel noise
    ``g = -log(-log(u))`` from float64 uniforms — ``batch · num_samples · num_classes``
    of them, so memory grows with all three.

    Args:
        logits: a float tensor of shape ``[batch, num_classes]``.
        num_samples: how many classes to draw per row (an int >= 0).
        dtype: ``tf.int64`` (the default) or ``tf.int32``.
        seed: the op seed.
        name: ignored (TF's graph name).

    Returns:
        A ``[batch, num_samples]`` tensor of class indices.

    Raises:
        InvalidArgumentError: for logits that are not a float matrix, no classes, or a
            negative ``num_samples``.
        ValueError: for another ``dtype``.
        TypeError: for a non-integer ``num_samples``.

    Example:
        >>> import numpy as np
        >>> import minitf as tf
        >>> from minitf.ops.extra_math import categorical
        >>> tf.random.set_seed(0)
        >>> draws = categorical(tf.math.log([[0.5, 0.5], [0.0, 1.0]]), 1000)
        >>> draws.shape, draws.dtype, np.unique(draws[1].numpy()).tolist()
        (TensorShape([2, 1000]), tf.int64, [1])
    """
    from minitf.ops.random import uniform
    from minitf.ops.arg_reduction import argmax
    from minitf.ops.shape import expand_dims
    logits = to_tensor(logits)
    dtype = _dtypes.int64 if dtype is None else _dtypes.as_dtype(dtype)
    if dtype not in (_dtypes.int32, _dtypes.int64):
        raise ValueError(f"Argument `dtype` got invalid value {dtype!r}. Accepted dtypes are "
                         f"(tf.int32, tf.int64).")
    if len(logits._shape) != 2:
        raise errors.InvalidArgumentError(
            None, None, f"logits should be a matrix, got shape {dims_str(logits._shape)} "
            f"[Op:Multinomial]: one row of class logits per draw; for one distribution "
            f"pass [logits] (tf.expand_dims(logits, 0)).")
    if not logits._dtype.is_floating:
        raise errors.InvalidArgumentError(
            None, None, f"categorical expects float logits, got {describe(logits)} "
            f"[Op:Multinomial]; cast them, e.g. tf.cast(logits, tf.float32).")
    count = np.asarray(host_array(num_samples) if isinstance(num_samples, Tensor)
                       else num_samples)
    if count.ndim or count.dtype.kind not in "iu":
        raise TypeError(f"categorical: num_samples must be one integer, got {num_samples!r}.")
    batch, classes = logits._shape
    if int(count) < 0:
        raise errors.InvalidArgumentError(
            None, None, f"num_samples should be non-negative, got {int(count)} "
            f"[Op:Multinomial].")
    if classes == 0:
        raise errors.InvalidArgumentError(
            None, None, "num_classes should be positive, got 0 [Op:Multinomial]: there is "
            "no class to draw.")
    if batch is None or classes is None:
        raise ValueError(f"categorical: the shape of logits must be known when tracing, got "
                         f"{dims_str(logits._shape)}; give the tf.function an input_signature "
                         f"with the sizes.")
    u = uniform([batch, int(count), classes], dtype=_dtypes.float64, seed=seed)
    # u = 0 gives g = -inf: that draw never picks the class (probability 2^-53).
    gumbel = ew.negative(ew.log(ew.negative(ew.log(u))))
    scores = ew.add(expand_dims(ew.cast(logits, _dtypes.float64), 1), gumbel)
    return argmax(scores, axis=-1, output_type=dtype)


def _check_matrix(x: Tensor, what: str, min_rank: int, op: str) -> None:
    if len(x._shape) < min_rank:
        raise errors.InvalidArgumentError(
            None, None, f"{what} must be at least {min_rank}-dim, received shape: "
            f"{dims_str(x._shape)} [Op:{op}].")
    if x._dtype is _dtypes.bool:
        # TF fails converting its padding value 0 to bool; say what to do instead.
        raise TypeError(f"Cannot convert 0 to EagerTensor of dtype bool: tf.linalg's "
                        f"diagonal ops pad with 0, so they take numbers, got {describe(x)}. "
                        f"Cast first, e.g. tf.cast(x, tf.int32).")
    if None in x._shape[-min_rank:]:
        raise ValueError(f"{op}: the matrix sizes must be known when tracing, got "
                         f"{dims_str(x._shape)}.")


def _defaults_only(op: str, given: dict, defaults: dict) -> None:
    other = [k for k in given if not (isinstance(given[k], (int, float, str)) and
                                      given[k] == defaults[k])]
    if other:
        raise NotImplementedError(f"tf.linalg.{op}: {', '.join(other)} other than the default "
                                  f"(the main diagonal) is not implemented in minitf.")


def diag_part(input: Any, name: str = "diag_part", k: Any = 0,  # noqa: A002 - TF's name
              padding_value: Any = 0, align: str = "RIGHT_LEFT") -> Tensor:
    """The main diagonal of each matrix: ``[..., M, N]`` to ``[..., min(M, N)]``.

    Composed: each matrix flattened, then one ``gather`` of positions ``i·(N + 1)``, so
    the gradient puts the cotangent back on the diagonal.

    Raises:
        InvalidArgumentError: for a tensor of rank < 2.
        TypeError: for bool (TF's diagonal ops take numbers).
        NotImplementedError: for ``k``, ``padding_value`` or ``align`` other than default.

    Example:
        >>> import minitf as tf
        >>> from minitf.ops.extra_math import diag_part
        >>> diag_part(tf.constant([[1, 2, 3], [4, 5, 6]])).numpy()
        array([1, 5], dtype=int32)
    """
    from minitf.ops.indexing import gather
    from minitf.ops.shape import reshape
    _defaults_only("diag_part", {"k": k, "padding_value": padding_value, "align": align},
                   {"k": 0, "padding_value": 0, "align": "RIGHT_LEFT"})
    x = to_tensor(input)
    _check_matrix(x, "input", 2, "MatrixDiagPartV3")
    m, n = x._shape[-2:]
    lead = [-1 if d is None else d for d in x._shape[:-2]]
    positions = convert_to_tensor(np.arange(min(m, n), dtype=np.int32) * (n + 1))
    return gather(reshape(x, lead + [m * n]), positions, axis=len(lead))


def trace(x: Any, name: Optional[str] = None) -> Tensor:
    """The sum of each matrix's main diagonal: ``[..., M, N]`` to ``[...]``.

    Raises:
        InvalidArgumentError: for a tensor of rank < 2, or bool.

    Example:
        >>> import minitf as tf
        >>> from minitf.ops.extra_math import trace
        >>> trace(tf.reshape(tf.range(8.0), [2, 2, 2])).numpy()
        array([ 3., 11.], dtype=float32)
    """
    x = to_tensor(x)
    if x._dtype is _dtypes.bool:
        raise errors.InvalidArgumentError(
            None, None, f"trace sums the diagonal, which needs numbers, got {describe(x)} "
            f"[Op:Sum]; cast first, e.g. tf.cast(x, tf.int32).")
    return reduce_sum(diag_part(x), -1)


def diag(diagonal: Any, name: str = "diag", k: Any = 0, num_rows: Any = -1,
         num_cols: Any = -1, padding_value: Any = 0, align: str = "RIGHT_LEFT") -> Tensor:
    """Square matrices with ``diagonal`` on the main diagonal: ``[..., N]`` to
    ``[..., N, N]``, zeros elsewhere.

    Composed: ``where(eye, diagonal[..., :, None], 0)`` — a select, not a product with
    the identity, so an infinite entry does not put NaN (``inf · 0``) off the diagonal.

    Raises:
        InvalidArgumentError: for a scalar.
        TypeError: for bool (TF's diagonal ops take numbers).
        NotImplementedError: for ``k``, ``num_rows``, ``num_cols``, ``padding_value`` or
            ``align`` other than the default.

    Example:
        >>> import minitf as tf
        >>> from minitf.ops.extra_math import diag
        >>> diag(tf.constant([[1.0, 2.0], [3.0, 4.0]])).numpy()
        array([[[1., 0.],
                [0., 2.]],
        <BLANKLINE>
               [[3., 0.],
                [0., 4.]]], dtype=float32)
    """
    from minitf.ops.shape import expand_dims
    _defaults_only("diag", {"k": k, "num_rows": num_rows, "num_cols": num_cols,
                            "padding_value": padding_value, "align": align},
                   {"k": 0, "num_rows": -1, "num_cols": -1, "padding_value": 0,
                    "align": "RIGHT_LEFT"})
    d = to_tensor(diagonal)
    _check_matrix(d, "diagonal", 1, "MatrixDiagV3")
    on_diagonal = convert_to_tensor(np.eye(d._shape[-1], dtype=bool))
    return ew.where(on_diagonal, expand_dims(d, -1), 0)

"""Einstein summation: ``tf.einsum`` (also ``tf.linalg.einsum``), composed from other ops.

An equation names every axis of every operand with a letter: ``'bij,bjk->bik'``. Labels
written after ``->`` are the output's axes, in that order; every other label is summed
over. Without ``->`` the output is the labels that appear exactly once, alphabetically.
``...`` stands for leading (or middle) axes that broadcast as in NumPy.

No primitive of its own: einsum is ``transpose``, ``reshape``, ``reduce_sum``,
``multiply`` and one batched ``matmul`` per pair of operands, so the tape differentiates
it and ``tf.function`` traces it like any composite. The steps:

1. each operand on its own: a label repeated in it (``'ii'``) takes a diagonal — multiply
   by an identity mask over the two axes, sum one away; labels no one else needs
   (not in the output, not in another operand) are summed out at once;
2. operands are combined pairwise, left to right: labels in both that are kept are batch
   axes, labels in both that are not are contracted; each side is transposed to
   ``[batch, free, contracted]`` / ``[batch, contracted, free]``, its groups merged into
   single axes, and one ``matmul`` does the products and the sum;
3. the result is transposed to the output's order.

Example:
    >>> import minitf as tf
    >>> x = tf.constant([[3.0, -4.0], [1.0, 2.0]])
    >>> tf.einsum('ij,jk->ik', x, x).numpy()  # x @ x
    array([[  5., -20.],
           [  5.,   0.]], dtype=float32)
    >>> float(tf.einsum('ii', x))  # the trace
    5.0
"""

from __future__ import annotations

import math
import string
from typing import Any, Optional, Sequence

from minitf import errors
from minitf.ops import elementwise as ew
from minitf.ops._operands import to_tensor
from minitf.ops.linalg import eye, matmul
from minitf.ops.reduction import reduce_sum
from minitf.ops.shape import expand_dims, reshape, squeeze, transpose
from minitf.tensor import Tensor

__all__ = ["einsum"]

_LETTERS = frozenset(string.ascii_letters)
# '...' becomes one label per broadcast axis, numbered from the right ('.0' is the last)
# so that operands with fewer broadcast axes line up the way NumPy broadcasting does.
_DOTS = "..."


def _parse_term(term: str, equation: str) -> list:
    head, dots, tail = term.partition(_DOTS)
    for ch in head + tail:
        if ch not in _LETTERS:
            raise ValueError(
                f"einsum {equation!r}: invalid character {ch!r} in subscripts {term!r}. "
                f"Labels are the letters a-z and A-Z; '...' (once per term) marks broadcast "
                f"axes, ',' separates operands and '->' the output.")
    return list(head) + ([_DOTS] if dots else []) + list(tail)


def _expand_dots(terms: list, rank: int, k: int, equation: str) -> list:
    named = len(terms) - (_DOTS in terms)
    extra = rank - named
    if extra < 0 or (extra and _DOTS not in terms):
        raise errors.InvalidArgumentError(
            None, None, f"einsum {equation!r}: operand {k} has rank {rank} but its subscripts "
            f"{''.join(terms)!r} name {named} axes. Give one label per axis, or '...' for "
            f"the leading ones.")
    if _DOTS not in terms:
        return list(terms)
    i = terms.index(_DOTS)
    return terms[:i] + [f".{extra - 1 - j}" for j in range(extra)] + terms[i + 1:]


def _label_sizes(labels: list, tensors: list, equation: str) -> dict:
    """The size of every label, checked to agree (broadcast labels may also be 1)."""
    sizes: dict = {}  # label -> (size, operand it came from)
    for k, (ls, t) in enumerate(zip(labels, tensors)):
        for label, d in zip(ls, t._shape):
            s, j = sizes.setdefault(label, (d, k))
            if d is None or s == d:
                continue
            broadcast = label.startswith(".")
            if s is None or broadcast and s == 1:
                sizes[label] = (d, k)
            elif not (broadcast and d == 1):
                what = "a '...' axis" if broadcast else f"label {label!r}"
                raise errors.InvalidArgumentError(
                    None, None, f"einsum {equation!r}: {what} has size {s} in operand {j} and "
                    f"{d} in operand {k}. Axes with one label must have one size ('...' axes "
                    f"may also be 1): check the operands' shapes, or use distinct labels.")
    return {label: s for label, (s, _) in sizes.items()}


def _parse(equation: str, tensors: list) -> tuple:
    """The labels of each operand and of the output; '...' expanded per operand."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    if "->" in rhs:
        raise ValueError(f"einsum {equation!r}: '->' may appear only once.")
    terms = [_parse_term(t, equation) for t in lhs.split(",")]
    if len(terms) != len(tensors):
        raise ValueError(
            f"einsum {equation!r} has subscripts for {len(terms)} operand(s) but "
            f"{len(tensors)} were given: pass one tensor per comma-separated term.")
    labels = [_expand_dots(ts, len(t._shape), k, equation)
              for k, (ts, t) in enumerate(zip(terms, tensors))]
    n_dots = max([len(t._shape) - len(ts) + 1 for ts, t in zip(terms, tensors)
                  if _DOTS in ts] + [0])
    dots = [f".{j}" for j in range(n_dots - 1, -1, -1)]
    if arrow:
        out = _parse_term(rhs, equation)
        if _DOTS in out:
            i = out.index(_DOTS)
            out = out[:i] + dots + out[i + 1:]
        elif dots:
            raise ValueError(f"einsum {equation!r}: the inputs have '...' axes but the output "
                             f"does not; write '...' in the output to keep them.")
    else:  # implicit: the labels seen once, alphabetically (after any '...' axes)
        flat = [label for ts in terms for label in ts if label != _DOTS]
        out = dots + sorted(label for label in set(flat) if flat.count(label) == 1)
    for label in out:
        if out.count(label) > 1:
            raise ValueError(f"einsum {equation!r}: output label {label!r} appears twice; "
                             f"each output axis needs its own label.")
        if not any(label in ls for ls in labels):
            raise ValueError(f"einsum {equation!r}: output label {label!r} is in no input; "
                             f"the output may only use labels of the inputs.")
    return labels, out


def _sum_out(x: Tensor, labels: list, needed: set) -> tuple:
    axes = [a for a, label in enumerate(labels) if label not in needed]
    if not axes:
        return x, labels
    return reduce_sum(x, axes), [label for label in labels if label in needed]


def _prepare(x: Tensor, labels: list, needed: set, sizes: dict, equation: str) -> tuple:
    """One operand alone: drop broadcast 1s, take diagonals, sum what nobody else needs."""
    # A size-1 '...' axis facing a larger one is the same as the label being absent.
    ones = [a for a, label in enumerate(labels)
            if label.startswith(".") and x._shape[a] == 1 and sizes[label] not in (1, None)]
    x = squeeze(x, ones) if ones else x
    labels = [label for a, label in enumerate(labels) if a not in ones]
    for label in [label for label in dict.fromkeys(labels) if labels.count(label) > 1]:
        n = sizes[label]
        if n is None:
            raise ValueError(f"einsum {equation!r}: label {label!r} repeats in one operand, "
                             f"which needs its size to be known when tracing.")
        while labels.count(label) > 1:
            p = labels.index(label)
            q = labels.index(label, p + 1)
            # x[..i..j..] * eye[i, j] keeps the diagonal; summing axis q then leaves x[..i..i..].
            shape = [1] * len(labels)
            shape[p] = shape[q] = n
            x = reduce_sum(ew.multiply(x, reshape(eye(n, dtype=x.dtype), shape)), q)
            del labels[q]
    return _sum_out(x, labels, needed)


def _reshape(x: Tensor, dims: list, equation: str) -> Tensor:
    target = [-1 if d is None else d for d in dims]
    if target.count(-1) > 1:
        raise ValueError(f"einsum {equation!r}: merging axes needs all but one size known "
                         f"when tracing, got {x.shape}; give the tf.function an "
                         f"input_signature with more known sizes.")
    return reshape(x, target)


def _prod(dims: Sequence) -> Optional[int]:
    return None if None in dims else math.prod(dims)


def _contract(a: Tensor, la: list, b: Tensor, lb: list, keep: set, equation: str) -> tuple:
    """``a`` and ``b`` combined by one matmul; labels in both and not in ``keep`` summed."""
    batch = [label for label in la if label in lb and label in keep]
    summed = [label for label in la if label in lb and label not in keep]
    free_a = [label for label in la if label not in lb]
    free_b = [label for label in lb if label not in la]
    a = transpose(a, [la.index(label) for label in batch + free_a + summed])
    b = transpose(b, [lb.index(label) for label in batch + summed + free_b])
    nb = len(batch)
    dims_a = list(a._shape[nb:nb + len(free_a)])
    dims_b = list(b._shape[len(b._shape) - len(free_b):])
    if len(free_a) <= 1 and len(summed) <= 1 and len(free_b) <= 1:
        # Each group is one axis or none: insert the missing ones and skip the reshapes
        # (so any number of unknown batch sizes traces).
        a = a if free_a else expand_dims(a, nb)
        a = a if summed else expand_dims(a, -1)
        b = b if summed else expand_dims(b, nb)
        b = b if free_b else expand_dims(b, -1)
        out = matmul(a, b)
        empty = [nb + i for i, free in enumerate((free_a, free_b)) if not free]
        return (squeeze(out, empty) if empty else out), batch + free_a + free_b
    k = _prod(a._shape[nb + len(free_a):])
    lead = list(a._shape[:nb])
    a = _reshape(a, lead + [_prod(dims_a), k], equation)
    b = _reshape(b, list(b._shape[:nb]) + [k, _prod(dims_b)], equation)
    out = _reshape(matmul(a, b), lead + dims_a + dims_b, equation)
    return out, batch + free_a + free_b


def einsum(equation: str, *inputs: Any, **kwargs: Any) -> Tensor:
    """Einstein summation over ``inputs`` as written in ``equation``.

    Args:
        equation: comma-separated subscripts, one letter per axis of each input, then
            optionally ``->`` and the output's subscripts. ``...`` names broadcast axes;
            a letter repeated within one input takes a diagonal (``'ii->i'``).
        *inputs: tensors (or values convertible to them) of one dtype.
        **kwargs: ``name`` and ``optimize`` are accepted and ignored (operands are
            always combined left to right).

    Returns:
        A tensor of the inputs' dtype with the output's axes.

    Raises:
        ValueError: for a malformed equation, a wrong number of inputs, or an output label
            that is in no input.
        InvalidArgumentError: when one label names axes of different sizes, an input's
            rank does not match its subscripts, or the dtypes differ.
        TypeError: for other keyword arguments, or an equation that is not a string.

    Example:
        >>> import minitf as tf
        >>> x = tf.constant([[3.0, -4.0], [1.0, 2.0]])
        >>> tf.einsum('ii->i', x).numpy()  # the diagonal
        array([3., 2.], dtype=float32)
        >>> tf.einsum('i,j->ij', x[0], x[1]).numpy()  # the outer product
        array([[ 3.,  6.],
               [-4., -8.]], dtype=float32)
        >>> tf.einsum('...ij,...jk->...ik', tf.ones([2, 3, 4]), tf.ones([2, 4, 5])).shape
        TensorShape([2, 3, 5])
    """
    unknown = set(kwargs) - {"name", "optimize"}
    if unknown:
        raise TypeError(f"Invalid keyword arguments for einsum: {', '.join(sorted(unknown))}")
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a string, got {equation!r}.")
    tensors = [to_tensor(x) for x in inputs]
    labels, out = _parse(equation, tensors)  # checks the count: tensors[0] exists
    first = tensors[0].dtype.name
    for k, t in enumerate(tensors[1:], 1):
        if t.dtype.name != first:
            raise errors.InvalidArgumentError(
                None, None, f"einsum {equation!r}: operand {k} is {t.dtype.name} but operand "
                f"0 is {first}; cast one, e.g. tf.cast(x, tf.{first}).")
    sizes = _label_sizes(labels, tensors, equation)
    prepared = []
    for k, (t, ls) in enumerate(zip(tensors, labels)):
        others = {label for j, lj in enumerate(labels) if j != k for label in lj}
        prepared.append(_prepare(t, ls, set(out) | others, sizes, equation))
    result, result_labels = prepared[0]
    for k in range(1, len(prepared)):
        later = {label for _, lj in prepared[k + 1:] for label in lj}
        x, lx = prepared[k]
        result, result_labels = _contract(result, result_labels, x, lx, set(out) | later,
                                          equation)
    return transpose(result, [result_labels.index(label) for label in out])

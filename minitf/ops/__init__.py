"""minitf's ops, one module per family, and the Tensor operators built on them.

* :mod:`elementwise` — unary math, arithmetic, comparisons, ``where``, ``cast``
* :mod:`reduction` — ``reduce_*``; :mod:`arg_reduction` — ``argmax``/``argmin``
* :mod:`shape` — reshape, transpose, expand_dims, squeeze, broadcast_to, shape...
* :mod:`joining` — concat, split, stack, unstack, tile, pad
* :mod:`indexing` — ``x[...]``, ``gather``, ``one_hot``, ``boolean_mask``
* :mod:`linalg` — ``matmul``, ``tensordot``, ``eye``
* :mod:`creation` — ``constant``, ``zeros``, ``range``, ``linspace``...
* :mod:`random` — ``tf.random`` with TF's seed rules
* :mod:`nn` — activations, softmax, losses on logits
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from minitf.ops import (  # noqa: F401
    arg_reduction, creation, elementwise, indexing, joining, linalg, nn, random, reduction,
    shape,
)
from minitf import errors
from minitf.core.interpreters import EAGER, _state
from minitf.core.interpreters import current as _current_context
from minitf.ops._operands import broadcast_shapes
from minitf.tensor import Tensor, convert_to_tensor

__all__ = ["arg_reduction", "creation", "elementwise", "indexing", "joining", "linalg",
           "nn", "random", "reduction", "shape"]


_ndarray = np.ndarray
_new = object.__new__


def _reflected(fn: Any) -> Any:
    def method(self: Tensor, other: Any) -> Tensor:
        return fn(other, self)
    return method


def _arithmetic(prim: Any, op: str, on_scalars: Any) -> tuple:
    # `a + b`, `0.01 * g`: the operators call the shared binary-op path directly (what
    # tf.add / tf.multiply do), one Python call fewer on the hottest eager ops; a Python
    # float with a float tensor (an optimizer step) goes straight to its conversion.
    # `on_scalars` is the Python operator that the primitive's NumPy implementation runs
    # on two NumPy scalars (see _scalar_fast).
    from minitf.ops._elementwise_core import _apply_binary, _tensor_and_number

    def on_number(tensor: Tensor, number: float, number_on_left: bool) -> Tensor:
        # `learning_rate * g` for a scalar variable's gradient, eagerly: the NumPy
        # scalar of the tensor's dtype meets the tensor's NumPy scalar, and the Python
        # operator on the two is what the primitive computes. Written here, it takes two
        # Python calls fewer than _tensor_and_number (in a training loop ~1.4 µs instead
        # of ~1.8), three times a step for the seed's model.
        value, dtype = tensor._value, tensor._dtype
        if type(value) is not _ndarray and not _state["multi_backend"] \
                and _current_context() is EAGER:
            scalar = dtype._scalars.get(number)  # (dtype.scalar's cache, read inline)
            if scalar is None:
                scalar = dtype.scalar(number)
            out = _new(Tensor)
            out._value = on_scalars(scalar, value) if number_on_left \
                else on_scalars(value, scalar)
            out._dtype = dtype
            return out
        return _tensor_and_number(prim, tensor, number, op, number_on_left)

    def plain(self: Tensor, other: Any) -> Tensor:
        if type(other) is float and type(self) is Tensor and self._dtype._kind == "f":
            return on_number(self, other, False)
        return _apply_binary(prim, self, other, op)

    def reflected(self: Tensor, other: Any) -> Tensor:
        if type(other) is float and type(self) is Tensor and self._dtype._kind == "f":
            return on_number(self, other, True)
        return _apply_binary(prim, other, self, op)
    return plain, reflected


def _install_tensor_operators() -> None:
    ew = elementwise
    Tensor.__add__, Tensor.__radd__ = _arithmetic(ew.add_p, "AddV2", operator.add)
    Tensor.__sub__, Tensor.__rsub__ = _arithmetic(ew.sub_p, "Sub", operator.sub)
    Tensor.__mul__, Tensor.__rmul__ = _arithmetic(ew.mul_p, "Mul", operator.mul)
    Tensor.__truediv__ = ew.truediv
    Tensor.__rtruediv__ = _reflected(ew.truediv)
    Tensor.__floordiv__ = ew.floordiv
    Tensor.__rfloordiv__ = _reflected(ew.floordiv)
    Tensor.__mod__ = ew.floormod
    Tensor.__rmod__ = _reflected(ew.floormod)
    Tensor.__pow__ = ew.pow
    Tensor.__rpow__ = _reflected(ew.pow)
    Tensor.__matmul__ = linalg.matmul_operator
    Tensor.__rmatmul__ = _reflected(linalg.matmul_operator)
    Tensor.__neg__ = ew.negative
    Tensor.__pos__ = lambda self: self
    Tensor.__abs__ = ew.abs
    Tensor.__lt__ = ew.less
    Tensor.__le__ = ew.less_equal
    Tensor.__gt__ = ew.greater
    Tensor.__ge__ = ew.greater_equal
    Tensor.__eq__ = _eq
    Tensor.__ne__ = _ne
    Tensor.__and__ = _logical(ew.logical_and, "&")
    Tensor.__rand__ = _reflected(_logical(ew.logical_and, "&"))
    Tensor.__or__ = _logical(ew.logical_or, "|")
    Tensor.__ror__ = _reflected(_logical(ew.logical_or, "|"))
    Tensor.__xor__ = _logical(ew.logical_xor, "^")
    Tensor.__rxor__ = _reflected(_logical(ew.logical_xor, "^"))
    Tensor.__invert__ = _invert
    Tensor.__getitem__ = indexing.getitem
    Tensor.__hash__ = _unhashable  # defining __eq__ would otherwise set it to None


def _compare(self: Tensor, other: Any, fn: Any, unequal: bool) -> Any:
    # TF 2: `==` is elementwise. A Python value takes the tensor's dtype (TypeError if it
    # cannot: `int_tensor == 1.5`); shapes that do not broadcast give one scalar answer
    # (TF's incompatible_shape_error=False) instead of an error.
    if other is None:
        return unequal
    if not isinstance(other, Tensor) and not hasattr(type(other), "_as_tensor"):
        other = convert_to_tensor(other, dtype=self._dtype)
    elif not isinstance(other, Tensor):
        other = type(other)._as_tensor(other)
    if other._dtype is self._dtype and None not in self._shape + other._shape:
        try:
            broadcast_shapes(self._shape, other._shape, "Equal")
        except errors.InvalidArgumentError:
            return convert_to_tensor(unequal)
    return fn(self, other)


def _eq(self: Tensor, other: Any) -> Any:
    return _compare(self, other, elementwise.equal, unequal=False)


def _ne(self: Tensor, other: Any) -> Any:
    return _compare(self, other, elementwise.not_equal, unequal=True)


def _unhashable(self: Tensor) -> int:
    raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")


def _logical(fn: Any, symbol: str) -> Any:
    def method(x: Any, y: Any) -> Tensor:
        # On integers TF's `&`, `|`, `^` are bitwise; minitf supports them on bools only.
        return fn(x, y)
    method.__name__ = f"operator{symbol}"
    return method


def _invert(self: Tensor) -> Tensor:
    return elementwise.logical_not(self)


_install_tensor_operators()

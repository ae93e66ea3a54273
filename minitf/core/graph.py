"""The IR shared by the tape and by traced graphs.

An :class:`Eqn` is one primitive application: ``outputs = prim(*inputs, **params)``.
``GradientTape`` records Eqns whose inputs and outputs are the concrete tensors it saw;
``tf.function`` stages Eqns into a :class:`Graph` whose inputs and outputs are symbolic
variables. The VJP walk is the same for both.

Example:
    >>> import minitf as tf
    >>> from minitf.core.graph import Eqn
    >>> from minitf.core.primitive import PRIMITIVES
    >>> x = tf.constant(2.0)
    >>> Eqn(PRIMITIVES["neg"], (x,), {}, (tf.negative(x),)).prim.name
    'neg'
"""

from __future__ import annotations

from typing import Any

from minitf.core.primitive import Primitive

__all__ = ["Eqn"]


class Eqn:
    """``outputs = prim(*inputs, **params)``.

    Attributes:
        prim: the primitive.
        inputs: the input atoms (tensors on a tape; Var/Lit in a Graph).
        params: the primitive's keyword metadata.
        outputs: the output atoms.
    """

    __slots__ = ("prim", "inputs", "params", "outputs")

    def __init__(self, prim: Primitive, inputs: tuple, params: dict, outputs: tuple) -> None:
        self.prim = prim
        self.inputs = inputs
        self.params = params
        self.outputs = outputs

    def __repr__(self) -> str:
        params = "".join(f" {k}={v!r}" for k, v in self.params.items())
        return f"Eqn({self.prim.name}{params}: {len(self.inputs)} in, {len(self.outputs)} out)"

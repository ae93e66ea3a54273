"""``Primitive``: one object that owns everything about an op.

A primitive carries, side by side:

* its **abstract evaluation** rule: input ``TensorSpec``s (and keyword params) to output
  specs — what tracing uses to know shapes and dtypes without computing anything;
* its **VJP** rule: given the cotangent of the output(s), the inputs and ``out``, return
  one cotangent per input (or ``None``). VJPs are written in minitf ops, so a gradient
  is itself made of recorded equations and can be differentiated again;
* one **implementation per backend**: ``"numpy"`` (the complete reference) and, for the
  hot paths, ``"triton"``.

Everything else in minitf (``softmax``, ``relu``, ``mean``, layers, losses) is plain
Python composed of primitives, so it needs no gradient or kernel of its own.

Example:
    >>> import numpy as np
    >>> from minitf.core.primitive import Primitive
    >>> double_p = Primitive("double_example")
    >>> _ = double_p.def_impl("numpy")(lambda x: 2 * x)
    >>> double_p.impls["numpy"](np.array([1.0, 2.0]))
    array([2., 4.])
"""

from __future__ import annotations

from typing import Any, Callable, Optional

__all__ = ["Primitive", "NOT_DIFFERENTIABLE", "PRIMITIVES", "get_primitive"]


class _NotDifferentiable:
    """Sentinel VJP: the primitive has no gradient (integer outputs, comparisons, ...).

    A tape that meets it passes no cotangent through, exactly as TensorFlow treats ops
    registered with ``ops.NotDifferentiable``.
    """

    def __repr__(self) -> str:
        return "NOT_DIFFERENTIABLE"


NOT_DIFFERENTIABLE = _NotDifferentiable()

# Every primitive by name. SavedModel stores equations by primitive name and looks them
# up here when loading, so a saved graph can only ever call registered primitives.
PRIMITIVES: dict[str, "Primitive"] = {}


class Primitive:
    """An op known to every interpreter: eager, tape and graph staging.

    Args:
        name: a unique name; it is what graph listings print and SavedModel stores.
        multiple_results: True if ``bind`` returns a list of outputs.
        effectful: True for ops with side effects or randomness; graph passes never
            fold, merge or delete them.

    Example:
        >>> from minitf.core.primitive import PRIMITIVES
        >>> import minitf
        >>> PRIMITIVES["add"].name
        'add'
    """

    __slots__ = ("name", "multiple_results", "effectful", "abstract_eval", "vjp",
                 "impls", "elementwise", "dtype_kinds", "__weakref__")

    def __init__(self, name: str, *, multiple_results: bool = False,
                 effectful: bool = False) -> None:
        if name in PRIMITIVES:
            raise ValueError(f"A primitive named {name!r} is already registered.")
        self.name = name
        self.multiple_results = multiple_results
        self.effectful = effectful
        self.abstract_eval: Optional[Callable[..., Any]] = None
        self.vjp: Any = None
        self.impls: dict[str, Callable[..., Any]] = {}
        # Set by the elementwise op factory: the name of the NumPy ufunc-like op, so
        # graph fusion (GPU) and the straight-line compiler can recognise the family.
        self.elementwise: Optional[str] = None
        # NumPy dtype kinds the op accepts ("f" floats, "iu" integers, "b" bool), checked
        # by the public functions and by abstract evaluation; None means any.
        self.dtype_kinds: Optional[str] = None
        PRIMITIVES[name] = self

    def def_abstract_eval(self, rule: Callable[..., Any]) -> Callable[..., Any]:
        """Registers ``rule(*specs, **params) -> spec (or list of specs)``."""
        self.abstract_eval = rule
        return rule

    def def_vjp(self, rule: Any) -> Any:
        """Registers ``rule(g, *inputs, out, **params) -> tuple of cotangents``.

        Pass :data:`NOT_DIFFERENTIABLE` for ops without a gradient. A rule may also
        take a keyword-only ``needs`` (one bool per input): the backward pass then says
        which cotangents it keeps, and the rule may return None for the others.
        """
        self.vjp = rule
        return rule

    def def_impl(self, backend: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator registering the implementation for ``backend`` (``"numpy"``, ...)."""
        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            self.impls[backend] = fn
            return fn
        return register

    @property
    def differentiable(self) -> bool:
        """False for primitives declared :data:`NOT_DIFFERENTIABLE`."""
        return self.vjp is not NOT_DIFFERENTIABLE

    def __repr__(self) -> str:
        return f"Primitive({self.name!r})"


def get_primitive(name: str) -> Primitive:
    """The registered primitive called ``name``.

    Raises:
        KeyError: with the list of known names, if there is none.
    """
    try:
        return PRIMITIVES[name]
    except KeyError:
        raise KeyError(
            f"Unknown primitive {name!r}: this minitf knows {len(PRIMITIVES)} primitives "
            f"(see minitf.core.primitive.PRIMITIVES). A file that names it was written "
            f"by a different minitf version or was tampered with."
        ) from None

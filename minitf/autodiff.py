"""``tf.GradientTape``: reverse-mode automatic differentiation.

While a tape is active, ``bind`` hands it every equation it applies. The tape keeps the
equations with at least one *watched* input (a watched tensor, a read of a watched or
trainable variable, or the output of an equation it kept) — the same ``Eqn`` records
that ``tf.function`` stages into graphs. Equations whose outputs are all integers or
bools are never kept: no gradient can flow through them.

``gradient`` walks the kept equations backwards (:func:`backward_pass`). Each
primitive's VJP turns the cotangent of its outputs into cotangents of its inputs;
cotangents meeting at one tensor are added. VJPs are minitf ops, so when an outer tape
is recording, the backward pass is recorded too and can be differentiated again
(nested tapes → higher derivatives).

Tensors are identified by ``id``: the tape keeps every tensor it recorded alive, so an
id cannot be reused while the tape holds it. A non-persistent tape drops everything
after its first ``gradient`` call, so a training loop's memory stays flat.

Example:
    >>> import minitf as tf
    >>> x = tf.Variable(1.0)
    >>> with tf.GradientTape() as tape:
    ...     y = x**2 + 2*x - 5
    >>> tape.gradient(y, x)
    <tf.Tensor: shape=(), dtype=float32, numpy=4.0>
"""

from __future__ import annotations

import enum
import inspect
import logging
from typing import Any, Container, Iterator, Optional

import numpy as np

from minitf import nest
from minitf.core.graph import Eqn
from minitf.core.interpreters import Context, _context, bind1
from minitf.core.primitive import NOT_DIFFERENTIABLE
from minitf.ops.creation import ones_like_p, zeros_like_p
from minitf.ops.elementwise import add_p
from minitf.tensor import Tensor, convert_to_tensor
from minitf.variables import Variable

__all__ = ["GradientTape", "UnconnectedGradients", "backward_pass"]

logger = logging.getLogger("minitf")
_new = object.__new__
_EMPTY: frozenset = frozenset()

_NESTED = (list, tuple, dict)
_NON_PERSISTENT_AGAIN = (
    "A non-persistent GradientTape can only be used to compute one set of gradients (or "
    "jacobians). Create the tape with tf.GradientTape(persistent=True) to call gradient() "
    "or jacobian() several times.")


class UnconnectedGradients(enum.Enum):
    """What ``gradient`` returns for a source the target does not depend on.

    Example:
        >>> import minitf as tf
        >>> tf.UnconnectedGradients("zero") is tf.UnconnectedGradients.ZERO
        True
    """

    NONE = "none"
    ZERO = "zero"


def _base_variable(v: Variable) -> Variable:
    # What `assign` returns (shown as 'UnreadVariable') stands for its parent variable.
    return v if type(v) is Variable else getattr(v, "_parent", v)


def _add(a: Tensor, b: Tensor) -> Tensor:
    return bind1(add_p, a, b)


def _zeros_like(x: Tensor) -> Tensor:
    return bind1(zeros_like_p, x, dtype=x._dtype.name)


def _ones_like(x: Tensor) -> Tensor:
    # The seed cotangent is a constant: for NumPy tensors make it directly (no equation).
    value = x._value
    kind = type(value)
    if kind is x._dtype._np.type:  # a NumPy scalar (a rank-0 result)
        seed = kind(1)
    elif kind is np.ndarray:
        seed = np.ones(value.shape, value.dtype)
    else:
        return bind1(ones_like_p, x, dtype=x._dtype.name)
    t = _new(Tensor)
    t._value = seed
    t._dtype = x._dtype
    return t


# VJP rule -> whether it takes the keyword `needs` (one bool per input; see backward_pass).
_TAKES_NEEDS: dict = {}


def _takes_needs(rule: Any) -> bool:
    try:
        param = inspect.signature(rule).parameters.get("needs")
    except (TypeError, ValueError):
        param = None
    takes = param is not None and param.kind is inspect.Parameter.KEYWORD_ONLY
    _TAKES_NEEDS[rule] = takes
    return takes


def backward_pass(eqns: list, cotangents: dict, relevant: Optional[Container] = None) -> dict:
    """Propagates cotangents backwards through ``eqns`` (the chain rule, once per Eqn).

    Args:
        eqns: equations in the order they ran.
        cotangents: ``id(atom) -> cotangent`` seeded at the targets; updated in place.
        relevant: ids of atoms that depend on a source; only they receive cotangents
            (None: every input does). A VJP rule that declares a keyword-only ``needs``
            parameter is told which of its inputs are relevant (a tuple of bools) and may
            return None for the others instead of computing them.

    Returns:
        ``cotangents``, now holding the cotangent of every relevant atom reached.

    Example:
        >>> import minitf as tf
        >>> from minitf.autodiff import backward_pass
        >>> x = tf.constant(3.0)
        >>> with tf.GradientTape() as t:
        ...     t.watch(x)
        ...     y = x * x
        >>> cts = backward_pass(t._tape_eqns, {id(y): tf.constant(1.0)})
        >>> float(cts[id(x)])
        6.0
    """
    get = cotangents.get
    for eqn in reversed(eqns):
        outs = eqn.outputs
        prim = eqn.prim
        if not prim.multiple_results:
            out = outs[0]
            g = get(id(out))
            if g is None:
                continue
        else:
            gs = [get(id(o)) for o in outs]
            if all(c is None for c in gs):
                continue
            # A multi-output VJP wants a cotangent per output: the unused ones are zero.
            g = [c if c is not None else _zeros_like(o) for c, o in zip(gs, outs)]
            out = list(outs)
        if prim.vjp is None:
            raise NotImplementedError(
                f"Primitive {prim.name!r} has no VJP rule: minitf cannot differentiate "
                f"through it. Wrap the computation in tf.stop_gradient, or define one with "
                f"{prim.name}_p.def_vjp.")
        rule = prim.vjp
        inputs = eqn.inputs
        takes_needs = _TAKES_NEEDS.get(rule)
        if takes_needs is None:
            takes_needs = _takes_needs(rule)
        params = eqn.params
        if takes_needs and relevant is not None:
            # Tell the rule which cotangents will be kept: `x @ w` with a constant `x`
            # then skips the matmul that would only compute x's (discarded) cotangent.
            if len(inputs) == 2:
                needs = (id(inputs[0]) in relevant, id(inputs[1]) in relevant)
            else:
                needs = tuple([id(x) in relevant for x in inputs])
            in_cts = (rule(g, *inputs, out=out, needs=needs, **params) if params
                      else rule(g, *inputs, out=out, needs=needs))
        else:
            in_cts = rule(g, *inputs, out=out, **params) if params else rule(g, *inputs, out=out)
        for x, ct in zip(inputs, in_cts):
            if ct is None:
                continue
            key = id(x)
            if relevant is not None and key not in relevant:
                continue
            prev = get(key)
            cotangents[key] = ct if prev is None else _add(prev, ct)
    return cotangents


class GradientTape:
    """Records operations for automatic differentiation.

    Args:
        persistent: allow several ``gradient`` calls (otherwise the tape frees what it
            recorded after the first and raises ``RuntimeError`` on a second).
        watch_accessed_variables: watch every trainable variable read while recording.

    Example:
        >>> import minitf as tf
        >>> x = tf.constant(3.0)
        >>> with tf.GradientTape() as g:
        ...     g.watch(x)
        ...     y = x * x
        >>> g.gradient(y, x).numpy()
        np.float32(6.0)
    """

    __slots__ = ("_persistent", "_watch_accessed", "_eqns", "_watched", "_roots",
                 "_variables", "_reads", "_explicit", "_recording", "_used", "_token",
                 "__weakref__")

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self._persistent = persistent
        self._watch_accessed = watch_accessed_variables
        self._eqns: list = []       # the recorded Eqns, in execution order
        self._watched: dict = {}    # id(tensor) -> tensor: watched, kept alive by the tape
        self._roots: set = set()    # ids of the tensors watched directly (not op outputs)
        self._variables: dict = {}  # id(var) -> var: the watched variables
        self._reads: dict = {}      # id(var) -> [float tensors read from it]
        self._explicit: Any = _EMPTY  # ids of variables passed to watch() (a set, then)
        self._recording = False
        self._used = False
        self._token: Any = None

    # -- context ---------------------------------------------------------------------
    def __enter__(self) -> "GradientTape":
        if self._recording:
            raise ValueError("Tape is still recording, This can happen if you try to re-enter "
                             "an already-active tape.")
        ctx = _context.get()
        self._token = _context.set(Context(ctx.tapes + (self,), ctx.builder, ctx.device))
        self._recording = True
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._token is not None:
            _context.reset(self._token)
            self._token = None
        self._recording = False

    def _push(self) -> None:
        self.__enter__()

    def _pop(self) -> None:
        self.__exit__()

    def _stop_recording_for_good(self) -> None:
        # A non-persistent tape asked for gradients inside its `with` block records
        # nothing more (as in TF); `__exit__` later restores the context of `__enter__`.
        ctx = _context.get()
        if self in ctx.tapes:
            _context.set(Context(tuple(t for t in ctx.tapes if t is not self), ctx.builder,
                                 ctx.device))
        self._recording = False

    # -- recording -------------------------------------------------------------------
    def watch(self, tensor: Any) -> None:
        """Watches tensors or variables (nested structures allowed).

        Integer and bool tensors cannot have gradients: watching one logs TF's warning
        and ``gradient`` later gives ``None`` for it.

        Example:
            >>> import minitf as tf
            >>> x = tf.constant(2.0)
            >>> with tf.GradientTape() as t:
            ...     t.watch(x)
            ...     y = x ** 3
            >>> float(t.gradient(y, x))
            12.0
        """
        for t in nest.flatten(tensor):
            if isinstance(t, Variable):
                var = _base_variable(t)
                self._warn_unless_floating(var._dtype)
                if self._explicit is _EMPTY:
                    self._explicit = set()
                self._explicit.add(id(var))
                self._variables.setdefault(id(var), var)
                continue
            if not isinstance(t, Tensor):
                raise ValueError(f"Passed in object {t!r} of type {type(t).__name__!r}, not "
                                 f"tf.Tensor or tf.Variable.")
            if self._warn_unless_floating(t._dtype):
                self._watched[id(t)] = t
                self._roots.add(id(t))

    @staticmethod
    def _warn_unless_floating(dtype: Any) -> bool:
        if dtype._kind == "f":
            return True
        logger.warning("The dtype of the watched tensor must be floating (e.g. tf.float32), "
                       "got %r", dtype)
        return False

    def _on_variable_read(self, var: Any, value: Tensor) -> None:
        """Called by ``Variable._read`` for each recording tape."""
        vid = id(var)
        if vid not in self._variables:
            if not (vid in self._explicit or (self._watch_accessed and var._trainable)):
                return
            self._variables[vid] = var
        if value._dtype._kind != "f":
            return  # listed in watched_variables() (as TF does), but never differentiated
        reads = self._reads.get(vid)
        if reads is None:
            self._reads[vid] = [value]
        elif reads[-1] is value or any(r is value for r in reads):  # not `in`: it calls ==
            return
        else:
            reads.append(value)  # the variable was assigned a new value since
        self._watched[id(value)] = value
        self._roots.add(id(value))

    def _record(self, prim: Any, args: tuple, params: dict, outs: tuple) -> None:
        """Keeps ``outs = prim(*args, **params)`` if a watched tensor flows into it."""
        watched = self._watched
        for a in args:
            if id(a) in watched:
                break
        else:
            return
        if prim.vjp is NOT_DIFFERENTIABLE:
            return
        kept = False
        for o in outs:
            if o._dtype._kind == "f":
                watched[id(o)] = o
                kept = True
        if kept:
            self._eqns.append(Eqn(prim, args, params, outs))

    @property
    def _tape_eqns(self) -> list:
        """The recorded equations (for students: ``print(tape._tape_eqns)``)."""
        return list(self._eqns)

    def recorded_operations(self) -> list:
        """The recorded equations as readable lines (minitf extra).

        Example:
            >>> import minitf as tf
            >>> x = tf.Variable(1.0)
            >>> with tf.GradientTape() as t:
            ...     y = x * x + 1.0
            >>> t.recorded_operations()
            ['mul(float32[], float32[]) -> float32[]', 'add(float32[], float32[]) -> float32[]']
        """
        def spec(t: Any) -> str:
            return f"{t._dtype.name}{list(t._shape)}".replace(" ", "")
        return [f"{e.prim.name}({', '.join(spec(i) for i in e.inputs)}) -> "
                f"{', '.join(spec(o) for o in e.outputs)}" for e in self._eqns]

    def stop_recording(self) -> "_StopRecording":
        """A context in which this tape records nothing.

        Raises:
            RuntimeError: if the tape is not recording.

        Example:
            >>> import minitf as tf
            >>> x = tf.Variable(2.0)
            >>> with tf.GradientTape() as t:
            ...     with t.stop_recording():
            ...         y = x * x
            >>> t.gradient(y, x) is None
            True
        """
        if not self._recording:
            raise RuntimeError("Trying to stop recording a tape which is not recording.")
        return _StopRecording(self)

    def reset(self) -> None:
        """Forgets everything recorded so far (the tape keeps recording).

        Example:
            >>> import minitf as tf
            >>> x = tf.Variable(1.0)
            >>> with tf.GradientTape() as t:
            ...     y = x * 100.0
            ...     t.reset()
            ...     y = x * 2.0
            >>> float(t.gradient(y, x))
            2.0
        """
        self._eqns = []
        self._watched = {}
        self._roots = set()
        self._variables = {}
        self._reads = {}
        self._explicit = _EMPTY

    def watched_variables(self) -> tuple:
        """The watched variables, in the order they were created (as TF orders them).

        Example:
            >>> import minitf as tf
            >>> a, b = tf.Variable(1.0, name="a"), tf.Variable(2.0, name="b")
            >>> with tf.GradientTape() as t:
            ...     _ = b * a
            >>> [v.name for v in t.watched_variables()]
            ['a:0', 'b:0']
        """
        return tuple(sorted(self._variables.values(), key=lambda v: v._unique_id))

    # -- differentiation -------------------------------------------------------------
    def gradient(self, target: Any, sources: Any, output_gradients: Any = None,
                 unconnected_gradients: Any = UnconnectedGradients.NONE) -> Any:
        """Gradients of ``target`` (summed if not scalar) with respect to ``sources``.

        Args:
            target: a tensor or a nested structure of tensors (their sum is
                differentiated).
            sources: tensors and/or variables, in any nested structure; the result has
                the same structure.
            output_gradients: cotangents to start from, one per target (default ones).
            unconnected_gradients: ``NONE`` (give None) or ``ZERO`` (give zeros) for
                sources the target does not depend on.

        Returns:
            The gradients in the structure of ``sources``; ``None`` for integer or bool
            sources and (by default) for sources the target does not depend on.

        Raises:
            RuntimeError: on a second call to a non-persistent tape.

        Example:
            >>> import minitf as tf
            >>> w = tf.Variable([1.0, 2.0])
            >>> with tf.GradientTape() as t:
            ...     loss = tf.reduce_sum(w * w)
            >>> t.gradient(loss, {"w": w})["w"].numpy()
            array([2., 4.], dtype=float32)
        """
        self._begin_differentiation()
        if unconnected_gradients is not UnconnectedGradients.NONE:
            unconnected_gradients = UnconnectedGradients(
                getattr(unconnected_gradients, "value", unconnected_gradients))
        flat_targets = nest.flatten(target) if isinstance(target, _NESTED) else [target]
        single_source = not isinstance(sources, _NESTED)
        flat_sources = [sources] if single_source else nest.flatten(sources)
        if output_gradients is None:
            flat_og: list = [None] * len(flat_targets)
        else:
            flat_og = nest.flatten(output_gradients) if isinstance(output_gradients, _NESTED) \
                else [output_gradients]
            if len(flat_og) != len(flat_targets):
                raise ValueError(f"GradientTape.gradient: output_gradients has {len(flat_og)} "
                                 f"entries for {len(flat_targets)} targets; pass one cotangent "
                                 f"per target (or None).")
        keys = [self._source_keys(s) for s in flat_sources]
        relevant = self._relevant(keys)
        grads = self._pullback(flat_targets, flat_og, flat_sources, keys, relevant,
                               unconnected_gradients)
        self._end_differentiation()
        return grads[0] if single_source else nest.pack_sequence_as(sources, grads)

    def _begin_differentiation(self) -> None:
        if self._used:
            raise RuntimeError(_NON_PERSISTENT_AGAIN)
        if self._recording:
            if not self._persistent:
                self._stop_recording_for_good()
            else:
                # The tape stays on: it records its own backward pass (for higher
                # derivatives), at the price of a longer tape.
                logger.warning("GradientTape.gradient was called inside the `with` block of "
                               "a persistent tape: the gradient computation is recorded on "
                               "that tape too, which costs time and memory. Call it after "
                               "the block unless you need higher-order derivatives.")

    def _end_differentiation(self) -> None:
        if not self._persistent:
            self._used = True
            # Free the recorded equations and tensors now; watched_variables() still
            # answers (as in TF: `zip(grads, tape.watched_variables())` is common).
            self._eqns = []
            self._watched = {}
            self._roots = set()
            self._reads = {}

    def _source_keys(self, source: Any) -> list:
        # A variable's gradient is the sum over the tensors read from it; a Variable
        # passed as a *target* is keyed by the variable itself (TF's handle semantics).
        if isinstance(source, Tensor):
            return [id(source)]
        if isinstance(source, Variable):
            var = source if type(source) is Variable else _base_variable(source)
            keys = [id(var)]
            for t in self._reads.get(keys[0], ()):
                keys.append(id(t))
            return keys
        raise ValueError(f"GradientTape.gradient: sources must be tensors or variables, got "
                         f"{source!r} of type {type(source).__name__}.")

    def _relevant(self, keys: list) -> Container:
        """The ids of the tensors that depend on a source: only they need cotangents."""
        relevant = set()
        for ks in keys:
            relevant.update(ks)
        if self._roots <= relevant:
            # Every watched tensor descends from a source (the usual `gradient(loss,
            # all_variables)`): the watched set is the answer, no sweep needed.
            return self._watched
        add = relevant.add
        for eqn in self._eqns:
            for x in eqn.inputs:
                if id(x) in relevant:
                    for o in eqn.outputs:
                        add(id(o))
                    break
        return relevant

    def _pullback(self, targets: list, output_gradients: list, sources: list, keys: list,
                  relevant: Container, unconnected: UnconnectedGradients) -> list:
        cts: dict = {}
        for t, og in zip(targets, output_gradients):
            if isinstance(t, Variable):
                var = _base_variable(t)
                key, t = id(var), var._tensor
            elif isinstance(t, Tensor):
                key = id(t)
            elif t is None:
                continue
            else:
                raise ValueError(f"GradientTape.gradient: targets must be tensors, got {t!r} "
                                 f"of type {type(t).__name__}.")
            if t._dtype._kind != "f":
                continue
            seed = _ones_like(t) if og is None else convert_to_tensor(og, t._dtype)
            prev = cts.get(key)
            cts[key] = seed if prev is None else _add(prev, seed)
        if cts:
            backward_pass(self._eqns, cts, relevant)
        out = []
        for src, ks in zip(sources, keys):
            if src._dtype._kind != "f":
                # TF logs this at a verbosity that is off by default: debug, here.
                logger.debug("The dtype of the source tensor must be floating (e.g. "
                             "tf.float32) when calling GradientTape.gradient, got %r",
                             src._dtype)
                out.append(None)
                continue
            g = None
            for k in ks:
                c = cts.get(k)
                if c is not None:
                    g = c if g is None else _add(g, c)
            if g is None and unconnected is UnconnectedGradients.ZERO:
                g = _zeros_like(src._tensor if isinstance(src, Variable) else src)
            out.append(g)
        return out

    def jacobian(self, target: Any, sources: Any, unconnected_gradients: Any =
                 UnconnectedGradients.NONE, parallel_iterations: Any = None,
                 experimental_use_pfor: bool = True) -> Any:
        """The Jacobian: shape ``target.shape + source.shape`` for each source.

        Computed with one backward pass per element of ``target`` (no vectorization).

        Example:
            >>> import minitf as tf
            >>> x = tf.Variable([1.0, 2.0])
            >>> with tf.GradientTape() as t:
            ...     y = x * x
            >>> t.jacobian(y, x).numpy()
            array([[2., 0.],
                   [0., 4.]], dtype=float32)
        """
        from minitf.jacobians import jacobian
        return jacobian(self, target, sources, unconnected_gradients)

    def batch_jacobian(self, target: Any, source: Any, unconnected_gradients: Any =
                       UnconnectedGradients.NONE, parallel_iterations: Any = None,
                       experimental_use_pfor: bool = True) -> Any:
        """Per-example Jacobians: ``target[b]`` w.r.t. ``source[b]`` for each batch row b.

        Assumes rows do not interact (as TF does). Shape:
        ``(batch,) + target.shape[1:] + source.shape[1:]``.

        Example:
            >>> import minitf as tf
            >>> x = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
            >>> with tf.GradientTape() as t:
            ...     y = x * x
            >>> t.batch_jacobian(y, x).shape
            TensorShape([2, 2, 2])
        """
        from minitf.jacobians import batch_jacobian
        return batch_jacobian(self, target, source, unconnected_gradients)


class _StopRecording:
    """The context of ``tape.stop_recording()``: the tape is off the context's tapes."""

    def __init__(self, tape: GradientTape) -> None:
        self._tape = tape

    def __enter__(self) -> None:
        ctx = _context.get()
        self._token = _context.set(Context(tuple(t for t in ctx.tapes if t is not self._tape),
                                           ctx.builder, ctx.device))
        self._tape._recording = False

    def __exit__(self, *exc: Any) -> None:
        _context.reset(self._token)
        self._tape._recording = True


def iter_watched(tape: GradientTape) -> Iterator[Tensor]:
    """The tensors a tape watches (for tests and teaching).

    Example:
        >>> import minitf as tf
        >>> x = tf.constant(1.0)
        >>> with tf.GradientTape() as t:
        ...     t.watch(x)
        >>> [w is x for w in iter_watched(t)]
        [True]
    """
    return iter(tape._watched.values())


"""``tf.GradientTape``: reverse-mode automatic differentiation.

While a tape is active, ``bind`` hands it every equation it applies. The tape keeps the
equations with at least one *watched* input (a watched tensor, a read of a watched or
trainable variable, or the output of an equation it kept) — the same ``Eqn`` records
that ``tf.function`` stages into graphs. Equations whose outputs are all integers or
bools are never kept: no gradient can flow through them.

``gradient`` walks the kept equations backwards (``backward_pass`` in
:mod:`minitf.backward`). Each primitive's VJP turns the cotangent of its outputs into
cotangents of its inputs; cotangents meeting at one tensor are added. VJPs are minitf
ops, so when an outer tape is recording, the backward pass is recorded too and can be
differentiated again (nested tapes → higher derivatives). ``jacobian`` lives in
:mod:`minitf.jacobians`, ``tf.custom_gradient`` in :mod:`minitf.custom_grad`.

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
import logging
from typing import Any, Iterator

from minitf import nest
from minitf.backward import (_base_variable, all_source_keys, backward_pass, pullback,
                             relevant_ids)
from minitf.compiled_backward import variables_pullback
from minitf.core.graph import Eqn
from minitf.core.interpreters import Context, _context, current
from minitf.core.primitive import NOT_DIFFERENTIABLE
from minitf.tensor import Tensor
from minitf.variables import Variable

__all__ = ["GradientTape", "UnconnectedGradients", "backward_pass"]

logger = logging.getLogger("minitf")
_EMPTY: frozenset = frozenset()
_new = object.__new__

_NESTED = (list, tuple, dict)
_FLAT = (list, tuple)
# Bound once: a method of an imported name is a slow load in 3.11 (see interpreters).
_set_context, _reset_context = _context.set, _context.reset
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


_NONE, _ZERO = UnconnectedGradients.NONE, UnconnectedGradients.ZERO


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
        ctx = current()
        self._token = _set_context(Context(ctx.tapes + (self,), ctx.builder, ctx.device))
        self._recording = True
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._token is not None:
            _reset_context(self._token)
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
        # BEGIN SOLUTION autodiff: what the tape records; spec: tests/test_autodiff_tape.py
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
        if kept:  # Eqn(prim, args, params, outs), minus the __init__ call
            eqn = _new(Eqn)
            eqn.prim, eqn.inputs, eqn.params, eqn.outputs = prim, args, params, outs
            self._eqns.append(eqn)
        # END SOLUTION

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
        if (type(sources) in _FLAT and output_gradients is None and not self._used
                and not self._recording and unconnected_gradients is _NONE):
            # `tape.gradient(loss, model.variables)`: a plan checking the reads itself.
            grads = variables_pullback(self, target, sources)
            if grads is not None:
                if not self._persistent:
                    self._end_differentiation()
                return grads if type(sources) is list else tuple(grads)
        if self._used or self._recording:
            self._begin_differentiation()
        if unconnected_gradients is not _NONE:
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
        keys = all_source_keys(self, flat_sources)
        grads = pullback(self, flat_targets, flat_og, flat_sources, keys,
                         relevant_ids(self, keys), unconnected_gradients is _ZERO)
        if not self._persistent:
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


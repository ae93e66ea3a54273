"""``tf.GradientTape``: reverse-mode automatic differentiation.

While a tape is active, ``bind`` hands it every equation it applies. The tape keeps the
equations with at least one *watched* input (a watched tensor, a read of a watched or
trainable variable, or the output of an equation it kept) — the same ``Eqn`` records
that ``tf.function`` stages into graphs.

``gradient`` walks the kept equations backwards. Each primitive's VJP turns the
cotangent of its outputs into cotangents of its inputs; cotangents meeting at one tensor
are added. VJPs are minitf ops, so when an outer tape is recording, the backward pass
is recorded too and can be differentiated again (nested tapes → higher derivatives).

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
from typing import Any, Callable, Iterator, Optional

import numpy as np

from minitf import nest
from minitf.core import interpreters
from minitf.core.graph import Eqn
from minitf.core.interpreters import bind1
from minitf.tensor import Tensor, convert_to_tensor

__all__ = ["GradientTape", "UnconnectedGradients", "custom_gradient", "backward_pass"]

logger = logging.getLogger("minitf")


class UnconnectedGradients(enum.Enum):
    """What ``gradient`` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


def _add(a: Tensor, b: Tensor) -> Tensor:
    from minitf.ops.elementwise import add_p
    return bind1(add_p, a, b)


def _zeros_like(x: Any) -> Tensor:
    from minitf.ops.creation import zeros_like_p
    return bind1(zeros_like_p, x, dtype=x._dtype.name)


def _ones_like(x: Any) -> Tensor:
    # The seed cotangent is a constant: for eager tensors make it directly (no equation).
    if type(x) is Tensor and type(x._value) in (np.ndarray, x._dtype._np.type):
        t = object.__new__(Tensor)
        t._value = np.ones(x._value.shape, x._dtype._np) if x._value.shape else \
            x._dtype._np.type(1)
        t._dtype = x._dtype
        return t
    from minitf.ops.creation import ones_like_p
    return bind1(ones_like_p, x, dtype=x._dtype.name)


def backward_pass(eqns: list, cotangents: dict, relevant: Optional[set] = None) -> dict:
    """Propagates cotangents backwards through ``eqns``.

    Args:
        eqns: equations in the order they ran.
        cotangents: ``id(tensor) -> cotangent`` seeded at the targets; updated in place.
        relevant: ids of tensors that depend on a source; other inputs get no cotangent.

    Returns:
        ``cotangents``, now holding the cotangent of every relevant tensor reached.
    """
    for eqn in reversed(eqns):
        outs = eqn.outputs
        if len(outs) == 1:
            g = cotangents.get(id(outs[0]))
            if g is None:
                continue
            out = outs[0]
        else:
            gs = [cotangents.get(id(o)) for o in outs]
            if all(c is None for c in gs):
                continue
            g = [c if c is not None else _zeros_like(o) for c, o in zip(gs, outs)]
            out = list(outs)
        prim = eqn.prim
        if prim.vjp is None:
            raise NotImplementedError(
                f"Primitive {prim.name!r} has no VJP rule: minitf cannot differentiate "
                f"through it. Wrap the computation in tf.stop_gradient, or define one with "
                f"{prim.name}_p.def_vjp.")
        in_cts = prim.vjp(g, *eqn.inputs, out=out, **eqn.params)
        for x, ct in zip(eqn.inputs, in_cts):
            if ct is None:
                continue
            key = id(x)
            if relevant is not None and key not in relevant:
                continue
            prev = cotangents.get(key)
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

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self._persistent = persistent
        self._watch_accessed = watch_accessed_variables
        self._eqns: list = []
        self._watched: dict = {}      # id(tensor) -> tensor, kept alive by the tape
        self._variables: dict = {}    # id(var) -> var, in the order they were watched
        self._reads: dict = {}        # id(var) -> [tensors read from it]
        self._explicit: set = set()   # ids of variables passed to watch()
        self._recording = False
        self._used = False
        self._tokens: list = []

    # -- context ---------------------------------------------------------------------
    def __enter__(self) -> "GradientTape":
        self._push()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._pop()

    def _push(self) -> None:
        if self._recording:
            raise ValueError("Tape is still recording, This can happen if you try to re-enter "
                             "an already-active tape.")
        ctx = interpreters.current()
        self._tokens.append(interpreters._context.set(ctx.replace(tapes=ctx.tapes + (self,))))
        self._recording = True

    def _pop(self) -> None:
        interpreters._context.reset(self._tokens.pop())
        self._recording = False

    # -- recording -------------------------------------------------------------------
    def watch(self, tensor: Any) -> None:
        """Watches tensors or variables (nested structures allowed).

        Example:
            >>> import minitf as tf
            >>> x = tf.constant(2.0)
            >>> with tf.GradientTape() as t:
            ...     t.watch(x)
            ...     y = x ** 3
            >>> float(t.gradient(y, x))
            12.0
        """
        from minitf.variables import Variable
        for t in nest.flatten(tensor):
            if isinstance(t, Variable):
                self._explicit.add(id(t))
                self._variables.setdefault(id(t), t)
                continue
            if not isinstance(t, Tensor):
                raise ValueError(f"Passed in object {t!r} of type {type(t).__name__!r}, not "
                                 f"tf.Tensor or tf.Variable")
            if not t._dtype.is_floating:
                logger.warning("The dtype of the watched tensor must be floating (e.g. "
                               "tf.float32), got %r", t._dtype)
            self._watched[id(t)] = t

    def _on_variable_read(self, var: Any, value: Tensor) -> None:
        vid = id(var)
        if vid in self._explicit or (self._watch_accessed and var._trainable):
            self._variables.setdefault(vid, var)
            if id(value) not in self._watched:
                self._watched[id(value)] = value
                self._reads.setdefault(vid, []).append(value)

    def _record(self, prim: Any, args: tuple, params: dict, outs: tuple) -> None:
        watched = self._watched
        for a in args:
            if id(a) in watched:
                break
        else:
            return
        if prim.vjp is not None and not prim.differentiable:
            return
        self._eqns.append(Eqn(prim, args, params, outs))
        for o in outs:
            if o._dtype.is_floating:
                watched[id(o)] = o

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
            raise RuntimeError("Tape is not recording.")
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
        self._variables = {}
        self._reads = {}
        self._explicit = set()

    def watched_variables(self) -> tuple:
        """The variables watched so far, in the order they were first watched.

        Example:
            >>> import minitf as tf
            >>> v = tf.Variable(1.0, name="v")
            >>> with tf.GradientTape() as t:
            ...     _ = v * 2
            >>> [x.name for x in t.watched_variables()]
            ['v:0']
        """
        return tuple(self._variables.values())

    # -- differentiation -------------------------------------------------------------
    def gradient(self, target: Any, sources: Any, output_gradients: Any = None,
                 unconnected_gradients: Any = UnconnectedGradients.NONE) -> Any:
        """Gradients of ``target`` (summed if not scalar) with respect to ``sources``.

        Args:
            target: a tensor or a nested structure of tensors.
            sources: tensors and/or variables, in any nested structure; the result has
                the same structure.
            output_gradients: cotangents to start from, one per target (default ones).
            unconnected_gradients: ``NONE`` (give None) or ``ZERO`` (give zeros) for
                sources the target does not depend on.

        Returns:
            The gradients in the structure of ``sources``.

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
        if self._used:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one "
                               "set of gradients (or jacobians). Create the tape with "
                               "tf.GradientTape(persistent=True) to call gradient() again.")
        if not isinstance(unconnected_gradients, UnconnectedGradients):
            unconnected_gradients = UnconnectedGradients(unconnected_gradients)
        single_target = not isinstance(target, (list, tuple, dict))
        flat_targets = [target] if single_target else nest.flatten(target)
        single_source = not isinstance(sources, (list, tuple, dict))
        flat_sources = [sources] if single_source else nest.flatten(sources)
        if output_gradients is not None:
            flat_og = nest.flatten(output_gradients) if nest.is_nested(output_gradients) \
                else [output_gradients]
            if len(flat_og) != len(flat_targets):
                raise ValueError(f"output_gradients has {len(flat_og)} entries for "
                                 f"{len(flat_targets)} targets.")
        else:
            flat_og = [None] * len(flat_targets)
        grads = self._gradients(flat_targets, flat_sources, flat_og, unconnected_gradients)
        if not self._persistent:
            self._used = True
            self.reset()
        return grads[0] if single_source else nest.pack_sequence_as(sources, grads)

    def _source_tensors(self, source: Any) -> list:
        from minitf.variables import Variable
        if isinstance(source, Variable):
            source = getattr(source, "_parent", source)
            return list(self._reads.get(id(source), []))
        if not isinstance(source, Tensor):
            raise ValueError(f"Sources must be tensors or variables, got {source!r}.")
        return [source]

    def _gradients(self, targets: list, sources: list, output_gradients: list,
                   unconnected: UnconnectedGradients) -> list:
        from minitf.variables import Variable
        # This tape records nothing while it differentiates (outer tapes do record).
        ctx = interpreters.current()
        token = interpreters._context.set(
            ctx.replace(tapes=tuple(t for t in ctx.tapes if t is not self)))
        try:
            source_lists = [self._source_tensors(s) for s in sources]
            # Only tensors that depend on a source need cotangents: one forward sweep.
            relevant = set()
            for lst in source_lists:
                relevant.update(id(t) for t in lst)
            for eqn in self._eqns:
                for x in eqn.inputs:
                    if id(x) in relevant:
                        for o in eqn.outputs:
                            relevant.add(id(o))
                        break
            cts: dict = {}
            for t, og in zip(targets, output_gradients):
                if isinstance(t, Variable):
                    t = t._tensor
                if t is None:
                    continue
                if not isinstance(t, Tensor):
                    raise ValueError(f"Targets must be tensors, got {t!r}.")
                if id(t) not in relevant:
                    continue
                seed = _ones_like(t) if og is None else convert_to_tensor(og, t._dtype)
                prev = cts.get(id(t))
                cts[id(t)] = seed if prev is None else _add(prev, seed)
            if cts:
                backward_pass(self._eqns, cts, relevant)
            out = []
            for src, lst in zip(sources, source_lists):
                if not src.dtype.is_floating:
                    logger.warning("The dtype of the source tensor must be floating (e.g. "
                                   "tf.float32) when calling GradientTape.gradient, got %r",
                                   src.dtype)
                    out.append(None)
                    continue
                g = None
                for t in lst:
                    c = cts.get(id(t))
                    if c is not None:
                        g = c if g is None else _add(g, c)
                if g is None and unconnected is UnconnectedGradients.ZERO:
                    g = _zeros_like(src._read() if isinstance(src, Variable) else src)
                out.append(g)
        finally:
            interpreters._context.reset(token)
        return out

    def jacobian(self, target: Any, sources: Any, unconnected_gradients: Any =
                 UnconnectedGradients.NONE, parallel_iterations: Any = None,
                 experimental_use_pfor: bool = True) -> Any:
        """The Jacobian: shape ``target.shape + source.shape`` for each source.

        Computed with one backward pass per element of ``target``.

        Example:
            >>> import minitf as tf
            >>> x = tf.Variable([1.0, 2.0])
            >>> with tf.GradientTape() as t:
            ...     y = x * x
            >>> t.jacobian(y, x).numpy()
            array([[2., 0.],
                   [0., 4.]], dtype=float32)
        """
        from minitf.ops.creation import zeros_like
        from minitf.ops.shape import reshape, stack
        if self._used:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one "
                               "set of gradients (or jacobians).")
        target = convert_to_tensor(target)
        flat_sources = nest.flatten(sources)
        n = target.shape.num_elements()
        if n is None:
            raise ValueError("jacobian needs a target of known size.")
        rows: list = [[] for _ in flat_sources]
        import numpy as np
        unconnected = UnconnectedGradients(getattr(unconnected_gradients, "value",
                                                   unconnected_gradients))
        for i in range(n):
            seed = np.zeros(n, target._dtype.np)
            seed[i] = 1
            og = convert_to_tensor(seed.reshape(target._shape))
            grads = self._gradients([target], flat_sources, [og], UnconnectedGradients.ZERO)
            for r, g in zip(rows, grads):
                r.append(g)
        out = []
        for src, r in zip(flat_sources, rows):
            shape = list(target._shape) + list(src.shape.as_list())
            if any(g is None for g in r):
                out.append(None)
                continue
            if n == 0:
                out.append(zeros_like(convert_to_tensor(np.zeros(shape, src.dtype.np))))
                continue
            jac = reshape(stack(r), shape)
            if unconnected is UnconnectedGradients.NONE and not self._connected(target, src):
                jac = None
            out.append(jac)
        if not self._persistent:
            self._used = True
            self.reset()
        return nest.pack_sequence_as(sources, out)

    def _connected(self, target: Tensor, source: Any) -> bool:
        ids = {id(t) for t in self._source_tensors(source)}
        for eqn in self._eqns:
            if any(id(x) in ids for x in eqn.inputs):
                ids.update(id(o) for o in eqn.outputs)
        return id(target) in ids

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
        import numpy as np
        from minitf.ops.shape import reshape, stack
        if self._used:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one "
                               "set of gradients (or jacobians).")
        target = convert_to_tensor(target)
        b = target._shape[0]
        rest = target._shape[1:]
        m = int(np.prod(rest)) if rest else 1
        cols = []
        for j in range(m):
            seed = np.zeros((b, m), target._dtype.np)
            seed[:, j] = 1
            og = convert_to_tensor(seed.reshape(target._shape))
            (g,) = self._gradients([target], [source], [og], UnconnectedGradients.ZERO)
            cols.append(g)
        src_rest = list(source.shape.as_list()[1:])
        jac = reshape(stack(cols, axis=1), [b] + list(rest) + src_rest)
        if not self._persistent:
            self._used = True
            self.reset()
        return jac


class _StopRecording:
    def __init__(self, tape: GradientTape) -> None:
        self._tape = tape

    def __enter__(self) -> None:
        ctx = interpreters.current()
        self._token = interpreters._context.set(
            ctx.replace(tapes=tuple(t for t in ctx.tapes if t is not self._tape)))

    def __exit__(self, *exc: Any) -> None:
        interpreters._context.reset(self._token)


# ---------------------------------------------------------------------------------------
# custom_gradient
# ---------------------------------------------------------------------------------------
def _custom_vjp(g: Any, *inputs: Any, out: Any, grad_fn: Callable, n_args: int,
                variables: tuple, single: bool) -> tuple:
    upstream = g if not single else (g[0] if isinstance(g, list) else g)
    if variables:
        result = grad_fn(upstream, variables=list(variables))
        input_grads, var_grads = result
        input_grads = list(input_grads) if isinstance(input_grads, (list, tuple)) \
            else [input_grads]
        return tuple(input_grads) + tuple(var_grads)
    result = grad_fn(upstream)
    result = list(result) if isinstance(result, (list, tuple)) else [result]
    if len(result) != n_args:
        raise ValueError(f"custom_gradient: the grad function returned {len(result)} "
                         f"gradients for {n_args} inputs.")
    return tuple(result)


def _custom_prim() -> Any:
    from minitf.core.primitive import PRIMITIVES, Primitive
    if "custom_gradient" in PRIMITIVES:
        return PRIMITIVES["custom_gradient"]
    prim = Primitive("custom_gradient", multiple_results=True)
    prim.def_vjp(_custom_vjp)
    prim.def_abstract_eval(lambda *a, **k: [])
    return prim


def custom_gradient(f: Optional[Callable] = None) -> Callable:
    """Decorates ``f(*x) -> (y, grad_fn)`` so that tapes use ``grad_fn`` for its gradient.

    ``grad_fn(upstream)`` returns one gradient per input; if ``f`` reads trainable
    variables, ``grad_fn(upstream, variables=...)`` returns ``(input_grads,
    variable_grads)``.

    Example:
        >>> import minitf as tf
        >>> @tf.custom_gradient
        ... def clip_grad(x):
        ...     def grad(upstream):
        ...         return tf.clip_by_value(upstream, -1.0, 1.0)
        ...     return tf.identity(x), grad
        >>> x = tf.constant(3.0)
        >>> with tf.GradientTape() as t:
        ...     t.watch(x)
        ...     y = clip_grad(x) * 10.0
        >>> float(t.gradient(y, x))
        1.0
    """
    if f is None:
        return custom_gradient

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        from minitf.variables import Variable
        ctx = interpreters.current()
        inputs = [a if isinstance(a, Tensor) else convert_to_tensor(a) for a in args]
        spy = GradientTape(watch_accessed_variables=True)
        with interpreters.using(ctx.replace(tapes=())):
            spy._push()
            try:
                result, grad_fn = f(*inputs, **kwargs)
            finally:
                spy._pop()
        variables = tuple(v for v in spy.watched_variables() if isinstance(v, Variable))
        if not ctx.tapes:
            return result
        flat_out = nest.flatten(result)
        # Reading each variable again lets the outer tapes watch its current value.
        var_values = [v._read() for v in variables]
        prim = _custom_prim()
        params = {"grad_fn": grad_fn, "n_args": len(inputs), "variables": variables,
                  "single": not nest.is_nested(result)}
        for tape in ctx.tapes:
            tape._record(prim, tuple(inputs) + tuple(var_values), params, tuple(flat_out))
        return result

    wrapped.__name__ = getattr(f, "__name__", "custom_gradient")
    wrapped.__doc__ = f.__doc__
    return wrapped


def iter_watched(tape: GradientTape) -> Iterator[Tensor]:
    """The tensors a tape watches (for tests and teaching)."""
    return iter(tape._watched.values())

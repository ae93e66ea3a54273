"""Compiled backward passes: a tape that repeats its structure gets straight-line code.

A training loop records the *same* tape at every step: the same primitives, on tensors
of the same shapes and dtypes, wired the same way; only the values differ. Walking that
tape backwards in Python (``backward_pass``: a VJP rule per equation, ``bind`` per op,
a cotangent dict) costs the same every step, so the second time a tape shape is seen
(the first, for a tape holding a traced call: a ``tf.function`` model's training step
comes back), minitf *traces* its backward pass once — ``backward_pass`` on symbolic
tensors — into a :class:`~minitf.core.graph.Graph`, compiles it to straight-line Python
(``graph.python_source()``) and from then on runs only that (the step that traced it
interprets the new graph once: compiling code for one use costs more).

The result is the same: the graph holds exactly the ops the interpreted pass would run
(every VJP rule is already traceable: that is how gradients of a ``tf.function`` are
built), and NumPy computes them in the same order. Tests check it bit for bit.

What must repeat is the tape's *structure* (:mod:`minitf.tape_structure`): per
equation the primitive, its plain parameters and its wiring (tensors are numbered
slots, a traced call's residuals included); per slot its shape, dtype and whether it
depends on a source; the targets, their output gradients, the sources. A new tape is
first *matched* against the templates of the plans compiled for its signature (number
of equations, last primitive, number of targets and sources); only when none fits is
the full hashable key built, to count sightings and compile.

When it does not apply, the tape is walked as before: while a tape records the
backward pass itself (higher derivatives), while tracing, with tensors on a GPU, with
``unconnected_gradients=ZERO``, for a tape holding a ``tf.custom_gradient`` (its Python
``grad_fn`` must run on every call), and when ``tf.config.run_functions_eagerly(True)``
asks for Python to run step by step.

``backward_graph(tape, target, sources)`` shows the graph a tape's backward pass
traces to (slot ``s0`` is the first tensor the tape met: here the read of ``v``).

Example:
    >>> import minitf as tf
    >>> from minitf import compiled_backward
    >>> v = tf.Variable(3.0)
    >>> for _ in range(3):  # the second and third tapes run compiled code
    ...     with tf.GradientTape(persistent=True) as tape:
    ...         loss = v * v
    ...     grad = tape.gradient(loss, v)
    >>> float(grad)
    6.0
    >>> print(compiled_backward.backward_graph(tape, loss, v))
    graph tape_backward(s0:f32[], s1:f32[]) {
      a:f32[] = mul 1.0:f32[] s0
      b:f32[] = mul 2.0:f32[] a
      return b
    }
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Optional

from minitf.config import _settings
from minitf.core.call import call_p as _CALL_P
from minitf.core.graph import Graph, eval_graph
from minitf.core.interpreters import EAGER, _state, _wrap
from minitf.core.interpreters import current as _current_context
from minitf.tape_matcher import write_runner
from minitf.tape_structure import Template, structure
from minitf.tensor import Tensor, convert_to_tensor
from minitf.variables import Variable

__all__ = ["backward_graph", "compiled_pullback", "variables_pullback", "last_graph",
           "cache_info", "clear_cache"]

#: Set to False to always walk tapes in Python (to compare, or to step through VJPs).
enabled = True

# Structure key -> 1 (seen once), a _Plan, or _FAILED. Bounded: least recently used go.
_CACHE: "OrderedDict[tuple, Any]" = OrderedDict()
_CACHE_SIZE = 256
_FAILED = object()
_BY_SIGNATURE: dict = {}  # (equations, last primitive, targets, sources) -> plans to try
_CANDIDATES = 4
_stats = {"hits": 0, "compiled": 0, "last": None}


class _Plan:
    """A compiled backward pass: run ``fn`` on the slots' buffers, place the gradients."""

    __slots__ = ("graph", "_fn", "used", "placement", "n_sources", "template", "_run",
                 "run_variables")

    def __init__(self, graph: Any, placement: tuple, n_sources: int) -> None:
        self.graph = graph
        # Most slots (outputs the VJPs never read, the variables of a linear model) are
        # not inputs of any equation: the compiled function takes only those that are.
        read = {id(a) for e in graph.eqns for a in e.inputs} | {id(a) for a in graph.outputs}
        self.used = tuple(i for i, v in enumerate(graph.inputs) if id(v) in read)
        self._fn: Any = None  # see fn
        self.placement = placement    # source index of each graph output
        self.n_sources = n_sources
        self.template: Optional[Template] = None
        # Matching, the graph and wrapping its results as one function (write_runner),
        # written when first needed; run_variables checks variable sources by their reads.
        self._run: Any = None
        self.run_variables: Any = None

    def used_graph(self) -> Graph:
        """The graph taking only the slots it reads (what ``fn`` and the runners run)."""
        g = self.graph
        return Graph([g.inputs[i] for i in self.used], g.eqns, g.outputs, name=g.name)

    @property
    def fn(self) -> Any:
        """``used_graph()`` as straight-line Python, compiled when first asked for (the
        runners embed the same lines: a training loop never needs it)."""
        if self._fn is None:
            self._fn = self.used_graph().compiled()
        return self._fn

    @property
    def run(self) -> Any:
        """The runner for any sources (``compiled_pullback`` calls it); see
        :func:`~minitf.tape_matcher.write_runner`."""
        if self._run is None:
            self._run = write_runner(self)
        return self._run


def _trace(eqns: list, tensors: list, targets: list, ogs: list, sources: list, keys: list,
           relevant: Any) -> _Plan:
    """Runs the interpreted backward pass once on symbolic tensors: the plan's graph."""
    from minitf.backward import pullback_eqns
    from minitf.core.graph import Eqn
    from minitf.core.passes import inline_calls, simplify
    from minitf.core.spec import TensorSpec
    from minitf.core.tracing import trace

    index = {id(t): i for i, t in enumerate(tensors)}
    specs = [TensorSpec._make(t._value.shape, t._dtype) for t in tensors]  # (NumPy shapes)
    placement: list = []

    def backward(*sym: Any) -> list:
        def as_sym(x: Any) -> Any:
            if isinstance(x, Tensor):
                return sym[index[id(x)]]
            if type(x) is tuple and x and isinstance(x[0], Tensor):
                return tuple(sym[index[id(t)]] for t in x)
            return x

        sym_eqns = [Eqn(e.prim, tuple(as_sym(a) for a in e.inputs),
                        {k: as_sym(v) for k, v in e.params.items()},
                        tuple(as_sym(o) for o in e.outputs)) for e in eqns]
        sym_relevant = {id(sym[i]) for i, t in enumerate(tensors) if id(t) in relevant}
        sym_keys = [[id(sym[index[k]]) for k in ks if k in index] for ks in keys]
        grads = pullback_eqns(sym_eqns, [as_sym(t) for t in targets],
                              [None if og is None else as_sym(og) for og in ogs],
                              sources, sym_keys, sym_relevant, False)
        outs = []
        for i, g in enumerate(grads):
            if g is not None:
                placement.append(i)
                outs.append(g)
        return outs

    hints = [f"s{i}" for i in range(len(tensors))]
    graph, _ = trace(backward, specs, name="tape_backward", hints=hints, parent=None)
    return _Plan(simplify(inline_calls(graph)), tuple(placement), len(sources))


def compiled_pullback(eqns: list, targets: list, ogs: list, sources: list, keys: list,
                      relevant: Any, zeros_if_unconnected: bool, ctx: Any,
                      tape: Any = None) -> Optional[list]:
    """The gradients of ``pullback`` from a compiled plan, or None to walk the tape.

    Args:
        eqns: the tape's equations.
        targets, ogs, sources, keys, relevant, zeros_if_unconnected: as
            :func:`minitf.backward.pullback` takes them.
        ctx: the current interpreter context.
        tape: the GradientTape, if at hand (a plan just written for variable sources
            runs on its reads, see below).

    Returns:
        One gradient (or None) per source, or None when the plan does not apply or the
        tape's structure is seen for the first time.

    Example:
        >>> import minitf as tf
        >>> x = tf.constant([1.0, 2.0])
        >>> for _ in range(3):  # walked, traced and run, run
        ...     with tf.GradientTape() as t:
        ...         t.watch(x)
        ...         y = tf.reduce_sum(x * x)
        ...     g = t.gradient(y, x)  # pullback calls compiled_pullback
        >>> g.numpy()
        array([2., 4.], dtype=float32)
    """
    if (not enabled or ctx.tapes or ctx.builder is not None or _state["multi_backend"]
            or zeros_if_unconnected or _settings["run_functions_eagerly"] or not eqns):
        return None
    for s in sources:
        if s._dtype._kind != "f":
            return None  # pullback logs a debug line for these: let it
    for og in ogs:
        if og is not None:
            ogs = [og if og is None else convert_to_tensor(og, t._dtype)
                   for t, og in zip(targets, ogs)]
            break
    signature = (len(eqns), eqns[-1].prim, len(targets), len(keys))
    candidates = _BY_SIGNATURE.get(signature, ())
    for plan in candidates:
        run = plan._run
        if run is None:
            continue  # (met through the variables path only, so far: see _plan_for)
        try:
            grads = run(eqns, targets, ogs, keys, relevant)
        except (TypeError, AttributeError):  # a value that is not a NumPy buffer
            return None
        if grads is not None:
            _served(candidates, plan)
            return grads
    found = _plan_for(eqns, targets, ogs, sources, keys, relevant, signature)
    if found is None:
        return None
    plan, tensors, new = found
    _stats["last"] = plan
    if new and tape is not None and plan.run_variables is not None:
        # Written just now for variable sources (a training step): its code, ~15 µs.
        grads = plan.run_variables(eqns, targets, ogs, sources, tape._reads, tape._roots,
                                   tape._watched)
        if grads is not None:
            return grads
    grads = [None] * plan.n_sources  # (once per structure: plan.run does it after)
    # Just traced, for other sources: the graph interpreted once (the primitives' own
    # NumPy code, which the runner's lines run too) costs less than compiling plan.fn.
    outs = eval_graph(plan.graph, *tensors) if new else \
        map(_wrap, plan.fn(*[tensors[i]._value for i in plan.used]))
    for i, t in zip(plan.placement, outs):
        grads[i] = t
    return grads


def variables_pullback(tape: Any, target: Any, sources: Any) -> Optional[list]:
    """``tape.gradient(loss, model.variables)`` from a compiled plan, or None.

    The call every training step makes: one target, no output gradient, a flat list of
    float variables. The plan's ``run_variables`` checks that the sources are
    variables, and their reads on the tape, so neither the sources' keys nor the
    relevant tensors are built (what :func:`compiled_pullback` needs for any
    sources). None: take the general path, which gives the same gradients.

    Example:
        >>> import minitf as tf
        >>> v = tf.Variable(2.0)
        >>> for _ in range(3):  # walked, traced and run, then run through the reads
        ...     with tf.GradientTape() as t:
        ...         y = v * v
        ...     grads = t.gradient(y, [v])  # gradient() calls variables_pullback
        >>> grads[0].numpy()
        np.float32(4.0)
    """
    eqns = tape._eqns
    if (not enabled or not eqns or _current_context() is not EAGER or _state["multi_backend"]
            or _settings["run_functions_eagerly"]):
        return None
    candidates = _BY_SIGNATURE.get((len(eqns), eqns[-1].prim, 1, len(sources)), ())
    for plan in candidates:
        run = plan.run_variables
        if run is None:
            continue
        try:
            grads = run(eqns, (target,), _NO_OUTPUT_GRADIENTS, sources, tape._reads,
                        tape._roots, tape._watched)
        except (TypeError, AttributeError):  # a value that is not a NumPy buffer
            return None
        if grads is not None:
            _served(candidates, plan)
            return grads
    return None


def _served(candidates: list, plan: _Plan) -> None:
    """Counts a hit, and makes the plan that served the first one tried next time (a
    loop meets mostly one batch shape: its plan should not be refused first)."""
    _stats["hits"] += 1
    _stats["last"] = plan
    if candidates[0] is not plan:
        try:
            candidates.remove(plan)  # (by identity: plans have no ==)
        except ValueError:  # another thread moved it
            return
        candidates.insert(0, plan)


_NO_OUTPUT_GRADIENTS = (None,)


def _plan_for(eqns: list, targets: list, ogs: list, sources: list, keys: list,
              relevant: Any, signature: tuple) -> Optional[tuple]:
    """``(plan, slot tensors, just traced)`` from the full key: compiled on a structure's
    2nd sighting, or its 1st for a tape holding a traced call (see the module doc)."""
    try:
        found = structure(eqns, targets, ogs, keys, relevant)
        if found is None:
            return None
        key, tensors, template = found
        plan = _CACHE.get(key)
    except (TypeError, AttributeError):  # an unhashable parameter, a non-NumPy value
        return None
    if plan is None and not any(e.prim is _CALL_P for e in eqns):
        # Seen once, no traced call: walk it, remember the shape, compile if it returns.
        _CACHE[key] = 1
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
        return None
    if plan is _FAILED:
        return None
    if plan is None or plan == 1:  # (None: a tape holding a traced call, seen once)
        try:
            plan = _trace(eqns, tensors, targets, ogs, sources, keys, relevant)
        except Exception:  # noqa: BLE001 - not traceable: the Python walk says why, if it fails
            _CACHE[key] = _FAILED
            return None
        plan.template = template
        # Written for the way in the structure came by: variables_pullback next time,
        # or compiled_pullback (whose runner is written when it comes, see below).
        if len(targets) == 1 and ogs[0] is None and all(type(s) is Variable for s in sources):
            plan.run_variables = write_runner(plan, variable_sources=True)
        else:
            plan._run = write_runner(plan)
        _CACHE[key] = plan
        _stats["compiled"] += 1
        if len(_BY_SIGNATURE) > _CACHE_SIZE:
            _BY_SIGNATURE.clear()
        candidates = _BY_SIGNATURE.setdefault(signature, [])
        candidates.insert(0, plan)
        del candidates[_CANDIDATES:]
    else:
        _CACHE.move_to_end(key)
        _stats["hits"] += 1
        if plan._run is None:
            plan._run = write_runner(plan)  # the general path has come: its runner
        return plan, tensors, False
    return plan, tensors, True


def backward_graph(tape: Any, target: Any, sources: Any) -> Graph:
    """The graph ``tape.gradient(target, sources)`` runs once compiled (for reading).

    Traces the backward pass without running it or caching it; the tape is not used up.
    Sources are a tensor, a variable, or a flat list of them; the graph's outputs are
    their gradients, leaving out those that are None.

    Raises:
        ValueError: for a tape that cannot be compiled (see the module docstring).

    Example:
        >>> import minitf as tf
        >>> x = tf.constant([1.0, 2.0])
        >>> with tf.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = tf.reduce_sum(tf.sin(x))
        >>> print(backward_graph(tape, y, x))
        graph tape_backward(s0:f32[2], s1:f32[2], s2:f32[]) {
          a:f32[2] = cos s0
          b:f32[2] = mul [1.0 1.0]:f32[2] a
          return b
        }
    """
    from minitf.backward import relevant_ids, source_keys
    flat = list(sources) if isinstance(sources, (list, tuple)) else [sources]
    keys = [source_keys(tape, s) for s in flat]
    relevant = relevant_ids(tape, keys)
    found = structure(tape._eqns, [target], [None], keys, relevant)
    if found is None or any(s._dtype._kind != "f" for s in flat):
        raise ValueError("backward_graph: this tape's backward pass is walked in Python, "
                         "not compiled (a custom_gradient, a Variable target, a non-float "
                         "source or a parameter that is not plain data).")
    return _trace(tape._eqns, found[1], [target], [None], flat, keys, relevant).graph


def last_graph() -> Any:
    """The graph of the compiled backward pass used last (None before any).

    Example:
        >>> from minitf import compiled_backward
        >>> graph = compiled_backward.last_graph()
        >>> graph is None or hasattr(graph, "eqns")
        True
    """
    plan = _stats["last"]
    return None if plan is None else plan.graph


def cache_info() -> dict:
    """How many tape shapes are cached, compiled, and how often a plan ran.

    Example:
        >>> from minitf import compiled_backward
        >>> sorted(compiled_backward.cache_info())
        ['compiled', 'hits', 'shapes']
    """
    return {"shapes": len(_CACHE), "compiled": _stats["compiled"], "hits": _stats["hits"]}


def clear_cache() -> None:
    """Forgets every tape shape and zeroes the counts (the next tapes are walked again).

    Example:
        >>> from minitf import compiled_backward
        >>> compiled_backward.clear_cache(); compiled_backward.cache_info()["shapes"]
        0
    """
    _CACHE.clear()
    _BY_SIGNATURE.clear()
    _stats.update(hits=0, compiled=0, last=None)

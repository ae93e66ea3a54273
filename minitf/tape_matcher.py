"""Straight-line matchers: one tape structure, checked by code written for it.

:func:`minitf.tape_structure.match` checks a tape against any template: it loops over
the template's equations, unpacks its tuples and branches on what each slot is. A
training loop matches the *same* template at every step, so all of that branching is
decided in advance. :func:`compile_match` decides it once and writes the checks that
remain as one Python function, the way :mod:`minitf.core.compile` writes a graph:

* a slot first seen as an input gets a name (``s0``, ``s1``, ...) and a line checking
  whether it depends on a source; the shapes and dtypes of an equation's new slots
  are checked after its wiring, in one tuple comparison each; a traced call's
  residuals get only the first check (their types follow from its graph and inputs);
* a slot seen before is compared by identity (the wiring);
* parameters are compared with the template's values, tensors in them as slots;
* the function returns the slot tensors, or None at the first difference.

It accepts exactly the tapes :func:`~minitf.tape_structure.match` accepts, which the
tests check on generated programs (and, being stricter about outputs that alias an
earlier tensor, one kind of tape ``match`` would let through and ``structure`` would
refuse). About three times faster: for the seed's training step ~6 µs instead of ~20.
:func:`match_lines` gives the same checks as lines for code that continues after them:
:func:`write_runner` follows them with a compiled backward plan's graph
(:mod:`minitf.compiled_backward`).

Example:
    >>> import minitf as tf
    >>> from minitf.tape_structure import structure
    >>> x = tf.constant([1.0, 2.0])
    >>> with tf.GradientTape() as t:
    ...     t.watch(x)
    ...     y = x * x
    >>> _, _, template = structure(t._eqns, [y], [None], [[id(x)]], t._watched)
    >>> matcher = compile_match(template)
    >>> print(matcher.__minitf_source__)
    def match_tape(eqns, targets, ogs, keys, relevant):
        try:
            e0, = eqns
            t0, = targets
            og0, = ogs
            if e0.prim is not prim0: return None
            s0, x1 = e0.inputs
            if id(s0) not in relevant: return None
            if x1 is not s0: return None
            if e0.params: return None
            if s0._value.shape != (2,) or s0._dtype._name != 'float32': return None
            s1, = e0.outputs
            if t0 is not s1: return None
            if og0 is not None: return None
            if len(keys) != 1: return None
            seen = {id(s0): 0, id(s1): 1}
            if len(seen) != 2: return None
            if tuple([seen[k] for k in keys[0] if k in seen]) != (0,): return None
            return [s0, s1]
        except ValueError:  # a list or tuple of another length: another structure
            return None
    <BLANKLINE>
    >>> len(matcher(t._eqns, [y], [None], [[id(x)]], t._watched))
    2
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from minitf.core.compile import exec_source, lower, tuple_display, unpack_targets
from minitf.core.graph import Graph
from minitf.core.interpreters import _DTYPE_OF_BUFFER_DTYPE
from minitf.tape_structure import _SLOT, _SLOTS, Template
from minitf.tensor import Tensor
from minitf.variables import Variable

__all__ = ["compile_match", "match_lines", "write_runner"]

# Parameter values that equal the template's only when they are the same object.
_BY_IDENTITY = (bool, type(None), Graph)


class _Writer:
    """Accumulates the matcher's lines and the constants they refer to."""

    def __init__(self, template: Template, check_relevance: bool = True) -> None:
        self.specs = template.specs
        self.lines: list = []
        self.namespace: dict = {"Tensor": Tensor}
        self.n = 0  # slots named so far: s0 .. s{n-1}
        # Whether each slot's dependence on a source is checked (not with
        # variable_sources: the reads and roots checks imply it, see _check_variable_reads).
        self.check_relevance = check_relevance
        self.typed: list = []          # (slot, shape, dtype name): checked together
        self.depending: set = set()    # slots met first (not as outputs) that depend
        self.made: set = set()         # slots the tape's ops made (outputs, residuals)

    def line(self, text: str) -> None:
        self.lines.append("        " + text)

    def refuse_unless(self, conditions: list) -> None:
        if conditions:
            self.line(f"if {' or '.join(conditions)}: return None")

    def constant(self, name: str, value: Any) -> str:
        self.namespace[name] = value
        return name

    def unpack(self, source: str, slots: tuple, temp: str, tensors_known: bool,
               typed_by_graph: bool = False) -> None:
        """Unpacks ``source`` into one name per slot, then checks each.

        A slot met for the first time is bound to its own name ``s<slot>`` and checked
        against its spec; a slot met before is bound to a temporary and must be the
        same object (the wiring). ``tensors_known``: the values are Tensors by
        construction (an equation's inputs), so ``isinstance`` is not checked.
        ``typed_by_graph``: a traced call's residuals, whose shapes and dtypes follow
        from its graph (checked by identity) and its inputs (checked); only whether
        they depend on a source is left to check.
        """
        if not slots:
            self.refuse_unless([f"len({source}) != 0"])
            return
        names, new, wiring = [], [], []
        for k, slot in enumerate(slots):
            if slot == self.n and self.specs[slot] is not None:
                names.append(f"s{slot}")
                new.append(slot)
                self.n += 1
            else:
                names.append(f"{temp}{k}")
                # Never later than the next slot, nor a first sighting without a spec,
                # in a template made by structure(); refuse rather than guess.
                wiring.append(f"{temp}{k} is not s{slot}" if slot < self.n else "True")
        self.line(f"{unpack_targets(names)} = {source}")
        for slot in new:
            self.check_new_slot(slot, tensors_known or typed_by_graph, typed_by_graph)
            if typed_by_graph:
                self.made.add(slot)
        self.refuse_unless(wiring)

    def check_new_slot(self, slot: int, tensors_known: bool, typed_by_graph: bool) -> None:
        """Checks a slot met for the first time (not an output): type, then dependence.

        Its shape and dtype are only noted here: :meth:`write_type_checks` compares
        those of an equation's new slots at once (two tuple comparisons, not two
        lines per slot), before the next equation: a tape of another batch shape
        fails there, early.
        """
        shape, dtype_name, depends = self.specs[slot]
        if not tensors_known:
            self.refuse_unless([f"not isinstance(s{slot}, Tensor)"])
        if not typed_by_graph:
            self.typed.append((slot, shape, dtype_name))
        if depends:
            self.depending.add(slot)
        if self.check_relevance:
            self.refuse_unless([f"id(s{slot}) not in relevant" if depends
                                else f"id(s{slot}) in relevant"])

    def write_type_checks(self) -> None:
        """The shape and dtype checks of the slots noted since the last call."""
        if len(self.typed) == 1:
            (slot, shape, dtype_name), = self.typed
            self.refuse_unless([f"s{slot}._value.shape != {shape!r}",
                                f"s{slot}._dtype._name != {dtype_name!r}"])
        elif self.typed:
            shapes = tuple_display([f"s{slot}._value.shape" for slot, _, _ in self.typed])
            dtypes = tuple_display([f"s{slot}._dtype._name" for slot, _, _ in self.typed])
            self.refuse_unless([f"{shapes} != {tuple(t[1] for t in self.typed)!r}"])
            self.refuse_unless([f"{dtypes} != {tuple(t[2] for t in self.typed)!r}"])
        self.typed = []


def compile_match(template: Template) -> Callable[..., Any]:
    """A function checking a tape against ``template``; see the module docstring.

    The function takes ``(eqns, targets, ogs, keys, relevant)`` as
    :func:`minitf.tape_structure.match` does and returns what it returns: the slot
    tensors, or None. Its source is ``fn.__minitf_source__``.

    Example:
        >>> import minitf as tf
        >>> from minitf.tape_structure import structure
        >>> v = tf.Variable(2.0)
        >>> with tf.GradientTape() as t:
        ...     y = v * 3.0
        >>> keys = [[id(r) for r in t._reads[id(v)]]]
        >>> _, _, template = structure(t._eqns, [y], [None], keys, t._watched)
        >>> "prim0" in compile_match(template).__minitf_source__
        True
    """
    lines, namespace, n = match_lines(template)
    source = "\n".join([
        "def match_tape(eqns, targets, ogs, keys, relevant):",
        "    try:",
        *lines,
        "        return [" + ", ".join(f"s{s}" for s in range(n)) + "]",
        "    except ValueError:  # a list or tuple of another length: another structure",
        "        return None",
        ""])
    return exec_source(source, namespace, "match_tape", "match_tape")


def match_lines(template: Template, variable_sources: bool = False) -> Optional[tuple]:
    """The checks of :func:`compile_match`, for code that continues after them.

    Args:
        template: the structure to check for.
        variable_sources: check the sources as ``tf.Variable`` s (see below) rather
            than through their keys.

    With ``variable_sources`` the function takes ``(eqns, targets, ogs, sources,
    reads, roots, relevant)``: the sources themselves, and the tape's ``_reads``,
    ``_roots`` and ``_watched`` (as ``relevant``). Each variable's reads must be the
    template's slots, in order, and the tape's roots exactly those reads: then
    :func:`~minitf.backward.relevant_ids` would have answered ``_watched`` and the
    keys would have matched, so the same tapes pass; without building either. Nor is
    any slot's dependence checked: those checks follow (see ``_check_variable_reads``),
    for a template whose depending slots are the reads, each read of one source; for
    any other template (a variable listed twice, say) this returns None.

    Returns:
        ``(lines, namespace, n)``: the body (indented for a ``try`` block inside a
        function of ``(eqns, targets, ogs, keys, relevant)``; any check that fails
        returns None, a length that differs raises ValueError), the globals it refers
        to, and the number of slots, bound to ``s0`` ... ``s{n-1}`` once it has run.
        None with ``variable_sources`` for a template they cannot check (see above).

    Example:
        >>> import minitf as tf
        >>> from minitf.tape_structure import structure
        >>> x = tf.constant(1.0)
        >>> with tf.GradientTape() as t:
        ...     t.watch(x)
        ...     y = x + x
        >>> lines, namespace, n = match_lines(structure(t._eqns, [y], [None], [[id(x)]],
        ...                                             t._watched)[2])
        >>> n, sorted(namespace)
        (2, ['Tensor', 'prim0'])
    """
    w = _Writer(template, check_relevance=not variable_sources)
    n_eqns, n_targets = len(template.eqns), len(template.targets)
    _unpack_names(w, "eqns", [f"e{i}" for i in range(n_eqns)])
    _unpack_names(w, "targets", [f"t{j}" for j in range(n_targets)])
    _unpack_names(w, "ogs", [f"og{j}" for j in range(n_targets)])
    for i, (prim, ins, params, n_out) in enumerate(template.eqns):
        w.refuse_unless([f"e{i}.prim is not {w.constant(f'prim{i}', prim)}"])
        # Inputs are Tensors by construction: bind() recorded them.
        w.unpack(f"e{i}.inputs", ins, "x", tensors_known=True)
        _write_params(w, i, prim, params)
        w.write_type_checks()
        # Outputs are new slots whose types follow from the inputs: only counted.
        _unpack_names(w, f"e{i}.outputs", [f"s{s}" for s in range(w.n, w.n + n_out)])
        w.made.update(range(w.n, w.n + n_out))
        w.n += n_out
    for j, (slot, og_slot) in enumerate(template.targets):
        _bind_one(w, f"t{j}", slot)
        if og_slot is None:
            w.refuse_unless([f"og{j} is not None"])
        else:
            w.refuse_unless([f"og{j} is None"])
            _bind_one(w, f"og{j}", og_slot)
    n = w.n
    w.write_type_checks()
    if variable_sources:
        reads = [slot for expected in template.sources for slot in expected]
        if len(set(reads)) != len(reads) or w.depending != set(reads):
            return None  # a variable listed twice, or a dependence on another tensor
        _check_variable_reads(w, template, n)
        return w.lines, w.namespace, n
    w.refuse_unless([f"len(keys) != {len(template.sources)}"])
    w.line("seen = {" + ", ".join(f"id(s{s}): {s}" for s in range(n)) + "}")
    w.refuse_unless([f"len(seen) != {n}"])  # one tensor in two slots: another wiring
    for i, expected in enumerate(template.sources):
        w.refuse_unless([f"tuple([seen[k] for k in keys[{i}] if k in seen]) != {expected!r}"])
    return w.lines, w.namespace, n


def write_runner(plan: Any, variable_sources: bool = False) -> Any:
    """A compiled backward plan as one function: its template's checks, then its graph,
    then the wrapping (see :mod:`minitf.compiled_backward`; ``plan`` is one of its plans).

    ``run(eqns, targets, ogs, keys, relevant)`` returns the gradients (Tensors or None,
    one per source) when the tape has the template's structure, else None. The checks
    are :func:`match_lines`; they bind each slot's tensor to
    ``s<slot>``, the names the graph's inputs carry, so the graph's straight-line code
    follows once each used name is rebound to its tensor's buffer. Its source is
    ``run.__minitf_source__``. With ``variable_sources`` it is
    ``run(eqns, targets, ogs, sources, reads, roots, relevant)`` (see
    :func:`minitf.compiled_backward.variables_pullback`).

    Example:
        >>> import minitf as tf
        >>> from minitf.backward import relevant_ids, source_keys
        >>> from minitf.compiled_backward import _trace
        >>> from minitf.tape_structure import structure
        >>> v = tf.Variable(2.0)
        >>> with tf.GradientTape() as t:
        ...     y = v * v
        >>> keys = [source_keys(t, v)]
        >>> relevant = relevant_ids(t, keys)
        >>> _, tensors, template = structure(t._eqns, [y], [None], keys, relevant)
        >>> plan = _trace(t._eqns, tensors, [y], [None], [v], keys, relevant)  # the graph
        >>> plan.template = template
        >>> run = write_runner(plan, variable_sources=True)
        >>> print(run.__minitf_source__.splitlines()[0])
        def run_plan(eqns, targets, ogs, sources, reads, roots, relevant):
        >>> [float(g) for g in run(t._eqns, [y], [None], [v], t._reads, t._roots, t._watched)]
        [4.0]
    """
    matched = match_lines(plan.template, variable_sources)
    if matched is None:
        return None  # (variable_sources: a template only the keys can check)
    lines, namespace, _ = matched
    graph = plan.used_graph()
    arguments = ("eqns, targets, ogs, sources, reads, roots, relevant" if variable_sources
                 else "eqns, targets, ogs, keys, relevant")
    reserved = (*namespace, *arguments.split(", "), "seen", "new", "dtype_of", "map", "set",
                "id", "len")
    prog = lower(graph, reserved=reserved)
    namespace.update(prog.namespace, new=object.__new__, dtype_of=_DTYPE_OF_BUFFER_DTYPE)
    body = [f"{name} = s{slot}._value" for name, slot in zip(prog.input_names, plan.used)]
    body += [f"# {name} = {text}" for name, text in prog.constants]
    body += prog.lines
    grads = ["None"] * plan.n_sources
    for j, (source, expr) in enumerate(zip(plan.placement, prog.output_exprs)):
        body += [f"grad{j} = new(Tensor)", f"grad{j}._value = {expr}",
                 f"grad{j}._dtype = dtype_of[grad{j}._value.dtype]"]
        grads[source] = f"grad{j}"
    body.append(f"return [{', '.join(grads)}]")
    source_text = "\n".join([
        f"def run_plan({arguments}):",
        "    try:",
        *lines,
        "    except ValueError:  # a list or tuple of another length: another structure",
        "        return None",
        *[f"    {line}" for line in body], ""])
    return exec_source(source_text, namespace, "run_plan", graph.name)


def _check_variable_reads(w: _Writer, template: Template, n: int) -> None:
    # A variable's key is [id(variable), *ids of its reads]; the template expects the
    # slots of the reads on the tape. Reads listed one for one as those slots (and no
    # other root) match; anything else is left to the keys (the caller falls back).
    # These checks also decide every slot's dependence (`relevant` is the tape's
    # watched set): the roots are then exactly the reads, so each read is watched; a
    # slot met first as an input is no root (all slots are distinct) and no output
    # (the equations are all the tape's and a tensor is used after it is made), so it
    # is not watched; a residual is made inside the call, so it is neither either.
    _unpack_names(w, "sources", [f"v{i}" for i in range(len(template.sources))])
    w.constant("Variable", Variable)
    w.refuse_unless([f"type(v{i}) is not Variable" for i in range(len(template.sources))])
    for i, expected in enumerate(template.sources):
        if not expected:  # (only a float variable is read onto the tape)
            w.refuse_unless([f"reads.get(id(v{i}))", f"v{i}._dtype._kind != 'f'"])
            continue
        names = [f"r{i}_{k}" for k in range(len(expected))]
        w.line(f"{unpack_targets(names)} = reads.get(id(v{i}), ())")
        w.refuse_unless([f"{name} is not s{slot}" for name, slot in zip(names, expected)])
    w.refuse_unless([f"len(roots) != {sum(len(e) for e in template.sources)}"])
    _check_distinct(w, n)


def _check_distinct(w: _Writer, n: int) -> None:
    """Refuses a tape holding one tensor in two slots (another wiring, as the keys'
    ``seen`` checks), comparing only the pairs that could be one tensor.

    A slot the tape's ops made (an output, a traced call's residual) is a tensor that
    op has just created: it cannot be any slot met before it. Two slots met first as
    inputs whose checked shapes or dtypes differ cannot be one tensor either. What is
    left: each input slot against the earlier input slots of its type and against the
    earlier made ones (~14 `is` tests for the seed's step, ~3x cheaper than a set of
    its 12 slots' ids).
    """
    specs, made = w.specs, w.made
    pairs = []
    for later in range(n):
        if later in made:
            continue
        for earlier in range(later):
            if earlier in made or specs[earlier][:2] == specs[later][:2]:
                pairs.append(f"s{later} is s{earlier}")
    for start in range(0, len(pairs), 6):
        w.refuse_unless(pairs[start:start + 6])


def _unpack_names(w: _Writer, source: str, names: list) -> None:
    if names:
        w.line(f"{unpack_targets(names)} = {source}")
    else:
        w.refuse_unless([f"len({source}) != 0"])


def _bind_one(w: _Writer, value: str, slot: int) -> None:
    # A target, an output gradient, a tensor parameter: a slot met before (the same
    # object), or the next slot (a Tensor of the recorded type).
    if slot < w.n:
        w.refuse_unless([f"{value} is not s{slot}"])
    elif slot == w.n and w.specs[slot] is not None:
        w.line(f"s{slot} = {value}")
        w.check_new_slot(slot, tensors_known=False, typed_by_graph=False)
        w.n += 1
    else:
        w.line("return None")  # not a template structure() makes


def _write_params(w: _Writer, i: int, prim: Any, params: Any) -> None:
    if params is None:
        w.refuse_unless([f"e{i}.params"])
        return
    if not params:
        w.refuse_unless([f"len(e{i}.params) != 0"])
        return
    w.line(f"{unpack_targets([f'(k{i}_{j}, v{i}_{j})' for j in range(len(params))])} = "
           f"e{i}.params.items()")
    w.refuse_unless([f"k{i}_{j} != {name!r}" for j, (name, _) in enumerate(params)])
    for j, (name, want) in enumerate(params):
        v = f"v{i}_{j}"
        if type(want) is tuple and want and (want[0] is _SLOT or want[0] is _SLOTS):
            if want[0] is _SLOT:
                _bind_one(w, v, want[1])
            else:
                w.refuse_unless([f"type({v}) is not tuple"])
                # (The registry holds one primitive per name: this is the `call` one.)
                residuals = prim.name == "call" and name == "residuals"
                w.unpack(v, want[1:], f"r{i}_", tensors_known=residuals,
                         typed_by_graph=residuals)
            continue
        const = w.constant(f"p{i}_{name}", want)
        if isinstance(want, _BY_IDENTITY):
            w.refuse_unless([f"{v} is not {const}"])
        else:  # int, float, str, tuple: the same type and an equal value
            w.refuse_unless([f"{v} is not {const} and (type({v}) is not "
                             f"{type(want).__name__} or {v} != {const})"])

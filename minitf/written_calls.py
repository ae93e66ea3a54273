"""Written calls: a concrete function's two hot paths, as generated straight-line Python.

A ``tf.function`` called again with a signature it has seen repeats the same steps every
time: read the buffers of its arguments and captured variables, run the graph's
compiled code (:mod:`minitf.core.compile`), wrap the results in tensors. Each hot path is
written out once per :class:`~minitf.concrete_function.ConcreteFunction`, so a call
costs one Python function and the NumPy calls themselves:

* :func:`write_eager_call` — nothing records. ``_fast(*args)`` runs the graph and
  returns its outputs.
* :func:`write_taped_call` — one ``GradientTape`` records (a training step).
  ``_taped(tape, *args)`` does what :func:`minitf.core.call.call_graph` does there:
  it reads the captured variables onto the tape (written out for a fresh tape and
  trainable float variables: a training step), runs the *forward* graph of the
  call's split VJP (the outputs, plus the residuals the backward graph starts from)
  and records one ``call`` equation (what ``tape._record`` would do, written out). It
  is written for the inputs the tape watched when it was written (the variables, not
  the data batch); on another tape, or with other inputs watched, it returns None and
  the general path runs.

Both can be read: ``cf._fast.__minitf_source__``, ``cf._taped.__minitf_source__``.

Example:
    >>> import minitf as tf
    >>> w = tf.Variable(2.0)
    >>> @tf.function
    ... def f(x):
    ...     return w * x
    >>> x = tf.constant([1.0, 3.0])
    >>> for _ in range(2):  # the first call under a tape writes the taped call
    ...     with tf.GradientTape() as tape:
    ...         y = f(x)
    >>> cf = f.get_concrete_function(x)
    >>> print(cf._taped.__minitf_source__)
    def _taped(tape, _a0):
        if type(tape) is not _GradientTape: return None
        _r1 = _v1._tensor  # read the variable
        reads = tape._reads
        if tape._watch_accessed and not reads:  # a fresh tape: _on_variable_read, known
            variables, watched, roots = tape._variables, tape._watched, tape._roots
            k = id(_v1); variables[k] = _v1; reads[k] = [_r1]
            k = id(_r1); watched[k] = _r1; roots.add(k)
            if id(_a0) in watched: return None
        else:
            tape._on_variable_read(_v1, _r1)
            watched = tape._watched
            if id(_a0) in watched or id(_r1) not in watched: return None
        args = (_a0, _r1)
        try:
            _b0, = _fwd(_a0._value, _r1._value)
        except (AttributeError, KeyError, TypeError, ValueError) as e:
            raise _explain(_call_p, args, _fwd_params, e) from e
        _o0 = _new(_Tensor); _o0._value = _b0; _o0._dtype = _DT[_b0.dtype]
        params = {'graph': _graph, 'residuals': (), 'backward': _bwd, 'wrt': _wrt}
        watched[id(_o0)] = _o0
        eqn = _new(_Eqn)  # Eqn(call, args, params, outputs), as _record makes it
        eqn.prim, eqn.inputs, eqn.params, eqn.outputs = _call_p, args, params, (_o0,)
        tape._eqns.append(eqn)
        return _o0
    >>> tape.gradient(y, w).numpy()
    np.float32(4.0)
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from minitf import nest
from minitf.core.call import _float_inputs, call_p
from minitf.core.compile import exec_source, lower, tuple_display, unpack_targets
from minitf.core.graph import Eqn
from minitf.core.interpreters import _DTYPE_OF_BUFFER_DTYPE, _explain_failure
from minitf.tensor import Tensor
from minitf.variables import Variable

__all__ = ["write_eager_call", "write_taped_call"]


def write_eager_call(cf: Any) -> Optional[Callable[..., Any]]:
    """``_fast(*args)``: the concrete function's call when nothing records, or None.

    It reads the argument buffers and the captured variables' buffers, runs the
    graph's straight-line program, wraps the outputs and writes assigned variables
    back. None when a capture is not a variable or the graph cannot be lowered.

    Example:
        >>> import minitf as tf
        >>> f = tf.function(lambda x: x * 2.0)
        >>> cf = f.get_concrete_function(tf.TensorSpec([], tf.float32))
        >>> write_eager_call(cf)(tf.constant(1.5)).numpy()
        np.float32(3.0)
    """
    graph = cf.graph
    if not all(isinstance(c, Variable) for c in graph.captures):
        return None
    n_args = graph.num_args
    arg_names = [f"_a{i}" for i in range(n_args)]
    try:
        prog = lower(graph, reserved=tuple(arg_names) + ("_Tensor", "_new", "_DT", "_pack",
                                                         "_template"))
    except NotImplementedError:
        return None
    ns = prog.namespace
    ns.update(_Tensor=Tensor, _new=object.__new__, _DT=_DTYPE_OF_BUFFER_DTYPE,
              _pack=nest.pack_sequence_as, _template=cf._template)
    lines = [f"def _fast({', '.join(arg_names)}):"]
    for i, name in enumerate(prog.input_names):
        if i < n_args:
            lines.append(f"    {name} = _a{i}._value")
        else:
            ns[f"_v{i}"] = graph.captures[i - n_args]
            lines.append(f"    {name} = _v{i}._tensor._value  # read the variable")
    lines += [f"    {line}" for line in prog.lines]
    for j, expr in enumerate(prog.output_exprs):
        lines.append(f"    _o{j} = _new(_Tensor); _o{j}._value = {expr}; "
                     f"_o{j}._dtype = _DT[{expr}.dtype]")
    n_res = graph.num_results
    for k, index in enumerate(graph.assigned):
        if index < n_args:
            lines.append(f"    _a{index}._tensor = _o{n_res + k}")
        else:
            lines.append(f"    _v{index}._tensor = _o{n_res + k}  # write the variable back")
    lines.append(_return_line(cf._template))
    return exec_source("\n".join(lines), ns, "_fast", graph.name)


def write_taped_call(cf: Any, wrt: tuple) -> Optional[Callable[..., Any]]:
    """``_taped(tape, *args)``: the call under one GradientTape watching ``wrt``, or None.

    Args:
        cf: the concrete function.
        wrt: the positions of the graph's inputs (arguments, then captures) the tape
            watches; their split VJP graphs must exist (``call_graph`` made them).

    Returns:
        The written function, or None for a graph it does not serve: one that assigns
        variables, captures anything but variables, returns nothing, or has no split
        VJP for ``wrt``.

    Example:
        >>> import minitf as tf
        >>> from minitf.core.call import split_vjp_graphs
        >>> w = tf.Variable(3.0)
        >>> f = tf.function(lambda x: w * x)
        >>> cf = f.get_concrete_function(tf.TensorSpec([], tf.float32))
        >>> _ = split_vjp_graphs(cf.graph, (1,))  # what the first call under a tape does
        >>> taped = write_taped_call(cf, (1,))
        >>> with tf.GradientTape() as tape:
        ...     y = taped(tape, tf.constant(2.0))
        >>> float(y), float(tape.gradient(y, w))
        (6.0, 2.0)
    """
    from minitf.autodiff import GradientTape
    graph = cf.graph
    split = graph._derived.get(("split", wrt))
    if (split is None or graph.assigned or cf._template is None
            or not all(type(c) is Variable for c in graph.captures)):
        return None
    fwd, bwd, n_res = split
    n_args = graph.num_args
    names = [f"_a{i}" for i in range(n_args)] + [
        f"_r{i}" for i in range(n_args, len(graph.inputs))]
    ns = {"_GradientTape": GradientTape, "_Tensor": Tensor, "_new": object.__new__,
          "_DT": _DTYPE_OF_BUFFER_DTYPE, "_fwd": fwd.compiled(), "_fwd_params": {"graph": fwd},
          "_explain": _explain_failure, "_call_p": call_p, "_graph": graph, "_bwd": bwd,
          "_wrt": wrt, "_pack": nest.pack_sequence_as, "_template": cf._template}
    lines = [f"def _taped(tape, {', '.join(names[:n_args])}):",
             "    if type(tape) is not _GradientTape: return None"]
    for i, variable in enumerate(graph.captures, start=n_args):
        ns[f"_v{i}"] = variable
        lines.append(f"    _r{i} = _v{i}._tensor  # read the variable")
    # The inputs the tape watches now must be those the split was made for.
    checks = {i: f"id({names[i]}) {'not in' if i in wrt else 'in'} watched"
              for i in _float_inputs(graph)}
    lines += _variable_reads(graph.captures, n_args, wrt, checks)
    n_outs = len(fwd.outputs)
    buffers = [f"_b{j}" for j in range(n_outs)]
    lines += [f"    args = {tuple_display(names)}",
              "    try:",
              f"        {unpack_targets(buffers)} = "
              f"_fwd({', '.join(n + '._value' for n in names)})",
              "    except (AttributeError, KeyError, TypeError, ValueError) as e:",
              "        raise _explain(_call_p, args, _fwd_params, e) from e"]  # as call_graph
    for j, b in enumerate(buffers):  # interpreters._wrap, written out
        lines.append(f"    _o{j} = _new(_Tensor); _o{j}._value = {b}; "
                     f"_o{j}._dtype = _DT[{b}.dtype]")
    n_out = n_outs - n_res
    outputs = tuple_display([f"_o{j}" for j in range(n_out)])
    residuals = tuple_display([f"_o{j}" for j in range(n_out, n_outs)])
    lines += [f"    params = {{'graph': _graph, 'residuals': {residuals}, 'backward': _bwd, "
              f"'wrt': _wrt}}"]
    floats = [j for j in range(n_out) if fwd.outputs[j].dtype._kind == "f"]
    if wrt and floats:
        # What tape._record does, known here: an input is watched (the checks above
        # saw to it), so the float outputs are watched and the equation is kept.
        ns["_Eqn"] = Eqn
        lines += [*[f"    watched[id(_o{j})] = _o{j}" for j in floats],
                  "    eqn = _new(_Eqn)  # Eqn(call, args, params, outputs), as _record makes it",
                  f"    eqn.prim, eqn.inputs, eqn.params, eqn.outputs = _call_p, args, params, "
                  f"{outputs}",
                  "    tape._eqns.append(eqn)"]
    else:
        lines.append(f"    tape._record(_call_p, args, params, {outputs})")
    lines.append(_return_line(cf._template))
    return exec_source("\n".join(lines), ns, "_taped", graph.name)


def _variable_reads(variables: list, first: int, wrt: tuple, checks: dict) -> list:
    """Lines telling the tape of each variable read, then checking what it watches.

    What ``Variable._read`` does under a tape is ``tape._on_variable_read`` per
    variable (``_v<i>``, its value ``_r<i>``). A training step's tape is fresh and
    watches what it reads; when the variables are trainable floats, what that method
    would do is then known — register each variable, its one read, and the read as
    watched root — and is written out. Every variable is then watched, so of
    ``checks`` (input position -> a condition that refuses the call) only the
    arguments' are left to check.
    """
    indices = range(first, first + len(variables))
    general = [f"tape._on_variable_read(_v{i}, _r{i})" for i in indices] + _refusal(checks)
    if not variables or not all(v._dtype._kind == "f" and v._trainable and i in wrt
                                for i, v in zip(indices, variables)):
        return [f"    {line}" for line in general]
    arguments = {i: check for i, check in checks.items() if i < first}
    return [
        "    reads = tape._reads",
        "    if tape._watch_accessed and not reads:  # a fresh tape: _on_variable_read, known",
        "        variables, watched, roots = tape._variables, tape._watched, tape._roots",
        *[line for i in indices for line in (
            f"        k = id(_v{i}); variables[k] = _v{i}; reads[k] = [_r{i}]",
            f"        k = id(_r{i}); watched[k] = _r{i}; roots.add(k)")],
        *[f"        {line}" for line in _refusal(arguments, watched_bound=True)],
        "    else:",
        *[f"        {line}" for line in general]]


def _refusal(checks: dict, watched_bound: bool = False) -> list:
    """``return None`` when the tape watches other inputs than the split was made for."""
    if not checks:
        return []
    return ([] if watched_bound else ["watched = tape._watched"]) + [
        f"if {' or '.join(checks.values())}: return None"]


def _return_line(template: Any) -> str:
    """``return`` the outputs ``_o<j>`` in the function's output structure."""
    if template is None:
        return "    return None"
    if not nest.is_nested(template):
        return f"    return _o{template}"
    leaves = nest.flatten(template)
    if type(template) in (tuple, list) and len(leaves) == len(template) \
            and all(isinstance(i, int) for i in template):
        items = [f"_o{i}" for i in template]
        listed = tuple_display(items) if type(template) is tuple else f"[{', '.join(items)}]"
        return f"    return {listed}"
    items = ", ".join("None" if i is None else f"_o{i}" for i in leaves)
    return f"    return _pack(_template, [{items}])"


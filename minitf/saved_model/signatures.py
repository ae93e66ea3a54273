"""Signatures: a concrete function seen as "keyword tensors in, a dict of tensors out".

``tf.saved_model.save(obj, path, signatures=f)`` exports ``f`` for serving: however
``f`` takes its arguments (positionally, nested in lists or dicts), the signature takes
one keyword argument per input tensor, named after the argument (``x``, or ``x_0``,
``x_1`` inside a list; a ``TensorSpec``'s own name wins), and returns a dict: the
function's dict if it returned one, else ``output_0``, ``output_1``... in order.

A signature is stored as a view of a concrete function — which inputs feed which
keyword, which outputs go to which key — and shares its graph. Loading builds a
concrete function over the same equations with the inputs reordered.

Example:
    >>> import minitf as tf
    >>> f = tf.function(lambda x: (x, x + 1.0),
    ...                 input_signature=[tf.TensorSpec([None], tf.float32)])
    >>> entry = signature_entry(f, "serving_default", lambda cf, name: 0)
    >>> entry["inputs"], entry["outputs"]
    ([['x', 0]], [['output_0', 0], ['output_1', 1]])
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from minitf import nest
from minitf.concrete_function import ConcreteFunction
from minitf.core.graph import Graph
from minitf.core.serialize import _expect
from minitf.core.spec import TensorSpec
from minitf.function import Function

__all__ = ["signature_entry", "signature_function"]


def _concrete(value: Any, name: str) -> ConcreteFunction:
    if isinstance(value, ConcreteFunction):
        return value
    if isinstance(value, Function):
        if value.input_signature is None:
            raise ValueError(
                f"signatures[{name!r}] is a tf.function without an input_signature, so it "
                f"has no single graph to export. Pass a concrete function, "
                f"f.get_concrete_function(tf.TensorSpec(...)), or decorate it with "
                f"@tf.function(input_signature=[...]).")
        return value.get_concrete_function()
    raise ValueError(f"signatures[{name!r}] must be a tf.function with an input_signature or "
                     f"a concrete function, got {value!r}.")


def _flat_inputs(cf: ConcreteFunction, signature_name: str) -> list:
    """``[(keyword name, TensorSpec)]`` in the order of the graph's argument inputs."""
    owner = cf._owner
    fixed = getattr(owner, "input_signature", None) or []
    out: list = []

    def walk(t: tuple, name: str) -> None:
        kind = t[0]
        if kind == "T":
            out.append((name, TensorSpec(t[2], t[1])))
        elif kind == "V":
            raise ValueError(f"signatures[{signature_name!r}]: the argument {name!r} is a "
                             f"tf.Variable; a signature takes tensors only.")
        elif kind == "dict":
            for k, sub in t[1]:
                walk(sub, f"{name}_{k}")
        elif kind in ("list", "tuple"):
            for i, sub in enumerate(t[1]):
                walk(sub, f"{name}_{i}")
        # Python values ("P") were fixed when tracing: the graph has no input for them.

    for i, (name, _, t, _) in enumerate(cf._key_params):
        spec = fixed[i] if i < len(fixed) else None
        walk(t, spec.name if isinstance(spec, TensorSpec) and spec.name else name)
    return out


def _flat_outputs(cf: ConcreteFunction) -> list:
    """``[(output key, output position)]``."""
    template = cf._template
    if isinstance(template, dict) and all(isinstance(k, str) for k in template) and all(
            isinstance(v, int) for v in template.values()):
        return sorted(template.items())
    positions = [i for i in nest.flatten(template) if i is not None] \
        if template is not None else []
    return [(f"output_{j}", i) for j, i in enumerate(positions)]


def signature_entry(value: Any, name: str, register: Callable[[ConcreteFunction, str], int]
                    ) -> dict:
    """The stored form of ``signatures[name] = value``.

    Args:
        value: a tf.function with an input_signature, or a concrete function.
        name: the signature's name.
        register: stores a concrete function, returning its index.

    Raises:
        ValueError: if ``value`` has no single graph, or takes variables.
    """
    cf = _concrete(value, name)
    inputs = _flat_inputs(cf, name)
    names = [n for n, _ in inputs]
    if len(set(names)) != len(names):
        raise ValueError(f"signatures[{name!r}]: two inputs are both named "
                         f"{max(names, key=names.count)!r}; name the TensorSpecs apart.")
    order = sorted(range(len(inputs)), key=lambda j: names[j])
    return {"concrete_function": register(cf, name),
            "inputs": [[names[j], j] for j in order],
            "outputs": [[k, i] for k, i in _flat_outputs(cf)]}


def signature_function(entry: Any, cf: ConcreteFunction, owner_class: type) -> ConcreteFunction:
    """Builds the loaded signature from its entry and the concrete function it views.

    Args:
        entry: the stored entry.
        cf: the loaded concrete function.
        owner_class: ``RestoredFunction`` (the keyword-only owner that binds calls).

    Example:
        >>> import minitf as tf
        >>> from minitf.saved_model.restored import RestoredFunction
        >>> f = tf.function(lambda a, b: a - b)
        >>> cf = f.get_concrete_function(tf.TensorSpec([], tf.int32),
        ...                              tf.TensorSpec([], tf.int32))
        >>> entry = signature_entry(cf, "serving_default", lambda cf, name: 0)
        >>> sig = signature_function(entry, cf, RestoredFunction)
        >>> sig(b=tf.constant(1), a=tf.constant(5))["output_0"].numpy()
        np.int32(4)
    """
    _expect(isinstance(entry, dict), "bad signature")
    graph = cf.graph
    n_args = graph.num_args
    inputs, outputs = entry.get("inputs"), entry.get("outputs")
    _expect(isinstance(inputs, list) and isinstance(outputs, list), "bad signature")
    _expect(sorted(p for _, p in inputs) == list(range(n_args)) and all(
        isinstance(k, str) and k.isidentifier() for k, _ in inputs), "bad signature inputs")
    _expect(all(isinstance(k, str) and type(i) is int and 0 <= i < graph.num_results
                for k, i in outputs), "bad signature outputs")
    args = [graph.inputs[p] for _, p in inputs]
    view = Graph(args + graph.inputs[n_args:], graph.eqns, graph.outputs,
                 captures=graph.captures, assigned=graph.assigned, name=graph.name)
    params = [(k, "KEYWORD_ONLY", ("T", v.dtype, v.shape)) for (k, _), v in zip(inputs, args)]
    signature = inspect.Signature([inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY)
                                   for k, _ in inputs])
    owner = owner_class(graph.name, signature, None)
    out = ConcreteFunction.from_graph(view, params, {k: i for k, i in outputs}, owner)
    owner.add_concrete_function(out)
    return out

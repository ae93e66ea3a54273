"""How ``tf.function`` binds a call's arguments: parameters, trace types, flat inputs.

A call ``f(x, n=2)`` is first bound to ``f``'s Python signature and each argument given
its *trace type* (a tensor's ``TensorSpec``, a Python value itself, a variable's spec);
that list is the trace cache key. With an ``input_signature`` the tensors are checked
against it instead. Calling a :class:`~minitf.concrete_function.ConcreteFunction` binds
the same way and must match the signature it was traced for.

This mixin holds those steps for :class:`minitf.function.Function`; it reads the
function's ``_signature`` (``inspect.Signature``), ``_input_signature`` and ``_name``.

Example:
    >>> import minitf as tf
    >>> f = tf.function(lambda x, n=2: x * n)
    >>> [(name, t) for name, _, t, _ in f._canonicalize((tf.constant(1.0),), {})]
    [('x', ('T', tf.float32, ())), ('n', ('P', 2))]
"""

from __future__ import annotations

from typing import Any

from minitf import errors, nest
from minitf.concrete_function import ConcreteFunction
from minitf.core.spec import TensorSpec
from minitf.tensor import Tensor, convert_to_tensor
from minitf.trace_type import (
    SpecPlaceholder,
    flat_leaves,
    is_supertype,
    signature_type,
    trace_type,
    type_value,
)

__all__ = ["ArgumentBinding"]


class ArgumentBinding:
    """Binding a call's arguments for ``tf.function`` (a mixin of ``Function``)."""

    _signature: Any
    _input_signature: Any
    _name: str

    def _canonicalize(self, args: tuple, kwargs: dict) -> list:
        """``[(display name, kind, trace type, value)]`` in TF's parameter order."""
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"Binding inputs to tf.function failed due to `{e}`. Received "
                            f"args: {args!r} and kwargs: {kwargs!r} for signature: "
                            f"{self._signature}.") from None
        bound.apply_defaults()
        has_varargs = any(p.kind is p.VAR_POSITIONAL for p in self._signature.parameters.values())
        out = []
        n_sig = len(self._input_signature) if self._input_signature is not None else 0
        for i, (name, value) in enumerate(bound.arguments.items()):
            p = self._signature.parameters[name]
            if p.kind is p.VAR_POSITIONAL:
                for j, v in enumerate(value):
                    out.append((f"{name}_{j}", "POSITIONAL_ONLY", trace_type(v), v))
            elif p.kind is p.VAR_KEYWORD:
                for k in sorted(value):
                    out.append((k, "KEYWORD_ONLY", trace_type(value[k]), value[k]))
            else:
                kind = p.kind.name
                if has_varargs and kind == "POSITIONAL_OR_KEYWORD":
                    kind = "POSITIONAL_ONLY"
                if i < n_sig:
                    value = self._check_signature(self._input_signature[i], value, args, kwargs)
                    t = signature_type(self._input_signature[i])
                else:
                    t = trace_type(value)
                out.append((name, kind, t, value))
        if self._input_signature is not None and len(self._input_signature) > len(out):
            raise TypeError(f"input_signature has {len(self._input_signature)} entries but "
                            f"{self._name} takes {len(out)} arguments.")
        return out

    def _check_signature(self, spec: Any, value: Any, args: tuple, kwargs: dict) -> Any:
        """``value`` converted to fit ``spec`` (a TensorSpec, or a structure of them)."""
        if isinstance(spec, TensorSpec):
            t = value if isinstance(value, Tensor) else convert_to_tensor(value,
                                                                          dtype_hint=spec.dtype)
            if t._dtype is not spec.dtype or not spec.shape.is_compatible_with(
                    tuple(t._shape)):
                raise TypeError(
                    f"Binding inputs to tf.function failed due to `Can not cast "
                    f"{TensorSpec(tuple(t._shape), t._dtype)!r} to "
                    f"{TensorSpec(spec.shape, spec.dtype)!r}`. Received args: {args!r} and "
                    f"kwargs: {kwargs!r} for signature: {self._signature}. Pass a tensor "
                    f"that fits the input_signature (cast it with tf.cast or reshape it).")
            return t
        if isinstance(spec, dict) and isinstance(value, dict) and set(spec) == set(value):
            return {k: self._check_signature(spec[k], value[k], args, kwargs) for k in spec}
        if isinstance(spec, (list, tuple)) and isinstance(value, (list, tuple)) \
                and len(spec) == len(value):
            return type(value)(self._check_signature(s, v, args, kwargs)
                               for s, v in zip(spec, value))
        raise TypeError(f"Binding inputs to tf.function failed: {value!r} does not match the "
                        f"input_signature entry {spec!r}.")

    def _flat_inputs_for(self, cf: ConcreteFunction, args: tuple, kwargs: dict) -> list:
        expected = cf._key_params
        kwargs = self._with_traced_python_values(expected, args, kwargs)
        params = self._canonicalize(args, kwargs)
        names = [p[0] for p in params]
        if names != [p[0] for p in expected] or not all(
                is_supertype(e[2], p[2]) for e, p in zip(expected, params)):
            for i, (e, p) in enumerate(zip(expected, params)):
                if e[2][0] == "T" and p[2][0] == "T" and e[2][1] is not p[2][1]:
                    # TF's runtime error for a tensor of another dtype (not a TypeError).
                    raise errors.InvalidArgumentError(
                        None, None, f"cannot compute {self._name} as input #{i}(zero-based) "
                        f"was expected to be a {e[2][1].name} tensor but is a "
                        f"{p[2][1].name} tensor. Cast it (tf.cast), or call the "
                        f"tf.function itself to trace a concrete function for this dtype.")
            raise TypeError(
                f"ConcreteFunction {cf._signature_text()} was called with arguments of "
                f"another signature: "
                f"({', '.join(f'{n}: {type_value(t)!r}' for n, _, t, _ in params)}). "
                f"Call the tf.function itself to trace a new concrete function.")
        return flat_leaves(params, [e[2] for e in expected])

    def _with_traced_python_values(self, expected: list, args: tuple, kwargs: dict) -> dict:
        """``kwargs`` plus the Python values the trace was made with, for the parameters a
        concrete-function call leaves out (TF binds them: ``square(x)`` for a trace of
        ``pow(a, b=2)``). Passing another value is still a signature mismatch."""
        if not any(t[0] == "P" for _, _, t, *_ in expected):
            return kwargs  # nothing to fill in: skip binding twice
        try:
            given = self._signature.bind_partial(*args, **kwargs).arguments
        except TypeError:
            return kwargs  # _canonicalize reports the binding error
        fixed = {name: t[1] for name, kind, t, *_ in expected
                 if t[0] == "P" and name not in given and name in self._signature.parameters
                 and kind != "POSITIONAL_ONLY"}
        return {**fixed, **kwargs} if fixed else kwargs

    def _canonicalize_specs(self, args: tuple, kwargs: dict) -> list:
        def placeholder(x: Any) -> Any:
            return SpecPlaceholder(x) if isinstance(x, TensorSpec) else x
        args = nest.map_structure(placeholder, args) if args else args
        kwargs = nest.map_structure(placeholder, kwargs) if kwargs else kwargs
        return self._canonicalize(args, kwargs)

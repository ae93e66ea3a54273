"""``tf.function``: trace a Python function into a graph once per input signature.

The first call with a new *signature* runs the Python function with symbolic tensors
(tracing) and keeps the resulting :class:`~minitf.concrete_function.ConcreteFunction`;
later calls with the same signature run the graph directly. The signature is computed
as TensorFlow computes it:

* tensors (and NumPy arrays) by shape and dtype (``TensorSpec``);
* ``tf.Variable`` arguments by shape, dtype and trainability (the graph reads whichever
  variable is passed);
* Python values (numbers, strings, None) by value — ``f(1)`` and ``f(2)`` trace twice;
* lists, tuples and dicts by their structure and leaves; other objects by identity.

A call whose signature has no trace of its own may reuse a more general one (a trace
for ``shape=(None,)`` serves every vector). ``input_signature`` fixes the signature
once; ``reduce_retracing=True`` generalises shapes that differ between calls to None.

Python side effects (``print``, appending to a list) happen while tracing only;
``tf.print`` is an op and runs on every call.

Example:
    >>> import minitf as tf
    >>> @tf.function
    ... def my_func(x):
    ...     print('Tracing.')
    ...     return tf.reduce_sum(x)
    >>> my_func(tf.constant([1, 2, 3]))
    Tracing.
    <tf.Tensor: shape=(), dtype=int32, numpy=6>
    >>> my_func(tf.constant([10, 9, 8]))
    <tf.Tensor: shape=(), dtype=int32, numpy=27>
    >>> my_func.experimental_get_tracing_count()
    1
"""

from __future__ import annotations

import functools
import inspect
import types
from typing import Any, Callable, Optional, Sequence

from minitf import config, nest
from minitf.config import _settings
from minitf.concrete_function import ConcreteFunction
from minitf.function_args import ArgumentBinding
from minitf.core.interpreters import EAGER, _state
from minitf.core.interpreters import current as _current_context
from minitf.core.passes import simplify
from minitf.core.tracing import GraphBuilder, current_builder
from minitf.tensor import Tensor, convert_to_tensor
from minitf.trace_type import (
    flat_leaves,
    generalize,
    is_supertype,
    trace_argument,
    type_value,
    unknown_dims,
)

__all__ = ["function", "Function"]

_VARIABLE_ERROR = (
    "tf.function only supports singleton tf.Variables created on the first call. Make "
    "sure the tf.Variable is only created once or created outside tf.function. See "
    "https://www.tensorflow.org/guide/function#creating_tfvariables for more information.")
_MAX_FAST_ENTRIES = 256
# Where an instance keeps its bound tf.functions (Module's attribute walk skips it).
_BOUND_KEY = "_minitf_bound_functions"


def _fast_key(args: tuple) -> tuple:
    """``Function._by_key``'s key: each argument's dtype name and shape (one argument's
    pair is the key itself: a model's batch, no comprehension and no outer tuple; a
    pair never equals a tuple of pairs, whose first item is a tuple, not a name)."""
    if len(args) == 1:
        return (args[0]._dtype._name, args[0]._value.shape)
    return tuple([(a._dtype._name, a._value.shape) for a in args])


class Function(ArgumentBinding):
    """A Python function traced into graphs, one per input signature (``tf.function``).

    Made by :func:`function`. On a class, it binds per instance: each object gets its
    own traces (they capture that object's variables).

    Example:
        >>> import minitf as tf
        >>> class MyModule(tf.Module):
        ...     def __init__(self, value):
        ...         self.weight = tf.Variable(value)
        ...     @tf.function
        ...     def multiply(self, x):
        ...         return x * self.weight
        >>> MyModule(3).multiply(tf.constant([1, 2, 3]))
        <tf.Tensor: shape=(3,), dtype=int32, numpy=array([3, 6, 9], dtype=int32)>
    """

    def __init__(self, python_function: Callable[..., Any], *,
                 input_signature: Optional[Sequence[Any]] = None,
                 reduce_retracing: bool = False, jit_compile: Optional[bool] = None,
                 autograph: bool = True, name: Optional[str] = None) -> None:
        self._python_function = python_function
        self._input_signature = None if input_signature is None else list(input_signature)
        self._reduce_retracing = bool(reduce_retracing)
        self._jit_compile = jit_compile
        self._autograph = autograph
        self._name = name or getattr(python_function, "__name__",
                                     type(python_function).__name__)
        self._signature = inspect.signature(python_function)
        self._cache: dict = {}       # full trace key -> ConcreteFunction
        self._by_key: dict = {}      # ((dtype name, shape), ...) of positional tensors -> trace
        self._tracing_count = 0
        self._converted: Any = None
        if isinstance(python_function, (types.FunctionType, types.MethodType)):
            functools.update_wrapper(self, python_function)  # type: ignore[arg-type]

    # -- descriptor: methods bind per instance -----------------------------------------
    def __get__(self, instance: Any, owner: Any = None) -> Any:
        try:  # every `model(x)` comes here: the bound function made before, at once
            return instance.__dict__[_BOUND_KEY][self]
        except (AttributeError, KeyError, TypeError):
            pass
        if instance is None:
            return self
        # The bound function lives on the instance (keyed by this Function, whose hash
        # is its identity; freed with the instance: it refers back to the instance, so
        # it must not outlive it elsewhere).
        store = getattr(instance, "__dict__", None)
        if store is None:  # __slots__ without __dict__: a fresh binding each time
            return self._bind(instance)
        bound = store.get(_BOUND_KEY)
        if bound is None:
            bound = store[_BOUND_KEY] = {}
        f = bound.get(self)
        if f is None:
            f = bound[self] = self._bind(instance)
        return f

    def _bind(self, instance: Any) -> "Function":
        f = Function(types.MethodType(self._python_function, instance),
                     input_signature=self._input_signature,
                     reduce_retracing=self._reduce_retracing, jit_compile=self._jit_compile,
                     autograph=self._autograph, name=self._name)
        f._unbound = self
        return f

    # -- calling ------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # The hot path: positional eager tensors, nothing recording, a signature seen
        # before. One tuple, one dict lookup, then the generated straight-line code.
        if not kwargs and not _state["multi_backend"]:
            try:
                # Dtype names, not DTypes: a str caches its hash, a DType's is Python code.
                if len(args) == 1:  # (_fast_key, written in: a model's batch)
                    key = (args[0]._dtype._name, args[0]._value.shape)
                else:
                    key = tuple([(a._dtype._name, a._value.shape) for a in args])
            except AttributeError:
                pass
            else:
                cf = self._by_key.get(key)
                if cf is not None and not _settings["run_functions_eagerly"]:
                    ctx = _current_context()
                    if ctx is EAGER:
                        return cf._fast(*args)
                    if cf._taped and ctx.builder is None and len(ctx.tapes) == 1:
                        out = cf._taped(ctx.tapes[0], *args)  # a training step's call
                        if out is not None:
                            return out
                    return cf._call_flat(args)  # under tapes: one `call` equation
        return self._call(args, kwargs)

    def _call(self, args: tuple, kwargs: dict) -> Any:
        if config._settings["run_functions_eagerly"]:
            return self._python_function(*args, **kwargs)
        params = self._canonicalize(args, kwargs)
        key = tuple((name, t) for name, _, t, _ in params)
        cf = self._lookup(key)
        if cf is None:
            cf = self._trace_new(params, key)
        flat = flat_leaves(params, [t for _, _, t, _ in cf._key_params])
        if not kwargs and len(flat) == len(args) \
                and all(a is b and type(a) is Tensor for a, b in zip(flat, args)):
            # Remember this call pattern (positional eager tensors): the next call with
            # the same dtypes and shapes skips argument binding entirely (see __call__).
            if len(self._by_key) >= _MAX_FAST_ENTRIES:
                self._by_key.clear()
            self._by_key[_fast_key(args)] = cf
            if _current_context() is EAGER and not _state["multi_backend"]:
                return cf._fast(*args)  # (the call the next ones make: written now)
        return cf._call_flat(flat)

    def _lookup(self, key: tuple) -> Optional[ConcreteFunction]:
        cf = self._cache.get(key)
        if cf is not None:
            return cf
        # A more general trace serves this call: take the most specific one that fits.
        best, best_unknown = None, None
        for k, candidate in self._cache.items():
            if len(k) == len(key) and all(n1 == n2 and is_supertype(t1, t2)
                                          for (n1, t1), (n2, t2) in zip(k, key)):
                unknown = sum(unknown_dims(t) for _, t in k)
                if best is None or unknown < best_unknown:
                    best, best_unknown = candidate, unknown
        return best

    def _trace_new(self, params: list, key: tuple) -> ConcreteFunction:
        if self._reduce_retracing:
            for k in list(self._cache):
                if len(k) != len(key) or any(n1 != n2 for (n1, _), (n2, _) in zip(k, key)):
                    continue
                relaxed = [generalize(t1, t2) for (_, t1), (_, t2) in zip(k, key)]
                if all(r is not None for r in relaxed):
                    params = [(n, kind, r, v) for (n, kind, _, v), r in zip(params, relaxed)]
                    key = tuple((n, t) for n, _, t, _ in params)
                    if key in self._cache:
                        return self._cache[key]
                    break
        first = self._tracing_count == 0
        cf = self._trace(params)
        if cf._created_variables:
            if not first:
                raise ValueError(_VARIABLE_ERROR)
            # TensorFlow traces a second time after a trace created variables; that
            # trace must find them already made (the `if self.v is None:` idiom).
            cf = self._trace(params)
            if cf._created_variables:
                raise ValueError(_VARIABLE_ERROR)
        self._cache[key] = cf
        return cf

    def _trace(self, params: list) -> ConcreteFunction:
        self._tracing_count += 1
        fn = self._traced_python_function()
        builder = GraphBuilder(self._name, current_builder())
        if self._autograph:
            from minitf.autograph import note_for
            builder.autograph_note = note_for(fn)
        pos, kw, input_tensors = [], {}, []
        for name, kind, t, value in params:
            arg = trace_argument(builder, value, t, name, input_tensors)
            if kind == "KEYWORD_ONLY":
                kw[name] = arg
            else:
                pos.append(arg)
        with builder.tracing():
            result = fn(*pos, **kw)
        from minitf.autograph import check_defined
        check_defined(result, "the value returned by the function")
        leaves = nest.flatten(result)
        outputs = [leaf for leaf in leaves if leaf is not None]
        raw = builder.build(outputs)
        counter = iter(range(len(outputs)))
        template = None if result is None else nest.pack_sequence_as(
            result, [None if leaf is None else next(counter) for leaf in leaves])
        structured = None if result is None else nest.pack_sequence_as(
            result, [None if leaf is None else _output_tensor(builder, leaf) for leaf in leaves])
        cf = ConcreteFunction(graph=simplify(raw), raw_graph=raw,
                              params=[(n, k, type_value(t)) for n, k, t, _ in params],
                              input_tensors=input_tensors, outputs=structured,
                              output_template=template, owner=self)
        cf._key_params = params
        cf._created_variables = list(builder.created_variables)
        return cf

    def _traced_python_function(self) -> Callable[..., Any]:
        if not self._autograph:
            return self._python_function
        if self._converted is None:
            from minitf.autograph import to_graph_function
            self._converted = to_graph_function(self._python_function)
        return self._converted

    # -- public API -----------------------------------------------------------------------
    def get_concrete_function(self, *args: Any, **kwargs: Any) -> ConcreteFunction:
        """The trace for these arguments (traced now if needed); specs allowed as args.

        Example:
            >>> import minitf as tf
            >>> @tf.function
            ... def f(x):
            ...     return x + 1
            >>> cf = f.get_concrete_function(tf.TensorSpec([None], tf.int32))
            >>> cf(tf.constant([1, 2])).numpy()
            array([2, 3], dtype=int32)
        """
        if self._input_signature is not None and not args and not kwargs:
            args = tuple(self._input_signature)
        params = self._canonicalize_specs(args, kwargs)
        key = tuple((name, t) for name, _, t, _ in params)
        cf = self._cache.get(key)
        return cf if cf is not None else self._trace_new(params, key)

    def experimental_get_tracing_count(self) -> int:
        """How many times the Python function was traced.

        Example:
            >>> import minitf as tf
            >>> f = tf.function(lambda x: x)
            >>> _ = f(1); _ = f(2); _ = f(1)
            >>> f.experimental_get_tracing_count()
            2
        """
        return self._tracing_count

    def pretty_printed_concrete_signatures(self, verbose: bool = True) -> str:
        """The signatures of every trace so far, in tracing order, as TensorFlow prints them.

        Example:
            >>> import minitf as tf
            >>> @tf.function
            ... def my_relu(x):
            ...     return tf.maximum(0., x)
            >>> _ = my_relu(tf.constant(5.5)); _ = my_relu([1, -1])
            >>> print(my_relu.pretty_printed_concrete_signatures())
            Input Parameters:
              x (POSITIONAL_OR_KEYWORD): TensorSpec(shape=(), dtype=tf.float32, name=None)
            Output Type:
              TensorSpec(shape=(), dtype=tf.float32, name=None)
            Captures:
              None
            <BLANKLINE>
            Input Parameters:
              x (POSITIONAL_OR_KEYWORD): List[Literal[1], Literal[-1]]
            Output Type:
              TensorSpec(shape=(2,), dtype=tf.float32, name=None)
            Captures:
              None
        """
        separator = "\n\n" if verbose else "\n"
        return separator.join(cf.pretty_printed_signature(verbose)
                              for cf in self._cache.values())

    @property
    def python_function(self) -> Callable[..., Any]:
        """The wrapped Python function."""
        return self._python_function

    @property
    def input_signature(self) -> Optional[list]:
        """The fixed input signature, if one was given."""
        return self._input_signature

    def __repr__(self) -> str:
        return f"<minitf.function.Function {self._name} at 0x{id(self):x}>"


def _output_tensor(builder: GraphBuilder, leaf: Any) -> Any:
    if isinstance(leaf, Tensor):
        return leaf
    with builder.tracing():
        if hasattr(type(leaf), "_as_tensor"):
            return type(leaf)._as_tensor(leaf)
        return convert_to_tensor(leaf)


def function(func: Optional[Callable[..., Any]] = None, input_signature: Any = None,
             autograph: bool = True, jit_compile: Optional[bool] = None,
             reduce_retracing: bool = False, experimental_implements: Any = None,
             experimental_autograph_options: Any = None, experimental_attributes: Any = None,
             experimental_relax_shapes: Optional[bool] = None,
             experimental_compile: Optional[bool] = None,
             experimental_follow_type_hints: Any = None, name: Optional[str] = None) -> Any:
    """Compiles a Python function into graphs traced once per input signature.

    Usable as ``@tf.function`` or ``@tf.function(input_signature=...)``, on functions and
    methods. Inside, Python ``if``/``while``/``for`` on tensors become ``tf.cond`` /
    ``tf.while_loop`` (AutoGraph; ``autograph=False`` turns that off).

    Args:
        func: the function to compile.
        input_signature: a list of ``tf.TensorSpec`` (None dims allowed), one per
            positional argument: the function is traced once, for these types.
        autograph: convert Python control flow on tensors.
        jit_compile: accepted for compatibility (minitf always compiles its graphs to
            straight-line Python).
        reduce_retracing: generalise shapes that differ between calls (dims to None).
        experimental_relax_shapes: the old name of ``reduce_retracing``.
        name: the name the graphs print.
        experimental_implements, experimental_autograph_options, experimental_attributes,
            experimental_compile, experimental_follow_type_hints: accepted and ignored.

    Returns:
        A :class:`Function` (or a decorator making one, if ``func`` is None).

    Example:
        >>> import minitf as tf
        >>> @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        ... def double(x):
        ...     return 2.0 * x
        >>> double(tf.constant([1.0, 2.0])).numpy()
        array([2., 4.], dtype=float32)
        >>> double(tf.constant([1.0, 2.0, 3.0])).shape
        TensorShape([3])
        >>> double.experimental_get_tracing_count()
        1
    """
    if experimental_relax_shapes is not None:
        reduce_retracing = reduce_retracing or experimental_relax_shapes

    def decorate(f: Callable[..., Any]) -> Function:
        if isinstance(f, Function):
            f = f.python_function
        return Function(f, input_signature=input_signature, reduce_retracing=reduce_retracing,
                        jit_compile=jit_compile, autograph=autograph, name=name)

    return decorate if func is None else decorate(func)

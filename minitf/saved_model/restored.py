"""The objects ``tf.saved_model.load`` returns: user objects, restored functions, signatures.

A loaded SavedModel is rebuilt from data alone, so its objects cannot be instances of
the original classes (their code was never saved):

* each saved object becomes a :class:`_UserObject` (a ``tf.Module``, so ``variables``
  and ``trainable_variables`` work) whose attributes are the saved children;
* each ``tf.function`` becomes a :class:`RestoredFunction`: a ``tf.function`` that owns
  the saved concrete functions and cannot trace new ones (there is no Python function
  to trace) — a call that fits none of them raises ``ValueError`` listing them;
* ``signatures`` is a :class:`SignatureMap`: concrete functions called with keyword
  arguments that return a dict.

Example:
    >>> import minitf as tf
    >>> obj = _UserObject()
    >>> obj.v = tf.Variable(1.0)
    >>> [v.numpy() for v in obj.trainable_variables]
    [np.float32(1.0)]
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, Iterator

from minitf import nest
from minitf.concrete_function import ConcreteFunction
from minitf.function import Function
from minitf.module import Module
from minitf.tensor import Tensor

__all__ = ["RestoredFunction", "SignatureMap", "_UserObject", "user_object_class"]


class _UserObject(Module):
    """A loaded object: its attributes are what was saved (variables, functions, objects).

    Example:
        >>> _UserObject().name
        'user_object'
    """

    def __init__(self) -> None:
        super().__init__(name="user_object")


class _CallableUserObject(_UserObject):
    """A loaded object that was saved with a ``__call__`` tf.function."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__dict__["__call__"](*args, **kwargs)


# TensorFlow prints loaded objects as `_UserObject`, callable or not.
_CallableUserObject.__name__ = _CallableUserObject.__qualname__ = "_UserObject"


def user_object_class(callable_: bool) -> type:
    """The class for a loaded object (one whose instances can be called, if asked).

    Example:
        >>> user_object_class(True).__name__, callable(user_object_class(False)())
        ('_UserObject', False)
    """
    return _CallableUserObject if callable_ else _UserObject


class _NoPythonFunction:
    """Stands in for the Python function a restored ``tf.function`` no longer has.

    It carries the saved Python signature (``inspect.signature`` reads
    ``__signature__``), so calls bind their arguments exactly as the original did.
    """

    def __init__(self, name: str, signature: inspect.Signature) -> None:
        self.__name__ = name
        self.__signature__ = signature

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(
            f"{self.__name__} was loaded from a SavedModel, which holds its traced graphs "
            f"but not its Python code, so it cannot run eagerly. Turn "
            f"tf.config.run_functions_eagerly off to run the saved graphs.")


def _describe(value: Any, name: str) -> str:
    # TF shows the arguments as the symbolic tensors it would have traced with.
    def one(x: Any) -> Any:
        if isinstance(x, Tensor):
            return _Shown(f"<tf.Tensor '{name}:0' shape={x.shape} dtype={x.dtype.name}>")
        return x
    return repr(nest.map_structure(one, value)) if nest.is_nested(value) else repr(one(value))


class _Shown:
    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _arguments_text(args: list, kwargs: dict) -> str:
    lines = [f"  Positional arguments ({len(args)} total):"]
    lines += [f"    * {a}" for a in args]
    lines.append(f"  Keyword arguments: {{{', '.join(f'{k!r}: {v}' for k, v in kwargs.items())}}}")
    return "\n".join(lines)


class RestoredFunction(Function):
    """A ``tf.function`` loaded from a SavedModel: it runs the saved concrete functions.

    Calls bind their arguments with the saved Python signature and pick the saved trace
    that fits (the most specific one, as ``tf.function`` does). It never traces: a call
    that fits no saved trace raises ``ValueError`` listing them.

    Args:
        name: the function's name.
        signature: the original Python signature (``self`` excluded).
        input_signature: the original ``input_signature``, if any.

    Example:
        >>> import minitf as tf
        >>> f = tf.function(lambda x: x * 2)
        >>> cf = f.get_concrete_function(tf.TensorSpec([], tf.int32))
        >>> loaded = RestoredFunction("double", inspect.signature(lambda x: x), None)
        >>> loaded.add_concrete_function(cf)
        >>> loaded(tf.constant(4)).numpy()
        np.int32(8)
    """

    def __init__(self, name: str, signature: inspect.Signature, input_signature: Any) -> None:
        super().__init__(_NoPythonFunction(name, signature), input_signature=input_signature,
                         autograph=False, name=name)

    def add_concrete_function(self, cf: ConcreteFunction) -> None:
        """Makes ``cf`` one of the traces calls can select."""
        self._cache[tuple((n, t) for n, _, t, _ in cf._key_params)] = cf

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        return self  # already bound: the saved graphs captured the loaded variables

    @property
    def concrete_functions(self) -> list:
        """The saved concrete functions."""
        return list(self._cache.values())

    def _trace_new(self, params: list, key: tuple) -> ConcreteFunction:
        # Called when no saved trace fits: there is no Python code to trace.
        args = [_describe(v, n) for n, k, _, v in params if k != "KEYWORD_ONLY"]
        kwargs = {n: _describe(v, n) for n, k, _, v in params if k == "KEYWORD_ONLY"}
        options = []
        for i, cf in enumerate(self._cache.values(), 1):
            spec_args, spec_kwargs = cf.structured_input_signature
            options.append(f"Option {i}:\n" + _arguments_text(
                [repr(a) for a in spec_args], {k: repr(v) for k, v in spec_kwargs.items()}))
        raise ValueError(
            "Could not find matching concrete function to call loaded from the SavedModel. "
            "Got:\n" + _arguments_text(args, kwargs) + "\n\n Expected these arguments to "
            f"match one of the following {len(options)} option(s):\n\n" + "\n\n".join(options))

    def __repr__(self) -> str:
        return f"<RestoredFunction {self._name} ({len(self._cache)} concrete function(s))>"


class SignatureMap(Mapping):
    """``loaded.signatures``: name -> concrete function taking keyword arguments.

    Example:
        >>> SignatureMap({})
        _SignatureMap({})
    """

    def __init__(self, functions: dict) -> None:
        self._functions = dict(functions)

    def __getitem__(self, key: str) -> ConcreteFunction:
        return self._functions[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._functions)

    def __len__(self) -> int:
        return len(self._functions)

    def __repr__(self) -> str:
        return f"_SignatureMap({self._functions!r})"

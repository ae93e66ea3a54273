"""``tf.Variable``: the one mutable thing in minitf.

A Variable holds its current value as an (immutable) Tensor and replaces it on
``assign``. Every op that uses a variable *reads* it first (``_read``), and that read is
where the interpreters hook in:

* an active ``GradientTape`` that watches accessed variables starts watching the value
  it read, and remembers that this tensor came from this variable — so
  ``tape.gradient(loss, var)`` sums the cotangents of all its reads;
* a ``tf.function`` being traced gets a symbolic value instead: the variable is
  *captured by reference*, and each call of the traced graph reads its current value.

Example:
    >>> import minitf as tf
    >>> var = tf.Variable([0.0, 0.0, 0.0])
    >>> var.assign([1, 2, 3])
    <tf.Variable 'UnreadVariable' shape=(3,) dtype=float32, numpy=array([1., 2., 3.], dtype=float32)>
    >>> var + 1
    <tf.Tensor: shape=(3,), dtype=float32, numpy=array([2., 3., 4.], dtype=float32)>
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf.core import interpreters
from minitf.core.spec import TensorShape, shape_str
from minitf.ops._operands import dims_str as dims
from minitf.tensor import Reference, Tensor, convert_to_tensor, host_array, numpy_text

# Bound once: an optimizer step in a Python loop reaches them through _assign_update.
_STATE, _current_context, _EAGER = interpreters._state, interpreters.current, interpreters.EAGER
_new = object.__new__

__all__ = ["Variable", "init_scope", "VariableSynchronization", "VariableAggregation"]

_uid = itertools.count()
creation_hooks: list[Callable[["Variable"], None]] = []  # each new Variable (deferred restores)


class VariableSynchronization:
    """TF's enum of synchronization modes (accepted and ignored: one device)."""
    AUTO = 0
    NONE = 1
    ON_WRITE = 2
    ON_READ = 3


class VariableAggregation:
    """TF's enum of aggregation modes (accepted and ignored: one device)."""
    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3


class init_scope:
    """Runs its body eagerly, outside any ``tf.function`` trace and any tape.

    Keras builds weights inside this scope, so a layer first called while a training
    step is traced still creates ordinary (eager) variables.

    Example:
        >>> import minitf as tf
        >>> with tf.init_scope():
        ...     v = tf.Variable(1.0)
    """

    def __enter__(self) -> None:
        ctx = interpreters.current()
        self._token = interpreters._context.set(ctx.replace(tapes=(), builder=None))

    def __exit__(self, *exc: Any) -> None:
        interpreters._context.reset(self._token)


def _name_scope_prefix() -> str:
    from minitf.name_scope import current_name_scope
    return current_name_scope()


class Variable:
    """A mutable tensor-like value: model parameters and other state.

    Args:
        initial_value: a value, tensor, or a zero-argument callable returning one
            (called eagerly, even inside ``tf.function``).
        trainable: whether tapes watch it automatically and Keras optimizes it.
        validate_shape: unused (shapes are always checked).
        caching_device: unused.
        name: the name; TF's default is ``'Variable'`` (shown as ``'Variable:0'``).
        variable_def: unused.
        dtype: converts the initial value to this dtype.
        import_scope: unused.
        constraint: an optional function applied after optimizer updates (Keras).
        synchronization: accepted for compatibility.
        aggregation: accepted for compatibility.
        shape: accepted for compatibility (must match the value).

    Example:
        >>> import minitf as tf
        >>> v = tf.Variable(3.0, name="w")
        >>> v
        <tf.Variable 'w:0' shape=() dtype=float32, numpy=3.0>
        >>> v.assign_add(1.0).numpy()
        np.float32(4.0)
    """

    __array_priority__ = 100
    _unread_view: Optional["_UnreadVariable"] = None  # what assign* returns (made once)

    def __init__(self, initial_value: Any = None, trainable: Optional[bool] = None,
                 validate_shape: bool = True, caching_device: Any = None,
                 name: Optional[str] = None, variable_def: Any = None, dtype: Any = None,
                 import_scope: Any = None, constraint: Optional[Callable] = None,
                 synchronization: Any = None, aggregation: Any = None, shape: Any = None,
                 experimental_enable_variable_lifting: bool = True) -> None:
        if initial_value is None:
            raise ValueError("The initial_value must be specified.")
        with init_scope():
            if callable(initial_value) and not isinstance(initial_value, (Tensor, Variable)):
                initial_value = initial_value()
            if isinstance(initial_value, Tensor) and initial_value._value is None:
                raise ValueError(
                    "A tf.Variable's initial value cannot be a symbolic tensor of a traced "
                    "tf.function. Create variables outside the function (e.g. in "
                    "__init__), or pass a callable: tf.Variable(lambda: ...).")
            value = convert_to_tensor(initial_value, dtype=dtype) if not isinstance(
                initial_value, Variable) else initial_value.read_value()
            if dtype is not None and value._dtype is not _dtypes.as_dtype(dtype):
                from minitf.ops.elementwise import cast
                value = cast(value, dtype)
        self._tensor: Tensor = value
        self._dtype = value._dtype
        self._shape = tuple(value._shape)
        if trainable is None:
            trainable = synchronization != VariableSynchronization.ON_READ
        self._trainable = bool(trainable)
        base = "Variable" if name is None else str(name).split(":")[0]
        self._name = _name_scope_prefix() + base + ":0"
        self._unique_id = next(_uid)
        self.constraint = constraint
        for hook in list(creation_hooks):
            hook(self)

    # -- reading ---------------------------------------------------------------------
    def _read(self) -> Tensor:
        """The current value, as seen by the active interpreters (tape, tracing)."""
        ctx = interpreters.current()
        if ctx is interpreters.EAGER:
            return self._tensor
        t = ctx.builder.read_variable(self) if ctx.builder is not None else self._tensor
        for tape in ctx.tapes:
            tape._on_variable_read(self, t)
        return t

    _as_tensor = _read

    def value(self) -> Tensor:
        """The current value as a Tensor.

        Example:
            >>> import minitf as tf
            >>> tf.Variable([1, 2]).value()
            <tf.Tensor: shape=(2,), dtype=int32, numpy=array([1, 2], dtype=int32)>
        """
        return self._read()

    def read_value(self) -> Tensor:
        """The current value as a Tensor (a read that tapes and tracing see).

        Example:
            >>> import minitf as tf
            >>> float(tf.Variable(2.0).read_value())
            2.0
        """
        from minitf.ops.shape import identity
        return identity(self._read())

    def numpy(self) -> Any:
        """A NumPy copy of the current value."""
        return self._tensor.numpy()

    def __array__(self, dtype: Any = None, copy: Optional[bool] = None) -> np.ndarray:
        return self._tensor.__array__(dtype, copy)

    # -- writing ---------------------------------------------------------------------
    def _check_new_value(self, value: Any, op: str) -> Tensor:
        # As TF: a tensor of another dtype is a ValueError (convert_to_tensor's, which
        # says to tf.cast), a Python value that cannot take the dtype (1.5 for an int
        # variable) a TypeError.
        t = convert_to_tensor(value, dtype=self._dtype)
        shape = tuple(t._shape)
        # Equal shapes are the common case: skip building TensorShapes for it.
        compatible = shape == self._shape or TensorShape._from_tuple(shape).is_compatible_with(
            self._shape)
        if op != "assign" and not compatible:
            from minitf import errors
            kind = "AssignAddVariableOp" if op == "assign_add" else "AssignSubVariableOp"
            raise errors.InvalidArgumentError(
                None, None, f"Cannot update variable with shape {dims(self._shape)} using a "
                f"Tensor with shape {dims(t._shape)}, shapes must be equal. [Op:{kind}] "
                f"The update does not broadcast: pass a value of the variable's shape, e.g. "
                f"tf.fill({list(self._shape)}, value) or tf.broadcast_to(value, "
                f"{list(self._shape)}).")
        if not compatible:
            raise ValueError(
                f"Cannot {op} value to variable ' {self._name}': Shape mismatch.The "
                f"variable shape {shape_str(self._shape)}, and the assigned value shape "
                f"{shape_str(t._shape)} are incompatible. A variable's shape is fixed; "
                f"create a new tf.Variable for a value of another shape.")
        return t

    def assign(self, value: Any, use_locking: Any = None, name: Optional[str] = None,
               read_value: bool = True) -> Any:
        """Replaces the value; returns the variable (shown as ``'UnreadVariable'``).

        Raises:
            ValueError: if the new value's shape differs.
            TypeError: if its dtype differs (no implicit casting).

        Example:
            >>> import minitf as tf
            >>> v = tf.Variable([0.0, 0.0])
            >>> v.assign([1, 2]).numpy()
            array([1., 2.], dtype=float32)
        """
        t = self._check_new_value(value, "assign")
        ctx = interpreters.current()
        if ctx.builder is not None:
            ctx.builder.assign_variable(self, t)
        else:
            if t._value is None:
                raise ValueError("Cannot assign a symbolic tensor outside its tf.function.")
            self._tensor = t
        return _UnreadVariable(self) if read_value else None

    def _update(self, delta: Any, sign: int, op: str) -> Tensor:
        delta = self._check_new_value(delta, op)
        ctx = interpreters.current()
        if ctx is interpreters.EAGER and type(delta) is Tensor \
                and not interpreters._state["multi_backend"]:
            # Plain eager NumPy (an optimizer step in a Python loop): one ufunc call.
            current = self._tensor._value
            value = current + delta._value if sign > 0 else current - delta._value
            out = object.__new__(Tensor)
            out._value = value
            out._dtype = self._dtype
            return out
        from minitf.ops.elementwise import add, subtract
        if ctx.builder is not None:
            current = ctx.builder.read_variable(self)
        else:
            current = self._tensor
        # The update itself is not differentiated (as in TF): compute it off the tapes.
        if ctx.tapes:
            with interpreters.using(ctx.replace(tapes=())):
                new = add(current, delta) if sign > 0 else subtract(current, delta)
        else:
            new = add(current, delta) if sign > 0 else subtract(current, delta)
        return new

    def _assign_update(self, delta: Any, sign: int, op: str, read_value: bool) -> Any:
        current = self._tensor._value  # NumPy (an array or a scalar) unless on a GPU
        if (type(delta) is Tensor and delta._dtype is self._dtype
                and not _STATE["multi_backend"] and _current_context() is _EAGER
                and delta._value.shape == current.shape):
            # An optimizer step in a Python loop: a tensor of the variable's dtype and
            # shape needs no conversion or check; one ufunc call, one new tensor.
            out = _new(Tensor)
            out._value = current + delta._value if sign > 0 else current - delta._value
            out._dtype = self._dtype
            self._tensor = out
            if not read_value:
                return None
            # One view per variable for every step (never set via __dict__: it slows reads).
            view = self._unread_view
            if view is None:
                view = self._unread_view = _UnreadVariable(self)
            return view
        return self.assign(self._update(delta, sign, op), read_value=read_value)

    def assign_add(self, delta: Any, use_locking: Any = None, name: Optional[str] = None,
                   read_value: bool = True) -> Any:
        """Adds ``delta`` to the value in place.

        Example:
            >>> import minitf as tf
            >>> tf.Variable([1.0]).assign_add([1.0]).numpy()
            array([2.], dtype=float32)
        """
        return self._assign_update(delta, +1, "assign_add", read_value)

    def assign_sub(self, delta: Any, use_locking: Any = None, name: Optional[str] = None,
                   read_value: bool = True) -> Any:
        """Subtracts ``delta`` from the value in place.

        Example:
            >>> import minitf as tf
            >>> tf.Variable([1.0]).assign_sub([1.0]).numpy()
            array([0.], dtype=float32)
        """
        return self._assign_update(delta, -1, "assign_sub", read_value)

    # -- facts -------------------------------------------------------------------------
    @property
    def shape(self) -> TensorShape:
        """The (fixed) shape."""
        return TensorShape._from_tuple(self._shape)

    def get_shape(self) -> TensorShape:
        """Alias of :attr:`shape`."""
        return self.shape

    @property
    def _shape_tuple(self) -> tuple:
        return self._shape

    @property
    def dtype(self) -> _dtypes.DType:
        """The (fixed) dtype."""
        return self._dtype

    @property
    def name(self) -> str:
        """The name with its ``:0`` suffix, e.g. ``'dense/kernel:0'``."""
        return self._name

    @property
    def trainable(self) -> bool:
        """Whether tapes watch it automatically and optimizers update it."""
        return self._trainable

    @property
    def ndim(self) -> int:
        """The rank."""
        return len(self._shape)

    @property
    def device(self) -> str:
        """The device holding the value."""
        return self._tensor.device

    @property
    def handle(self) -> "Variable":
        """TF exposes a resource handle; in minitf the variable is its own handle."""
        return self

    def ref(self) -> Reference:
        """A hashable reference (variables themselves are unhashable, as in TF)."""
        return Reference(self)

    experimental_ref = ref

    def __hash__(self) -> int:
        raise TypeError("Variable is unhashable. Instead, use variable.ref() as the key. "
                        f"(Variable: {self!r})")

    def __repr__(self) -> str:
        return (f"<tf.Variable '{self._display_name()}' shape={shape_str(self._shape)} "
                f"dtype={self._dtype.name}, numpy="
                f"{numpy_text(host_array(self._tensor), is_repr=True)}>")

    def __str__(self) -> str:
        return self.__repr__()

    def _display_name(self) -> str:
        return self._name

    def __len__(self) -> int:
        return len(self._tensor)

    def __bool__(self) -> bool:
        return bool(self._tensor)

    def __float__(self) -> float:
        return float(self._tensor)

    def __int__(self) -> int:
        return int(self._tensor)

    def __index__(self) -> int:
        return self._tensor.__index__()

    def __iter__(self) -> Any:
        return iter(self._read())

    def __getitem__(self, key: Any) -> Tensor:
        return self._read()[key]

    def __deepcopy__(self, memo: dict) -> "Variable":
        return Variable(self._tensor, trainable=self._trainable, name=self._name)

    def __reduce__(self) -> tuple:
        raise TypeError("minitf does not pickle Variables; save them with tf.train.Checkpoint.")


class _UnreadVariable(Variable):
    """What ``assign`` returns: the same variable, printed as TF prints it."""

    def __init__(self, parent: Variable) -> None:  # noqa: D107 - shares parent's state
        object.__setattr__(self, "_parent", parent)

    def __getattr__(self, name: str) -> Any:
        return getattr(object.__getattribute__(self, "_parent"), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._parent, name, value)

    def _read(self) -> Tensor:
        return self._parent._read()

    _as_tensor = _read

    def assign(self, *args: Any, **kwargs: Any) -> Any:
        return self._parent.assign(*args, **kwargs)

    def assign_add(self, *args: Any, **kwargs: Any) -> Any:
        return self._parent.assign_add(*args, **kwargs)

    def assign_sub(self, *args: Any, **kwargs: Any) -> Any:
        return self._parent.assign_sub(*args, **kwargs)

    def _display_name(self) -> str:
        return "UnreadVariable"


def _install_operators() -> None:
    """Gives Variable every operator Tensor has: read, then apply the tensor operator."""
    names = [n for n in vars(Tensor) if n.startswith("__") and n.endswith("__") and n[2:-2] in {
        "add", "radd", "sub", "rsub", "mul", "rmul", "truediv", "rtruediv", "floordiv",
        "rfloordiv", "mod", "rmod", "pow", "rpow", "matmul", "rmatmul", "neg", "abs", "lt",
        "le", "gt", "ge", "eq", "ne", "and", "rand", "or", "ror", "xor", "rxor", "invert",
        "pos"}]
    for n in names:
        op = getattr(Tensor, n)

        def method(self: Variable, *args: Any, _op: Any = op) -> Any:
            return _op(self._read(), *args)
        method.__name__ = n
        setattr(Variable, n, method)
    Variable.__hash__ = _variable_hash  # __eq__ above would otherwise unset it


def _variable_hash(self: Variable) -> int:
    raise TypeError("Variable is unhashable. Instead, use variable.ref() as the key.")

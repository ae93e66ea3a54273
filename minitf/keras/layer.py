"""``keras.layers.Layer``: the base of every layer and model.

A layer owns weights and a ``call``. Its life:

1. ``__init__`` stores hyper-parameters only; no weights yet (the input size is unknown).
2. The first ``__call__`` *builds* it: ``build(input_shape)`` creates the weights with
   :meth:`Layer.add_weight` — inside ``tf.init_scope()``, so a layer first called while a
   training step is being traced still makes ordinary eager variables.
3. Every call runs ``call(inputs, training=...)``. ``training`` flows down: a model called
   with ``training=True`` passes it to every layer inside it whose ``call`` takes it.

Weights are found by walking the layer's attributes (sub-layers, variables, lists of
them) in assignment order, as Keras tracks them.

Example:
    >>> import minitf as tf
    >>> class Scale(tf.keras.layers.Layer):
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
    ...     def call(self, x):
    ...         return x * self.w
    >>> layer = Scale()
    >>> layer(tf.ones([2, 3])).shape
    TensorShape([2, 3])
    >>> [w.path for w in layer.weights]
    ['scale/variable']
"""

from __future__ import annotations

import inspect
import re
from collections import defaultdict
from contextvars import ContextVar
from typing import Any, Iterator, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf import nest
from minitf.keras import initializers
from minitf.keras.variable import KerasVariable
from minitf.module import Module
from minitf.tensor import Tensor, convert_to_tensor
from minitf.variables import Variable, init_scope

__all__ = ["Layer", "InputSpec", "unique_name", "clear_session", "snake_case"]

# Keras names layers "dense", "dense_1", ... per session (clear_session restarts).
_name_counts: defaultdict[str, int] = defaultdict(int)
# The path of the layer being built, so weights are named "sequential/dense/kernel".
_build_path: ContextVar[tuple] = ContextVar("keras_build_path", default=())
# The `training` value of the outermost layer call, inherited by the layers inside it.
_training: ContextVar[Optional[bool]] = ContextVar("keras_training", default=None)


def snake_case(name: str) -> str:
    """``"BatchNormalization"`` -> ``"batch_normalization"``.

    Example:
        >>> from minitf.keras.layer import snake_case
        >>> snake_case("Conv2D"), snake_case("GlobalAveragePooling2D")
        ('conv2d', 'global_average_pooling2d')
    """
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def unique_name(base: str) -> str:
    """``base`` the first time, then ``base_1``, ``base_2``...

    Example:
        >>> from minitf.keras.layer import unique_name
        >>> unique_name("demo_layer"), unique_name("demo_layer")
        ('demo_layer', 'demo_layer_1')
    """
    n = _name_counts[base]
    _name_counts[base] += 1
    return base if n == 0 else f"{base}_{n}"


def clear_session() -> None:
    """Restarts layer naming (``dense`` again), as ``keras.backend.clear_session()``.

    Example:
        >>> import minitf as tf
        >>> tf.keras.backend.clear_session()
        >>> tf.keras.layers.Dense(1).name
        'dense'
    """
    _name_counts.clear()


class InputSpec:
    """What a layer accepts: ``ndim``/``min_ndim``, ``dtype``, and fixed ``axes`` sizes.

    Example:
        >>> import minitf as tf
        >>> tf.keras.layers.InputSpec(min_ndim=2, axes={-1: 3})
        InputSpec(min_ndim=2, axes={-1: 3})
    """

    def __init__(self, dtype: Any = None, shape: Any = None, ndim: Optional[int] = None,
                 max_ndim: Optional[int] = None, min_ndim: Optional[int] = None,
                 axes: Optional[dict] = None, allow_last_axis_squeeze: bool = False,
                 name: Optional[str] = None, optional: bool = False) -> None:
        self.dtype = dtype
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        self.name, self.optional = name, optional

    def __repr__(self) -> str:
        parts = [f"{k}={v}" for k, v in (("dtype", self.dtype), ("shape", self.shape),
                                          ("ndim", self.ndim), ("max_ndim", self.max_ndim),
                                          ("min_ndim", self.min_ndim)) if v is not None]
        if self.axes:
            parts.append(f"axes={self.axes}")
        return f"InputSpec({', '.join(parts)})"

    def check(self, layer_name: str, shape: tuple) -> None:
        """Raises a teaching ValueError when ``shape`` does not fit."""
        rank = len(shape)
        problem = None
        if self.ndim is not None and rank != self.ndim:
            problem = f"expected ndim={self.ndim}, found ndim={rank}"
        elif self.min_ndim is not None and rank < self.min_ndim:
            problem = f"expected min_ndim={self.min_ndim}, found ndim={rank}"
        elif self.max_ndim is not None and rank > self.max_ndim:
            problem = f"expected max_ndim={self.max_ndim}, found ndim={rank}"
        else:
            for axis, size in self.axes.items():
                if size is not None and -rank <= axis < rank and shape[axis] not in (size,
                                                                                    None):
                    problem = f"expected axis {axis} of the input to have value {size}"
                    break
        if problem:
            raise ValueError(f"Input 0 of layer \"{layer_name}\" is incompatible with the "
                             f"layer: {problem}. Full shape received: {tuple(shape)}")


def _policy(dtype: Any) -> str:
    if dtype is None:
        return "float32"
    if isinstance(dtype, dict):  # Keras 3's serialized DTypePolicy
        return str(dtype.get("config", {}).get("name", "float32"))
    return _dtypes.as_dtype(dtype).name


def _is_json_value(v: Any) -> bool:
    if v is None or isinstance(v, (bool, int, float, str)):
        return True
    if isinstance(v, (list, tuple)):
        return all(_is_json_value(x) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _is_json_value(x) for k, x in v.items())
    return False


class Layer(Module):
    """The base class of layers: weights, ``build``, ``call`` and configuration.

    A layer is a ``tf.Module``, so ``tf.train.Checkpoint`` tracks its weights (restoring
    them even when they are created later, on the first call).

    Args:
        trainable: whether the layer's weights are updated by training.
        name: a unique name (default: the class name in snake case, numbered).
        dtype: the dtype of the weights and computation (default ``"float32"``).
        input_shape: (legacy) the input shape without the batch axis; a ``Sequential``
            model then starts from ``Input(input_shape)``.

    Example:
        >>> import minitf as tf
        >>> d = tf.keras.layers.Dense(2)
        >>> d.built
        False
        >>> _ = d(tf.ones([1, 3]))
        >>> d.built, len(d.weights)
        (True, 2)
    """

    # Attributes not searched for weights and sub-layers.
    _untracked = frozenset({"_inbound_nodes", "_outbound_nodes", "_keras_history",
                            "_auto_config", "_tracked_cache", "optimizer", "_compile_state",
                            "history", "_functional_nodes", "_output_tensors",
                            "_input_tensors"})

    def __new__(cls, *args: Any, **kwargs: Any) -> "Layer":
        obj = super().__new__(cls)
        # Keras 3's auto-config: remember constructor arguments that are plain JSON, so a
        # custom layer without get_config still saves and reloads.
        try:
            bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
            bound.apply_defaults()
            config = {k: v for k, v in bound.arguments.items()
                      if k not in ("self", "args", "kwargs")}
            config.update(bound.arguments.get("kwargs", {}) or {})
            object.__setattr__(obj, "_auto_config",
                               config if _is_json_value(config) else None)
        except TypeError:
            object.__setattr__(obj, "_auto_config", None)
        return obj

    def __init__(self, *, activity_regularizer: Any = None, trainable: bool = True,
                 dtype: Any = None, autocast: bool = True, name: Optional[str] = None,
                 **kwargs: Any) -> None:
        input_shape = kwargs.pop("input_shape", None)
        input_dim = kwargs.pop("input_dim", None)
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        kwargs.pop("batch_size", None)
        kwargs.pop("input_length", None)
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                            f"{kwargs}")
        name = name or unique_name(snake_case(type(self).__name__))
        Module.__init__(self, name=name if name.isidentifier() else None)
        self._name = name  # Keras allows any name without "/" (tf.Module: identifiers)
        self._trainable = bool(trainable)
        self._dtype = _policy(dtype)
        self.built = False
        self.input_spec: Optional[InputSpec] = None
        self.supports_masking = False
        self._own_weights: list = []
        self._losses: list = []
        self._regularized: list = []  # (regularizer, variable)
        self.activity_regularizer = activity_regularizer
        self._build_shapes: Any = None
        self._called = False
        self._inbound_nodes: list = []
        if batch_input_shape is not None:
            self._input_shape_arg = tuple(batch_input_shape)[1:]
        elif input_shape is not None:
            self._input_shape_arg = tuple(input_shape)
        elif input_dim is not None:
            self._input_shape_arg = (int(input_dim),)
        else:
            self._input_shape_arg = None
        params = inspect.signature(self.call).parameters
        self._call_has_training_arg = "training" in params
        self._call_has_mask_arg = "mask" in params

    # -- naming, dtype, trainability ------------------------------------------------------
    @property
    def dtype(self) -> str:
        """The variable dtype name, e.g. ``"float32"``."""
        return self._dtype

    @property
    def compute_dtype(self) -> str:
        """The dtype the layer computes in (same as :attr:`dtype` in minitf)."""
        return self._dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype of the layer's weights."""
        return self._dtype

    @property
    def trainable(self) -> bool:
        """Whether training updates this layer; setting it applies to all sub-layers."""
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self._sublayers():
            layer.trainable = value

    @property
    def path(self) -> str:
        """The layer's name (Keras 3 layers are addressed by name)."""
        return self.name

    # -- tracking -------------------------------------------------------------------------
    def _tracked_values(self) -> Iterator[Any]:
        for key, value in vars(self).items():
            if key in self._untracked:
                continue
            if isinstance(value, (Layer, Variable)):
                yield value
            elif isinstance(value, (list, tuple)):
                for v in value:
                    if isinstance(v, (Layer, Variable)):
                        yield v
            elif isinstance(value, dict):
                for v in value.values():
                    if isinstance(v, (Layer, Variable)):
                        yield v

    def _sublayers(self) -> list:
        """Direct sub-layers, in the order they were assigned."""
        seen, out = set(), []
        for v in self._tracked_values():
            if isinstance(v, Layer) and id(v) not in seen and v is not self:
                seen.add(id(v))
                out.append(v)
        return out

    @property
    def _layers(self) -> list:
        return self._sublayers()

    def _flatten_layers(self, include_self: bool = True, recursive: bool = True) -> list:
        """This layer and every layer inside it, depth first, each once."""
        out, seen = [], set()

        def visit(layer: "Layer") -> None:
            if id(layer) in seen:
                return
            seen.add(id(layer))
            out.append(layer)
            for sub in layer._sublayers():
                if recursive or layer is self:
                    visit(sub)
        visit(self)
        return out if include_self else out[1:]

    def _direct_variables(self) -> list:
        seen = {id(v) for v in self._own_weights}
        out = list(self._own_weights)
        for v in self._tracked_values():
            if isinstance(v, Variable) and id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        return out

    @property
    def weights(self) -> list:
        """Every weight: this layer's (trainable first), then each sub-layer's.

        Example:
            >>> import minitf as tf
            >>> bn = tf.keras.layers.BatchNormalization()
            >>> bn.build((None, 2))
            >>> [w.name for w in bn.weights]
            ['gamma', 'beta', 'moving_mean', 'moving_variance']
        """
        own = self._direct_variables()
        out = [v for v in own if v.trainable] + [v for v in own if not v.trainable]
        seen = {id(v) for v in out}
        for layer in self._sublayers():
            for v in layer.weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def trainable_weights(self) -> list:
        """The weights training updates (none if the layer is frozen)."""
        if not self._trainable:
            return []
        seen: set = set()
        out = []
        for v in self._direct_variables():
            if v.trainable and id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for layer in self._sublayers():
            for v in layer.trainable_weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def non_trainable_weights(self) -> list:
        """Every weight not in :attr:`trainable_weights` (e.g. BatchNorm's moving stats)."""
        trainable = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in trainable]

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def get_weights(self) -> list:
        """The weights' values as NumPy arrays.

        Example:
            >>> import minitf as tf
            >>> d = tf.keras.layers.Dense(1, kernel_initializer="ones")
            >>> d.build((None, 2))
            >>> d.get_weights()[0].tolist()
            [[1.0], [1.0]]
        """
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights: list) -> None:
        """Assigns NumPy arrays to the weights, in :attr:`weights` order.

        Raises:
            ValueError: naming the weight whose shape differs, or a count mismatch.
        """
        params = self.weights
        if len(params) != len(weights):
            raise ValueError(
                f"You called `set_weights(weights)` on layer \"{self.name}\" with a weight "
                f"list of length {len(weights)}, but the layer was expecting {len(params)} "
                f"weights.")
        for v, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(v.shape) != w.shape:
                raise ValueError(
                    f"Layer {self.name} weight shape {tuple(v.shape)} is not compatible with "
                    f"provided weight shape {w.shape} (weight '{v.path}').")
            v.assign(w.astype(v.dtype.as_numpy_dtype, copy=False))

    def count_params(self) -> int:
        """The number of scalar weights.

        Example:
            >>> import minitf as tf
            >>> d = tf.keras.layers.Dense(4)
            >>> d.build((None, 3))
            >>> d.count_params()
            16
        """
        return int(sum(int(np.prod(v.shape)) for v in self.weights))

    # Bookkeeping attributes a checkpoint must not use as paths (weights are saved
    # under the attribute that holds them, "kernel", so deferred restoration finds them).
    _not_checkpointed = frozenset({"_own_weights", "_regularized", "_losses",
                                   "_trainable_cache", "_compile_metrics",
                                   "_loss_tracker", "train_function", "test_function",
                                   "predict_function"})

    def _checkpoint_children(self) -> dict:
        children = {k: v for k, v in vars(self).items()
                    if k not in self._not_checkpointed and k not in self._untracked}
        held = {id(v) for v in children.values()}
        for v in self._own_weights:  # a weight kept in no attribute
            if id(v) not in held:
                children[f"_weight_{v.name}"] = v
        if "optimizer" in vars(self) and self.optimizer is not None:
            children["optimizer"] = self.optimizer
        return children

    # -- weights --------------------------------------------------------------------------
    def add_weight(self, shape: Any = None, initializer: Any = None, dtype: Any = None,
                   trainable: bool = True, autocast: bool = True, regularizer: Any = None,
                   constraint: Any = None, aggregation: Any = None,
                   overwrite_with_gradient: bool = False, name: Optional[str] = None,
                   **kwargs: Any) -> KerasVariable:
        """Creates a weight of this layer (eagerly, even during tracing).

        Args:
            shape: the weight's shape (default scalar).
            initializer: a name, an Initializer, or any ``f(shape, dtype=...)`` callable
                (default ``"glorot_uniform"`` for floats, ``"zeros"`` otherwise).
            dtype: default the layer's dtype.
            trainable: whether optimizers update it.
            regularizer: an optional penalty added to :attr:`losses`.
            constraint: an optional projection applied after each optimizer step.
            name: the weight's name within the layer (``"kernel"``).

        Example:
            >>> import minitf as tf
            >>> layer = tf.keras.layers.Layer(name="demo")
            >>> w = layer.add_weight(shape=(2,), initializer="zeros", name="w")
            >>> w.path, w.numpy().tolist()
            ('demo/w', [0.0, 0.0])
        """
        if isinstance(shape, str) and name is None:  # Keras 2's add_weight(name, shape...)
            name, shape = shape, initializer if not isinstance(initializer, str) else None
            if shape is None:
                shape = kwargs.pop("shape", ())
        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = _dtypes.as_dtype(dtype or self._dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.is_floating else "zeros"
        init = initializers.get(initializer)
        name = name or "variable"
        scope = _build_path.get()
        if not scope or scope[-1] != self.name:
            scope = scope + (self.name,)
        path = "/".join(scope + (name,))
        with init_scope():
            value = init(shape, dtype=dtype)
            var = KerasVariable(value, trainable=trainable, name=name, path=path, dtype=dtype,
                                constraint=constraint)
        self._own_weights.append(var)
        if regularizer is not None:
            from minitf.keras import regularizers
            self._regularized.append((regularizers.get(regularizer), var))
        return var

    add_variable = add_weight

    # -- losses ---------------------------------------------------------------------------
    def add_loss(self, loss: Any) -> None:
        """Adds a scalar to :attr:`losses` (e.g. an activity penalty) during ``call``."""
        self._losses.append(loss)

    @property
    def losses(self) -> list:
        """Losses added during the last call, plus weight regularization penalties."""
        out = list(self._losses)
        for reg, var in self._regularized:
            out.append(reg(var))
        for layer in self._sublayers():
            out.extend(layer.losses)
        return out

    def _clear_losses(self) -> None:
        for layer in self._flatten_layers():
            layer._losses = []

    # -- build and call ---------------------------------------------------------------------
    def build(self, input_shape: Any) -> None:
        """Creates the weights for inputs of ``input_shape``; the default has none."""
        self.built = True

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """The computation; the default returns the inputs unchanged."""
        return inputs

    def _maybe_build(self, args: tuple, kwargs: dict) -> None:
        inputs = args[0] if args else kwargs.get("inputs")
        shapes = nest.map_structure(lambda t: tuple(t._shape) if hasattr(t, "_shape")
                                    else tuple(np.shape(t)), inputs)
        if self.input_spec is not None and isinstance(shapes, tuple):
            self.input_spec.check(self.name, shapes)
        token = _build_path.set(_build_path.get() + (self.name,))
        try:
            with init_scope():
                build = type(self).build
                if build is not Layer.build and not getattr(build, "_lazy_build", False):
                    self.build(shapes)
                self.built = True
        finally:
            _build_path.reset(token)
        self._build_shapes = shapes

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from minitf.keras import functional
        if functional.any_symbolic(args, kwargs):
            return functional.symbolic_call(self, args, kwargs)
        if args:
            args = (_to_tensors(args[0]),) + args[1:]
        if not self.built:
            self._maybe_build(args, kwargs)
        elif self.input_spec is not None and args and hasattr(args[0], "_shape"):
            self.input_spec.check(self.name, tuple(args[0]._shape))
        training = kwargs.get("training")
        if training is None:
            training = _training.get()
        if self._call_has_training_arg:
            if training is not None:
                kwargs["training"] = training
        else:
            kwargs.pop("training", None)
        if not self._call_has_mask_arg:
            kwargs.pop("mask", None)
        token = _training.set(training) if training is not None else None
        path_token = None
        if not self._called:  # sub-layers built now get weight paths under this layer
            path_token = _build_path.set(_build_path.get() + (self.name,))
        try:
            outputs = self.call(*args, **kwargs)
        finally:
            if path_token is not None:
                _build_path.reset(path_token)
            if token is not None:
                _training.reset(token)
        if path_token is not None:
            self._called = True
            # For summary() of subclassed models (no symbolic graph to read).
            self._seen_output_shapes = [tuple(t._shape) for t in nest.flatten(outputs)
                                        if hasattr(t, "_shape")]
        if self.activity_regularizer is not None:
            from minitf.keras import regularizers
            penalty = regularizers.get(self.activity_regularizer)
            for out in nest.flatten(outputs):
                self.add_loss(penalty(out))
        return outputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shape for ``input_shape`` (found by a symbolic call by default).

        Example:
            >>> import minitf as tf
            >>> tf.keras.layers.Dense(5).compute_output_shape((None, 3))
            (None, 5)
        """
        from minitf.keras import functional
        inputs = map_shapes(lambda s: functional.KerasTensor(s, self._dtype),
                            _shape_structure(input_shape))
        out = self(inputs)
        return nest.map_structure(lambda t: t.shape, out)

    # -- config ---------------------------------------------------------------------------
    def get_config(self) -> dict:
        """The constructor arguments as JSON-ready values (Keras 3's format).

        Example:
            >>> import minitf as tf
            >>> cfg = tf.keras.layers.Dense(3, name="d").get_config()
            >>> cfg["units"], cfg["name"]
            (3, 'd')
        """
        config = {"name": self.name, "trainable": self._trainable,
                  "dtype": {"module": "keras", "class_name": "DTypePolicy",
                            "config": {"name": self._dtype}, "registered_name": None}}
        auto = getattr(self, "_auto_config", None)
        if type(self).get_config is Layer.get_config and auto:
            # A custom layer without get_config: its JSON-able constructor arguments.
            extra = {k: v for k, v in auto.items() if k not in config}
            config.update(extra)
        return config

    @classmethod
    def from_config(cls, config: dict) -> "Layer":
        """Rebuilds a layer from :meth:`get_config` (weights are not included).

        Example:
            >>> import minitf as tf
            >>> d = tf.keras.layers.Dense.from_config(tf.keras.layers.Dense(3).get_config())
            >>> d.units
            3
        """
        return cls(**config)

    def get_build_config(self) -> Optional[dict]:
        """The input shape the layer was built with (for reloading), if built."""
        if self._build_shapes is None:
            return None
        return {"input_shape": _jsonable_shapes(self._build_shapes)}

    def build_from_config(self, config: Optional[dict]) -> None:
        """Builds the layer from :meth:`get_build_config`'s output."""
        if config and not self.built:
            shape = _shape_structure(config["input_shape"])
            token = _build_path.set(_build_path.get() + (self.name,))
            try:
                with init_scope():
                    self.build(shape)
                    self.built = True
            finally:
                _build_path.reset(token)
            self._build_shapes = shape

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"



def _to_tensors(x: Any) -> Any:
    """NumPy arrays and nested lists of numbers become tensors (floats as float32)."""
    if isinstance(x, (Tensor, Variable)):
        return x
    if isinstance(x, np.ndarray):
        if x.dtype == np.float64:
            x = x.astype(np.float32)
        return convert_to_tensor(x)
    if isinstance(x, dict):
        return {k: _to_tensors(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        if x and all(isinstance(v, (int, float)) for v in nest.flatten(list(x))) and not any(
                isinstance(v, (Tensor, Variable, np.ndarray)) for v in x):
            return convert_to_tensor(np.asarray(x, np.float32))
        return type(x)(_to_tensors(v) for v in x)
    return x


def _is_shape(x: Any) -> bool:
    return isinstance(x, tuple) and all(d is None or isinstance(d, (int, np.integer))
                                        for d in x)


def map_shapes(fn: Any, shapes: Any) -> Any:
    """Applies ``fn`` to each shape tuple in a structure (a shape is a leaf, not a list)."""
    if _is_shape(shapes):
        return fn(shapes)
    if isinstance(shapes, dict):
        return {k: map_shapes(fn, v) for k, v in shapes.items()}
    return [map_shapes(fn, s) for s in shapes]


def _shape_structure(shape: Any) -> Any:
    """JSON lists back to shape tuples: [None, 3] -> (None, 3); [[..], [..]] -> list."""
    if isinstance(shape, (list, tuple)) and shape and all(
            isinstance(s, (list, tuple)) for s in shape):
        return [tuple(s) for s in shape]
    if isinstance(shape, dict):
        return {k: _shape_structure(v) for k, v in shape.items()}
    return tuple(shape)


def _jsonable_shapes(shapes: Any) -> Any:
    if isinstance(shapes, tuple):
        return [None if d is None else int(d) for d in shapes]
    if isinstance(shapes, dict):
        return {k: _jsonable_shapes(v) for k, v in shapes.items()}
    return [_jsonable_shapes(s) for s in shapes]

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
from typing import Any, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf import nest
from minitf.keras import initializers
from minitf.keras.layer_utils import (  # noqa: F401  (re-exported: the layer API)
    InputSpec, _build_path, _is_json_value, _jsonable_shapes, _policy, _shape_structure,
    _to_tensors, _training, clear_session, map_shapes, snake_case, unique_name,
)
from minitf.keras.tracking import WeightTracking
from minitf.keras.variable import KerasVariable
from minitf.module import Module
from minitf.variables import init_scope

__all__ = ["Layer", "InputSpec", "unique_name", "clear_session", "snake_case"]


class Layer(WeightTracking, Module):
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

    @property
    def input(self) -> Any:
        """The input KerasTensor(s) of the layer's first symbolic call (Keras's rule).

        Raises:
            AttributeError: if the layer was never called on a ``keras.Input``.
        """
        tensors = self._first_node("input").input_tensors
        return tensors[0] if len(tensors) == 1 else tensors

    @property
    def output(self) -> Any:
        """The output KerasTensor(s) of the layer's first symbolic call.

        With ``keras.Input``, a model's layers have outputs to build another model on
        (a feature extractor).

        Raises:
            AttributeError: if the layer was never called on a ``keras.Input``.

        Example:
            >>> import minitf as tf
            >>> model = tf.keras.Sequential([tf.keras.Input((3,)),
            ...                              tf.keras.layers.Dense(4, name="hidden"),
            ...                              tf.keras.layers.Dense(1)])
            >>> features = tf.keras.Model(model.inputs, model.get_layer("hidden").output)
            >>> features(tf.ones([2, 3])).shape
            TensorShape([2, 4])
        """
        return self._first_node("output").outputs

    def _first_node(self, what: str) -> Any:
        nodes = vars(self).get("_inbound_nodes")
        if not nodes:
            raise AttributeError(
                f"The layer {self.name} has never been called and thus has no defined "
                f"{what}. Call it on a keras.Input first (or give the model an Input), "
                f"then read layer.{what}.")
        return nodes[0]

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

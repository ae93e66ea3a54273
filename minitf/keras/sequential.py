"""``keras.Sequential``: a plain stack of layers, each feeding the next.

It is built as soon as its input shape is known — from a leading ``keras.Input``, from a
first layer's ``input_shape=...``, or from the first data it is called on (then the
summary shows that batch size, as Keras does). Building traces the layers once
symbolically, which creates their weights and records each output shape.

Example:
    >>> import minitf as tf
    >>> model = tf.keras.Sequential()
    >>> model.add(tf.keras.Input(shape=(4,)))
    >>> model.add(tf.keras.layers.Dense(2))
    >>> model.built, model.output_shape
    (True, (None, 2))
"""

from __future__ import annotations

from typing import Any, Optional

from minitf.keras import functional as _f
from minitf.keras.layer import Layer, _build_path
from minitf.keras.model import Model
from minitf.keras.serialization import (
    deserialize_keras_object, keras_class, serialize_keras_object,
)

__all__ = ["Sequential"]


@keras_class
class Sequential(Model):
    """Layers applied one after another.

    Args:
        layers: the layers, in order (a ``keras.Input`` may come first).
        trainable: whether its weights train.
        name: the model's name (default ``sequential``, ``sequential_1``...).

    Example:
        >>> import minitf as tf
        >>> model = tf.keras.Sequential([tf.keras.layers.Dense(3, activation="relu"),
        ...                              tf.keras.layers.Dense(1)])
        >>> model.built
        False
        >>> model(tf.ones([2, 5])).shape
        TensorShape([2, 1])
        >>> model.built, len(model.weights)
        (True, 4)
    """

    def __init__(self, layers: Optional[list] = None, trainable: bool = True,
                 name: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._seq_layers: list = []
        self._input_layer: Optional[_f.InputLayer] = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer: Any, rebuild: bool = True) -> None:
        """Appends a layer (or sets the input, for a ``keras.Input``).

        Raises:
            ValueError: for a non-layer, a repeated name, or an Input after other layers.
        """
        if isinstance(layer, _f.KerasTensor):
            layer = layer._keras_history[0]
        if isinstance(layer, _f.InputLayer):
            if self._seq_layers or self._input_layer is not None:
                raise ValueError("A keras.Input must be the first element of a Sequential "
                                 "model (and there can be only one).")
            self._input_layer = layer
        elif isinstance(layer, Layer):
            if any(layer.name == other.name for other in self._seq_layers):
                raise ValueError(f"All layers added to a Sequential model should have unique "
                                 f"names. Name \"{layer.name}\" is already the name of a layer "
                                 f"in this model. Update the `name` argument to pass a "
                                 f"unique name.")
            self._seq_layers.append(layer)
        else:
            raise ValueError(f"Only instances of `keras.Layer` can be added to a Sequential "
                             f"model. Received: {layer!r} (of type {type(layer).__name__})")
        self._reset_step_functions()
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild: bool = True) -> Layer:
        """Removes and returns the last layer."""
        if not self._seq_layers:
            raise IndexError("There are no layers in the model.")
        layer = self._seq_layers.pop()
        self.built = False
        self._reset_step_functions()
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self) -> None:
        if self._input_layer is not None:
            self.build(self._input_layer.batch_shape)
        elif self._seq_layers and getattr(self._seq_layers[0], "_input_shape_arg", None):
            self.build((None,) + tuple(self._seq_layers[0]._input_shape_arg))

    @property
    def layers(self) -> list:
        """The layers (without the ``InputLayer``)."""
        return list(self._seq_layers)

    def _sublayers(self) -> list:
        return list(self._seq_layers)

    def build(self, input_shape: Any = None) -> None:
        """Runs the layers symbolically on ``Input(batch_shape=input_shape)``."""
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument to build a "
                             "Sequential model, e.g. model.build((None, 784)).")
        input_shape = tuple(input_shape)
        if self._input_layer is None or tuple(self._input_layer.batch_shape) != input_shape:
            dtype = self._seq_layers[0]._dtype if self._seq_layers else "float32"
            if self._input_layer is None:
                self._input_layer = _f.InputLayer(batch_shape=input_shape, dtype=dtype)
        x = self._input_layer.output
        scope = _build_path.get()
        token = _build_path.set(scope if scope[-1:] == (self.name,) else scope + (self.name,))
        try:
            for layer in self._seq_layers:
                x = layer(x)
        finally:
            _build_path.reset(token)
        self._output_kt = x
        self._build_shapes = input_shape
        self.built = True

    @property
    def output_shape(self) -> Any:
        """The output shape found when building."""
        out = getattr(self, "_output_kt", None)
        return None if out is None else out.shape

    @property
    def input_shape(self) -> Any:
        """The input shape (batch axis included)."""
        return None if self._input_layer is None else self._input_layer.batch_shape

    @property
    def inputs(self) -> Optional[list]:
        return None if self._input_layer is None else [self._input_layer.output]

    @property
    def outputs(self) -> Optional[list]:
        out = getattr(self, "_output_kt", None)
        return None if out is None else [out]

    @property
    def input(self) -> Any:
        """The input KerasTensor (once the input shape is known)."""
        return None if self._input_layer is None else self._input_layer.output

    @property
    def output(self) -> Any:
        """The output KerasTensor (once built)."""
        return getattr(self, "_output_kt", None)

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        x = inputs
        for layer in self._seq_layers:
            x = layer(x)  # `training` reaches each layer through the call context
        return x

    def get_config(self) -> dict:
        layers = []
        if self._input_layer is not None:
            layers.append(serialize_keras_object(self._input_layer))
        layers += [serialize_keras_object(layer) for layer in self._seq_layers]
        return {"name": self.name, "trainable": self._trainable,
                "dtype": {"module": "keras", "class_name": "DTypePolicy",
                          "config": {"name": self._dtype}, "registered_name": None},
                "layers": layers}

    @classmethod
    def from_config(cls, config: dict, custom_objects: Optional[dict] = None) -> "Sequential":
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for layer_config in config.get("layers", []):
            if layer_config.get("class_name") == "InputLayer":
                cfg = layer_config["config"]
                model.add(_f.InputLayer(batch_shape=cfg["batch_shape"], dtype=cfg.get("dtype"),
                                        name=cfg.get("name")), rebuild=False)
            else:
                model.add(deserialize_keras_object(layer_config, custom_objects),
                          rebuild=False)
        model._maybe_rebuild()
        return model

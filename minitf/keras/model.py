"""``keras.Model``: a layer that can be trained — functional or subclassed.

* **Functional**: ``keras.Model(inputs, outputs)`` from ``keras.Input`` and layer calls;
  calling it replays the recorded layer calls on real tensors.
* **Subclassed**: subclass ``keras.Model``, create layers in ``__init__`` and write
  ``call``; layers build on the first call.

Both get ``compile``/``fit``/``evaluate``/``predict`` (:mod:`trainer`, :mod:`loops`),
``summary()`` and saving.

Example:
    >>> import minitf as tf
    >>> inputs = tf.keras.Input(shape=(3,))
    >>> hidden = tf.keras.layers.Dense(4, activation="relu")(inputs)
    >>> model = tf.keras.Model(inputs, tf.keras.layers.Dense(1)(hidden))
    >>> model(tf.ones([2, 3])).shape
    TensorShape([2, 1])
    >>> [type(layer).__name__ for layer in model.layers]
    ['InputLayer', 'Dense', 'Dense']
"""

from __future__ import annotations

from typing import Any, Optional

from minitf import nest
from minitf.keras import functional as _f
from minitf.keras.layer import Layer
from minitf.keras.loops import Loops
from minitf.keras.serialization import keras_class
from minitf.keras.trainer import Trainer

__all__ = ["Model", "Functional"]


class Model(Trainer, Loops, Layer):
    """A trainable stack of layers: functional (``Model(inputs, outputs)``) or subclassed.

    Args:
        inputs, outputs: KerasTensors, for a functional model.
        name: the model's name.

    Example:
        >>> import minitf as tf
        >>> class TwoLayers(tf.keras.Model):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.hidden = tf.keras.layers.Dense(8, activation="relu")
        ...         self.out = tf.keras.layers.Dense(1)
        ...     def call(self, x):
        ...         return self.out(self.hidden(x))
        >>> model = TwoLayers()
        >>> model(tf.ones([5, 2])).shape
        TensorShape([5, 1])
        >>> len(model.trainable_weights)
        4
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> "Model":
        if cls is Model and (len(args) >= 2 or "inputs" in kwargs or "outputs" in kwargs):
            return Layer.__new__(Functional, *args, **kwargs)
        return Layer.__new__(cls, *args, **kwargs)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        inputs = kwargs.pop("inputs", args[0] if len(args) > 0 else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        Layer.__init__(self, name=kwargs.pop("name", None),
                       trainable=kwargs.pop("trainable", True),
                       dtype=kwargs.pop("dtype", None), **kwargs)
        self._init_trainer()
        self._functional_inputs: Optional[list] = None
        self._functional_outputs: Optional[list] = None
        if inputs is not None:
            if outputs is None:
                raise ValueError("A functional model needs both `inputs` and `outputs`: "
                                 "keras.Model(inputs, outputs).")
            self._init_graph(inputs, outputs)

    # -- functional graphs ----------------------------------------------------------------
    def _init_graph(self, inputs: Any, outputs: Any) -> None:
        self._inputs_struct, self._outputs_struct = inputs, outputs
        flat_in, flat_out = nest.flatten(inputs), nest.flatten(outputs)
        for t in flat_in + flat_out:
            if not isinstance(t, _f.KerasTensor):
                raise ValueError(f"Model inputs and outputs must be KerasTensors (from "
                                 f"keras.Input and layer calls), got {t!r}.")
        self._functional_inputs, self._functional_outputs = flat_in, flat_out
        self._functional_nodes = _f.nodes_between(flat_in, flat_out)
        layers, seen = [], set()
        for node in self._functional_nodes:
            if id(node.layer) not in seen:
                seen.add(id(node.layer))
                layers.append(node.layer)
        self._graph_layers = layers
        self._build_shapes = [t.shape for t in flat_in] if len(flat_in) > 1 \
            else flat_in[0].shape
        self.built = True

    @property
    def inputs(self) -> Optional[list]:
        """The model's input KerasTensors (functional models)."""
        return self._functional_inputs

    @property
    def outputs(self) -> Optional[list]:
        """The model's output KerasTensors (functional models)."""
        return self._functional_outputs

    @property
    def input(self) -> Any:
        """The input KerasTensor structure."""
        return getattr(self, "_inputs_struct", None)

    @property
    def output(self) -> Any:
        """The output KerasTensor structure."""
        return getattr(self, "_outputs_struct", None)

    @property
    def layers(self) -> list:
        """The model's layers (a functional model lists its ``InputLayer``\\ s too)."""
        if self._functional_nodes_or_none() is not None:
            return list(self._graph_layers)
        return self._sublayers()

    def _functional_nodes_or_none(self) -> Optional[list]:
        return vars(self).get("_functional_nodes")

    def _sublayers(self) -> list:
        if vars(self).get("_functional_nodes") is not None:
            return [layer for layer in self._graph_layers if not isinstance(layer, _f.InputLayer)]
        return Layer._sublayers(self)

    def get_layer(self, name: Optional[str] = None, index: Optional[int] = None) -> Layer:
        """A layer by name or index.

        Raises:
            ValueError: listing the names when none matches.
        """
        layers = self.layers
        if index is not None:
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[layer.name for layer in layers]}.")

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        """Functional models replay their graph; subclasses override this."""
        if self._functional_nodes_or_none() is None:
            raise NotImplementedError(f"Model {type(self).__name__} has no call(): subclasses "
                                      f"of keras.Model must implement call(self, inputs).")
        if isinstance(inputs, dict) and not isinstance(self._inputs_struct, dict):
            # {input name: value}: matched to the inputs by name, as Keras does.
            try:
                inputs = [inputs[t.name] for t in self._functional_inputs]
            except KeyError as e:
                raise ValueError(f"Model {self.name!r} has no input named {e}; its inputs are "
                                 f"{[t.name for t in self._functional_inputs]}.") from None
        values = nest.flatten(inputs)
        if len(values) != len(self._functional_inputs):
            raise ValueError(f"Model {self.name!r} expects {len(self._functional_inputs)} "
                             f"input(s), got {len(values)}.")
        values = [_cast_like(v, t) for v, t in zip(values, self._functional_inputs)]
        env = _f.run_nodes(self._functional_nodes, self._functional_inputs, values)
        return nest.pack_sequence_as(self._outputs_struct,
                                     [env[id(t)] for t in self._functional_outputs])

    # -- building -------------------------------------------------------------------------
    def build(self, input_shape: Any = None) -> None:
        """Builds a subclassed model by calling it on placeholder data of ``input_shape``.

        Example:
            >>> import minitf as tf
            >>> class M(tf.keras.Model):
            ...     def __init__(self):
            ...         super().__init__()
            ...         self.d = tf.keras.layers.Dense(2)
            ...     def call(self, x):
            ...         return self.d(x)
            >>> m = M()
            >>> m.build((None, 3))
            >>> len(m.weights)
            2
        """
        if self.built or input_shape is None:
            self.built = True
            return
        from minitf.keras.layer import map_shapes
        placeholder = map_shapes(lambda s: _f.KerasTensor(s, self._dtype)._stand_in(),
                                 _shape_struct(input_shape))
        from minitf.variables import init_scope
        with init_scope():
            Layer.__call__(self, placeholder)
        self._build_shapes = _shape_struct(input_shape)
        self.built = True

    build._lazy_build = True  # a first call builds sublayers as they run; no extra pass

    def summary(self, line_length: Optional[int] = None, positions: Optional[list] = None,
                print_fn: Any = None, expand_nested: bool = False, show_trainable: bool = False,
                layer_range: Any = None) -> None:
        """Prints the layers, their output shapes and parameter counts (Keras's table).

        Example:
            >>> import minitf as tf
            >>> tf.keras.backend.clear_session()
            >>> model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
            >>> model.summary()
            Model: "sequential"
            ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
            ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
            ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
            │ dense (Dense)                   │ (None, 2)              │             8 │
            └─────────────────────────────────┴────────────────────────┴───────────────┘
             Total params: 8 (32.00 B)
             Trainable params: 8 (32.00 B)
             Non-trainable params: 0 (0.00 B)
        """
        from minitf.keras.summary import print_summary
        print_summary(self, line_length, positions, print_fn, expand_nested, show_trainable)

    # -- saving ---------------------------------------------------------------------------
    def save(self, filepath: Any, overwrite: bool = True, **kwargs: Any) -> None:
        """Saves the model: ``.keras`` (one zip file) or, with no extension, a SavedModel
        directory.

        Raises:
            ValueError: for ``.h5`` (HDF5 is not supported; use ``.keras``).
        """
        from minitf.keras.saving import save_model
        save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath: Any, overwrite: bool = True) -> None:
        """Saves every weight's value (``.weights.h5`` or ``.weights.npz``; data only)."""
        from minitf.keras.saving import save_weights
        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: Any, skip_mismatch: bool = False, **kwargs: Any) -> None:
        """Loads values written by :meth:`save_weights` (or a ``.keras`` file's weights)."""
        from minitf.keras.saving import load_weights
        load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def get_config(self) -> dict:
        """A functional model's graph as JSON; subclassed models give their arguments."""
        if self._functional_nodes_or_none() is None:
            return Layer.get_config(self)
        from minitf.keras.saving import functional_config
        return functional_config(self)

    @classmethod
    def from_config(cls, config: dict, custom_objects: Optional[dict] = None) -> "Model":
        """Rebuilds a functional model from :meth:`get_config` (new weights)."""
        if "layers" in config and "input_layers" in config:
            from minitf.keras.saving import functional_from_config
            return functional_from_config(cls, config, custom_objects)
        return cls(**config)

    def to_json(self, **kwargs: Any) -> str:
        """The model's config as a JSON string."""
        import json

        from minitf.keras.serialization import serialize_keras_object
        return json.dumps(serialize_keras_object(self), **kwargs)


@keras_class
class Functional(Model):
    """The class of ``keras.Model(inputs, outputs)`` models (Keras 3's name).

    Example:
        >>> import minitf as tf
        >>> x = tf.keras.Input((2,))
        >>> type(tf.keras.Model(x, tf.keras.layers.Dense(1)(x))).__name__
        'Functional'
    """


def _cast_like(value: Any, kt: _f.KerasTensor) -> Any:
    from minitf.keras.layer import _to_tensors
    value = _to_tensors(value)
    if hasattr(value, "dtype") and value.dtype.name != kt.dtype and value.dtype.is_floating \
            and kt.dtype.startswith("float"):
        from minitf.ops.elementwise import cast
        value = cast(value, kt.dtype)
    return value


def _shape_struct(shape: Any) -> Any:
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
        return [tuple(s) for s in shape]
    return tuple(shape)


keras_class(Model)

"""``Bidirectional``: a recurrent layer run forwards and backwards in time, merged.

A sequence read left to right only knows the past at each step; the same layer run right
to left knows the future. ``Bidirectional`` runs a copy of the layer in each direction
and merges the two results (concatenated by default), as Keras 3 does.

Example:
    >>> import minitf as tf
    >>> from minitf.keras.layers import Bidirectional
    >>> from minitf.keras.layers import GRU
    >>> Bidirectional(GRU(3))(tf.ones([2, 4, 5])).shape
    TensorShape([2, 6])
"""

from __future__ import annotations

from typing import Any, Optional

from minitf.keras.layer import Layer
from minitf.keras.serialization import (
    deserialize_keras_object, keras_class, serialize_keras_object,
)
from minitf.ops import elementwise as ew
from minitf.ops.joining import concat

__all__ = ["Bidirectional"]

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


@keras_class
class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy backwards in time, and merges them.

    Both directions are fresh copies of ``layer`` made from its config (``forward_...``,
    and ``backward_...`` with ``go_backwards=True``); ``layer``'s own weights are unused.
    Returned sequences of the backward copy are put back in time order before merging.

    Args:
        layer: a ``SimpleRNN``, ``LSTM`` or ``GRU``.
        merge_mode: ``"concat"`` (default), ``"sum"``, ``"mul"``, ``"ave"``, or None for
            the tuple ``(forward, backward)``.
        backward_layer: an optional layer for the backward direction.

    Call arguments: ``sequences``; ``initial_state``: the forward states, then the
    backward ones. ``return_state`` gives ``(output, *forward_states, *backward_states)``.

    Example:
        >>> import minitf as tf
        >>> from minitf.keras.layers import Bidirectional
        >>> from minitf.keras.layers import LSTM
        >>> bi = Bidirectional(LSTM(4, return_sequences=True))
        >>> bi(tf.ones([2, 5, 3])).shape
        TensorShape([2, 5, 8])
        >>> len(bi.weights), bi.count_params()
        (6, 256)
    """

    def __init__(self, layer: Layer, merge_mode: Optional[str] = "concat",
                 weights: Any = None, backward_layer: Optional[Layer] = None,
                 **kwargs: Any) -> None:
        if not isinstance(layer, Layer) or not isinstance(backward_layer or layer, Layer):
            raise ValueError(f"Please initialize `Bidirectional` layer with a keras.layers."
                             f"Layer instance such as LSTM(8). Received: {layer!r}, "
                             f"backward_layer={backward_layer!r}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should "
                             f"be one of {{\"sum\", \"mul\", \"ave\", \"concat\", None}}")
        if weights is not None:
            raise NotImplementedError("Bidirectional(weights=...) is not supported in minitf: "
                                      "call the layer once, then use set_weights().")
        super().__init__(**kwargs)
        config = serialize_keras_object(layer)
        config["config"]["name"] = "forward_" + layer.name.removeprefix("forward_")
        self.forward_layer = deserialize_keras_object(config)
        if backward_layer is None:
            config = serialize_keras_object(layer)
            config["config"]["go_backwards"] = True
            config["config"]["name"] = "backward_" + layer.name.removeprefix("backward_")
            backward_layer = deserialize_keras_object(config)
        self.backward_layer = backward_layer
        fw, bw = self.forward_layer, self.backward_layer
        if fw.go_backwards == bw.go_backwards:
            raise ValueError(f"Forward layer and backward layer should have different "
                             f"`go_backwards` value. Received: forward_layer.go_backwards "
                             f"{fw.go_backwards}, backward_layer.go_backwards={bw.go_backwards}")
        for attr in ("return_sequences", "return_state"):
            if getattr(fw, attr) != getattr(bw, attr):
                raise ValueError(f"Forward layer and backward layer are expected to have the "
                                 f"same value for attribute \"{attr}\"; set it on both.")
        self.merge_mode = merge_mode
        self.return_sequences, self.return_state = fw.return_sequences, fw.return_state
        self.stateful = False

    def build(self, sequences_shape: Any) -> None:
        for layer in (self.forward_layer, self.backward_layer):
            if not layer.built:  # under this layer's path: "bidirectional/forward_lstm/..."
                layer.build_from_config({"input_shape": list(sequences_shape)})
        self.built = True

    def call(self, sequences: Any, initial_state: Any = None, mask: Any = None,
             training: Any = None) -> Any:
        if mask is not None:
            raise NotImplementedError(f"Bidirectional layer \"{self.name}\" got a mask, but "
                                      f"minitf's recurrent layers do not support masking.")
        fw_state = bw_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            fw_state, bw_state = list(initial_state[:half]), list(initial_state[half:])
        y = self.forward_layer(sequences, initial_state=fw_state, training=training)
        y_rev = self.backward_layer(sequences, initial_state=bw_state, training=training)
        states: tuple = ()
        if self.return_state:
            states, y, y_rev = tuple(y[1:]) + tuple(y_rev[1:]), y[0], y_rev[0]
        if self.return_sequences:  # the backward layer emits its last step first
            y_rev = y_rev[:, ::-1]
        if self.merge_mode is None:
            return (y, y_rev) + states
        output = {"concat": lambda: concat([y, y_rev], axis=-1), "sum": lambda: ew.add(y, y_rev),
                  "mul": lambda: ew.multiply(y, y_rev),
                  "ave": lambda: ew.multiply(ew.add(y, y_rev), 0.5)}[self.merge_mode]()
        return (output,) + states if self.return_state else output

    def get_config(self) -> dict:
        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": serialize_keras_object(self.forward_layer),
                "backward_layer": serialize_keras_object(self.backward_layer)}

    @classmethod
    def from_config(cls, config: dict, custom_objects: Optional[dict] = None
                    ) -> "Bidirectional":
        config = dict(config)
        config["layer"] = deserialize_keras_object(config["layer"], custom_objects)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_keras_object(config["backward_layer"],
                                                                custom_objects)
        return cls(**config)

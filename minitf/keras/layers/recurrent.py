"""Recurrent layers: ``SimpleRNN``, ``LSTM``, ``GRU`` and the ``Bidirectional`` wrapper.

A recurrent layer reads ``(batch, time, features)`` and carries a state from step to step.
minitf runs the recurrence as a Python loop over the time steps, built from ordinary ops
(one ``tensordot`` projects every step's input at once; each step multiplies the state by
``recurrent_kernel`` and applies the gates). Eagerly it is a loop; inside ``tf.function``
(Keras's traced train step) it *unrolls*, one copy of the step per time step: fine for the
tutorials' short sequences, and it needs a static time length there (``Input((T, F))``).

Weights follow Keras 3 (``set_weights`` takes what Keras's ``get_weights`` gives), held by
a cell sub-layer (``lstm/lstm_cell/kernel``): ``kernel`` ``(input_dim, g·units)``,
``recurrent_kernel`` ``(units, g·units)`` and ``bias``, in g blocks of ``units`` columns:
1 (SimpleRNN), 4 (LSTM: i, f, c, o) or 3 (GRU: z, r, h; its bias is ``(2, 3·units)``,
input then recurrent, with the default ``reset_after=True``).

Not supported: masks, non-zero ``dropout``/``recurrent_dropout`` and ``stateful=True``
(they raise). ``unroll`` is accepted and ignored.

Example:
    >>> import minitf as tf
    >>> from minitf.keras.layers import LSTM
    >>> lstm = LSTM(4, return_sequences=True, name="lstm")
    >>> lstm(tf.ones([2, 5, 3])).shape
    TensorShape([2, 5, 4])
    >>> [(w.path, tuple(w.shape)) for w in lstm.weights][0]
    ('lstm/lstm_cell/kernel', (3, 16))
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from minitf.keras import activations, initializers
from minitf.keras.layer import Layer
from minitf.keras.layer_utils import _build_path
from minitf.keras.serialization import (
    deserialize_keras_object, keras_class, serialize_keras_object,
)
from minitf.ops import elementwise as ew
from minitf.ops.creation import ones, zeros, zeros_like
from minitf.ops.joining import concat, split, stack, unstack
from minitf.ops.linalg import matmul, tensordot
from minitf.tensor import Tensor, convert_to_tensor

__all__ = ["SimpleRNN", "LSTM", "GRU"]


def _serialize(obj: Any) -> Any:
    return None if obj is None else serialize_keras_object(obj)


class _Cell(Layer):
    """Holds a recurrent layer's weights (as Keras's cells do, hence the weight paths)."""


class _RNN(Layer):
    """The time loop shared by SimpleRNN, LSTM and GRU; subclasses define one step."""

    _gates = 1  # blocks of `units` columns in kernel and recurrent_kernel
    _states = ("h",)  # the state tensors carried between steps
    _cell_name = "rnn_cell"

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed: Optional[int] = None,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, **kwargs: Any) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        who = f"{type(self).__name__} layer \"{self.name}\""
        if not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(f"{who}: received an invalid value for argument `units`, "
                             f"expected a positive integer, got {units}.")
        if dropout or recurrent_dropout or stateful:
            raise NotImplementedError(
                f"{who}: dropout={dropout}, recurrent_dropout={recurrent_dropout}, stateful="
                f"{stateful}: minitf's recurrent layers have no dropout masks and no stateful "
                f"mode. Use a keras.layers.Dropout before or after the layer; for state across "
                f"calls, return_state=True and pass the states back as initial_state=.")
        self.units, self.use_bias = int(units), bool(use_bias)
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer, self.recurrent_regularizer, self.bias_regularizer = (
            kernel_regularizer, recurrent_regularizer, bias_regularizer)
        self.kernel_constraint, self.recurrent_constraint, self.bias_constraint = (
            deserialize_keras_object(c) if isinstance(c, dict) else c
            for c in (kernel_constraint, recurrent_constraint, bias_constraint))
        self.dropout, self.recurrent_dropout, self.seed = 0.0, 0.0, seed
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.stateful = bool(go_backwards), False
        self.unroll, self.zero_output_for_mask = bool(unroll), bool(zero_output_for_mask)
        self.cell = _Cell(name=self._cell_name, dtype=self.dtype)

    # Keras exposes the weights on the layer too (`lstm.kernel`); properties are untracked.
    kernel = property(lambda self: self.cell.kernel)
    recurrent_kernel = property(lambda self: self.cell.recurrent_kernel)
    bias = property(lambda self: self.cell.bias)

    def _check_shape(self, shape: tuple) -> None:
        if len(shape) != 3 or shape[-1] is None:
            raise ValueError(
                f"Input 0 of layer \"{self.name}\" is incompatible with the layer: expected "
                f"ndim=3 with a known last axis, found ndim={len(shape)}. Full shape received: "
                f"{shape}. {type(self).__name__} reads (batch, time, features); add the "
                f"missing axis, e.g. with keras.layers.Reshape((time, features)).")

    def _bias_shape(self) -> tuple:
        return (self._gates * self.units,)

    def _bias_init(self) -> Any:
        return self.bias_initializer

    def build(self, input_shape: Any) -> None:
        self._check_shape(tuple(input_shape))
        width, c = self._gates * self.units, self.cell
        scope = _build_path.get()  # paths "lstm/lstm_cell/kernel", even if build is called
        token = _build_path.set(scope if scope[-1:] == (self.name,) else scope + (self.name,))
        try:
            for name, part, shape, init in [
                    ("kernel", "kernel", (input_shape[-1], width), self.kernel_initializer),
                    ("recurrent_kernel", "recurrent", (self.units, width),
                     self.recurrent_initializer),
                    ("bias", "bias", self._bias_shape(), self._bias_init())]:
                setattr(c, name, None if name == "bias" and not self.use_bias else c.add_weight(
                    shape=shape, name=name, initializer=init,
                    regularizer=getattr(self, f"{part}_regularizer"),
                    constraint=getattr(self, f"{part}_constraint")))
        finally:
            _build_path.reset(token)
        c.built = self.built = True

    def _initial_states(self, x: Tensor, initial_state: Any) -> list:
        if initial_state is None:  # zeros (batch, units), even for a batch unknown in a trace
            zero = ew.add(zeros_like(x[:, 0, :1]), zeros((self.units,), x.dtype))
            return [zero] * len(self._states)
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) \
            else [initial_state]
        states = [ew.cast(convert_to_tensor(s), x.dtype) for s in states]
        if len(states) != len(self._states) or any(
                len(s._shape) != 2 or s._shape[-1] != self.units for s in states):
            raise ValueError(
                f"{type(self).__name__} layer \"{self.name}\" expects initial_state to be "
                f"{len(self._states)} tensor(s) [{', '.join(self._states)}] of shape (batch, "
                f"{self.units}), got shapes {[tuple(s._shape) for s in states]}.")
        return states

    def _step_constants(self) -> tuple:
        """What every step reads, read once per call (not once per step)."""
        return (self.cell.recurrent_kernel,)

    def _input_bias(self) -> Any:
        return self.cell.bias

    def _step(self, xw_t: Tensor, states: list, consts: tuple) -> tuple:
        raise NotImplementedError

    def call(self, sequences: Any, initial_state: Any = None, mask: Any = None,
             training: Any = None) -> Any:
        if mask is not None:
            raise NotImplementedError(
                f"{type(self).__name__} layer \"{self.name}\" got a mask, but minitf's "
                f"recurrent layers do not support masking; pad every sequence to the same "
                f"length with values the model can learn to ignore.")
        x = sequences if sequences.dtype.name == self.dtype else ew.cast(sequences, self.dtype)
        shape = tuple(x._shape)
        self._check_shape(shape)
        if not shape[1]:
            raise ValueError(
                f"{type(self).__name__} layer \"{self.name}\" needs a static, non-zero time "
                f"length: it loops over the steps in Python. Got input shape {shape}; give "
                f"keras.Input a fixed length, e.g. Input(({shape[1] or 10}, {shape[2]})).")
        states = self._initial_states(x, initial_state)
        # x_t W + b for every step at once: (batch, time, features) @ (features, g·units).
        xw = tensordot(x, self.cell.kernel, [[2], [0]])
        if self.use_bias:
            xw = ew.add(xw, self._input_bias())
        steps = unstack(xw, axis=1)
        if self.go_backwards:  # Keras then returns the outputs in this reversed order too
            steps = steps[::-1]
        consts = self._step_constants()
        outputs = []
        for xw_t in steps:
            out, states = self._step(xw_t, states, consts)
            outputs.append(out)
        output = stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        return (output, *states) if self.return_state else output

    def get_config(self) -> dict:
        config = {**super().get_config(), **{k: getattr(self, k) for k in (
            "return_sequences", "return_state", "go_backwards", "stateful", "unroll",
            "zero_output_for_mask", "units")},
            "activation": activations.serialize(self.activation), "use_bias": self.use_bias}
        for part in ("initializer", "regularizer", "constraint"):
            for weight in ("kernel", "recurrent", "bias"):
                config[f"{weight}_{part}"] = _serialize(getattr(self, f"{weight}_{part}"))
        config["activity_regularizer"] = _serialize(self.activity_regularizer)
        return {**config, "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout}


@keras_class
class SimpleRNN(_RNN):
    """A fully connected recurrence: ``h_t = activation(x_t W + h_{t-1} U + b)``.

    Args:
        units: the state (and output) size.
        activation: default ``"tanh"``.
        use_bias, kernel_initializer, recurrent_initializer, bias_initializer: for W
            ``(input_dim, units)``, U ``(units, units)`` (default orthogonal) and b.
        return_sequences: return every step's output ``(batch, time, units)``, not just
            the last one ``(batch, units)``.
        return_state: return the tuple ``(output, *states)``.
        go_backwards: read the sequence last step first (sequences come out reversed).
        **kwargs: ``kernel_regularizer``... ``bias_constraint``, and Layer's arguments.

    Call arguments: ``sequences`` ``(batch, time, features)``; ``initial_state``, the
    states (here ``h``) to start from (default zeros).

    Example:
        >>> import minitf as tf
        >>> from minitf.keras.layers import SimpleRNN
        >>> out, h = SimpleRNN(3, return_sequences=True, return_state=True)(tf.ones([2, 4, 5]))
        >>> out.shape, h.shape
        (TensorShape([2, 4, 3]), TensorShape([2, 3]))
    """

    _cell_name = "simple_rnn_cell"

    def _step(self, xw_t: Tensor, states: list, consts: tuple) -> tuple:
        h = self.activation(ew.add(xw_t, matmul(states[0], consts[0])))
        return h, [h]


@keras_class
class LSTM(_RNN):
    """Long short-term memory (Hochreiter & Schmidhuber, 1997): a gated cell state.

    With ``z = x_t W + h_{t-1} U + b`` split into four blocks (gate order i, f, c, o)::

        i = σ(z_i)   f = σ(z_f)   o = σ(z_o)        (σ: recurrent_activation)
        c_t = f * c_{t-1} + i * tanh(z_c)           (tanh: activation)
        h_t = o * tanh(c_t)

    Args:
        units, activation, use_bias, return_sequences, return_state, go_backwards, and
            **kwargs: as for :class:`SimpleRNN`; the states are ``[h, c]``.
        recurrent_activation: the gates' σ, default ``"sigmoid"``.
        unit_forget_bias: start the forget gate's bias at 1 (default True).

    Example:
        >>> import minitf as tf
        >>> from minitf.keras.layers import LSTM
        >>> out, h, c = LSTM(2, return_state=True)(tf.ones([3, 4, 5]))
        >>> out.shape, c.shape
        (TensorShape([3, 2]), TensorShape([3, 2]))
    """

    _gates, _states, _cell_name = 4, ("h", "c"), "lstm_cell"

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 unit_forget_bias: bool = True, **kwargs: Any) -> None:
        super().__init__(units, activation, use_bias, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)

    def _bias_init(self) -> Any:
        if not self.unit_forget_bias:
            return self.bias_initializer
        units, init = self.units, self.bias_initializer

        def forget_bias_one(shape: Any, dtype: Any = None) -> Tensor:
            # A forget gate open at the start lets gradients through long sequences
            # (Jozefowicz et al., 2015): bias blocks [init, 1, init, init].
            return concat([init((units,), dtype=dtype), ones((units,), dtype),
                           init((2 * units,), dtype=dtype)], axis=0)
        return forget_bias_one

    def _step(self, xw_t: Tensor, states: list, consts: tuple) -> tuple:
        h, c = states
        z_i, z_f, z_c, z_o = split(ew.add(xw_t, matmul(h, consts[0])), 4, axis=1)
        gate = self.recurrent_activation
        c = ew.add(ew.multiply(gate(z_f), c), ew.multiply(gate(z_i), self.activation(z_c)))
        h = ew.multiply(gate(z_o), self.activation(c))
        return h, [h, c]

    def get_config(self) -> dict:
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "unit_forget_bias": self.unit_forget_bias, "seed": self.seed}


@keras_class
class GRU(_RNN):
    """Gated recurrent unit (Cho et al., 2014), Keras 3's ``reset_after=True`` form.

    With ``x_t W + b_in`` split into blocks (x_z, x_r, x_h) and ``h_{t-1} U + b_rec`` into
    (u_z, u_r, u_h), gate order z, r, h::

        z = σ(x_z + u_z)   r = σ(x_r + u_r)          (σ: recurrent_activation)
        ĥ = tanh(x_h + r * u_h)                      (reset_after=False: r * h_{t-1} before U)
        h_t = z * h_{t-1} + (1 - z) * ĥ

    Args:
        units, activation, use_bias, return_sequences, return_state, go_backwards, and
            **kwargs: as for :class:`SimpleRNN`.
        recurrent_activation: the gates' σ, default ``"sigmoid"``.
        reset_after: apply r after the recurrent matmul (default True, Keras 3's and
            cuDNN's layout, bias ``(2, 3·units)``: b_in, b_rec); False: bias ``(3·units,)``.

    Example:
        >>> import minitf as tf
        >>> from minitf.keras.layers import GRU
        >>> gru = GRU(3)
        >>> gru(tf.ones([2, 4, 5])).shape
        TensorShape([2, 3])
        >>> [tuple(w.shape) for w in gru.weights]
        [(5, 9), (3, 9), (2, 9)]
    """

    _gates, _cell_name = 3, "gru_cell"

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 reset_after: bool = True, **kwargs: Any) -> None:
        super().__init__(units, activation, use_bias, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)

    def _bias_shape(self) -> tuple:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self) -> Any:
        return self.cell.bias[0] if self.reset_after else self.cell.bias

    def _step_constants(self) -> tuple:
        u, rk = self.units, self.cell.recurrent_kernel
        if not self.reset_after:  # U_zr for the gates, U_h applied to r * h_{t-1}
            return rk[:, :2 * u], rk[:, 2 * u:]
        return rk, (self.cell.bias[1] if self.use_bias else None)

    def _step(self, xw_t: Tensor, states: list, consts: tuple) -> tuple:
        h, gate = states[0], self.recurrent_activation
        x_z, x_r, x_h = split(xw_t, 3, axis=1)
        if self.reset_after:  # h_{t-1} U + b_rec for all three blocks
            hu = matmul(h, consts[0])
            u_z, u_r, u_h = split(hu if consts[1] is None else ew.add(hu, consts[1]), 3, axis=1)
        else:  # only the gates' blocks: U_h multiplies the reset state below
            u_z, u_r = split(matmul(h, consts[0]), 2, axis=1)
        z, r = gate(ew.add(x_z, u_z)), gate(ew.add(x_r, u_r))
        reset = ew.multiply(r, u_h) if self.reset_after else matmul(ew.multiply(r, h), consts[1])
        candidate = self.activation(ew.add(x_h, reset))
        h = ew.add(ew.multiply(z, h), ew.multiply(ew.subtract(1.0, z), candidate))
        return h, [h]

    def get_config(self) -> dict:
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "reset_after": self.reset_after, "seed": self.seed}

"""Symbolic Keras tensors: how ``keras.Input`` and the functional API record a graph.

``keras.Input(shape=(3,))`` returns a :class:`KerasTensor`: a shape and dtype with no
value. Calling a layer on one *records* a :class:`Node` (layer, input tensors, output
tensors) instead of computing, and returns new KerasTensors; ``keras.Model(inputs,
outputs)`` then walks those nodes back from the outputs to the inputs.

To learn the output shape the layer is run once on a small concrete stand-in (zeros,
batch size 2), and the batch axis is reported as ``None``. That is cheap and works for any
layer, including ``Lambda`` layers whose code Keras cannot inspect.

Example:
    >>> import minitf as tf
    >>> x = tf.keras.Input(shape=(3,), name="x")
    >>> y = tf.keras.layers.Dense(4)(x)
    >>> x
    <KerasTensor shape=(None, 3), dtype=float32, sparse=False, ragged=False, name=x>
    >>> y.shape
    (None, 4)
"""

from __future__ import annotations

import itertools
from typing import Any, Optional

from minitf import dtypes as _dtypes
from minitf import nest
from minitf.keras.layer import Layer, _training, unique_name
from minitf.keras.serialization import keras_class
from minitf.tensor import Tensor
from minitf.variables import init_scope

__all__ = ["KerasTensor", "Node", "Input", "InputLayer", "any_symbolic", "symbolic_call"]

# Sizes standing in for unknown dimensions: the batch, and any other unknown axis. An
# output axis of the stand-in size where the input's was unknown is reported unknown.
_STAND_IN_BATCH = 2
_STAND_IN_OTHER = 3
_node_ids = itertools.count()


class KerasTensor:
    """A symbolic tensor: shape (``None`` for the batch), dtype, and where it came from.

    Example:
        >>> import minitf as tf
        >>> t = tf.keras.Input((2, 5))
        >>> t.shape, t.dtype, t.ndim
        ((None, 2, 5), 'float32', 3)
    """

    def __init__(self, shape: Any, dtype: Any = "float32", sparse: bool = False,
                 name: Optional[str] = None) -> None:
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = _dtypes.as_dtype(dtype).name
        self.sparse = sparse
        self.name = name or unique_name("keras_tensor")
        self._keras_history: Optional[tuple] = None  # (layer, node_index, tensor_index)

    @property
    def _shape(self) -> tuple:
        return self.shape

    @property
    def ndim(self) -> int:
        """The rank."""
        return len(self.shape)

    def __repr__(self) -> str:
        return (f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse={self.sparse}, "
                f"ragged=False, name={self.name}>")

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            f"A KerasTensor ({self.name}, shape={self.shape}) is symbolic: it has no value. "
            f"Use it only as the input of Keras layers; to apply a TensorFlow function "
            f"to it, wrap the function in a layer: keras.layers.Lambda(lambda x: tf.fn(x)).")

    def _stand_in(self) -> Tensor:
        from minitf.ops.creation import zeros
        dims = [(_STAND_IN_BATCH if i == 0 else _STAND_IN_OTHER) if d is None else d
                for i, d in enumerate(self.shape)]
        return zeros(dims, self.dtype)

    # Operators record an op layer, so `x * 2` works in functional models as in Keras.
    def _op(self, fn: Any, *args: Any) -> "KerasTensor":
        return _OpLayer(fn)(self, *args)

    def __add__(self, o: Any) -> "KerasTensor":
        return self._op(_binary("add"), o)

    def __radd__(self, o: Any) -> "KerasTensor":
        return _OpLayer(_binary("add", reflected=True))(self, o)

    def __sub__(self, o: Any) -> "KerasTensor":
        return self._op(_binary("subtract"), o)

    def __rsub__(self, o: Any) -> "KerasTensor":
        return _OpLayer(_binary("subtract", reflected=True))(self, o)

    def __mul__(self, o: Any) -> "KerasTensor":
        return self._op(_binary("multiply"), o)

    def __rmul__(self, o: Any) -> "KerasTensor":
        return _OpLayer(_binary("multiply", reflected=True))(self, o)

    def __truediv__(self, o: Any) -> "KerasTensor":
        return self._op(_binary("truediv"), o)

    def __pow__(self, o: Any) -> "KerasTensor":
        return self._op(_binary("pow"), o)

    def __neg__(self) -> "KerasTensor":
        return self._op(_binary("negative"))

    def __getitem__(self, key: Any) -> "KerasTensor":
        return _OpLayer(_GetItem(key))(self)


def _binary(name: str, reflected: bool = False) -> Any:
    from minitf.ops import elementwise as ew
    fn = getattr(ew, name)
    if reflected:
        def reflected_fn(x: Any, y: Any) -> Any:
            return fn(y, x)
        reflected_fn.__name__ = name
        return reflected_fn
    return fn


class _GetItem:
    __name__ = "get_item"

    def __init__(self, key: Any) -> None:
        self.key = key

    def __call__(self, x: Any) -> Any:
        return x[self.key]


class _OpLayer(Layer):
    """A layer applying one TensorFlow op: what operators on KerasTensors record."""

    def __init__(self, fn: Any, **kwargs: Any) -> None:
        super().__init__(name=unique_name(getattr(fn, "__name__", "op")), **kwargs)
        self.fn = fn

    def call(self, *args: Any) -> Any:
        return self.fn(*args)


class Node:
    """One recorded layer call: ``outputs = layer(*args, **kwargs)``.

    Attributes:
        layer: the layer called.
        args, kwargs: the call's arguments (KerasTensors among other values).
        outputs: the output structure of KerasTensors.
        input_tensors: the KerasTensors among the arguments, flattened.
        output_tensors: the outputs, flattened.

    Example:
        >>> import minitf as tf
        >>> x = tf.keras.Input((2,))
        >>> y = tf.keras.layers.Dense(3)(x)
        >>> node = y._keras_history[0]._inbound_nodes[0]
        >>> len(node.input_tensors), node.output_tensors[0] is y
        (1, True)
    """

    def __init__(self, layer: Layer, args: tuple, kwargs: dict, outputs: Any) -> None:
        self.id = next(_node_ids)
        self.layer = layer
        self.args, self.kwargs, self.outputs = args, kwargs, outputs
        self.input_tensors = [t for t in nest.flatten((list(args), kwargs))
                              if isinstance(t, KerasTensor)]
        self.output_tensors = nest.flatten(outputs)

    @property
    def parent_nodes(self) -> list:
        """The nodes that produced this node's inputs."""
        out = []
        for t in self.input_tensors:
            layer, index, _ = t._keras_history
            out.append(layer._inbound_nodes[index])
        return out

    def __repr__(self) -> str:
        return f"<Node {self.layer.name}: {len(self.input_tensors)} in, " \
               f"{len(self.output_tensors)} out>"


def any_symbolic(args: tuple, kwargs: dict) -> bool:
    """True if a KerasTensor is anywhere in the call's arguments.

    Example:
        >>> import minitf as tf
        >>> from minitf.keras.functional import any_symbolic
        >>> any_symbolic(([tf.keras.Input((1,))],), {}), any_symbolic((1.0,), {})
        (True, False)
    """
    for a in args:
        if isinstance(a, KerasTensor):
            return True
        if isinstance(a, (list, tuple, dict)):
            if any(isinstance(t, KerasTensor) for t in nest.flatten(a)):
                return True
    return any(isinstance(t, KerasTensor) for t in nest.flatten(kwargs)) if kwargs else False


def symbolic_call(layer: Layer, args: tuple, kwargs: dict) -> Any:
    """Records ``layer(*args, **kwargs)`` on KerasTensors and returns output KerasTensors.

    Example:
        >>> import minitf as tf
        >>> from minitf.keras.functional import symbolic_call
        >>> symbolic_call(tf.keras.layers.Dense(4), (tf.keras.Input((3,)),), {}).shape
        (None, 4)
    """
    flat_in = [t for t in nest.flatten((list(args), kwargs)) if isinstance(t, KerasTensor)]
    unknown_batch = any(t.shape and t.shape[0] is None for t in flat_in)
    if not layer.built:
        # Build from the symbolic shapes (batch None), as Keras does, not the stand-in's.
        layer._maybe_build(args, kwargs)

    def concrete(x: Any) -> Any:
        return x._stand_in() if isinstance(x, KerasTensor) else x
    c_args = nest.map_structure(concrete, list(args))
    c_kwargs = nest.map_structure(concrete, kwargs)
    token = _training.set(None)
    try:
        with init_scope():
            out = Layer.__call__(layer, *c_args, **c_kwargs)
    finally:
        _training.reset(token)
    layer._losses = []  # penalties computed on the stand-in are not real losses

    unknown_axes = {i for t in flat_in for i, d in enumerate(t.shape) if d is None and i > 0}

    def symbolic(t: Any) -> KerasTensor:
        shape = list(t._shape)
        if unknown_batch and shape:
            shape[0] = None
        for i in unknown_axes:
            if i < len(shape) and shape[i] == _STAND_IN_OTHER:
                shape[i] = None
        return KerasTensor(shape, t._dtype)
    outputs = nest.map_structure(symbolic, out)
    node = Node(layer, args, kwargs, outputs)
    layer._inbound_nodes.append(node)
    for i, t in enumerate(node.output_tensors):
        t._keras_history = (layer, len(layer._inbound_nodes) - 1, i)
    return outputs


@keras_class
class InputLayer(Layer):
    """The layer behind ``keras.Input``: it holds the model's input KerasTensor.

    Args:
        shape: the shape without the batch axis.
        batch_size: an optional fixed batch size.
        dtype: the input dtype (default float32).
        batch_shape: the full shape including the batch axis (instead of ``shape``).
        name: the layer's name (default ``input_layer``).

    Example:
        >>> import minitf as tf
        >>> layer = tf.keras.layers.InputLayer(shape=(3,))
        >>> layer.output.shape
        (None, 3)
    """

    def __init__(self, shape: Any = None, batch_size: Optional[int] = None, dtype: Any = None,
                 sparse: Optional[bool] = None, batch_shape: Any = None,
                 input_tensor: Any = None, optional: bool = False, name: Optional[str] = None,
                 **kwargs: Any) -> None:
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        super().__init__(name=name or unique_name("input_layer"), dtype=dtype, **kwargs)
        if batch_shape is None:
            if shape is None:
                raise ValueError("You must pass a `shape` argument to keras.Input (the shape "
                                 "of one sample, without the batch axis), e.g. Input((3,)).")
            batch_shape = (batch_size,) + tuple(shape)
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        output = KerasTensor(self.batch_shape, self._dtype, name=self.name)  # self.output
        self._inbound_nodes.append(Node(self, (), {}, output))
        output._keras_history = (self, 0, 0)
        self.built = True

    def call(self, inputs: Any) -> Any:
        return inputs

    def get_config(self) -> dict:
        return {"batch_shape": list(self.batch_shape), "dtype": self._dtype,
                "sparse": False, "name": self.name}


def Input(shape: Any = None, batch_size: Optional[int] = None, dtype: Any = None,
          sparse: Optional[bool] = None, batch_shape: Any = None, name: Optional[str] = None,
          tensor: Any = None, optional: bool = False) -> KerasTensor:
    """A symbolic model input: the start of a functional model.

    Args:
        shape: the shape of one sample (no batch axis), e.g. ``(28, 28, 1)``.
        batch_size: an optional fixed batch size.
        dtype: the dtype (default float32).
        batch_shape: the full shape, batch axis included.
        name: a name for the input.

    Example:
        >>> import minitf as tf
        >>> tf.keras.Input(shape=(28, 28, 1)).shape
        (None, 28, 28, 1)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape,
                       name=name)
    return layer.output


def nodes_between(inputs: list, outputs: list) -> list:
    """The nodes from ``inputs`` to ``outputs``, deepest first (Keras's layer order).

    Raises:
        ValueError: when an output depends on a KerasTensor that is not an input.

    Example:
        >>> import minitf as tf
        >>> from minitf.keras.functional import nodes_between
        >>> x = tf.keras.Input((2,))
        >>> y = tf.keras.layers.Dense(1)(x)
        >>> [type(n.layer).__name__ for n in nodes_between([x], [y])]
        ['InputLayer', 'Dense']
    """
    input_ids = {id(t) for t in inputs}
    order: list = []
    visited: set = set()

    def visit(t: KerasTensor) -> None:
        if t._keras_history is None:
            raise ValueError(f"{t} was not produced by a Keras layer; build models from "
                             f"keras.Input() and layer calls.")
        layer, index, _ = t._keras_history
        node = layer._inbound_nodes[index]
        if id(node) in visited:
            return
        visited.add(id(node))
        if id(t) not in input_ids:
            if isinstance(layer, InputLayer):
                raise ValueError(
                    f"Graph disconnected: cannot find {t.name} among the model's inputs "
                    f"{[i.name for i in inputs]}; pass every keras.Input the outputs use.")
            for parent in node.input_tensors:
                visit(parent)
        order.append(node)
    for t in outputs:
        visit(t)
    # Depth: outputs' nodes 0, a producer one deeper than its deepest consumer.
    depth = {id(n): 0 for n in order}
    for node in reversed(order):
        if id(node.output_tensors[0]) in input_ids:
            continue
        for parent in node.input_tensors:
            player, pindex, _ = parent._keras_history
            pnode = player._inbound_nodes[pindex]
            depth[id(pnode)] = max(depth[id(pnode)], depth[id(node)] + 1)
    return sorted(order, key=lambda n: -depth[id(n)])


def run_nodes(nodes: list, inputs: list, values: list) -> dict:
    """Evaluates recorded nodes on real tensors; returns ``{id(KerasTensor): value}``.

    Example:
        >>> import minitf as tf
        >>> from minitf.keras.functional import nodes_between, run_nodes
        >>> x = tf.keras.Input((2,))
        >>> y = tf.keras.layers.Dense(1, kernel_initializer="ones")(x)
        >>> env = run_nodes(nodes_between([x], [y]), [x], [tf.ones([1, 2])])
        >>> env[id(y)].numpy()
        array([[2.]], dtype=float32)
    """
    env = {id(t): v for t, v in zip(inputs, values)}

    def lookup(x: Any) -> Any:
        return env[id(x)] if isinstance(x, KerasTensor) else x
    for node in nodes:
        if isinstance(node.layer, InputLayer):
            continue
        args = nest.map_structure(lookup, list(node.args))
        kwargs = nest.map_structure(lookup, node.kwargs) if node.kwargs else {}
        out = node.layer(*args, **kwargs)
        for t, v in zip(node.output_tensors, nest.flatten(out)):
            env[id(t)] = v
    return env


"""How a layer finds its weights and sub-layers: by walking its attributes.

Keras tracks what a layer holds in assignment order: sub-layers (alone or in lists,
tuples, dicts) and variables. ``weights`` lists the layer's own variables (trainable
ones first), then each sub-layer's, each variable once; a frozen layer
(``trainable=False``) reports all of them as non-trainable.

Example:
    >>> import minitf as tf
    >>> model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    >>> [w.name for w in model.weights], model.count_params()
    (['kernel', 'bias'], 3)
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from minitf.variables import Variable

__all__ = ["WeightTracking"]


class WeightTracking:
    """The weight- and sub-layer-tracking half of ``Layer`` (a mixin).

    Example:
        >>> import minitf as tf
        >>> issubclass(tf.keras.layers.Layer, WeightTracking)
        True
    """

    # -- tracking -------------------------------------------------------------------------
    def _tracked_values(self) -> Iterator[Any]:
        for key, value in vars(self).items():
            if key in self._untracked:
                continue
            if isinstance(value, (WeightTracking, Variable)):
                yield value
            elif isinstance(value, (list, tuple)):
                for v in value:
                    if isinstance(v, (WeightTracking, Variable)):
                        yield v
            elif isinstance(value, dict):
                for v in value.values():
                    if isinstance(v, (WeightTracking, Variable)):
                        yield v

    def _sublayers(self) -> list:
        """Direct sub-layers, in the order they were assigned."""
        seen, out = set(), []
        for v in self._tracked_values():
            if isinstance(v, WeightTracking) and id(v) not in seen and v is not self:
                seen.add(id(v))
                out.append(v)
        return out

    @property
    def _layers(self) -> list:
        return self._sublayers()

    def _flatten_layers(self, include_self: bool = True, recursive: bool = True) -> list:
        """This layer and every layer inside it, depth first, each once."""
        out, seen = [], set()

        def visit(layer: Any) -> None:
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



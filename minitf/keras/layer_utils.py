"""Helpers shared by layers and models: naming, the call context, ``InputSpec``, and
converting inputs and shapes.

Example:
    >>> from minitf.keras.layer_utils import snake_case, map_shapes
    >>> snake_case("BatchNormalization")
    'batch_normalization'
    >>> map_shapes(lambda s: s[1:], [(None, 3), (None, 4)])
    [(3,), (4,)]
"""

from __future__ import annotations

import re
from collections import defaultdict
from contextvars import ContextVar
from typing import Any, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf import nest
from minitf.tensor import Tensor, convert_to_tensor
from minitf.variables import Variable

__all__ = ["InputSpec", "unique_name", "clear_session", "snake_case", "map_shapes"]

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
    """Applies ``fn`` to each shape tuple in a structure (a shape is a leaf, not a list).

    Example:
        >>> from minitf.keras.layer_utils import map_shapes
        >>> map_shapes(len, [(None, 3), (2, 2, 2)])
        [2, 3]
    """
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

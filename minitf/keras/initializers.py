"""``tf.keras.initializers``: how a layer fills a new weight.

An initializer is called as ``init(shape, dtype=...)`` and returns a tensor. Layers also
accept a name (``"he_normal"``) or any callable with that signature — even
``tf.random.normal`` itself, as the seed guide does.

The variance-scaling family keeps activations at a steady scale through depth: for a
kernel with ``fan_in`` inputs and ``fan_out`` outputs, Glorot draws with variance
``2 / (fan_in + fan_out)``, He with ``2 / fan_in``, LeCun with ``1 / fan_in``.

Example:
    >>> import minitf as tf
    >>> init = tf.keras.initializers.Constant(3.0)
    >>> init(shape=(2,)).numpy()
    array([3., 3.], dtype=float32)
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from minitf import dtypes as _dtypes
from minitf.keras.serialization import keras_class
from minitf.ops import random as _random
from minitf.ops.creation import constant, fill, ones, zeros
from minitf.tensor import Tensor

__all__ = ["Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
           "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeNormal",
           "HeUniform", "LecunNormal", "LecunUniform", "Identity", "Orthogonal", "get",
           "serialize", "deserialize"]


def _dtype(dtype: Any) -> _dtypes.DType:
    return _dtypes.float32 if dtype is None else _dtypes.as_dtype(dtype)


def compute_fans(shape: tuple) -> tuple[float, float]:
    """``(fan_in, fan_out)`` of a kernel: a conv kernel ``(kh, kw, in, out)`` counts each
    input channel once per tap.

    Example:
        >>> from minitf.keras.initializers import compute_fans
        >>> compute_fans((3, 3, 4, 8))
        (36.0, 72.0)
    """
    shape = tuple(int(d) for d in shape)
    if len(shape) == 0:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    receptive = math.prod(shape[:-2])
    return float(shape[-2] * receptive), float(shape[-1] * receptive)


class Initializer:
    """Base class: subclasses implement ``__call__(shape, dtype=None)``.

    Example:
        >>> import minitf as tf
        >>> class Twos(tf.keras.initializers.Initializer):
        ...     def __call__(self, shape, dtype=None):
        ...         return tf.fill(shape, 2.0)
        >>> Twos()((2,)).numpy()
        array([2., 2.], dtype=float32)
    """

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(shape, dtype)")

    def get_config(self) -> dict:
        """The constructor arguments, JSON-ready."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> "Initializer":
        """Rebuilds the initializer from :meth:`get_config`."""
        return cls(**config)

    def clone(self) -> "Initializer":
        """A fresh copy with the same configuration."""
        return self.from_config(self.get_config())

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


@keras_class
class Zeros(Initializer):
    """All zeros (the default for biases).

    Example:
        >>> import minitf as tf
        >>> tf.keras.initializers.Zeros()((2,)).numpy()
        array([0., 0.], dtype=float32)
    """

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        return zeros(shape, _dtype(dtype))


@keras_class
class Ones(Initializer):
    """All ones.

    Example:
        >>> import minitf as tf
        >>> tf.keras.initializers.Ones()((2,)).numpy()
        array([1., 1.], dtype=float32)
    """

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        return ones(shape, _dtype(dtype))


@keras_class
class Constant(Initializer):
    """Every element ``value``.

    Example:
        >>> import minitf as tf
        >>> tf.keras.initializers.Constant(0.5)((1,)).numpy()
        array([0.5], dtype=float32)
    """

    def __init__(self, value: float = 0.0) -> None:
        self.value = value

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        return fill(shape, constant(self.value, _dtype(dtype)))

    def get_config(self) -> dict:
        return {"value": self.value}


class _Seeded(Initializer):
    def __init__(self, seed: Optional[int] = None) -> None:
        self.seed = seed

    def get_config(self) -> dict:
        return {"seed": self.seed}


@keras_class
class RandomNormal(_Seeded):
    """Normal draws with ``mean`` and ``stddev`` (default 0.05).

    Example:
        >>> import minitf as tf
        >>> tf.keras.initializers.RandomNormal(stddev=1.0, seed=1)((3,)).shape
        TensorShape([3])
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05,
                 seed: Optional[int] = None) -> None:
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        return _random.normal(shape, self.mean, self.stddev, _dtype(dtype), seed=self.seed)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


@keras_class
class TruncatedNormal(RandomNormal):
    """Normal draws re-drawn beyond two standard deviations.

    Example:
        >>> import minitf as tf
        >>> x = tf.keras.initializers.TruncatedNormal(stddev=1.0)((1000,))
        >>> bool(tf.reduce_max(tf.abs(x)) <= 2.0)
        True
    """

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        return _random.truncated_normal(shape, self.mean, self.stddev, _dtype(dtype),
                                        seed=self.seed)


@keras_class
class RandomUniform(_Seeded):
    """Uniform draws in ``[minval, maxval)`` (default ±0.05).

    Example:
        >>> import minitf as tf
        >>> x = tf.keras.initializers.RandomUniform(0.0, 1.0)((100,))
        >>> bool(tf.reduce_all(x < 1.0))
        True
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05,
                 seed: Optional[int] = None) -> None:
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        return _random.uniform(shape, self.minval, self.maxval, _dtype(dtype), seed=self.seed)

    def get_config(self) -> dict:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


@keras_class
class VarianceScaling(_Seeded):
    """Draws with variance ``scale / n``, where ``n`` is fan_in, fan_out or their mean.

    ``distribution="truncated_normal"`` divides the stddev by 0.8796..., the stddev of a
    unit normal truncated at ±2, so the *truncated* draws have the intended variance.

    Example:
        >>> import minitf as tf
        >>> init = tf.keras.initializers.VarianceScaling(2.0, "fan_in", "uniform")
        >>> x = init((200, 50))
        >>> bool(tf.reduce_max(tf.abs(x)) <= (6.0 / 200) ** 0.5)
        True
    """

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed: Optional[int] = None) -> None:
        super().__init__(seed)
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: {scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode!r}; use fan_in, fan_out or "
                             f"fan_avg.")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError(f"Invalid `distribution` argument: {distribution!r}")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        dtype = _dtype(dtype)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)  # Var(U(-a, a)) = a²/3
            return _random.uniform(shape, -limit, limit, dtype, seed=self.seed)
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(variance) / 0.87962566103423978
            return _random.truncated_normal(shape, 0.0, stddev, dtype, seed=self.seed)
        return _random.normal(shape, 0.0, math.sqrt(variance), dtype, seed=self.seed)

    def get_config(self) -> dict:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


def _preset(name: str, scale: float, mode: str, distribution: str, doc: str) -> type:
    def __init__(self: Any, seed: Optional[int] = None) -> None:
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self: Any) -> dict:
        return {"seed": self.seed}

    cls = type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                          "__doc__": doc, "__module__": __name__})
    return keras_class(cls)


GlorotUniform = _preset("GlorotUniform", 1.0, "fan_avg", "uniform", """Uniform in ±√(6 /
    (fan_in + fan_out)): Keras's default kernel initializer.

    Example:
        >>> import minitf as tf
        >>> x = tf.keras.initializers.GlorotUniform()((3, 5))
        >>> bool(tf.reduce_max(tf.abs(x)) <= (6 / 8) ** 0.5)
        True
    """)
GlorotNormal = _preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal", """Truncated normal
    with stddev √(2 / (fan_in + fan_out)).

    Example:
        >>> import minitf as tf
        >>> tf.keras.initializers.GlorotNormal()((3, 5)).shape
        TensorShape([3, 5])
    """)
HeNormal = _preset("HeNormal", 2.0, "fan_in", "truncated_normal", """Truncated normal with
    stddev √(2 / fan_in): for ReLU networks.

    Example:
        >>> import minitf as tf
        >>> tf.keras.initializers.HeNormal(seed=0)((4, 2)).shape
        TensorShape([4, 2])
    """)
HeUniform = _preset("HeUniform", 2.0, "fan_in", "uniform", """Uniform in ±√(6 / fan_in).

    Example:
        >>> import minitf as tf
        >>> tf.keras.initializers.HeUniform()((4, 2)).shape
        TensorShape([4, 2])
    """)
LecunNormal = _preset("LecunNormal", 1.0, "fan_in", "truncated_normal", """Truncated normal
    with stddev √(1 / fan_in): for SELU networks.

    Example:
        >>> import minitf as tf
        >>> tf.keras.initializers.LecunNormal()((4, 2)).shape
        TensorShape([4, 2])
    """)
LecunUniform = _preset("LecunUniform", 1.0, "fan_in", "uniform", """Uniform in ±√(3 / fan_in).

    Example:
        >>> import minitf as tf
        >>> tf.keras.initializers.LecunUniform()((4, 2)).shape
        TensorShape([4, 2])
    """)


@keras_class
class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only).

    Example:
        >>> import minitf as tf
        >>> tf.keras.initializers.Identity()((2, 2)).numpy()
        array([[1., 0.],
               [0., 1.]], dtype=float32)
    """

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = gain

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        from minitf.ops.linalg import eye
        shape = tuple(shape)
        if len(shape) != 2:
            raise ValueError(f"Identity initializer needs a 2-D shape, got {shape}.")
        out = eye(shape[0], shape[1], dtype=_dtype(dtype))
        return out if self.gain == 1.0 else out * self.gain

    def get_config(self) -> dict:
        return {"gain": self.gain}


@keras_class
class Orthogonal(Initializer):
    """A random orthogonal matrix times ``gain``: the default ``recurrent_initializer``.

    An orthogonal matrix keeps a vector's norm, so over many time steps the recurrent
    kernel alone neither blows the state (or its gradient) up nor shrinks it. A non-square
    matrix has orthonormal rows or columns, whichever are fewer; rank > 2 shapes are drawn
    as ``(prod(shape[:-1]), shape[-1])``. ``seed`` works as for the other initializers.

    Example:
        >>> import numpy as np
        >>> from minitf.keras.initializers import Orthogonal
        >>> q = Orthogonal(seed=1)((3, 3)).numpy()
        >>> bool(np.allclose(q @ q.T, np.eye(3), atol=1e-6))
        True
    """

    def __init__(self, gain: float = 1.0, seed: Optional[int] = None) -> None:
        self.gain, self.seed = gain, seed

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        shape = tuple(int(d) for d in shape)
        if len(shape) < 2:
            raise ValueError(f"The Orthogonal initializer needs a shape of rank >= 2, got "
                             f"{shape}; use e.g. 'zeros' or 'glorot_uniform' for a vector.")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = _random.normal((max(rows, cols), min(rows, cols)), seed=self.seed).numpy()
        # Q of a Gaussian matrix's QR is orthogonal; flipping its columns by sign(diag(R))
        # makes the factorization unique, so Q is uniformly distributed (Mezzadri, 2007).
        q, r = np.linalg.qr(a.astype(np.float64))
        q = q * np.where(np.diag(r) < 0, -1.0, 1.0)
        if rows < cols:
            q = q.T
        return constant(self.gain * q.reshape(shape), _dtype(dtype))

    def get_config(self) -> dict:
        return {"gain": self.gain, "seed": self.seed}


_ALIASES = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_normal": HeNormal, "he_uniform": HeUniform,
    "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform, "identity": Identity,
    "orthogonal": Orthogonal,
    "uniform": RandomUniform, "normal": RandomNormal,
}


def get(identifier: Any) -> Any:
    """An initializer from a name (``"he_normal"`` or ``"HeNormal"``), a config, an
    instance, or any callable ``f(shape, dtype=...)``.

    Example:
        >>> import minitf as tf
        >>> type(tf.keras.initializers.get("glorot_uniform")).__name__
        'GlorotUniform'
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        cls = _ALIASES.get(identifier) or _ALIASES.get(_snake(identifier))
        if cls is None:
            raise ValueError(f"Could not interpret initializer identifier: {identifier!r}. "
                             f"Known names: {sorted(_ALIASES)}.")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")


def _snake(name: str) -> str:
    import re
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def serialize(initializer: Any) -> Any:
    """Keras 3's dict for an initializer (or a function reference).

    Example:
        >>> import minitf as tf
        >>> tf.keras.initializers.serialize(tf.keras.initializers.Ones())["class_name"]
        'Ones'
    """
    from minitf.keras.serialization import serialize_keras_object
    return serialize_keras_object(initializer)


def deserialize(config: Any, custom_objects: Optional[dict] = None) -> Any:
    """The inverse of :func:`serialize`.

    Example:
        >>> import minitf as tf
        >>> tf.keras.initializers.deserialize({"class_name": "Zeros", "config": {}})
        <Zeros>
    """
    from minitf.keras.serialization import deserialize_keras_object
    if isinstance(config, str):
        return get(config)
    return deserialize_keras_object(config, custom_objects)

"""Keras objects to JSON-ready dicts and back, without ever importing code from a file.

Keras 3 describes every object (layer, initializer, loss, optimizer...) as
``{"module": ..., "class_name": ..., "config": {...}, "registered_name": ...}``; a model's
config nests these. minitf writes the same shape. Loading looks class names up in a
*registry* of classes minitf defines (plus ones the user registers or passes as
``custom_objects``) — it never imports a module named in the file, so a tampered file can
name only classes that already exist here.

Example:
    >>> from minitf import keras
    >>> cfg = keras.saving.serialize_keras_object(keras.initializers.Constant(2.0))
    >>> cfg["class_name"], cfg["config"]
    ('Constant', {'value': 2.0})
    >>> keras.saving.deserialize_keras_object(cfg)(shape=[2]).numpy()
    array([2., 2.], dtype=float32)
"""

from __future__ import annotations

import re
from typing import Any, Callable, Optional

__all__ = ["register_keras_serializable", "serialize_keras_object",
           "deserialize_keras_object", "get_registered_object", "keras_class"]

# class name, "keras.family>Name" (two families may share a name: the Identity layer and
# initializer), or "Package>Name" for user classes -> class
_REGISTRY: dict[str, Any] = {}
# The module string Keras writes for each family, by our module name.
_MODULE_NAMES = {
    "minitf.keras.layers": "keras.layers", "minitf.keras.initializers": "keras.initializers",
    "minitf.keras.losses": "keras.losses", "minitf.keras.metrics": "keras.metrics",
    "minitf.keras.optimizers": "keras.optimizers", "minitf.keras.callbacks": "keras.callbacks",
    "minitf.keras.activations": "keras.activations", "minitf.keras.models": "keras.models",
    "minitf.keras.regularizers": "keras.regularizers",
}
# Functions a config may name (activations, loss functions, tf.random.*): looked up as an
# attribute of one of these already-imported modules, never imported by name.
_FUNCTION_MODULES: dict[str, Callable[[], Any]] = {}


def keras_class(cls: Any) -> Any:
    """Registers one of minitf's own Keras classes under its class name (decorator).

    Example:
        >>> from minitf.keras.serialization import get_registered_object
        >>> @keras_class
        ... class DocDemoLayer:
        ...     pass
        >>> get_registered_object("DocDemoLayer") is DocDemoLayer
        True
    """
    _REGISTRY.setdefault(cls.__name__, cls)
    _REGISTRY[f"{_module_name(cls)}>{cls.__name__}"] = cls
    return cls


def register_keras_serializable(package: str = "Custom", name: Optional[str] = None
                                ) -> Callable[[Any], Any]:
    """Registers a user class so configs (and ``.keras`` files) can name it.

    Example:
        >>> from minitf import keras
        >>> @keras.saving.register_keras_serializable(package="Demo")
        ... class Twice(keras.layers.Layer):
        ...     def call(self, x):
        ...         return 2 * x
        >>> keras.saving.get_registered_object("Demo>Twice") is Twice
        True
    """
    def register(obj: Any) -> Any:
        key = f"{package}>{name or obj.__name__}"
        _REGISTRY[key] = obj
        obj._registered_name = key
        return obj
    return register


def get_registered_object(name: str, custom_objects: Optional[dict] = None) -> Any:
    """The class or function registered as ``name`` (custom objects first), or None.

    Example:
        >>> from minitf import keras
        >>> keras.saving.get_registered_object("Dense") is keras.layers.Dense
        True
    """
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    return _REGISTRY.get(name)


def _module_name(obj: Any) -> str:
    module = getattr(obj, "__module__", "") or ""
    for ours, keras_name in _MODULE_NAMES.items():
        if module == ours or module.startswith(ours + "."):
            return keras_name
    return module


def serialize_keras_object(obj: Any) -> Any:
    """A JSON-ready description of ``obj`` (Keras 3's format).

    Example:
        >>> from minitf import keras
        >>> keras.saving.serialize_keras_object(keras.activations.relu)
        'relu'
    """
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(o) for o in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if hasattr(obj, "get_config") and not isinstance(obj, type):
        cls = type(obj)
        # Only a class registered under its own key keeps a registered name (a subclass
        # inherits the attribute but is not what the registry maps that key to).
        registered = vars(cls).get("_registered_name")
        return {"module": _module_name(cls), "class_name": cls.__name__,
                "config": obj.get_config(), "registered_name": registered}
    if callable(obj):
        from minitf.keras import activations
        name = getattr(obj, "__name__", None)
        if name and getattr(activations, name, None) is obj and _module_name(obj) == \
                "keras.activations":
            return name
        return {"module": _module_name(obj), "class_name": "function", "config": name,
                "registered_name": name}
    raise TypeError(f"Cannot serialize {obj!r}: it has no get_config() and is not a function.")


def _lookup_function(module: str, name: str, custom_objects: Optional[dict]) -> Any:
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in _REGISTRY:
        return _REGISTRY[name]
    import minitf
    from minitf import keras
    # Only attributes of modules minitf has already imported: never an import by name.
    allowed = {"keras.activations": keras.activations, "keras.losses": keras.losses,
               "keras.metrics": keras.metrics, "keras.initializers": keras.initializers,
               "minitf.random": minitf.random, "minitf.ops.random": minitf.random,
               "minitf.nn": minitf.nn, "minitf.math": minitf.math}
    mod = allowed.get(module)
    fn = getattr(mod, name, None) if mod is not None and re.fullmatch(r"\w+", name) else None
    if fn is None or not callable(fn):
        raise ValueError(
            f"Could not locate function {name!r} (module {module!r}). minitf only loads "
            f"functions it defines; pass your own as custom_objects={{{name!r}: fn}} or "
            f"register it with keras.saving.register_keras_serializable().")
    return fn


def deserialize_keras_object(config: Any, custom_objects: Optional[dict] = None,
                             module_objects: Optional[dict] = None) -> Any:
    """Rebuilds an object from :func:`serialize_keras_object`'s output.

    Raises:
        ValueError: naming the class when it is not known (register it or pass it in
            ``custom_objects``).

    Example:
        >>> from minitf import keras
        >>> keras.saving.deserialize_keras_object(
        ...     {"class_name": "Dense", "config": {"units": 2}}).units
        2
    """
    if config is None or isinstance(config, (int, float, bool)):
        return config
    if isinstance(config, str):
        if module_objects and config in module_objects:
            return module_objects[config]
        return _lookup_function("keras.activations", config, custom_objects)
    if isinstance(config, list):
        return [deserialize_keras_object(c, custom_objects, module_objects) for c in config]
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Not a serialized Keras object: {config!r}")
    class_name = config["class_name"]
    if class_name == "function":
        return _lookup_function(config.get("module", ""), config["config"], custom_objects)
    # A user class by its registered name; else the family ("keras.layers>Identity", which
    # tells apart classes sharing a name); else the bare class name.
    candidates = [config.get("registered_name"),
                  f"{config['module']}>{class_name}" if config.get("module") else None,
                  class_name]
    cls = next((found for found in (get_registered_object(c, custom_objects)
                                    for c in candidates if c) if found is not None), None)
    if cls is None and module_objects:
        cls = module_objects.get(class_name)
    if cls is None:
        raise ValueError(
            f"Unknown class {class_name!r} in a Keras config. If it is your own class, "
            f"decorate it with @keras.saving.register_keras_serializable() or pass "
            f"custom_objects={{{class_name!r}: {class_name}}}.")
    inner = config.get("config", {})
    if hasattr(cls, "from_config"):
        if _takes_custom_objects(cls.from_config):
            return cls.from_config(inner, custom_objects=custom_objects)
        return cls.from_config(inner)
    return cls(**inner)


def _takes_custom_objects(fn: Any) -> bool:
    import inspect
    try:
        return "custom_objects" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False

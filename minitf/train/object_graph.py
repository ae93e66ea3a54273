"""The object graph: which objects a checkpoint saves, and under which names.

A checkpoint does not store variables by their ``name`` (two variables may share one);
it stores them by *path* from the root object, exactly as TensorFlow does:
``Checkpoint(model=m)`` with ``m.sub.v`` saves the key
``model/sub/v/.ATTRIBUTES/VARIABLE_VALUE``. Restoring walks the same paths in the live
objects, so a checkpoint restores into any object tree of the same shape.

Children of an object (TF's order and names):

* a Variable has none (it is a leaf holding a value);
* an object with a ``_checkpoint_children()`` method lists its own (Keras layers,
  optimizers, ``Checkpoint`` itself);
* a list or tuple names its elements ``"0"``, ``"1"``...; a dict by its keys;
* any other object (``tf.Module`` and plain classes) by its attributes, in the order they
  were set, keeping those that hold something trackable.

Example:
    >>> import minitf as tf
    >>> from minitf.train.object_graph import variable_keys
    >>> class M(tf.Module):
    ...     def __init__(self):
    ...         self.w = tf.Variable(1.0)
    >>> list(variable_keys({"model": M()}))
    ['model/w/.ATTRIBUTES/VARIABLE_VALUE']
"""

from __future__ import annotations

from typing import Any, Iterator

from minitf.variables import Variable

__all__ = ["alias_keys", "children", "is_trackable", "variable_keys", "VALUE_SUFFIX"]

VALUE_SUFFIX = ".ATTRIBUTES/VARIABLE_VALUE"
_SKIP_ATTRIBUTES = {"_name", "_name_scope", "_scope_name", "__dict__"}


def is_trackable(obj: Any, _depth: int = 0) -> bool:
    """Whether ``obj`` is, or contains, something a checkpoint saves."""
    if isinstance(obj, Variable):
        return True
    if _depth > 50:
        return False
    if hasattr(type(obj), "_checkpoint_children"):
        return True
    if isinstance(obj, (list, tuple)):
        return any(is_trackable(v, _depth + 1) for v in obj)
    if isinstance(obj, dict):
        return any(is_trackable(v, _depth + 1) for v in obj.values())
    from minitf.core.interpreters import _Tensor
    if isinstance(obj, (_Tensor, str, bytes, int, float, bool, type(None))) or callable(obj) \
            and not hasattr(obj, "__dict__"):
        return False
    module_cls = _module_class()
    return module_cls is not None and isinstance(obj, module_cls)


def _module_class() -> Any:
    try:
        from minitf.module import Module
        return Module
    except ImportError:
        return None


def children(obj: Any) -> dict:
    """The named trackable children of ``obj`` (see the module docstring)."""
    if isinstance(obj, Variable):
        return {}
    own = getattr(type(obj), "_checkpoint_children", None)
    if own is not None:
        return {k: v for k, v in own(obj).items() if is_trackable(v)}
    if isinstance(obj, (list, tuple)):
        return {str(i): v for i, v in enumerate(obj) if is_trackable(v)}
    if isinstance(obj, dict):
        return {str(k): v for k, v in obj.items() if is_trackable(v)}
    attrs = getattr(obj, "__dict__", None)
    if attrs is None:
        return {}
    return {k: v for k, v in attrs.items()
            if k not in _SKIP_ATTRIBUTES and not k.startswith("__") and is_trackable(v)}


def walk(root: Any, every_variable_path: bool = False) -> Iterator[tuple[str, Any]]:
    """Yields ``(path, object)`` for every object under ``root`` (each object once, or
    each variable once per path that reaches it with ``every_variable_path``)."""
    seen: set = set()
    stack = [("", root)]
    while stack:
        path, obj = stack.pop()
        if id(obj) in seen and not isinstance(obj, (list, tuple, dict)) and not (
                every_variable_path and isinstance(obj, Variable)):
            continue
        seen.add(id(obj))
        yield path, obj
        for name, child in reversed(list(children(obj).items())):
            stack.append((f"{path}/{name}" if path else name, child))


def variable_keys(root: Any) -> dict:
    """``checkpoint key -> Variable`` for every variable reachable from ``root``.

    A variable reachable by two paths is saved once, under the first path found.
    """
    # BEGIN SOLUTION persistence: checkpoint keys of variables; spec: tests/test_checkpoint.py
    out: dict = {}
    seen: set = set()
    for path, obj in walk(root):
        if isinstance(obj, Variable):
            target = getattr(obj, "_parent", obj)
            if id(target) in seen:
                continue
            seen.add(id(target))
            out[f"{path}/{VALUE_SUFFIX}"] = target
    return out
    # END SOLUTION


def alias_keys(root: Any, keys: dict) -> dict:
    """``other key -> saved key`` for every further path that reaches a saved variable.

    ``ckpt.mapped = {"two": ckpt.listed[1]}`` saves the variable once, as
    ``listed/1/...``; the alias ``mapped/two/...`` lets a restore that only has
    ``mapped`` find it (TensorFlow's object graph records such shared objects too).

    Example:
        >>> import minitf as tf
        >>> v = tf.Variable(1.0)
        >>> tree = {"listed": [v], "mapped": {"one": v}}
        >>> alias_keys(tree, variable_keys(tree))
        {'mapped/one/.ATTRIBUTES/VARIABLE_VALUE': 'listed/0/.ATTRIBUTES/VARIABLE_VALUE'}
    """
    saved = {id(v): k for k, v in keys.items()}
    out: dict = {}
    for path, obj in walk(root, every_variable_path=True):
        if isinstance(obj, Variable):
            key = f"{path}/{VALUE_SUFFIX}"
            canonical = saved.get(id(getattr(obj, "_parent", obj)))
            if canonical is not None and canonical != key:
                out[key] = canonical
    return out

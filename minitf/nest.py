"""``tf.nest``: flatten and rebuild nested structures of lists, tuples, dicts.

Dicts are flattened in sorted key order and namedtuples keep their type, as in
TensorFlow. ``None`` is a leaf, like any other non-sequence.

Example:
    >>> import minitf as tf
    >>> tf.nest.flatten({"b": [1, 2], "a": 3})
    [3, 1, 2]
    >>> tf.nest.pack_sequence_as({"b": [0, 0], "a": 0}, [3, 1, 2])  # keys keep their order
    {'b': [1, 2], 'a': 3}
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

__all__ = ["is_nested", "flatten", "pack_sequence_as", "map_structure", "assert_same_structure"]


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def is_nested(x: Any) -> bool:
    """True for lists, tuples and dicts (the containers nest looks into).

    Example:
        >>> import minitf as tf
        >>> tf.nest.is_nested([1]), tf.nest.is_nested(1)
        (True, False)
    """
    return isinstance(x, (list, tuple, dict))


def _sorted_keys(d: dict) -> list:
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def _children(x: Any) -> Iterator[Any]:
    if isinstance(x, dict):
        return (x[k] for k in _sorted_keys(x))
    return iter(x)


def flatten(structure: Any, expand_composites: bool = False) -> list:
    """The leaves of ``structure`` in order (dict values by sorted key).

    Example:
        >>> import minitf as tf
        >>> tf.nest.flatten(((1, 2), [3]))
        [1, 2, 3]
    """
    out: list = []
    _flatten_into(structure, out)
    return out


def _flatten_into(x: Any, out: list) -> None:
    if isinstance(x, (list, tuple, dict)):
        for child in _children(x):
            _flatten_into(child, out)
    else:
        out.append(x)


def _pack(structure: Any, leaves: Iterator[Any]) -> Any:
    if isinstance(structure, dict):
        values = {k: _pack(structure[k], leaves) for k in _sorted_keys(structure)}
        return type(structure)((k, values[k]) for k in structure) \
            if type(structure) is not dict else {k: values[k] for k in structure}
    if _is_namedtuple(structure):
        return type(structure)(*[_pack(c, leaves) for c in structure])
    if isinstance(structure, (list, tuple)):
        return type(structure)(_pack(c, leaves) for c in structure)
    return next(leaves)


def pack_sequence_as(structure: Any, flat_sequence: list, expand_composites: bool = False) -> Any:
    """Rebuilds ``structure`` with the leaves taken from ``flat_sequence``.

    Raises:
        ValueError: if the number of leaves differs.

    Example:
        >>> import minitf as tf
        >>> tf.nest.pack_sequence_as((0, [0]), ["a", "b"])
        ('a', ['b'])
    """
    flat = list(flat_sequence)
    n = len(flatten(structure))
    if n != len(flat):
        raise ValueError(f"Structure had {n} elements, but flat_sequence had {len(flat)} "
                         f"elements. Structure: {structure!r}.")
    return _pack(structure, iter(flat))


def map_structure(func: Callable[..., Any], *structures: Any, **kwargs: Any) -> Any:
    """Applies ``func`` leafwise to one or more structures of the same shape.

    Example:
        >>> import minitf as tf
        >>> tf.nest.map_structure(lambda a, b: a + b, (1, [2]), (10, [20]))
        (11, [22])
    """
    if not structures:
        raise ValueError("map_structure needs at least one structure")
    for other in structures[1:]:
        assert_same_structure(structures[0], other)
    flats = [flatten(s) for s in structures]
    return pack_sequence_as(structures[0], [func(*args) for args in zip(*flats)])


def assert_same_structure(nest1: Any, nest2: Any, check_types: bool = True,
                          expand_composites: bool = False) -> None:
    """Raises ValueError/TypeError if two structures differ in nesting.

    Example:
        >>> import minitf as tf
        >>> tf.nest.assert_same_structure([1, (2,)], [3, (4,)])
    """
    if is_nested(nest1) != is_nested(nest2):
        raise ValueError(f"The two structures don't have the same nested structure.\n\n"
                         f"First structure: {nest1!r}\n\nSecond structure: {nest2!r}")
    if not is_nested(nest1):
        return
    if check_types and type(nest1) is not type(nest2):
        raise TypeError(f"The two structures don't have the same sequence type. First "
                        f"structure has type {type(nest1)}, while second structure has type "
                        f"{type(nest2)}.")
    if isinstance(nest1, dict):
        if set(nest1) != set(nest2):
            raise ValueError(f"The two dictionaries don't have the same set of keys: "
                             f"{sorted(map(str, nest1))} vs {sorted(map(str, nest2))}")
    if len(nest1) != len(nest2):
        raise ValueError(f"The two structures don't have the same number of elements: "
                         f"{len(nest1)} vs {len(nest2)}.\n\nFirst structure: {nest1!r}\n\n"
                         f"Second structure: {nest2!r}")
    for a, b in zip(_children(nest1), _children(nest2)):
        assert_same_structure(a, b, check_types)

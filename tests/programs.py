"""Interpreters for the small programs of ``tests.strategies.programs``.

``run_minitf`` runs a program with minitf ops (eagerly, or traced when called inside
``tf.function``); ``run_numpy`` runs the same program with NumPy, the reference.

Example:
    >>> import numpy as np
    >>> run_numpy([("add", 0, 1, 0.5)], [np.ones(2), np.ones(2)])
    array([2., 2.])
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import minitf as tf


def _mt_unary(op: str, x: Any) -> Any:
    if op == "neg":
        return -x
    if op == "sin":
        return tf.sin(x)
    if op == "cos":
        return tf.cos(x)
    if op == "tanh":
        return tf.tanh(x)
    if op == "square":
        return tf.square(x)
    if op == "abs":
        return tf.abs(x)
    if op == "exp_tanh":
        return tf.exp(tf.tanh(x))
    if op == "sum_keep":
        return x - tf.reduce_mean(x, axis=-1, keepdims=True)
    raise ValueError(op)


def _np_unary(op: str, x: np.ndarray) -> np.ndarray:
    return {"neg": lambda: -x, "sin": lambda: np.sin(x), "cos": lambda: np.cos(x),
            "tanh": lambda: np.tanh(x), "square": lambda: x * x, "abs": lambda: np.abs(x),
            "exp_tanh": lambda: np.exp(np.tanh(x)),
            "sum_keep": lambda: x - x.mean(axis=-1, keepdims=True)}[op]()


def run_minitf(program: Sequence[tuple], inputs: Sequence[Any]) -> Any:
    """The program's last value, computed with minitf ops."""
    values = list(inputs)
    for op, i, j, c in program:
        a, b = values[i], values[j]
        if op == "add":
            out = a + b
        elif op == "sub":
            out = a - b
        elif op == "mul":
            out = a * b
        elif op == "maximum":
            out = tf.maximum(a, b)
        elif op == "where_gt":
            out = tf.where(a > b, a, b * 0.5)
        elif op == "add_row":
            out = a + b[..., :1]
        elif op == "mul_const":
            out = a * c
        elif op == "add_const":
            out = c + a
        else:
            out = _mt_unary(op, a)
        values.append(out)
    return values[-1]


def run_numpy(program: Sequence[tuple], inputs: Sequence[np.ndarray]) -> np.ndarray:
    """The program's last value, computed with NumPy."""
    values = list(inputs)
    for op, i, j, c in program:
        a, b = values[i], values[j]
        out = {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b,
               "maximum": lambda: np.maximum(a, b),
               "where_gt": lambda: np.where(a > b, a, b * 0.5),
               "add_row": lambda: a + b[..., :1], "mul_const": lambda: a * c,
               "add_const": lambda: c + a}.get(op)
        values.append(out() if out is not None else _np_unary(op, a))
    return values[-1]

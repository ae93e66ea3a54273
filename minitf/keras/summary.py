"""``model.summary()``: Keras 3's table, drawn with the same box characters and widths.

Keras draws the table with the ``rich`` library at ``min(88, terminal columns - 4)``
characters (76 on an 80-column or non-terminal output); column boundaries sit at 45% and
80% of that (or 30/56/74% with a "Connected to" column for branching functional models).
rich then shrinks the padded columns to fit, taking ``round(excess / columns left)``
from each in turn, and wraps cell text at spaces. This module reproduces that layout in
plain text.

Example:
    >>> from minitf.keras.summary import column_widths
    >>> column_widths(76, [0.45, 0.80, 1.0])
    [33, 24, 15]
"""

from __future__ import annotations

import shutil
import textwrap
from typing import Any, Callable, Optional

import numpy as np

__all__ = ["print_summary", "column_widths"]


def column_widths(line_length: int, positions: list) -> list:
    """Each column's width including its one-space padding on both sides.

    Example:
        >>> column_widths(76, [0.3, 0.56, 0.74, 1.0])
        [21, 19, 12, 19]
    """
    widths, current = [], 0
    for pos in positions:
        w = int(pos * line_length) - current
        widths.append(w + 2)
        current += w
    available = line_length - (len(widths) + 1)  # the vertical borders
    excess = sum(widths) - available
    if excess > 0:  # rich's ratio_reduce with equal ratios
        remaining, n = excess, len(widths)
        for i in range(len(widths)):
            cut = round(remaining / n)
            widths[i] -= cut
            remaining -= cut
            n -= 1
    return widths


def _wrap(text: str, width: int) -> list:
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def _shape_text(layer: Any) -> str:
    nodes = getattr(layer, "_inbound_nodes", [])
    shapes = None
    if nodes:
        shapes = [t.shape for t in nodes[-1].output_tensors]
    elif getattr(layer, "_seen_output_shapes", None) is not None:
        shapes = layer._seen_output_shapes
    if not shapes:
        return "?"
    if len(shapes) == 1:
        return _fmt(shapes[0])
    return "[" + ", ".join(_fmt(s) for s in shapes) + "]"


def _fmt(shape: tuple) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")"  # Keras: "(None)" for rank 1


def _memory(weights: list) -> float:
    seen: dict = {}
    for w in weights:
        seen[id(w)] = w
    return float(sum(int(np.prod(w.shape)) * w.dtype.size for w in seen.values()))


def _readable(nbytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if nbytes / 1024 < 1:
            return f"{nbytes:.2f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.2f} PB"


def _count(weights: list) -> int:
    return int(sum(int(np.prod(w.shape)) for w in {id(w): w for w in weights}.values()))


def _is_sequential_like(model: Any) -> bool:
    nodes = getattr(model, "_functional_nodes", None)
    if nodes is None:
        return True
    if sum(1 for n in nodes if not n.input_tensors) > 1:
        return False  # several inputs
    if len(model._functional_outputs) > 1:
        return False
    layer_ids = [id(n.layer) for n in nodes]
    return all(len(n.input_tensors) <= 1 for n in nodes) and len(set(layer_ids)) == \
        len(layer_ids)


def _connections(layer: Any, nodes: list) -> str:
    node_ids = {id(n) for n in nodes}
    parts = []
    for node in layer._inbound_nodes:
        if id(node) not in node_ids:
            continue
        for t in node.input_tensors:
            src, node_index, tensor_index = t._keras_history
            parts.append(f"{src.name}[{node_index}][{tensor_index}]")
    return ", ".join(parts) or "-"


def print_summary(model: Any, line_length: Optional[int] = None,
                  positions: Optional[list] = None, print_fn: Optional[Callable] = None,
                  expand_nested: bool = False, show_trainable: bool = False) -> None:
    """Prints ``model``'s summary table (see the module docstring for the layout).

    Example:
        >>> import minitf as tf
        >>> lines = []
        >>> model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
        >>> print_summary(model, print_fn=lines.append)
        >>> lines[0].splitlines()[-1]
        ' Non-trainable params: 0 (0.00 B)'
    """
    sequential_like = _is_sequential_like(model)
    if sequential_like:
        default, positions = 88, positions or [0.45, 0.80, 1.0]
        header, align = ["Layer (type)", "Output Shape", "Param #"], "<<>"
    else:
        default, positions = 108, positions or [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        align = "<<><"
    line_length = line_length or min(default, shutil.get_terminal_size().columns - 4)
    widths = column_widths(line_length, positions)
    nodes = getattr(model, "_functional_nodes", None) or []

    def row_lines(cells: list) -> list:
        wrapped = [_wrap(c, w - 2) for c, w in zip(cells, widths)]
        height = max(len(w) for w in wrapped)
        lines = []
        for i in range(height):
            parts = []
            for col, (lines_, w) in enumerate(zip(wrapped, widths)):
                text = lines_[i] if i < len(lines_) else ""
                parts.append(" " + (text.rjust(w - 2) if align[col] == ">" else
                                    text.ljust(w - 2)) + " ")
            lines.append(parts)
        return lines

    def rule(left: str, fill: str, mid: str, right: str) -> str:
        return left + mid.join(fill * w for w in widths) + right

    out = [f'Model: "{model.name}"', rule("┏", "━", "┳", "┓")]
    out += ["┃" + "┃".join(p) + "┃" for p in row_lines(header)]
    out.append(rule("┡", "━", "╇", "┩"))
    rows = []
    for layer in model.layers:
        name = f"{layer.name} ({type(layer).__name__})"
        if not layer.built:
            params = "0 (unbuilt)"
        else:
            params = f"{layer.count_params():,}"
        cells = [name, _shape_text(layer), params]
        if not sequential_like:
            cells.append(_connections(layer, nodes))
        rows.append(row_lines(cells))
    for i, lines in enumerate(rows):
        out += ["│" + "│".join(p) + "│" for p in lines]
        out.append(rule("├", "─", "┼", "┤") if i < len(rows) - 1 else
                   rule("└", "─", "┴", "┘"))
    if not rows:
        out.append(rule("└", "─", "┴", "┘"))
    trainable, non_trainable = model.trainable_weights, model.non_trainable_weights
    optimizer = getattr(model, "optimizer", None)
    opt_vars = optimizer.variables if getattr(model, "compiled", False) and optimizer is not \
        None and optimizer.built else None
    total_count = _count(trainable) + _count(non_trainable) + (_count(opt_vars) if opt_vars
                                                               else 0)
    total_mem = _memory(trainable) + _memory(non_trainable) + (_memory(opt_vars) if opt_vars
                                                               else 0)
    out.append(f" Total params: {total_count:,} ({_readable(total_mem)})")
    out.append(f" Trainable params: {_count(trainable):,} ({_readable(_memory(trainable))})")
    out.append(f" Non-trainable params: {_count(non_trainable):,} "
               f"({_readable(_memory(non_trainable))})")
    if opt_vars is not None:
        out.append(f" Optimizer params: {_count(opt_vars):,} ({_readable(_memory(opt_vars))})")
    text = "\n".join(out)
    if print_fn is None:
        print(text)
    else:
        print_fn(text)

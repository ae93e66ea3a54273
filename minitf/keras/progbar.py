"""``keras.utils.Progbar``: the progress line ``fit`` and ``evaluate`` print.

With ``verbose=1`` the line is redrawn in place (carriage return) at most every 0.05 s::

    5/7 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - loss: 1.2345

showing steps done, a bar, the ETA (the elapsed time once finished), the time per step
(ignoring the slow first step once there are others), and the logs. With ``verbose=2``
only the final line is printed: ``7/7 - 0s - 2ms/step - loss: 1.2345``. The characters are
Keras 3's (bold step count, green done / white remaining bar, ANSI codes).

Example:
    >>> from minitf.keras.progbar import Progbar
    >>> bar = Progbar(2, verbose=2)
    >>> bar.update(1, [("loss", 0.5)])
    >>> bar.update(2, [("loss", 0.25)])  # doctest: +ELLIPSIS
    2/2 - 0s - ...s/step - loss: 0.2500
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any, Optional

__all__ = ["Progbar"]


def _format_value(v: float, signed: bool = True) -> str:
    # Keras prints 4 decimals, switching to scientific notation for tiny values.
    if (abs(v) if signed else v) > 1e-3:
        return f"{v:.4f}"
    return f"{v:.4e}"


def format_time_per_unit(seconds: float, unit: str) -> str:
    """``" 12ms/step"``: seconds, milliseconds or microseconds, as Keras prints it.

    Example:
        >>> from minitf.keras.progbar import format_time_per_unit
        >>> format_time_per_unit(0.0123, "step")
        ' 12ms/step'
    """
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f" {seconds * 1000:.0f}ms/{unit}"
    return f" {seconds * 1e6:.0f}us/{unit}"


class Progbar:
    """A progress bar for ``target`` steps (None when the count is unknown).

    Args:
        target: the total number of steps, or None.
        width: the bar's width in characters (20).
        verbose: 1 redraws the line, 2 prints one line when finished, 0 is silent.
        interval: the minimum seconds between redraws (0.05).
        unit_name: ``"step"``.

    Example:
        >>> from minitf.keras.progbar import Progbar
        >>> Progbar(10).target
        10
    """

    def __init__(self, target: Optional[int], width: int = 20, verbose: int = 1,
                 interval: float = 0.05, stateful_metrics: Any = None,
                 unit_name: str = "step") -> None:
        self.target, self.width, self.verbose = target, width, verbose
        self.interval, self.unit_name = interval, unit_name
        self._values: dict = {}
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step: Optional[float] = None
        self._prev_width = 0
        self._seen = 0

    def _step_time(self, current: int, now: float) -> float:
        if not current:
            return 0.0
        # The first step pays for tracing; once there are more, leave it out.
        if self._time_after_first_step is not None and current > 1:
            per = (now - self._time_after_first_step) / (current - 1)
        else:
            per = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per

    def update(self, current: int, values: Optional[list] = None,
               finalize: Optional[bool] = None) -> None:
        """Shows ``current`` steps done with ``values`` (name, value) as the logs."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for k, v in values or []:
            self._values[k] = v  # logs are already running averages: shown as they are
        self._seen = current
        now = time.time()
        per_step = self._step_time(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._draw(current, now, per_step, finalize)
        elif self.verbose == 2 and finalize and self.target:
            digits = int(math.log10(self.target)) + 1
            line = f"{current:{digits}d}/{self.target} - {now - self._start:.0f}s -"
            line += format_time_per_unit(per_step, self.unit_name)
            for k, v in self._values.items():
                line += f" - {k}: {_format_value(float(v), signed=False)}"
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        self._last_update = now

    def _draw(self, current: int, now: float, per_step: float, finalize: bool) -> None:
        message = "\b" * self._prev_width + "\r"
        invisible = 0  # characters of ANSI codes, not counted in the visible width
        if self.target:
            digits = int(math.log10(self.target)) + 1
            bar = f"\x1b[1m{current:{digits}d}/{self.target}\x1b[0m "
            invisible += 8
            done = int(self.width * current / self.target)
            if done > 0:
                bar += f"\x1b[32m{'━' * done}\x1b[0m"
                invisible += 9
            bar += f"\x1b[37m{'━' * (self.width - done)}\x1b[0m"
            invisible += 9
        else:
            bar = f"{current:7d}/Unknown"
        if self.target and not finalize:
            eta = per_step * (self.target - current)
            if eta > 3600:
                eta_text = f"{int(eta // 3600)}:{int(eta % 3600 // 60):02d}:{int(eta % 60):02d}"
            elif eta > 60:
                eta_text = f"{int(eta // 60)}:{int(eta % 60):02d}"
            else:
                eta_text = f"{int(eta)}s"
            info = f" \x1b[1m{eta_text}\x1b[0m"
        else:
            info = f" \x1b[1m{now - self._start:.0f}s\x1b[0m"
        invisible += 8
        info += format_time_per_unit(per_step, self.unit_name)
        for k, v in self._values.items():
            info += f" - {k}: {_format_value(float(v))}"
        width = len(bar) + len(info) - invisible
        message += bar + info
        if self._prev_width > width:
            message += " " * (self._prev_width - width)
        if finalize:
            message += "\n"
        sys.stdout.write(message)
        sys.stdout.flush()
        self._prev_width = width

    def add(self, n: int, values: Optional[list] = None) -> None:
        """Advances by ``n`` steps."""
        self.update(self._seen + n, values)

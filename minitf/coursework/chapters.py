"""The chapters of the course, their order of prerequisites, and which tests grade each.

Every chapter is a pytest marker (registered in ``pyproject.toml``); a test file carries
the markers of the chapters it specifies (``pytestmark = pytest.mark.autodiff``). A test
that needs several chapters carries all of them.

A test can only pass once every chapter it needs is implemented, so it is graded in a
chapter only when it is not also marked with a chapter that *builds on* that one: a test
marked ``tensors`` and ``keras`` (the basics tutorial) counts for keras, not for tensors.
That is why grading a chapter selects ``-m "tensors and not (autodiff or ...)"`` rather
than ``-m tensors``.

Example:
    >>> from minitf.coursework.chapters import prerequisites, selection
    >>> prerequisites("keras")
    ('tensors', 'autodiff', 'graphs', 'modules', 'persistence', 'data')
    >>> selection("distribute")
    'distribute'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

__all__ = ["Chapter", "CHAPTERS", "NAMES", "chapter", "prerequisites", "dependents",
           "selection", "graded_in"]


@dataclass(frozen=True)
class Chapter:
    """One chapter: its marker name, what it covers, and the chapters it builds on.

    Attributes:
        name: the pytest marker and the name used on the command line.
        title: what the student implements, in a few words.
        after: the chapters it builds on directly (their code is called by this one's
            tests).

    Example:
        >>> from minitf.coursework.chapters import chapter
        >>> chapter("autodiff").after
        ('tensors',)
    """

    name: str
    title: str
    after: tuple = ()


# In teaching order. `after` is what the code really calls (measured by recording which
# regions each test runs): Dataset.map traces its function (graphs); keras saves models
# (persistence) and fit reads tf.data batches (data); the GPU backend fuses traced
# graphs and differentiates on the device (graphs).
CHAPTERS: tuple = (
    Chapter("tensors", "dtypes, tensors, broadcasting, ops and their shape rules"),
    Chapter("autodiff", "GradientTape: recording, the backward pass, the VJP rules",
            ("tensors",)),
    Chapter("graphs", "tf.function: tracing into the IR, the trace cache, passes, "
            "the compiler", ("autodiff",)),
    Chapter("modules", "tf.Module and variable tracking", ("graphs",)),
    Chapter("persistence", "checkpoints and SavedModel", ("modules",)),
    Chapter("data", "tf.data: sources, batching, shuffling", ("graphs",)),
    Chapter("keras", "layers, losses, optimizers, training", ("persistence", "data")),
    Chapter("kernels", "Triton kernels for the GPU backend", ("graphs",)),
    Chapter("distribute", "tf.distribute on torch.distributed", ("keras",)),
)

NAMES: tuple = tuple(c.name for c in CHAPTERS)
_BY_NAME = {c.name: c for c in CHAPTERS}


def chapter(name: str) -> Chapter:
    """The chapter called ``name``.

    Raises:
        ValueError: for an unknown name, listing the known ones.

    Example:
        >>> from minitf.coursework.chapters import chapter
        >>> chapter("graphs").title.split(":")[0]
        'tf.function'
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown chapter {name!r}; the chapters are: "
                         f"{', '.join(NAMES)}.") from None


def prerequisites(name: str) -> tuple:
    """Every chapter ``name`` builds on, directly or not, in teaching order.

    Example:
        >>> from minitf.coursework.chapters import prerequisites
        >>> prerequisites("persistence")
        ('tensors', 'autodiff', 'graphs', 'modules')
    """
    found: set = set()
    todo = list(chapter(name).after)
    while todo:
        c = todo.pop()
        if c not in found:
            found.add(c)
            todo.extend(chapter(c).after)
    return tuple(n for n in NAMES if n in found)


def dependents(name: str) -> tuple:
    """Every chapter that builds on ``name``, directly or not, in teaching order.

    Example:
        >>> from minitf.coursework.chapters import dependents
        >>> dependents("modules")
        ('persistence', 'keras', 'distribute')
    """
    chapter(name)
    return tuple(n for n in NAMES if name in prerequisites(n))


def selection(name: str) -> str:
    """The pytest ``-m`` expression of the tests graded in chapter ``name``.

    Example:
        >>> from minitf.coursework.chapters import selection
        >>> selection("kernels")
        'kernels'
        >>> selection("data")
        'data and not (keras or distribute)'
        >>> selection("keras")
        'keras and not distribute'
    """
    later = dependents(name)
    if not later:
        return name
    return f"{name} and not {later[0]}" if len(later) == 1 else \
        f"{name} and not ({' or '.join(later)})"


def graded_in(markers: Iterable[str]) -> tuple:
    """The chapters a test with these markers counts for (the rule :func:`selection` runs).

    Markers that are not chapters (``slow``, ``gpu``) are ignored.

    Example:
        >>> from minitf.coursework.chapters import graded_in
        >>> graded_in(["tensors", "keras", "slow"])
        ('keras',)
    """
    marks = {m for m in markers if m in _BY_NAME}
    return tuple(n for n in NAMES if n in marks and not any(d in marks for d in dependents(n)))

"""Coursework: assignments generated from the reference, graded by the spec.

minitf keeps one green reference. Solution regions in its source (``# BEGIN SOLUTION
<chapter>: ...`` / ``# END SOLUTION``) mark one idea each; ``make-assignment`` writes a
student copy where the regions of some chapters raise ``NotImplementedError``, and
``grade`` runs each chapter's tests (its pytest marker) in a copy and scores them.
See ``docs/instructors.md``.

* :mod:`~minitf.coursework.chapters` — the chapters, their prerequisites, the selection
  of tests that grades each;
* :mod:`~minitf.coursework.regions` — parsing, checking and replacing regions;
* :mod:`~minitf.coursework.assignment` — writing a student copy;
* :mod:`~minitf.coursework.grading` — running and scoring a copy's tests;
* :mod:`~minitf.coursework.audit` — checking the markers against the code tests run;
* ``python -m minitf.coursework list | make-assignment | grade | audit``.

Example:
    >>> from minitf.coursework.chapters import NAMES
    >>> NAMES[:3]
    ('tensors', 'autodiff', 'graphs')
"""

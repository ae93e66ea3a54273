"""Shared pytest set-up: hypothesis profiles, a fresh random seed per test, temp dirs.

Profiles: ``dev`` (default, quick) and ``ci`` (derandomized, no deadline), selected with
``HYPOTHESIS_PROFILE``.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def numpy_only():
    """Runs a test as a NumPy-only process would, with its eager fast paths on.

    Importing the GPU backend's module (the docstring tests do) registers a second
    buffer type, which turns every NumPy-only fast path off for the process; tests of
    those paths make NumPy tensors only.
    """
    from minitf.core.interpreters import _state
    saved = _state["multi_backend"]
    _state["multi_backend"] = False
    yield
    _state["multi_backend"] = saved


@pytest.fixture
def fresh_plans(numpy_only):
    """No compiled backward plan cached before the test; compiled plans on after it."""
    from minitf import compiled_backward
    compiled_backward.clear_cache()
    yield
    compiled_backward.enabled = True


@pytest.fixture(autouse=True)
def _reset_random_seed():
    """Each test starts without a global seed, so tests cannot depend on each other."""
    import minitf as tf
    tf.random.set_seed(None)
    yield

"""The primitive registry: every primitive is complete, and its rules agree with its code.

* every registered primitive has an abstract-eval rule, a VJP (or the explicit
  ``NOT_DIFFERENTIABLE`` sentinel) and a NumPy implementation;
* abstract evaluation predicts exactly the shape and dtype the NumPy implementation
  produces, for every equation that any row of the op table binds;
* every primitive of the Foundation op modules is bound by some row of the op table;
* every hot-path primitive has a Triton implementation once the Triton backend exists.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitf as tf
from minitf.backends import HOT_PATH
from minitf.core import interpreters
from minitf.core.primitive import NOT_DIFFERENTIABLE, PRIMITIVES, Primitive
from minitf.core.spec import TensorSpec
from tests.op_specs import OP_SPECS, OpSpec
from tests.test_ops_forward import draw_inputs

pytestmark = [pytest.mark.tensors, pytest.mark.filterwarnings("ignore::RuntimeWarning")]


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_every_primitive_is_complete(name: str) -> None:
    prim = PRIMITIVES[name]
    assert prim.name == name
    assert callable(prim.abstract_eval), f"{name} has no abstract-eval rule"
    assert prim.vjp is NOT_DIFFERENTIABLE or callable(prim.vjp), (
        f"{name} has neither a VJP nor NOT_DIFFERENTIABLE")
    assert callable(prim.impls.get("numpy")), f"{name} has no NumPy implementation"


class CheckingBuilder:
    """Stands where ``tf.function``'s graph builder stands, but computes every equation
    eagerly and checks it against the primitive's abstract evaluation.

    Attributes:
        seen: the names of the primitives bound so far.
    """

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def stage(self, prim: Primitive, args: tuple, params: dict) -> Any:
        out = interpreters.eager_apply(prim, args, params)
        specs = [TensorSpec._make(tuple(a._shape), a._dtype) for a in args]
        predicted = prim.abstract_eval(*specs, **params)
        outs = out if prim.multiple_results else [out]
        predicted = predicted if prim.multiple_results else [predicted]
        assert len(predicted) == len(outs), f"{prim.name}: abstract eval gives " \
            f"{len(predicted)} outputs, the implementation {len(outs)}"
        for p, o in zip(predicted, outs):
            # A data-dependent size (the rows of tf.where(c)) is None in the prediction.
            dims = p.shape.as_list()
            fits = len(dims) == len(o._shape) and all(
                d is None or d == n for d, n in zip(dims, o._shape))
            assert fits and p.dtype is o._dtype, (
                f"{prim.name}{params} on {specs}: abstract eval says {p}, the NumPy "
                f"implementation gave shape {tuple(o._shape)} dtype {o._dtype.name}")
        self.seen.add(prim.name)
        return out


def run_checked(spec: OpSpec, xs: list, builder: CheckingBuilder) -> Any:
    """Runs the row's function with every primitive application checked."""
    tensors = [tf.constant(x) for x in xs]
    with interpreters.using(interpreters.current().replace(builder=builder)):
        return spec.fn(*tensors, **(spec.kwargs or {}))


@pytest.mark.parametrize("spec", OP_SPECS, ids=lambda s: s.name)
@settings(max_examples=10)
@given(data=st.data())
def test_abstract_eval_agrees_with_numpy(spec: OpSpec, data: st.DataObject) -> None:
    # (Rows such as identity or a cast to the same dtype bind nothing at all.)
    run_checked(spec, draw_inputs(data, spec), CheckingBuilder())


# The Foundation op modules: each primitive they define must be bound by some row.
_OP_MODULES = ("elementwise", "reduction", "shape", "indexing", "linalg", "nn", "creation")
# Primitives that only gradients bind (the VJPs of slice and gather), checked by the
# gradient tests instead; and `shape`, bound only for sizes unknown until a traced graph
# runs (eager tf.shape is a constant), checked by the tracing tests.
_GRADIENT_ONLY = {"slice_grad", "scatter_add", "shape"}


def _module_primitives() -> set[str]:
    names = set()
    for mod in _OP_MODULES:
        module = importlib.import_module(f"minitf.ops.{mod}")
        names |= {v.name for v in vars(module).values() if isinstance(v, Primitive)}
    return names - _GRADIENT_ONLY


def _small_inputs(spec: OpSpec) -> list:
    """One fixed example per row: 2x2x2 arrays (every row accepts them, except that
    ``squeeze(x, axis=0)`` needs a leading 1) with values in the row's domain."""
    shape = (1, 2, 2) if spec.name == "squeeze_axis" else (2, 2, 2)
    rng = np.random.default_rng(0)
    if spec.dtypes[0] == tf.bool:
        return [rng.random(shape) > 0.5 for _ in range(spec.arity)]
    low = max(spec.low, 0.5) if spec.avoid_zero else spec.low
    return [rng.uniform(low, spec.high, shape).astype(spec.dtypes[0].as_numpy_dtype)
            for _ in range(spec.arity)]


def test_op_table_binds_every_primitive_of_the_op_modules() -> None:
    builder = CheckingBuilder()
    for spec in OP_SPECS:
        run_checked(spec, _small_inputs(spec), builder)
    missing = sorted(_module_primitives() - builder.seen)
    assert missing == [], f"no row of tests/op_specs.py exercises {missing}"


def test_hot_path_primitives_have_triton_impls() -> None:
    if importlib.util.find_spec("minitf.backends.triton_backend") is None:
        pytest.skip("minitf.backends.triton_backend does not exist yet (the Triton "
                    "backend is being written); this checks its coverage once it does")
    importlib.import_module("minitf.backends.triton_backend")
    unknown = [n for n in HOT_PATH if n not in PRIMITIVES]
    assert unknown == [], f"HOT_PATH names unknown primitives {unknown}"
    missing = [n for n in HOT_PATH if "triton" not in PRIMITIVES[n].impls]
    assert missing == [], f"hot-path primitives without a Triton implementation: {missing}"

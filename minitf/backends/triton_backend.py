"""The Triton backend: buffers are torch tensors on the GPU; hot primitives run kernels.

A tensor's buffer type says which backend runs an op on it (see
:mod:`minitf.core.interpreters`). This module registers ``torch.Tensor`` as the buffer
type of :data:`TRITON`, and a ``"triton"`` implementation for every primitive:

* the primitives in :data:`minitf.backends.HOT_PATH` (elementwise math, ``select``,
  ``reduce_sum``/``reduce_max``, the softmaxes, ``matmul``) launch the kernels of
  :mod:`minitf.kernels` — the code a student reads to see how a GPU op works;
* the other primitives (shapes, indexing, comparisons, casts...) call one torch op each;
* random primitives draw on the host with NumPy — the same seeded streams as on the CPU,
  so a seeded program gives the same numbers on both devices — and copy the result over;
* traced graphs (``call`` from ``tf.function``, ``cond``, ``while``) run equation by
  equation through this table, after :func:`~minitf.backends.fusion.fuse_elementwise`
  has merged each chain of elementwise equations into one generated kernel.

Nothing crosses between host and device silently: every host fallback and every copy of
a host input to the device is counted (:func:`fallback_counts`, :func:`copy_counts`),
and strict mode (``MINITF_STRICT_DEVICE=1`` or :func:`set_strict`) turns them into
``InvalidArgumentError``.

**A deliberate departure from DESIGN.md**, which puts each primitive's Triton
implementation next to it in its ``minitf/ops`` file: here the whole GPU table is one
module. The ops files stay pure NumPy (readable without a GPU in mind, importable with
no torch installed), the table reads top to bottom as "what the GPU does for each
primitive", and torch/triton are imported in exactly one place, only when a GPU is used
— ``import minitf`` never imports them. Kernels themselves are imported lazily on first
launch, because ``TRITON_INTERPRET`` must be decided before they are.

Without a GPU, the backend still runs for tests: ``MINITF_TRITON_ON_CPU=1`` (or the
:func:`simulated_gpu` context) makes new tensors torch CPU tensors owned by this
backend, and the kernels run in Triton's interpreter (``TRITON_INTERPRET=1``).

Example:
    >>> import numpy as np
    >>> from minitf.backends.triton_backend import TRITON
    >>> TRITON.name
    'triton'
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import pathlib
import sys
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import torch

import minitf
from minitf import dtypes
from minitf.backends import HOT_PATH
from minitf.backends import torch_ops as T
from minitf.backends.crossings import (
    copy_counts,
    count_kernel,
    cross,
    fallback_counts,
    kernel_counts,
    reset_counts,
    set_strict,
    strict_device,
)
from minitf.backends.fusion import fuse_elementwise
from minitf.core import interpreters
from minitf.core.graph import Lit
from minitf.core.primitive import PRIMITIVES, Primitive

__all__ = ["TRITON", "TritonBackend", "activate", "copy_counts", "fallback_counts",
           "kernel_counts", "kernels", "reset_counts", "set_strict", "simulated_gpu",
           "strict_device"]

_DEVICE_NUMPY_DTYPES = {dtypes.as_dtype(n).np for n in T.TORCH_DTYPE}


# ---------------------------------------------------------------------------------------
# The backend object
# ---------------------------------------------------------------------------------------
class TritonBackend:
    """GPU buffers: torch tensors on ``self.device`` (CUDA; CPU when simulated)."""

    name = "triton"
    device_name = "/job:localhost/replica:0/task:0/device:GPU:0"

    def __init__(self) -> None:
        simulated = os.environ.get("MINITF_TRITON_ON_CPU", "") == "1"
        self.device = torch.device("cpu" if simulated else "cuda")
        self._literals: dict = {}

    def from_numpy(self, array: np.ndarray) -> Any:
        """A device copy of a host array (host-only dtypes stay NumPy buffers)."""
        if array.dtype not in _DEVICE_NUMPY_DTYPES:
            return array
        return torch.tensor(np.asarray(array), device=self.device)  # always copies

    @staticmethod
    def to_numpy(buffer: torch.Tensor) -> np.ndarray:
        """A host copy of a device buffer (0-d for scalars)."""
        return buffer.detach().cpu().numpy()

    def from_backend(self, buffer: Any, backend: Any, prim: Primitive) -> Any:
        """Copies a host input of ``prim`` to the device (counted; refused when strict).

        A single host number (the ``1`` in ``1 - tanh²``, a count in ``reduce_mean``) is a
        literal, not data: it is uploaded once, cached by dtype and bits, and not counted.
        """
        if isinstance(buffer, np.generic) or (isinstance(buffer, np.ndarray) and buffer.ndim == 0):
            return self._literal(np.asarray(buffer))
        cross("copy", prim, f"an input lives on {backend.device_name} and must be copied "
               f"to the GPU")
        return self.from_numpy(backend.to_numpy(buffer))

    def _literal(self, value: np.ndarray) -> Any:
        key = (value.dtype.str, value.tobytes(), self.device)  # bits: keeps -0.0 and NaN apart
        cached = self._literals.get(key)
        if cached is None:
            if len(self._literals) > 1024:
                self._literals.clear()
            cached = self._literals[key] = self.from_numpy(value)
        return cached

    @staticmethod
    def missing_impl(prim: Primitive) -> Callable:
        """The implementation of a primitive registered after this module was imported:
        its :data:`TABLE` entry, else its NumPy implementation on the host (counted)."""
        impl = TABLE.get(prim.name) or _on_host(prim)
        prim.def_impl("triton")(impl)
        return impl


TRITON = TritonBackend()


def _on_host(prim: Primitive) -> Callable:
    """``prim``'s NumPy implementation on host copies of its inputs, copied back."""
    def run(*buffers: Any, **params: Any) -> Any:
        if "numpy" not in prim.impls:
            raise NotImplementedError(f"Primitive {prim.name!r} has neither a Triton nor a "
                                      f"NumPy implementation.")
        cross("fallback", prim, "it has no GPU implementation and would run on the host")
        host = [TRITON.to_numpy(b) if isinstance(b, torch.Tensor) else b for b in buffers]
        out = prim.impls["numpy"](*host, **params)
        if prim.multiple_results:
            return [TRITON.from_numpy(np.asarray(o)) for o in out]
        return TRITON.from_numpy(np.asarray(out))

    return run


# ---------------------------------------------------------------------------------------
# Kernels: imported on first use, from a source checkout too
# ---------------------------------------------------------------------------------------
def _kernels_package() -> Any:
    """``minitf.kernels``, loaded from the source tree if minitf is not installed.

    minitf installs the top-level ``kernels/`` folder as ``minitf.kernels``. Run from a
    source checkout without installing (``python3 bench/gpu_check.py``), that package
    does not exist, so the folder is loaded under that name here.
    """
    if "minitf.kernels" not in sys.modules and importlib.util.find_spec("minitf.kernels") is None:
        folder = pathlib.Path(minitf.__file__).resolve().parent.parent / "kernels"
        spec = importlib.util.spec_from_file_location(
            "minitf.kernels", folder / "__init__.py", submodule_search_locations=[str(folder)])
        package = importlib.util.module_from_spec(spec)
        sys.modules["minitf.kernels"] = package
        spec.loader.exec_module(package)
        minitf.kernels = package
    if TRITON.device.type == "cpu":  # simulated GPU: kernels must run in the interpreter
        os.environ.setdefault("TRITON_INTERPRET", "1")
    return importlib.import_module("minitf.kernels")


def kernels(family: str) -> Any:
    """The kernel module ``minitf.kernels.<family>``, imported on first use.

    Example:
        >>> from minitf.backends.triton_backend import kernels
        >>> kernels("elementwise").__name__  # doctest: +SKIP
        'minitf.kernels.elementwise'
    """
    _kernels_package()
    return importlib.import_module(f"minitf.kernels.{family}")


def _launch(prim: str, family: str, fn: str, *args: Any, **kw: Any) -> Any:
    count_kernel(prim)
    return getattr(kernels(family), fn)(*args, **kw)


def _unary(op: str) -> Callable:
    return lambda x: _launch(op, "elementwise", "unary", op, x)


def _binary(op: str, bool_op: Callable | None = None) -> Callable:
    def run(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if x.dtype == torch.bool:  # add/mul on bools are or/and; no kernel needed
            return bool_op(x, y)
        return _launch(op, "elementwise", "binary", op, x, y)
    return run


def _reduce(op: str, prim: str) -> Callable:
    def run(x: torch.Tensor, *, axis: tuple, keepdims: bool) -> torch.Tensor:
        return _launch(prim, "reduction", "reduce", op, x, tuple(axis), keepdims)
    return run


def _softmax(log: bool, prim: str) -> Callable:
    return lambda x, *, axis: _launch(prim, "softmax", "softmax", x, axis, log)


# ---------------------------------------------------------------------------------------
# Torch helpers for the non-hot primitives
# ---------------------------------------------------------------------------------------
def _dtype(name: str) -> torch.dtype:
    return T.TORCH_DTYPE[name]


def _ensure_shape(x: torch.Tensor, *, shape: tuple) -> torch.Tensor:
    # The NumPy implementation only reads x.shape and returns x: it serves any buffer.
    from minitf.ops.rearrange import ensure_shape_p
    return ensure_shape_p.impls["numpy"](x, shape=shape)


def _cast(x: torch.Tensor, *, dtype: str) -> Any:
    if dtype not in T.TORCH_DTYPE:  # a host-only dtype: NumPy does it (counted)
        return _on_host(PRIMITIVES["cast"])(x, dtype=dtype)
    target = T.TORCH_DTYPE[dtype]
    if x.is_floating_point() and not target.is_floating_point and target != torch.bool:
        x = torch.trunc(x)  # TF truncates toward zero
    return x.to(target)


# ---------------------------------------------------------------------------------------
# Graphs on the device: tf.function's `call`, `cond` and `while` run their graphs here,
# equation by equation with this table — after elementwise fusion (minitf.backends.fusion)
# so a chain of elementwise ops in a traced function is one kernel launch.
# ---------------------------------------------------------------------------------------
_FUSED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # graph -> (fused, lits)


def run_graph(graph: Any, buffers: Sequence[Any]) -> list:
    """Runs a traced graph on device buffers (fused first; cached per graph).

    Example:
        >>> import minitf as tf
        >>> from minitf.backends.triton_backend import run_graph
        >>> @tf.function
        ... def f(x):
        ...     return tf.exp(x) * 2.0
        >>> g = f.get_concrete_function(tf.TensorSpec([2], tf.float32)).graph
        >>> run_graph(g, [TRITON.from_numpy(np.zeros(2, np.float32))])  # doctest: +SKIP
        [tensor([2., 2.], device='cuda:0')]
    """
    entry = _FUSED.get(graph)
    if entry is None:
        entry = _FUSED[graph] = (fuse_elementwise(graph), {})
    fused, lits = entry
    env = {id(v): b for v, b in zip(fused.inputs, buffers)}

    def read(a: Any) -> Any:
        if not isinstance(a, Lit):
            return env[id(a)]
        if id(a) not in lits:   # a constant of the graph: on the device once
            value = a.value
            lits[id(a)] = value if isinstance(value, torch.Tensor) else \
                TRITON.from_numpy(np.asarray(value))
        return lits[id(a)]

    for eqn in fused.eqns:
        impl = eqn.prim.impls.get("triton") or TRITON.missing_impl(eqn.prim)
        outs = impl(*[read(a) for a in eqn.inputs], **eqn.params)
        for v, o in zip(eqn.outputs, outs if eqn.prim.multiple_results else (outs,)):
            env[id(v)] = o
    return [read(a) for a in fused.outputs]


def _while(*args: Any, cond: Any, body: Any, num_carry: int) -> list:
    carry, operands = list(args[:num_carry]), list(args[num_carry:])
    while bool(run_graph(cond, carry + operands)[0]):   # one device→host sync per step
        carry = run_graph(body, carry + operands)
    return carry


def _fused(*xs: torch.Tensor, program: tuple, outputs: tuple) -> list:
    shape = max((x.shape for x in xs), key=len)
    return _launch("fused_elementwise", "fused", "fused_elementwise", program, xs, outputs,
                   tuple(shape))


# ---------------------------------------------------------------------------------------
# The table: one line per primitive
# ---------------------------------------------------------------------------------------
TABLE: dict[str, Callable] = {
    # hot path: Triton kernels (minitf.kernels)
    "neg": _unary("neg"), "exp": _unary("exp"), "log": _unary("log"),
    "sqrt": _unary("sqrt"), "tanh": _unary("tanh"), "sigmoid": _unary("sigmoid"),
    "abs": _unary("abs"),
    "add": _binary("add", torch.logical_or), "mul": _binary("mul", torch.logical_and),
    "sub": _binary("sub"), "div": _binary("div"),
    "max": _binary("max"), "min": _binary("min"),
    "select": lambda c, x, y: _launch("select", "elementwise", "select", c, x, y),
    "reduce_sum": _reduce("sum", "reduce_sum"), "reduce_max": _reduce("max", "reduce_max"),
    "softmax": _softmax(False, "softmax"), "log_softmax": _softmax(True, "log_softmax"),
    "matmul": lambda a, b: _launch("matmul", "matmul", "matmul", a, b),
    "fused_elementwise": _fused,   # a chain of the above, one generated kernel
    # traced graphs
    "call": lambda *xs, graph, **kw: run_graph(graph, xs),
    "cond": lambda pred, *ops, branches: run_graph(branches[1 if bool(pred) else 0], ops),
    "while": _while,
    # elementwise, through torch
    "softplus": T.softplus,
    "cumsum": T.scan(torch.cumsum, 0), "cumprod": T.scan(torch.cumprod, 1),
    "argsort": T.argsort,
    "ensure_shape": lambda x, *, shape: _ensure_shape(x, shape=shape),  # checks x.shape only
    "sign": torch.sign, "log1p": torch.log1p, "sin": torch.sin, "cos": torch.cos,
    "floor": torch.floor, "ceil": torch.ceil, "is_nan": torch.isnan,
    "is_finite": torch.isfinite, "logical_not": torch.logical_not,
    "round": lambda x: torch.round(x) if x.is_floating_point() else x,  # half to even
    "floordiv": torch.floor_divide, "mod": torch.remainder, "pow": torch.pow,
    "eq": torch.eq, "ne": torch.ne, "lt": torch.lt, "le": torch.le, "gt": torch.gt,
    "ge": torch.ge, "logical_and": torch.logical_and, "logical_or": torch.logical_or,
    "logical_xor": torch.logical_xor,
    "cast": _cast,
    "zeros_like": T.like(0), "ones_like": T.like(1),
    # reductions, through torch
    "reduce_min": T.reduce_min,
    "reduce_prod": T.per_axis(torch.prod),
    "reduce_any": T.per_axis(torch.any), "reduce_all": T.per_axis(torch.all),
    "argmax": lambda x, *, axis, output_type: torch.argmax(x, axis).to(_dtype(output_type)),
    "argmin": lambda x, *, axis, output_type: torch.argmin(x, axis).to(_dtype(output_type)),
    # indexing
    "slice": T.slice_, "slice_grad": T.slice_grad, "gather": T.gather,
    "scatter_add": T.scatter_add, "where_indices": lambda c: torch.nonzero(c),
    # shapes: views where torch can (buffers are never written in place)
    "broadcast_to": T.broadcast_to,
    "reshape": lambda x, *, shape: x.reshape(tuple(shape)),
    "transpose": lambda x, *, perm: x.permute(tuple(perm)),
    "expand_dims": lambda x, *, axis: x.unsqueeze(axis),
    "squeeze": lambda x, *, axis: x.squeeze(tuple(axis)) if axis else x,
    "concat": lambda *xs, axis: torch.cat(xs, dim=axis),
    "split": lambda x, *, sizes, axis: list(torch.split(x, list(sizes), dim=axis)),
    "tile": lambda x, *, multiples: x.repeat(tuple(multiples)),
    "pad": T.pad,
    "shape": lambda x, *, out_type: torch.tensor(tuple(x.shape), dtype=_dtype(out_type),
                                                 device=x.device),
    "identity": lambda x: x, "stop_gradient": lambda x: x,
}
# Random primitives: drawn on the host by the seeded NumPy streams, then copied (counted).
HOST = ("random_normal", "random_uniform", "random_truncated_normal", "random_uniform_int",
        "random_shuffle")


def register_impls() -> None:
    """Gives every registered primitive a ``"triton"`` implementation.

    Primitives named in :data:`TABLE` get theirs; the rest (the random ones, and any
    primitive this table does not know) run their NumPy implementation on the host,
    counted as fallbacks.
    """
    for name, prim in PRIMITIVES.items():
        if "triton" in prim.impls:
            continue
        impl = TABLE.get(name)
        prim.def_impl("triton")(impl if impl is not None else _on_host(prim))


_missing = [n for n in HOT_PATH if n not in TABLE]
assert not _missing, f"HOT_PATH primitives without a kernel in the table: {_missing}"

def activate() -> None:
    """Registers torch tensors as this backend's buffers (done on import; idempotent).

    From then on ``bind`` dispatches on buffer types instead of taking the NumPy-only
    fast path, in the whole process.
    """
    interpreters.register_buffer_type(torch.Tensor, TRITON)
    for name, torch_dtype in T.TORCH_DTYPE.items():
        interpreters._DTYPE_OF_BUFFER_DTYPE[torch_dtype] = dtypes.as_dtype(name)
    register_impls()


activate()


@contextlib.contextmanager
def simulated_gpu() -> Iterator[None]:
    """Runs the body as if a GPU were present, with Triton's CPU interpreter.

    New tensors become torch CPU tensors owned by this backend, so every op goes through
    the ``"triton"`` table and the hot ones through the kernels. ``TRITON_INTERPRET=1``
    must have been set before the kernels were imported (tests set it in
    ``tests/kernels/conftest.py``).

    Example:
        >>> import minitf as tf
        >>> from minitf.backends.triton_backend import simulated_gpu
        >>> with simulated_gpu():  # doctest: +SKIP
        ...     x = tf.constant([1.0, 2.0]) * 2.0
        >>> x.device  # doctest: +SKIP
        '/job:localhost/replica:0/task:0/device:GPU:0'
    """
    _device = importlib.import_module("minitf.device")  # (minitf.device is the class)
    activate()
    if not _kernels_package().interpreting():
        raise RuntimeError("simulated_gpu() needs TRITON_INTERPRET=1 set before minitf's "
                           "kernels are imported (before triton compiles them for a GPU).")
    saved = (_device._cache.get("gpu"), TRITON.device, interpreters._state["resolved"])
    _device._cache["gpu"] = True
    TRITON.device = torch.device("cpu")
    interpreters._state["resolved"] = True
    try:
        yield
    finally:
        if saved[0] is None:
            _device._cache.pop("gpu", None)
        else:
            _device._cache["gpu"] = saved[0]
        TRITON.device = saved[1]
        interpreters._state["resolved"] = saved[2]

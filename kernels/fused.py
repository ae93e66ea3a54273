"""Fused elementwise chains: one generated Triton kernel for a small elementwise program.

Running ``exp(x * w + b)`` as three kernels reads and writes memory three times:
read 2N + write N (mul), read 2N + write N (add), read N + write N (exp) = 8N element
transfers. One fused kernel reads x, w, b once and writes the result once: 4N. For
memory-bound elementwise code that is the whole story — fusion divides the time by the
ratio of transfers.

A *program* is a tuple of instructions ``(op, arg, ...)``. Values are numbered: the
inputs are values ``0 .. n_inputs-1`` and instruction ``j`` defines value
``n_inputs + j``. An ``int`` argument names a value; a ``float`` argument is a constant
written into the kernel's source. Ops are those of :mod:`minitf.kernels.elementwise`
(``UNARY_OPS`` and ``BINARY_OPS``); ``outputs`` lists the values to store.

The generator writes the kernel as Python source text (:func:`kernel_source`), saves it
to a file (Triton reads a kernel's source to compile it) and imports it; kernels are
cached by program, so a traced graph pays the generation once.

Every input is either full-size (contiguous, ``n`` elements) or a single element that is
broadcast (loaded once per program). All inputs share one floating dtype; fp16/bf16 are
computed in fp32.

Cost model: read (number of full-size inputs)·N, write (number of outputs)·N.

Example:
    >>> import torch
    >>> from minitf.kernels.fused import fused_elementwise
    >>> x = torch.tensor([0.0, 1.0])
    >>> prog = (("mul", 0, 2.0), ("add", 1, 1.0))   # v1 = x * 2, v2 = v1 + 1
    >>> fused_elementwise(prog, [x], outputs=(2,))[0].tolist()
    [1.0, 3.0]
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import os
import tempfile
from collections.abc import Sequence
from typing import Any

import torch
import triton
from minitf.kernels.elementwise import BINARY_OPS, UNARY_OPS

__all__ = ["check_program", "fused_elementwise", "kernel_source"]

BLOCK = 1024
NUM_WARPS = 4
_KERNELS: dict = {}  # (program, n_inputs, outputs, scalar flags, upcast) -> kernel


def check_program(program: Sequence[tuple], n_inputs: int, outputs: Sequence[int]) -> None:
    """Raises ``ValueError`` naming the bad instruction if ``program`` is malformed.

    Example:
        >>> from minitf.kernels.fused import check_program
        >>> check_program((("exp", 0),), 1, (1,))
    """
    n_values = n_inputs
    for j, (op, *args) in enumerate(program):
        arity = 1 if op in UNARY_OPS else 2 if op in BINARY_OPS else None
        if arity is None:
            raise ValueError(f"fused program, instruction {j}: unknown op {op!r}; ops are "
                             f"{sorted(UNARY_OPS) + sorted(BINARY_OPS)}.")
        if len(args) != arity:
            raise ValueError(f"fused program, instruction {j}: {op} takes {arity} "
                             f"argument(s), got {len(args)}.")
        is_ref = [isinstance(a, int) and not isinstance(a, bool) for a in args]
        if not any(is_ref):
            raise ValueError(f"fused program, instruction {j}: {op}{tuple(args)} has no "
                             f"value argument; fold constant expressions before fusing.")
        for a, ref in zip(args, is_ref):
            if ref and not 0 <= a < n_values:
                raise ValueError(f"fused program, instruction {j}: value {a} is not defined "
                                 f"yet (values 0..{n_values - 1} exist).")
            if not ref and not (isinstance(a, float) and math.isfinite(a)):
                raise ValueError(f"fused program, instruction {j}: constant {a!r} must be a "
                                 f"finite float; pass other constants as inputs.")
        n_values += 1
    for o in outputs:
        if not 0 <= o < n_values:
            raise ValueError(f"fused program: output value {o} does not exist (0..{n_values - 1}).")


def kernel_source(program: Sequence[tuple], n_inputs: int, outputs: Sequence[int],
                  scalar_inputs: Sequence[bool], upcast: bool, name: str = "fused") -> str:
    """The Triton source of the fused kernel for ``program`` (readable, one line per op).

    Example:
        >>> from minitf.kernels.fused import kernel_source
        >>> print(kernel_source((("exp", 0),), 1, (1,), (False,), False))  # doctest: +ELLIPSIS
        @triton.jit
        def fused(in0, out0, n, BLOCK: tl.constexpr):
            offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
            mask = offs < n
            v0 = tl.load(in0 + offs, mask=mask)
            v1 = unary_math(v0, 1)  # exp
            tl.store(out0 + offs, v1.to(out0.dtype.element_ty), mask=mask)
        <BLANKLINE>
    """
    params = [f"in{i}" for i in range(n_inputs)] + [f"out{k}" for k in range(len(outputs))]
    lines = ["@triton.jit",
             f"def {name}({', '.join(params)}, n, BLOCK: tl.constexpr):",
             "    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)",
             "    mask = offs < n"]
    cast = ".to(tl.float32)" if upcast else ""
    for i in range(n_inputs):
        # A one-element input is loaded once and broadcast by Triton's scalar rules.
        load = f"tl.load(in{i})" if scalar_inputs[i] else f"tl.load(in{i} + offs, mask=mask)"
        lines.append(f"    v{i} = {load}{cast}")
    for j, (op, *args) in enumerate(program):
        texts = [f"v{a}" if isinstance(a, int) else repr(float(a)) for a in args]
        if op in UNARY_OPS:
            expr = f"unary_math({texts[0]}, {UNARY_OPS[op]})"
        else:
            expr = f"binary_math({texts[0]}, {texts[1]}, {BINARY_OPS[op]})"
        lines.append(f"    v{n_inputs + j} = {expr}  # {op}")
    for k, v in enumerate(outputs):
        lines.append(f"    tl.store(out{k} + offs, v{v}.to(out{k}.dtype.element_ty), mask=mask)")
    return "\n".join(lines) + "\n"


def _source_dir() -> str:
    path = os.environ.get("MINITF_KERNEL_CACHE") or os.path.join(tempfile.gettempdir(),
                                                                 "minitf_fused_kernels")
    os.makedirs(path, exist_ok=True)
    return path


def _compile(key: tuple) -> Any:
    program, n_inputs, outputs, scalars, upcast = key
    digest = hashlib.sha256(repr(key).encode()).hexdigest()[:16]
    name = f"fused_{digest}"
    source = ("# Generated by minitf.kernels.fused from the program:\n"
              + "".join(f"#   v{n_inputs + j} = {ins}\n" for j, ins in enumerate(program))
              + "import triton\nimport triton.language as tl\n"
              + "from minitf.kernels.elementwise import binary_math, unary_math\n\n\n"
              + kernel_source(program, n_inputs, outputs, scalars, upcast, name))
    path = os.path.join(_source_dir(), name + ".py")
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:   # write-then-rename: another process may read it at once
        f.write(source)
    os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def fused_elementwise(program: Sequence[tuple], inputs: Sequence[torch.Tensor],
                      outputs: Sequence[int], shape: tuple | None = None
                      ) -> list[torch.Tensor]:
    """Runs ``program`` on ``inputs`` in one kernel launch; returns the ``outputs`` values.

    Args:
        program: the instructions (see the module docstring).
        inputs: torch tensors of one floating dtype; each full-size or one element.
        outputs: the value numbers to return, in order.
        shape: the output shape (default: the shape of the largest input).

    Returns:
        One new tensor per output, of the inputs' dtype and the output shape.

    Example:
        >>> import torch
        >>> from minitf.kernels.fused import fused_elementwise
        >>> prog = (("sub", 0, 1), ("mul", 2, 2))          # (a - b)²
        >>> fused_elementwise(prog, [torch.tensor([3.0]), torch.tensor(1.0)], (3,))[0].tolist()
        [4.0]
    """
    program = tuple(tuple(ins) for ins in program)
    outputs = tuple(int(o) for o in outputs)
    check_program(program, len(inputs), outputs)
    if shape is None:
        shape = max((x.shape for x in inputs), key=lambda s: math.prod(s))
    n = math.prod(shape)
    dtypes = {x.dtype for x in inputs}
    if len(dtypes) != 1 or not next(iter(dtypes)).is_floating_point:
        raise TypeError(f"fused_elementwise needs inputs of one floating dtype, got {dtypes}.")
    dtype = inputs[0].dtype
    scalars = tuple(x.numel() == 1 and n != 1 for x in inputs)
    for x, scalar in zip(inputs, scalars):
        if not scalar and x.numel() != n:
            raise ValueError(f"fused_elementwise: an input has shape {tuple(x.shape)}; inputs "
                             f"must have the output shape {tuple(shape)} or one element.")
    inputs = [x.contiguous() for x in inputs]
    outs = [torch.empty(shape, dtype=dtype, device=inputs[0].device) for _ in outputs]
    if n == 0:
        return outs
    key = (program, len(inputs), outputs, scalars, dtype in (torch.float16, torch.bfloat16))
    kernel = _KERNELS.get(key)
    if kernel is None:
        kernel = _KERNELS[key] = _compile(key)
    kernel[(triton.cdiv(n, BLOCK),)](*inputs, *outs, n, BLOCK=BLOCK, num_warps=NUM_WARPS)
    return outs

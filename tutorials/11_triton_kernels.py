# %% [markdown]
# # Triton kernels: what runs on the GPU
#
# On a GPU, minitf's hot operations — elementwise math, reductions, softmax, matrix
# products — run as kernels written in [Triton](https://triton-lang.org), a Python
# dialect for GPU programs. This tutorial writes a kernel from scratch, reads one of
# minitf's, and watches minitf launch them.
#
# No GPU? Everything here still runs: Triton's *interpreter* executes kernels on the CPU,
# one program instance after another, in NumPy. It is slow, but it computes the same
# results, so the tests use it too.
#
# Run it with `python tutorials/11_triton_kernels.py`.

# %% [markdown]
# Triton decides when a kernel is *defined* whether it compiles for the GPU or runs in
# the interpreter, by reading `TRITON_INTERPRET`. So we choose before importing
# anything that defines kernels:

# %%
import contextlib
import inspect
import os

import numpy as np
import torch

if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")   # run kernels on the CPU
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"

import triton
import triton.language as tl
import matplotlib
matplotlib.use("Agg")
from matplotlib import pyplot as plt

print("kernels run on:", DEVICE, "(interpreter)" if DEVICE == "cpu" else "")

# %% [markdown]
# ## The programming model
#
# A GPU runs many copies of one function at once. In Triton each copy is a *program*,
# and each program handles a *block* of elements — say 256 — as one vector. You launch
# a *grid* of programs; `tl.program_id(0)` tells each one which it is.
#
# A first kernel: `out = alpha * x + y`, elementwise. Read it top to bottom:
#
# 1. this program's block of indices: `pid * BLOCK + [0, 1, …, BLOCK-1]`;
# 2. a *mask* for the indices past the end — the last block usually sticks out;
# 3. load a block of `x` and of `y` (masked lanes read nothing);
# 4. compute, store (masked lanes write nothing).

# %%
@triton.jit
def scaled_add_kernel(x_ptr, y_ptr, out_ptr, alpha, n, BLOCK: tl.constexpr):
    # read 2n, write n: memory-bound, so the time is the bytes moved.
    pid = tl.program_id(0)
    offs = pid * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    x = tl.load(x_ptr + offs, mask=mask)
    y = tl.load(y_ptr + offs, mask=mask)
    tl.store(out_ptr + offs, alpha * x + y, mask=mask)

# %% [markdown]
# `BLOCK` is a `tl.constexpr`: a compile-time constant, so Triton compiles one
# specialised kernel per block size. The *launcher* is ordinary Python: allocate the
# output and launch `cdiv(n, BLOCK)` programs — enough to cover `n` elements:

# %%
def scaled_add(alpha: float, x: torch.Tensor, y: torch.Tensor, block: int = 256) -> torch.Tensor:
    out = torch.empty_like(x)
    n = x.numel()
    grid = (triton.cdiv(n, block),)
    scaled_add_kernel[grid](x, y, out, alpha, n, BLOCK=block)
    return out

# %% [markdown]
# Test it the way every kernel in minitf is tested: against a reference, on sizes that
# are *not* multiples of the block, where a missing mask would read or write past the
# end.

# %%
for n in [1, 255, 256, 257, 1000]:
    x = torch.randn(n, device=DEVICE)
    y = torch.randn(n, device=DEVICE)
    assert torch.allclose(scaled_add(2.0, x, y), 2.0 * x + y)
print("scaled_add matches torch on every size")

# %% [markdown]
# Which program handled which element? A tiny kernel can tell us: each program stores
# its own id over its block. With 1,000 elements and blocks of 256, four programs run,
# and the last one is mostly masked:

# %%
@triton.jit
def which_program_kernel(out_ptr, n, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    offs = pid * BLOCK + tl.arange(0, BLOCK)
    tl.store(out_ptr + offs, tl.full([BLOCK], pid, tl.int32), mask=offs < n)

n, block = 1000, 256
owner = torch.full((n,), -1, dtype=torch.int32, device=DEVICE)
which_program_kernel[(triton.cdiv(n, block),)](owner, n, BLOCK=block)

plt.figure(figsize=(9, 1.8))
plt.imshow(owner.cpu().numpy()[None, :], aspect="auto", cmap="tab10", vmin=0, vmax=9,
           extent=(0, n, 0, 1))
for start in range(0, 4 * block + 1, block):
    plt.axvline(start, color="black", linewidth=1)
plt.xlim(0, 4 * block)
plt.yticks([])
plt.xlabel("element index (the last block runs past n = 1000: those lanes are masked)")
plt.title("program_id of the program that wrote each element")

# %% [markdown]
# ## Reading one of minitf's kernels
#
# minitf's kernels live in `kernels/` (installed as `minitf.kernels`), one file per
# family, each with its kernel, its launcher and the cost model in comments. Here is
# the binary elementwise kernel that runs `add`, `sub`, `mul`, `div`, `maximum` and
# `minimum`:

# %%
from minitf.kernels import elementwise

print(inspect.getsource(elementwise.binary_kernel.fn))

# %% [markdown]
# The same four steps as ours, plus two ideas:
#
# - **`OP` is a `constexpr`.** `binary_math` is an `if` chain on the op code, resolved
#   at compile time: each op gets its own kernel with no branch left in it.
# - **Broadcasting by strides.** Each operand comes with its strides in a (up to) 4-D
#   view of the output. A broadcast dimension has stride 0, so the kernel re-reads the
#   same element instead of anyone copying it. `strided_offsets` turns the flat output
#   index into each operand's offset:

# %%
print(inspect.getsource(elementwise.strided_offsets.fn))

# %% [markdown]
# The launcher first merges dimensions that are contiguous in every operand, so the
# common cases collapse to one dimension. A `(3, 1000)` matrix plus a `(1000,)` row
# becomes a 2-D view where the row's outer stride is 0:

# %%
print(elementwise.view_4d((3, 1000), [(1000, 1), (0, 1)]))
a = torch.randn(3, 1000, device=DEVICE)
row = torch.randn(1000, device=DEVICE)
print("matches torch:", torch.allclose(elementwise.binary("add", a, row), a + row))

# %% [markdown]
# ## Fusing: softmax in one pass
#
# Written with primitives, `softmax(x) = exp(x - max(x)) / sum(exp(x - max(x)))` makes
# five passes over memory: max, subtract, exp, sum, divide — each reading its input and
# writing an intermediate. minitf's softmax kernel loads each row once into registers,
# does all five steps there, and writes once. Memory traffic drops from about 8 reads
# and writes per element to 2:

# %%
from minitf.kernels import softmax as softmax_kernels

print(inspect.getsource(softmax_kernels.softmax_kernel.fn))

# %% [markdown]
# The padding lanes of a short row load `-inf`: it never wins the `max`, and
# `exp(-inf) = 0` adds nothing to the sum. (In the interpreter, NumPy evaluates those
# padded lanes too and may warn about `-inf - -inf`; the masked store discards them.)

# %%
x = torch.randn(7, 300, device=DEVICE)
with np.errstate(invalid="ignore"):
    y = softmax_kernels.softmax(x)
print("rows sum to 1:", torch.allclose(y.sum(-1), torch.ones(7, device=DEVICE)))
print("matches torch:", torch.allclose(y, torch.softmax(x, -1), atol=1e-6))

# %% [markdown]
# ## minitf launching kernels
#
# With a GPU, every minitf tensor lives on it and the hot primitives launch these
# kernels. Without one, `simulated_gpu()` makes minitf behave as if it had a GPU, with
# torch CPU tensors and the interpreter. The backend counts kernel launches — and any
# fallback to the host, which it never does silently:

# %%
import minitf as tf
from minitf.backends import triton_backend

def on_gpu():
    """The real GPU when there is one, else the simulated one."""
    return contextlib.nullcontext() if DEVICE == "cuda" else triton_backend.simulated_gpu()

triton_backend.reset_counts()
with on_gpu(), np.errstate(invalid="ignore"):
    logits = tf.constant([[1.0, 2.0, 3.0]]) * 2.0
    probabilities = tf.nn.softmax(logits)
print(probabilities.device)
print(probabilities)
print("kernel launches:", triton_backend.kernel_counts())
print("host fallbacks: ", triton_backend.fallback_counts())

# %% [markdown]
# ## Fusing a traced function
#
# Inside a `tf.function` minitf sees the whole graph, so it can do better than one
# kernel per op: a graph pass merges each chain of elementwise equations into a single
# `fused_elementwise` equation, and the backend generates one kernel for it.

# %%
from minitf.backends.fusion import fuse_elementwise
from minitf.kernels.fused import kernel_source

@tf.function
def layer(x, w):
    return tf.tanh(x * w + 1.0)

graph = layer.get_concrete_function(tf.zeros([1000]), tf.zeros([1000])).graph
print(graph)
fused = fuse_elementwise(graph)
print(fused)

# %% [markdown]
# Three equations became one. Its `program` is the chain as data, from which minitf
# writes the Triton source — the same four steps as our first kernel, with the chain in
# the middle:

# %%
eqn = fused.eqns[0]
print(kernel_source(eqn.params["program"], len(eqn.inputs), eqn.params["outputs"],
                    scalar_inputs=(False, False), upcast=False))

# %% [markdown]
# Running the traced function on the (simulated) GPU launches that one fused kernel:

# %%
triton_backend.reset_counts()
with on_gpu():
    result = layer(tf.ones([1000]), tf.ones([1000]))
print(result[:3])
print("kernel launches:", triton_backend.kernel_counts())

# %% [markdown]
# ## What you learned, and where to go next
#
# - A Triton kernel is one *program* per block: compute the indices, mask the tail,
#   load, compute, store. The launcher picks the grid.
# - `constexpr` parameters specialise kernels at compile time; strides of 0 broadcast
#   without copies.
# - Fusing (softmax, or a traced chain of elementwise ops) saves memory traffic, which
#   is what elementwise kernels are limited by.
# - Without a GPU, `TRITON_INTERPRET=1` runs the same kernels on the CPU.
#
# Try: add a `BLOCK=64` launch of `scaled_add` and redraw the program map; then read
# `kernels/reduction.py` and find how a sum is split across programs.
#
# The concept page [Backends and kernels](../docs/concepts/backends.md) explains how
# minitf chooses between NumPy and Triton.

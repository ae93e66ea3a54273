"""Backends: where buffers live and which implementation of a primitive runs.

* :mod:`minitf.backends.numpy_backend` — the reference, complete, always present.
* :mod:`minitf.backends.triton_backend` — GPU buffers (torch CUDA tensors); hot
  primitives run as Triton kernels from :mod:`minitf.kernels`. Imported only when a GPU
  is used, so ``import minitf`` never imports torch or triton.
"""

# The hot paths: primitives the Triton backend must run as kernels (not through torch).
# tests/test_registry.py checks that each has a "triton" implementation.
HOT_PATH = (
    "add", "sub", "mul", "div", "neg", "exp", "log", "sqrt", "tanh", "sigmoid", "max", "min",
    "select", "reduce_sum", "reduce_max", "softmax", "log_softmax", "matmul",
)

"""Backends: where buffers live and which implementation of a primitive runs.

* :mod:`minitf.backends.numpy_backend` — the reference, complete, always present.
* :mod:`minitf.backends.triton_backend` — GPU buffers (torch CUDA tensors); hot
  primitives run as Triton kernels from :mod:`minitf.kernels`. Imported only when a GPU
  is used, so ``import minitf`` never imports torch or triton.
"""

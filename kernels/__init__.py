"""Triton kernels, installed as ``minitf.kernels`` (see kernels/README in the docs).

Importing this package imports triton; minitf only does so when the GPU backend is used.
"""

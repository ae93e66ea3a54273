"""The engine: torch.distributed process groups and the ``all_reduce`` primitive.

minitf does not move bytes between processes itself. Every collective here is one call
into ``torch.distributed`` — Gloo between CPU processes, NCCL between GPUs — on torch
tensors that *share memory* with minitf's buffers where they can (a NumPy buffer is
wrapped by ``torch.from_numpy`` without a copy; a GPU buffer already is a torch tensor).

Two kinds of collective are needed:

* **all-reduce** (sum across workers): gradients before each optimizer step, values in
  ``strategy.reduce``. It is a primitive, ``all_reduce``, so a traced training step
  *stages* it into its graph and each call of the graph communicates. It is effectful
  (graph passes never fold, merge or delete it) and its VJP is another all-reduce: if
  every worker outputs ``y = Σ_r x_r``, the cotangent of each ``x_s`` is ``Σ_r ȳ_r``.
* **broadcast** from rank 0: initial variable values and shared seeds. It only ever
  runs eagerly (at variable creation, at the start of ``fit``), so it is a plain
  function on buffers.

Cost model: a ring all-reduce of N bytes over p workers sends and receives
``2 (p - 1) / p · N`` bytes per worker, in ``2 (p - 1)`` latency-bound rounds. Many small
calls pay the latency many times, so :func:`all_reduce_tensors` packs a list of tensors
into one flat buffer per dtype — one collective per step for a whole model — at the
price of one concatenation and one split (``2N`` bytes of local copying).

``torch`` is imported only here, and only when a collective runs or a process group is
created: ``import minitf`` stays light.

Example:
    >>> import minitf as tf
    >>> from minitf.distribute import collectives
    >>> collectives.world_size()  # no process group: one worker, reductions are identities
    1
    >>> collectives.all_reduce_tensors([tf.constant([1.0, 2.0])])[0].numpy()
    array([1., 2.], dtype=float32)
"""

from __future__ import annotations

import atexit
import datetime
from typing import Any, Optional

import numpy as np

from minitf.core.interpreters import bind1
from minitf.core.primitive import Primitive
from minitf.core.spec import TensorSpec
from minitf.tensor import Tensor, convert_to_tensor

__all__ = ["initialize", "is_initialized", "rank", "world_size", "backend", "all_reduce",
           "all_reduce_tensors", "broadcast_buffers", "all_reduce_p", "shutdown"]

# The process group this process joined (one per process, as torch.distributed has).
_group: dict = {"initialized": False, "rank": 0, "world_size": 1, "backend": None}


def initialize(*, rank: int, world_size: int, master_addr: str, master_port: int,
               backend: str, timeout_seconds: Optional[float] = None,
               local_rank: int = 0) -> None:
    """Joins the process group of ``world_size`` workers (blocks until all have joined).

    Args:
        rank: this worker's index, ``0 .. world_size - 1`` (rank 0 is the chief).
        world_size: the number of workers.
        master_addr: the host of rank 0, where the rendezvous listens.
        master_port: its port.
        backend: ``"gloo"`` (CPU tensors) or ``"nccl"`` (CUDA tensors).
        timeout_seconds: how long a collective may wait for the others before failing
            (default 1800 s, torch's); tests pass a short one so a hang becomes an error.
        local_rank: this worker's index on its host: with NCCL, the GPU it uses.

    Raises:
        RuntimeError: if this process already joined a different group.

    Example:
        >>> from minitf.distribute import collectives
        >>> collectives.is_initialized()
        False
    """
    if _group["initialized"]:
        if (_group["rank"], _group["world_size"]) != (rank, world_size):
            raise RuntimeError(
                f"This process already joined a process group as rank {_group['rank']} of "
                f"{_group['world_size']}; it cannot join another as rank {rank} of "
                f"{world_size}. Create one strategy per process.")
        return
    import torch
    import torch.distributed as dist
    if backend == "nccl":
        # One process per GPU: "cuda" must mean this worker's GPU before anything is
        # allocated (minitf's GPU backend places tensors on the current CUDA device).
        torch.cuda.set_device(local_rank)
    timeout = datetime.timedelta(seconds=timeout_seconds or 1800)
    dist.init_process_group(backend, init_method=f"tcp://{master_addr}:{master_port}",
                            rank=rank, world_size=world_size, timeout=timeout)
    _group.update(initialized=True, rank=rank, world_size=world_size, backend=backend)
    atexit.register(shutdown)


def shutdown() -> None:
    """Leaves the process group (registered to run at exit).

    Example:
        >>> from minitf.distribute import collectives
        >>> collectives.shutdown()  # nothing joined: nothing to do
    """
    if not _group["initialized"]:
        return
    import torch.distributed as dist
    if dist.is_initialized():
        dist.destroy_process_group()
    _group.update(initialized=False, rank=0, world_size=1, backend=None)


def is_initialized() -> bool:
    """Whether this process has joined a process group of several workers."""
    return _group["initialized"]


def rank() -> int:
    """This worker's rank (0 without a process group)."""
    return _group["rank"]


def world_size() -> int:
    """The number of workers (1 without a process group)."""
    return _group["world_size"]


def backend() -> Optional[str]:
    """``"gloo"``, ``"nccl"`` or None (no process group)."""
    return _group["backend"]


# ---------------------------------------------------------------------------------------
# Buffers <-> torch tensors
# ---------------------------------------------------------------------------------------
def _as_torch(buffer: Any) -> tuple:
    """A torch tensor the collective may overwrite, and how to turn it back.

    minitf's buffers are immutable, so the collective works on a copy: for NumPy one
    host copy (then ``torch.from_numpy`` shares it), for a GPU buffer one device clone.
    NCCL only reduces CUDA tensors, so a host buffer makes a round trip to the GPU.
    """
    import torch
    if isinstance(buffer, torch.Tensor):
        return buffer.clone(), lambda t: t
    host = np.array(buffer, copy=True)  # 0-d for NumPy scalars
    tensor = torch.from_numpy(host)
    if _group["backend"] == "nccl":
        return tensor.cuda(), lambda t: t.cpu().numpy()
    return tensor, lambda t: t.numpy()


def _check_dtype(dtype: Any, what: str) -> None:
    if np.dtype(dtype).kind not in "fiu":
        raise TypeError(f"{what}: torch.distributed reduces numbers, got dtype "
                        f"{np.dtype(dtype).name}. Cast the value to a float or integer "
                        f"dtype first, e.g. tf.cast(x, tf.float32).")


# ---------------------------------------------------------------------------------------
# The all_reduce primitive
# ---------------------------------------------------------------------------------------
all_reduce_p = Primitive("all_reduce", effectful=True)


@all_reduce_p.def_abstract_eval
def _all_reduce_abstract(x: TensorSpec) -> TensorSpec:
    return x  # an elementwise sum across workers: same shape and dtype


@all_reduce_p.def_vjp
def _all_reduce_vjp(g: Tensor, x: Tensor, *, out: Tensor) -> tuple:
    # y_r = Σ_s x_s on every worker r, so ∂L/∂x_s = Σ_r ȳ_r: the adjoint of a sum-to-all
    # is itself a sum-to-all.
    return (all_reduce(g),)


def _all_reduce_buffer(buffer: Any) -> Any:
    if not _group["initialized"]:
        return buffer  # one worker: the sum over workers is the value itself
    import torch.distributed as dist
    tensor, back = _as_torch(buffer)
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return back(tensor)


@all_reduce_p.def_impl("numpy")
def _all_reduce_numpy(x: Any) -> Any:
    _check_dtype(x.dtype, "all_reduce")
    return _all_reduce_buffer(x)


@all_reduce_p.def_impl("triton")
def _all_reduce_torch(x: Any) -> Any:
    return _all_reduce_buffer(x)  # a torch (CUDA) buffer: NCCL reduces it in place


def all_reduce(x: Any) -> Tensor:
    """The elementwise sum of ``x`` over all workers, on every worker.

    Without a process group (one worker) it returns ``x`` and binds nothing.

    Example:
        >>> import minitf as tf
        >>> from minitf.distribute.collectives import all_reduce
        >>> all_reduce(tf.constant(3.0)).numpy()
        np.float32(3.0)
    """
    x = convert_to_tensor(x)
    if not _group["initialized"]:
        return x
    _check_dtype(x.dtype.as_numpy_dtype, "all_reduce")
    return bind1(all_reduce_p, x)


def all_reduce_tensors(tensors: list) -> list:
    """Sums every tensor of ``tensors`` over all workers with one collective per dtype.

    The tensors are flattened and concatenated into one buffer, reduced, then split
    and reshaped back — see the module's cost model for why one big call beats many
    small ones.

    Args:
        tensors: tensors with fully known shapes (gradients of variables are).

    Returns:
        The reduced tensors, in order.

    Example:
        >>> import minitf as tf
        >>> from minitf.distribute.collectives import all_reduce_tensors
        >>> a, b = all_reduce_tensors([tf.ones([2, 2]), tf.zeros([3])])
        >>> a.shape, b.shape
        (TensorShape([2, 2]), TensorShape([3]))
    """
    tensors = [convert_to_tensor(t) for t in tensors]
    if not _group["initialized"] or not tensors:
        return tensors
    from minitf.ops.joining import concat, split
    from minitf.ops.shape import reshape
    out: list = [None] * len(tensors)
    by_dtype: dict = {}
    for i, t in enumerate(tensors):
        by_dtype.setdefault(t.dtype, []).append(i)
    for indices in by_dtype.values():
        shapes = [tuple(tensors[i]._shape) for i in indices]
        if len(indices) == 1 or any(None in s for s in shapes):
            for i in indices:  # nothing to pack, or no static sizes to split: one call each
                out[i] = all_reduce(tensors[i])
            continue
        sizes = [int(np.prod(s, dtype=np.int64)) for s in shapes]
        flat = concat([reshape(tensors[i], [-1]) for i in indices], axis=0)
        reduced = all_reduce(flat)  # the one collective for this dtype
        for i, part, shape in zip(indices, split(reduced, sizes), shapes):
            out[i] = reshape(part, list(shape))
    return out


def broadcast_buffers(buffers: list, src: int = 0) -> list:
    """Rank ``src``'s values of ``buffers`` on every worker (eager; one call per dtype).

    Args:
        buffers: NumPy arrays or torch tensors, the same shapes and dtypes on every
            worker.
        src: the rank whose values win.

    Returns:
        New buffers of the same types (the inputs are not modified).

    Example:
        >>> import numpy as np
        >>> from minitf.distribute.collectives import broadcast_buffers
        >>> broadcast_buffers([np.arange(3)])[0]
        array([0, 1, 2])
    """
    if not _group["initialized"] or not buffers:
        return list(buffers)
    import torch
    import torch.distributed as dist
    out: list = [None] * len(buffers)
    by_dtype: dict = {}
    for i, b in enumerate(buffers):
        by_dtype.setdefault(str(b.dtype), []).append(i)
    for indices in by_dtype.values():
        pairs = [_as_torch(buffers[i]) for i in indices]
        flat = torch.cat([t.reshape(-1) for t, _ in pairs])
        dist.broadcast(flat, src=src)
        for (t, back), i, part in zip(pairs, indices,
                                      torch.split(flat, [t.numel() for t, _ in pairs])):
            out[i] = back(part.reshape(t.shape).clone())
    return out

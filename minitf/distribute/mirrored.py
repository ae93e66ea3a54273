"""``MirroredStrategy`` and ``MultiWorkerMirroredStrategy``: synchronous data parallelism.

Both keep a full copy of the model on every replica ("mirrored" variables), give each
replica a different shard of every batch, and sum the gradients over replicas before
each update — so every copy takes the same step and the copies stay identical.

In minitf each replica is a process (see :mod:`minitf.distribute.strategy`), started by
``python -m minitf.distribute.launch --nproc N script.py`` or ``torchrun``. The two
strategies differ only in what they accept:

* ``MirroredStrategy`` — the replicas of **one host**: its GPUs, one process each; on a
  machine without GPUs and without a launcher, one replica on the CPU, as TensorFlow.
* ``MultiWorkerMirroredStrategy`` — workers on **any hosts**, described by ``TF_CONFIG``
  or torch's launcher variables.

Creating one joins the process group (``torch.distributed.init_process_group``: Gloo on
the CPU, NCCL on GPUs), which blocks until every worker has arrived — so create the
strategy first, before any tensor is placed on a GPU.

Example:
    >>> import minitf as tf
    >>> strategy = tf.distribute.MirroredStrategy()
    >>> strategy.num_replicas_in_sync
    1
"""

from __future__ import annotations

import enum
import os
from typing import Any, Optional

from minitf.distribute import collectives
from minitf.distribute.cluster_resolver import ClusterResolver, from_environment
from minitf.distribute.strategy import Strategy

__all__ = ["MirroredStrategy", "MultiWorkerMirroredStrategy", "CommunicationImplementation",
           "CommunicationOptions", "NcclAllReduce", "HierarchicalCopyAllReduce",
           "ReductionToOneDevice"]


class CommunicationImplementation(enum.Enum):
    """Which collective library to use: ``RING`` is Gloo, ``NCCL`` is NCCL, ``AUTO``
    picks NCCL on GPUs and Gloo on the CPU.

    Example:
        >>> CommunicationImplementation.AUTO
        <CommunicationImplementation.AUTO: 'AUTO'>
    """

    AUTO = "AUTO"
    RING = "RING"
    NCCL = "NCCL"


class CommunicationOptions:
    """Options for the collectives (``tf.distribute.experimental.CommunicationOptions``).

    Args:
        bytes_per_pack: accepted for compatibility (gradients always travel as one
            buffer per dtype).
        timeout_seconds: how long a collective waits for the other workers before
            failing (default: torch's 30 minutes).
        implementation: a :class:`CommunicationImplementation`.

    Example:
        >>> opts = CommunicationOptions(timeout_seconds=60)
        >>> opts.timeout_seconds, opts.implementation
        (60, <CommunicationImplementation.AUTO: 'AUTO'>)
    """

    def __init__(self, bytes_per_pack: int = 0, timeout_seconds: Optional[float] = None,
                 implementation: CommunicationImplementation = CommunicationImplementation.AUTO
                 ) -> None:
        self.bytes_per_pack = bytes_per_pack
        self.timeout_seconds = timeout_seconds
        self.implementation = CommunicationImplementation(implementation)


class _CrossDeviceOps:
    """A choice of all-reduce library for ``MirroredStrategy(cross_device_ops=...)``."""

    implementation = CommunicationImplementation.AUTO

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass


class NcclAllReduce(_CrossDeviceOps):
    """All-reduce with NCCL (GPUs).

    Example:
        >>> NcclAllReduce().implementation.value
        'NCCL'
    """

    implementation = CommunicationImplementation.NCCL


class HierarchicalCopyAllReduce(NcclAllReduce):
    """TF's tree all-reduce for GPUs; in minitf, NCCL's (which picks its own topology)."""


class ReductionToOneDevice(_CrossDeviceOps):
    """TF's reduce-through-one-device; in minitf, Gloo's ring all-reduce.

    Example:
        >>> ReductionToOneDevice().implementation.value
        'RING'
    """

    implementation = CommunicationImplementation.RING


def _uses_gpu() -> bool:
    from minitf.device import gpu_available
    if not gpu_available():
        return False
    from minitf.backends.triton_backend import TRITON
    return TRITON.device.type == "cuda"  # a simulated GPU (torch CPU tensors) uses Gloo


def _backend_for(implementation: CommunicationImplementation) -> str:
    if implementation is CommunicationImplementation.RING:
        return "gloo"
    gpu = _uses_gpu()
    if implementation is CommunicationImplementation.NCCL and not gpu:
        raise ValueError("CommunicationImplementation.NCCL needs GPUs, and minitf sees none "
                         "(or MINITF_DEVICE=cpu is set). Use AUTO or RING (Gloo) on the CPU.")
    return "nccl" if gpu else "gloo"


class _CollectiveStrategy(Strategy):
    """Joins the process group the resolver describes (nothing to join for one worker)."""

    def __init__(self, resolver: ClusterResolver,
                 implementation: CommunicationImplementation,
                 timeout_seconds: Optional[float]) -> None:
        backend = _backend_for(implementation)
        if resolver.num_workers > 1:
            collectives.initialize(rank=resolver.rank, world_size=resolver.num_workers,
                                   master_addr=resolver.master_addr,
                                   master_port=resolver.master_port, backend=backend,
                                   timeout_seconds=timeout_seconds,
                                   local_rank=resolver.local_rank)
        kind = "GPU" if backend == "nccl" else "CPU"
        index = resolver.local_rank if kind == "GPU" else 0
        job = "worker" if resolver.num_workers > 1 else "localhost"
        task = resolver.rank if resolver.num_workers > 1 else 0
        super().__init__(resolver, device=f"/job:{job}/replica:0/task:{task}/device:"
                                          f"{kind}:{index}")
        self._backend = backend


class MirroredStrategy(_CollectiveStrategy):
    """Synchronous training on the replicas of one host (one process per GPU).

    Args:
        devices: the devices to use, e.g. ``["/gpu:0", "/gpu:1"]``; one process runs
            each (start them with the launcher). Default: one per launched process, or
            this process's single device.
        cross_device_ops: ``tf.distribute.NcclAllReduce()`` (GPUs) or
            ``tf.distribute.ReductionToOneDevice()`` (Gloo); default: NCCL on GPUs,
            Gloo on the CPU.

    Raises:
        ValueError: when the launched processes span several hosts (use
            ``MultiWorkerMirroredStrategy``), or when several devices are asked for in a
            process that was not launched one per device.

    Example:
        >>> import minitf as tf
        >>> strategy = tf.distribute.MirroredStrategy()
        >>> strategy.num_replicas_in_sync, strategy.extended.worker_devices
        (1, ('/job:localhost/replica:0/task:0/device:CPU:0',))
    """

    def __init__(self, devices: Optional[list] = None, cross_device_ops: Any = None) -> None:
        if os.environ.get("TF_CONFIG"):
            resolver = ClusterResolver()  # TF_CONFIG describes multi-worker jobs only
        else:
            resolver = from_environment()
        if resolver.local_world_size != resolver.num_workers:
            raise ValueError(
                f"MirroredStrategy uses the devices of one host, but the launcher started "
                f"{resolver.num_workers} workers, {resolver.local_world_size} on this host. "
                f"For several hosts use tf.distribute.MultiWorkerMirroredStrategy().")
        if devices is not None and len(devices) != resolver.num_workers:
            raise ValueError(
                f"MirroredStrategy(devices={list(devices)}) asks for {len(devices)} replicas "
                f"but {resolver.num_workers} process(es) were started: minitf runs one "
                f"process per device. Start them with `python -m minitf.distribute.launch "
                f"--nproc {len(devices)} script.py` (or torchrun).")
        implementation = getattr(cross_device_ops, "implementation",
                                 CommunicationImplementation.AUTO)
        super().__init__(resolver, implementation, timeout_seconds=None)


class MultiWorkerMirroredStrategy(_CollectiveStrategy):
    """Synchronous training on workers that may be on different hosts.

    Args:
        communication_options: a :class:`CommunicationOptions` (library and timeout).
        cluster_resolver: who the workers are; default: ``TF_CONFIG`` if set, else
            the launcher's ``RANK``/``WORLD_SIZE``/``MASTER_ADDR``/``MASTER_PORT``, else
            this process alone.

    Example:
        >>> import minitf as tf
        >>> strategy = tf.distribute.MultiWorkerMirroredStrategy()
        >>> strategy.num_replicas_in_sync, strategy.cluster_resolver.task_id
        (1, None)
    """

    def __init__(self, communication_options: Optional[CommunicationOptions] = None,
                 cluster_resolver: Optional[ClusterResolver] = None) -> None:
        options = communication_options or CommunicationOptions()
        resolver = cluster_resolver or from_environment()
        super().__init__(resolver, options.implementation, options.timeout_seconds)

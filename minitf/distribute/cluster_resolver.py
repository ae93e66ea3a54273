"""``tf.distribute.cluster_resolver``: who the workers are, and which one this is.

A multi-worker job needs four facts in every process: how many workers there are, this
worker's index (``task_id``; worker 0 is the *chief*), where worker 0 listens (the
rendezvous), and this worker's index on its own host (which GPU it uses). They come
from the environment, in one of two dialects:

* TensorFlow's ``TF_CONFIG``, a JSON string::

      {"cluster": {"worker": ["host1:12345", "host2:12345"]},
       "task": {"type": "worker", "index": 1}}

  (a ``"chief"`` job, if present, comes first: it is worker 0);
* torch's launcher variables, set by ``torchrun`` and by ``python -m
  minitf.distribute.launch``: ``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``,
  ``MASTER_PORT``, ``LOCAL_RANK``, ``LOCAL_WORLD_SIZE``.

Example:
    >>> from minitf.distribute.cluster_resolver import TFConfigClusterResolver
    >>> config = ('{"cluster": {"worker": ["10.0.0.1:2222", "10.0.0.2:2222"]}, '
    ...           '"task": {"type": "worker", "index": 1}}')
    >>> r = TFConfigClusterResolver(environ={"TF_CONFIG": config})
    >>> r.task_type, r.task_id, r.num_workers, r.master()
    ('worker', 1, 2, 'grpc://10.0.0.1:2222')
"""

from __future__ import annotations

import json
import os
from typing import Mapping, Optional

__all__ = ["ClusterSpec", "ClusterResolver", "SimpleClusterResolver",
           "TFConfigClusterResolver", "from_environment"]


class ClusterSpec:
    """The jobs of a cluster and their task addresses (``tf.train.ClusterSpec``).

    Example:
        >>> spec = ClusterSpec({"worker": ["a:1", "b:1"]})
        >>> spec.num_tasks("worker"), spec.jobs, spec.as_dict()
        (2, ['worker'], {'worker': ['a:1', 'b:1']})
    """

    def __init__(self, cluster: Optional[Mapping[str, list]] = None) -> None:
        self._cluster = {job: list(tasks) for job, tasks in (cluster or {}).items()}

    @property
    def jobs(self) -> list:
        """The job names."""
        return list(self._cluster)

    def num_tasks(self, job_name: str) -> int:
        """How many tasks ``job_name`` has."""
        return len(self._cluster.get(job_name, []))

    def job_tasks(self, job_name: str) -> list:
        """The addresses of ``job_name``'s tasks."""
        return list(self._cluster.get(job_name, []))

    def as_dict(self) -> dict:
        """``{job: [address, ...]}``."""
        return {job: list(tasks) for job, tasks in self._cluster.items()}

    def __bool__(self) -> bool:
        return bool(self._cluster)

    def __repr__(self) -> str:
        return f"ClusterSpec({self._cluster})"


class ClusterResolver:
    """The facts a multi-worker strategy needs about its cluster.

    Attributes:
        task_type: ``"worker"`` (or ``"chief"``), None for a single local worker.
        task_id: this worker's index within ``task_type`` (None for a local worker).
        rank: this worker's global index, ``0 .. num_workers - 1`` (0 is the chief).
        num_workers: the number of workers.
        master_addr, master_port: where worker 0 listens for the rendezvous.
        local_rank: this worker's index on its host (its GPU).
        local_world_size: the number of workers on this host.
        rpc_layer: TF's protocol prefix for :meth:`master` (``"grpc"``).

    Example:
        >>> r = ClusterResolver()
        >>> r.num_workers, r.rank, r.cluster_spec()
        (1, 0, ClusterSpec({}))
    """

    def __init__(self, *, task_type: Optional[str] = None, task_id: Optional[int] = None,
                 rank: int = 0, num_workers: int = 1, master_addr: str = "127.0.0.1",
                 master_port: int = 0, local_rank: int = 0,
                 local_world_size: Optional[int] = None,
                 cluster: Optional[Mapping[str, list]] = None,
                 rpc_layer: Optional[str] = "grpc") -> None:
        if not 0 <= rank < num_workers:
            raise ValueError(f"A worker's rank must be in [0, {num_workers}) for "
                             f"{num_workers} workers, got rank {rank}.")
        self.task_type, self.task_id = task_type, task_id
        self.rank, self.num_workers = int(rank), int(num_workers)
        self.master_addr, self.master_port = master_addr, int(master_port)
        self.local_rank = int(local_rank)
        self.local_world_size = int(local_world_size if local_world_size is not None
                                    else num_workers)
        self.rpc_layer = rpc_layer
        self._cluster = ClusterSpec(cluster)

    def cluster_spec(self) -> ClusterSpec:
        """The cluster's jobs and addresses (empty for a single local worker)."""
        return self._cluster

    def master(self, task_type: Optional[str] = None, task_id: Optional[int] = None,
               rpc_layer: Optional[str] = None) -> str:
        """The address of worker 0 (or of ``task_type``/``task_id``), e.g.
        ``"grpc://host:port"``; ``""`` for a single local worker."""
        if task_type is not None and task_id is not None:
            address = self._cluster.job_tasks(task_type)[task_id]
        elif self.num_workers == 1 and not self._cluster:
            return ""
        else:
            address = f"{self.master_addr}:{self.master_port}"
        layer = rpc_layer or self.rpc_layer
        return f"{layer}://{address}" if layer else address

    def num_accelerators(self, task_type: Optional[str] = None,
                         task_id: Optional[int] = None) -> dict:
        """``{"GPU": n}`` for this host, as far as minitf can use them."""
        from minitf.device import gpu_available
        if not gpu_available():
            return {}
        import torch
        return {"GPU": max(1, torch.cuda.device_count())} if torch.cuda.is_available() \
            else {"GPU": 1}

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(task_type={self.task_type!r}, task_id={self.task_id},"
                f" num_workers={self.num_workers})")


class SimpleClusterResolver(ClusterResolver):
    """A resolver from explicit values (TF's name; the same fields as the base).

    Example:
        >>> r = SimpleClusterResolver(ClusterSpec({"worker": ["h:1", "h:2"]}),
        ...                           task_type="worker", task_id=1)
        >>> r.rank, r.num_workers, r.master_port
        (1, 2, 1)
    """

    def __init__(self, cluster_spec: ClusterSpec, master: str = "",
                 task_type: Optional[str] = None, task_id: Optional[int] = None,
                 rpc_layer: Optional[str] = "grpc") -> None:
        kwargs = _from_cluster(cluster_spec.as_dict(), task_type or "worker", task_id or 0)
        super().__init__(task_type=task_type, task_id=task_id, rpc_layer=rpc_layer,
                         **kwargs)


class TFConfigClusterResolver(ClusterResolver):
    """The cluster described by the ``TF_CONFIG`` environment variable.

    Args:
        environ: the environment to read (default ``os.environ``).

    Raises:
        ValueError: for a malformed ``TF_CONFIG`` (the message says what is expected).

    Example:
        >>> r = TFConfigClusterResolver(environ={})
        >>> r.task_type, r.task_id, r.num_workers
        (None, None, 1)
    """

    def __init__(self, environ: Optional[Mapping[str, str]] = None) -> None:
        environ = os.environ if environ is None else environ
        text = environ.get("TF_CONFIG", "")
        if not text:
            super().__init__()
            return
        try:
            config = json.loads(text)
            cluster = config.get("cluster") or {}
            task = config.get("task") or {}
            task_type, task_id = task["type"], int(task["index"])
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise ValueError(
                f"TF_CONFIG must be JSON like {{\"cluster\": {{\"worker\": [\"host:port\", "
                f"...]}}, \"task\": {{\"type\": \"worker\", \"index\": 0}}}}; got {text!r} "
                f"({e}).") from None
        super().__init__(task_type=task_type, task_id=task_id, cluster=cluster,
                         rpc_layer=config.get("rpc_layer", "grpc"),
                         **_from_cluster(cluster, task_type, task_id))


def _from_cluster(cluster: Mapping[str, list], task_type: str, task_id: int) -> dict:
    """Rank, size, rendezvous and local rank from ``{job: [host:port, ...]}``.

    The chief (if any) is rank 0, then the workers in order; other jobs (``ps``,
    ``evaluator``) take no part in all-reduce training.
    """
    tasks = [("chief", i, a) for i, a in enumerate(cluster.get("chief", []))]
    tasks += [("worker", i, a) for i, a in enumerate(cluster.get("worker", []))]
    if not tasks:
        raise ValueError(f"The cluster {dict(cluster)} has no 'chief' or 'worker' job: "
                         f"list the workers' 'host:port' addresses under 'worker'.")
    ranks = [(t, i) for t, i, _ in tasks]
    if (task_type, task_id) not in ranks:
        raise ValueError(f"This task ({task_type} {task_id}) is not in the cluster "
                         f"{dict(cluster)}: a multi-worker strategy runs on the 'chief' "
                         f"and 'worker' tasks.")
    rank = ranks.index((task_type, task_id))
    host_of = [a.rsplit(":", 1)[0] for _, _, a in tasks]
    master_host, master_port = tasks[0][2].rsplit(":", 1)
    local = [r for r, h in enumerate(host_of) if h == host_of[rank]]
    return {"rank": rank, "num_workers": len(tasks), "master_addr": master_host,
            "master_port": int(master_port), "local_rank": local.index(rank),
            "local_world_size": len(local)}


def from_environment(environ: Optional[Mapping[str, str]] = None) -> ClusterResolver:
    """The cluster this process belongs to: ``TF_CONFIG`` if set, else torch's launcher
    variables (``RANK``/``WORLD_SIZE``/...), else one local worker.

    Raises:
        ValueError: if ``WORLD_SIZE`` says several workers but ``MASTER_ADDR`` or
            ``MASTER_PORT`` is missing.

    Example:
        >>> env = {"RANK": "1", "WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1",
        ...        "MASTER_PORT": "29500", "LOCAL_RANK": "1"}
        >>> r = from_environment(env)
        >>> r.rank, r.num_workers, r.task_type, r.task_id, r.master()
        (1, 2, 'worker', 1, 'grpc://127.0.0.1:29500')
    """
    environ = os.environ if environ is None else environ
    if environ.get("TF_CONFIG"):
        return TFConfigClusterResolver(environ)
    world = int(environ.get("WORLD_SIZE", "1") or 1)
    if world <= 1 and "RANK" not in environ:
        return ClusterResolver()
    missing = [k for k in ("MASTER_ADDR", "MASTER_PORT") if not environ.get(k)]
    if missing and world > 1:
        raise ValueError(f"WORLD_SIZE={world} but {' and '.join(missing)} not set: start the "
                         f"workers with `python -m minitf.distribute.launch --nproc N "
                         f"script.py` or `torchrun --nproc-per-node N script.py`, which set "
                         f"them.")
    rank = int(environ.get("RANK", "0"))
    return ClusterResolver(task_type="worker", task_id=rank, rank=rank, num_workers=world,
                           master_addr=environ.get("MASTER_ADDR", "127.0.0.1"),
                           master_port=int(environ.get("MASTER_PORT", "0") or 0),
                           local_rank=int(environ.get("LOCAL_RANK", "0")),
                           local_world_size=int(environ.get("LOCAL_WORLD_SIZE", world)))

"""``tf.distribute``: data parallelism on torch.distributed.

Data parallelism trains one model on several workers at once: each worker holds a full
copy of the model, reads a different shard of every batch, and before each update the
workers sum their gradients — so every copy takes the same step, and ``n`` workers
together do what one would do on the combined batch.

The engine is ``torch.distributed`` (Gloo between CPU processes, NCCL between GPUs);
minitf adds TensorFlow's API on top: strategies, scopes, replica contexts, distributed
datasets, and the hooks that make ``model.fit`` distributed. One replica per process;
start the processes with ``python -m minitf.distribute.launch --nproc N script.py`` (or
``torchrun``). ``import minitf`` does not import torch: a strategy imports it when it
joins a process group.

Example:
    >>> import minitf as tf
    >>> strategy = tf.distribute.MirroredStrategy()     # no GPU, no launcher: 1 replica
    >>> with strategy.scope():
    ...     model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    ...     model.compile(optimizer="sgd", loss="mse")
    >>> model.distribute_strategy is strategy, strategy.num_replicas_in_sync
    (True, 1)
"""

from __future__ import annotations

import types as _types

from minitf.distribute import cluster_resolver  # noqa: F401
from minitf.distribute.collectives import all_reduce_p  # noqa: F401  (registers it)
from minitf.distribute.input_lib import InputContext  # noqa: F401
from minitf.distribute.mirrored import (  # noqa: F401
    CommunicationImplementation, CommunicationOptions, HierarchicalCopyAllReduce,
    MirroredStrategy, MultiWorkerMirroredStrategy, NcclAllReduce, ReductionToOneDevice,
)
from minitf.distribute.reduce_op import ReduceOp  # noqa: F401
from minitf.distribute.strategy import (  # noqa: F401
    ReplicaContext, Strategy, StrategyExtended, get_replica_context, get_strategy,
    has_strategy, in_cross_replica_context,
)
from minitf.distribute.variables import install as _install

_install()  # variables created in a strategy's scope start as rank 0's values

# tf.distribute.experimental: the options of the collectives, and the strategy's
# old home (TF 2.3 and earlier).
experimental = _types.SimpleNamespace(
    CommunicationImplementation=CommunicationImplementation,
    CommunicationOptions=CommunicationOptions,
    CollectiveCommunication=CommunicationImplementation,
    MultiWorkerMirroredStrategy=MultiWorkerMirroredStrategy,
)

__all__ = [
    "Strategy", "StrategyExtended", "MirroredStrategy", "MultiWorkerMirroredStrategy",
    "ReplicaContext", "ReduceOp", "InputContext", "get_strategy", "has_strategy",
    "get_replica_context", "in_cross_replica_context", "cluster_resolver", "experimental",
    "NcclAllReduce", "HierarchicalCopyAllReduce", "ReductionToOneDevice",
]

"""One network trained by several processes: torch DistributedDataParallel under torchrun.

``IRNetRegressor(data_parallel=True)`` (and the classifier) trains in every process of a
``torch.distributed`` job, for example one started by ``torchrun --nproc-per-node 2``. All
processes hold the whole data and cut the same global batches (the batch order is seeded
identically, and rank 0's seed is shared when ``random_state=None``); each process runs
its contiguous slice of every global batch through a
:class:`~torch.nn.parallel.DistributedDataParallel` wrapper, which averages the gradients.
BatchNorm layers normalise with the statistics of the global batch during training
(:class:`GlobalBatchNorm1d`, a synchronised BatchNorm that also runs on CPU), not with those
of one slice: the step equals the one-process step on the global batch up to rounding.
The per-process loss is weighted by the slice's share of the global batch, so uneven
slices average correctly. Afterwards the layers are plain BatchNorm again and every
process holds the same fitted model.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

_TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


def ensure_process_group(device: str, environ: Mapping[str, str] | None = None) -> None:
    """Join the ``torch.distributed`` job this process belongs to, if not joined yet.

    Raises
    ------
    ValueError
        If no process group is initialised and the torchrun variables are missing.
    """
    import torch.distributed as dist

    if not dist.is_available():
        raise ValueError("data_parallel=True needs torch.distributed, which this torch "
                         "build lacks.")
    if dist.is_initialized():
        return
    environ = os.environ if environ is None else environ
    missing = [name for name in _TORCHRUN_VARIABLES if name not in environ]
    if missing:
        raise ValueError(
            "data_parallel=True trains one network in several processes: start the script "
            "with torchrun (torchrun --nproc-per-node 2 script.py) or call "
            f"torch.distributed.init_process_group first; missing {', '.join(missing)}."
        )
    dist.init_process_group(backend="nccl" if device.startswith("cuda") else "gloo")


def rank_device(device: str, local_rank: int) -> str:
    """The device of one process: an unindexed ``"cuda"`` becomes ``"cuda:<local_rank>"``.

    Examples
    --------
    >>> rank_device("cuda", 1), rank_device("cuda:3", 1), rank_device("cpu", 1)
    ('cuda:1', 'cuda:3', 'cpu')
    """
    return f"cuda:{local_rank}" if device == "cuda" else device


def local_rank(environ: Mapping[str, str] | None = None) -> int:
    """This process's index on its machine (torchrun's ``LOCAL_RANK``; 0 if unset)."""
    return int((os.environ if environ is None else environ).get("LOCAL_RANK", 0))


def world() -> tuple[int, int]:
    """``(rank, world_size)`` of the current process group."""
    import torch.distributed as dist

    return dist.get_rank(), dist.get_world_size()


def shared_seed(seed: int, device: str) -> int:
    """Rank 0's seed, in every process."""
    import torch.distributed as dist

    value = torch.tensor([seed], dtype=torch.int64, device=device)
    dist.broadcast(value, src=0)
    return int(value.item())


def shard(start: int, stop: int, rank: int, world_size: int) -> tuple[int, int]:
    """The rows ``[a, b)`` of the batch ``[start, stop)`` that process ``rank`` trains on:
    contiguous slices whose sizes differ by at most one.

    Examples
    --------
    >>> [shard(0, 7, r, 2) for r in range(2)]
    [(0, 4), (4, 7)]
    >>> [shard(10, 13, r, 3) for r in range(3)]
    [(10, 11), (11, 12), (12, 13)]
    """
    n = stop - start
    size, extra = divmod(n, world_size)
    a = start + rank * size + min(rank, extra)
    return a, a + size + (rank < extra)


def all_reduce_sum(*values: torch.Tensor) -> None:
    """Sum tensors over all processes, in place."""
    import torch.distributed as dist

    for value in values:
        dist.all_reduce(value, op=dist.ReduceOp.SUM)


@contextmanager
def distributed_training(net: Any) -> Iterator[None]:
    """Train ``net`` (a :class:`~sklearn_irnet._training.TabularNetBase`) data-parallel in the
    block: global-batch BatchNorm and a DistributedDataParallel wrapper, both removed after.
    """
    module = net.module_
    to_global_batch_norm(module)
    device = torch.device(net.device)
    # object.__setattr__: skorch refuses torch modules set outside its initialize methods,
    # and this wrapper must not become one of the net's registered modules either
    try:
        object.__setattr__(net, "ddp_module", nn.parallel.DistributedDataParallel(
            module, device_ids=[device.index or 0] if device.type == "cuda" else None))
        yield
    finally:
        object.__setattr__(net, "ddp_module", None)
        to_batch_norm(module)


class GlobalBatchNorm1d(nn.BatchNorm1d):
    """``BatchNorm1d`` that normalises with the statistics of the global batch: the rows of
    every process of the ``torch.distributed`` job together.

    Written here because ``torch.nn.SyncBatchNorm`` rejects CPU tensors (torch 2.13: "expected
    input tensor to be on GPU"). One summed all-reduce of the per-feature sums, sums of
    squares (in float64) and row count per layer and step, and one of their gradients in the
    backward pass, so the gradients also flow through the global statistics as in a
    one-process step. Outside training, or
    without a process group, it is ``BatchNorm1d``.
    """

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        import torch.distributed as dist

        if not (self.training and dist.is_available() and dist.is_initialized()):
            return super().forward(input)
        x = input.double()
        count = x.new_full((1,), float(len(x)))
        stats = _SummedOverProcesses.apply(torch.cat([x.sum(0), (x * x).sum(0), count]))
        n_features = x.shape[1]
        n = stats[-1]
        mean = stats[:n_features] / n
        var = stats[n_features:2 * n_features] / n - mean * mean
        if n.item() < 2:
            raise ValueError("Expected more than 1 value per channel when training, got a "
                             "global batch of one row.")
        out = (x - mean) * torch.rsqrt(var + self.eps)
        if self.affine:
            out = out * self.weight + self.bias
        if self.track_running_stats:
            with torch.no_grad():
                self.num_batches_tracked.add_(1)
                momentum = (1.0 / self.num_batches_tracked.item() if self.momentum is None
                            else self.momentum)
                unbiased = var * n / (n - 1)
                self.running_mean.lerp_(mean.to(self.running_mean.dtype), momentum)
                self.running_var.lerp_(unbiased.to(self.running_var.dtype), momentum)
        return out.to(input.dtype)


class _SummedOverProcesses(torch.autograd.Function):
    """A tensor summed over all processes; the gradient is summed likewise, so that each
    process receives the derivative of every process's loss with respect to the sum.
    (Our own: ``torch.distributed.nn.functional.all_reduce`` is deprecated in torch 2.13.)"""

    @staticmethod
    def forward(ctx: Any, tensor: torch.Tensor) -> torch.Tensor:
        total = tensor.clone()
        all_reduce_sum(total)
        return total

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        total = grad.clone()
        all_reduce_sum(total)
        return total


def to_global_batch_norm(module: nn.Module) -> None:
    """Make every ``BatchNorm1d`` of ``module`` a :class:`GlobalBatchNorm1d`, in place (the
    same parameters and running statistics; only the class changes)."""
    for layer in module.modules():
        if type(layer) is nn.BatchNorm1d:
            layer.__class__ = GlobalBatchNorm1d


def to_batch_norm(module: nn.Module) -> None:
    """Undo :func:`to_global_batch_norm` (in place).

    Examples
    --------
    >>> net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4, eps=1e-3))
    >>> to_global_batch_norm(net); type(net[1]).__name__
    'GlobalBatchNorm1d'
    >>> to_batch_norm(net); type(net[1]).__name__, net[1].eps
    ('BatchNorm1d', 0.001)
    """
    for layer in module.modules():
        if type(layer) is GlobalBatchNorm1d:
            layer.__class__ = nn.BatchNorm1d

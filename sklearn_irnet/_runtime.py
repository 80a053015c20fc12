"""Where and how training runs: device, torch threads, mixed precision, seeds, memory errors."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from typing import Any

import numpy as np
import torch
from sklearn.utils.validation import check_random_state


def draw_seed(random_state: Any) -> int:
    """An int seed from ``random_state``; ``None`` draws fresh OS entropy, not numpy's global
    generator, so that fitting never moves the global state."""
    if random_state is None:
        return int(np.random.default_rng().integers(2**31 - 1))
    return int(check_random_state(random_state).randint(2**31 - 1))


def resolve_device(device: str) -> str:
    """The torch device to train on; on a Dask worker, ``"cuda"`` and ``"auto"`` name the
    worker's own GPU (:func:`worker_cuda_device`)."""
    resolved = _parse_device(device)
    worker = dask_worker()
    if resolved == "cuda" and worker is not None:
        return worker_cuda_device(worker.name, torch.cuda.device_count(), os.environ)
    return resolved


def _parse_device(device: str) -> str:
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device must be 'cpu', 'cuda', 'cuda:N' or 'auto', got {device!r}."
        ) from None
    if parsed.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this machine; "
            "use device='cpu' or device='auto'."
        )
    if parsed.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu', 'cuda', 'cuda:N' or 'auto', got {device!r}.")
    return str(parsed)


def dask_worker() -> Any | None:
    """The ``distributed.Worker`` running this code, or None outside a Dask task.

    Costs nothing where Dask was never imported (``distributed`` is not imported here).
    """
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return None
    try:
        return distributed.get_worker()
    except ValueError:
        return None


def worker_torch_threads(nthreads: int, cores: float | None = None) -> int:
    """Torch threads for one task on a Dask worker that runs ``nthreads`` tasks at once.

    A worker's ``nthreads`` tasks share the cores the worker owns: by Dask's convention
    that is ``nthreads`` cores (``LocalCluster`` splits the machine's cores among its
    workers), unless the worker declares more with a ``CPU`` resource
    (``dask worker --nthreads 2 --resources CPU=8``). Each task gets an equal share, at
    least one thread, so concurrent fits never oversubscribe the worker.

    Examples
    --------
    >>> worker_torch_threads(4), worker_torch_threads(2, cores=8), worker_torch_threads(4, 2)
    (1, 4, 1)
    """
    if nthreads < 1:
        raise ValueError(f"nthreads must be >= 1, got {nthreads}.")
    return max(1, int((nthreads if cores is None else cores) // nthreads))


def resolve_n_threads(n_threads: int | None) -> int | None:
    """The torch threads a fit or predict uses: ``n_threads`` when set, else the task's
    share on a Dask worker (:func:`worker_torch_threads`), else None (torch's setting)."""
    if n_threads is not None:
        return n_threads
    worker = dask_worker()
    if worker is None:
        return None
    resources = getattr(worker.state, "total_resources", None) or {}
    return worker_torch_threads(worker.state.nthreads, resources.get("CPU"))


def worker_cuda_device(name: Any, n_devices: int, environ: Mapping[str, str]) -> str:
    """The CUDA device of a Dask worker called ``name`` that sees ``n_devices`` GPUs.

    In order: the worker's ``SKLEARN_IRNET_DEVICE`` environment variable; ``"cuda:0"``
    when ``CUDA_VISIBLE_DEVICES`` pins the worker to one GPU, or when ``dask-cuda`` started
    it (it lists the worker's own GPU first); else the trailing number of the worker's
    name modulo ``n_devices`` (``LocalCluster`` names its workers 0, 1, ...); else
    ``"cuda:0"``.

    Examples
    --------
    >>> worker_cuda_device(3, 2, {}), worker_cuda_device("node-1", 4, {})
    ('cuda:1', 'cuda:1')
    >>> worker_cuda_device(3, 1, {"CUDA_VISIBLE_DEVICES": "5"})
    'cuda:0'
    >>> worker_cuda_device(0, 2, {"SKLEARN_IRNET_DEVICE": "cuda:1"})
    'cuda:1'
    """
    explicit = environ.get("SKLEARN_IRNET_DEVICE")
    if explicit:
        return explicit
    visible = [d for d in environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if d.strip()]
    if len(visible) == 1 or (visible and "dask_cuda" in sys.modules):
        return "cuda:0"
    number = re.search(r"(\d+)$", str(name))
    if number is None or n_devices < 1:
        return "cuda:0"
    return f"cuda:{int(number.group(1)) % n_devices}"


@contextmanager
def torch_threads(n_threads: int | None) -> Iterator[None]:
    """Run the block with ``n_threads`` torch threads (see :func:`resolve_n_threads`) and
    restore the previous setting afterwards."""
    n_threads = resolve_n_threads(n_threads)
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def autocast_context(device: str, dtype_name: str | None) -> Any:
    if dtype_name is None:
        return nullcontext()
    if dtype_name == "float16" and not device.startswith("cuda"):
        raise ValueError("autocast='float16' needs a CUDA device; use 'bfloat16' on CPU.")
    return torch.autocast(torch.device(device).type, dtype=getattr(torch, dtype_name))


@contextmanager
def explain_out_of_memory(
    device: str,
    architecture: Any,
    batch_size: int,
    data_shape: tuple[int, int],
    n_outputs: int,
) -> Iterator[None]:
    """Re-raise an out-of-memory error with its likely causes and remedies."""
    try:
        yield
    except torch.OutOfMemoryError as error:
        n_rows, n_features = data_shape
        data_bytes = n_rows * (n_features + n_outputs) * 4  # float32 X and y
        data_size = (f"{data_bytes / 2**20:.1f} MB" if data_bytes >= 2**20
                     else f"{data_bytes / 2**10:.1f} KB")
        raise torch.OutOfMemoryError(
            f"{device} ran out of memory while training {architecture!r} with "
            f"batch_size={batch_size} on {n_rows} rows x {n_features} features (the data "
            f"alone take {data_size} there). Lower batch_size, choose a smaller "
            "architecture, free the device's memory, or train with device='cpu'. The "
            f"estimator was left unchanged. Original error: {str(error).splitlines()[0]}"
        ) from error


@contextmanager
def forked_torch_rng(device: str, seed: int) -> Iterator[None]:
    """Seed torch for the block and restore every global generator afterwards."""
    devices = [torch.device(device).index or 0] if device.startswith("cuda") else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield

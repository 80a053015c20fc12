"""Where and how training runs: device, torch threads, mixed precision, seeds, memory errors."""

from __future__ import annotations

from collections.abc import Iterator
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


@contextmanager
def torch_threads(n_threads: int | None) -> Iterator[None]:
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

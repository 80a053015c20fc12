"""Prediction with each BatchNorm folded into the linear layer before it (issue 30).

In evaluation mode ``BatchNorm(W x + b)`` is an affine map of ``x``, so a layer
``Linear -> BatchNorm -> ReLU`` predicts the same as ``Linear' -> ReLU`` with
``W' = s W`` and ``b' = s (b - running_mean) + beta``, ``s = gamma / sqrt(running_var +
eps)``: one pass over the activations less per layer. This script measures what that
saves at predict time against the cost of folding (a copy of the network):

- the network of each preset, Glorot weights and BatchNorm statistics drawn at random
  (the arithmetic does not depend on their values), in evaluation mode;
- rows per second of the forward pass under ``torch.inference_mode`` on ``--rows`` rows
  (the estimator predicts in chunks of 8,192), the plain and the folded network timed in
  interleaved rounds, median of ``--repeats``;
- the time to fold (deep copy and rescale) and the largest difference between the two
  outputs, against the largest output.

Example::

    python benchmarks/bench_batchnorm_folding.py --threads 1 \\
        --out benchmarks/results/batchnorm_folding_1thread.txt
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import time
from pathlib import Path

import torch
from torch import nn

from sklearn_irnet.architecture import PRESETS
from sklearn_irnet.network import DeepRegressionNetwork, DenseLayer


def fold_batch_norm(network: nn.Module) -> nn.Module:
    """A copy of ``network`` (in evaluation mode) whose BatchNorm layers are folded into
    the linear layers before them."""
    folded = copy.deepcopy(network).eval()
    with torch.no_grad():
        for layer in folded.modules():
            if isinstance(layer, DenseLayer) and layer.norm is not None:
                norm = layer.norm
                scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
                layer.linear.weight.mul_(scale[:, None])
                layer.linear.bias.copy_((layer.linear.bias - norm.running_mean) * scale
                                        + norm.bias)
                layer.norm = None
    return folded


def random_statistics(network: nn.Module) -> None:
    """BatchNorm statistics and affine parameters drawn at random, as after training."""
    with torch.no_grad():
        for module in network.modules():
            if isinstance(module, nn.BatchNorm1d):
                module.running_mean.normal_()
                module.running_var.uniform_(0.5, 2.0)
                module.weight.uniform_(0.5, 1.5)
                module.bias.normal_()


def measure(preset: str, n_features: int, rows: int, repeats: int) -> dict[str, float]:
    torch.manual_seed(0)
    network = DeepRegressionNetwork(n_features, PRESETS[preset])
    random_statistics(network)
    network.eval()
    started = time.perf_counter()
    folded = fold_batch_norm(network)
    fold_seconds = time.perf_counter() - started
    x = torch.randn(rows, n_features)
    seconds: dict[str, list[float]] = {"plain": [], "folded": []}
    with torch.inference_mode():
        network(x), folded(x)  # warm-up
        for _ in range(repeats):
            for name, module in (("plain", network), ("folded", folded)):
                started = time.perf_counter()
                module(x)
                seconds[name].append(time.perf_counter() - started)
        reference = network(x)
        difference = (reference - folded(x)).abs().max().item()
    plain, fast = (statistics.median(seconds[name]) for name in ("plain", "folded"))
    return {"plain_rows_per_s": rows / plain, "folded_rows_per_s": rows / fast,
            "speed_up": plain / fast, "fold_ms": 1e3 * fold_seconds,
            "max_difference": difference, "max_output": reference.abs().max().item()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rows", type=int, default=8192)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--presets", default="irnet17,irnet48")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    lines = [f"# {' '.join(['python benchmarks/bench_batchnorm_folding.py'] + (argv or []))}",
             f"# torch {torch.__version__}, {args.threads} thread(s), {args.rows} rows x 145 "
             f"features, median of {args.repeats}, load average before "
             f"{os.getloadavg()[0]:.2f}",
             "| network | plain rows/s | folded rows/s | speed-up | fold (ms) | "
             "max |difference| / max |output| |", "|---|---|---|---|---|---|"]
    for preset in args.presets.split(","):
        m = measure(preset, 145, args.rows, args.repeats)
        lines.append(f"| {preset} | {m['plain_rows_per_s']:.0f} | {m['folded_rows_per_s']:.0f}"
                     f" | {m['speed_up']:.3f} | {m['fold_ms']:.1f} | "
                     f"{m['max_difference'] / m['max_output']:.1e} |")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.out is not None:
        args.out.write_text(text)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])

"""Training-step time of IRNet-17 with the periodic numeric embedding against without it.

The embedding gives every one of the 145 features ``n_dims`` columns, so IRNet-17's first
hidden layer and its shortcut projection read ``145 * n_dims`` inputs instead of 145; that
layer, not the sines and cosines, is most of the extra cost. One process, one torch
thread (``--threads``), the same synthetic batch for every variant; each round times
``--steps`` optimiser steps (forward, MAE loss, backward, AdamW) of every variant in
turn, and the table gives the median over the rounds and its ratio to the plain network.
``--out`` also writes what is printed to a file, after a machine-made header. Example::

    python benchmarks/bench_numeric_embedding.py --threads 1 --rounds 7 \\
        --out benchmarks/results/numeric_embedding_cost_1thread.txt
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _input_embeddings import periodic_irnet  # noqa: E402
from _settings import add_options, recorded_output  # noqa: E402

#: (n_frequencies, n_dims) of the periodic variants; None is the plain network
VARIANTS = {"plain": None, "periodic 16x16": (16, 16), "periodic 16x8": (16, 8),
            "periodic 16x4 (the default)": (16, 4), "periodic 8x8": (8, 8)}


def build_modules(n_features: int) -> dict[str, torch.nn.Module]:
    """Each variant's IRNet-17 module, built by fitting one epoch on a few rows."""
    from sklearn_irnet import IRNetRegressor

    rng = np.random.RandomState(0)
    X = rng.normal(size=(256, n_features)).astype(np.float32)
    modules = {}
    for name, shape in VARIANTS.items():
        model = (IRNetRegressor(max_iter=1, random_state=0) if shape is None else
                 periodic_irnet(n_frequencies=shape[0], n_dims=shape[1], max_iter=1,
                                random_state=0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            modules[name] = model.fit(X, X[:, 0]).net_.module_
    return modules


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_options(parser, "threads", "out")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=10, help="steps per variant per round")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    with recorded_output(args.out, args.threads):
        measure(args)


def measure(args: argparse.Namespace) -> None:
    """Time every variant and print the table."""
    print(f"config: {vars(args)}; torch {torch.__version__}; cpus {os.cpu_count()}; "
          f"load average {os.getloadavg()}", flush=True)
    modules = build_modules(145)
    x = torch.randn(args.batch_size, 145)
    target = torch.randn(args.batch_size, 1)
    times: dict[str, list[float]] = {name: [] for name in modules}
    for _ in range(args.rounds):
        for name, module in modules.items():
            optimizer = torch.optim.AdamW(module.parameters(), lr=1e-3)
            module.train()
            started = time.perf_counter()
            for _ in range(args.steps):
                optimizer.zero_grad()
                loss = (module(x)[:, :1] - target).abs().mean()
                loss.backward()
                optimizer.step()
            times[name].append((time.perf_counter() - started) / args.steps)
    plain = statistics.median(times["plain"])
    print("| network | weights | ms per step (median) | vs plain |\n|---|---|---|---|")
    for name, module in modules.items():
        median = statistics.median(times[name])
        weights = sum(p.numel() for p in module.parameters())
        print(f"| IRNet-17, {name} | {weights:,} | {median * 1e3:.1f} | {median / plain:.2f}x |")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()

"""Seconds per training epoch of IRNet-17 against dataset size, with random forest for scale.

For each training-set size (10k, 30k, 100k and the full 307k OQMD training part by
default) and each batch size, one ``IRNetRegressor.fit`` of one epoch is timed (skorch's
epoch duration: the pass over the data, not the set-up); random forest (100 trees,
``max_features=1/3``, as in ``reproduce_oqmd.py``) is fitted once per size. Features are
the cached OQMD Magpie attributes when ``--cache`` exists (see ``reproduce_oqmd.py``),
otherwise random normal data of 145 columns, which costs the network the same time.

Prints a Markdown table with the configuration, torch's thread count and the load
average; ``--out`` also writes it to a file. Example::

    python benchmarks/bench_scaling.py --threads 2 --out benchmarks/results/scaling.md
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
FULL_TRAIN_ROWS = 307_452  # the 90% training part of the cleaned OQMD set


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=f"10000,30000,100000,{FULL_TRAIN_ROWS}")
    parser.add_argument("--batch-sizes", default="32,256")
    parser.add_argument("--architecture", default="irnet17")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rf-jobs", type=int, default=2)
    parser.add_argument("--skip-rf", action="store_true")
    parser.add_argument("--cache", type=Path, default=ROOT / "runs" / "oqmd_features.npz")
    parser.add_argument("--out", type=Path, default=None, help="also write the table here")
    return parser.parse_args(argv)


def load_data(cache: Path, n_rows: int) -> tuple[np.ndarray, np.ndarray, str]:
    if cache.is_file():
        data = np.load(cache, allow_pickle=False)
        X, y = data["X"], data["y"]
        order = np.random.RandomState(0).permutation(len(y))[:n_rows]
        return X[order], y[order], f"OQMD Magpie attributes from {cache.name}"
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n_rows, 145))
    return X, X[:, :10].sum(axis=1), "random normal data, 145 columns (no OQMD cache)"


def epoch_seconds(architecture: str, batch_size: int, X, y) -> float:
    from sklearn_irnet import IRNetRegressor

    model = IRNetRegressor(architecture=architecture, batch_size=batch_size, max_iter=1,
                           early_stopping=False, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one epoch never converges
        model.fit(X, y)
    return float(model.net_.history[-1, "dur"])


def forest_seconds(X, y, n_jobs: int) -> float:
    from sklearn.ensemble import RandomForestRegressor

    forest = RandomForestRegressor(n_estimators=100, max_features=1 / 3, n_jobs=n_jobs,
                                   random_state=0)
    started = time.perf_counter()
    forest.fit(X, y)
    return time.perf_counter() - started


def main(argv=None) -> str:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    sizes = [int(s) for s in args.sizes.split(",")]
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    X_all, y_all, source = load_data(args.cache, max(sizes))
    header = [
        f"# Seconds per epoch of {args.architecture} against training-set size",
        "",
        f"`python {' '.join(sys.argv)}`; data: {source}; torch {torch.__version__} with "
        f"{torch.get_num_threads()} thread(s), CPU, python {platform.python_version()}, "
        f"{os.cpu_count()} cores; load average at start {os.getloadavg()[0]:.2f}.",
        "One epoch without a validation split; early stopping adds a pass over 10% of "
        "the rows in evaluation mode. Random forest: 100 trees, max_features=1/3, "
        f"n_jobs={args.rf_jobs}.",
        "",
    ]
    columns = [f"batch {b} (s/epoch)" for b in batch_sizes]
    if not args.skip_rf:
        columns.append("random forest fit (s)")
    rows = ["| training rows | " + " | ".join(columns) + " |",
            "|---" * (len(columns) + 1) + "|"]
    print("\n".join(header + rows), flush=True)
    for size in sizes:
        X, y = X_all[:size], y_all[:size]
        cells = [f"{epoch_seconds(args.architecture, b, X, y):.1f}" for b in batch_sizes]
        if not args.skip_rf:
            cells.append(f"{forest_seconds(X, y, args.rf_jobs):.1f}")
        rows.append(f"| {size} | " + " | ".join(cells) + " |")
        print(rows[-1], flush=True)
    footer = f"\nload average at the end: {os.getloadavg()[0]:.2f}"
    text = "\n".join(header + rows) + footer + "\n"
    print("\n".join(rows) + footer)
    if args.out is not None:
        args.out.write_text(text)
    return text


if __name__ == "__main__":
    main()

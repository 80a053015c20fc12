"""Cost of BatchEnsemble (``n_members``) against one network and against k networks.

Fits IRNet-17 on ``--rows`` rows of 145 random features (the cost does not depend on the
values) for ``--epochs`` epochs at ``--batch-size``, one torch thread, each configuration
in a fresh process so that its peak resident memory is its own:

- ``single``: ``IRNetRegressor()``;
- ``batch_ensemble_k``: ``IRNetRegressor(n_members=k)``;
- ``k_networks``: ``DeepEnsembleRegressor(IRNetRegressor(), n_estimators=k,
  calibration_fraction=None)``, members fitted one after the other.

Prints seconds per fit, the ratio to ``single``, peak resident memory of the process and
the fitted model's parameter count, median of ``--repeats`` fits, configurations
interleaved. ``--out`` also writes what is printed to a file, after a machine-made header
(the child processes never write it). Example::

    python benchmarks/bench_batch_ensemble.py --members 4 --rows 2048 --epochs 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _settings import add_options, recorded_output  # noqa: E402


def fit_once(config: str, members: int, rows: int, epochs: int, batch_size: int) -> dict:
    """Run in a child process: fit one configuration and report time and memory."""
    import resource
    import time

    import numpy as np
    import torch

    from sklearn_irnet import IRNetRegressor
    from sklearn_irnet.ensemble import DeepEnsembleRegressor

    torch.set_num_threads(1)
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(rows, 145)), rng.normal(size=rows)
    network = {"max_iter": epochs, "batch_size": batch_size, "random_state": 0,
               "n_threads": 1}
    if config == "single":
        model = IRNetRegressor(**network)
    elif config == "batch_ensemble":
        model = IRNetRegressor(n_members=members, **network)
    else:
        model = DeepEnsembleRegressor(IRNetRegressor(**network), n_estimators=members,
                                      calibration_fraction=None, random_state=0)
    started = time.perf_counter()
    model.fit(X, y)
    seconds = time.perf_counter() - started
    fitted = model.estimators_ if config == "k_networks" else [model]
    return {"seconds": seconds,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "parameters": sum(m.n_parameters_ for m in fitted)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=4)
    parser.add_argument("--rows", type=int, default=2048)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    add_options(parser, "out")
    args = parser.parse_args(argv)
    if args.child is not None:  # a child process: its JSON line only, never recorded
        print(json.dumps(fit_once(args.child, args.members, args.rows, args.epochs,
                                  args.batch_size)))
        return
    with recorded_output(args.out, 1):
        compare(args)


def compare(args: argparse.Namespace) -> None:
    """Fit every configuration in child processes and print the table."""
    print(f"config: {vars(args)}; 1 torch thread; load average {os.getloadavg()[0]:.2f}")
    configs = ("single", "batch_ensemble", "k_networks")
    runs: dict[str, list[dict]] = {c: [] for c in configs}
    for _ in range(args.repeats):
        for config in configs:
            out = subprocess.run(
                [sys.executable, __file__, "--child", config, "--members", str(args.members),
                 "--rows", str(args.rows), "--epochs", str(args.epochs),
                 "--batch-size", str(args.batch_size)],
                capture_output=True, text=True, check=True,
                env={**os.environ, "OMP_NUM_THREADS": "1"})
            runs[config].append(json.loads(out.stdout.strip().splitlines()[-1]))
    base = statistics.median(r["seconds"] for r in runs["single"])
    print("| configuration | s per fit | vs single | peak RSS (MB) | parameters |")
    print("|---|---|---|---|---|")
    for config in configs:
        seconds = statistics.median(r["seconds"] for r in runs[config])
        rss = statistics.median(r["peak_rss_mb"] for r in runs[config])
        name = config if config == "single" else f"{config} (k={args.members})"
        print(f"| {name} | {seconds:.1f} | {seconds / base:.2f} | {rss:.0f} | "
              f"{runs[config][0]['parameters']:,} |")
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

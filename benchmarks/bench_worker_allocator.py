"""IRNet-17 training speed with and without Dask's worker allocator setting.

Dask's nannies start every worker process with ``MALLOC_TRIM_THRESHOLD_=65536``
(``distributed.nanny.pre-spawn-environ``). This script fits the same IRNet-17 (1 torch
thread, ``--rows`` synthetic rows of 145 features, ``--epochs`` epochs) in fresh Python
processes with the variable set as Dask sets it and unset (glibc's defaults, as
:func:`sklearn_irnet.cluster.default_allocator_workers` leaves it), alternating over
``--rounds`` rounds, and prints the median seconds per epoch of each and their ratio,
per batch size. ``--out`` also writes what is printed to a file, after a machine-made
header (the child processes never write it). Example::

    python benchmarks/bench_worker_allocator.py --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from sklearn_irnet.cluster import DASK_TRIM_VARIABLE

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _settings import add_options, recorded_output  # noqa: E402

FIT = """
import json, sys, warnings
import numpy as np, torch
from sklearn_irnet import IRNetRegressor
torch.set_num_threads(1)
warnings.simplefilter("ignore")
rows, epochs, batch = (int(a) for a in sys.argv[1:4])
X = np.random.RandomState(0).normal(size=(rows, 145)).astype(np.float32)
model = IRNetRegressor(architecture="irnet17", max_iter=epochs + 1, batch_size=batch,
                       early_stopping=False, random_state=0).fit(X, X[:, 0])
print(json.dumps(float(np.median(model.net_.history[1:, "dur"]))))
"""


def epoch_seconds(rows: int, epochs: int, batch: int, dask_setting: bool) -> float:
    """Median seconds per epoch (the first dropped) of a fit in a fresh process."""
    environment = {k: v for k, v in os.environ.items() if k != DASK_TRIM_VARIABLE}
    if dask_setting:
        environment[DASK_TRIM_VARIABLE] = "65536"
    environment["OMP_NUM_THREADS"] = "1"
    output = subprocess.run([sys.executable, "-c", FIT, str(rows), str(epochs), str(batch)],
                            env=environment, capture_output=True, text=True, check=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4096)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-sizes", default="32,256")
    parser.add_argument("--rounds", type=int, default=3)
    add_options(parser, "out")
    args = parser.parse_args(argv)
    with recorded_output(args.out, 1):
        compare(args)


def compare(args: argparse.Namespace) -> None:
    """Time both allocator settings in fresh processes and print one line per batch size."""
    print(f"IRNet-17, {args.rows} rows x 145, {args.epochs} timed epochs, 1 torch thread, "
          f"{args.rounds} alternating rounds; load average before {os.getloadavg()[0]:.2f}")
    for batch in (int(b) for b in args.batch_sizes.split(",")):
        plain, dask = [], []
        for _ in range(args.rounds):
            plain.append(epoch_seconds(args.rows, args.epochs, batch, dask_setting=False))
            dask.append(epoch_seconds(args.rows, args.epochs, batch, dask_setting=True))
        ratios = [d / p for d, p in zip(dask, plain, strict=True)]
        print(f"batch {batch:4d}: s/epoch glibc defaults {statistics.median(plain):.2f}, "
              f"{DASK_TRIM_VARIABLE}=65536 {statistics.median(dask):.2f}; ratio (median of "
              f"rounds) {statistics.median(ratios):.2f}x")
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""Wall time of one default fit on the main job's fold, against the same fit with the
periodic numeric embedding (the time budget of issue 28: under 60 s per fold on 2 cores).

The main job is the 2,135 experimental formation enthalpies shipped in pymatgen, 145
Magpie attributes; one fold of a 5-fold ``KFold`` (seed 0) is 1,708 training rows. Each
round fits ``IRNetRegressor(random_state=0, n_threads=T, numeric_embedding="periodic")``
(4 dimensions per feature) and the same with ``numeric_embedding=None`` in turn (order
alternating by round); the table gives the median seconds over the rounds and the ratio
of medians. ``--out`` also writes what is printed to a file, after a machine-made header.
Example::

    python benchmarks/bench_default_fit.py --threads 2 --rounds 3 \\
        --out benchmarks/results/default_fit_main_job_2threads.txt
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from sklearn.model_selection import KFold

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _main_job import main_job_data  # noqa: E402
from _settings import add_options, recorded_output  # noqa: E402

VARIANTS = {"periodic embedding, 4 dims": {"numeric_embedding": "periodic"},
            "numeric_embedding=None (the defaults)": {"numeric_embedding": None}}


def main(argv: list[str] | None = None) -> None:
    from sklearn_irnet import IRNetRegressor

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_options(parser, "threads", "out", threads=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    X, y, _ = main_job_data()
    train, _ = next(KFold(5, shuffle=True, random_state=0).split(X))
    seconds: dict[str, list[float]] = {name: [] for name in VARIANTS}
    with recorded_output(args.out, threads=args.threads):
        print(f"main job, {len(train)} training rows x {X.shape[1]} attributes; "
              f"IRNet-17 at the defaults (80 epochs, batch 128); torch threads {args.threads}; "
              f"{args.rounds} rounds")
        for round_ in range(args.rounds):
            names = list(VARIANTS)[::1 if round_ % 2 == 0 else -1]
            for name in names:
                model = IRNetRegressor(random_state=0, n_threads=args.threads,
                                       **VARIANTS[name])
                started = time.perf_counter()
                model.fit(X[train], y[train])
                seconds[name].append(time.perf_counter() - started)
                print(f"round {round_}: {name}: {seconds[name][-1]:.1f} s", flush=True)
        base = statistics.median(seconds[list(VARIANTS)[1]])
        print("\n| fit | median s | ratio |\n|---|---|---|")
        for name, values in seconds.items():
            median = statistics.median(values)
            print(f"| {name} | {median:.1f} | {median / base:.2f} |")
        print(f"\nper-round seconds: {({k: [round(v, 1) for v in s] for k, s in seconds.items()})}")


if __name__ == "__main__":
    main()

"""A fixed grid search of IRNetRegressor in one process and on 1 and 2 local Dask workers.

Measures, in ``--rounds`` interleaved rounds of every configuration (medians; the ratios
are taken within a round, so that they share the machine's load):

- wall time of ``GridSearchCV.fit`` (12 fits: 4 candidates x 3 folds, plus the refit in
  the calling process): serial in this process, then under
  ``sklearn_irnet.cluster.dask_backend`` on a ``LocalCluster`` of 1 and of 2 worker
  processes (workers warmed up first: torch imported, one small fit); the speed-up is
  the 1-worker time over the 2-worker time. Each worker has 2 threads and one ``fit``
  resource that every task needs, so it runs one fit at a time with 1 torch thread
  while joblib still sends every fit to the cluster (a worker with a single thread
  would give joblib one slot, and joblib would run the fits in this process instead);
- per-task overhead: the cluster's wall time minus the serial wall time, per task, and
  the wall time per task of 200 no-op tasks through joblib's dask backend; and the
  seconds the fits themselves took where they ran (``cv_results_``), which separates
  dispatch overhead from fits that run slower in a worker process;
- the workers' allocator: the clusters are started under
  ``sklearn_irnet.cluster.default_allocator_workers`` (as ``dask_backend("local:N")``
  does), and the 1-worker search is repeated on a cluster with Dask's own worker
  environment (glibc trim threshold 65536), whose fits run slower;
- bytes sent per task: the pickled size of each task the client submits (function and
  arguments, with the scattered X and y replaced by references), against the pickled
  size of X and y, which every task would carry without scattering; the scattered data
  are sent once per worker.

The machine's load (``os.getloadavg``) before and after, and the other processes using a
core, are written beside the numbers: on a shared machine the speed-up is distorted.

    python benchmarks/bench_scaleout.py --out benchmarks/results/scaleout.txt
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pickle
import time
from pathlib import Path

import cloudpickle
import numpy as np
import torch
from distributed import Client, LocalCluster
from joblib import Parallel, delayed
from sklearn.model_selection import GridSearchCV

from sklearn_irnet import IRNetRegressor
from sklearn_irnet.cluster import (
    DASK_TRIM_VARIABLE,
    dask_backend,
    default_allocator_workers,
)

NETWORK = {"architecture": ((128, 3),), "max_iter": 15, "batch_size": 64, "random_state": 0}
GRID = {"learning_rate_init": [1e-3, 3e-3], "alpha": [0.0, 1e-3]}
CV = 3
ONE_FIT = {"fit": 1}  # each worker runs one task at a time


def _data(n_rows: int, n_features: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n_rows, n_features))
    return X, X[:, 0] - 2 * X[:, 1] + np.sin(X[:, 2]) + 0.1 * rng.normal(size=n_rows)


def _search() -> GridSearchCV:
    return GridSearchCV(IRNetRegressor(**NETWORK), GRID, cv=CV,
                        scoring="neg_mean_absolute_error")


def _warm_up(X: np.ndarray, y: np.ndarray) -> int:
    IRNetRegressor(architecture=((8, 1),), max_iter=1).fit(X[:64], y[:64])
    return os.getpid()


def _noop() -> None:
    return None


class _SubmitSizes:
    """Record the pickled size of every task the client submits (its run_spec)."""

    def __init__(self, client: Client) -> None:
        self.client, self.sizes = client, []
        self._submit = client.submit

    def __enter__(self) -> _SubmitSizes:
        def submit(func, *args, **kwargs):
            options = {k: kwargs.pop(k) for k in ("key", "pure", "workers", "resources",
                                                  "retries", "priority") if k in kwargs}
            self.sizes.append(len(cloudpickle.dumps((func, args, kwargs))))
            return self._submit(func, *args, **kwargs, **options)

        self.client.submit = submit
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.submit = self._submit


def _busy_processes(seconds: float = 2.0) -> list[str]:
    """Other processes that used more than 20 % of a core over the next ``seconds``
    (command names only; measured now, not averaged over each process's lifetime)."""
    import psutil  # a dependency of dask.distributed

    processes = [p for p in psutil.process_iter(["name"]) if p.pid != os.getpid()]
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.cpu_percent(None)
    time.sleep(seconds)
    busy = []
    for process in processes:
        with contextlib.suppress(psutil.Error):
            share = process.cpu_percent(None)
            if share > 20:
                busy.append(f"{process.info['name']} ({share:.0f}% CPU)")
    return busy


def _fit_seconds(search: GridSearchCV) -> float:
    """Seconds the cross-validation fits took where they ran (``cv_results_`` timings)."""
    return float(np.sum(search.cv_results_["mean_fit_time"]) * search.n_splits_)


def _on_cluster(n_workers: int, X: np.ndarray, y: np.ndarray,
                default_allocator: bool = True) -> dict:
    allocator = (default_allocator_workers() if default_allocator
                 else contextlib.nullcontext())
    with allocator, LocalCluster(n_workers=n_workers, threads_per_worker=2,
                                 processes=True, resources=ONE_FIT,
                                 dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.wait_for_workers(n_workers)
        client.run(_warm_up, X, y)
        with dask_backend(client, scatter=[X, y], resources=ONE_FIT):
            started = time.perf_counter()
            Parallel()(delayed(_noop)() for _ in range(200))
            noop = (time.perf_counter() - started) / 200
            with _SubmitSizes(client) as sizes:
                started = time.perf_counter()
                search = _search().fit(X, y)
                wall = time.perf_counter() - started
    return {"n_workers": n_workers, "default_allocator": default_allocator,
            "wall_s": wall, "noop_task_s": noop,
            "submitted_tasks": len(sizes.sizes), "bytes_per_task": sizes.sizes,
            "best_params": search.best_params_,
            "mean_test_score": search.cv_results_["mean_test_score"].tolist(),
            "fit_seconds_in_tasks": _fit_seconds(search)}


def _serial(X: np.ndarray, y: np.ndarray) -> dict:
    started = time.perf_counter()
    search = _search().fit(X, y)
    return {"wall_s": time.perf_counter() - started, "fit_seconds_in_tasks": _fit_seconds(search),
            "mean_test_score": search.cv_results_["mean_test_score"].tolist()}


CONFIGURATIONS = ("serial", "1 worker", "2 workers", "1 worker, Dask's environment")


def _round(X: np.ndarray, y: np.ndarray) -> dict[str, dict]:
    """One timing of every configuration of :data:`CONFIGURATIONS`, in that order."""
    return {"serial": _serial(X, y), "1 worker": _on_cluster(1, X, y),
            "2 workers": _on_cluster(2, X, y),
            "1 worker, Dask's environment": _on_cluster(1, X, y, default_allocator=False)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--features", type=int, default=145)
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved rounds of every configuration (medians reported)")
    parser.add_argument("--out", default="benchmarks/results/scaleout.txt")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    X, y = _data(args.rows, args.features)
    load_before, busy_before = os.getloadavg(), _busy_processes()
    _warm_up(X, y)
    rounds = [_round(X, y) for _ in range(args.rounds)]
    load_after, busy_after = os.getloadavg(), _busy_processes()
    n_fits = len(GRID["learning_rate_init"]) * len(GRID["alpha"]) * CV

    def median(config: str, key: str) -> float:
        return float(np.median([r[config][key] for r in rounds]))

    def median_ratio(numerator: str, denominator: str) -> float:
        return float(np.median([r[numerator]["wall_s"] / r[denominator]["wall_s"]
                                for r in rounds]))

    last = rounds[-1]
    data_bytes = len(pickle.dumps((X, y), protocol=5))
    reference = last["serial"]["mean_test_score"]
    identical = all(r[c]["mean_test_score"] == reference for r in rounds
                    for c in CONFIGURATIONS)
    result = {
        "setting": {"rows": args.rows, "features": args.features, "network": str(NETWORK),
                    "grid": GRID, "cv": CV, "fits": n_fits, "torch_threads_per_task": 1,
                    "rounds": args.rounds},
        "machine": {"cpu_count": os.cpu_count(), "loadavg_before": load_before,
                    "loadavg_after": load_after, "busy_processes_before": busy_before,
                    "busy_processes_after": busy_after},
        "median_wall_s": {c: median(c, "wall_s") for c in CONFIGURATIONS},
        "median_fit_seconds_in_tasks": {c: median(c, "fit_seconds_in_tasks")
                                        for c in CONFIGURATIONS},
        "speedup_2_over_1_workers": median_ratio("1 worker", "2 workers"),
        "slowdown_dask_environment": median_ratio("1 worker, Dask's environment", "1 worker"),
        "overhead_per_fit_s_1_worker": (median("1 worker", "wall_s")
                                        - median("serial", "wall_s")) / n_fits,
        "noop_task_s": {c: median(c, "noop_task_s") for c in ("1 worker", "2 workers")},
        "bytes_per_task_median": {c: float(np.median(last[c]["bytes_per_task"]))
                                  for c in ("1 worker", "2 workers")},
        "bytes_X_y_pickled": data_bytes,
        "cv_results_identical_to_serial": identical,
        "rounds": [{c: {k: v for k, v in r[c].items() if k != "bytes_per_task"}
                    for c in CONFIGURATIONS} for r in rounds],
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=1, default=str))
    walls, fits = result["median_wall_s"], result["median_fit_seconds_in_tasks"]
    lines = [
        f"grid search: {n_fits} fits of {NETWORK['architecture']} x {NETWORK['max_iter']} "
        f"epochs on {args.rows} x {args.features}, 1 torch thread per task; medians of "
        f"{args.rounds} interleaved rounds",
        f"machine: {os.cpu_count()} cores; load average before {load_before[0]:.2f}, after "
        f"{load_after[0]:.2f}; other busy processes before: {busy_before or 'none'}, "
        f"after: {busy_after or 'none'}",
        f"{'configuration':30} {'wall s':>7} {'fits s':>7}  (fits: the {n_fits} CV fits, "
        "timed where they ran)",
        *[f"{c:30} {walls[c]:7.1f} {fits[c]:7.1f}" for c in CONFIGURATIONS],
        f"speed-up 2 vs 1 workers: {result['speedup_2_over_1_workers']:.2f}x",
        f"1 worker with Dask's worker environment ({DASK_TRIM_VARIABLE}=65536) vs the default "
        f"allocator: {result['slowdown_dask_environment']:.2f}x the wall time",
        f"overhead per fit, 1 worker vs serial: {result['overhead_per_fit_s_1_worker']:.3f} s",
        "no-op task through joblib's dask backend: "
        + ", ".join(f"{c} {t * 1e3:.1f} ms" for c, t in result["noop_task_s"].items()),
        "bytes per submitted task (median): "
        + ", ".join(f"{c} {b:,.0f}" for c, b in result["bytes_per_task_median"].items())
        + f"; X and y pickled: {data_bytes:,} bytes (sent once per worker by scatter)",
        f"cv_results_ scores identical to serial in every run: {identical}",
    ]
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

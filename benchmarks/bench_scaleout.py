"""A fixed grid search of IRNetRegressor in one process and on 1 and 2 local Dask workers.

Measures, in one run (so that the ratios share the machine's load):

- wall time of ``GridSearchCV.fit`` (12 fits: 4 candidates x 3 folds, plus the refit in
  the calling process): serial in this process, then under
  ``sklearn_irnet.cluster.dask_backend`` on a ``LocalCluster`` of 1 and of 2 worker
  processes (one thread each; workers warmed up first: torch imported, one small fit);
  the speed-up is the 1-worker time over the 2-worker time. With 1 worker thread,
  joblib's dask backend reports one slot and joblib runs the call in this process (the
  file says "0 tasks submitted");
- per-task overhead: the cluster's wall time minus the serial wall time, per task, and
  the wall time per task of 200 no-op tasks through joblib's dask backend;
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
import json
import os
import pickle
import subprocess
import time
from pathlib import Path

import cloudpickle
import numpy as np
import torch
from distributed import Client, LocalCluster
from joblib import Parallel, delayed
from sklearn.model_selection import GridSearchCV

from sklearn_irnet import IRNetRegressor
from sklearn_irnet.cluster import dask_backend

NETWORK = {"architecture": ((128, 3),), "max_iter": 15, "batch_size": 64, "random_state": 0}
GRID = {"learning_rate_init": [1e-3, 3e-3], "alpha": [0.0, 1e-3]}
CV = 3


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


def _busy_processes() -> list[str]:
    """Other processes using more than 20 % of a core (command names only)."""
    listing = subprocess.run(["ps", "-eo", "pid=,pcpu=,comm="], capture_output=True,
                             text=True, check=False).stdout
    busy = []
    for line in listing.splitlines():
        pid, cpu, name = line.split(None, 2)
        if float(cpu) > 20 and int(pid) != os.getpid():
            busy.append(f"{name.strip()} ({float(cpu):.0f}% CPU)")
    return busy


def _on_cluster(n_workers: int, X: np.ndarray, y: np.ndarray) -> dict:
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.wait_for_workers(n_workers)
        client.run(_warm_up, X, y)
        with dask_backend(client, scatter=[X, y]):
            started = time.perf_counter()
            Parallel()(delayed(_noop)() for _ in range(200))
            noop = (time.perf_counter() - started) / 200
            with _SubmitSizes(client) as sizes:
                started = time.perf_counter()
                search = _search().fit(X, y)
                wall = time.perf_counter() - started
    return {"n_workers": n_workers, "wall_s": wall, "noop_task_s": noop,
            "submitted_tasks": len(sizes.sizes), "bytes_per_task": sizes.sizes,
            "best_params": search.best_params_,
            "mean_test_score": search.cv_results_["mean_test_score"].tolist()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--features", type=int, default=145)
    parser.add_argument("--out", default="benchmarks/results/scaleout.txt")
    args = parser.parse_args()
    torch.set_num_threads(1)
    X, y = _data(args.rows, args.features)
    load_before, busy_before = os.getloadavg(), _busy_processes()
    _warm_up(X, y)
    started = time.perf_counter()
    serial = _search().fit(X, y)
    serial_wall = time.perf_counter() - started
    runs = [_on_cluster(n, X, y) for n in (1, 2)]
    load_after, busy_after = os.getloadavg(), _busy_processes()
    n_fits = len(serial.cv_results_["params"]) * CV
    one, two = runs
    data_bytes = len(pickle.dumps((X, y), protocol=5))
    identical = all(run["mean_test_score"] == serial.cv_results_["mean_test_score"].tolist()
                    for run in runs)
    result = {
        "setting": {"rows": args.rows, "features": args.features, "network": str(NETWORK),
                    "grid": GRID, "cv": CV, "fits": n_fits, "torch_threads_per_task": 1},
        "machine": {"cpu_count": os.cpu_count(), "loadavg_before": load_before,
                    "loadavg_after": load_after, "busy_processes_before": busy_before,
                    "busy_processes_after": busy_after},
        "serial_wall_s": serial_wall,
        "runs": runs,
        "speedup_2_over_1_workers": one["wall_s"] / two["wall_s"],
        "overhead_per_fit_s_1_worker": (one["wall_s"] - serial_wall) / n_fits,
        "noop_task_s": {r["n_workers"]: r["noop_task_s"] for r in runs},
        "bytes_per_task_median": {r["n_workers"]: float(np.median(r["bytes_per_task"]))
                                  for r in runs if r["bytes_per_task"]},
        "bytes_X_y_pickled": data_bytes,
        "cv_results_identical_to_serial": identical,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=1, default=str))
    lines = [
        f"grid search: {n_fits} fits of {NETWORK['architecture']} x {NETWORK['max_iter']} "
        f"epochs on {args.rows} x {args.features}, 1 torch thread per task",
        f"machine: {os.cpu_count()} cores; load average before {load_before[0]:.2f}, after "
        f"{load_after[0]:.2f}; other busy processes before: {busy_before or 'none'}",
        f"serial (this process): {serial_wall:.1f} s",
        *[f"{r['n_workers']} Dask worker(s): {r['wall_s']:.1f} s "
          f"({r['submitted_tasks']} tasks submitted"
          + ("; none: joblib runs a 1-slot call in this process" if not r["submitted_tasks"]
             else "") + ")" for r in runs],
        f"speed-up 2 vs 1 workers: {result['speedup_2_over_1_workers']:.2f}x",
        f"overhead per fit, 1 worker vs serial: {result['overhead_per_fit_s_1_worker']:.3f} s",
        "no-op task through joblib's dask backend: "
        + ", ".join(f"{n} worker(s) {t * 1e3:.1f} ms" for n, t in result["noop_task_s"].items()),
        "bytes per submitted task (median): "
        + ", ".join(f"{n} worker(s) {b:,.0f}" for n, b in
                    result["bytes_per_task_median"].items())
        + f"; X and y pickled: {data_bytes:,} bytes (sent once per worker by scatter)",
        f"cv_results_ scores identical to serial: {identical}",
    ]
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

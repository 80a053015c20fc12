"""Dask: a 2-worker LocalCluster gives the serial results; a killed worker; placement rules."""

import os
import signal
import threading
import time
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.model_selection import GridSearchCV

from sklearn_irnet import IRNetRegressor, _runtime
from sklearn_irnet.cluster import (
    DASK_TRIM_VARIABLE,
    SchedulerSpec,
    dask_backend,
    default_allocator_workers,
    parse_scheduler,
)
from sklearn_irnet.compare import compare_models
from sklearn_irnet.models import make_model

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

DEADLINE = 300  # seconds: a cluster run taking longer fails instead of hanging the suite
NETWORK = {"architecture": ((16, 2),), "max_iter": 6, "batch_size": 16, "random_state": 0}
GRID = {"learning_rate_init": [1e-3, 1e-2], "alpha": [0.0, 1e-2]}
TIMING = ("mean_fit_time", "std_fit_time", "mean_score_time", "std_score_time")


def on_cluster(client, function, *args, scatter=()):
    """``function(*args)`` under ``dask_backend(client)``, in a daemon thread (joblib's
    backend setting is per thread, so it is entered there); fail, never hang, past
    :data:`DEADLINE` seconds."""
    outcome = {}

    def target():
        try:
            with dask_backend(client, scatter=scatter):
                outcome["value"] = function(*args)
        except BaseException as error:  # re-raised in the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(DEADLINE)
    if thread.is_alive():
        pytest.fail(f"{function.__name__} did not finish within {DEADLINE} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(96, 5))
    return X, X[:, 0] - 2 * X[:, 1] + 0.1 * rng.normal(size=96)


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        client.wait_for_workers(2, timeout=60)
        yield client


def _search(X, y, **kwargs):
    search = GridSearchCV(IRNetRegressor(**NETWORK), GRID, cv=2,
                          scoring="neg_mean_absolute_error", **kwargs)
    return search.fit(X, y)


def _assert_same_search(serial, other):
    assert serial.cv_results_.keys() == other.cv_results_.keys()
    for key, values in serial.cv_results_.items():
        if key not in TIMING:
            np.testing.assert_array_equal(values, other.cv_results_[key], err_msg=key)
    assert serial.best_params_ == other.best_params_


@pytest.fixture(scope="module")
def serial_search(data):
    return _search(*data)


@pytest.mark.slow
def test_grid_search_on_two_workers_equals_serial_run(client, data, serial_search):
    X, y = data
    before = client.run(_executed)
    # n_jobs=None, as in the serial call: the backend makes it every worker thread
    search = on_cluster(client, _search, X, y, scatter=[X, y])
    _assert_same_search(serial_search, search)  # bit-identical, timing aside
    np.testing.assert_array_equal(serial_search.predict(X), search.predict(X))
    ran = {w: n - before[w] for w, n in client.run(_executed).items()}
    assert len(ran) == 2 and min(ran.values()) > 0, ran  # both workers fitted


def _executed(dask_worker):
    return dask_worker.state.executed_count


@pytest.mark.slow
def test_compare_models_on_two_workers_equals_serial_run(client, data):
    X, y = data

    def compare():
        models = {"irnet": IRNetRegressor(**NETWORK), "ridge": make_model("ridge")}
        return compare_models(models, X, y, cv=3, n_repeats=1)

    serial = compare()
    before = client.run(_executed)
    distributed = on_cluster(client, compare, scatter=[X, y])
    untimed = [c for c in serial.scores.columns if not c.endswith("_time")]
    pd.testing.assert_frame_equal(serial.scores[untimed], distributed.scores[untimed],
                                  check_exact=True)
    pd.testing.assert_frame_equal(serial.predictions, distributed.predictions,
                                  check_exact=True)
    assert sum(client.run(_executed).values()) - sum(before.values()) >= 2


@pytest.mark.slow
def test_workers_give_each_task_its_share_of_threads(client):
    def threads_in_a_task():
        from sklearn_irnet._runtime import resolve_n_threads, torch_threads

        with torch_threads(None):
            return resolve_n_threads(None), torch.get_num_threads()

    futures = [client.submit(threads_in_a_task, pure=False) for _ in range(4)]
    assert set(client.gather(futures)) == {(1, 1)}  # one thread per worker thread


def _interval(seconds):
    import distributed

    distributed.get_worker()  # raises ValueError outside a worker: the task must run there
    started = time.perf_counter()
    time.sleep(seconds)
    return started, time.perf_counter()


def _overlapping(intervals):
    return any(later[0] < earlier[1] for earlier, later in pairwise(sorted(intervals)))


@pytest.mark.parametrize("resources", [None, {"slot": 1}], ids=["no-resources", "one-slot"])
def test_a_resource_limits_the_tasks_a_worker_runs_at_once(resources):
    """One worker with 2 threads runs 2 tasks at once, and 1 when each task needs the
    single ``slot`` it declares (joblib still sends the tasks to the cluster)."""
    distributed = pytest.importorskip("distributed")
    from joblib import Parallel, delayed

    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  resources={"slot": 1}, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client, \
            dask_backend(client, resources=resources):
        intervals = Parallel(batch_size=1)(delayed(_interval)(0.3) for _ in range(4))
    assert _overlapping(intervals) is (resources is None)


@pytest.mark.slow
def test_local_workers_declare_the_resources_tasks_need():
    pytest.importorskip("distributed")
    with dask_backend("local:1", resources={"GPU": 1}) as client:
        declared = client.run(lambda dask_worker: dask_worker.state.total_resources)
    assert list(declared.values()) == [{"GPU": 1}]


def _trim_threshold():
    return os.environ.get(DASK_TRIM_VARIABLE)


@pytest.mark.slow
def test_local_workers_use_the_default_allocator_settings(monkeypatch):
    """Dask's nannies set a glibc trim threshold in their workers (IRNet-17 epochs 1.2x
    slower); workers started under default_allocator_workers(), as those of
    "local:N", leave it unset, even when an earlier cluster leaked it into os.environ."""
    distributed = pytest.importorskip("distributed")
    monkeypatch.setenv(DASK_TRIM_VARIABLE, "65536")  # as an earlier cluster leaves it
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        assert list(client.run(_trim_threshold).values()) == ["65536"]
    with default_allocator_workers(), \
            distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                     dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        assert list(client.run(_trim_threshold).values()) == [None]
    assert os.environ[DASK_TRIM_VARIABLE] == "65536"  # restored for this process
    with dask_backend("local:1") as client:
        assert list(client.run(_trim_threshold).values()) == [None]


@pytest.mark.slow
@pytest.mark.parametrize("scatter", [True, False], ids=["scattered", "joblib-default"])
def test_a_killed_worker(client, data, serial_search, scatter):
    """A worker killed mid-search. With ``scatter=[X, y]`` every worker holds the data: the
    scheduler re-runs the lost tasks on the other worker (and on the one its nanny
    restarts) and the search completes with the serial results. Without it, joblib sends
    X to one worker only; killing that worker loses the data, and the search fails with
    distributed's ``FutureCancelledError``. Neither case hangs. (These tests run last on
    the module's cluster: they kill its workers.)"""
    distributed = pytest.importorskip("distributed")
    X, y = data
    client.wait_for_workers(2, timeout=DEADLINE)  # the nanny restarts a killed worker
    pids = client.run(os.getpid)
    outcome = {}

    def search():
        try:
            with dask_backend(client, scatter=[X, y] if scatter else ()):
                outcome["search"] = _search(X, y)
        except Exception as error:
            outcome["error"] = error

    thread = threading.Thread(target=search, daemon=True)
    thread.start()
    deadline = time.monotonic() + DEADLINE
    victim = None
    while victim is None and time.monotonic() < deadline and thread.is_alive():
        victim = _victim(client, holding_data=not scatter)
        time.sleep(0.05)
    assert victim is not None and thread.is_alive(), "the search ended before the kill"
    os.kill(pids[victim], signal.SIGKILL)
    thread.join(max(deadline - time.monotonic(), 1))
    assert not thread.is_alive(), f"the search hung after a worker was killed ({DEADLINE} s)"
    if scatter:
        assert "error" not in outcome, repr(outcome["error"])
        _assert_same_search(serial_search, outcome["search"])
    else:
        assert isinstance(outcome.get("error"), distributed.client.FutureCancelledError)


def _victim(client, *, holding_data):
    """A worker running a fit; with ``holding_data``, the one holding joblib's copy of X."""
    busy = [w for w, keys in client.processing().items() if keys]
    if not holding_data:
        return busy[0] if busy else None
    holders = {w for key, workers in client.who_has().items()
               if str(key).startswith("ndarray-") for w in workers}
    return next((w for w in busy if w in holders), None)


# ------------------------------------------------------------------ rules, no cluster
@pytest.mark.parametrize("text, expected", [
    ("local:2", SchedulerSpec(n_local_workers=2)),
    (" local:16 ", SchedulerSpec(n_local_workers=16)),
    ("127.0.0.1:8786", SchedulerSpec(address="tcp://127.0.0.1:8786")),
    ("tcp://head:8786", SchedulerSpec(address="tcp://head:8786")),
    ("tls://[::1]:8786", SchedulerSpec(address="tls://[::1]:8786")),
])
def test_scheduler_arguments(text, expected):
    assert parse_scheduler(text) == expected


@pytest.mark.parametrize("text, message", [
    ("local", "must be 'local:N'"), ("local:0", "N >= 1"), ("local:two", "must be 'local:N'"),
    ("head", "must be 'local:N'"), ("tcp://head", "must be 'local:N'"),
    ("head:99999", "port must lie in 1..65535"), ("", "must be 'local:N'"),
])
def test_malformed_scheduler_arguments_are_rejected(text, message):
    with pytest.raises(ValueError, match=message):
        parse_scheduler(text)


class _FakeWorker:
    def __init__(self, name, nthreads, resources=None):
        self.name = name
        self.state = type("State", (), {"nthreads": nthreads,
                                         "total_resources": resources or {}})()


def test_torch_threads_come_from_the_worker_thread_count(monkeypatch):
    assert _runtime.resolve_n_threads(None) is None  # not on a worker: torch's setting
    monkeypatch.setattr(_runtime, "dask_worker", lambda: _FakeWorker(0, nthreads=4))
    assert _runtime.resolve_n_threads(None) == 1  # 4 tasks share 4 cores
    assert _runtime.resolve_n_threads(3) == 3  # an explicit n_threads wins
    monkeypatch.setattr(_runtime, "dask_worker",
                        lambda: _FakeWorker(0, nthreads=2, resources={"CPU": 8}))
    assert _runtime.resolve_n_threads(None) == 4
    with pytest.raises(ValueError, match="nthreads must be >= 1"):
        _runtime.worker_torch_threads(0)


def test_gpu_workers_each_get_their_own_device(monkeypatch):
    assert [_runtime.worker_cuda_device(i, 2, {}) for i in range(4)] == [
        "cuda:0", "cuda:1", "cuda:0", "cuda:1"]
    assert _runtime.worker_cuda_device("tcp://10.0.0.1:4000", 2, {}) == "cuda:0"
    assert _runtime.worker_cuda_device("gpu-node-3", 4, {}) == "cuda:3"
    assert _runtime.worker_cuda_device(1, 1, {"CUDA_VISIBLE_DEVICES": "2"}) == "cuda:0"
    # dask-cuda lists the worker's own GPU first
    monkeypatch.setitem(__import__("sys").modules, "dask_cuda", object())
    assert _runtime.worker_cuda_device(1, 2, {"CUDA_VISIBLE_DEVICES": "1,0"}) == "cuda:0"
    # resolve_device applies the rule on a worker, only to an unindexed "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.delitem(__import__("sys").modules, "dask_cuda")
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.delenv("SKLEARN_IRNET_DEVICE", raising=False)
    monkeypatch.setattr(_runtime, "dask_worker", lambda: _FakeWorker(3, nthreads=1))
    assert _runtime.resolve_device("cuda") == "cuda:1"
    assert _runtime.resolve_device("auto") == "cuda:1"
    assert _runtime.resolve_device("cuda:0") == "cuda:0"
    assert _runtime.resolve_device("cpu") == "cpu"

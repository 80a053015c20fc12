"""Run scikit-learn's parallel loops on a Dask cluster: one context manager, no other change.

scikit-learn parallelises :class:`~sklearn.model_selection.GridSearchCV`,
:func:`~sklearn.model_selection.cross_validate` and therefore
:func:`~sklearn_irnet.compare.compare_models` through joblib, and joblib can hand its tasks
to Dask (``dask.distributed``). :func:`dask_backend` sets that up: it connects to a
scheduler (or starts a ``LocalCluster`` for ``"local:N"``), sends the arrays named in
``scatter`` to every worker once, and makes joblib's ``"dask"`` backend the default for the
block, so code that already runs with ``n_jobs`` runs on the cluster unchanged. On the
workers, :class:`~sklearn_irnet.IRNetRegressor` and :class:`~sklearn_irnet.IRNetClassifier`
take their torch threads from the worker's own thread count and, on GPU workers, their own
device (see :mod:`sklearn_irnet._runtime`). ``docs/user_guide/distributed.md`` has the recipe.

Needs the ``distributed`` extra: ``pip install 'sklearn-irnet[distributed]'``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

SCHEDULER_ENV = "SKLEARN_IRNET_SCHEDULER"
"""Environment variable read by ``sklearn-irnet compare`` when ``--scheduler`` is absent."""

_ADDRESS = re.compile(r"^(?:(?P<scheme>[a-z][a-z0-9+.-]*)://)?(?P<host>[^\s:/]+|\[[0-9a-fA-F:]+\])"
                      r":(?P<port>\d{1,5})$")
_LOCAL = re.compile(r"^local:(?P<n>\d+)$")


@dataclass(frozen=True)
class SchedulerSpec:
    """Where to run: a scheduler's address, or a local cluster of ``n_local_workers``.

    Attributes
    ----------
    address : str or None
        Address of a running scheduler (``"tcp://10.0.0.5:8786"``), None for a local
        cluster.
    n_local_workers : int or None
        Worker processes of a ``LocalCluster`` started for the run (one thread each).
    """

    address: str | None = None
    n_local_workers: int | None = None

    def __str__(self) -> str:
        return self.address if self.address else f"local:{self.n_local_workers}"


def parse_scheduler(text: str) -> SchedulerSpec:
    """Read a scheduler argument: ``"local:N"`` or a scheduler address.

    Parameters
    ----------
    text : str
        ``"local:N"`` starts a ``LocalCluster`` of N worker processes with one thread each;
        ``"host:port"`` or ``"scheme://host:port"`` (``tcp``, ``tls``, ``ucx``, ``ws``, ...)
        connects to a running scheduler (``dask scheduler`` prints its address).

    Returns
    -------
    SchedulerSpec

    Raises
    ------
    ValueError
        If ``text`` is neither form, or N or the port is out of range.

    Examples
    --------
    >>> parse_scheduler("local:2")
    SchedulerSpec(address=None, n_local_workers=2)
    >>> parse_scheduler("10.0.0.5:8786").address
    'tcp://10.0.0.5:8786'
    >>> parse_scheduler("tls://head-node:8786").address
    'tls://head-node:8786'
    >>> parse_scheduler("local")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: scheduler must be 'local:N' (N worker processes) or a scheduler ... 'local'.
    """
    text = str(text).strip()
    local = _LOCAL.match(text)
    if local:
        n = int(local["n"])
        if n < 1:
            raise ValueError(f"scheduler 'local:N' needs N >= 1 worker processes, got {text!r}.")
        return SchedulerSpec(n_local_workers=n)
    address = _ADDRESS.match(text)
    if address is None or address["host"] == "local":
        raise ValueError(
            "scheduler must be 'local:N' (N worker processes) or a scheduler address such "
            f"as 'tcp://host:8786', got {text!r}."
        )
    if not 0 < int(address["port"]) < 65536:
        raise ValueError(f"scheduler port must lie in 1..65535, got {text!r}.")
    scheme = address["scheme"] or "tcp"
    return SchedulerSpec(address=f"{scheme}://{address['host']}:{address['port']}")


def scheduler_from_env(value: str | None = None) -> SchedulerSpec | None:
    """The scheduler given by ``value``, else by :data:`SCHEDULER_ENV`, else None.

    Examples
    --------
    >>> scheduler_from_env("local:3")
    SchedulerSpec(address=None, n_local_workers=3)
    """
    text = value if value is not None else os.environ.get(SCHEDULER_ENV, "").strip()
    return parse_scheduler(text) if text else None


DASK_TRIM_VARIABLE = "MALLOC_TRIM_THRESHOLD_"
"""The glibc variable that Dask's nannies set (to 65536) in every worker process they
start (``distributed.nanny.pre-spawn-environ``), to hand freed memory back to the system
at once. A fixed trim threshold also switches off glibc's adaptive ``mmap`` threshold, so
every tensor above 128 KiB is then mapped and unmapped afresh: an IRNet-17 epoch took
1.25x (batch 32) and 1.20x (batch 256) as long in such a process on this project's machine
(``benchmarks/bench_worker_allocator.py``)."""


@contextmanager
def default_allocator_workers() -> Iterator[None]:
    """Start Dask worker processes in the block with glibc's default allocator settings.

    Inside the block, nannies created (e.g. by ``distributed.LocalCluster``) leave
    :data:`DASK_TRIM_VARIABLE` unset in the workers they spawn, so the workers allocate
    memory as a plain Python process does. :func:`dask_backend` uses it for ``"local:N"``
    clusters. For workers started with ``dask worker``, set
    ``DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON__MALLOC_TRIM_THRESHOLD_=None`` in their
    environment instead. The workers then keep freed memory for reuse, as the calling
    process does, rather than returning it to the system after every fit.

    Examples
    --------
    >>> import dask
    >>> with default_allocator_workers():
    ...     dask.config.get("distributed.nanny.pre-spawn-environ")[DASK_TRIM_VARIABLE] is None
    True
    """
    import dask

    # Nannies copy their pre-spawn variables into this process's environment, where a
    # cluster started earlier may have left the trim threshold; spawned workers inherit it
    inherited = os.environ.pop(DASK_TRIM_VARIABLE, None)
    try:
        with dask.config.set({f"distributed.nanny.pre-spawn-environ.{DASK_TRIM_VARIABLE}":
                              None}):
            yield
    finally:
        if inherited is not None:
            os.environ[DASK_TRIM_VARIABLE] = inherited


@contextmanager
def dask_backend(
    scheduler: str | SchedulerSpec | Any,
    *,
    scatter: Sequence[Any] = (),
    n_jobs: int = -1,
    resources: Mapping[str, float] | None = None,
    timeout: float = 60.0,
) -> Iterator[Any]:
    """Run joblib-parallel code in the block (GridSearchCV, cross_validate,
    compare_models) on a Dask cluster.

    Parameters
    ----------
    scheduler : str, SchedulerSpec or distributed.Client
        ``"local:N"``, a scheduler address (see :func:`parse_scheduler`), or a connected
        client. A local cluster started here is closed when the block ends; a client you
        pass stays open.
    scatter : sequence of objects, default=()
        Objects to send to every worker once, up front, typically ``[X, y]``: tasks that
        receive these very objects (the same Python objects, not copies) refer to the
        workers' copies instead of carrying them. Without it joblib still scatters large
        arguments once per parallel call (each ``cross_validate`` or search), but to one
        worker only: if that worker dies, the data are lost and the search fails with
        ``FutureCancelledError``. With it, every worker holds a copy and the scheduler
        re-runs a dead worker's tasks elsewhere (``docs/user_guide/distributed.md``).
    n_jobs : int, default=-1
        Parallel tasks for calls with ``n_jobs=None``; -1 uses every worker thread.
        Calls that pass their own ``n_jobs`` keep it. A cluster of a single worker thread
        gives joblib one slot, and joblib then runs the tasks in the calling process:
        give the cluster at least 2 threads (and, to run one task at a time on it, a
        resource, see ``resources``).
    resources : mapping of str to float, optional
        `Dask resources <https://distributed.dask.org/en/stable/resources.html>`_ that
        every task needs, e.g. ``{"GPU": 1}`` for workers started with
        ``--resources GPU=1``: a worker then runs at most as many fits at once as it has
        of each resource, whatever its thread count. Every worker must declare them, or
        the tasks wait for one that does; the workers of ``"local:N"`` declare exactly
        these amounts.
    timeout : float, default=60.0
        Seconds to wait for the scheduler connection and for the workers (all N of
        ``"local:N"``, else the first).

    Yields
    ------
    client : distributed.Client

    Raises
    ------
    ValueError
        If ``scheduler`` is malformed.
    ImportError
        If ``dask.distributed`` is not installed.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn_irnet import IRNetRegressor
    >>> X = np.random.RandomState(0).normal(size=(64, 4)); y = X[:, 0]
    >>> search = GridSearchCV(IRNetRegressor(architecture=[(8, 1)], max_iter=2),
    ...                       {"learning_rate_init": [1e-3, 1e-2]}, cv=2)
    >>> with dask_backend("local:2", scatter=[X, y]):  # doctest: +SKIP
    ...     search.fit(X, y)
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "running on a Dask cluster needs dask.distributed: "
            "pip install 'sklearn-irnet[distributed]'"
        ) from error
    from joblib import parallel_config

    with ExitStack() as stack:
        n_workers = 1
        if isinstance(scheduler, Client):
            client = scheduler
        else:
            spec = scheduler if isinstance(scheduler, SchedulerSpec) else parse_scheduler(
                scheduler)
            if spec.address is None:
                stack.enter_context(default_allocator_workers())
                cluster = stack.enter_context(LocalCluster(
                    n_workers=spec.n_local_workers, threads_per_worker=1, processes=True,
                    dashboard_address=None, resources=dict(resources or {})))
                client = stack.enter_context(Client(cluster, timeout=timeout))
                n_workers = spec.n_local_workers
            else:
                client = stack.enter_context(Client(spec.address, timeout=timeout))
        # every worker present now gets a copy of the scattered data (a worker that joins
        # later fetches it from them), so losing one worker loses no data
        client.wait_for_workers(n_workers, timeout=timeout)
        stack.enter_context(parallel_config(
            backend="dask", n_jobs=n_jobs, client=client,
            scatter=list(scatter) or None, wait_for_workers_timeout=timeout,
            **({"resources": dict(resources)} if resources else {}),
        ))
        yield client

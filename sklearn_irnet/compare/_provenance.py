"""What a comparison ran: each model's parameters, the splitter, seeds, package versions,
the commit of this package, threads and machine, in JSON-safe form."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from .._version import __version__


def estimator_record(estimator: Any) -> Any:
    """An estimator as JSON-safe data: its class and its parameters, nested estimators
    (pipeline steps, ensemble members, search spaces) recorded the same way.

    Parameters
    ----------
    estimator : estimator or any parameter value

    Returns
    -------
    dict, list, str, int, float, bool or None

    Examples
    --------
    >>> from sklearn.ensemble import ExtraTreesRegressor
    >>> record = estimator_record(ExtraTreesRegressor(n_estimators=300))
    >>> record["class"], record["params"]["n_estimators"]
    ('sklearn.ensemble._forest.ExtraTreesRegressor', 300)
    """
    if isinstance(estimator, BaseEstimator):
        params = estimator.get_params(deep=False)
        return {"class": f"{type(estimator).__module__}.{type(estimator).__qualname__}",
                "params": {name: estimator_record(value) for name, value in params.items()}}
    if isinstance(estimator, Mapping):
        return {str(key): estimator_record(value) for key, value in estimator.items()}
    if isinstance(estimator, list | tuple):
        return [estimator_record(value) for value in estimator]
    if isinstance(estimator, np.generic):
        return estimator.item()
    if isinstance(estimator, np.ndarray):
        return estimator.tolist() if estimator.size <= 1000 else repr(estimator)
    if estimator is None or isinstance(estimator, str | bool | int | float):
        return estimator
    if isinstance(estimator, os.PathLike):
        return os.fspath(estimator)
    return repr(estimator)


def package_commit() -> dict[str, Any] | None:
    """The git commit of this package's source tree (editable installs), with whether
    the tree had uncommitted changes; None outside a git checkout."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                                capture_output=True, text=True, timeout=10, check=True)
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                 "--untracked-files=no"],
                                capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}


def environment() -> dict[str, dict[str, str]]:
    """Versions of the packages a run used, and the machine it ran on.

    Returns
    -------
    dict
        ``{"versions": {...}, "machine": {...}}`` of plain strings.

    Examples
    --------
    >>> sorted(environment())
    ['machine', 'versions']
    """
    import sklearn
    import skorch
    import torch

    versions = {"sklearn-irnet": __version__, "scikit-learn": sklearn.__version__,
                "skorch": skorch.__version__, "torch": torch.__version__,
                "numpy": np.__version__, "python": platform.python_version()}
    machine = {"platform": platform.platform(), "processor": platform.processor(),
               "cpu_count": str(os.cpu_count()),
               "torch_threads": str(torch.get_num_threads())}
    return {"versions": versions, "machine": machine}


def provenance(models: Mapping[str, Any], *, splitter: Any, n_repeats: int,
               random_state: Any, n_jobs: int | None) -> dict[str, Any]:
    """The provenance record of one comparison (see :func:`estimator_record`)."""
    return {
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "models": {name: estimator_record(model) for name, model in models.items()},
        "splitter": repr(splitter),
        "n_repeats": n_repeats,
        "random_state": estimator_record(random_state),
        "n_jobs": n_jobs,
        "source": package_commit(),
        **environment(),
    }

"""What a named study of ``python -m benchmarks`` is made of (:class:`Study`, :class:`Data`)
and what several studies share: the data loaders and the official Matbench folds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class Data:
    """Features, target and what the splits need (formula groups or official folds)."""

    X: np.ndarray
    y: np.ndarray
    groups: np.ndarray | None = None
    test_fold: np.ndarray | None = None


@dataclass(frozen=True)
class Study:
    """One named study.

    ``split(data)`` returns the keyword arguments of
    :func:`sklearn_irnet.compare.compare_models` that fix the splits; ``outer(data)``,
    for development studies, the outer fold of every split (their table averages the
    inner splits of one outer fold before the t interval over outer folds). ``beside``,
    ``(study, names)``, puts the first repeat of the models ``names()`` saved by another
    study into this one's table (same splits).
    """

    name: str
    summary: str
    load: Callable[[Path], Data]
    split: Callable[[Data], dict[str, Any]]
    models: Callable[[], dict[str, Any]]
    folder: str
    budget: str
    outer: Callable[[Data], np.ndarray] | None = field(default=None)
    beside: tuple[str, Callable[[], list[str]]] | None = None


def main_job(data_home: Path) -> Data:
    """The 2,135 experimental formation enthalpies inside pymatgen (no data folder needed):
    145 Magpie attributes, eV/atom, the formula of every row as its group."""
    from _main_job import main_job_data

    X, y, groups = main_job_data()
    return Data(X, y, groups=groups)


def matbench(task: str, classification: bool = False) -> Callable[[Path], Data]:
    """The loader of ``matbench_<task>`` from ``data_home``: 145 Magpie attributes, the
    target (integer labels with ``classification``) and the official folds."""

    def load(data_home: Path) -> Data:
        from sklearn_irnet.datasets import load_dataset
        from sklearn_irnet.featurize import MagpieFeaturizer

        data = load_dataset(f"matbench_{task}", data_home=data_home)
        X = MagpieFeaturizer(column=None).fit_transform(data.formulas.to_numpy(dtype=object))
        y = data.target.to_numpy(float)
        if classification:
            y = y.astype(np.int64)
        return Data(X, y, test_fold=np.asarray(data.test_fold))

    return load


def official(data: Data) -> dict[str, Any]:
    """Matbench's official five folds, as given."""
    return {"test_fold": data.test_fold, "n_repeats": 1}

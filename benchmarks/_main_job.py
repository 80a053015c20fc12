"""What the benchmarks on the main job's data share: the data, its outer folds and the
inner split of each training fold."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from sklearn.model_selection import GroupKFold, GroupShuffleSplit

from sklearn_irnet.cli import MAIN_JOB_NETWORK  # noqa: F401  (re-exported for the scripts)

INNER_SPLIT = "GroupShuffleSplit(test_size=0.2, random_state=fold)"


def main_job_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 2,135 experimental formation enthalpies inside pymatgen: Magpie attributes,
    target (eV/atom) and composition groups."""
    from sklearn_irnet.datasets import load_dataset
    from sklearn_irnet.featurize import MagpieFeaturizer

    data = load_dataset("expt_formation_enthalpy")
    X = MagpieFeaturizer(column=None).fit_transform(data.formulas)
    return X, data.target.to_numpy(float), np.asarray(data.groups)


def nested_splits(
    X: np.ndarray, y: np.ndarray, groups: np.ndarray, n_folds: int
) -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """``(fold, inner_rows, held_rows, test_rows)`` for the first ``n_folds`` of the main
    job's outer folds: the training rows split again by formula, 80 % / 20 %
    (:data:`INNER_SPLIT`)."""
    outer = outer_folds(groups)
    outer_groups = groups if isinstance(outer, GroupKFold) else None
    for fold, (train, test) in enumerate(outer.split(X, y, outer_groups)):
        if fold == n_folds:
            return
        inner = GroupShuffleSplit(n_splits=1, test_size=0.2, random_state=fold)
        inner_rows, held_rows = next(inner.split(train, groups=groups[train]))
        yield fold, train[inner_rows], train[held_rows], test


def outer_folds(groups: np.ndarray):
    """The main job's splitter (``sklearn-irnet compare``'s default 5 folds, seed 0)."""
    from sklearn_irnet.compare import resolve_cv

    return resolve_cv(5, groups=groups, random_state=0)

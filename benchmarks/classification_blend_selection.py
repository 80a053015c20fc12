"""Which classifier, or which equal-weight blend of two, chosen on validation rows only.

For a Matbench classification task this script splits the **training** rows of each
official fold again (80 % fit, 20 % validation; ``StratifiedShuffleSplit`` with
``random_state=fold``, the split of ``classification_epochs_selection.py``), fits every
candidate of ``sklearn-irnet compare`` by name on the fit rows (``class_weight="balanced"``
on every step that takes it, the a-priori setting for Matbench's metric; networks with one
torch thread and the estimator's defaults) and scores the validation rows: balanced
accuracy (Matbench's label ROC-AUC for two classes), ROC-AUC of the probabilities and the
Brier score. Every blend named in ``--blends`` (``a+b``) is scored from the same fitted
members, as the mean of their class probabilities with labels at 0.5, which is what
:class:`~sklearn.ensemble.VotingClassifier` with ``voting="soft"`` predicts. The official
test rows are never touched: the chosen model is then scored on them with ``sklearn-irnet
matbench --models ...``.

Example::

    python benchmarks/classification_blend_selection.py --task matbench_expt_is_metal \\
        --candidates irnet17_mp_gap,extra_trees,hist_gradient_boosting_mp_gap_prediction \\
        --blends irnet17_mp_gap+hist_gradient_boosting_mp_gap_prediction --n-jobs 2
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from joblib import Parallel, delayed
from sklearn.metrics import balanced_accuracy_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedShuffleSplit

from sklearn_irnet.compare import PRESETS, TRANSFER_MODELS, make_model
from sklearn_irnet.datasets import load_dataset
from sklearn_irnet.featurize import make_featurizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from matbench_classification import with_balanced_classes  # noqa: E402


def validation_proba(name: str, X: np.ndarray, y: np.ndarray, fit_rows: np.ndarray,
                     val_rows: np.ndarray) -> tuple[np.ndarray, float]:
    """Fit the model ``name`` on the fit rows; its probability of class 1 on the validation
    rows, and the seconds the fit took."""
    torch.set_num_threads(1)
    network = name in PRESETS or (name in TRANSFER_MODELS and name.startswith("irnet"))
    extra = {"n_threads": 1} if network else {}
    model = with_balanced_classes(make_model(name, task="classification", n_jobs=1, **extra))
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X[fit_rows], y[fit_rows])
    seconds = time.perf_counter() - started
    return model.predict_proba(X[val_rows])[:, 1], seconds


def score(truth: np.ndarray, proba: np.ndarray) -> dict[str, float]:
    """Balanced accuracy of the labels at 0.5, ROC-AUC and Brier score of ``proba``."""
    return {"labels": balanced_accuracy_score(truth, (proba >= 0.5).astype(truth.dtype)),
            "proba": roc_auc_score(truth, proba), "brier": brier_score_loss(truth, proba)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default="../shared/data/matbench")
    parser.add_argument("--task", default="matbench_expt_is_metal")
    parser.add_argument("--candidates", required=True,
                        help="comma-separated model names of sklearn-irnet compare")
    parser.add_argument("--blends", default="",
                        help="comma-separated pairs a+b of candidates, scored as the mean "
                             "of their probabilities")
    parser.add_argument("--folds", type=int, default=5, help="official folds used (first n)")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None,
                        help="where to write the per-fold table (CSV)")
    args = parser.parse_args(argv)
    candidates = [name for name in args.candidates.split(",") if name]
    blends = [tuple(pair.split("+")) for pair in args.blends.split(",") if pair]
    for pair in blends:
        if len(pair) != 2 or not set(pair) <= set(candidates):
            raise ValueError(f"Blend {'+'.join(pair)!r} must name two of the candidates "
                             f"{candidates}.")
    data = load_dataset(args.task, data_home=args.data_home)
    if data.task_type != "classification":
        raise ValueError(f"{args.task} is a regression task; this script compares "
                         f"classifiers.")
    X = make_featurizer("magpie", column=None).fit_transform(
        data.formulas.to_numpy(dtype=object))
    y = data.target.to_numpy(float).astype(np.int64)
    test_fold = np.asarray(data.test_fold)
    splits = {}
    for fold in range(args.folds):
        train = np.flatnonzero(test_fold != fold)
        inner = StratifiedShuffleSplit(1, test_size=0.2, random_state=fold)
        fit_idx, val_idx = next(inner.split(train, y[train]))
        splits[fold] = (train[fit_idx], train[val_idx])
    print(f"{args.task}: {len(y)} rows; training rows of official folds 0-{args.folds - 1} "
          f"split 80/20 (StratifiedShuffleSplit, random_state=fold); balanced class "
          f"weights; candidates {candidates}; blends {['+'.join(b) for b in blends]}; "
          f"torch threads 1, {args.n_jobs} processes; load {os.getloadavg()}", flush=True)
    jobs = [(fold, name) for fold in splits for name in candidates]
    fitted = Parallel(n_jobs=args.n_jobs)(
        delayed(validation_proba)(name, X, y, *splits[fold]) for fold, name in jobs)
    proba: dict[tuple[int, str], np.ndarray] = {}
    rows: list[dict[str, Any]] = []
    for (fold, name), (p, seconds) in zip(jobs, fitted, strict=True):
        proba[fold, name] = p
        rows.append({"model": name, "fold": fold, **score(y[splits[fold][1]], p),
                     "seconds": seconds})
    for fold in splits:
        for first, second in blends:
            mean = (proba[fold, first] + proba[fold, second]) / 2
            rows.append({"model": f"{first}+{second}", "fold": fold,
                         **score(y[splits[fold][1]], mean), "seconds": np.nan})
    table = pd.DataFrame(rows)
    print(table.to_markdown(index=False, floatfmt=".4f"))
    summary = table.groupby("model", sort=False).agg(
        labels=("labels", "mean"), labels_std=("labels", "std"), proba=("proba", "mean"),
        brier=("brier", "mean"), seconds=("seconds", "median"))
    print("\nmean over folds (validation rows only):")
    print(summary.sort_values("labels", ascending=False).to_markdown(floatfmt=".4f"))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out, index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

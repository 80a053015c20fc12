"""How long to fine-tune the OQMD network as a classifier, chosen on validation rows only.

``irnet17_oqmd`` fine-tunes the shipped OQMD network for the estimator's default 80 epochs;
that length was chosen for regression. For a Matbench classification task this script
splits the **training** rows of each official fold again (stratified, 80 % fit, 20 %
validation), fine-tunes ``IRNetClassifier(pretrained="oqmd-irnet17")`` for each epoch
budget on the fit rows (cosine schedule over that budget, estimator defaults otherwise)
and scores the validation rows: balanced accuracy (Matbench's label ROC-AUC for two
classes), ROC-AUC of the probabilities and the Brier score. The official test rows are
never touched, so the chosen budget can then be scored on them with ``sklearn-irnet
matbench --max-epochs``.

Example::

    python benchmarks/classification_epochs_selection.py --data-home ../shared/data/matbench \\
        --task matbench_expt_is_metal --epochs 10,20,40,80 --n-jobs 2
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.metrics import balanced_accuracy_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedShuffleSplit

from sklearn_irnet import IRNetClassifier
from sklearn_irnet.datasets import load_dataset
from sklearn_irnet.featurize import make_featurizer


def score_budget(X: np.ndarray, y: np.ndarray, fit_rows: np.ndarray, val_rows: np.ndarray,
                 epochs: int, fold: int) -> dict[str, float]:
    """Fine-tune for ``epochs`` on the fit rows; the scores on the validation rows."""
    model = IRNetClassifier(pretrained="oqmd-irnet17", max_iter=epochs, random_state=0,
                            n_threads=1)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X[fit_rows], y[fit_rows])
    seconds = time.perf_counter() - started
    proba = model.predict_proba(X[val_rows])[:, 1]
    truth = y[val_rows]
    return {"fold": fold, "epochs": epochs,
            "labels": balanced_accuracy_score(truth, model.predict(X[val_rows])),
            "proba": roc_auc_score(truth, proba), "brier": brier_score_loss(truth, proba),
            "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default="../shared/data/matbench")
    parser.add_argument("--task", default="matbench_expt_is_metal")
    parser.add_argument("--epochs", default="10,20,40,80")
    parser.add_argument("--folds", type=int, default=5, help="official folds used (first n)")
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args(argv)
    data = load_dataset(args.task, data_home=args.data_home)
    X = make_featurizer("magpie", column=None).fit_transform(
        data.formulas.to_numpy(dtype=object))
    y = data.target.to_numpy(float).astype(np.int64)
    test_fold = np.asarray(data.test_fold)
    budgets = [int(e) for e in args.epochs.split(",")]
    jobs = []
    for fold in range(args.folds):
        train = np.flatnonzero(test_fold != fold)
        inner = StratifiedShuffleSplit(1, test_size=0.2, random_state=fold)
        fit_idx, val_idx = next(inner.split(train, y[train]))
        jobs += [(train[fit_idx], train[val_idx], epochs, fold) for epochs in budgets]
    print(f"{args.task}: {len(y)} rows; training rows of official folds 0-{args.folds - 1} "
          f"split 80/20 (StratifiedShuffleSplit, random_state=fold); budgets {budgets}; "
          f"torch threads 1, {args.n_jobs} processes; load {os.getloadavg()}", flush=True)
    rows = Parallel(n_jobs=args.n_jobs)(
        delayed(score_budget)(X, y, fit, val, epochs, fold) for fit, val, epochs, fold in jobs)
    table = pd.DataFrame(rows)
    print(table.to_markdown(index=False, floatfmt=".4f"))
    summary = table.groupby("epochs").agg(
        labels=("labels", "mean"), labels_std=("labels", "std"), proba=("proba", "mean"),
        brier=("brier", "mean"), seconds=("seconds", "median"))
    print("\nmean over folds (validation rows only):")
    print(summary.to_markdown(floatfmt=".4f"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How long to fine-tune, and which pre-trained network, chosen on validation rows only.

``irnet17_oqmd`` fine-tunes the shipped OQMD network for the estimator's default 80 epochs;
that length was chosen for regression on the main job. For a Matbench task this script
splits the **training** rows of each official fold again (80 % fit, 20 % validation;
stratified for classification), fine-tunes each pre-trained network (``--pretrained``: the
shipped ``oqmd-irnet17`` or ``mp-gap-irnet17``, or a model file) for each epoch budget on
the fit rows (cosine schedule over that budget, estimator defaults otherwise) and scores
the validation rows. Classification tasks (``IRNetClassifier``): balanced accuracy
(Matbench's label ROC-AUC for two classes), ROC-AUC of the probabilities and the Brier
score. Regression tasks (``IRNetRegressor``): MAE and RMSE. The official test rows are never
touched, so the chosen network and budget can then be scored on them with ``sklearn-irnet
matbench --models ... --max-epochs``.

``--out`` also writes what is printed to a file, after a machine-made header. Example::

    python benchmarks/classification_epochs_selection.py --task matbench_expt_is_metal \\
        --epochs 10,20,40,80 --n-jobs 2
    python benchmarks/classification_epochs_selection.py --task matbench_expt_gap \\
        --epochs 80 --pretrained oqmd-irnet17,mp-gap-irnet17 --n-jobs 2
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
from joblib import Parallel, delayed
from sklearn.metrics import balanced_accuracy_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit

from sklearn_irnet import IRNetClassifier, IRNetRegressor
from sklearn_irnet.datasets import load_dataset
from sklearn_irnet.featurize import make_featurizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _settings import add_options, recorded_output  # noqa: E402


def score_budget(X: np.ndarray, y: np.ndarray, fit_rows: np.ndarray, val_rows: np.ndarray,
                 epochs: int, fold: int, source: str = "oqmd-irnet17",
                 classification: bool = True) -> dict[str, Any]:
    """Fine-tune ``source`` (a shipped model name or a model file) for ``epochs`` on the
    fit rows; the scores on the validation rows."""
    network = IRNetClassifier if classification else IRNetRegressor
    model = network(pretrained=source, max_iter=epochs, random_state=0, n_threads=1)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X[fit_rows], y[fit_rows])
    seconds = time.perf_counter() - started
    truth = y[val_rows]
    row = {"pretrained": Path(source).stem, "fold": fold, "epochs": epochs}
    if classification:
        proba = model.predict_proba(X[val_rows])[:, 1]
        row.update(labels=balanced_accuracy_score(truth, model.predict(X[val_rows])),
                   proba=roc_auc_score(truth, proba), brier=brier_score_loss(truth, proba))
    else:
        error = model.predict(X[val_rows]) - truth
        row.update(mae=float(np.mean(np.abs(error))), rmse=float(np.sqrt(np.mean(error**2))))
    return {**row, "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_options(parser, "data_home", "n_jobs", "out")
    parser.add_argument("--task", default="matbench_expt_is_metal")
    parser.add_argument("--epochs", default="10,20,40,80")
    parser.add_argument("--folds", type=int, default=5, help="official folds used (first n)")
    parser.add_argument("--pretrained", default="oqmd-irnet17",
                        help="comma-separated shipped model names or model files, each "
                             "fine-tuned for every budget on the same rows")
    args = parser.parse_args(argv)
    data = load_dataset(args.task, data_home=args.data_home)
    X = make_featurizer("magpie", column=None).fit_transform(
        data.formulas.to_numpy(dtype=object))
    classification = data.task_type == "classification"
    y = data.target.to_numpy(float)
    if classification:
        y = y.astype(np.int64)
    test_fold = np.asarray(data.test_fold)
    budgets = [int(e) for e in args.epochs.split(",")]
    jobs = []
    for fold in range(args.folds):
        train = np.flatnonzero(test_fold != fold)
        inner = (StratifiedShuffleSplit if classification else ShuffleSplit)(
            1, test_size=0.2, random_state=fold)
        fit_idx, val_idx = next(inner.split(train, y[train]))
        jobs += [(train[fit_idx], train[val_idx], epochs, fold, source)
                 for source in args.pretrained.split(",") for epochs in budgets]
    with recorded_output(args.out, 1):
        print(f"{args.task}: {len(y)} rows; training rows of official folds 0-{args.folds - 1} "
              f"split 80/20 ({'Stratified' if classification else ''}ShuffleSplit, "
              f"random_state=fold); budgets {budgets}; "
              f"pre-trained {args.pretrained}; "
              f"torch threads 1, {args.n_jobs} processes; load {os.getloadavg()}", flush=True)
        rows = Parallel(n_jobs=args.n_jobs)(
            delayed(score_budget)(X, y, fit, val, epochs, fold, source, classification)
            for fit, val, epochs, fold, source in jobs)
        table = pd.DataFrame(rows)
        print(table.to_markdown(index=False, floatfmt=".4f"))
        scores = (dict(labels=("labels", "mean"), labels_std=("labels", "std"),
                       proba=("proba", "mean"), brier=("brier", "mean")) if classification else
                  dict(mae=("mae", "mean"), mae_std=("mae", "std"), rmse=("rmse", "mean")))
        summary = table.groupby(["pretrained", "epochs"]).agg(
            **scores, seconds=("seconds", "median"))
        print("\nmean over folds (validation rows only):")
        print(summary.to_markdown(floatfmt=".4f"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

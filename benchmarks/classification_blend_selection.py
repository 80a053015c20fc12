"""Which model, or which equal-weight blend of two, chosen on validation rows only.

For a Matbench task this script splits the **training** rows of each official fold again
(80 % fit, 20 % validation; ``StratifiedShuffleSplit``, or ``ShuffleSplit`` for
regression, with ``random_state=fold``: the split of
``classification_epochs_selection.py``), fits every candidate of ``sklearn-irnet compare``
by name on the fit rows (networks with one torch thread and the estimator's defaults) and
scores the validation rows. Classification tasks: every model gets
``class_weight="balanced"`` on every step that takes it (the a-priori setting for
Matbench's metric), scored by balanced accuracy (Matbench's label ROC-AUC for two
classes), ROC-AUC of the probabilities and the Brier score. Regression tasks: MAE and
RMSE. Every blend named in ``--blends`` (``a+b``) is scored from the same fitted members,
as the mean of their predictions, which is what :class:`~sklearn.ensemble.VotingRegressor`
and :class:`~sklearn.ensemble.VotingClassifier` with ``voting="soft"`` predict. Labels
are the class of larger probability, with a tie (exactly 0.5, common for forests) going
to the first class, as ``predict`` decides it.

What "validation rows only" means here: no official test row of a fold is used while that
fold's candidates are fitted and scored. A choice made on the mean over all five folds,
though, has seen the other folds' test rows among their validation rows (the official
folds partition the data), so the test score of the model chosen that way is not a nested
estimate; ``matbench_nested_selection.py`` gives that.

Example::

    python benchmarks/classification_blend_selection.py --task matbench_expt_is_metal \\
        --candidates irnet17_mp_gap,extra_trees,hist_gradient_boosting_mp_gap_prediction \\
        --blends irnet17_mp_gap+hist_gradient_boosting_mp_gap_prediction --n-jobs 2
    python benchmarks/classification_blend_selection.py --task matbench_expt_gap \\
        --candidates extra_trees,extra_trees_mp_gap_prediction --n-jobs 2
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
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit

from sklearn_irnet.datasets import load_dataset
from sklearn_irnet.featurize import make_featurizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _settings import add_options  # noqa: E402
from _study_models import PRESETS, TRANSFER_MODELS, make_model  # noqa: E402
from matbench_classification import with_balanced_classes  # noqa: E402


def validation_prediction(name: str, X: np.ndarray, y: np.ndarray, fit_rows: np.ndarray,
                          val_rows: np.ndarray, classification: bool
                          ) -> tuple[np.ndarray, float]:
    """Fit the model ``name`` on the fit rows; its prediction for the validation rows (the
    probability of class 1 for classification), and the seconds the fit took."""
    torch.set_num_threads(1)
    network = name in PRESETS or (name in TRANSFER_MODELS and name.startswith("irnet"))
    extra = {"n_threads": 1} if network else {}
    if classification:
        model = with_balanced_classes(make_model(name, task="classification", n_jobs=1,
                                                 **extra))
    else:
        model = make_model(name, n_jobs=1, **extra)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X[fit_rows], y[fit_rows])
    seconds = time.perf_counter() - started
    if classification:
        return model.predict_proba(X[val_rows])[:, 1], seconds
    return np.asarray(model.predict(X[val_rows]), dtype=float), seconds


def score(truth: np.ndarray, prediction: np.ndarray, classification: bool
          ) -> dict[str, float]:
    """Classification: balanced accuracy of the labels (class 1 where its probability
    exceeds 0.5), ROC-AUC and Brier score of the probabilities. Regression: MAE and
    RMSE."""
    if classification:
        labels = (prediction > 0.5).astype(truth.dtype)  # a tie goes to class 0
        return {"labels": balanced_accuracy_score(truth, labels),
                "proba": roc_auc_score(truth, prediction),
                "brier": brier_score_loss(truth, prediction)}
    error = prediction - truth
    return {"mae": float(np.mean(np.abs(error))), "rmse": float(np.sqrt(np.mean(error**2)))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_options(parser, "data_home", "n_jobs", "out")
    parser.add_argument("--task", default="matbench_expt_is_metal")
    parser.add_argument("--candidates", required=True,
                        help="comma-separated model names of sklearn-irnet compare")
    parser.add_argument("--blends", default="",
                        help="comma-separated pairs a+b of candidates, scored as the mean "
                             "of their predictions (probabilities)")
    parser.add_argument("--folds", type=int, default=5, help="official folds used (first n)")
    args = parser.parse_args(argv)
    candidates = [name for name in args.candidates.split(",") if name]
    blends = [tuple(pair.split("+")) for pair in args.blends.split(",") if pair]
    for pair in blends:
        if len(pair) != 2 or not set(pair) <= set(candidates):
            raise ValueError(f"Blend {'+'.join(pair)!r} must name two of the candidates "
                             f"{candidates}.")
    data = load_dataset(args.task, data_home=args.data_home)
    classification = data.task_type == "classification"
    X = make_featurizer("magpie", column=None).fit_transform(
        data.formulas.to_numpy(dtype=object))
    y = data.target.to_numpy(float)
    if classification:
        y = y.astype(np.int64)
    test_fold = np.asarray(data.test_fold)
    splits = {}
    for fold in range(args.folds):
        train = np.flatnonzero(test_fold != fold)
        inner = (StratifiedShuffleSplit if classification else ShuffleSplit)(
            1, test_size=0.2, random_state=fold)
        fit_idx, val_idx = next(inner.split(train, y[train]))
        splits[fold] = (train[fit_idx], train[val_idx])
    print(f"{args.task}: {len(y)} rows; training rows of official folds 0-{args.folds - 1} "
          f"split 80/20 ({'Stratified' if classification else ''}ShuffleSplit, "
          f"random_state=fold); {'balanced class weights; ' if classification else ''}"
          f"candidates {candidates}; blends {['+'.join(b) for b in blends]}; "
          f"torch threads 1, {args.n_jobs} processes; load {os.getloadavg()}", flush=True)
    jobs = [(fold, name) for fold in splits for name in candidates]
    fitted = Parallel(n_jobs=args.n_jobs)(
        delayed(validation_prediction)(name, X, y, *splits[fold], classification)
        for fold, name in jobs)
    predictions: dict[tuple[int, str], np.ndarray] = {}
    rows: list[dict[str, Any]] = []
    for (fold, name), (prediction, seconds) in zip(jobs, fitted, strict=True):
        predictions[fold, name] = prediction
        rows.append({"model": name, "fold": fold,
                     **score(y[splits[fold][1]], prediction, classification),
                     "seconds": seconds})
    for fold in splits:
        for first, second in blends:
            mean = (predictions[fold, first] + predictions[fold, second]) / 2
            rows.append({"model": f"{first}+{second}", "fold": fold,
                         **score(y[splits[fold][1]], mean, classification),
                         "seconds": np.nan})
    table = pd.DataFrame(rows)
    print(table.to_markdown(index=False, floatfmt=".4f"))
    main_score = "labels" if classification else "mae"
    others = ("proba", "brier") if classification else ("rmse",)
    summary = table.groupby("model", sort=False).agg(
        **{main_score: (main_score, "mean"), f"{main_score}_std": (main_score, "std")},
        **{name: (name, "mean") for name in others}, seconds=("seconds", "median"))
    print("\nmean over folds (validation rows only):")
    print(summary.sort_values(main_score, ascending=not classification)
          .to_markdown(floatfmt=".4f"))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out, index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How far a decision threshold can move Matbench's label ROC-AUC: an upper bound.

Matbench scores its classification tasks by the ROC-AUC of hard labels, which for two
classes is the balanced accuracy. A classifier's labels come from thresholding its
probability (0.5 by default). This script reads the out-of-fold probabilities of a
``predictions.csv`` in each folder it is given: the results folder of ``python -m
benchmarks run classification_<task>`` (after the run or ``report``), ``<folder>/<task>/``
of ``sklearn-irnet matbench``, or those that the retired
``benchmarks/matbench_classification.py`` wrote; it prints, per model and averaged over
the folds:

* the label ROC-AUC at the model's own labels (``y_pred``, what the leaderboard tables
  report);
* the best label ROC-AUC over **every** threshold, chosen on each test fold itself. This
  is an oracle, not a result: no threshold chosen on training data can beat it, so when
  it stays below a target, no threshold tuning (``TunedThresholdClassifierCV`` included)
  reaches the target with that model's probabilities.

``--out`` also writes what is printed to a file, after a machine-made header. Example::

    python benchmarks/threshold_bound.py \\
        benchmarks/results/matbench_classification_balanced/matbench_glass \\
        benchmarks/results/matbench_classification_blends/matbench_glass
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score, roc_curve

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _settings import add_options, recorded_output  # noqa: E402


def best_balanced_accuracy(y_true: np.ndarray, score: np.ndarray) -> float:
    """The largest balanced accuracy over all thresholds of ``score``: (1 + Youden's J)/2."""
    fpr, tpr, _ = roc_curve(y_true, score)
    return float((1.0 + np.max(tpr - fpr)) / 2.0)


def threshold_bounds(predictions: pd.DataFrame) -> pd.DataFrame:
    """Per model: mean over folds of the label ROC-AUC at its labels and at the oracle
    threshold, and of the probability ROC-AUC."""
    if "y_score" not in predictions:
        raise ValueError("predictions has no 'y_score' column: the bound needs the "
                         "probabilities of a two-class task (multi-class results store "
                         "proba_<label> columns instead).")
    rows = []
    for (model, fold), part in predictions.groupby(["model", "fold"], sort=False):
        positive = part["y_true"].to_numpy() == part["y_true"].max()
        labels = part["y_pred"].to_numpy() == part["y_true"].max()
        rows.append({"model": model, "fold": fold,
                     "labels": roc_auc_score(positive, labels),
                     "oracle_threshold": best_balanced_accuracy(positive, part["y_score"]),
                     "proba": roc_auc_score(positive, part["y_score"])})
    table = pd.DataFrame(rows).groupby("model", sort=False)[
        ["labels", "oracle_threshold", "proba"]].mean()
    return table.sort_values("oracle_threshold", ascending=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path,
                        help="result folders holding a predictions.csv of a binary task")
    add_options(parser, "out")
    args = parser.parse_args(argv)
    with recorded_output(args.out):
        for folder in args.folders:
            predictions = pd.read_csv(folder / "predictions.csv")
            print(f"### {folder}\n")
            print("| model | ROC-AUC (labels) | best over thresholds, chosen on the test fold "
                  "(oracle bound) | ROC-AUC (proba) |")
            print("|---|---|---|---|")
            for model, row in threshold_bounds(predictions).iterrows():
                print(f"| {model} | {row['labels']:.4f} | {row['oracle_threshold']:.4f} | "
                      f"{row['proba']:.4f} |")
            print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

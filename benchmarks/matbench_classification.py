"""IRNetClassifier beside the forests on Matbench's composition classification tasks.

Runs ``matbench_expt_is_metal`` (4,921 compositions, metal or not) and ``matbench_glass``
(5,680 compositions, glass-forming or not) on their official five folds with the 145
Magpie attributes, through :func:`sklearn_irnet.compare.compare_models`: IRNet-17
(:class:`~sklearn_irnet.IRNetClassifier` with its defaults except ``max_iter``) and the
classical classifiers, scored by ROC-AUC (Matbench's metric), accuracy, F1 and the Brier
score. Per task it writes the per-fold scores, the out-of-fold probabilities, the
leaderboard table, ROC curves and a reliability diagram.

Calibration (``--calibrate TASK``): on those tasks it also runs ``irnet17_sigmoid``, the
same network fitted on 90% of each training fold with a sigmoid (Platt) calibration fitted
on the other 10% through ``CalibratedClassifierCV(FrozenEstimator(model))``: the cheap
route to calibrated probabilities (one network fit instead of the ``cv`` fits of
``CalibratedClassifierCV(IRNetClassifier(...))``). Nothing is tuned on the test folds:
every setting is a default, and the calibration data come from the training fold.

Balanced classes (``--class-weight balanced``): Matbench scores these tasks by the ROC-AUC
of hard labels, which for two classes is the balanced accuracy (the mean of the two
classes' recalls). A model trained to the plain likelihood puts its threshold where the
majority class wins ties (glass: 71 % positive), which that metric penalises. The option
gives every model that accepts it (the networks, the forests, gradient boosting and logistic
regression) ``class_weight="balanced"``, the a-priori setting for a balanced metric; no
threshold is tuned. The models' names get a ``_balanced`` suffix.

Folds run one after the other on one torch thread. The baselines run first and the
results of a task are rewritten after every model, so an interrupted run keeps what it
finished. Example (the committed run, see its ``README.md``)::

    OMP_NUM_THREADS=1 nice -n 19 python benchmarks/matbench_classification.py \\
        --max-epochs 20 --out benchmarks/results/matbench_classification
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split

from sklearn_irnet import IRNetClassifier
from sklearn_irnet.compare import ModelComparison, compare_models
from sklearn_irnet.datasets import load_dataset
from sklearn_irnet.featurize import make_featurizer
from sklearn_irnet.reporting import MATBENCH_LEADERBOARD, leaderboard_markdown, write_comparison

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _settings import add_options  # noqa: E402
from _study_models import _with_class_weight, make_model  # noqa: E402

TASKS = ("matbench_expt_is_metal", "matbench_glass")
BASELINES = ("random_forest", "extra_trees", "hist_gradient_boosting", "logistic_regression",
             "dummy")


class HoldoutCalibrated(ClassifierMixin, BaseEstimator):
    """Fit ``estimator`` on part of the data and calibrate its probabilities on the rest.

    Parameters
    ----------
    estimator : classifier
        The model to calibrate (cloned).
    method : {"sigmoid", "isotonic"}, default="sigmoid"
        Calibration map of :class:`~sklearn.calibration.CalibratedClassifierCV`.
    holdout : float, default=0.1
        Stratified share of the training data kept for the calibration.
    random_state : int, default=0
        Seed of the split.
    """

    def __init__(self, estimator: Any, *, method: str = "sigmoid", holdout: float = 0.1,
                 random_state: int = 0) -> None:
        self.estimator = estimator
        self.method = method
        self.holdout = holdout
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> HoldoutCalibrated:
        X_fit, X_cal, y_fit, y_cal = train_test_split(
            X, y, test_size=self.holdout, stratify=y, random_state=self.random_state)
        model = clone(self.estimator).fit(X_fit, y_fit)
        self.calibrated_ = CalibratedClassifierCV(FrozenEstimator(model),
                                                  method=self.method).fit(X_cal, y_cal)
        self.classes_ = self.calibrated_.classes_
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.calibrated_.predict_proba(X)

    def predict(self, X: Any) -> np.ndarray:
        return self.calibrated_.predict(X)


def with_balanced_classes(model: Any) -> Any:
    """``model`` with ``class_weight="balanced"`` on every step that has the parameter."""
    return _with_class_weight(clone(model), type(model).__name__, "balanced")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_options(parser, "data_home", "out")
    parser.set_defaults(out="benchmarks/results/matbench_classification")
    parser.add_argument("--tasks", default=",".join(TASKS))
    parser.add_argument("--networks", default="irnet17",
                        help="network presets to run (comma-separated)")
    parser.add_argument("--max-epochs", type=int, default=40)
    parser.add_argument("--calibrate", default="",
                        help="tasks on which to add the hold-out sigmoid-calibrated IRNet-17")
    parser.add_argument("--class-weight", choices=["none", "balanced"], default="none",
                        help="class weights of every model that accepts them")
    parser.add_argument("--baselines", default=",".join(BASELINES),
                        help="classical models to run (comma-separated; empty for none)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore", ConvergenceWarning)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    calibrate = {t for t in args.calibrate.split(",") if t}
    networks = [n for n in args.networks.split(",") if n]
    for task in args.tasks.split(","):
        data = load_dataset(task, data_home=args.data_home)
        started = time.perf_counter()
        X = make_featurizer("magpie", column=None).fit_transform(
            data.formulas.to_numpy(dtype=object))
        y = data.target.to_numpy(float).astype(np.int64)
        print(f"{task}: {len(X)} rows, {X.shape[1]} features (featurized in "
              f"{time.perf_counter() - started:.0f} s), {y.mean():.3f} positive, official "
              "5 folds", flush=True)
        models: dict[str, Any] = {name: make_model(name, task="classification")
                                  for name in args.baselines.split(",") if name}
        models.update({
            name: make_model(name, task="classification", max_iter=args.max_epochs)
            for name in networks
        })
        if task in calibrate:
            models["irnet17_sigmoid"] = HoldoutCalibrated(
                IRNetClassifier(architecture="irnet17", max_iter=args.max_epochs,
                                random_state=0))
        if args.class_weight == "balanced":
            models = {f"{name}_balanced": with_balanced_classes(model)
                      for name, model in models.items() if name != "dummy"}
        config = {"task": task, "max_epochs": args.max_epochs, "networks": networks,
                  "class_weight": args.class_weight,
                  "calibrated": task in calibrate, "features": "magpie (145)",
                  "folds": "official Matbench v0.1 test_fold"}
        parts: list[ModelComparison] = []
        for name, model in models.items():  # results rewritten after every model
            parts.append(compare_models({name: model}, X, y, test_fold=data.test_fold,
                                        n_repeats=1,
                                        progress=lambda line: print(line, flush=True)))
            result = ModelComparison.combine(parts)
            write_comparison(out / task, result, target_label=data.target_label,
                             run=config)
            table = leaderboard_markdown(task, result, MATBENCH_LEADERBOARD.get(task, {}))
            (out / task / "leaderboard.md").write_text(table + "\n")
        print(table, flush=True)
        print(json.dumps({"task": task, "seconds": round(time.perf_counter() - started)}),
              flush=True)


if __name__ == "__main__":
    main()

"""Pick a Matbench classifier on validation rows only, then score the pick on the test fold.

The classification runs in ``benchmarks/results/matbench_classification*`` report every
model they tried on the official test folds, so the best of them is a choice made with the
test labels in view. This script makes the choice the honest way, as nested
cross-validation with scikit-learn's own tools: for each official fold, a
:class:`~sklearn.model_selection.GridSearchCV` over the candidate models (a pipeline whose
one step is the model) scores them by balanced accuracy, Matbench's label ROC-AUC for two
classes, on an inner stratified 5-fold split of the **training** rows, refits the winner on
all training rows and predicts the test fold. The candidates are the cheap ones of
``sklearn-irnet compare`` with balanced class weights (the a-priori setting for this
metric): random forest, extra trees, gradient boosting, and extra trees given the
pre-trained OQMD network's formation-enthalpy estimate as one more feature
(``extra_trees_oqmd_prediction``; the pre-trained network is fixed, it learns nothing from
these rows). The output folder holds the usual comparison files, and ``selection.md`` the
model chosen in each fold with its validation score.

Example::

    OMP_NUM_THREADS=1 python benchmarks/matbench_nested_selection.py \\
        --tasks matbench_expt_is_metal --out benchmarks/results/matbench_nested_selection
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

from sklearn_irnet.compare import compare_models
from sklearn_irnet.datasets import load_dataset
from sklearn_irnet.featurize import make_featurizer
from sklearn_irnet.reporting import MATBENCH_LEADERBOARD, leaderboard_markdown, write_comparison

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _settings import add_options  # noqa: E402
from _study_models import make_model, with_balanced_classes  # noqa: E402

CANDIDATES = ("random_forest", "extra_trees", "hist_gradient_boosting",
              "extra_trees_oqmd_prediction")


def selector(candidates: list[str], inner_folds: int = 5) -> GridSearchCV:
    """A grid search whose grid is the candidate models (balanced class weights),
    scored by balanced accuracy on stratified inner folds of the training rows."""
    models = [with_balanced_classes(make_model(name, task="classification", n_jobs=1))
              for name in candidates]
    return GridSearchCV(Pipeline([("model", models[0])]), {"model": models},
                        scoring="balanced_accuracy",
                        cv=StratifiedKFold(inner_folds, shuffle=True, random_state=0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_options(parser, "data_home", "out")
    parser.set_defaults(out=Path("benchmarks/results/matbench_nested_selection"))
    parser.add_argument("--tasks", default="matbench_expt_is_metal,matbench_glass")
    parser.add_argument("--candidates", default=",".join(CANDIDATES))
    args = parser.parse_args(argv)
    candidates = [name for name in args.candidates.split(",") if name]
    for task in args.tasks.split(","):
        started = time.perf_counter()
        data = load_dataset(task, data_home=args.data_home)
        X = make_featurizer("magpie", column=None).fit_transform(
            data.formulas.to_numpy(dtype=object))
        y = data.target.to_numpy(float).astype(np.int64)
        print(f"{task}: {len(y)} rows, official 5 folds; candidates {candidates}", flush=True)
        result = compare_models({"selected_on_validation": selector(candidates)}, X, y,
                                test_fold=data.test_fold, n_repeats=1,
                                progress=lambda line: print(line, flush=True))
        rows = []
        for fold, search in enumerate(result.estimators["selected_on_validation"]):
            chosen = candidates[search.best_index_]
            validation = dict(zip(candidates, search.cv_results_["mean_test_score"],
                                  strict=True))
            test = result.scores.query("fold == @fold")["roc_auc_labels"].iloc[0]
            rows.append({"fold": fold, "chosen": chosen, "test ROC-AUC (labels)": test,
                         **{f"validation {name}": score for name, score in validation.items()}})
        selection = pd.DataFrame(rows)
        config = {"task": task, "candidates": candidates, "class_weight": "balanced",
                  "inner_cv": "StratifiedKFold(5, shuffle=True, random_state=0)",
                  "scoring": "balanced_accuracy", "folds": "official Matbench v0.1 test_fold",
                  "features": "magpie (145)"}
        folder = args.out / task
        write_comparison(folder, result, target_label=data.target_label, run=config)
        table = leaderboard_markdown(task, result, MATBENCH_LEADERBOARD.get(task, {}))
        (folder / "leaderboard.md").write_text(table + "\n")
        (folder / "selection.md").write_text(selection.to_markdown(index=False,
                                                                    floatfmt=".4f") + "\n")
        print(selection.to_markdown(index=False, floatfmt=".4f"))
        print(table)
        print(f"{task}: {time.perf_counter() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

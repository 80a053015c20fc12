"""Do other composition inputs rank Matbench glass better? Validation rows only.

A check behind the glass target of the classification issue (label ROC-AUC >= 0.90): does
any cheap input other than the 145 Magpie attributes give the forests a better ranking of
glass formers? Everything here runs on the **training** rows of official fold 0 (4,544
compositions) with an inner stratified 5-fold cross-validation, so the official test folds
stay untouched. Per input and model it prints the probability ROC-AUC, the label ROC-AUC
(balanced accuracy) at 0.5 and at the training share of glass formers, and the best
balanced accuracy over all thresholds (an optimistic bound).

Inputs (``--inputs``): ``magpie`` (145 attributes), ``fractions`` (86 element fractions,
ElemNet's input), ``magpie+fractions``, and ``magpie+alloy``: the 145 attributes plus ten
alloy descriptors that matminer computes and the glass-forming literature uses (Miedema's
formation enthalpies of the intermetallic, amorphous and solid-solution phases; Yang and
Zhang's omega and atomic-size mismatch delta; the atomic packing efficiency of Laws et al.),
through ``MatminerFeaturizer`` (about 3 CPU minutes for the 5,680 compositions). Models:
random forest and extra trees (500 trees, balanced class weights), and distance-weighted
k-NN on the fractions (Manhattan distance).

``--out`` also writes what is printed to a file, after a machine-made header. Example::

    OMP_NUM_THREADS=1 python benchmarks/glass_inputs.py
    OMP_NUM_THREADS=1 python benchmarks/glass_inputs.py --inputs magpie,magpie+alloy
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.metrics import balanced_accuracy_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.neighbors import KNeighborsClassifier

from sklearn_irnet.datasets import load_dataset
from sklearn_irnet.featurize import make_featurizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _settings import add_options, recorded_output  # noqa: E402
from threshold_bound import best_balanced_accuracy  # noqa: E402

INPUTS = ("magpie", "fractions", "magpie+fractions", "magpie+alloy")


def _block(name: str, formulas: np.ndarray, n_jobs: int) -> np.ndarray:
    """One block of input columns for ``formulas``: magpie, fractions or alloy."""
    if name == "alloy":
        from matminer.featurizers.composition import (
            AtomicPackingEfficiency,
            Miedema,
            YangSolidSolution,
        )

        from sklearn_irnet.featurize import MatminerFeaturizer

        featurizer = MatminerFeaturizer(
            featurizers=[Miedema(), YangSolidSolution(), AtomicPackingEfficiency()],
            column=None,
            n_jobs=n_jobs, on_error="nan")
        return np.asarray(featurizer.fit_transform(formulas), float)
    preset = {"magpie": "magpie", "fractions": "elemnet"}[name]
    return np.asarray(make_featurizer(preset, column=None).fit_transform(formulas), float)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_options(parser, "data_home", "out")
    parser.add_argument("--trees", type=int, default=500)
    parser.add_argument("--inputs", default="magpie,fractions,magpie+fractions",
                        help=f"comma-separated, from {', '.join(INPUTS)}")
    parser.add_argument("--n-jobs", type=int, default=1, help="featurization processes")
    args = parser.parse_args(argv)
    data = load_dataset("matbench_glass", data_home=args.data_home)
    formulas = data.formulas.to_numpy(dtype=object)
    inputs = args.inputs.split(",")
    unknown = set(inputs) - set(INPUTS)
    if unknown:
        parser.error(f"unknown inputs {sorted(unknown)}; choose from {', '.join(INPUTS)}")
    blocks = {name: _block(name, formulas, args.n_jobs)
              for name in {part for inp in inputs for part in inp.split("+")}}
    y = data.target.to_numpy(float).astype(int)
    rows = np.flatnonzero(np.asarray(data.test_fold) != 0)
    y_rows = y[rows]
    with recorded_output(args.out):
        print(f"matbench_glass: training rows of official fold 0: {len(rows)}, "
              f"{y_rows.mean():.3f} glass-forming; inner stratified 5-fold CV\n")
        print("| input | model | ROC-AUC (proba) | labels at 0.5 | labels at the training share "
              "| best over thresholds | seconds |")
        print("|---|---|---|---|---|---|---|")
        inner = StratifiedKFold(5, shuffle=True, random_state=0)
        forests = {
            "random forest": RandomForestClassifier(args.trees, class_weight="balanced",
                                                    random_state=0, n_jobs=1),
            "extra trees": ExtraTreesClassifier(args.trees, class_weight="balanced",
                                                random_state=0, n_jobs=1),
        }
        runs = [(name, model, np.hstack([blocks[part] for part in name.split("+")]))
                for name in inputs for model in forests.items()]
        if "fractions" in inputs:
            runs += [("fractions", (f"k-NN, k={k}", KNeighborsClassifier(
                k, weights="distance", metric="manhattan")), blocks["fractions"])
                for k in (5, 10, 20)]
        for input_name, (model_name, model), X in runs:
            started = time.perf_counter()
            score = cross_val_predict(model, X[rows], y_rows, cv=inner,
                                      method="predict_proba")[:, 1]
            print(f"| {input_name} | {model_name} | {roc_auc_score(y_rows, score):.4f} | "
                  f"{balanced_accuracy_score(y_rows, score > 0.5):.4f} | "
                  f"{balanced_accuracy_score(y_rows, score > y_rows.mean()):.4f} | "
                  f"{best_balanced_accuracy(y_rows, score):.4f} | "
                  f"{time.perf_counter() - started:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Headline comparisons under the comparison protocol: splits never used for any choice,
repeated where the split is ours, every model's parameters and the run's provenance
recorded, one model at a time so that a stopped study resumes.

Studies (``python benchmarks/protocol.py STUDY``):

- ``main_job``: the 2,135 experimental formation enthalpies inside pymatgen, 145 Magpie
  attributes, 3 × 5-fold shuffled KFold with seed 2026 (a seed stated once here and never
  used for any choice), the networks at the library's defaults (from scratch and fine-tuned
  from each shipped start), the baselines by the written rule of
  ``sklearn_irnet.models.BASELINE_RULE``;
- ``main_job_nested_start``: the fine-tuning start chosen per outer fold by inner 2-fold
  cross-validation of that fold's training rows only (``GridSearchCV`` over the three
  shipped starts; 2 inner folds to keep the 35 fits within this machine's session), on the
  first repeat of the same splits (5 outer folds);
- ``expt_gap`` and ``steels``: Matbench's official 5 folds (their own protocol, so no
  repeats), the same models (fine-tuned from the OQMD start only).

Each model's result is saved in ``benchmarks/results/protocol/<study>/models/<model>/`` and
skipped when present; ``--combine`` merges the saved models into
``benchmarks/results/protocol/<study>/`` (``summary.md`` and the files it is made from).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.model_selection import GridSearchCV  # noqa: E402

from sklearn_irnet import IRNetRegressor  # noqa: E402
from sklearn_irnet.compare import ModelComparison, compare_models, resolve_cv  # noqa: E402
from sklearn_irnet.models import PRETRAINED_STARTS, make_model  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "protocol"
SEED = 2026
"""The main job's split seed for reported numbers: stated once, never used for a choice."""
BASELINES = ("extra_trees", "random_forest", "hist_gradient_boosting", "ridge", "knn",
             "dummy")


def _models(study: str) -> dict:
    networks = ["irnet17", *PRETRAINED_STARTS] if study == "main_job" else \
        ["irnet17", "irnet17_oqmd"]
    if study == "main_job_nested_start":
        search = GridSearchCV(IRNetRegressor(random_state=0),
                              {"pretrained": list(PRETRAINED_STARTS.values())}, cv=2,
                              scoring="neg_mean_absolute_error")
        return {"irnet17_start_by_inner_cv": search}
    models = {name: make_model(name, random_state=0) for name in [*BASELINES, *networks]}
    # the periodic numeric embedding, chosen on the development protocol of
    # benchmarks/small_data_batch.py (an option, not yet the default)
    models["irnet17_periodic"] = IRNetRegressor(random_state=0, numeric_embedding="periodic")
    return models


def _data(study: str, data_home: str):
    from sklearn_irnet.datasets import load_dataset
    from sklearn_irnet.featurize import MagpieFeaturizer

    name = "expt_formation_enthalpy" if study.startswith("main_job") else f"matbench_{study}"
    data = load_dataset(name, data_home=data_home)
    X = MagpieFeaturizer(column=None).fit_transform(data.formulas.to_numpy(dtype=object))
    return X, data.target.to_numpy(float), data


def _splits(study: str, X, y, data) -> dict:
    if study.startswith("main_job"):
        splitter = resolve_cv(5, n_repeats=3, groups=data.groups, random_state=SEED)
        if study == "main_job_nested_start":  # the first repeat's 5 outer folds
            return {"cv": list(splitter.split(X, y))[:5], "n_repeats": 1}
        return {"cv": 5, "n_repeats": 3, "groups": data.groups, "random_state": SEED}
    return {"test_fold": data.test_fold, "n_repeats": 1}


def run(study: str, data_home: str, n_jobs: int, only: list[str] | None) -> None:
    X, y, data = _data(study, data_home)
    split_args = _splits(study, X, y, data)
    folder = RESULTS / study / "models"
    for name, model in _models(study).items():
        if only and name not in only:
            continue
        out = folder / name
        if (out / "scores.csv").is_file():
            print(f"{name}: saved already in {out}", flush=True)
            continue
        started = time.perf_counter()
        result = compare_models({name: model}, X, y, n_jobs=n_jobs,
                                return_estimators=False, progress=print, **split_args)
        result.provenance["argv"] = sys.argv
        result.provenance["study"] = study
        result.save(out)
        print(f"{name}: saved in {out} ({time.perf_counter() - started:.0f} s)", flush=True)


def combine(study: str) -> ModelComparison:
    folders = sorted((RESULTS / study / "models").glob("*/scores.csv"))
    parts = [ModelComparison.load(path.parent) for path in folders]
    if study == "main_job_nested_start":  # beside the main job's models on the same 5 splits
        parts += [_first_repeat(ModelComparison.load(path.parent)) for path in
                  sorted((RESULTS / "main_job" / "models").glob("irnet17*/scores.csv"))]
    result = ModelComparison.combine(parts)
    result.save(RESULTS / study)
    print(result.to_markdown())
    return result


def _first_repeat(result: ModelComparison) -> ModelComparison:
    """The scores and predictions of a comparison's first repeat only."""
    result.scores = result.scores[result.scores["repeat"] == 0].reset_index(drop=True)
    result.predictions = result.predictions[result.predictions["repeat"] == 0]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("study", choices=("main_job", "main_job_nested_start", "expt_gap",
                                          "steels"))
    parser.add_argument("--data-home", default=str(ROOT.parent / "shared" / "data" /
                                                   "matbench"))
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--only", default=None, help="comma-separated model names")
    parser.add_argument("--combine", action="store_true",
                        help="merge the saved models into one comparison and print it")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"study {args.study}; torch threads 1; n_jobs {args.n_jobs}; numpy {np.__version__}",
          flush=True)
    if args.combine:
        combine(args.study)
    else:
        run(args.study, args.data_home, args.n_jobs,
            args.only.split(",") if args.only else None)


if __name__ == "__main__":
    main()

"""Training recipes of IRNetRegressor compared, to choose its defaults.

Cross-validated MAE and fit time of IRNet-17 under several training recipes (learning-rate
schedule, epochs, batch size, weight decay, early stopping) on the 2,135 experimental
formation enthalpies inside pymatgen, 145 Magpie attributes. The folds are a shuffled
5-fold split with ``random_state=1``, not the main job's ``random_state=0``, so the
defaults are not picked on the folds that the main job reports. Folds run one after the
other on one torch thread (state the machine's load when you quote the times).

Prints one line per recipe with its parameters; ``--recipes`` selects some by name.
``--out`` also writes what is printed to a file, after a machine-made header. Example::

    python benchmarks/recipe_defaults.py --recipes old,cosine40,cosine80
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.model_selection import KFold, cross_validate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _settings import add_options, recorded_output  # noqa: E402

RECIPES: dict[str, dict] = {
    # the defaults before the schedule options existed
    "old": dict(learning_rate="constant", solver="adam", batch_size=128, max_iter=200,
                early_stopping=True, n_iter_no_change=20),
    "cosine40": dict(learning_rate="cosine", max_iter=40, batch_size=128,
                     early_stopping=False),
    "cosine80": dict(learning_rate="cosine", max_iter=80, batch_size=128,
                     early_stopping=False),
    "cosine60": dict(learning_rate="cosine", max_iter=60, batch_size=128,
                     early_stopping=False),
    "cosine120": dict(learning_rate="cosine", max_iter=120, batch_size=128,
                      early_stopping=False),
    "cosine80_b256": dict(learning_rate="cosine", max_iter=80, batch_size=256,
                          learning_rate_init=1.4e-3, early_stopping=False),
    "cosine40_es": dict(learning_rate="cosine", max_iter=40, batch_size=128,
                        early_stopping=True, n_iter_no_change=40, tol=0.0),
    "cosine40_wd": dict(learning_rate="cosine", max_iter=40, batch_size=128,
                        early_stopping=False, alpha=0.05),
    "onecycle40": dict(learning_rate="onecycle", max_iter=40, batch_size=128,
                       early_stopping=False),
    "cosine40_b64": dict(learning_rate="cosine", max_iter=40, batch_size=64,
                         learning_rate_init=7e-4, early_stopping=False),
    "cosine40_b256": dict(learning_rate="cosine", max_iter=40, batch_size=256,
                          learning_rate_init=1.4e-3, early_stopping=False),
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", default=",".join(RECIPES))
    parser.add_argument("--architecture", default="irnet17")
    parser.add_argument("--seed", type=int, default=1, help="seed of the folds")
    add_options(parser, "out")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    import torch

    from sklearn_irnet import IRNetRegressor
    from sklearn_irnet.datasets import load_expt_formation_enthalpy
    from sklearn_irnet.featurize import MagpieFeaturizer

    args = parse_args(argv)
    torch.set_num_threads(1)
    formulas, y = load_expt_formation_enthalpy(return_X_y=True)
    X = MagpieFeaturizer(column=None).fit_transform(formulas)
    folds = KFold(n_splits=5, shuffle=True, random_state=args.seed)
    with recorded_output(args.out, 1):
        print(f"data: {len(y)} experimental formation enthalpies (eV/atom), {X.shape[1]} "
              f"attributes; folds: {folds}; architecture {args.architecture}; torch "
              f"{torch.__version__}, 1 thread; load average {os.getloadavg()}", flush=True)
        for name in args.recipes.split(","):
            params = {"architecture": args.architecture, "random_state": 0,
                      "numeric_embedding": None, **RECIPES[name]}
            started = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                scores = cross_validate(IRNetRegressor(**params), X, y, cv=folds,
                                        scoring="neg_mean_absolute_error")
            mae = -scores["test_score"]
            print(f"{name:14s} MAE {mae.mean():.4f} +- {mae.std():.4f} eV/atom  fit "
                  f"{np.mean(scores['fit_time']):.0f} s/fold  "
                  f"({time.perf_counter() - started:.0f} s)  {RECIPES[name]}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

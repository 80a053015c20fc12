"""Zero versus Glorot initialisation of the output layer, for IRNet-17 and plain-17.

Cross-validated MAE of ``IRNetRegressor(output_init=...)`` on three small real datasets,
the 145 Magpie attributes as inputs, default training settings otherwise:

* the 2,135 experimental formation enthalpies inside pymatgen (shuffled 5-fold,
  ``random_state=0``, the main job's folds);
* Matbench ``matbench_expt_gap`` and ``matbench_steels`` on their official folds, when
  ``--data-home`` holds them.

Every fit uses the estimator's defaults (today: AdamW, cosine schedule over 80 epochs,
batch 128); ``--legacy-epochs`` gives the first study's 30 (main job) and 40 (Matbench)
epochs, which ran under the old defaults (constant rate, early stopping).

Prints one line per dataset, network and initialisation, with the configuration.
``--out`` also writes what is printed to a file, after a machine-made header. Example::

    python benchmarks/compare_output_init.py
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.model_selection import KFold, cross_val_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _settings import add_options, recorded_output  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_options(parser, "data_home", "n_jobs", "out")
    parser.set_defaults(n_jobs=2)  # folds fitted in parallel
    parser.add_argument("--datasets", default="expt_formation_enthalpy,matbench_steels,"
                        "matbench_expt_gap")
    parser.add_argument("--architectures", default="irnet17,plain17")
    parser.add_argument("--legacy-epochs", action="store_true",
                        help="30 epochs for the main job's data and 40 for Matbench, as in the "
                        "first study (benchmarks/results/output_init.txt); by default every "
                        "fit uses IRNetRegressor's own max_iter and schedule")
    return parser.parse_args(argv)


def load(name: str, data_home: Path):
    """Formulas, targets, splitter and epoch count of one dataset."""
    from sklearn_irnet.datasets import load_expt_formation_enthalpy, load_matbench

    if name == "expt_formation_enthalpy":
        formulas, y = load_expt_formation_enthalpy(return_X_y=True)
        return list(formulas), np.asarray(y, float), KFold(5, shuffle=True, random_state=0), 30
    bunch = load_matbench(name, data_home=data_home, as_frame=True)
    return (bunch.frame["composition"].tolist(), np.asarray(bunch.target, float), bunch.cv,
            40)


def main(argv=None) -> None:
    args = parse_args(argv)
    from sklearn_irnet import IRNetRegressor
    from sklearn_irnet.featurize import MagpieFeaturizer

    with recorded_output(args.out, 1):
        print(f"config: {vars(args)}; one torch thread per fold; cpus {os.cpu_count()}")
        warnings.simplefilter("ignore")  # ConvergenceWarning at the epoch limit
        for name in args.datasets.split(","):
            try:
                formulas, y, cv, legacy_epochs = load(name, args.data_home)
            except (FileNotFoundError, OSError) as error:
                print(f"{name}: skipped ({str(error).splitlines()[0]})")
                continue
            X = MagpieFeaturizer(column=None).fit_transform(formulas)
            epochs = legacy_epochs if args.legacy_epochs else IRNetRegressor().max_iter
            for architecture in args.architectures.split(","):
                for output_init in ("glorot", "zero"):
                    model = IRNetRegressor(architecture=architecture, max_iter=epochs,
                                           random_state=0, n_threads=1,
                                           output_init=output_init, numeric_embedding=None)
                    started = time.perf_counter()
                    scores = -cross_val_score(model, X, y, cv=cv, n_jobs=args.n_jobs,
                                              scoring="neg_mean_absolute_error")
                    print(f"{name} ({len(y)} rows, {epochs} epochs) {architecture} "
                          f"output_init={output_init}: MAE {scores.mean():.4f} +- "
                          f"{scores.std():.4f} ({time.perf_counter() - started:.0f} s)",
                          flush=True)


if __name__ == "__main__":
    main()

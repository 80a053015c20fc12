"""Deep ensembles on the main-job data: MAE gain over one network, and interval calibration.

On each of the main job's 5 outer folds (2,135 experimental formation enthalpies inside
pymatgen, 145 Magpie attributes, the folds of ``sklearn-irnet compare``), the training rows
are split by formula into fit rows (80 %) and calibration rows (20 %). An ensemble of 5
networks (``--model``, built by :func:`sklearn_irnet.compare.make_model` with the main job's
network settings) is fitted on the fit rows. On the outer test rows the script reports

- the MAE of the ensemble mean and of each single member (the gain of the ensemble);
- the share of test rows inside the 95 % interval, and at other levels (a reliability
  curve), for two kinds of interval:

  * ``gaussian``: the members' mean ± z * their standard deviation, uncalibrated;
  * ``conformal``: MAPIE's split-conformal intervals, calibrated on the calibration rows
    with the standardised residual ``|y - mean| / std`` (``StdConformityScore``), so
    the width follows the ensemble's spread.

Writes a JSON with every number and the configuration, and a reliability plot. Example::

    python benchmarks/ensemble_calibration.py --model irnet17_oqmd_ensemble \\
        --out benchmarks/results/ensemble_calibration
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import norm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _main_job import (  # noqa: E402
    INNER_SPLIT,
    MAIN_JOB_NETWORK,
    main_job_data,
    nested_splits,
    outer_folds,
)

ROOT = Path(__file__).resolve().parents[1]
LEVELS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
MAIN_JOB = dict(MAIN_JOB_NETWORK)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="irnet17_oqmd_ensemble")
    parser.add_argument("--folds", type=int, default=5, help="outer folds used (first n)")
    parser.add_argument("--n-jobs", type=int, default=1, help="members fitted in parallel")
    parser.add_argument("--epochs", type=int, default=MAIN_JOB["max_iter"],
                        help="max_iter of each member (the main job's by default)")
    parser.add_argument("--out", type=Path,
                        default=ROOT / "benchmarks" / "results" / "ensemble_calibration")
    return parser.parse_args(argv)


def coverage(y: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    return float(np.mean((y >= low) & (y <= high)))


def evaluate_fold(model: Any, X, y, fit_rows, calibration_rows, test_rows) -> dict[str, Any]:
    from mapie.conformity_scores import StdConformityScore
    from mapie.regression import SplitConformalRegressor

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X[fit_rows], y[fit_rows])
    fit_seconds = time.perf_counter() - started
    mean, std = model.predict(X[test_rows], return_std=True)
    y_test = y[test_rows]
    members = [float(np.mean(np.abs(member.predict(X[test_rows]) - y_test)))
               for member in model.estimators_]
    conformal = SplitConformalRegressor(model, confidence_level=list(LEVELS),
                                        conformity_score=StdConformityScore(), prefit=True)
    conformal.conformalize(X[calibration_rows], y[calibration_rows])
    _, intervals = conformal.predict_interval(X[test_rows])
    gaussian, calibrated, widths = {}, {}, {}
    for k, level in enumerate(LEVELS):
        z = norm.ppf(0.5 + level / 2)
        gaussian[level] = coverage(y_test, mean - z * std, mean + z * std)
        low, high = intervals[:, 0, k], intervals[:, 1, k]
        calibrated[level] = coverage(y_test, low, high)
        widths[level] = float(np.median(high - low))
    return {"n_fit": len(fit_rows), "n_calibration": len(calibration_rows),
            "n_test": len(test_rows), "fit_seconds": fit_seconds,
            "ensemble_mae": float(np.mean(np.abs(mean - y_test))), "member_maes": members,
            "median_std": float(np.median(std)), "gaussian_coverage": gaussian,
            "conformal_coverage": calibrated, "conformal_median_width": widths}


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0.45, 1], [0.45, 1], color="grey", lw=1, ls="--", label="ideal")
    for kind, marker in (("gaussian", "o"), ("conformal", "s")):
        observed = [np.mean([fold[f"{kind}_coverage"][level] for fold in result["folds"]])
                    for level in LEVELS]
        ax.plot(LEVELS, observed, marker=marker, label=f"{kind} interval")
    ax.set_xlabel("nominal coverage")
    ax.set_ylabel("share of test rows inside the interval")
    ax.set_title(f"{result['model']}: reliability, {len(result['folds'])} outer folds",
                 fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    import torch
    from _study_models import make_model

    args = parse_args(argv)
    torch.set_num_threads(1)
    X, y, groups = main_job_data()
    network = dict(MAIN_JOB, max_iter=args.epochs)
    config = {"command": " ".join(sys.argv), "model": args.model, "network": network,
              "outer_folds": repr(outer_folds(groups)), "inner": INNER_SPLIT,
              "torch_threads": 1, "n_jobs": args.n_jobs, "load_at_start": os.getloadavg()}
    print(config, flush=True)
    folds = []
    for fold, fit_rows, calibration_rows, test in nested_splits(X, y, groups, args.folds):
        model = make_model(args.model, random_state=fold, n_threads=1, **network)
        model.set_params(n_jobs=args.n_jobs)
        folds.append(evaluate_fold(model, X, y, fit_rows, calibration_rows, test))
        last = folds[-1]
        print(f"fold {fold}: ensemble MAE {last['ensemble_mae']:.4f}, members "
              f"{np.mean(last['member_maes']):.4f} mean; 95 % coverage gaussian "
              f"{last['gaussian_coverage'][0.95]:.3f}, conformal "
              f"{last['conformal_coverage'][0.95]:.3f}; fit {last['fit_seconds']:.0f} s",
              flush=True)
    result = {"model": args.model, "configuration": config, "folds": folds}
    summary = {
        "ensemble_mae": float(np.mean([f["ensemble_mae"] for f in folds])),
        "single_network_mae": float(np.mean([np.mean(f["member_maes"]) for f in folds])),
        "coverage_95_gaussian": float(np.mean([f["gaussian_coverage"][0.95] for f in folds])),
        "coverage_95_conformal": float(np.mean([f["conformal_coverage"][0.95]
                                                for f in folds])),
    }
    result["summary"] = summary
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.model}.json").write_text(json.dumps(result, indent=1) + "\n")
    plot(result, args.out / f"{args.model}_reliability.png")
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

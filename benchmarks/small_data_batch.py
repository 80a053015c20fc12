"""Development protocol for a data-size rule of the batch size (issue 28, item 1).

The number of optimiser steps, not epochs, is what small data lacks: with the default
batch of 128 a training fold of Matbench steels (about 250 rows) takes 2 steps an epoch.
This script measures IRNet-17 with several batch sizes, epoch counts and learning rates on
data that no reported number touches:

- ``steels``: Matbench steels' five official *training* folds, each split again by
  ``KFold(4, shuffle=True, random_state=0)``; the official test folds are never read
  (20 fits per configuration).
- ``main_job``: the 2,135 experimental formation enthalpies on ``KFold(5, shuffle=True,
  random_state=5)``, a seed used for no reported number (5 fits per configuration).

One torch thread per fit, one fit at a time. Prints one line per fit and a table of the
mean MAE per configuration with the paired difference against the default (mean over the
outer folds of the inner-fold means, and a t interval over the outer folds). Example::

    OMP_NUM_THREADS=1 python benchmarks/small_data_batch.py steels \\
        --out benchmarks/results/small_data/steels_batch.json
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats
from sklearn.model_selection import KFold

sys.path.insert(0, str(Path(__file__).resolve().parent))

CONFIGS = {
    "b128_e80": {"batch_size": 128},  # the estimator's defaults
    "b64_e80": {"batch_size": 64},
    "b32_e80": {"batch_size": 32},
    "b16_e80": {"batch_size": 16},
    "b32_e80_lr5e-4": {"batch_size": 32, "learning_rate_init": 5e-4},
    "b32_e160": {"batch_size": 32, "max_iter": 160},
    "b128_e320": {"batch_size": 128, "max_iter": 320},
    "b128_e40": {"batch_size": 128, "max_iter": 40},
    "b128_e20": {"batch_size": 128, "max_iter": 20},
    "b32_e20": {"batch_size": 32, "max_iter": 20},
    "early_stopping_b128": {"batch_size": 128, "early_stopping": True},
    # element fractions (the 86 elements of ElemNet) beside the 145 Magpie attributes
    "fractions_b128": {"batch_size": 128, "inputs": "with_fractions"},
    # BatchEnsemble (TabM mini) with 4 implicit members
    "be4_b128": {"batch_size": 128, "n_members": 4},
    "be4_b32": {"batch_size": 32, "n_members": 4},
    # input handling before the network (which standardises what it gets)
    "quantile_b128": {"batch_size": 128, "inputs": "quantile"},
    "robust_clip_b128": {"batch_size": 128, "inputs": "robust_clip"},
    "quantile_b32": {"batch_size": 32, "inputs": "quantile"},
    "robust_clip_b32": {"batch_size": 32, "inputs": "robust_clip"},
    # regularisation for a 5.5M-weight network on a few hundred rows
    "dropout0.1_b128": {"batch_size": 128, "dropout": 0.1},
    "alpha0.1_b128": {"batch_size": 128, "alpha": 0.1},
    # numeric embeddings: piecewise-linear codes on 16 training quantiles per feature
    # (benchmarks/_input_embeddings.py); the estimators' periodic embedding (16
    # frequencies, 16 dims per feature), with its initial frequency scale (0.1) varied
    "ple16_b128": {"batch_size": 128, "inputs": "piecewise_linear"},
    "periodic_b128": {"batch_size": 128, "numeric_embedding": "periodic"},
    "periodic_scale1_b128": {"batch_size": 128, "embedding": "periodic",
                             "frequency_scale": 1.0},
    "periodic_scale0.03_b128": {"batch_size": 128, "embedding": "periodic",
                                "frequency_scale": 0.03},
    # half the frequencies and dimensions: a first layer of 8 instead of 16 inputs per feature
    "periodic_k8d8_b128": {"batch_size": 128, "embedding": "periodic",
                           "n_frequencies": 8, "n_dims": 8},
    # IRNet-17's depth at a quarter of its widths (0.4M instead of 5.5M weights)
    "narrow4_b128": {"batch_size": 128,
                     "architecture": "256BARx4-128BARx3-64BARx3-32BARx3-16BARx2-8BARx1"},
}


def smooth_clip(X):
    """``x / sqrt(1 + (x / 3)**2)``: about x near 0, bounded by 3 (RealMLP's smooth
    clipping after robust scaling)."""
    return X / np.sqrt(1 + (X / 3) ** 2)


def build(params: dict):
    """The configuration's estimator: IRNet-17, after an input transform if it names one."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, QuantileTransformer, RobustScaler

    from sklearn_irnet import IRNetRegressor

    params = dict(params)
    inputs = params.pop("inputs", None)
    if params.pop("embedding", None) == "periodic":
        from _input_embeddings import periodic_irnet

        shape = {key: params.pop(key) for key in ("frequency_scale", "n_frequencies", "n_dims")
                 if key in params}
        return periodic_irnet(**shape, random_state=0, n_threads=1, **params)
    network = IRNetRegressor(random_state=0, n_threads=1, **params)
    if inputs == "with_fractions":
        return network  # the data already carry the fractions (see main)
    if inputs == "quantile":
        return make_pipeline(QuantileTransformer(n_quantiles=100,
                                                 output_distribution="normal"), network)
    if inputs == "piecewise_linear":
        from _input_embeddings import PiecewiseLinearEncoder

        return make_pipeline(PiecewiseLinearEncoder(n_bins=16), network)
    if inputs == "robust_clip":
        return make_pipeline(RobustScaler(unit_variance=True),
                             FunctionTransformer(smooth_clip), network)
    return network


def dev_splits(dataset: str, data_home: str, with_fractions: bool = False):
    """``(X, y, [(outer, train, test), ...])`` of the development protocol."""
    if dataset == "steels":
        from sklearn_irnet.datasets import load_matbench
        from sklearn_irnet.featurize import MagpieFeaturizer

        data = load_matbench("matbench_steels", data_home=data_home)
        formulas = data.data["composition"] if hasattr(data.data, "columns") else data.data
        X = MagpieFeaturizer(column=None).fit_transform(formulas)
        if with_fractions:
            from sklearn_irnet.featurize import ElementFractionFeaturizer

            fractions = ElementFractionFeaturizer(elements="elemnet", column=None)
            X = np.hstack([X, fractions.fit_transform(formulas)])
        y = np.asarray(data.target, float)
        folds = np.asarray(data.test_fold)
        splits = []
        for outer in range(5):
            rows = np.flatnonzero(folds != outer)  # the official training rows only
            inner = KFold(4, shuffle=True, random_state=0)
            splits += [(outer, rows[a], rows[b]) for a, b in inner.split(rows)]
        return X, y, splits
    from _main_job import main_job_data

    if with_fractions:
        raise ValueError("the fractions configurations run on steels only")
    X, y, _ = main_job_data()
    kfold = KFold(5, shuffle=True, random_state=5)
    return X, y, [(k, a, b) for k, (a, b) in enumerate(kfold.split(X))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=("steels", "main_job"))
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--data-home", default=str(Path(__file__).resolve().parents[2]
                                                   / "shared" / "data" / "matbench"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    names = args.configs.split(",")
    X_plain, y, splits = dev_splits(args.dataset, args.data_home)
    X_fractions = None
    print(f"{args.dataset}: {len(X_plain)} rows, {len(splits)} development fits per configuration; "
          f"torch {torch.__version__}, 1 thread, {platform.machine()}", flush=True)
    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    for name in names:
        if name in results and len(results[name]["mae"]) == len(splits):
            continue
        maes, seconds = [], []
        X = X_plain
        if CONFIGS[name].get("inputs") == "with_fractions":
            if X_fractions is None:
                X_fractions = dev_splits(args.dataset, args.data_home, True)[0]
            X = X_fractions
        for outer, train, test in splits:
            started = time.perf_counter()
            model = build(CONFIGS[name]).fit(X[train], y[train])
            maes.append(float(np.mean(np.abs(model.predict(X[test]) - y[test]))))
            seconds.append(time.perf_counter() - started)
            print(f"{name} outer {outer}: MAE {maes[-1]:.4f} ({seconds[-1]:.1f} s)", flush=True)
        results[name] = {"params": CONFIGS[name], "mae": maes, "seconds": seconds,
                         "outer": [s[0] for s in splits]}
        args.out.write_text(json.dumps(results, indent=1))
    print(report(results, names), end="")


def report(results: dict, names: list[str]) -> str:
    """Mean MAE per configuration and the paired difference from the default, over the
    outer folds (the inner folds of one outer fold share rows, so they are averaged), as
    a Markdown table."""
    base = "b128_e80"

    def per_outer(name: str) -> np.ndarray:
        outer = np.asarray(results[name]["outer"])
        mae = np.asarray(results[name]["mae"])
        return np.array([mae[outer == k].mean() for k in np.unique(outer)])

    lines = ["| configuration | MAE | Δ vs b128_e80 (95% t over outer folds) | s per fit |",
             "|---|---|---|---|"]
    for name in names:
        if name not in results:
            continue
        values = per_outer(name)
        line = f"| {name} | {values.mean():.4g} | "
        if base in results and name != base:
            diff = values - per_outer(base)
            half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
            line += f"{diff.mean():+.4g} [{diff.mean() - half:+.4g}, {diff.mean() + half:+.4g}] | "
        else:
            line += " | "
        lines.append(line + f"{np.median(results[name]['seconds']):.1f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

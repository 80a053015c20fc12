"""The development configurations of IRNet-17 on small data (issue 28): batch sizes,
epochs, input transforms, regularisation and numeric embeddings, each a name for the
estimator that :func:`build` makes. ``python -m benchmarks run steels_dev --only NAME,...``
measures them on splits that no reported number touches (see ``benchmarks/_studies.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

CONFIGS = {
    # the estimator's defaults, no numeric embedding (the baseline of every table)
    "b128_e80": {"batch_size": 128},
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
    "periodic_b128": {"batch_size": 128, "numeric_embedding": "periodic",
                      "embedding_dims": 16},
    "periodic_scale1_b128": {"batch_size": 128, "embedding": "periodic",
                             "frequency_scale": 1.0},
    "periodic_scale0.03_b128": {"batch_size": 128, "embedding": "periodic",
                                "frequency_scale": 0.03},
    # half the frequencies and dimensions: a first layer of 8 instead of 16 inputs per feature
    "periodic_k8d8_b128": {"batch_size": 128, "embedding": "periodic",
                           "n_frequencies": 8, "n_dims": 8},
    # 16 frequencies but 4 or 8 dimensions per feature: the first hidden layer and its
    # shortcut read 580 or 1,160 columns instead of 2,320 (step times against the
    # plain network: benchmarks/bench_numeric_embedding.py). 4 is embedding_dims' default
    "periodic_d4_b128": {"batch_size": 128, "embedding": "periodic", "n_dims": 4},
    "periodic_d8_b128": {"batch_size": 128, "embedding": "periodic", "n_dims": 8},
    # IRNet-17's depth at a quarter of its widths (0.4M instead of 5.5M weights)
    "narrow4_b128": {"batch_size": 128,
                     "architecture": "256BARx4-128BARx3-64BARx3-32BARx3-16BARx2-8BARx1"},
    # the two that each lowered steels' development error, combined: the 4-dim periodic
    # embedding with BatchEnsemble's 4 members, or with the quarter-width network
    "periodic_d4_be4_b128": {"batch_size": 128, "numeric_embedding": "periodic",
                             "embedding_dims": 4, "n_members": 4},
    "periodic_d4_narrow4_b128": {
        "batch_size": 128, "numeric_embedding": "periodic", "embedding_dims": 4,
        "architecture": "256BARx4-128BARx3-64BARx3-32BARx3-16BARx2-8BARx1"},
}


def smooth_clip(X):
    """``x / sqrt(1 + (x / 3)**2)``: about x near 0, bounded by 3 (RealMLP's smooth
    clipping after robust scaling)."""
    return X / np.sqrt(1 + (X / 3) ** 2)


def build(params: dict):
    """The configuration's estimator: IRNet-17, after an input transform if it names one.

    Without a ``numeric_embedding`` (or ``embedding``) entry the network has none, as at
    the estimator's defaults.
    """
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


BASELINE = "b128_e80"
"""The configuration the others are compared with: the estimator's defaults."""


def paired_table(maes: dict[str, tuple[np.ndarray, np.ndarray]], seconds: dict[str, float],
                 base: str = BASELINE) -> str:
    """Mean MAE per configuration and the paired difference from ``base``, as Markdown.

    ``maes[name]`` is ``(outer, mae)``: the outer fold of every development split and its
    MAE. The inner splits of one outer fold share rows, so they are averaged first; the
    interval is a 95 % t interval over the outer folds.
    """

    def per_outer(name: str) -> np.ndarray:
        outer, mae = (np.asarray(v) for v in maes[name])
        return np.array([mae[outer == k].mean() for k in np.unique(outer)])

    lines = [f"| configuration | MAE | Δ vs {base} (95% t over outer folds) | s per fit |",
             "|---|---|---|---|"]
    for name in maes:
        values = per_outer(name)
        line = f"| {name} | {values.mean():.4g} | "
        if base in maes and name != base:
            diff = values - per_outer(base)
            half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
            line += f"{diff.mean():+.4g} [{diff.mean() - half:+.4g}, {diff.mean() + half:+.4g}] | "
        else:
            line += " | "
        lines.append(line + f"{seconds[name]:.1f} |")
    return "\n".join(lines) + "\n"


def json_table(results: dict, names: list[str]) -> str:
    """:func:`paired_table` of a JSON file written by the retired
    ``benchmarks/small_data_batch.py`` (``{name: {"mae", "outer", "seconds"}}``)."""
    kept = [name for name in names if name in results]
    return paired_table({n: (results[n]["outer"], results[n]["mae"]) for n in kept},
                        {n: float(np.median(results[n]["seconds"])) for n in kept})


def saved_table(folder: Path) -> str:
    """:func:`paired_table` of a development study saved by ``python -m benchmarks run``
    in ``folder`` (each model's ``provenance.json`` records the outer fold of every
    split); the baseline first, then the other configurations by name."""
    maes, seconds = {}, {}
    for path in sorted((folder / "models").glob("*/scores.csv")):
        scores = pd.read_csv(path).sort_values("split")
        record = json.loads((path.parent / "provenance.json").read_text())
        outer = np.asarray(record["outer_fold_of_split"])
        name = str(scores["model"].iloc[0])
        maes[name] = (outer[scores["split"].to_numpy()], scores["mae"].to_numpy())
        seconds[name] = float(scores["fit_time"].median())
    order = sorted(maes, key=lambda name: (name != BASELINE, name))
    return paired_table({name: maes[name] for name in order}, seconds)

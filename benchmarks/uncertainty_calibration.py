"""Calibrated intervals out of the box: a deep ensemble's ``predict(X, return_std=True)``
against today's MAE-trained ensemble and MAPIE's split conformal.

Data (``--dataset``): ``main_job``, the 2,135 experimental formation enthalpies inside
pymatgen with the 145 Magpie attributes (``benchmarks/_main_job.py``) on
``KFold(5, shuffle=True, random_state=11)``, members trained with the main job's settings
(``MAIN_JOB_NETWORK``); or ``steels`` / ``expt_gap``, Matbench's tasks on their official
folds, members with the estimator's defaults; or ``oqmd100k``, 100,000 rows drawn with
seed 11 from the OQMD file's ``train`` rows and scored on its ``test`` rows, members with
the main job's settings over 30 epochs (about 18 minutes a member on one thread: run it
with ``--checkpoint-dir`` so that a cut run resumes, and ``--n-jobs 2`` on two cores).
Seed 11 and the official test folds were
used for no choice in the design of the calibration (it was chosen on simulated
ensembles), so these figures are a fresh test. On each outer fold (first ``--folds``),
three models are fitted on the training rows, each an ensemble of 5 IRNet-17 networks:

- ``mae_spread``: ``DeepEnsembleRegressor(IRNetRegressor(), calibration_fraction=None)``
  (MAE members on every row, the ensemble before calibration existed), its std is the
  members' spread;
- ``calibrated``: ``DeepEnsembleRegressor(IRNetRegressor())`` as it now is by default:
  MAE members, each leaving out 10 % of the rows, the std calibrated on them;
  ``calibrated_raw`` is the same model's raw std (the spread), ``calibrated_interval``
  the same model's ``predict_interval`` at 68 % and 95 % (conformal quantiles of the
  block rows' standardised errors; no NLL or CRPS, it is not a distribution).
  ``--member-loss absolute_error_nll`` gives the members a variance head instead;
- ``mapie_absolute`` and ``mapie_std``: the MAE ensemble fitted on 80 % of the training
  rows and calibrated by MAPIE's ``SplitConformalRegressor`` on the other 20 %
  (``AbsoluteConformityScore``: the same width everywhere; ``StdConformityScore``: width
  proportional to the spread), the reference that costs the user a fifth of the data.

``--rerun calibrated`` fits only that group again and copies the others from the results
already in ``--out`` (the same seeds and splits give the same fits on a CPU); the summary
says what was reused.

Reported on the outer test rows: MAE, coverage of the 68 % and 95 % intervals, mean width
of the 95 % interval, Gaussian NLL and CRPS (:mod:`sklearn_irnet.uncertainty`). Writes
``results.json`` (every fold, the configuration), ``summary.md`` and a reliability diagram
to ``--out``; progress lines go to stdout. Example (main job: about 14 minutes per fold
on one core)::

    OMP_NUM_THREADS=1 python benchmarks/uncertainty_calibration.py --folds 5 \\
        --out benchmarks/results/uncertainty_calibration
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _main_job import MAIN_JOB_NETWORK, main_job_data  # noqa: E402
from _settings import RESULTS, add_options, oqmd_file  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED = 11
#: the main job's members train as `sklearn-irnet compare` trains them; the Matbench sets'
#: with the estimator's defaults, as under the comparison protocol
#: OQMD: 100,000 rows of the file's training split, the main job's batch and rate, 30 epochs
#: (about 12,000 steps; 18 minutes a member on one CPU thread)
OQMD_NETWORK = {**MAIN_JOB_NETWORK, "max_iter": 30}
OQMD_TRAINING_ROWS = 100_000
DEFAULT_DATA = oqmd_file()
#: test folds larger than this keep their predictions in an .npz beside results.json
LARGE_TEST = 5000
DATASETS = {"main_job": MAIN_JOB_NETWORK, "steels": {}, "expt_gap": {},
            "oqmd100k": OQMD_NETWORK}
UNITS = {"main_job": "eV/atom", "steels": "MPa", "expt_gap": "eV", "oqmd100k": "eV/atom"}
LEVELS = (0.68, 0.95)
N_MEMBERS = 5


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=DATASETS, default="main_job",
                        help="main_job (KFold seed 11), a Matbench task (official folds) or "
                             "oqmd100k (100,000 rows of the OQMD file's training split, its "
                             "test rows)")
    parser.add_argument("--folds", type=int, default=5, help="outer folds run (first n)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="members' epochs (default: the dataset's network settings)")
    parser.add_argument("--rerun", default=None,
                        help="comma-separated groups (mae_spread, calibrated, mapie) to fit "
                             "again; the others are taken from --out's results.json for the "
                             "folds it holds (same seeds and splits, so the same fits), and "
                             "fitted where it holds none")
    add_options(parser, "data_home")
    parser.add_argument("--member-loss", default="absolute_error",
                        help="loss of the calibrated ensemble's members")
    parser.add_argument("--numeric-embedding", choices=("auto", "none"), default="none",
                        help="the members' numeric_embedding: none (the estimator's "
                             "default) or auto (the periodic embedding)")
    parser.add_argument("--n-jobs", type=int, default=None,
                        help="members fitted in parallel (each with one torch thread)")
    parser.add_argument("--checkpoint-dir", type=Path, default=None,
                        help="members checkpoint every epoch under this folder and resume "
                             "from it when the same command runs again (long OQMD runs)")
    add_options(parser, "out")
    parser.set_defaults(out=RESULTS / "uncertainty_calibration")
    return parser.parse_args(argv)


def gaussian_scores(y: np.ndarray, mean: np.ndarray, std: np.ndarray) -> dict[str, float]:
    from sklearn_irnet.uncertainty import (
        coverage,
        crps_gaussian,
        gaussian_nll,
        interval_width,
    )

    return {"mae": float(np.mean(np.abs(y - mean))),
            "coverage_68": coverage(y, mean, std, 0.68),
            "coverage_95": coverage(y, mean, std, 0.95),
            "width_95": interval_width(std, 0.95),
            "nll": gaussian_nll(y, mean, np.maximum(std, 1e-12)),
            "crps": crps_gaussian(y, mean, std)}


def interval_scores(ensemble: Any, X: np.ndarray, y: np.ndarray, mean: np.ndarray
                    ) -> dict[str, float]:
    """MAE, coverage and 95 % width of the ensemble's ``predict_interval`` at 68 % and
    95 %."""
    scores = {"mae": float(np.mean(np.abs(y - mean)))}
    for level in LEVELS:
        lower, upper = ensemble.predict_interval(X, confidence_level=level)
        scores[f"coverage_{round(100 * level)}"] = float(np.mean((lower <= y) & (y <= upper)))
        scores[f"width_{round(100 * level)}"] = float(np.mean(upper - lower))
    return scores


def member_params(network: dict[str, Any], group: str, fold: int) -> dict[str, Any]:
    """The members' parameters; with a ``checkpoint_dir``, one folder per group and fold
    (the ensemble gives each member its own below it)."""
    if network.get("checkpoint_dir") is None:
        return network
    return {**network, "checkpoint_dir": str(Path(network["checkpoint_dir"])
                                             / f"{group}_fold{fold}")}


def fit_timed(model: Any, X: np.ndarray, y: np.ndarray) -> float:
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    return time.perf_counter() - started


def mapie_scores(network: dict[str, Any], X: np.ndarray, y: np.ndarray, train: np.ndarray,
                 test: np.ndarray, fold: int, n_jobs: int | None = None
                 ) -> dict[str, dict[str, float]]:
    """MAPIE split conformal on an MAE ensemble: fitted on 80 % of ``train``, calibrated
    on the other 20 %."""
    from mapie.conformity_scores import AbsoluteConformityScore, StdConformityScore
    from mapie.regression import SplitConformalRegressor
    from sklearn.model_selection import train_test_split

    from sklearn_irnet import IRNetRegressor
    from sklearn_irnet.ensemble import DeepEnsembleRegressor

    fit_rows, calibration_rows = train_test_split(train, test_size=0.2, random_state=fold)
    model = DeepEnsembleRegressor(IRNetRegressor(**member_params(network, "mapie", fold)),
                                  n_estimators=N_MEMBERS, n_jobs=n_jobs,
                                  random_state=fold, calibration_fraction=None)
    seconds = fit_timed(model, X[fit_rows], y[fit_rows])
    out = {}
    for name, score in (("mapie_absolute", AbsoluteConformityScore()),
                        ("mapie_std", StdConformityScore())):
        conformal = SplitConformalRegressor(model, confidence_level=list(LEVELS),
                                            conformity_score=score, prefit=True)
        conformal.conformalize(X[calibration_rows], y[calibration_rows])
        mean, intervals = conformal.predict_interval(X[test])
        low, high = intervals[:, 0, :], intervals[:, 1, :]
        inside = (y[test][:, None] >= low) & (y[test][:, None] <= high)
        out[name] = {"mae": float(np.mean(np.abs(y[test] - mean))),
                     "coverage_68": float(inside[:, 0].mean()),
                     "coverage_95": float(inside[:, 1].mean()),
                     "width_95": float(np.mean(high[:, 1] - low[:, 1])),
                     "fit_seconds": seconds}
    return out


GROUPS = {"mae_spread": ("mae_spread",),
          "calibrated": ("calibrated", "calibrated_raw", "calibrated_interval"),
          "mapie": ("mapie_absolute", "mapie_std")}


def run_fold(network: dict[str, Any], X: np.ndarray, y: np.ndarray, train: np.ndarray,
             test: np.ndarray, fold: int, member_loss: str,
             previous: dict[str, Any] | None = None, rerun: set[str] | None = None,
             n_jobs: int | None = None) -> dict[str, Any]:
    """Every model on one fold; groups not in ``rerun`` are copied from ``previous``."""
    from sklearn_irnet import IRNetRegressor
    from sklearn_irnet.ensemble import DeepEnsembleRegressor

    result: dict[str, Any] = {"fold": fold, "n_train": len(train), "n_test": len(test)}
    reused = [] if previous is None or rerun is None else [
        group for group in GROUPS if group not in rerun
        and all(name in previous for name in GROUPS[group])]
    for group in reused:
        result.update({name: previous[name] for name in GROUPS[group]})
    result["reused"] = reused
    predictions = dict(previous.get("test_predictions", {})) if reused else {}
    predictions["y"] = y[test].tolist()
    if "mae_spread" not in reused:
        mae = DeepEnsembleRegressor(IRNetRegressor(**member_params(network, "mae", fold)),
                                    n_estimators=N_MEMBERS, n_jobs=n_jobs,
                                    random_state=fold, calibration_fraction=None)
        seconds = fit_timed(mae, X[train], y[train])
        mean, spread = mae.predict(X[test], return_std=True)
        result["mae_spread"] = {**gaussian_scores(y[test], mean, spread),
                                "fit_seconds": seconds}
        predictions.update(mae_mean=mean.tolist(), mae_spread=spread.tolist())
    if "calibrated" not in reused:
        calibrated = DeepEnsembleRegressor(
            IRNetRegressor(loss=member_loss, **member_params(network, "calibrated", fold)),
            n_estimators=N_MEMBERS, n_jobs=n_jobs,
            random_state=fold)
        seconds = fit_timed(calibrated, X[train], y[train])
        mean, std = calibrated.predict(X[test], return_std=True)
        _, raw = calibrated.predict(X[test], return_std=True, calibrated=False)
        result["calibrated"] = {**gaussian_scores(y[test], mean, std), "fit_seconds": seconds,
                                "noise_scale": float(calibrated.noise_scale_[0]),
                                "spread_scale": float(calibrated.spread_scale_[0]),
                                "std_floor": float(calibrated.std_floor_[0])}
        result["calibrated_raw"] = gaussian_scores(y[test], mean, raw)
        result["calibrated_interval"] = interval_scores(calibrated, X[test], y[test], mean)
        predictions.update(mean=mean.tolist(), std=std.tolist())
    result["test_predictions"] = predictions
    if "mapie" not in reused:
        try:
            result.update(mapie_scores(network, X, y, train, test, fold, n_jobs))
        except ImportError:
            print("mapie is not installed: no conformal reference", flush=True)
    return result


MODELS = ("mae_spread", "calibrated", "calibrated_raw", "calibrated_interval",
          "mapie_absolute", "mapie_std")
COLUMNS = ("mae", "coverage_68", "coverage_95", "width_95", "nll", "crps")


def summarise(folds: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Mean of each score over the folds, per model."""
    summary = {}
    for model in MODELS:
        rows = [fold[model] for fold in folds if model in fold]
        if rows:
            summary[model] = {key: float(np.mean([r[key] for r in rows]))
                              for key in COLUMNS if key in rows[0]}
    return summary


def markdown(summary: dict[str, dict[str, float]], config: dict[str, Any],
             n_folds: int) -> str:
    dataset = config.get("dataset", "main_job")
    lines = [f"# Calibrated intervals on {dataset} ({n_folds} of "
             f"{config.get('n_splits', 5)} folds)", "",
             f"Command: `{config['command']}`  ", f"Commit: {config['commit']}  ",
             f"Folds: {config['folds']}; members: {N_MEMBERS} x IRNet-17, "
             f"{config['network']}  ",
             f"Reused from the earlier run in this folder (same seeds and splits): "
             f"{config.get('reused') or 'nothing'}", "",
             f"| model | MAE ({UNITS[dataset]}) | 68 % coverage | 95 % coverage | "
             "mean 95 % width | NLL | CRPS |", "|---|---|---|---|---|---|---|"]
    for model, row in summary.items():
        cells = [f"{row[key]:.4f}" if key in row else "-" for key in COLUMNS]
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def without_large_predictions(fold: dict[str, Any], out: Path) -> dict[str, Any]:
    """The fold as results.json holds it: a large test fold's predictions go to
    ``test_predictions_fold<k>.npz`` (float32) and the JSON names the file."""
    predictions = fold["test_predictions"]
    if len(predictions["y"]) <= LARGE_TEST:
        return fold
    name = f"test_predictions_fold{fold['fold']}.npz"
    np.savez_compressed(out / name, **{key: np.asarray(values, dtype=np.float32)
                                       for key, values in predictions.items()})
    return {**fold, "test_predictions": {"file": name}}


def with_predictions(fold: dict[str, Any], out: Path) -> dict[str, Any]:
    """The fold with its predictions read back from their .npz, where they were moved."""
    name = fold.get("test_predictions", {}).get("file")
    if name is None:
        return fold
    with np.load(out / name) as saved:
        return {**fold, "test_predictions": {key: saved[key].tolist() for key in saved}}


def reliability_figure(folds: list[dict[str, Any]], path: Path) -> None:
    from sklearn_irnet.plotting import plot_reliability_diagram

    pooled = {key: np.concatenate([fold["test_predictions"][key] for fold in folds])
              for key in ("y", "mean", "std", "mae_mean", "mae_spread")}
    ax = plot_reliability_diagram(pooled["y"], pooled["mean"], pooled["std"],
                                  label="calibrated ensemble (default)")
    plot_reliability_diagram(pooled["y"], pooled["mae_mean"], pooled["mae_spread"], ax=ax,
                             label="MAE ensemble, spread")
    ax.set_title(f"{len(folds)} test folds pooled", fontsize=9)
    ax.figure.savefig(path, dpi=120)


def dataset_splits(dataset: str, data_home: str | Path
                   ) -> tuple[np.ndarray, np.ndarray, list, str]:
    """``X, y, [(train, test), ...]`` and a description of the folds."""
    from sklearn.model_selection import KFold

    if dataset == "main_job":
        X, y, _ = main_job_data()
        splitter = KFold(5, shuffle=True, random_state=SEED)
        return X, y, list(splitter.split(X)), repr(splitter)
    if dataset == "oqmd100k":
        from oqmd_time_to_accuracy import load_features

        data = load_features(argparse.Namespace(
            cache=ROOT / "runs" / "oqmd_magpie_split.npz", data=DEFAULT_DATA))
        train = np.flatnonzero(data["split"] == "train")
        test = np.flatnonzero(data["split"] == "test")
        rows = np.sort(np.random.RandomState(SEED).choice(train, OQMD_TRAINING_ROWS,
                                                          replace=False))
        return data["X"], data["y"], [(rows, test)], (
            f"OQMD: {OQMD_TRAINING_ROWS} rows drawn (seed {SEED}) from the file's "
            f"{len(train)} 'train' rows; its {len(test)} 'test' rows")
    from sklearn_irnet.datasets import load_matbench
    from sklearn_irnet.featurize import MagpieFeaturizer

    data = load_matbench(f"matbench_{dataset}", data_home=data_home)
    X = MagpieFeaturizer(column=None).fit_transform(data.data)
    return (X, np.asarray(data.target, float), list(data.folds),
            "Matbench's official 5 folds")


def main(argv: list[str] | None = None) -> int:
    import torch

    args = parse_args(argv)
    torch.set_num_threads(1)
    X, y, splits, folds_text = dataset_splits(args.dataset, args.data_home)
    network = {**DATASETS[args.dataset], "n_threads": 1,
               "numeric_embedding": None if args.numeric_embedding == "none" else "auto"}
    if args.checkpoint_dir is not None:
        network["checkpoint_dir"] = str(args.checkpoint_dir)
    if args.epochs is not None:
        network["max_iter"] = args.epochs
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    previous_file = args.out / "results.json"
    previous = {}
    if args.rerun is not None and previous_file.exists():
        earlier = json.loads(previous_file.read_text())
        previous = {fold["fold"]: with_predictions(fold, args.out)
                    for fold in earlier["folds"]}
    rerun = None if args.rerun is None else set(args.rerun.split(","))
    config = {"command": " ".join(["python", *sys.argv]), "commit": commit,
              "dataset": args.dataset, "folds": folds_text, "n_folds_run": args.folds,
              "n_splits": len(splits),
              "network": network, "members": N_MEMBERS, "member_loss": args.member_loss,
              "torch_threads": 1, "n_jobs": args.n_jobs,
              "machine": platform.processor() or platform.machine(),
              "load_at_start": os.getloadavg()}
    print(json.dumps(config), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    folds = []
    for fold, (train, test) in enumerate(splits):
        if fold == args.folds:
            break
        folds.append(run_fold(network, X, y, train, test, fold, args.member_loss,
                              previous.get(fold), rerun, args.n_jobs))
        last = folds[-1]
        config["reused"] = {f["fold"]: f["reused"] for f in folds if f["reused"]}
        print(f"fold {fold}: " + "; ".join(
            f"{m} MAE {last[m]['mae']:.4f} cov68 {last[m]['coverage_68']:.3f} cov95 "
            f"{last[m]['coverage_95']:.3f} width95 {last[m]['width_95']:.3f}"
            for m in MODELS if m in last), flush=True)
        summary = summarise(folds)  # written after every fold: a cut run keeps its folds
        (args.out / "results.json").write_text(json.dumps(
            {"configuration": config, "summary": summary,
             "folds": [without_large_predictions(f, args.out) for f in folds]}, indent=1))
        (args.out / "summary.md").write_text(markdown(summary, config, len(folds)))
        reliability_figure(folds, args.out / "reliability.png")
    print(markdown(summarise(folds), config, len(folds)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

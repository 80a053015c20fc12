"""Command line: ``sklearn-irnet compare`` and ``sklearn-irnet matbench``.

``compare`` featurizes a dataset once, cross-validates the chosen models on the same folds
and writes a table (CSV and Markdown), parity plots and learning curves. ``matbench`` runs
the composition-only Matbench tasks on their official folds and sets the results beside
published leaderboard numbers.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from . import __version__
from .compare import MODEL_NAMES, ModelComparison, compare_models

DEFAULT_MODELS = (
    "irnet17", "plain17", "random_forest", "extra_trees", "hist_gradient_boosting",
    "ridge", "knn", "dummy",
)
BUILTIN_DATASETS = ("expt_formation_enthalpy", "mp_transport", "oqmd")
FEATURE_SETS = ("magpie", "elemnet")

# Public Matbench v0.1 leaderboard mean MAEs for the composition tasks we run.
MATBENCH_LEADERBOARD: dict[str, dict[str, float]] = {
    "matbench_expt_gap": {"RF-SCM/Magpie": 0.446, "AMMExpress": 0.416, "CrabNet": 0.346,
                          "MODNet": 0.333},
    "matbench_steels": {"RF-SCM/Magpie": 103.5, "AMMExpress": 97.5, "MODNet": 87.8},
}


class UsageError(Exception):
    """A problem with the command's arguments or input data: reported in one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``sklearn-irnet`` command."""
    parser = _Parser(prog="sklearn-irnet", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"sklearn-irnet {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    compare = commands.add_parser("compare", help="cross-validate models on one dataset")
    compare.add_argument(
        "--dataset", default="expt_formation_enthalpy",
        help=f"built-in dataset ({', '.join(BUILTIN_DATASETS)}), a Matbench task name "
             "(matbench_*), or a CSV file with a formula and a target column "
             "(default: expt_formation_enthalpy, shipped inside pymatgen)")
    compare.add_argument("--formula-col", default=None,
                         help="formula column of a CSV (default: composition or formula)")
    compare.add_argument("--target-col", default=None, help="target column of a CSV")
    compare.add_argument("--data-home", default=None,
                         help="folder of Matbench/OQMD files (default: $SKLEARN_IRNET_DATA)")
    _add_common(compare)
    compare.add_argument("--cv", type=int, default=5, help="number of shuffled folds (default 5)")
    compare.add_argument("--limit", type=int, default=None,
                         help="use a random subset of this many rows (quick looks)")
    compare.add_argument("--train-sizes", default=None,
                         help="also draw test MAE against training size, e.g. 0.1,0.3,1.0 "
                              "(fractions of each training fold; costs extra fits)")

    matbench = commands.add_parser("matbench", help="Matbench tasks on the official folds")
    matbench.add_argument("--tasks", default="matbench_expt_gap,matbench_steels",
                          help="comma-separated composition-only Matbench regression tasks")
    matbench.add_argument("--data-home", default=None,
                          help="folder holding <task>.csv.gz (default: $SKLEARN_IRNET_DATA)")
    _add_common(matbench)
    return parser


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS),
                        help=f"comma-separated models from: {', '.join(MODEL_NAMES)}")
    parser.add_argument("--features", default="magpie", choices=FEATURE_SETS,
                        help="magpie: the 145 attributes of the IRNet paper; elemnet: 86 "
                             "element fractions")
    parser.add_argument("--max-epochs", type=int, default=30,
                        help="epoch budget of each network fit (default 30; early stopping "
                             "keeps the best validation epoch)")
    parser.add_argument("--n-jobs", type=int, default=1, help="folds fitted in parallel")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--out", default="runs/compare", help="output folder")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG figures")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for bad arguments or data)."""
    try:
        argv = list(sys.argv[1:] if argv is None else argv)
        args = build_parser().parse_args(argv)
        args.command_line = "sklearn-irnet " + " ".join(argv)
        models = _parse_models(args.models)
        if args.max_epochs < 1 or args.n_jobs == 0:
            raise UsageError("--max-epochs must be >= 1 and --n-jobs must not be 0")
        if args.command == "compare":
            run_compare(args, models)
        else:
            run_matbench(args, models)
    except UsageError as error:
        print(f"sklearn-irnet: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sklearn-irnet: interrupted", file=sys.stderr)
        return 130
    return 0


def _parse_models(text: str) -> list[str]:
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in MODEL_NAMES]
    if unknown or not names:
        raise UsageError(
            f"unknown model(s) {unknown or text!r}; choose from {', '.join(MODEL_NAMES)}"
        )
    return names


def _log(message: str) -> None:
    print(message, flush=True)


# ---------------------------------------------------------------- data
def load_formula_dataset(args: argparse.Namespace) -> tuple[pd.Series, pd.Series, str, Any]:
    """Formulas, target, target label and optional predefined folds for ``--dataset``."""
    from . import datasets

    name = args.dataset
    try:
        if name == "expt_formation_enthalpy":
            bunch = datasets.load_expt_formation_enthalpy(as_frame=True)
            label = "formation enthalpy (eV/atom)"
        elif name == "mp_transport":
            bunch = datasets.load_mp_transport(as_frame=True)
            label = str(bunch.target_names[0])
        elif name == "oqmd":
            folder = Path(args.data_home or datasets.get_data_home())
            path = folder / "oqmd_formation_enthalpy.csv.gz"
            bunch = datasets.load_oqmd_formation_enthalpy(path, as_frame=True)
            label = "formation enthalpy (eV/atom)"
        elif name.startswith("matbench_"):
            bunch = datasets.load_matbench(name, data_home=args.data_home, as_frame=True)
            label = str(bunch.target_names[0])
        else:
            return _load_csv(args) + (None,)
    except (OSError, ValueError) as error:
        raise UsageError(str(error).splitlines()[0]) from None
    formulas = bunch.frame["composition"] if "composition" in bunch.frame else bunch.data.iloc[:, 0]
    target = pd.Series(np.asarray(bunch.target, dtype=float), index=formulas.index)
    return formulas, target, label, getattr(bunch, "test_fold", None)


def _load_csv(args: argparse.Namespace) -> tuple[pd.Series, pd.Series, str]:
    path = Path(args.dataset)
    if not path.is_file():
        raise UsageError(
            f"--dataset {args.dataset!r} is neither a built-in dataset "
            f"({', '.join(BUILTIN_DATASETS)}, matbench_*) nor an existing CSV file"
        )
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    formula_col = args.formula_col or next(
        (c for c in ("composition", "formula") if c in frame.columns), None
    )
    if formula_col not in frame.columns:
        raise UsageError(f"formula column {formula_col!r} not in {path.name}; columns are "
                         f"{list(frame.columns)} (use --formula-col)")
    if args.target_col is None or args.target_col not in frame.columns:
        raise UsageError(f"target column {args.target_col!r} not in {path.name}; columns are "
                         f"{list(frame.columns)} (use --target-col)")
    target = pd.to_numeric(frame[args.target_col], errors="coerce")
    bad = np.flatnonzero(target.isna().to_numpy())
    if len(bad):
        shown = ", ".join(f"row {i}: {frame[args.target_col].iloc[i]!r}" for i in bad[:5])
        raise UsageError(f"target column {args.target_col!r} has {len(bad)} non-numeric or "
                         f"missing value(s) ({shown}); clean or drop those rows")
    return frame[formula_col].astype(str), target, args.target_col


def featurize(formulas: pd.Series, feature_set: str) -> np.ndarray:
    """Featurize formulas once, with a clear one-line error for bad ones."""
    from .featurize import ElementFractionFeaturizer, MagpieFeaturizer

    featurizer = (MagpieFeaturizer(column=None) if feature_set == "magpie"
                  else ElementFractionFeaturizer(elements="elemnet", column=None))
    try:
        return featurizer.fit_transform(formulas.to_numpy(dtype=object))
    except ValueError as error:
        raise UsageError(str(error).splitlines()[0]) from None


# ---------------------------------------------------------------- compare
def run_compare(args: argparse.Namespace, models: list[str]) -> ModelComparison:
    """Featurize once, cross-validate every model, write tables and figures."""
    if args.cv < 2:
        raise UsageError(f"--cv must be at least 2, got {args.cv}")
    out = Path(args.out)
    formulas, target, label, _ = load_formula_dataset(args)
    if args.limit is not None and args.limit < len(formulas):
        keep = np.sort(np.random.RandomState(args.random_state).choice(
            len(formulas), args.limit, replace=False))
        formulas, target = formulas.iloc[keep], target.iloc[keep]
    started = time.perf_counter()
    X = featurize(formulas, args.features)
    _log(f"dataset {args.dataset}: {len(X)} rows, {X.shape[1]} {args.features} features "
         f"(featurized in {time.perf_counter() - started:.1f} s); target: {label}")
    y = target.to_numpy(float)
    result = compare_models(models, X, y, cv=args.cv, n_jobs=args.n_jobs,
                            random_state=args.random_state, progress=_log,
                            max_iter=args.max_epochs)
    size_table = None
    if args.train_sizes:
        size_table = _size_curve(args, models, X, y, result)
    _write_outputs(out, args, result, label, size_table)
    print(result.to_markdown())
    _log(f"results written to {out.resolve()}")
    return result


def _size_curve(args: argparse.Namespace, models: list[str], X: np.ndarray, y: np.ndarray,
                full: ModelComparison) -> pd.DataFrame:
    try:
        fractions = sorted({float(f) for f in args.train_sizes.split(",")})
    except ValueError:
        raise UsageError(f"--train-sizes must be fractions like 0.1,0.3,1.0, "
                         f"got {args.train_sizes!r}") from None
    if not fractions or fractions[0] <= 0 or fractions[-1] > 1:
        raise UsageError("--train-sizes fractions must lie in (0, 1]")
    from .compare import resolve_cv

    splitter = resolve_cv(args.cv, random_state=args.random_state)
    rng = np.random.RandomState(args.random_state)
    tables = []
    for fraction in fractions:
        if fraction == 1.0:
            tables.append(full.scores)
            continue
        splits = []
        for train, test in splitter.split(X, y):
            subset = rng.choice(train, max(2, int(round(fraction * len(train)))), replace=False)
            splits.append((np.sort(subset), test))
        _log(f"training size {fraction:g} of each fold:")
        partial = compare_models(models, X, y, cv=splits, n_jobs=args.n_jobs,
                                 random_state=args.random_state, progress=_log,
                                 max_iter=args.max_epochs)
        tables.append(partial.scores)
    return pd.concat(tables, ignore_index=True)


def _write_outputs(out: Path, args: argparse.Namespace, result: ModelComparison, label: str,
                   size_table: pd.DataFrame | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    result.scores.to_csv(out / "scores.csv", index=False)
    result.summary().to_csv(out / "summary.csv")
    result.predictions.to_csv(out / "predictions.csv", index=False)
    (out / "summary.md").write_text(result.to_markdown() + "\n")
    config = {
        "command": args.command_line,
        "arguments": {k: v for k, v in vars(args).items() if k != "command_line"},
        "versions": _versions(),
        "machine": {"platform": platform.platform(), "processor": platform.processor()},
    }
    (out / "config.json").write_text(json.dumps(config, indent=2, default=str) + "\n")
    if size_table is not None:
        size_table.to_csv(out / "size_curve.csv", index=False)
    if args.no_plots:
        return
    from .plotting import parity_plot, size_curve_plot, training_curves_plot

    for model in result.estimators:
        parity_plot(result.predictions, model, out / f"parity_{model}.png", target_label=label)
    curves = {
        model: [{"train": est.loss_curve_, "valid": est.validation_loss_curve_ or []}
                for est in fitted]
        for model, fitted in result.estimators.items() if hasattr(fitted[0], "loss_curve_")
    }
    if curves:
        training_curves_plot(curves, out / "learning_curves.png")
    if size_table is not None:
        size_curve_plot(size_table, out / "size_curve.png", target_label=label)


def _versions() -> dict[str, str]:
    import sklearn
    import skorch
    import torch

    return {"sklearn-irnet": __version__, "scikit-learn": sklearn.__version__,
            "skorch": skorch.__version__, "torch": torch.__version__,
            "torch_threads": str(torch.get_num_threads()), "python": platform.python_version()}


# ---------------------------------------------------------------- matbench
def run_matbench(args: argparse.Namespace, models: list[str]) -> pd.DataFrame:
    """Every requested task on its official five folds; per-fold CSV plus leaderboard table."""
    from .datasets import MATBENCH_TASKS

    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = [t for t in tasks if t not in MATBENCH_TASKS]
    if unknown or not tasks:
        raise UsageError(f"unknown Matbench task(s) {unknown}; composition tasks: "
                         f"{', '.join(MATBENCH_TASKS)}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    all_scores = []
    for task in tasks:
        task_args = argparse.Namespace(**{**vars(args), "dataset": task})
        formulas, target, label, test_fold = load_formula_dataset(task_args)
        if test_fold is None:
            raise UsageError(f"{task} has no official test_fold column")
        X = featurize(formulas, args.features)
        _log(f"{task}: {len(X)} rows, official 5 folds; target {label}")
        result = compare_models(models, X, target.to_numpy(float), test_fold=test_fold,
                                n_jobs=args.n_jobs, random_state=args.random_state,
                                progress=_log, max_iter=args.max_epochs)
        scores = result.scores.assign(task=task)
        all_scores.append(scores)
        task_dir = out / task
        task_dir.mkdir(exist_ok=True)
        scores.to_csv(task_dir / "scores.csv", index=False)
        result.predictions.to_csv(task_dir / "predictions.csv", index=False)
        (task_dir / "summary.md").write_text(_leaderboard_table(task, result) + "\n")
        print(_leaderboard_table(task, result))
    combined = pd.concat(all_scores, ignore_index=True)
    combined.to_csv(out / "matbench_scores.csv", index=False)
    return combined


def _leaderboard_table(task: str, result: ModelComparison) -> str:
    summary = result.summary()
    lines = [f"### {task}", "", "| model | mean MAE | std | source |", "|---|---|---|---|"]
    rows = [(name, row["mae_mean"], row["mae_std"], "this run (official folds)")
            for name, row in summary.iterrows()]
    rows += [(name, mae, float("nan"), "Matbench v0.1 leaderboard")
             for name, mae in MATBENCH_LEADERBOARD.get(task, {}).items()]
    for name, mae, std, source in sorted(rows, key=lambda r: r[1]):
        std_text = "" if np.isnan(std) else f"{std:.4g}"
        lines.append(f"| {name} | {mae:.4g} | {std_text} | {source} |")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

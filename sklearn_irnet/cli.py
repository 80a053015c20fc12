"""Command line: ``sklearn-irnet compare`` and ``sklearn-irnet matbench``.

``compare`` featurizes a dataset once, cross-validates the chosen models on the same folds
(grouped by formula when formulas repeat) and writes a table (CSV and Markdown), parity plots
and learning curves. ``matbench`` runs the composition-only Matbench tasks on their official
folds and sets the results beside published leaderboard numbers. Classification tasks
(Matbench's ``matbench_expt_is_metal`` and ``matbench_glass``, or ``--task classification``)
compare classifiers on stratified folds with ROC-AUC, accuracy, F1 and the Brier score, and
draw ROC curves and reliability diagrams instead of parity plots. ``--scheduler`` (or the
``SKLEARN_IRNET_SCHEDULER`` environment variable) runs the folds on a Dask cluster: a
scheduler address, or ``local:N`` for a local cluster of N worker processes.

This module only parses arguments and calls the library: datasets come from
:func:`sklearn_irnet.datasets.load_dataset`, features from
:func:`sklearn_irnet.featurize.make_featurizer`, the comparison from :mod:`sklearn_irnet.compare`
and the files from :mod:`sklearn_irnet.reporting`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from ._version import __version__
from .cluster import SCHEDULER_ENV, SchedulerSpec, scheduler_from_env
from .compare import ModelComparison, compare_models, resolve_cv
from .datasets import BUILTIN_DATASETS, FormulaDataset
from .featurize import FEATURE_SETS
from .models import MODEL_NAMES

# the default list keeps the main job within 5 minutes on two cores, install included:
# plain17 (134 s), random_forest and hist_gradient_boosting are left out. With them the
# run took 294-334 s: IRNet-17's five fits fill one worker for three fits (about 200 s)
# and the other for two, so the baselines must fit in the third fit's time (without
# them, and with `pip install --no-compile`: 237 and 274 s). Extra trees
# are the stronger forest on every set under the protocol (main job 0.098 against 0.116
# eV/atom for random_forest and 0.102 for hist_gradient_boosting); `--models` brings the
# others back
DEFAULT_MODELS = ("irnet17", "extra_trees", "ridge", "knn", "dummy")
#: the default models of a classification task
DEFAULT_CLASSIFICATION_MODELS = (
    "irnet17", "random_forest", "extra_trees", "hist_gradient_boosting", "logistic_regression",
    "dummy",
)


# the main job's network settings: 80 epochs at batch 256 (peak rate scaled by sqrt(2))
# instead of batch 128 keep `sklearn-irnet compare --n-jobs 2` within a few minutes on 2 cores
MAIN_JOB_NETWORK = {"max_iter": 80, "batch_size": 256, "learning_rate_init": 1.4e-3}


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
    compare.add_argument("--task", default="auto",
                         choices=("auto", "regression", "classification"),
                         help="what the target is (default auto: classification for "
                              "Matbench's classification tasks, else regression)")
    _add_common(compare)
    compare.set_defaults(max_epochs=MAIN_JOB_NETWORK["max_iter"],
                         batch_size=MAIN_JOB_NETWORK["batch_size"],
                         learning_rate=MAIN_JOB_NETWORK["learning_rate_init"])
    compare.add_argument("--cv", type=int, default=5,
                         help="number of shuffled folds (default 5); rows sharing a formula "
                              "stay in one fold (GroupKFold) when formulas repeat")
    compare.add_argument("--repeats", type=int, default=1,
                         help="repeat the --cv folds with new shuffles (default 1, which keeps "
                              "the main job within 5 minutes on 2 cores; 3 gives 3 x 5-fold, "
                              "the library's default, and narrower intervals)")
    compare.add_argument("--limit", type=int, default=None,
                         help="use a random subset of this many rows (quick looks)")
    compare.add_argument("--train-sizes", default=None,
                         help="also draw test MAE against training size, e.g. 0.1,0.3,1.0 "
                              "(fractions of each training fold; costs extra fits)")

    matbench = commands.add_parser("matbench", help="Matbench tasks on the official folds")
    matbench.add_argument("--tasks", default="matbench_expt_gap,matbench_steels",
                          help="comma-separated composition-only Matbench tasks, regression "
                               "or classification (matbench_expt_is_metal, matbench_glass)")
    matbench.add_argument("--data-home", default=None,
                          help="folder holding <task>.csv.gz (default: $SKLEARN_IRNET_DATA)")
    _add_common(matbench)
    return parser


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--models", default=None,
                        help=f"comma-separated models from: {', '.join(MODEL_NAMES)} "
                             f"(default: {','.join(DEFAULT_MODELS)}; for classification "
                             f"{','.join(DEFAULT_CLASSIFICATION_MODELS)}; with --models-file "
                             "and no --models, only the file's models)")
    parser.add_argument("--models-file", default=None,
                        help="a Python file that defines MODELS = {name: estimator}: any "
                             "scikit-learn estimators (pipelines, stacks, blends, searches), "
                             "compared beside the --models on the same folds")
    parser.add_argument("--tune", action="store_true",
                        help="give every named model the same budget of inner-CV search on "
                             "the training rows of each fold (4 configurations, inner 3-fold; "
                             "sklearn_irnet.models.TUNING_GRIDS); models from --models-file "
                             "run as defined")
    parser.add_argument("--features", default="magpie", choices=tuple(FEATURE_SETS),
                        help="; ".join(f"{name}: {text}" for name, text in FEATURE_SETS.items()))
    parser.add_argument("--max-epochs", type=int, default=None,
                        help="epochs of each network fit, the length of its learning-rate "
                             "schedule (default: %(default)s; None means IRNetRegressor's "
                             "max_iter, 80)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="network batch size (default: %(default)s; None means "
                             "IRNetRegressor's, 128)")
    parser.add_argument("--learning-rate", type=float, default=None,
                        help="network peak learning rate (default: %(default)s; None means "
                             "IRNetRegressor's, 1e-3)")
    parser.add_argument("--class-weight", default=None, choices=("balanced",),
                        help="classification tasks: class_weight of every model that takes "
                             "one (balanced: inversely to class frequency, the a-priori "
                             "setting for Matbench's label ROC-AUC, a balanced accuracy); "
                             "k-NN and the dummy run unweighted (default: unweighted)")
    parser.add_argument("--n-jobs", type=int, default=None,
                        help="folds fitted in parallel (default: 1, or every worker thread "
                             "with --scheduler)")
    parser.add_argument("--scheduler", default=None,
                        help="run the folds on a Dask cluster: a scheduler address "
                             "(tcp://host:8786) or local:N for N local worker processes "
                             f"(default: ${SCHEDULER_ENV}, else this process; needs "
                             "pip install 'sklearn-irnet[distributed]')")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--out", default="runs/compare", help="output folder")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG figures")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for bad arguments or data)."""
    try:
        argv = list(sys.argv[1:] if argv is None else argv)
        args = build_parser().parse_args(argv)
        args.command_line = "sklearn-irnet " + " ".join(argv)
        models = None if args.models is None else _parse_models(args.models)
        if getattr(args, "repeats", 1) < 1:
            raise UsageError(f"--repeats must be >= 1, got {args.repeats}")
        too_small = [value for value in (args.max_epochs, args.batch_size)
                     if value is not None and value < 1]
        if too_small or args.n_jobs == 0 or (args.learning_rate is not None
                                               and args.learning_rate <= 0):
            raise UsageError("--max-epochs and --batch-size must be >= 1, --learning-rate "
                             "> 0 and --n-jobs must not be 0")
        try:
            args.scheduler = scheduler_from_env(args.scheduler)
        except ValueError as error:
            source = "--scheduler" if "--scheduler" in " ".join(argv) else f"${SCHEDULER_ENV}"
            raise UsageError(f"{source}: {error}") from None
        if args.n_jobs is None:
            args.n_jobs = 1 if args.scheduler is None else -1
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
    """The model names of --models, checked against the closed table."""
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in MODEL_NAMES]
    if unknown or not names:
        hint = (" (blends and stacks are estimator objects now: define them in a "
                "--models-file)" if any("+" in name for name in unknown) else "")
        raise UsageError(f"unknown model(s) {unknown or text!r}; choose from "
                         f"{', '.join(MODEL_NAMES)}, or give --models-file{hint}")
    return names


def load_models_file(path: str | Path) -> dict[str, Any]:
    """The ``MODELS`` mapping of a Python file (``--models-file``).

    The file is run as a script (it is code: only run files you trust) and must define
    ``MODELS = {name: estimator}`` with unfitted scikit-learn estimators.

    Raises
    ------
    UsageError
        If the file is missing, fails to run, or defines no proper ``MODELS``.
    """
    import runpy

    path = Path(path)
    if not path.is_file():
        raise UsageError(f"--models-file {path}: no such file")
    try:
        namespace = runpy.run_path(str(path))
    except Exception as error:  # the user's code: report it in one line
        raise UsageError(f"--models-file {path} failed to run: "
                         f"{type(error).__name__}: {error}") from None
    models = namespace.get("MODELS")
    if not isinstance(models, dict) or not models:
        raise UsageError(f"--models-file {path} must define MODELS = {{name: estimator}}, a "
                         "non-empty dict")
    bad = [str(name) for name, model in models.items()
           if not isinstance(name, str) or not hasattr(model, "fit")
           or not hasattr(model, "get_params")]
    if bad:
        raise UsageError(f"--models-file {path}: MODELS entries {bad} are not "
                         "name -> scikit-learn estimator")
    return models


def _log(message: str) -> None:
    print(message, flush=True)


@contextmanager
def _usage_errors() -> Iterator[None]:
    """Report the library's errors about the input (bad data, missing files) in one line."""
    try:
        yield
    except (OSError, ValueError) as error:
        raise UsageError(str(error).splitlines()[0]) from None


def _load(args: argparse.Namespace, name: str) -> FormulaDataset:
    from .datasets import load_dataset

    with _usage_errors():
        return load_dataset(name, data_home=args.data_home,
                            formula_col=getattr(args, "formula_col", None),
                            target_col=getattr(args, "target_col", None))


def _on_cluster(scheduler: SchedulerSpec | None, X: Any, y: Any) -> AbstractContextManager:
    """The Dask backend for ``--scheduler`` with X and y sent to the workers once, or
    nothing."""
    if scheduler is None:
        return nullcontext()
    from .cluster import dask_backend

    @contextmanager
    def connected() -> Iterator[None]:
        with ExitStack() as stack:
            with _usage_errors():  # an unreachable scheduler, in one line
                client = stack.enter_context(dask_backend(scheduler, scatter=[X, y]))
            workers = client.nthreads()
            _log(f"Dask scheduler {client.scheduler.address} ({scheduler}): "
                 f"{len(workers)} workers, {sum(workers.values())} threads")
            yield

    return connected()


def _featurize(data: FormulaDataset, feature_set: str) -> np.ndarray:
    from .featurize import make_featurizer

    with _usage_errors():
        return make_featurizer(feature_set, column=None).fit_transform(
            data.formulas.to_numpy(dtype=object))


# ---------------------------------------------------------------- compare
def _build_models(names: list[str] | None, task: str, args: argparse.Namespace
                  ) -> dict[str, Any]:
    """The estimators of a run: the named models (or the task's defaults) built for the
    task, with --tune, network settings and --class-weight, then the --models-file ones."""
    from sklearn.base import is_classifier

    from .models import is_network, make_model, takes_class_weight, with_class_weight

    from_file = load_models_file(args.models_file) if args.models_file else {}
    if names is None:
        names = [] if from_file else list(
            DEFAULT_CLASSIFICATION_MODELS if task == "classification" else DEFAULT_MODELS)
    clash = sorted(set(names) & set(from_file))
    if clash:
        raise UsageError(f"--models and --models-file both define {clash}; rename one")
    network = _network_params(args)
    built = {}
    for name in names:
        with _usage_errors():
            built[name] = make_model(name, task=task, random_state=args.random_state,
                                     network_params=network if is_network(name) else None,
                                     tune=args.tune)
    if args.class_weight is not None:
        if task != "classification":
            _log(f"--class-weight {args.class_weight} does not apply to a {task} task: "
                 "ignored")
        else:
            unweighted = [name for name, model in built.items()
                          if not takes_class_weight(model)]
            for name in set(built) - set(unweighted):
                with_class_weight(built[name], args.class_weight)
            _log(f"class weights: {args.class_weight}" + (
                f"; unweighted, as they take none: {', '.join(unweighted)}"
                if unweighted else ""))
    wrong = [name for name, model in from_file.items()
             if is_classifier(model) != (task == "classification")]
    if wrong:
        raise UsageError(f"--models-file models {wrong} do not fit this {task} task")
    if from_file:
        _log(f"from {args.models_file}: {', '.join(from_file)} (run as defined: no --tune, "
             "network options or class weights)")
    return {**built, **from_file}


def _target(data: FormulaDataset, task: str) -> np.ndarray:
    """The target as floats, or as integer class labels for classification."""
    y = data.target.to_numpy(float)
    if task != "classification":
        return y
    if not np.all(np.isfinite(y) & (y == np.round(y))):
        raise UsageError(f"--task classification needs integer class labels in the target "
                         f"{data.target_label!r}, but it holds non-integer values")
    return y.astype(np.int64)


def run_compare(args: argparse.Namespace, models: list[str] | None) -> ModelComparison:
    """Featurize once, cross-validate every model, write tables and figures."""
    from .compare import training_size_curve
    from .reporting import write_comparison

    if args.cv < 2:
        raise UsageError(f"--cv must be at least 2, got {args.cv}")
    fractions = _parse_fractions(args.train_sizes) if args.train_sizes else None
    data = _load(args, args.dataset)
    if args.limit is not None:
        with _usage_errors():
            data = data.sample(args.limit, random_state=args.random_state)
    task = data.task_type if args.task == "auto" else args.task
    built = _build_models(models, task, args)
    y = _target(data, task)
    started = time.perf_counter()
    X = _featurize(data, args.features)
    _log(f"dataset {args.dataset}: {len(X)} rows, {X.shape[1]} {args.features} features "
         f"(featurized in {time.perf_counter() - started:.1f} s); target: {data.target_label}"
         f" ({task})")
    with _usage_errors():
        splitter = resolve_cv(args.cv, n_repeats=args.repeats, groups=data.groups,
                              random_state=args.random_state,
                              stratify=task == "classification")
    _log(f"folds: {splitter!r}, " + (
        f"grouped by formula ({data.n_sharing_formula} of {len(data)} rows share their "
        "formula with another row)" if data.repeated_formulas else "every formula once"))
    common = {"n_jobs": args.n_jobs, "random_state": args.random_state, "progress": _log}
    with _on_cluster(args.scheduler, X, y):
        result = compare_models(built, X, y, cv=args.cv, n_repeats=args.repeats,
                                groups=data.groups, **common)
        size_table = None
        if fractions:
            # the curve runs one repeat of the folds; fraction 1 reuses the comparison's
            # scores only when that was one repeat too
            size_table = training_size_curve(
                built, X, y, fractions, cv=args.cv, groups=data.groups,
                full=result if args.repeats == 1 else None, **common)
    out = write_comparison(args.out, result, target_label=data.target_label,
                           run=_run_record(args, task), size_table=size_table,
                           plots=not args.no_plots)
    print(result.to_markdown())
    _log(f"results written to {out.resolve()}")
    return result


def _run_record(args: argparse.Namespace, task: str) -> dict[str, Any]:
    """The command line and its arguments, for the run's provenance."""
    arguments = {k: v for k, v in vars(args).items() if k != "command_line"}
    arguments["scheduler"] = None if args.scheduler is None else str(args.scheduler)
    return {"command": args.command_line, "task": task, "arguments": arguments}


def _network_params(args: argparse.Namespace) -> dict[str, float | int]:
    """The network settings given on the command line (others keep the estimator's)."""
    given = {"max_iter": args.max_epochs, "batch_size": args.batch_size,
             "learning_rate_init": args.learning_rate}
    return {name: value for name, value in given.items() if value is not None}


def _parse_fractions(text: str) -> list[float]:
    try:
        fractions = sorted({float(f) for f in text.split(",")})
    except ValueError:
        raise UsageError(
            f"--train-sizes must be fractions like 0.1,0.3,1.0, got {text!r}"
        ) from None
    if not fractions or fractions[0] <= 0 or fractions[-1] > 1:
        raise UsageError("--train-sizes fractions must lie in (0, 1]")
    return fractions


# ---------------------------------------------------------------- matbench
def run_matbench(args: argparse.Namespace, models: list[str] | None) -> pd.DataFrame:
    """Every requested task on its official five folds; per-fold CSV plus leaderboard table
    (and, for classification tasks, ROC curves and reliability diagrams)."""
    from .datasets import MATBENCH_TASKS
    from .reporting import MATBENCH_LEADERBOARD, leaderboard_markdown, write_comparison

    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = [t for t in tasks if t not in MATBENCH_TASKS]
    if unknown or not tasks:
        raise UsageError(f"unknown Matbench task(s) {unknown}; composition tasks: "
                         f"{', '.join(MATBENCH_TASKS)}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    all_scores = []
    for task in tasks:
        data = _load(args, task)
        if data.test_fold is None:
            raise UsageError(f"{task} has no official test_fold column")
        task_models = _build_models(models, data.task_type, args)
        X = _featurize(data, args.features)
        _log(f"{task}: {len(X)} rows, official 5 folds; target {data.target_label} "
             f"({data.task_type})")
        y = _target(data, data.task_type)
        with _on_cluster(args.scheduler, X, y):
            result = compare_models(task_models, X, y, test_fold=data.test_fold, n_repeats=1,
                                    n_jobs=args.n_jobs, random_state=args.random_state,
                                    progress=_log)
        all_scores.append(result.scores.assign(task=task))
        task_dir = write_comparison(out / task, result, target_label=data.target_label,
                                    run=_run_record(args, data.task_type),
                                    plots=not args.no_plots)
        table = leaderboard_markdown(task, result, MATBENCH_LEADERBOARD.get(task, {}))
        (task_dir / "leaderboard.md").write_text(table + "\n")
        print(table)
    combined = pd.concat(all_scores, ignore_index=True)
    combined.to_csv(out / "matbench_scores.csv", index=False)
    return combined


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

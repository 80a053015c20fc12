"""One runner for the named studies of ``benchmarks/_studies.py``.

::

    python -m benchmarks list
    python -m benchmarks run STUDY [--only NAME,...] [--quick] [--n-jobs N] [--out DIR]
    python -m benchmarks report STUDY [--out DIR]

Two kinds of study, marked in ``list``: comparisons (:class:`_study.Study`), described
here, and script studies (:class:`_study.ScriptStudy`, ``benchmarks/_script_studies.py``
and, for the timings, ``benchmarks/_speed_studies.py``), whose protocol is a benchmarks
script: ``run`` calls the script's ``main`` with the argv that produced the committed
results and the output option (``--out`` redirects it) and writes
``runner_provenance.json`` beside the output (``benchmarks/_script_runner.py``);
``report`` prints the script's summary file or lists its output files; ``--only``,
``--n-jobs`` and ``--data-home`` are refused, and ``--quick`` where the script has no
cheap mode.

``run`` fits one model at a time with :func:`sklearn_irnet.compare.compare_models` on the
study's splits and saves each in ``DIR/models/<model>/`` (scores, predictions, summary and
a provenance record: the command line, commit, package versions, machine, torch threads,
load, and every estimator's ``get_params``). A model already saved is skipped, so a
stopped study resumes where it stopped. ``report`` merges the saved models into ``DIR``
(with ``scores_long.csv``: one row per model, split and metric) and prints the table.
``--quick`` is a smoke run: the first two splits, networks for 2 epochs, forests of 10
trees, written under ``benchmarks/results/quick/`` unless ``--out`` says otherwise.

The data location comes from ``SKLEARN_IRNET_BENCHMARK_DATA`` (``benchmarks/_settings.py``).
Torch runs one thread per process; ``--n-jobs`` fits splits in parallel processes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _script_runner import report_script_study, run_script_study  # noqa: E402
from _settings import DATA_ENV, RESULTS, add_options, matbench_home, run_record  # noqa: E402
from _studies import STUDIES, Data, ScriptStudy, Study  # noqa: E402

QUICK_SPLITS = 2
QUICK_PARAMS = {"max_iter": 2, "n_estimators": 10}
"""What ``--quick`` sets wherever an estimator (or one nested in it) has the parameter."""


def quick_version(model: Any) -> Any:
    """``model`` with :data:`QUICK_PARAMS` set on every estimator inside it that has them."""
    params = model.get_params(deep=True)
    quick = {key: value for key, value in ((k, QUICK_PARAMS.get(k.rsplit("__", 1)[-1]))
                                           for k in params) if value is not None}
    return model.set_params(**quick)


def study_splits(study: Study, data: Data, quick: bool) -> dict[str, Any]:
    """The study's split arguments; with ``quick``, its first :data:`QUICK_SPLITS` splits."""
    split = study.split(data)
    if not quick:
        return split
    from sklearn_irnet.compare import resolve_cv

    args = {k: v for k, v in split.items() if k in ("test_fold", "groups", "random_state")}
    splitter = resolve_cv(split.get("cv", 5), n_repeats=split.get("n_repeats") or 1, **args)
    pairs = splitter if isinstance(splitter, list) else list(splitter.split(data.X, data.y))
    return {"cv": list(pairs)[:QUICK_SPLITS], "n_repeats": 1}


def results_folder(study: Study, args: argparse.Namespace) -> Path:
    if args.out is not None:
        return args.out
    return RESULTS / ("quick" if getattr(args, "quick", False) else "") / study.folder


def run(study: Study, args: argparse.Namespace) -> Path:
    """Fit and save every model of the study that is not saved yet; return the folder."""
    from sklearn_irnet.compare import compare_models

    folder = results_folder(study, args)
    models = study.models()
    only = args.only.split(",") if args.only else list(models)
    unknown = sorted(set(only) - set(models))
    if unknown:
        raise SystemExit(f"{study.name} has no models {unknown}; it has {sorted(models)}")
    try:
        data = study.load(args.data_home or matbench_home())
    except FileNotFoundError as error:
        raise SystemExit(f"{study.name} needs data that is not there: {error} (the data "
                         f"folder is ${DATA_ENV} or --data-home)") from None
    split = study_splits(study, data, args.quick)
    for name in only:
        out = folder / "models" / name
        if (out / "scores.csv").is_file():
            print(f"{name}: saved already in {out}", flush=True)
            continue
        model = quick_version(models[name]) if args.quick else models[name]
        started = time.perf_counter()
        result = compare_models({name: model}, data.X, data.y, n_jobs=args.n_jobs or 1,
                                return_estimators=False, progress=print, **split)
        result.provenance.update(study=study.name, quick=args.quick, run=run_record(1))
        if study.outer is not None:
            outer = study.outer(data)[:len(split["cv"])]
            result.provenance["outer_fold_of_split"] = [int(k) for k in outer]
        result.save(out)
        print(f"{name}: saved in {out} ({time.perf_counter() - started:.0f} s)", flush=True)
    return folder


def report(study: Study, folder: Path) -> str:
    """Merge the saved models of ``folder`` and return the study's table."""
    from sklearn_irnet.compare import ModelComparison

    parts = [ModelComparison.load(path.parent)
             for path in sorted((folder / "models").glob("*/scores.csv"))]
    if not parts:
        raise SystemExit(f"no saved models in {folder / 'models'}; run the study first")
    if study.beside is not None:
        other, names = study.beside
        saved = folder.parent / STUDIES[other].folder.rsplit("/", 1)[-1] / "models"
        parts += [first_repeat(ModelComparison.load(saved / name)) for name in sorted(names())]
    result = ModelComparison.combine(parts)
    result.save(folder)
    long = result.scores.melt(id_vars=["model", "repeat", "fold", "split", "n_train", "n_test"],
                              var_name="metric", value_name="value")
    long.to_csv(folder / "scores_long.csv", index=False)
    if study.outer is None:
        return result.to_markdown()
    from _dev_configs import saved_table

    return saved_table(folder)


def first_repeat(result: Any) -> Any:
    """A saved comparison cut to the scores and predictions of its first repeat."""
    result.scores = result.scores[result.scores["repeat"] == 0].reset_index(drop=True)
    result.predictions = result.predictions[result.predictions["repeat"] == 0]
    return result


def build_parser() -> argparse.ArgumentParser:
    """The command line: ``list``, ``run`` and ``report``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the studies, their kind, what they measure and budget")
    for command in ("run", "report"):
        sub = add_options(commands.add_parser(command), "out", "data_home")
        sub.add_argument("study", choices=sorted(STUDIES))
        if command == "run":
            add_options(sub, "n_jobs")
            sub.add_argument("--only", default=None, help="comma-separated model names")
            sub.add_argument("--quick", action="store_true",
                             help="smoke run: 2 splits, 2 epochs, 10 trees (comparisons); "
                                  "the script's cheap argv (script studies that have one)")
        # unset unless given: a script study refuses them, a comparison takes 1 and
        # the data folder of $SKLEARN_IRNET_BENCHMARK_DATA
        sub.set_defaults(n_jobs=None, data_home=None)
    return parser


def list_line(study: Study | ScriptStudy) -> str:
    """One line of ``list``: name, kind, summary, budget and results folder."""
    if isinstance(study, ScriptStudy):
        kind = f"[script: {study.script} {' '.join(study.argv)}]"
        return (f"{study.name}: {kind} {study.summary} [{study.budget}] -> "
                f"benchmarks/results/{study.output}")
    return (f"{study.name}: [comparison] {study.summary} [{study.budget}] -> "
            f"benchmarks/results/{study.folder}")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    if args.command == "list":
        for study in STUDIES.values():
            print(list_line(study))
        return
    study = STUDIES[args.study]
    if isinstance(study, ScriptStudy):
        if args.command == "report":
            print(report_script_study(study, args))
            return
        status = run_script_study(study, args, argv)
        if status != 0:
            raise SystemExit(f"{study.name}: {study.script} ended with status {status}")
        return
    import torch

    torch.set_num_threads(1)
    if args.command == "run":
        folder = run(study, args)
        print(report(study, folder))
    else:
        print(report(study, results_folder(study, args)))


if __name__ == "__main__":
    main()

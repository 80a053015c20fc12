"""``run`` and ``report`` of a :class:`~_study.ScriptStudy`: a benchmarks script's
``main`` called with the study's recorded argv, and the runner's own provenance record.

The record goes to ``runner_provenance.json`` inside the output folder (next to an output
file: ``<name>.runner_provenance.json``). It is a JSON list with one entry per run, since
several studies may share one folder and a stopped run may be started again: the study,
the script, the argv passed to its ``main``, the runner's command,
:func:`_settings.run_record` (the process's command line, commit, package versions,
machine, load), ``OMP_NUM_THREADS``, and, once
``main`` is back, its return code and the seconds it took.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _settings import REPO, RESULTS, run_record
from _study import ScriptStudy


def refuse_options(study: ScriptStudy, args: argparse.Namespace) -> None:
    """Stop with a message for the options that a script study cannot honour.

    Parameters
    ----------
    study : ScriptStudy
        The study asked for.
    args : argparse.Namespace
        The parsed ``run`` or ``report`` options.

    Raises
    ------
    SystemExit
        For ``--only``, ``--n-jobs`` and ``--data-home`` (the script's own options fix
        models, processes and data), and for ``--quick`` without a quick argv.
    """
    kind = f"{study.name} is a script study ({study.script} {' '.join(study.argv)})"
    if getattr(args, "only", None) is not None:
        raise SystemExit(f"{kind}: --only is for comparison studies; the script's argv "
                         "fixes what it runs")
    if getattr(args, "n_jobs", None) is not None:
        raise SystemExit(f"{kind}: --n-jobs is for comparison studies; the script's argv "
                         "fixes its processes and threads")
    if getattr(args, "data_home", None) is not None:
        raise SystemExit(f"{kind}: --data-home is for comparison studies; the script "
                         "finds its data through $SKLEARN_IRNET_BENCHMARK_DATA")
    if getattr(args, "quick", False) and study.quick_argv is None:
        raise SystemExit(f"{kind}: it has no cheap mode, so --quick is refused "
                         f"(a full run: {study.budget})")


def script_output(study: ScriptStudy, args: argparse.Namespace) -> Path:
    """The absolute path given to the script's output option: ``--out`` if given, else
    ``benchmarks/results/<output>`` (under ``quick/`` for ``--quick``)."""
    if args.out is not None:
        return Path(args.out).absolute()
    return RESULTS / ("quick" if getattr(args, "quick", False) else "") / study.output


def provenance_file(study: ScriptStudy, output: Path) -> Path:
    """Where the runner's records of ``study`` go for the output ``output``."""
    if study.writes_file:
        return output.with_name(f"{output.stem}.runner_provenance.json")
    return output / "runner_provenance.json"


def _append(path: Path, record: dict[str, Any]) -> int:
    """Add ``record`` to the list in ``path`` (made if absent); return its index."""
    records = json.loads(path.read_text()) if path.is_file() else []
    records.append(record)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, indent=1, default=str) + "\n")
    return len(records) - 1


def _update(path: Path, index: int, **fields: Any) -> None:
    """Add ``fields`` to the record ``index`` of the list in ``path``."""
    records = json.loads(path.read_text())
    records[index].update(fields)
    path.write_text(json.dumps(records, indent=1, default=str) + "\n")


@contextlib.contextmanager
def as_script(study: ScriptStudy, argv: list[str]) -> Iterator[None]:
    """Run as ``python benchmarks/<module>.py ARGV`` from the repository root would: the
    scripts record ``sys.argv`` as their command, and their recorded argv holds paths
    relative to the root."""
    saved = sys.argv
    sys.argv = [study.script, *argv]
    try:
        with contextlib.chdir(REPO):
            yield
    finally:
        sys.argv = saved


def run_script_study(study: ScriptStudy, args: argparse.Namespace,
                     command: list[str]) -> int:
    """Call the study's script with its argv and the output option; return its status.

    Parameters
    ----------
    study : ScriptStudy
        The study to run.
    args : argparse.Namespace
        The ``run`` options (``out``, ``quick``, and the refused ones).
    command : list of str
        The runner's arguments (after ``python -m benchmarks``), for the record.

    Returns
    -------
    int
        What the script's ``main`` returned if an int (anything else, None or the
        results some scripts return, counts as 0), or its exit code.
    """
    refuse_options(study, args)
    output = script_output(study, args)
    argv = [*(study.quick_argv if args.quick else study.argv), study.out_option, str(output)]
    record_file = provenance_file(study, output)
    index = _append(record_file, {
        "study": study.name, "kind": "script", "module": study.script, "argv": argv,
        "runner_command": ["python", "-m", "benchmarks", *command],
        "quick": bool(args.quick), "started": datetime.now(UTC).isoformat(),
        "run": run_record(), "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS")})
    print(f"{study.name}: {study.script} {' '.join(argv)}", flush=True)
    module = importlib.import_module(study.module)
    started, status = time.perf_counter(), None
    try:
        with as_script(study, argv):
            returned = module.main(argv)
            # a main may return its results (a table, a dict): only an int is a status
            status = returned if isinstance(returned, int) else 0
    except SystemExit as stop:  # argparse's errors, or a script's own exit
        status = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
        return status
    finally:
        _update(record_file, index, returncode=status,
                seconds=round(time.perf_counter() - started, 1))
    return status


def report_script_study(study: ScriptStudy, args: argparse.Namespace) -> str:
    """The study's summary file (or output file), else the list of its output files."""
    refuse_options(study, args)
    output = script_output(study, args)
    if study.writes_file or study.summary_file is not None:
        shown = output if study.writes_file else output / str(study.summary_file)
        if not shown.is_file():
            raise SystemExit(f"{shown} is not there; run the study first "
                             f"({study.name}: {study.summary})")
        return shown.read_text()
    patterns = study.results or ("**/*",)
    files = sorted({path for pattern in patterns for path in output.glob(pattern)
                    if path.is_file()})
    if not files:
        raise SystemExit(f"no results of {study.name} in {output}; run the study first")
    lines = [f"{study.name}: {study.script} {' '.join(study.argv)}", f"in {output}:"]
    return "\n".join(lines + [f"  {path.relative_to(output)} ({path.stat().st_size:,} bytes)"
                              for path in files])

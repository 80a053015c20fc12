"""What a named study of ``python -m benchmarks`` is made of (:class:`Study`, :class:`Data`;
:class:`ScriptStudy` for a study whose protocol is a benchmarks script) and what several
studies share: the data loaders and the official Matbench folds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class Data:
    """Features, target and what the splits need (formula groups or official folds)."""

    X: np.ndarray
    y: np.ndarray
    groups: np.ndarray | None = None
    test_fold: np.ndarray | None = None


@dataclass(frozen=True)
class Study:
    """One named study.

    ``split(data)`` returns the keyword arguments of
    :func:`sklearn_irnet.compare.compare_models` that fix the splits; ``outer(data)``,
    for development studies, the outer fold of every split (their table averages the
    inner splits of one outer fold before the t interval over outer folds). ``beside``,
    ``(study, names)``, puts the first repeat of the models ``names()`` saved by another
    study into this one's table (same splits).
    """

    name: str
    summary: str
    load: Callable[[Path], Data]
    split: Callable[[Data], dict[str, Any]]
    models: Callable[[], dict[str, Any]]
    folder: str
    budget: str
    outer: Callable[[Data], np.ndarray] | None = field(default=None)
    beside: tuple[str, Callable[[], list[str]]] | None = None


def main_job(data_home: Path) -> Data:
    """The 2,135 experimental formation enthalpies inside pymatgen (no data folder needed):
    145 Magpie attributes, eV/atom, the formula of every row as its group."""
    from _main_job import main_job_data

    X, y, groups = main_job_data()
    return Data(X, y, groups=groups)


def matbench(task: str, classification: bool = False) -> Callable[[Path], Data]:
    """The loader of ``matbench_<task>`` from ``data_home``: 145 Magpie attributes, the
    target (integer labels with ``classification``) and the official folds."""

    def load(data_home: Path) -> Data:
        from sklearn_irnet.datasets import load_dataset
        from sklearn_irnet.featurize import MagpieFeaturizer

        data = load_dataset(f"matbench_{task}", data_home=data_home)
        X = MagpieFeaturizer(column=None).fit_transform(data.formulas.to_numpy(dtype=object))
        y = data.target.to_numpy(float)
        if classification:
            y = y.astype(np.int64)
        return Data(X, y, test_fold=np.asarray(data.test_fold))

    return load


def official(data: Data) -> dict[str, Any]:
    """Matbench's official five folds, as given."""
    return {"test_fold": data.test_fold, "n_repeats": 1}


@dataclass(frozen=True)
class ScriptStudy:
    """One named study whose protocol is a benchmarks script (not a comparison).

    ``python -m benchmarks run`` imports ``benchmarks/<module>.py`` and calls its
    ``main(argv + [out_option, path])``, the path being ``benchmarks/results/<output>``
    unless ``--out`` names another. ``argv`` is the command line that produced the
    committed results, less the output option.

    Parameters
    ----------
    name, summary, budget : str
        As for :class:`Study`; ``summary`` says where the argv was found.
    module : str
        The script's module name in ``benchmarks/`` (``"uncertainty_calibration"``).
    argv : tuple of str
        The script's arguments, without the output option.
    output : str
        What the output option gets, relative to ``benchmarks/results``: a folder, or a
        file (a name with a suffix, such as ``threshold_bound_x.md``).
    out_option : str, default="--out"
        The script's output option.
    quick_argv : tuple of str or None, default=None
        A genuinely cheap smoke run of the same protocol (``--quick``); None refuses it.
    summary_file : str or None, default=None
        A file inside ``output`` that ``report`` prints (``"summary.md"``); without it
        ``report`` lists the output files (a file ``output`` is printed itself).
    results : tuple of str, default=()
        Glob patterns, inside ``output``, of the files this invocation writes (several
        studies may share one folder); empty: every file there.
    """

    name: str
    summary: str
    module: str
    argv: tuple[str, ...]
    output: str
    budget: str
    out_option: str = "--out"
    quick_argv: tuple[str, ...] | None = None
    summary_file: str | None = None
    results: tuple[str, ...] = ()

    @property
    def script(self) -> str:
        """The script's path from the repository root."""
        return f"benchmarks/{self.module}.py"

    @property
    def writes_file(self) -> bool:
        """Whether ``output`` names a file rather than a folder."""
        return Path(self.output).suffix != ""

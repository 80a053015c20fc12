"""Any dataset by name (the built-in ones, Matbench tasks, CSV files) as formulas, a
numeric target, composition groups and, for Matbench, the official folds."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..featurize._parse import formula_groups
from ._home import _CSV_KWARGS, get_data_home
from ._matbench import load_matbench
from ._oqmd import _OQMD_FILENAME, load_oqmd_formation_enthalpy
from ._shipped import load_expt_formation_enthalpy, load_mp_transport

#: Names :func:`load_dataset` accepts besides ``matbench_*`` tasks and CSV paths.
BUILTIN_DATASETS: tuple[str, ...] = ("expt_formation_enthalpy", "mp_transport", "oqmd")


@dataclass
class FormulaDataset:
    """Formulas, a numeric target and what is known about their rows.

    Returned by :func:`load_dataset`.

    Attributes
    ----------
    name : str
        The dataset name or CSV path it was loaded from.
    formulas : pandas.Series
        One chemical formula per row.
    target : pandas.Series
        The target, float.
    target_label : str
        The target's name and unit, for tables and plots.
    groups : ndarray of int
        Composition group of each row (see :func:`formula_groups`).
    test_fold : ndarray of int or None
        The official fold of each row (Matbench tasks), else None.
    task_type : {"regression", "classification"}
        ``"classification"`` for Matbench's classification tasks (the target holds 0 and
        1), else ``"regression"``.
    """

    name: str
    formulas: pd.Series
    target: pd.Series
    target_label: str
    groups: np.ndarray
    test_fold: np.ndarray | None = None
    task_type: str = "regression"

    def __len__(self) -> int:
        return len(self.formulas)

    @property
    def n_sharing_formula(self) -> int:
        """Number of rows whose composition appears in at least one other row."""
        counts = np.bincount(self.groups)
        return int((counts[self.groups] > 1).sum())

    @property
    def repeated_formulas(self) -> bool:
        """Whether some composition appears in more than one row (then split by group)."""
        return self.n_sharing_formula > 0

    def sample(self, n_rows: int, random_state: int | None = 0) -> FormulaDataset:
        """A random subset of ``n_rows`` rows in their original order (all rows if fewer).

        Examples
        --------
        >>> data = load_dataset("expt_formation_enthalpy")
        >>> len(data.sample(100)), len(data.sample(10**6)) == len(data)
        (100, True)
        """
        if n_rows >= len(self):
            return self
        if n_rows < 1:
            raise ValueError(f"n_rows must be at least 1, got {n_rows}.")
        keep = np.sort(np.random.RandomState(random_state).choice(len(self), n_rows,
                                                                  replace=False))
        return FormulaDataset(
            name=self.name,
            formulas=self.formulas.iloc[keep],
            target=self.target.iloc[keep],
            target_label=self.target_label,
            groups=self.groups[keep],
            test_fold=None if self.test_fold is None else self.test_fold[keep],
            task_type=self.task_type,
        )


def load_dataset(
    name_or_path: str | os.PathLike[str],
    *,
    data_home: str | os.PathLike[str] | None = None,
    formula_col: str | None = None,
    target_col: str | None = None,
) -> FormulaDataset:
    """Load a built-in dataset, a Matbench task or a CSV file of formulas and a target.

    Parameters
    ----------
    name_or_path : str or path-like
        One of :data:`BUILTIN_DATASETS` (``"expt_formation_enthalpy"``, ``"mp_transport"``
        with its default target ``S_p``, ``"oqmd"``), a Matbench task name
        (``"matbench_*"``, see :data:`MATBENCH_TASKS`), or the path of a CSV file.
    data_home : str or path-like, default=None
        Folder of the Matbench and OQMD files; see :func:`get_data_home`.
    formula_col : str, default=None
        Formula column of a CSV file; default ``composition`` or ``formula``, whichever
        exists.
    target_col : str, default=None
        Target column of a CSV file (required for CSV files).

    Returns
    -------
    FormulaDataset
        Formulas, the target as floats, its label, composition groups and, for Matbench
        tasks, the official folds.

    Raises
    ------
    ValueError
        If the name is neither a dataset nor a CSV file, a CSV column is missing or the
        target has non-numeric or missing values (the message names the rows).
    FileNotFoundError
        If the Matbench or OQMD file is absent and cannot be downloaded.

    Examples
    --------
    >>> data = load_dataset("expt_formation_enthalpy")
    >>> len(data), data.target_label, data.repeated_formulas
    (2135, 'formation enthalpy (eV/atom)', False)

    ``load_dataset("mp_transport")`` has 18,254 of its 47,737 rows sharing their formula with
    another row (polymorphs): ``repeated_formulas`` is True there.
    """
    name = str(name_or_path)
    if name == "expt_formation_enthalpy":
        bunch = load_expt_formation_enthalpy(as_frame=True)
        label = "formation enthalpy (eV/atom)"
    elif name == "mp_transport":
        bunch = load_mp_transport(as_frame=True)
        label = str(bunch.target_names[0])
    elif name == "oqmd":
        bunch = load_oqmd_formation_enthalpy(get_data_home(data_home) / _OQMD_FILENAME,
                                             as_frame=True)
        label = "formation enthalpy (eV/atom)"
    elif name.startswith("matbench_"):
        bunch = load_matbench(name, data_home=data_home, as_frame=True)
        label = str(bunch.target_names[0])
    else:
        formulas, target = _read_formula_csv(Path(name), formula_col, target_col)
        return FormulaDataset(name, formulas, target, str(target_col), formula_groups(formulas))
    formulas = bunch.frame["composition"]
    target = pd.Series(np.asarray(bunch.target, dtype=float), index=formulas.index)
    return FormulaDataset(name, formulas, target, label, formula_groups(formulas),
                          getattr(bunch, "test_fold", None),
                          getattr(bunch, "task_type", "regression"))


def _read_formula_csv(
    path: Path, formula_col: str | None, target_col: str | None
) -> tuple[pd.Series, pd.Series]:
    """Formula and numeric target columns of a CSV file, with one-line errors."""
    if not path.is_file():
        raise ValueError(
            f"dataset {str(path)!r} is neither a built-in dataset "
            f"({', '.join(BUILTIN_DATASETS)}, matbench_*) nor an existing CSV file"
        )
    frame = pd.read_csv(path, **_CSV_KWARGS)
    formula_col = formula_col or next(
        (c for c in ("composition", "formula") if c in frame.columns), None
    )
    for role, column in (("formula", formula_col), ("target", target_col)):
        if column is None or column not in frame.columns:
            raise ValueError(
                f"{role} column {column!r} not in {path.name}; columns are "
                f"{list(frame.columns)} (name it with {role}_col, --{role}-col on the "
                "command line)"
            )
    target = pd.to_numeric(frame[target_col], errors="coerce")
    bad = np.flatnonzero(target.isna().to_numpy())
    if len(bad):
        shown = ", ".join(f"row {i}: {frame[target_col].iloc[i]!r}" for i in bad[:5])
        raise ValueError(
            f"target column {target_col!r} has {len(bad)} non-numeric or missing value(s) "
            f"({shown}); clean or drop those rows"
        )
    return frame[formula_col].astype(str), target.astype(float)

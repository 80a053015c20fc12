"""Matbench v0.1 tasks with their official folds, from a data folder or downloaded."""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, PredefinedSplit, StratifiedKFold
from sklearn.utils import Bunch

from ._home import _CSV_KWARGS, DATA_HOME_ENV, _finish, description, get_data_home

#: Seed of the shuffled 5-fold split of Matbench v0.1.
MATBENCH_RANDOM_STATE = 18012019

#: Matbench v0.1 tasks usable from the composition alone, mapped to their target column.
MATBENCH_TASKS: dict[str, str] = {
    "matbench_steels": "yield strength",
    "matbench_jdft2d": "exfoliation_en",
    "matbench_phonons": "last phdos peak",
    "matbench_expt_gap": "gap expt",
    "matbench_dielectric": "n",
    "matbench_expt_is_metal": "is_metal",
    "matbench_glass": "gfa",
    "matbench_log_gvrh": "log10(G_VRH)",
    "matbench_log_kvrh": "log10(K_VRH)",
    "matbench_perovskites": "e_form",
    "matbench_mp_gap": "gap pbe",
    "matbench_mp_is_metal": "is_metal",
    "matbench_mp_e_form": "e_form",
}

_MATBENCH_CLASSIFICATION = frozenset(
    {"matbench_expt_is_metal", "matbench_glass", "matbench_mp_is_metal"}
)

_MATBENCH_UNITS: dict[str, str] = {
    "matbench_steels": "yield strength of steels in MPa (experimental)",
    "matbench_jdft2d": "exfoliation energy in meV/atom (DFT, JARVIS)",
    "matbench_phonons": "frequency of the highest phonon DOS peak in 1/cm (DFT)",
    "matbench_expt_gap": "experimental band gap in eV",
    "matbench_dielectric": "refractive index n (DFT)",
    "matbench_expt_is_metal": "whether the material is a metal (experimental), classification",
    "matbench_glass": "glass-forming ability (metallic glasses), classification",
    "matbench_log_gvrh": "log10 of the VRH shear modulus in GPa (DFT)",
    "matbench_log_kvrh": "log10 of the VRH bulk modulus in GPa (DFT)",
    "matbench_perovskites": "formation energy of perovskites in eV per unit cell (DFT)",
    "matbench_mp_gap": "PBE band gap in eV (Materials Project)",
    "matbench_mp_is_metal": "whether the PBE band gap is zero (Materials Project), classification",
    "matbench_mp_e_form": "formation energy in eV/atom (Materials Project)",
}

_MATBENCH_URL = "https://ml.materialsproject.org/projects/{task}.json.gz"




def matbench_test_fold(y: Any, *, classification: bool = False) -> np.ndarray:
    """Fold index of each sample in the official 5-fold split of Matbench v0.1.

    Matbench shuffles the rows in their published order with
    ``KFold(n_splits=5, shuffle=True, random_state=18012019)`` for regression tasks and with
    :class:`~sklearn.model_selection.StratifiedKFold` and the same arguments for classification
    tasks.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Targets in the order of the published dataset (only their number matters for
        regression).
    classification : bool, default=False
        Use the stratified split of the classification tasks.

    Returns
    -------
    test_fold : ndarray of shape (n_samples,), dtype int
        ``test_fold[i]`` is the fold in whose test set sample ``i`` lies.

    Examples
    --------
    >>> from sklearn_irnet.datasets import matbench_test_fold
    >>> matbench_test_fold(list(range(10)))
    array([4, 0, 1, 1, 2, 3, 4, 3, 2, 0])
    """
    y = np.asarray(y)
    splitter: KFold | StratifiedKFold
    if classification:
        splitter = StratifiedKFold(n_splits=5, shuffle=True, random_state=MATBENCH_RANDOM_STATE)
    else:
        splitter = KFold(n_splits=5, shuffle=True, random_state=MATBENCH_RANDOM_STATE)
    test_fold = np.full(len(y), -1, dtype=np.int64)
    for fold, (_, test_idx) in enumerate(splitter.split(np.zeros((len(y), 1)), y)):
        test_fold[test_idx] = fold
    return test_fold


def _validate_matbench_task(task: str) -> str:
    if not isinstance(task, str):
        raise TypeError(f"task must be a string, got {type(task).__name__}.")
    name = task if task.startswith("matbench_") else f"matbench_{task}"
    if name not in MATBENCH_TASKS:
        raise ValueError(f"Unknown Matbench task {task!r}; valid tasks: {sorted(MATBENCH_TASKS)}.")
    return name


def _is_online(
    host: str = "ml.materialsproject.org", port: int = 443, timeout: float = 3.0
) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _download_matbench(task: str, data_home: Path) -> pd.DataFrame:
    """Fetch a Matbench task with matminer and reduce it to the columns of the local files."""
    from matminer.datasets import load_dataset

    data_home.mkdir(parents=True, exist_ok=True)
    raw = load_dataset(task, data_home=str(data_home))
    target = MATBENCH_TASKS[task]
    if "composition" in raw.columns:
        comps = [c if isinstance(c, str) else c.formula for c in raw["composition"]]
    else:
        comps = [s.composition.formula for s in raw["structure"]]
    width = len(str(len(raw)))
    stem = task.removeprefix("matbench_").replace("_", "-")
    frame = pd.DataFrame(
        {
            "mbid": [f"mb-{stem}-{i:0{width}d}" for i in range(1, len(raw) + 1)],
            "composition": pd.Series(comps, dtype=object),
            target: raw[target].to_numpy(),
        }
    )
    frame["test_fold"] = matbench_test_fold(
        frame[target].to_numpy(), classification=task in _MATBENCH_CLASSIFICATION
    )
    # Cache next to the other files so that the next call works offline.
    path = data_home / f"{task}.csv.gz"
    with tempfile.NamedTemporaryFile(dir=data_home, suffix=".csv.gz", delete=False) as tmp:
        tmp_path = Path(tmp.name)
    try:
        frame.to_csv(tmp_path, index=False, compression="gzip")
        tmp_path.replace(path)
    finally:
        tmp_path.unlink(missing_ok=True)
    return frame


def _read_or_download(task: str, home: Path, download_if_missing: bool
                      ) -> tuple[pd.DataFrame, str]:
    """The task's table from ``home``, else downloaded and cached there; and where it came
    from, for the description."""
    path = home / f"{task}.csv.gz"
    if path.is_file():
        return (pd.read_csv(path, **_CSV_KWARGS),
                "Read from a local copy of materialsproject/matbench data.")
    help_text = (
        f"Matbench file not found: {path}. Put '{task}.csv.gz' (columns mbid, composition, "
        f"'{MATBENCH_TASKS[task]}', test_fold) in {home}, pass data_home=, or set the "
        f"environment variable {DATA_HOME_ENV} to its folder. The data are published at "
        f"{_MATBENCH_URL.format(task=task)} (matminer.datasets.load_dataset('{task}'))."
    )
    if not download_if_missing:
        raise FileNotFoundError(help_text + " download_if_missing is False.")
    if not _is_online():
        raise FileNotFoundError(help_text + " The download server is not reachable.")
    try:
        frame = _download_matbench(task, home)
    except Exception as exc:
        raise FileNotFoundError(f"{help_text} Downloading failed: {exc!r}") from exc
    return frame, "Downloaded with matminer.datasets.load_dataset and cached."


def load_matbench(
    task: str,
    data_home: str | os.PathLike[str] | None = None,
    *,
    download_if_missing: bool = True,
    return_X_y: bool = False,
    as_frame: bool = False,
) -> Bunch | tuple[Any, Any]:
    """Load a Matbench v0.1 task as a composition-only dataset with its official 5-fold split.

    Reads ``<data_home>/<task>.csv.gz`` (columns ``mbid``, ``composition``, the target,
    ``test_fold``, and ``spg_num``/``crys_sys`` for structure tasks). When the file is absent and
    ``download_if_missing`` is True and the Matbench server answers, the task is downloaded with
    :func:`matminer.datasets.load_dataset <matminer.datasets.dataset_retrieval.load_dataset>`,
    reduced to those columns (the formula of each structure; no ``spg_num``/``crys_sys``), given
    the official ``test_fold`` and cached as that file.

    Parameters
    ----------
    task : str
        One of :data:`MATBENCH_TASKS`, with or without the ``matbench_`` prefix, for example
        ``"matbench_expt_gap"`` or ``"expt_gap"``.
    data_home : str or path-like, default=None
        Folder holding the files; see :func:`get_data_home`.
    download_if_missing : bool, default=True
        Download with matminer when the file is absent and the network is reachable.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a DataFrame with a ``composition`` column, ``target`` a Series and
        ``frame`` the whole table.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With attributes ``data``, ``target``, ``frame``, ``feature_names``, ``target_names``,
        ``DESCR``, ``task``, ``task_type`` (``"regression"`` or ``"classification"``),
        ``mbid``, ``test_fold`` (int array), ``folds`` (list of five ``(train_idx, test_idx)``
        pairs) and ``cv`` (:class:`~sklearn.model_selection.PredefinedSplit`).
    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    ValueError
        If ``task`` is not a known task.
    FileNotFoundError
        If the file is absent and cannot be downloaded.

    Examples
    --------
    Requires the Matbench files in the data folder::

        from sklearn.model_selection import cross_validate
        bunch = load_matbench("matbench_expt_gap", data_home="path/to/matbench")
        cross_validate(model, bunch.data, bunch.target, cv=bunch.folds)
    """
    task = _validate_matbench_task(task)
    home = get_data_home(data_home)
    path = home / f"{task}.csv.gz"
    target = MATBENCH_TASKS[task]
    classification = task in _MATBENCH_CLASSIFICATION
    frame, origin = _read_or_download(task, home, download_if_missing)
    missing = [c for c in ("composition", target) if c not in frame.columns]
    if missing:
        raise ValueError(f"{path} lacks the column(s) {missing}; columns: {list(frame.columns)}.")
    frame["composition"] = frame["composition"].astype(str).astype(object)
    if classification:
        frame[target] = frame[target].astype(bool)
    if "test_fold" not in frame.columns:
        frame["test_fold"] = matbench_test_fold(
            frame[target].to_numpy(), classification=classification
        )
    test_fold = frame["test_fold"].to_numpy(dtype=np.int64)
    cv = PredefinedSplit(test_fold)
    folds = [(train, test) for train, test in cv.split()]
    n_samples = len(frame)
    mbid = (
        frame["mbid"].to_numpy(dtype=object)
        if "mbid" in frame.columns
        else np.arange(n_samples).astype(str).astype(object)
    )
    title = f"{task} (Matbench v0.1, composition only)"
    descr = description("matbench").format(
        task=task,
        underline="=" * len(title),
        n=n_samples,
        target=target,
        meaning=_MATBENCH_UNITS[task],
        task_type="classification" if classification else "regression",
        splitter="StratifiedKFold" if classification else "KFold",
        path=path,
        origin=origin,
    )
    return _finish(
        frame,
        [target],
        descr=descr,
        return_X_y=return_X_y,
        as_frame=as_frame,
        extra={
            "task": task,
            "task_type": "classification" if classification else "regression",
            "mbid": mbid,
            "test_fold": test_fold,
            "folds": folds,
            "cv": cv,
        },
    )

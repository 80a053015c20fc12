"""Materials datasets as scikit-learn style loaders.

Every loader returns a :class:`sklearn.utils.Bunch` (or ``(X, y)`` with ``return_X_y=True``)
whose ``data`` is the *composition* column: chemical formula strings, one per material. The
numerical representation is left to a separate transformer (for example the Magpie featurizer
of :mod:`sklearn_irnet.featurize`), so that featurization can sit inside a
:class:`~sklearn.pipeline.Pipeline`. With ``as_frame=True`` the data is a
:class:`pandas.DataFrame` with a single ``composition`` column, the convention of Matbench and
automatminer; otherwise it is a 1-D ``object`` array of formulas.

Two loaders read data shipped inside installed dependencies and work on any machine:
:func:`load_expt_formation_enthalpy` (pymatgen) and :func:`load_mp_transport` (matminer).
:func:`load_matbench` and :func:`load_oqmd_formation_enthalpy` read gzip-compressed CSV files
from a data folder (see :func:`get_data_home`).
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import socket
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, PredefinedSplit, StratifiedKFold
from sklearn.utils import Bunch

__all__ = [
    "BUILTIN_DATASETS",
    "FormulaDataset",
    "MATBENCH_LEADERBOARD",
    "MATBENCH_RANDOM_STATE",
    "MATBENCH_TASKS",
    "MP_TRANSPORT_TARGETS",
    "get_data_home",
    "formula_groups",
    "load_dataset",
    "load_expt_formation_enthalpy",
    "load_matbench",
    "load_mp_transport",
    "load_oqmd_formation_enthalpy",
    "matbench_test_fold",
]

logger = logging.getLogger(__name__)

#: Environment variable that overrides the default data folder.
DATA_HOME_ENV = "SKLEARN_IRNET_DATA"

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

#: Public Matbench v0.1 leaderboard means of the composition tasks that
#: ``sklearn-irnet matbench`` sets its results beside (model name: MAE in the task's unit
#: for regression tasks, ROC-AUC for classification tasks).
MATBENCH_LEADERBOARD: dict[str, dict[str, float]] = {
    "matbench_expt_gap": {"RF-SCM/Magpie": 0.446, "AMMExpress": 0.416, "CrabNet": 0.346,
                          "MODNet": 0.333},
    "matbench_steels": {"RF-SCM/Magpie": 103.5, "AMMExpress": 97.5, "MODNet": 87.8},
    # classification tasks: mean ROC-AUC (higher is better)
    "matbench_expt_is_metal": {"RF-SCM/Magpie": 0.917, "AMMExpress": 0.921,
                               "best (leaderboard)": 0.960},
    "matbench_glass": {"RF-SCM/Magpie": 0.859, "AMMExpress": 0.861, "MODNet": 0.960},
}

#: Properties of the matminer copy of the Ricci et al. (2017) transport database.
MP_TRANSPORT_TARGETS: tuple[str, ...] = (
    "S_p",
    "S_n",
    "sigma_p",
    "sigma_n",
    "kappa_p",
    "kappa_n",
    "PF_p",
    "PF_n",
    "m_p",
    "m_n",
)

_OQMD_FILENAME = "oqmd_formation_enthalpy.csv.gz"

# ``keep_default_na=False`` keeps the formula "NaN" (sodium nitride) as a string.
_CSV_KWARGS: dict[str, Any] = {"keep_default_na": False, "na_values": [""]}


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def get_data_home(data_home: str | os.PathLike[str] | None = None) -> Path:
    """Return the folder where the data files of :mod:`sklearn_irnet.datasets` are looked for.

    The folder is, in order of precedence, ``data_home`` when given, the environment variable
    ``SKLEARN_IRNET_DATA`` when set, else ``~/sklearn_irnet_data``. A leading ``~`` is
    expanded. The folder is not created.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Explicit folder.

    Returns
    -------
    pathlib.Path
        The data folder.

    Examples
    --------
    >>> from sklearn_irnet.datasets import get_data_home
    >>> str(get_data_home("/tmp/materials"))
    '/tmp/materials'
    """
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV) or Path("~") / "sklearn_irnet_data"
    return Path(data_home).expanduser()


def _package_dir(package: str) -> Path:
    """Folder of an installed package, found without importing it."""
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            f"This dataset is shipped inside the '{package}' package, which is not installed. "
            "Install the materials extra: pip install 'sklearn-irnet[materials]'."
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _n_atoms(formulas: Sequence[str]) -> np.ndarray:
    from pymatgen.core import Composition

    return np.array([Composition(f).num_atoms for f in formulas], dtype=float)


def _finish(
    frame: pd.DataFrame,
    target_names: list[str],
    *,
    descr: str,
    return_X_y: bool,
    as_frame: bool,
    extra: dict[str, Any] | None = None,
) -> Bunch | tuple[Any, Any]:
    """Build the Bunch / ``(X, y)`` of a loader from a frame holding a ``composition`` column."""
    frame = frame.reset_index(drop=True)
    feature_names = ["composition"]
    if as_frame:
        data: Any = frame[feature_names]
        target: Any = frame[target_names[0]] if len(target_names) == 1 else frame[target_names]
    else:
        data = frame["composition"].to_numpy(dtype=object)
        target = frame[target_names].to_numpy()
        if len(target_names) == 1:
            target = target.ravel()
    if return_X_y:
        return data, target
    bunch = Bunch(
        data=data,
        target=target,
        frame=frame if as_frame else None,
        feature_names=feature_names,
        target_names=list(target_names),
        DESCR=descr,
    )
    bunch.update(extra or {})
    return bunch


# --------------------------------------------------------------------------------------------
# experimental formation enthalpies shipped with pymatgen
# --------------------------------------------------------------------------------------------
_EXPT_DESCR = """\
Experimental formation enthalpies (pymatgen)
============================================

{n} inorganic compounds with their experimental standard formation enthalpy, the reference
data that the Materials Project uses to fit its MP2020 energy corrections.

Target: ``formation_enthalpy_eV_per_atom`` (eV/atom), the enthalpy of formation per formula
unit divided by the number of atoms of the formula as written (range {lo:.3f} to {hi:.3f}).

The frame also holds the raw value per formula unit (``formation_enthalpy_eV_per_fu``), its
experimental uncertainty per formula unit (``uncertainty_eV_per_fu``, missing for {n_unc}
compounds), the number of atoms of the formula (``n_atoms``) and the Materials Project id
of the matched structure (``mpid``, missing for {n_mpid} compounds). Some alloys and
non-stoichiometric phases are written with large integer subscripts (up to {max_atoms:.0f}
atoms per formula); the per-atom value is correct for them.

Source: ``pymatgen/analysis/compatibility/exp_compounds.json.gz`` in the installed pymatgen
(MIT licence); no download.

Reference: A. Wang, R. Kingsbury, M. McDermott, M. Horton, A. Jain, S. P. Ong, S. Dwaraknath,
K. A. Persson, "A framework for quantifying uncertainty in DFT energy corrections",
Sci. Rep. 11, 15496 (2021), doi:10.1038/s41598-021-94550-5.
"""


def load_expt_formation_enthalpy(
    *, return_X_y: bool = False, as_frame: bool = False
) -> Bunch | tuple[Any, Any]:
    """Load the 2,135 experimental formation enthalpies shipped with pymatgen.

    ================  ==================================
    Samples           2135
    Features          1 (``composition``, formula)
    Target            formation enthalpy, eV/atom
    Task              regression
    ================  ==================================

    Read more in the ``DESCR`` of the returned bunch.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a DataFrame with a ``composition`` column, ``target`` a Series and
        ``frame`` a DataFrame with the metadata columns described in ``DESCR``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With attributes ``data`` (formulas), ``target`` (eV/atom), ``frame`` (None unless
        ``as_frame``), ``feature_names``, ``target_names`` and ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    ImportError
        If pymatgen is not installed.

    Examples
    --------
    >>> from sklearn_irnet.datasets import load_expt_formation_enthalpy
    >>> bunch = load_expt_formation_enthalpy(as_frame=True)
    >>> bunch.data.shape
    (2135, 1)
    >>> row = bunch.frame.set_index("composition").loc["MgO"]
    >>> round(float(row["formation_enthalpy_eV_per_atom"]), 4)
    -3.1175
    """
    path = _package_dir("pymatgen") / "analysis" / "compatibility" / "exp_compounds.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        records = json.load(fh)
    raw = pd.DataFrame.from_records(records)
    formulas = raw["formula"].astype(str).tolist()
    n_atoms = _n_atoms(formulas)
    per_fu = raw["exp energy"].to_numpy(dtype=float)
    target_name = "formation_enthalpy_eV_per_atom"
    frame = pd.DataFrame(
        {
            "composition": pd.Series(formulas, dtype=object),
            target_name: per_fu / n_atoms,
            "formation_enthalpy_eV_per_fu": per_fu,
            "uncertainty_eV_per_fu": raw["uncertainty"].to_numpy(dtype=float),
            "n_atoms": n_atoms,
            "mpid": raw["mpid"].astype(object),
        }
    )
    descr = _EXPT_DESCR.format(
        n=len(frame),
        lo=frame[target_name].min(),
        hi=frame[target_name].max(),
        n_unc=int(frame["uncertainty_eV_per_fu"].isna().sum()),
        n_mpid=int(frame["mpid"].isna().sum()),
        max_atoms=n_atoms.max(),
    )
    return _finish(frame, [target_name], descr=descr, return_X_y=return_X_y, as_frame=as_frame)


# --------------------------------------------------------------------------------------------
# Materials Project transport database shipped with matminer
# --------------------------------------------------------------------------------------------
_TRANSPORT_DESCR = """\
Materials Project electronic transport (Ricci et al. 2017, matminer copy)
=========================================================================

{n} Materials Project entries ({n_unique} distinct formulas: polymorphs share a formula) with
electronic transport properties computed with BoltzTraP in the constant relaxation time
approximation. Columns (suffix ``_p`` for holes / p-type doping, ``_n`` for electrons / n-type):
``S`` Seebeck coefficient (microvolt/K), ``sigma`` electrical conductivity, ``kappa``
electronic thermal conductivity, ``PF`` power factor, ``m`` conductivity effective mass.

Target(s): {targets}.

The default target is ``S_p``, the p-type Seebeck coefficient: in the constant relaxation time
approximation the Seebeck coefficient does not depend on the assumed relaxation time, whereas
``sigma``, ``kappa`` and ``PF`` scale with it and span many orders of magnitude (model their
logarithm). The temperature and carrier concentration at which matminer extracted the table are
not recorded in the file; see the reference and matminer's ``TransportData``. Because several
polymorphs share a composition, group the cross-validation by ``composition`` (for example with
:class:`~sklearn.model_selection.GroupKFold`) to avoid leaking formulas between folds.

The frame also holds ``mp_id``, the Materials Project id.

Source: ``matminer/utils/data_files/mp_transport/transport_database.tar.xz`` in the installed
matminer (BSD licence); no download. The underlying data are CC-BY-4.0.

Reference: F. Ricci, W. Chen, U. Aydemir, G. J. Snyder, G.-M. Rignanese, A. Jain, G. Hautier,
"An ab initio electronic transport database for inorganic materials", Sci. Data 4, 170085
(2017), doi:10.1038/sdata.2017.85.
"""


def load_mp_transport(
    *,
    target: str | Sequence[str] = "S_p",
    return_X_y: bool = False,
    as_frame: bool = False,
) -> Bunch | tuple[Any, Any]:
    """Load the Materials Project transport table (47,737 entries) shipped with matminer.

    ================  ===================================================
    Samples           47737 (34631 distinct formulas)
    Features          1 (``composition``, formula)
    Target            ``S_p`` by default, any of :data:`MP_TRANSPORT_TARGETS`
    Task              regression
    ================  ===================================================

    Parameters
    ----------
    target : str or sequence of str, default="S_p"
        Column(s) used as target: ``"S_p"``, ``"S_n"`` (Seebeck coefficient, microvolt/K),
        ``"sigma_p"``, ``"sigma_n"`` (conductivity), ``"kappa_p"``, ``"kappa_n"`` (electronic
        thermal conductivity), ``"PF_p"``, ``"PF_n"`` (power factor), ``"m_p"``, ``"m_n"``
        (conductivity effective mass). A sequence gives a 2-D target (multi-output).
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a DataFrame with a ``composition`` column, ``target`` a Series (or
        DataFrame for several targets) and ``frame`` holds every column plus ``mp_id``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With attributes ``data``, ``target``, ``frame``, ``feature_names``, ``target_names``,
        ``DESCR`` and ``mp_id`` (array of Materials Project ids).
    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    ValueError
        If ``target`` names an unknown column.
    ImportError
        If matminer is not installed.

    Examples
    --------
    >>> from sklearn_irnet.datasets import load_mp_transport
    >>> X, y = load_mp_transport(target=["S_p", "S_n"], return_X_y=True)
    >>> X.shape, y.shape
    ((47737,), (47737, 2))
    """
    targets = [target] if isinstance(target, str) else list(target)
    unknown = [t for t in targets if t not in MP_TRANSPORT_TARGETS]
    if not targets or unknown:
        raise ValueError(
            f"Unknown transport target(s) {unknown or targets!r}; "
            f"choose from {list(MP_TRANSPORT_TARGETS)}."
        )
    path = (
        _package_dir("matminer")
        / "utils"
        / "data_files"
        / "mp_transport"
        / "transport_database.tar.xz"
    )
    with tarfile.open(path, mode="r:xz") as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith(".csv"))
        fh = archive.extractfile(member)
        if fh is None:  # pragma: no cover - a csv member is a regular file
            raise OSError(f"Cannot read {member.name} from {path}")
        raw = pd.read_csv(fh, **_CSV_KWARGS)
    frame = raw.rename(columns={"pretty_formula": "composition"})
    frame["composition"] = frame["composition"].astype(str).astype(object)
    frame = frame[["composition", *MP_TRANSPORT_TARGETS, "mp_id"]]
    descr = _TRANSPORT_DESCR.format(
        n=len(frame),
        n_unique=frame["composition"].nunique(),
        targets=", ".join(f"``{t}``" for t in targets),
    )
    return _finish(
        frame,
        targets,
        descr=descr,
        return_X_y=return_X_y,
        as_frame=as_frame,
        extra={"mp_id": frame["mp_id"].to_numpy(dtype=object)},
    )


# --------------------------------------------------------------------------------------------
# Matbench
# --------------------------------------------------------------------------------------------
_MATBENCH_DESCR = """\
{task} (Matbench v0.1, composition only)
{underline}

{n} samples. Target ``{target}``: {meaning}. Task: {task_type}.

Input: the ``composition`` column (formula string). For the structure tasks of Matbench the
crystal structure is not included here, so this is the composition-only version of the task.

Official split: 5 folds; row ``i`` is in the test set of fold ``test_fold[i]`` and in the
training set of the other four. ``folds`` lists the ``(train_idx, test_idx)`` pairs and ``cv``
is the equivalent :class:`~sklearn.model_selection.PredefinedSplit`; both can be passed as
``cv=`` to :func:`~sklearn.model_selection.cross_validate`. Matbench built it with
``{splitter}(n_splits=5, shuffle=True, random_state=18012019)``.

Source file: {path}
{origin}
Reference: A. Dunn, Q. Wang, A. Ganose, D. Dopp, A. Jain, "Benchmarking materials property
prediction methods: the Matbench test set and Automatminer reference algorithm",
npj Comput. Mater. 6, 138 (2020), doi:10.1038/s41524-020-00406-3.
"""


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
    if path.is_file():
        frame = pd.read_csv(path, **_CSV_KWARGS)
        origin = "Read from a local copy of materialsproject/matbench data."
    else:
        help_text = (
            f"Matbench file not found: {path}. Put '{task}.csv.gz' (columns mbid, composition, "
            f"'{target}', test_fold) in {home}, pass data_home=, or set the environment "
            f"variable {DATA_HOME_ENV} to its folder. The data are published at "
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
        origin = "Downloaded with matminer.datasets.load_dataset and cached."
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
    descr = _MATBENCH_DESCR.format(
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


# --------------------------------------------------------------------------------------------
# OQMD
# --------------------------------------------------------------------------------------------
_OQMD_DESCR = """\
OQMD formation enthalpies
=========================

{n} compositions from the Open Quantum Materials Database (DFT), one row per formula, with
their formation enthalpy in eV/atom (target ``{target}``) and a fixed random
train/validation/test split in the ``split`` column ({split_counts}).

{dropped}

This is the big-data task of the IRNet papers (Jha et al., KDD 2019), which used about 341k OQMD
compositions; the file read here is the copy redistributed with the Roost/CrabNet work, of
about the same size but not the identical filtered set of the paper.

Source file: {path}

References: J. E. Saal, S. Kirklin, M. Aykol, B. Meredig, C. Wolverton, JOM 65, 1501 (2013);
S. Kirklin et al., npj Comput. Mater. 1, 15010 (2015). OQMD data are CC-BY-4.0.
"""


def load_oqmd_formation_enthalpy(
    path: str | os.PathLike[str] | None = None,
    *,
    max_abs_enthalpy: float | None = 5.0,
    return_X_y: bool = False,
    as_frame: bool = False,
) -> Bunch | tuple[Any, Any]:
    """Load the OQMD formation enthalpies (341,700 compositions) and drop unphysical rows.

    ================  ====================================================
    Samples           341700 in the file, 341614 after the default filter
    Features          1 (``composition``, formula)
    Target            formation enthalpy, eV/atom (DFT)
    Task              regression
    ================  ====================================================

    The file holds the columns ``formula``, the target and ``split`` (``"train"``, ``"val"``,
    ``"test"``). About 86 rows have an absolute formation enthalpy above 5 eV/atom, far outside
    the physical range; they are dropped, as in the literature, and their number is logged and
    stored in ``n_dropped`` and ``DESCR``.

    Parameters
    ----------
    path : str or path-like, default=None
        The ``oqmd_formation_enthalpy.csv.gz`` file. Default:
        ``get_data_home() / "oqmd_formation_enthalpy.csv.gz"``.
    max_abs_enthalpy : float or None, default=5.0
        Rows whose absolute target exceeds this value (eV/atom) are dropped; None keeps all.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a DataFrame with a ``composition`` column, ``target`` a Series and
        ``frame`` the table with its ``split`` column.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With attributes ``data``, ``target``, ``frame``, ``feature_names``, ``target_names``,
        ``DESCR``, ``split`` (object array of ``"train"``/``"val"``/``"test"``, aligned with
        ``data``) and ``n_dropped``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file lacks the expected columns or ``max_abs_enthalpy`` is not positive.

    Examples
    --------
    Requires the data file::

        bunch = load_oqmd_formation_enthalpy("path/to/oqmd_formation_enthalpy.csv.gz")
        train = bunch.split == "train"
        model.fit(bunch.data[train], bunch.target[train])
    """
    if max_abs_enthalpy is not None and not max_abs_enthalpy > 0:
        raise ValueError(f"max_abs_enthalpy must be positive or None, got {max_abs_enthalpy!r}.")
    file = Path(path).expanduser() if path is not None else get_data_home() / _OQMD_FILENAME
    if not file.is_file():
        raise FileNotFoundError(
            f"OQMD file not found: {file}. Put '{_OQMD_FILENAME}' (columns formula, "
            "formation_enthalpy_eV_per_atom, split) there, pass its path, or set the "
            f"environment variable {DATA_HOME_ENV} to its folder. It is the OQMD formation "
            "enthalpy set distributed with the Roost/CrabNet projects "
            "(crabnet package data, MIT licence)."
        )
    raw = pd.read_csv(file, **_CSV_KWARGS)
    others = [c for c in raw.columns if c not in ("formula", "split")]
    if "formula" not in raw.columns or "split" not in raw.columns or len(others) != 1:
        raise ValueError(
            f"{file} must have the columns formula, <target>, split; found {list(raw.columns)}."
        )
    target_name = others[0]
    frame = pd.DataFrame(
        {
            "composition": raw["formula"].astype(str).astype(object),
            target_name: raw[target_name].astype(float),
            "split": raw["split"].astype(str).astype(object),
        }
    )
    n_total = len(frame)
    if max_abs_enthalpy is not None:
        keep = frame[target_name].abs().le(max_abs_enthalpy).to_numpy()
        frame = frame.loc[keep].reset_index(drop=True)
    n_dropped = n_total - len(frame)
    if max_abs_enthalpy is None:
        dropped = "No rows were dropped (max_abs_enthalpy=None)."
    else:
        dropped = (
            f"{n_dropped} of {n_total} rows with |formation enthalpy| > {max_abs_enthalpy:g} "
            "eV/atom were dropped as unphysical."
        )
    logger.info("load_oqmd_formation_enthalpy: %s", dropped)
    counts = frame["split"].value_counts()
    order = [s for s in ("train", "val", "test") if s in counts.index]
    order += [s for s in counts.index if s not in order]
    split_counts = ", ".join(f"{name} {counts[name]}" for name in order)
    descr = _OQMD_DESCR.format(
        n=len(frame), target=target_name, split_counts=split_counts, dropped=dropped, path=file
    )
    return _finish(
        frame,
        [target_name],
        descr=descr,
        return_X_y=return_X_y,
        as_frame=as_frame,
        extra={"split": frame["split"].to_numpy(dtype=object), "n_dropped": n_dropped},
    )


# --------------------------------------------------------------------------------------------
# any dataset by name: the built-in ones, Matbench tasks, CSV files
# --------------------------------------------------------------------------------------------
#: Names :func:`load_dataset` accepts besides ``matbench_*`` tasks and CSV paths.
BUILTIN_DATASETS: tuple[str, ...] = ("expt_formation_enthalpy", "mp_transport", "oqmd")


def formula_groups(formulas: Sequence[Any]) -> np.ndarray:
    """Group label of each formula: equal for formulas of the same composition.

    Formulas are compared by their element fractions, so ``"NaCl"``, ``"ClNa"`` and
    ``"Na2Cl2"`` share a group: their composition features are identical, so they must not
    straddle the training and test sets of a fold. A formula that cannot be parsed is
    grouped with the identical strings only.

    Parameters
    ----------
    formulas : sequence of str
        Chemical formulas, one per row.

    Returns
    -------
    groups : ndarray of int, shape (n_rows,)
        Labels ``0, 1, ...`` in order of first appearance; pass them as ``groups`` to a
        group-aware splitter such as :class:`~sklearn.model_selection.GroupKFold`.

    Examples
    --------
    >>> formula_groups(["NaCl", "MgO", "Na2Cl2", "ClNa", "Xx"])
    array([0, 1, 0, 0, 2])
    """
    from .featurize._parse import FormulaError, parse_entries

    unique, inverse = parse_entries(np.asarray(formulas, dtype=object).reshape(-1))
    keys: list[Any] = []
    for position, parsed in enumerate(unique):
        if isinstance(parsed, FormulaError):
            keys.append(("<unparsed>", position))
            continue
        total = sum(parsed.amounts)
        fractions = [round(amount / total, 10) for amount in parsed.amounts]
        keys.append(tuple(sorted(zip(parsed.z, fractions, strict=True))))
    codes, _ = pd.factorize(pd.Series(keys, dtype=object))
    return codes[inverse].astype(np.int64)


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

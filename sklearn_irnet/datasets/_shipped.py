"""The two datasets that ship inside installed dependencies: experimental formation
enthalpies (pymatgen) and the Materials Project transport database (matminer)."""

from __future__ import annotations

import gzip
import json
import tarfile
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sklearn.utils import Bunch

from ._home import _CSV_KWARGS, _finish, _n_atoms, _package_dir, description

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
    descr = description("expt_formation_enthalpy").format(
        n=len(frame),
        lo=frame[target_name].min(),
        hi=frame[target_name].max(),
        n_unc=int(frame["uncertainty_eV_per_fu"].isna().sum()),
        n_mpid=int(frame["mpid"].isna().sum()),
        max_atoms=n_atoms.max(),
    )
    return _finish(frame, [target_name], descr=descr, return_X_y=return_X_y, as_frame=as_frame)




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
    descr = description("mp_transport").format(
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

"""The OQMD formation enthalpies of the IRNet papers, from a data folder."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.utils import Bunch

from ._home import _CSV_KWARGS, DATA_HOME_ENV, _finish, description, get_data_home

logger = logging.getLogger("sklearn_irnet.datasets")

_OQMD_FILENAME = "oqmd_formation_enthalpy.csv.gz"




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
    descr = description("oqmd").format(
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

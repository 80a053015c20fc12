"""Where the data files live, and what every loader shares: reading the CSV files, the
Bunch of a loader."""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

#: Environment variable that overrides the default data folder.
DATA_HOME_ENV = "SKLEARN_IRNET_DATA"

# ``keep_default_na=False`` keeps the formula "NaN" (sodium nitride) as a string.
_CSV_KWARGS: dict[str, Any] = {"keep_default_na": False, "na_values": [""]}

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



def description(name: str) -> str:
    """The long description of a dataset, kept in ``descr/<name>.rst`` beside the loaders."""
    return (Path(__file__).parent / "descr" / f"{name}.rst").read_text()

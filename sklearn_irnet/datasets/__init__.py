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

:func:`load_dataset` loads any of them, a Matbench task or a CSV file by name, as formulas,
a numeric target, composition groups and (Matbench) the official folds.
"""

from ._by_name import BUILTIN_DATASETS, FormulaDataset, load_dataset
from ._home import DATA_HOME_ENV, get_data_home
from ._matbench import MATBENCH_RANDOM_STATE, MATBENCH_TASKS, load_matbench, matbench_test_fold
from ._oqmd import load_oqmd_formation_enthalpy
from ._shipped import MP_TRANSPORT_TARGETS, load_expt_formation_enthalpy, load_mp_transport

__all__ = [
    "BUILTIN_DATASETS",
    "DATA_HOME_ENV",
    "FormulaDataset",
    "MATBENCH_RANDOM_STATE",
    "MATBENCH_TASKS",
    "MP_TRANSPORT_TARGETS",
    "get_data_home",
    "load_dataset",
    "load_expt_formation_enthalpy",
    "load_matbench",
    "load_mp_transport",
    "load_oqmd_formation_enthalpy",
    "matbench_test_fold",
]

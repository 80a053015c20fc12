"""Tests of the dataset loaders on the real files."""

from __future__ import annotations

import gzip
import json
import logging
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.model_selection import cross_validate

from sklearn_irnet import datasets
from sklearn_irnet.datasets import (
    MATBENCH_TASKS,
    MP_TRANSPORT_TARGETS,
    get_data_home,
    load_expt_formation_enthalpy,
    load_matbench,
    load_mp_transport,
    load_oqmd_formation_enthalpy,
    matbench_test_fold,
)
from sklearn_irnet.featurize import formula_groups

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
MATBENCH_DIR = SHARED_DATA / "matbench"
OQMD_FILE = SHARED_DATA / "oqmd" / "oqmd_formation_enthalpy.csv.gz"
CSV_KWARGS = {"keep_default_na": False, "na_values": [""]}

needs_matbench = pytest.mark.skipif(
    not MATBENCH_DIR.is_dir(),
    reason=f"shared Matbench files not found at {MATBENCH_DIR} (only present in the dev setup)",
)
needs_oqmd = pytest.mark.skipif(
    not OQMD_FILE.is_file(),
    reason=f"shared OQMD file not found at {OQMD_FILE} (only present in the dev setup)",
)


# ------------------------------------------------------------------------------------------
# get_data_home
# ------------------------------------------------------------------------------------------
def test_get_data_home_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("SKLEARN_IRNET_DATA", raising=False)
    assert get_data_home() == Path("~/sklearn_irnet_data").expanduser()
    monkeypatch.setenv("SKLEARN_IRNET_DATA", str(tmp_path / "env"))
    assert get_data_home() == tmp_path / "env"
    assert get_data_home(tmp_path / "explicit") == tmp_path / "explicit"


# ------------------------------------------------------------------------------------------
# experimental formation enthalpies (pymatgen)
# ------------------------------------------------------------------------------------------
def _raw_expt_records():
    import pymatgen

    path = Path(pymatgen.__path__[0]) / "analysis" / "compatibility" / "exp_compounds.json.gz"
    with gzip.open(path, "rt") as fh:
        return {rec["formula"]: rec for rec in json.load(fh)}


def test_expt_formation_enthalpy_bunch():
    bunch = load_expt_formation_enthalpy()
    assert bunch.data.shape == (2135,)
    assert bunch.data.dtype == object
    assert bunch.target.shape == (2135,)
    assert bunch.target.dtype == np.float64
    assert np.isfinite(bunch.target).all()
    assert bunch.frame is None
    assert bunch.feature_names == ["composition"]
    assert bunch.target_names == ["formation_enthalpy_eV_per_atom"]
    assert "Sci. Rep. 11, 15496" in bunch.DESCR
    assert len(set(bunch.data)) == 2135


@pytest.mark.parametrize(
    ("formula", "n_atoms"),
    [("MgO", 2), ("Al2O3", 5), ("Fe2O3", 5), ("ZnO", 2), ("Ag2CO3", 6)],
)
def test_expt_formation_enthalpy_against_raw_file(formula, n_atoms):
    raw = _raw_expt_records()[formula]
    frame = load_expt_formation_enthalpy(as_frame=True).frame.set_index("composition")
    row = frame.loc[formula]
    assert row["n_atoms"] == n_atoms
    assert row["formation_enthalpy_eV_per_fu"] == raw["exp energy"]
    assert row["formation_enthalpy_eV_per_atom"] == pytest.approx(raw["exp energy"] / n_atoms)
    assert row["mpid"] == raw["mpid"]


def test_expt_formation_enthalpy_known_value():
    # MgO: -601.6 kJ/mol = -6.235 eV per formula unit, two atoms.
    X, y = load_expt_formation_enthalpy(return_X_y=True)
    assert y[list(X).index("MgO")] == pytest.approx(-6.235 / 2)


def test_expt_formation_enthalpy_as_frame():
    X, y = load_expt_formation_enthalpy(return_X_y=True, as_frame=True)
    assert isinstance(X, pd.DataFrame)
    assert list(X.columns) == ["composition"]
    assert isinstance(y, pd.Series)
    assert y.name == "formation_enthalpy_eV_per_atom"
    frame = load_expt_formation_enthalpy(as_frame=True).frame
    assert {"uncertainty_eV_per_fu", "mpid", "n_atoms"} <= set(frame.columns)
    assert frame["uncertainty_eV_per_fu"].isna().sum() == 301


# ------------------------------------------------------------------------------------------
# transport (matminer)
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def transport_frame():
    return load_mp_transport(as_frame=True).frame


@pytest.mark.slow
def test_mp_transport_default(transport_frame):
    X, y = load_mp_transport(return_X_y=True)
    assert X.shape == y.shape == (47737,)
    assert X.dtype == object
    assert np.isfinite(y).all()
    assert list(transport_frame.columns) == ["composition", *MP_TRANSPORT_TARGETS, "mp_id"]
    row = transport_frame.set_index("mp_id").loc["mp-1000"]
    assert row["composition"] == "BaTe"
    assert row["S_p"] == pytest.approx(545.90221)
    # Na3N is among the formulas; no formula is read as a missing value
    assert transport_frame["composition"].map(type).eq(str).all()
    assert "Na3N" in set(transport_frame["composition"])


@pytest.mark.slow
def test_mp_transport_matches_archive(transport_frame):
    import matminer

    path = Path(matminer.__path__[0]) / "utils/data_files/mp_transport/transport_database.tar.xz"
    with tarfile.open(path, "r:xz") as archive:
        raw = pd.read_csv(archive.extractfile("transport_database.csv"), **CSV_KWARGS)
    np.testing.assert_array_equal(raw["pretty_formula"], transport_frame["composition"])
    np.testing.assert_array_equal(raw["kappa_n"], transport_frame["kappa_n"])


@pytest.mark.slow
def test_mp_transport_targets():
    bunch = load_mp_transport(target=("sigma_p", "PF_n"))
    assert bunch.target.shape == (47737, 2)
    assert bunch.target_names == ["sigma_p", "PF_n"]
    assert bunch.mp_id.shape == (47737,)
    assert "S_p" in load_mp_transport().DESCR
    with pytest.raises(ValueError, match="choose from"):
        load_mp_transport(target="seebeck")
    with pytest.raises(ValueError, match="choose from"):
        load_mp_transport(target=[])


# ------------------------------------------------------------------------------------------
# Matbench
# ------------------------------------------------------------------------------------------
def test_matbench_invalid_task():
    with pytest.raises(ValueError, match="matbench_expt_gap"):
        load_matbench("matbench_bandgap", data_home="/nonexistent")
    with pytest.raises(TypeError):
        load_matbench(3)


def test_matbench_missing_file_offline(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match=str(tmp_path)) as info:
        load_matbench("matbench_steels", data_home=tmp_path, download_if_missing=False)
    assert "ml.materialsproject.org" in str(info.value)
    monkeypatch.setattr(datasets._matbench, "_is_online", lambda *a, **k: False)
    with pytest.raises(FileNotFoundError, match="not reachable"):
        load_matbench("steels", data_home=tmp_path)


@pytest.mark.parametrize("task", ["matbench_jdft2d", "matbench_expt_is_metal"])
def test_matbench_download_fallback(tmp_path, monkeypatch, task):
    """Without the file, the task comes from matminer and is cached with the official folds."""
    import matminer.datasets
    from pymatgen.core import Lattice, Structure

    n = 12
    target = MATBENCH_TASKS[task]
    if task == "matbench_jdft2d":  # a structure task
        nacl = Structure(Lattice.cubic(4.0), ["Na", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]])
        raw = pd.DataFrame({"structure": [nacl] * n, target: np.linspace(0, 1, n)})
        formula = "Na1 Cl1"
    else:  # a composition task
        raw = pd.DataFrame({"composition": ["NaN"] * n, target: [True, False] * (n // 2)})
        formula = "NaN"
    calls = []

    def fake_load_dataset(name, data_home=None, **kwargs):
        calls.append((name, data_home))
        return raw

    monkeypatch.setattr(datasets._matbench, "_is_online", lambda *a, **k: True)
    monkeypatch.setattr(matminer.datasets, "load_dataset", fake_load_dataset)
    bunch = load_matbench(task, data_home=tmp_path)
    assert calls == [(task, str(tmp_path))]
    assert list(bunch.data) == [formula] * n
    np.testing.assert_array_equal(
        bunch.test_fold,
        matbench_test_fold(raw[target], classification=bunch.task_type == "classification"),
    )
    stem = task.removeprefix("matbench_").replace("_", "-")
    assert bunch.mbid[0] == f"mb-{stem}-01"
    assert "Downloaded" in bunch.DESCR
    # cached: the next call reads the file, offline
    assert (tmp_path / f"{task}.csv.gz").is_file()
    monkeypatch.setattr(datasets._matbench, "_is_online", lambda *a, **k: False)
    again = load_matbench(task, data_home=tmp_path, download_if_missing=False)
    np.testing.assert_array_equal(again.data, bunch.data)
    if bunch.task_type == "classification":
        np.testing.assert_array_equal(again.target, bunch.target)
    else:  # the CSV round trip may change the last digit
        np.testing.assert_allclose(again.target, bunch.target, rtol=1e-15)
    np.testing.assert_array_equal(again.test_fold, bunch.test_fold)
    assert len(calls) == 1


def test_matbench_test_fold_is_kfold():
    from sklearn.model_selection import KFold

    expected = np.empty(23, dtype=int)
    splits = KFold(5, shuffle=True, random_state=18012019).split(np.zeros(23))
    for fold, (_, test) in enumerate(splits):
        expected[test] = fold
    np.testing.assert_array_equal(matbench_test_fold(np.zeros(23)), expected)


@pytest.mark.slow
@needs_matbench
@pytest.mark.parametrize("task", sorted(MATBENCH_TASKS))
def test_matbench_task(task):
    bunch = load_matbench(task, data_home=MATBENCH_DIR)
    raw = pd.read_csv(MATBENCH_DIR / f"{task}.csv.gz", **CSV_KWARGS)
    n = len(raw)
    assert bunch.data.shape == bunch.target.shape == (n,)
    assert bunch.feature_names == ["composition"]
    assert bunch.target_names == [MATBENCH_TASKS[task]]
    np.testing.assert_array_equal(bunch.data, raw["composition"].astype(str))
    np.testing.assert_array_equal(bunch.test_fold, raw["test_fold"])
    # the published folds are reproduced exactly by our computation of Matbench's split
    classification = bunch.task_type == "classification"
    np.testing.assert_array_equal(
        matbench_test_fold(bunch.target, classification=classification), raw["test_fold"]
    )
    assert len(bunch.folds) == 5
    tested = np.concatenate([test for _, test in bunch.folds])
    np.testing.assert_array_equal(np.sort(tested), np.arange(n))
    for fold, (train, test) in enumerate(bunch.folds):
        assert (bunch.test_fold[test] == fold).all()
        assert (bunch.test_fold[train] != fold).all()
    if classification:
        assert bunch.target.dtype == bool
    else:
        assert np.issubdtype(bunch.target.dtype, np.floating)
    assert task in bunch.DESCR


@pytest.mark.slow
@needs_matbench
def test_matbench_sodium_nitride_survives():
    frame = load_matbench("mp_e_form", data_home=MATBENCH_DIR, as_frame=True).frame
    assert frame["composition"].notna().all()
    row = frame.set_index("mbid").loc["mb-mp-e-form-000944"]
    assert row["composition"] == "Na1 N1"


@needs_matbench
@pytest.mark.parametrize("task", ["matbench_steels", "matbench_glass"])
def test_matbench_folds_usable_as_cv(task):
    bunch = load_matbench(task, data_home=MATBENCH_DIR)
    X = np.zeros((len(bunch.target), 1))
    model = DummyClassifier() if bunch.task_type == "classification" else DummyRegressor()
    for cv in (bunch.folds, bunch.cv):
        res = cross_validate(model, X, bunch.target, cv=cv, return_indices=True)
        assert len(res["test_score"]) == 5
        for got, (_, test) in zip(res["indices"]["test"], bunch.folds, strict=True):
            np.testing.assert_array_equal(got, test)


@needs_matbench
def test_matbench_as_frame_and_env(monkeypatch):
    monkeypatch.setenv("SKLEARN_IRNET_DATA", str(MATBENCH_DIR))
    X, y = load_matbench("expt_gap", return_X_y=True, as_frame=True)
    assert list(X.columns) == ["composition"]
    assert y.name == "gap expt"
    assert len(X) == 4604


@needs_matbench
@pytest.mark.parametrize("task", ["matbench_jdft2d", "matbench_expt_is_metal"])
def test_matbench_file_without_test_fold(tmp_path, task):
    raw = pd.read_csv(MATBENCH_DIR / f"{task}.csv.gz", **CSV_KWARGS)
    raw.drop(columns="test_fold").to_csv(tmp_path / f"{task}.csv.gz", index=False)
    bunch = load_matbench(task, data_home=tmp_path, download_if_missing=False)
    np.testing.assert_array_equal(bunch.test_fold, raw["test_fold"])


# ------------------------------------------------------------------------------------------
# OQMD
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def oqmd():
    if not OQMD_FILE.is_file():
        pytest.skip(f"shared OQMD file not found at {OQMD_FILE} (only present in the dev setup)")
    return load_oqmd_formation_enthalpy(OQMD_FILE, as_frame=True)


@pytest.mark.slow
def test_oqmd_drops_unphysical_rows(oqmd):
    assert oqmd.n_dropped == 86
    assert len(oqmd.data) == len(oqmd.target) == len(oqmd.split) == 341700 - 86
    assert oqmd.target.abs().max() <= 5.0
    assert "86 of 341700 rows" in oqmd.DESCR
    assert oqmd.target_names == ["formation_enthalpy_eV_per_atom"]
    assert list(oqmd.frame.columns) == ["composition", "formation_enthalpy_eV_per_atom", "split"]
    assert set(oqmd.split) == {"train", "val", "test"}
    np.testing.assert_array_equal(oqmd.split, oqmd.frame["split"])
    assert oqmd.frame["composition"].map(type).eq(str).all()
    assert {"N1Na1", "N1Na3"} <= set(oqmd.data["composition"])


@pytest.mark.slow
def test_oqmd_split_counts(oqmd):
    counts = pd.Series(oqmd.split).value_counts()
    # 69/13/4 of the unphysical rows sit in train/val/test
    assert counts.to_dict() == {"train": 239190 - 69, "val": 51255 - 13, "test": 51255 - 4}


@pytest.mark.slow
@needs_oqmd
def test_oqmd_keep_all_and_numpy_output(caplog):
    with caplog.at_level(logging.INFO, logger="sklearn_irnet.datasets"):
        X, y = load_oqmd_formation_enthalpy(OQMD_FILE, max_abs_enthalpy=None, return_X_y=True)
    assert X.shape == y.shape == (341700,)
    assert X.dtype == object
    assert "No rows were dropped" in caplog.text


def test_oqmd_small_file(tmp_path, caplog):
    path = tmp_path / "oqmd.csv.gz"
    pd.DataFrame(
        {
            "formula": ["NaN", "Fe2O3", "NA", "Xe1", "H2O1"],
            "formation_enthalpy_eV_per_atom": [0.2, -1.7, 0.1, 40.0, -6.0],
            "split": ["train", "val", "test", "train", "train"],
        }
    ).to_csv(path, index=False)
    with caplog.at_level(logging.INFO, logger="sklearn_irnet.datasets"):
        bunch = load_oqmd_formation_enthalpy(path)
    assert list(bunch.data) == ["NaN", "Fe2O3", "NA"]
    assert bunch.n_dropped == 2
    assert "2 of 5 rows" in caplog.text
    assert list(bunch.split) == ["train", "val", "test"]
    bunch = load_oqmd_formation_enthalpy(path, max_abs_enthalpy=10.0)
    assert bunch.n_dropped == 1


def test_oqmd_errors(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere.csv.gz"
    with pytest.raises(FileNotFoundError, match="nowhere.csv.gz"):
        load_oqmd_formation_enthalpy(missing)
    monkeypatch.setenv("SKLEARN_IRNET_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="oqmd_formation_enthalpy.csv.gz"):
        load_oqmd_formation_enthalpy()
    with pytest.raises(ValueError, match="positive"):
        load_oqmd_formation_enthalpy(missing, max_abs_enthalpy=0)
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"formula": ["Fe"], "a": [0.0], "b": [1.0]}).to_csv(bad, index=False)
    with pytest.raises(ValueError, match="formula, <target>, split"):
        load_oqmd_formation_enthalpy(bad)


# --------------------------------------------------------------------------------------------
# load_dataset: any dataset by name, with its composition groups
# --------------------------------------------------------------------------------------------
def test_formula_groups_compare_compositions():
    groups = formula_groups(["NaCl", "MgO", "ClNa", "Na2Cl2", "Xx", "Xx", "Na Cl"])
    assert groups.tolist() == [0, 1, 0, 0, 2, 2, 0]


@pytest.mark.slow
def test_load_dataset_names_repeated_formulas():
    transport = datasets.load_dataset("mp_transport")
    assert len(transport) == 47737 and transport.target_label == "S_p"
    # polymorphs: 18,254 rows share their formula with another row
    assert transport.repeated_formulas and transport.n_sharing_formula == 18254
    # 34,631 distinct strings, 34,630 compositions: "F" and "F2" are both fluorine
    assert transport.formulas.nunique() == 34631 and len(np.unique(transport.groups)) == 34630
    fluorine = transport.groups[transport.formulas.isin(["F", "F2"]).to_numpy()]
    assert len(fluorine) == 4 and len(set(fluorine)) == 1
    expt = datasets.load_dataset("expt_formation_enthalpy")
    assert not expt.repeated_formulas and expt.test_fold is None
    subset = transport.sample(1000, random_state=1)
    assert len(subset) == 1000 and subset.formulas.index.is_monotonic_increasing
    np.testing.assert_array_equal(subset.groups, transport.groups[subset.formulas.index])


def test_load_dataset_csv_and_its_errors(tmp_path):
    csv = tmp_path / "d.csv"
    csv.write_text("formula,gap,note\nNaN,1.5,sodium nitride\nNaCl,2,x\nClNa,abc,y\n")
    with pytest.raises(ValueError, match=r"1 non-numeric or missing value\(s\) \(row 2: 'abc'\)"):
        datasets.load_dataset(csv, target_col="gap")
    csv.write_text("formula,gap\nNaN,1.5\nNaCl,2\nClNa,3\n")
    data = datasets.load_dataset(csv, target_col="gap")
    assert data.formulas.tolist() == ["NaN", "NaCl", "ClNa"]
    assert data.target.tolist() == [1.5, 2.0, 3.0] and data.n_sharing_formula == 2
    with pytest.raises(ValueError, match=r"target column 'y' not in d.csv; columns are"):
        datasets.load_dataset(csv, target_col="y")
    with pytest.raises(ValueError, match=r"formula column 'comp' not in d.csv"):
        datasets.load_dataset(csv, formula_col="comp", target_col="gap")
    with pytest.raises(ValueError, match="neither a built-in dataset"):
        datasets.load_dataset(tmp_path / "absent.csv", target_col="gap")


@needs_matbench
def test_load_dataset_matbench_keeps_the_official_folds():
    data = datasets.load_dataset("matbench_steels", data_home=MATBENCH_DIR)
    assert len(data) == 312 and data.target_label == "yield strength"
    assert sorted(np.unique(data.test_fold)) == [0, 1, 2, 3, 4]

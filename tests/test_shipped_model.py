"""The pre-trained networks shipped inside the package: they load with no data folder,
match their checksums and training records, and predict what they were trained on (the
OQMD network DFT formation enthalpies, the Materials Project one PBE band gaps)."""

import hashlib
import json
import shutil

import numpy as np
import pytest

from sklearn_irnet import IRNetRegressor, pretrained
from sklearn_irnet.featurize import MagpieFeaturizer
from sklearn_irnet.pretrained import available_models, load_pretrained

NAME = "oqmd-irnet17"
GAP_NAME = "mp-gap-irnet17"
E_FORM_NAME = "mp-e-form-irnet17"
SHIPPED = {NAME: "test_mae_ev_per_atom", GAP_NAME: "test_mae_ev",  # name -> test-MAE key
           E_FORM_NAME: "test_mae_ev_per_atom"}

# OQMD formation enthalpies (eV/atom) of common compounds, from the training rows of the
# data file the network was trained on (../shared/data/oqmd, "train" and "val" rows)
OQMD_VALUES = {"NaCl": -2.0506, "LiF": -3.1499, "CaO": -3.1959, "TiO2": -3.2426,
               "GaAs": -0.3529, "Al2O3": -3.2651, "MgO": -2.9463, "SiO2": -3.0736,
               "ZnO": -1.6489}

# PBE band gaps (eV) of the Materials Project formulas the gap network was trained on
# (../shared/data/matbench/matbench_mp_gap, median over polymorphs; none of its test rows)
MP_GAPS = {"NaCl": 4.694, "LiF": 8.097, "Si": 1.137, "TiO2": 2.316, "Al2O3": 4.455,
           "CaO": 3.378, "SiO2": 5.601}
MP_METALS = ["Cu", "Al", "Fe", "Cu3Au"]  # gap 0 in the same data
# Materials Project formation energies (eV/atom) of formulas the formation-energy network
# was trained on (matbench_mp_e_form, lowest over polymorphs; none of its test rows)
MP_E_FORM = {"NaCl": -2.1049, "LiF": -3.1809, "CaO": -3.3117, "TiO2": -3.5188,
             "GaAs": -0.3472, "Al2O3": -3.4421, "SiO2": -3.2847, "ZnO": -1.7973}


@pytest.fixture(scope="module")
def entry():
    models = available_models()
    assert NAME in models, f"{NAME} is not in the catalogue {pretrained.CATALOGUE}"
    return models[NAME]


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_file_checksum_size_and_precision(name):
    entry = available_models()[name]
    path = pretrained.MODELS_DIR / entry["file"]
    content = path.read_bytes()
    assert hashlib.sha256(content).hexdigest() == entry["sha256"]
    assert len(content) == entry["bytes"] <= 25 * 2**20
    assert entry["weights_dtype"] == "float16"
    mae = entry[SHIPPED[name]]
    assert abs(mae["float16"] / mae["float32"] - 1) < 0.01


def test_gap_network_record_names_its_data_licence_and_held_out_rows():
    entry = available_models()[GAP_NAME]
    training = entry["training"]
    assert "pretrain_mp.py --task matbench_mp_gap" in training["command"]
    assert training["rows"] == {"train_and_validation": 70348, "validation_share": 0.1,
                                "test_never_seen": 7816}
    assert entry["target"].startswith("band gap (eV)")
    assert "CC BY 4.0" in entry["data"]["licence"]
    assert any("Jain" in ref for ref in entry["data"]["citation"])
    assert entry["test_mae_ev"]["float32"] < 0.3


def test_formation_energy_network_record_and_predictions():
    entry = available_models()[E_FORM_NAME]
    training = entry["training"]
    assert "pretrain_mp.py --task matbench_mp_e_form" in training["command"]
    assert training["rows"]["test_never_seen"] == 9512
    assert entry["data"]["copy_used"].startswith("matbench_mp_e_form")
    assert "lowest" in entry["data"]["copy_used"]  # the ground-state polymorph
    model = load_pretrained(E_FORM_NAME)
    featurizer = MagpieFeaturizer(column=None)
    predicted = model.predict(featurizer.fit_transform(list(MP_E_FORM)))
    reference = np.array(list(MP_E_FORM.values()))
    assert np.abs(predicted - reference).max() < 0.1, dict(zip(MP_E_FORM, predicted,
                                                               strict=True))
    # elements have no formation energy
    assert np.abs(model.predict(featurizer.fit_transform(["Cu", "Fe"]))).max() < 0.05


def test_gap_network_predicts_pbe_band_gaps_and_metals():
    model = load_pretrained(GAP_NAME)
    featurizer = MagpieFeaturizer(column=None)
    predicted = model.predict(featurizer.fit_transform(list(MP_GAPS)))
    reference = np.array(list(MP_GAPS.values()))
    # within 0.2 eV or 10 % of the PBE gap, whichever is larger
    assert (np.abs(predicted - reference) <= np.maximum(0.2, 0.1 * reference)).all(), dict(
        zip(MP_GAPS, predicted, strict=True))
    assert np.abs(model.predict(featurizer.fit_transform(MP_METALS))).max() < 0.1


def test_training_record_names_data_licence_and_clean_test_rows(entry):
    training = entry["training"]
    assert "oqmd_time_to_accuracy.py" in training["command"]
    assert "--split paper" not in training["command"]  # the file's own split
    assert training["rows"]["test_never_seen"] == 51251
    assert training["rows"]["train_and_validation"] == 290363
    assert "CC BY 4.0" in entry["data"]["licence"]
    assert any("Saal" in ref for ref in entry["data"]["citation"])
    assert entry["architecture"].startswith("1024BARx4-512BARx3")


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_recorded_recipe_rebuilds_the_estimator_without_run_only_settings(name):
    entry = available_models()[name]
    recipe = entry["training"]["estimator_params"]
    run_only = {"callbacks", "checkpoint_dir", "data_parallel", "device", "n_threads",
                "verbose"}
    # what varies from run to run (paths, callbacks, threads, device) is left out ...
    assert not run_only & set(recipe)
    # ... everything else is a parameter a user can pass to retrain the network ...
    rebuilt = IRNetRegressor(**recipe)
    assert rebuilt.get_params()["architecture"] == "irnet17"
    assert rebuilt.get_params()["max_iter"] == entry["training"]["epochs"]
    # ... and it is the recipe of the shipped file itself
    shipped = load_pretrained(name).get_params()
    assert recipe == {key: value for key, value in shipped.items()
                      if key not in run_only and key in recipe}
    # a parameter added after the file was made is absent from its recipe and at its
    # default (the network was trained without it)
    defaults = IRNetRegressor().get_params()
    added_later = {key for key in set(shipped) - set(recipe) - run_only
                   if shipped[key] == defaults[key]}
    assert set(shipped) - set(recipe) - added_later <= run_only
    assert added_later <= {"n_members", "numeric_embedding", "embedding_dims"}, added_later


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_features_are_the_magpie_attributes_in_order(name):
    entry = available_models()[name]
    names = MagpieFeaturizer(column=None).fit(["NaCl"]).get_feature_names_out()
    assert entry["features"]["names"] == [str(n) for n in names]
    assert entry["features"]["n_features"] == len(names) == 145


def test_loads_as_a_fitted_model_that_predicts_dft_formation_enthalpies():
    model = load_pretrained(NAME)
    assert isinstance(model, IRNetRegressor) and model.n_features_in_ == 145
    X = MagpieFeaturizer(column=None).fit_transform(list(OQMD_VALUES))
    predicted = model.predict(X)
    reference = np.array(list(OQMD_VALUES.values()))
    assert np.abs(predicted - reference).max() < 0.15, dict(zip(OQMD_VALUES, predicted,
                                                                strict=True))
    # an element has no formation enthalpy
    assert abs(model.predict(MagpieFeaturizer(column=None).fit_transform(["Cu"]))[0]) < 0.15


def test_a_damaged_installation_is_refused(entry, tmp_path, monkeypatch):
    shutil.copy(pretrained.CATALOGUE, tmp_path / "models.json")
    damaged = bytearray((pretrained.MODELS_DIR / entry["file"]).read_bytes())
    damaged[-10] ^= 0xFF
    (tmp_path / entry["file"]).write_bytes(bytes(damaged))
    monkeypatch.setattr(pretrained, "MODELS_DIR", tmp_path)
    monkeypatch.setattr(pretrained, "CATALOGUE", tmp_path / "models.json")
    assert json.loads((tmp_path / "models.json").read_text())[NAME]["file"] == entry["file"]
    with pytest.raises(ValueError, match="does not match its checksum"):
        load_pretrained(NAME)


@pytest.mark.slow
def test_the_wheel_carries_the_model_and_its_catalogue(entry, tmp_path):
    """A regular (non-editable) install gets the file: it is package data of the wheel."""
    import subprocess
    import sys
    import zipfile
    from pathlib import Path

    pytest.importorskip("setuptools")
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--wheel-dir", str(tmp_path), str(root)],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = tmp_path.glob("sklearn_irnet-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        stored = archive.read(f"sklearn_irnet/pretrained/{entry['file']}")
        catalogue = json.loads(archive.read("sklearn_irnet/pretrained/models.json"))
        others = {name: archive.read(f"sklearn_irnet/pretrained/{catalogue[name]['file']}")
                  for name in (GAP_NAME, E_FORM_NAME)}
    assert hashlib.sha256(stored).hexdigest() == catalogue[NAME]["sha256"] == entry["sha256"]
    for name, content in others.items():
        assert hashlib.sha256(content).hexdigest() == catalogue[name]["sha256"]

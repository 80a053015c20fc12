"""Tests of StructureFeaturizer on real structures (few rows: the Voronoi analysis is slow)."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

pytest.importorskip("matminer")
from pymatgen.core import Lattice, Structure  # noqa: E402

from sklearn_irnet.featurize.composition import (  # noqa: E402
    ElementFractionFeaturizer,
    MagpieFeaturizer,
)
from sklearn_irnet.featurize.structure import StructureFeaturizer  # noqa: E402

STRUCTURES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "structures"
CSV_KWARGS = {"comment": "#", "keep_default_na": False, "na_values": [""]}
RANGE_LABELS = ["range CN_VoronoiNN", "range neighbor distance variation"]


def _read(name: str, nrows: int) -> pd.DataFrame:
    path = STRUCTURES / f"{name}.csv.gz"
    if not path.is_file():
        pytest.skip(f"shared structure file {path} not found (only present in the dev setup)")
    return pd.read_csv(path, nrows=nrows, **CSV_KWARGS)


def _small_structures() -> dict[str, Structure]:
    """Tiny textbook crystals: quick to featurize, with known attribute values."""
    nacl = Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(5.69), ["Na", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    ).get_primitive_structure()
    cu = Structure.from_spacegroup("Fm-3m", Lattice.cubic(3.61), ["Cu"], [[0, 0, 0]])
    fe = Structure.from_spacegroup("Im-3m", Lattice.cubic(2.87), ["Fe"], [[0, 0, 0]])
    return {"NaCl": nacl, "Cu": cu, "Fe": fe, "Cu_primitive": cu.get_primitive_structure()}


@pytest.fixture(scope="module")
def small():
    return _small_structures()


@pytest.fixture(scope="module")
def elastic():
    """Three CIF structures of the elastic tensor set, featurized with all 128 attributes."""
    df = _read("mp_elastic_tensor_2015", 3)
    featurizer = StructureFeaturizer(structure_features="matminer")
    features = featurizer.fit_transform(df)
    return df, featurizer, features


# ------------------------------------------------------------------------------------------
# output and agreement with matminer
# ------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_names_and_counts(elastic):
    df, featurizer, features = elastic
    assert features.shape == (3, 145 + 128)
    assert not np.isnan(features).any()
    names = featurizer.get_feature_names_out()
    magpie_names = MagpieFeaturizer().fit(["H2O"]).get_feature_names_out()
    np.testing.assert_array_equal(names[:145], magpie_names)
    assert featurizer.n_composition_features_ == 145
    assert set(RANGE_LABELS) <= set(names)

    ward = StructureFeaturizer().fit(df)
    ward_names = list(ward.get_feature_names_out())
    assert ward.n_features_out_ == len(ward_names) == 271
    assert not set(RANGE_LABELS) & set(ward_names)
    assert ward_names == [n for n in names if n not in RANGE_LABELS]
    assert ward_names[145:150] == [
        "minimum CN_VoronoiNN",
        "maximum CN_VoronoiNN",
        "mean CN_VoronoiNN",
        "avg_dev CN_VoronoiNN",
        "mean absolute deviation in relative bond length",
    ]


@pytest.mark.slow
def test_matches_matminer(elastic):
    from matminer.featurizers.composition import (
        ElementProperty,
        IonProperty,
        Stoichiometry,
        ValenceOrbital,
    )
    from matminer.featurizers.structure import (
        ChemicalOrdering,
        MaximumPackingEfficiency,
        SiteStatsFingerprint,
        StructuralHeterogeneity,
    )

    df, featurizer, features = elastic
    structure_featurizers = [
        SiteStatsFingerprint.from_preset("CoordinationNumber_ward-prb-2017"),
        StructuralHeterogeneity(),
        ChemicalOrdering(),
        MaximumPackingEfficiency(),  # the original, one tessellation per site
        SiteStatsFingerprint.from_preset("LocalPropertyDifference_ward-prb-2017"),
    ]
    composition_featurizers = [
        Stoichiometry(),
        ElementProperty.from_preset("magpie"),
        ValenceOrbital(props=["avg"]),
        IonProperty(fast=True),
    ]
    labels = [
        lab for f in composition_featurizers + structure_featurizers for lab in f.feature_labels()
    ]
    assert labels == list(featurizer.get_feature_names_out())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, cif in enumerate(df["structure"]):
            structure = Structure.from_str(cif, fmt="cif")
            comp = structure.composition
            expected = [v for f in composition_featurizers for v in f.featurize(comp)]
            expected += [v for f in structure_featurizers for v in f.featurize(structure)]
            np.testing.assert_allclose(features[i], expected, rtol=1e-9, atol=1e-12)


@pytest.mark.slow
def test_dropped_ranges_are_redundant(elastic):
    _, featurizer, features = elastic
    frame = pd.DataFrame(features, columns=featurizer.get_feature_names_out())
    for what in ("CN_VoronoiNN", "neighbor distance variation"):
        np.testing.assert_allclose(
            frame[f"range {what}"],
            frame[f"maximum {what}"] - frame[f"minimum {what}"],
            atol=1e-12,
        )


@pytest.mark.slow
def test_known_values(small):
    featurizer = StructureFeaturizer().set_output(transform="pandas")
    out = featurizer.fit_transform(list(small.values()))
    out.index = list(small)
    cn = out["mean CN_VoronoiNN"]
    assert cn["NaCl"] == pytest.approx(6.0)
    assert cn["Cu"] == pytest.approx(12.0)
    packing = out["max packing efficiency"]
    assert packing["Cu"] == pytest.approx(math.pi / (3 * math.sqrt(2)))  # fcc, 0.7405
    assert packing["Fe"] == pytest.approx(math.pi * math.sqrt(3) / 8)  # bcc, 0.6802
    assert out.loc["NaCl", "mean ordering parameter shell 1"] == pytest.approx(1.0)
    assert out.loc["Cu", "mean ordering parameter shell 1"] == 0.0
    # intensive attributes: the conventional and primitive cells of Cu agree
    np.testing.assert_allclose(out.loc["Cu"], out.loc["Cu_primitive"], atol=1e-9)


# ------------------------------------------------------------------------------------------
# inputs
# ------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_input_formats_agree(small):
    nacl = small["NaCl"]
    as_dict = nacl.as_dict()
    inputs = [
        nacl,
        nacl.to(fmt="cif"),
        nacl.to(fmt="poscar"),
        as_dict,
        json.dumps(as_dict),
        repr(as_dict),  # Python-literal text, as in matminer's flla dataset
    ]
    out = StructureFeaturizer().fit_transform(inputs)
    assert out.shape == (len(inputs), 271)
    for row in out[1:]:
        np.testing.assert_allclose(row, out[0], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    ("name", "column"),
    [
        ("mp_flla_2015_formation_energy", "structure"),  # Python-literal dicts
        ("perov5_castelli_val_test", "cif"),
        ("mp_dielectric_constant_2017", "poscar"),
    ],
)
@pytest.mark.slow
def test_real_files(name, column):
    df = _read(name, 2)
    featurizer = StructureFeaturizer(column=column).set_output(transform="pandas")
    out = featurizer.fit_transform(df)
    assert out.shape == (2, 271)
    assert out.index.equals(df.index)
    assert not out.isna().any().any()


@pytest.mark.slow
def test_containers(small):
    nacl = small["NaCl"]
    frame = pd.DataFrame({"id": ["a", "b"], "structure": [nacl, nacl]}, index=[10, 11])
    featurizer = StructureFeaturizer().set_output(transform="pandas")
    out = featurizer.fit_transform(frame)
    assert list(out.index) == [10, 11]
    assert list(out.columns) == list(featurizer.get_feature_names_out())
    reference = out.to_numpy()[0]
    featurizer.set_output(transform="default")
    column = np.empty((1, 1), dtype=object)  # np.array([[nacl]]) would unpack the sites
    column[0, 0] = nacl
    for X in (pd.Series([nacl]), column, (nacl,)):
        np.testing.assert_allclose(featurizer.transform(X)[0], reference)
    single_column = pd.DataFrame({"whatever": [nacl]})
    np.testing.assert_allclose(featurizer.transform(single_column)[0], reference)
    with pytest.raises(ValueError, match="set `column`"):
        featurizer.transform(frame.rename(columns={"structure": "s"}))
    with pytest.raises(TypeError, match="Wrap it in a list"):
        featurizer.transform(nacl.to(fmt="cif"))
    with pytest.raises(TypeError, match="Wrap it in a list"):
        featurizer.transform(nacl)
    with pytest.raises(TypeError, match="numeric"):
        featurizer.transform(np.zeros((2, 1)))
    with pytest.raises(ValueError, match="0 sample"):
        featurizer.transform([])


# ------------------------------------------------------------------------------------------
# errors
# ------------------------------------------------------------------------------------------
def _bad_inputs(small):
    good_cif = small["NaCl"].to(fmt="cif")
    broken_cif = "data_broken\n_cell_length_a 3.0\n_cell_length_b 3.0\n"
    disordered = Structure(Lattice.cubic(3.6), [{"Cu": 0.5, "Au": 0.5}], [[0, 0, 0]])
    return [good_cif, broken_cif, "not a structure", None, disordered, 42, ""]


@pytest.mark.slow
def test_bad_rows_raise_with_positions(small):
    X = _bad_inputs(small)
    with pytest.raises(ValueError) as info:
        StructureFeaturizer().fit_transform(X)
    message = str(info.value)
    assert "6 invalid structure(s)" in message
    for row in range(1, 6):
        assert f"row {row}:" in message
    assert "row 0:" not in message
    assert "unreadable CIF" in message
    assert "missing value" in message
    assert "disordered" in message
    assert "and 1 more" in message
    assert "on_error='nan'" in message


def test_input_handling_shared_with_the_composition_featurizers():
    """Sparse input and every kind of missing value are handled as for formulas."""
    import scipy.sparse

    featurizer = StructureFeaturizer(composition_featurizer="drop")
    with pytest.raises(TypeError, match="Sparse input is not supported"):
        featurizer.fit_transform(scipy.sparse.csr_matrix(np.ones((2, 1))))
    with pytest.raises(ValueError) as info:
        featurizer.fit_transform([np.float32("nan"), pd.NaT, pd.NA])
    assert str(info.value).count("(missing value)") == 3


@pytest.mark.slow
def test_bad_rows_nan(small):
    X = _bad_inputs(small)
    with pytest.warns(UserWarning, match="6 of 7 structures") as record:
        out = StructureFeaturizer(on_error="nan").fit_transform(X)
    assert len(record) == 1
    assert not np.isnan(out[0]).any()
    assert np.isnan(out[1:]).all()


@pytest.mark.slow
def test_composition_failure_reported_by_row(small):
    # element fractions restricted to Na and Cl cannot represent Au
    gold = Structure(Lattice.cubic(4.08), ["Au"], [[0, 0, 0]])
    featurizer = StructureFeaturizer(
        composition_featurizer=ElementFractionFeaturizer(elements=["Na", "Cl"])
    )
    with pytest.raises(ValueError, match=r"row 1: <Structure Au1> \(composition"):
        featurizer.fit_transform([small["NaCl"], gold])


def test_invalid_parameters():
    with pytest.raises(ValueError, match="structure_features"):
        StructureFeaturizer(structure_features="all").fit([None])
    with pytest.raises(ValueError, match="on_error"):
        StructureFeaturizer(on_error="ignore").fit([None])
    with pytest.raises(ValueError, match="composition_featurizer"):
        StructureFeaturizer(composition_featurizer="magpie").fit([None])
    with pytest.raises(NotFittedError):
        StructureFeaturizer().transform([None])
    with pytest.raises(NotFittedError):
        StructureFeaturizer().get_feature_names_out()


# ------------------------------------------------------------------------------------------
# composition part, parallelism, pipelines
# ------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_composition_featurizer_options(small):
    structures = [small["NaCl"], small["Fe"]]
    default = StructureFeaturizer().fit_transform(structures)
    dropped = StructureFeaturizer(composition_featurizer="drop").fit_transform(structures)
    assert dropped.shape == (2, 126)
    np.testing.assert_allclose(dropped, default[:, 145:])
    np.testing.assert_allclose(
        default[:, :145], MagpieFeaturizer().fit_transform(["Na1 Cl1", "Fe2"])
    )
    # a transformer that learns something is fitted on the formulas of the structures
    scaled = make_pipeline(MagpieFeaturizer(), StandardScaler())
    featurizer = StructureFeaturizer(composition_featurizer=scaled)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # zero-variance columns
        out = featurizer.fit_transform(structures)
    assert featurizer.composition_featurizer_ is not scaled
    assert out.shape == (2, 271)
    np.testing.assert_allclose(out[:, 0], [1.0, -1.0])  # "0-norm" (2 and 1), standardized
    np.testing.assert_allclose(out[:, 145:], default[:, 145:])
    fit_then_transform = clone(featurizer).fit(structures).transform(structures)
    np.testing.assert_allclose(fit_then_transform, out)
    fractions = StructureFeaturizer(composition_featurizer=ElementFractionFeaturizer())
    assert fractions.fit(structures).n_features_out_ == 118 + 126


@pytest.mark.slow
def test_n_jobs_survives_clone_and_agrees(small):
    structures = list(small.values())
    serial = StructureFeaturizer().fit_transform(structures)
    parallel = clone(StructureFeaturizer(n_jobs=2))
    assert parallel.get_params()["n_jobs"] == 2
    np.testing.assert_array_equal(parallel.fit_transform(structures), serial)


@pytest.mark.slow
def test_in_a_pipeline(small):
    structures = list(small.values())
    y = np.arange(len(structures), dtype=float)
    model = make_pipeline(StructureFeaturizer(), StandardScaler(), Ridge(alpha=1.0))
    model.fit(structures, y)
    assert model.predict(structures).shape == (len(structures),)

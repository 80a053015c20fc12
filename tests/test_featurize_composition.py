"""Tests of the composition transformers (sklearn_irnet.featurize.composition).

The reference for every value is matminer itself, run live: the four featurizers the IRNet
authors used, on Composition objects, one formula at a time.
"""

from __future__ import annotations

import itertools
import pickle
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matminer.featurizers.base import BaseFeaturizer
from matminer.featurizers.composition import (
    ElementFraction,
    ElementProperty,
    IonProperty,
    Stoichiometry,
    ValenceOrbital,
)
from pymatgen.core import Composition
from sklearn.base import clone
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_irnet.featurize import (
    ELEMNET_ELEMENTS,
    ElementFractionFeaturizer,
    MagpieFeaturizer,
    MatminerFeaturizer,
    _magpie,
)
from sklearn_irnet.featurize._parse import parse_entries, parse_formula

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

RTOL = 1e-6
ATOL = 1e-9

# Hand-picked edge cases: single elements, noble gases, elements with missing Magpie or
# pymatgen data (imputed by matminer), fractional amounts, near-ties of the largest amount
# (PropertyStats.mode), many elements, parentheses and whitespace, mixed valence.
EDGE_FORMULAS = [
    # single elements
    "Fe", "H", "He", "Ne", "Ar", "Kr", "Xe", "Rn", "Fr", "Pu", "Lr", "Og",
    # noble-gas compounds (no electronegativity, no common oxidation state)
    "XeF2", "XeO3", "KrF2", "HeNe", "ArKr", "He2Ne3",
    # elements with NaN Magpie data
    "RfO2", "DbCl5", "SgO3", "Nh", "FlO", "McTs", "Lv2Og", "EsCl3", "Md", "No2O3", "AtH",
    "FrCl", "Cf2O3", "BkO2", "Hs",
    # fractional amounts and mode ties
    "Fe0.5Ni0.5", "Fe0.25Ni0.75", "FeNi", "FeNiCo", "Fe1.000001Ni", "Fe1.0001Ni",
    "Fe100000Ni100001", "Al0.001Fe0.999", "Ba0.5Sr0.5Co0.8Fe0.2O3", "Li0.333Co0.333Ni0.334O2",
    # large and many-element formulas
    "Fe1000O", "C60", "Li3Fe2(PO4)3", "Ag(W3Br7)2", "Ca(OH)2", "FeCoNiCrMnAlTiVCuZr",
    "Fe0.62C0.000953Mn0.000521Si0.00102Cr0.00011Ni0.192Mo0.0176V0.000112Nb0.0000616"
    "Co0.146Al0.00318Ti0.0185",
    # charge balance (IonProperty fast=True)
    "Fe3O4", "Fe2O3", "NaCl", "NaCl2", "CO2", "CH4", "NH4NO3", "Mn3O4", "Cl2O7", "SF6",
    "IF7", "Pb3O4",
    # whitespace, fallback grammar
    "K6 S6", "Fe 2 O3", "Y3N@C80",
]  # fmt: skip


def matminer_reference(compositions, impute_nan=True):
    """The 145 features from matminer's own featurizers, as the IRNet authors computed them."""
    featurizers = [
        Stoichiometry(),
        ElementProperty.from_preset("magpie", impute_nan=impute_nan),
        ValenceOrbital(props=["avg"], impute_nan=impute_nan),
        IonProperty(fast=True, impute_nan=impute_nan),
    ]
    comps = [c if isinstance(c, Composition) else Composition(c) for c in compositions]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        blocks = [np.array([f.featurize(c) for c in comps], dtype=float) for f in featurizers]
    labels = [label for f in featurizers for label in f.feature_labels()]
    return np.hstack(blocks), labels


def assert_matches(actual, expected, labels, formulas):
    assert actual.shape == expected.shape
    nan_a, nan_e = np.isnan(actual), np.isnan(expected)
    mismatch = nan_a != nan_e
    close = np.isclose(actual, expected, rtol=RTOL, atol=ATOL) | (nan_a & nan_e)
    bad = mismatch | ~close
    if bad.any():
        rows, cols = np.nonzero(bad)
        details = [
            f"{formulas[i]!r} {labels[j]}: {actual[i, j]!r} != {expected[i, j]!r}"
            for i, j in list(zip(rows, cols, strict=True))[:10]
        ]
        pytest.fail(f"{bad.sum()} cells differ from matminer:\n" + "\n".join(details))


def read_shared(relative):
    path = DATA / relative
    if not path.is_file():
        pytest.skip(f"shared dataset {path} is absent (only on development machines)")
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


# ------------------------------------------------------------------------------------------
# equality with matminer


def test_labels_are_matminers():
    _, labels = matminer_reference(["NaCl"])
    names = MagpieFeaturizer().get_feature_names_out()
    assert len(names) == 145
    assert names.tolist() == labels


@pytest.mark.parametrize("impute_nan", [True, False])
def test_edge_formulas_equal_matminer(impute_nan):
    expected, labels = matminer_reference(EDGE_FORMULAS, impute_nan=impute_nan)
    actual = MagpieFeaturizer(impute_nan=impute_nan).fit_transform(EDGE_FORMULAS)
    assert actual.dtype == np.float64
    assert_matches(actual, expected, labels, EDGE_FORMULAS)
    if impute_nan:
        assert not np.isnan(actual).any()
    else:  # matminer leaves missing element data as NaN; so do we, in the same cells
        assert np.isnan(actual).sum() > 100


@pytest.mark.slow
def test_real_formulas_equal_matminer():
    """>= 2000 OQMD formulas plus odd Matbench compositions (steels, experimental gaps)."""
    oqmd = read_shared("oqmd/oqmd_formation_enthalpy.csv.gz")["formula"]
    gaps = read_shared("matbench/matbench_expt_gap.csv.gz")["composition"]
    steels = read_shared("matbench/matbench_steels.csv.gz")["composition"]
    formulas = (
        oqmd.sample(2000, random_state=0).tolist()
        + gaps.sample(300, random_state=0).tolist()
        + steels.sample(100, random_state=0).tolist()
    )
    expected, labels = matminer_reference(formulas)
    actual = MagpieFeaturizer().fit_transform(formulas)
    assert_matches(actual, expected, labels, formulas)
    # the search for a charge-balanced combination is exercised both ways
    possible = actual[:, labels.index("compound possible")]
    assert 0 < possible.mean() < 1


def test_custom_properties_and_stats_equal_matminer():
    properties = ["Density", "MeltingT", "NUnfilled"]
    stats = ["mode", "mean", "minimum"]
    reference = ElementProperty("magpie", properties, stats)
    comps = [Composition(f) for f in EDGE_FORMULAS]
    expected = np.array([reference.featurize(c) for c in comps], dtype=float)
    featurizer = MagpieFeaturizer(properties=properties, stats=stats)
    actual = featurizer.fit_transform(EDGE_FORMULAS)
    names = featurizer.get_feature_names_out().tolist()
    block = slice(6, 6 + len(properties) * len(stats))
    assert names[block] == reference.feature_labels()
    assert_matches(actual[:, block], expected, names[block], EDGE_FORMULAS)


def test_oxidation_state_compositions_equal_matminer():
    comps = [
        Composition({"Fe2+": 1, "Fe3+": 2, "O2-": 4}),  # balanced by its charges
        Composition({"Fe3+": 1, "O2-": 1}),  # unbalanced
        Composition("Fe3O4"),  # no oxidation states: fast search says impossible
    ]
    expected, labels = matminer_reference(comps)
    actual = MagpieFeaturizer().fit_transform(comps)
    assert_matches(actual, expected, labels, [str(c) for c in comps])
    assert actual[:, labels.index("compound possible")].tolist() == [1.0, 0.0, 0.0]


def test_element_fraction_equals_matminer():
    reference = ElementFraction()
    expected = np.array([reference.featurize(Composition(f)) for f in EDGE_FORMULAS], dtype=float)
    featurizer = ElementFractionFeaturizer()
    actual = featurizer.fit_transform(EDGE_FORMULAS)
    assert featurizer.get_feature_names_out().tolist() == reference.feature_labels()
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)


def test_elemnet_elements():
    assert len(ELEMNET_ELEMENTS) == 86
    assert ELEMNET_ELEMENTS[0] == "H" and ELEMNET_ELEMENTS[-1] == "Pu"
    excluded = {"He", "Ne", "Ar", "Po", "At", "Rn", "Fr", "Ra"}
    assert not excluded & set(ELEMNET_ELEMENTS)
    featurizer = ElementFractionFeaturizer(elements="elemnet")
    X = featurizer.fit_transform(["Fe2O3", "Ba0.5Sr0.5TiO3"])
    assert X.shape == (2, 86)
    np.testing.assert_allclose(X.sum(axis=1), 1.0)
    assert featurizer.get_feature_names_out().tolist() == list(ELEMNET_ELEMENTS)
    with pytest.raises(ValueError, match=r"row 1: 'HeNe'.*He, Ne not among the 86"):
        featurizer.transform(["NaCl", "HeNe"])


def test_element_fraction_custom_elements():
    featurizer = ElementFractionFeaturizer(elements=["O", "Fe"])
    np.testing.assert_allclose(featurizer.fit_transform(["Fe2O3"]), [[0.6, 0.4]])
    with pytest.raises(ValueError, match="unknown"):
        ElementFractionFeaturizer(elements=["O", "Xx"]).fit(["Fe2O3"])


def test_matminer_featurizer_equals_magpie_featurizer():
    formulas = ["Fe2O3", "NaCl", "Fe0.5Ni0.5", "He", "Li3Fe2(PO4)3", "K6 S6"]
    slow = MatminerFeaturizer().fit(formulas)
    fast = MagpieFeaturizer()
    np.testing.assert_allclose(slow.transform(formulas), fast.transform(formulas), rtol=1e-12)
    assert slow.get_feature_names_out().tolist() == fast.get_feature_names_out().tolist()


# ------------------------------------------------------------------------------------------
# invalid formulas

BAD_FORMULAS = {
    "Xx2O": "unknown element 'Xx'",
    "Fe-2O": "negative",
    "Fe0O": "zero amount of Fe",
    "": "empty formula",
    "   ": "empty formula",
    "H2O)(": "not a formula",
    "123": "not a formula",
    "fe2o3": "not a formula",
    "FeO0.000000001": "zero amount of O",  # pymatgen would silently drop the O
    "D2O": "unknown element 'D'",
    "Uuo": "unknown element 'Uuo'",
}


@pytest.mark.parametrize("transformer", [MagpieFeaturizer, ElementFractionFeaturizer])
@pytest.mark.parametrize("bad", list(BAD_FORMULAS))
def test_invalid_formula_raises_with_value_and_row(transformer, bad):
    formulas = ["Fe2O3", "NaCl", bad, "SiO2"]
    with pytest.raises(ValueError) as info:
        transformer().fit_transform(formulas)
    message = str(info.value)
    assert f"row 2: {bad!r}" in message
    assert BAD_FORMULAS[bad] in message
    assert "on_error='nan'" in message


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA, 42, 3.5])
def test_missing_and_non_string_values_raise(missing):
    with pytest.raises(ValueError, match="row 1: "):
        MagpieFeaturizer().transform(np.array(["NaCl", missing], dtype=object))


def test_error_message_lists_five_then_counts():
    formulas = ["NaCl"] + [f"Xx{i}" for i in range(1, 9)]
    with pytest.raises(ValueError) as info:
        MagpieFeaturizer().transform(formulas)
    message = str(info.value)
    assert "8 invalid formula(s)" in message
    for row in range(1, 6):
        assert f"row {row}: 'Xx{row}'" in message
    assert "row 6" not in message
    assert "and 3 more" in message


def test_on_error_nan_gives_nan_rows_and_warns():
    formulas = ["Fe2O3", "Xx2O", "NaCl", "", "Fe2O3", None]
    featurizer = MagpieFeaturizer(on_error="nan")
    with pytest.warns(UserWarning, match=r"3 of 6 formulas could not be featurized"):
        X = featurizer.fit_transform(formulas)
    bad = np.isnan(X).all(axis=1)
    assert bad.tolist() == [False, True, False, True, False, True]
    assert not np.isnan(X[~bad]).any()
    np.testing.assert_array_equal(X[[0, 2]], MagpieFeaturizer().transform(["Fe2O3", "NaCl"]))


def test_valid_odd_formulas_follow_pymatgen():
    for formula in ["Fe2O3 ", "Fe 2 O3", "(Fe)2", "Fe[O]2", "Fe{O}2", "Fe1e3O", "FeFe", "NaN"]:
        parsed = parse_formula(formula)
        comp = Composition(formula)
        assert parsed.amounts == tuple(comp.values())
        assert parsed.z == tuple(el.Z for el in comp)


_SYMBOLS = ["Fe", "O", "H", "Na", "Cl", "C", "Xx", "D", "Og", "B", "Ba"]
_NUMBERS = ["", "", "2", "0", "0.5", ".25", "3.", "10", "0.000000001", "1e2", "-1", "007"]


@st.composite
def _formula_strings(draw, depth=0):
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        if depth < 2 and draw(st.integers(0, 4)) == 0:
            opener, closer = draw(st.sampled_from(["()", "[]", "{}", "(]"]))
            inner = draw(_formula_strings(depth=depth + 1))
            parts.append(f"{opener}{inner}{closer}{draw(st.sampled_from(_NUMBERS))}")
        else:
            space = draw(st.sampled_from(["", "", " "]))
            parts.append(
                f"{draw(st.sampled_from(_SYMBOLS))}{space}{draw(st.sampled_from(_NUMBERS))}"
            )
    return draw(st.sampled_from(["", " "])).join(parts)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_formula_strings())
def test_parser_agrees_with_pymatgen(formula):
    """Accepted formulas parse exactly as pymatgen does; rejected ones are pymatgen errors,
    unknown or isotope symbols, or amounts pymatgen would silently drop."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            comp = Composition(formula)
        reference_error = None
    except Exception as exc:  # noqa: BLE001 - pymatgen raises several types
        comp, reference_error = None, exc
    bulk = parse_entries([formula, "NaCl"])[0][0]  # the batch parser agrees with the single
    try:
        parsed = parse_formula(formula)
    except ValueError as exc:
        assert isinstance(bulk, ValueError) and str(bulk) == str(exc)
        reason = str(exc)
        if reason.startswith("not a formula") or reason == "empty formula":
            assert reference_error is not None
        elif reason.startswith("unknown element"):
            assert any(s in formula for s in ("Xx", "D"))
        else:
            assert reason.startswith("zero amount") or reason.startswith("negative")
        return
    assert reference_error is None, formula
    assert bulk == parsed
    elements = comp.element_composition
    assert parsed.z == tuple(el.Z for el in elements), formula
    for amount, expected in zip(parsed.amounts, elements.values(), strict=True):
        assert amount == pytest.approx(expected, rel=1e-12), formula


def test_parser_matches_pymatgen_on_real_formulas():
    formulas = set()
    for name in ["matbench_expt_gap", "matbench_glass", "matbench_steels", "matbench_jdft2d"]:
        formulas.update(read_shared(f"matbench/{name}.csv.gz")["composition"])
    assert any("(" in f for f in formulas) and any(" " in f for f in formulas)
    formulas = sorted(formulas)
    unique, inverse = parse_entries(formulas)
    for formula, j in zip(formulas, inverse, strict=True):
        parsed = parse_formula(formula)
        assert unique[j] == parsed
        comp = Composition(formula)
        assert parsed.z == tuple(el.Z for el in comp), formula
        assert parsed.amounts == tuple(comp.values()), formula


# ------------------------------------------------------------------------------------------
# input and output forms


def test_input_forms_agree():
    formulas = ["Fe2O3", "NaCl", "Ca(OH)2"]
    expected = MagpieFeaturizer().fit_transform(formulas)
    frame = pd.DataFrame({"target": [1.0, 2.0, 3.0], "composition": formulas})
    inputs = [
        tuple(formulas),
        np.array(formulas),
        np.array(formulas, dtype=object).reshape(-1, 1),
        [[f] for f in formulas],
        pd.Series(formulas),
        frame,
        pd.DataFrame({"formula": formulas}),  # single column: read whatever its name
        [Composition(f) for f in formulas],
        ["Fe2O3", Composition("NaCl"), "Ca(OH)2"],
    ]
    for X in inputs:
        np.testing.assert_array_equal(MagpieFeaturizer().fit_transform(X), expected)
    other = pd.DataFrame({"target": [1.0, 2.0, 3.0], "formula": formulas})
    np.testing.assert_array_equal(MagpieFeaturizer(column="formula").fit_transform(other), expected)
    with pytest.raises(ValueError, match="no column 'composition'"):
        MagpieFeaturizer().fit_transform(other)


def test_fit_records_dataframe_columns():
    frame = pd.DataFrame({"composition": ["NaCl", "KBr"], "y": [1.0, 2.0]})
    featurizer = MagpieFeaturizer().fit(frame)
    assert featurizer.n_features_in_ == 2
    assert featurizer.feature_names_in_.tolist() == ["composition", "y"]
    featurizer.fit(["NaCl"])
    assert featurizer.n_features_in_ == 1
    assert not hasattr(featurizer, "feature_names_in_")


@pytest.mark.parametrize(
    "X, error",
    [
        (np.array([[1.0, 2.0]]), ValueError),
        (np.array([1.0, 2.0]), TypeError),
        ("Fe2O3", TypeError),
        (np.array([], dtype=object), ValueError),
        (pd.DataFrame({"a": ["NaCl"], "b": ["KBr"]}), ValueError),
    ],
)
def test_bad_input_shapes_and_types(X, error):
    with pytest.raises(error):
        MagpieFeaturizer().fit_transform(X)


def test_sparse_input_rejected():
    import scipy.sparse

    with pytest.raises(TypeError, match="Sparse"):
        MagpieFeaturizer().fit_transform(scipy.sparse.csr_matrix(np.ones((2, 1))))


@pytest.mark.parametrize(
    "featurizer",
    [
        MagpieFeaturizer(),
        ElementFractionFeaturizer(elements="elemnet"),
        MatminerFeaturizer(featurizers=[Stoichiometry()]),
    ],
    ids=lambda f: type(f).__name__,
)
def test_set_output_pandas(featurizer):
    frame = pd.DataFrame({"composition": ["NaCl", "Fe2O3"]}, index=[10, 20])
    featurizer = clone(featurizer).set_output(transform="pandas")
    out = featurizer.fit_transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert out.columns.tolist() == featurizer.get_feature_names_out().tolist()
    assert out.index.tolist() == [10, 20]
    assert (out.dtypes == np.float64).all()


def test_get_feature_names_out_checks_input_features():
    frame = pd.DataFrame({"composition": ["NaCl"]})
    featurizer = MagpieFeaturizer().fit(frame)
    assert len(featurizer.get_feature_names_out(["composition"])) == 145
    with pytest.raises(ValueError, match="input_features"):
        featurizer.get_feature_names_out(["formula"])


def test_parameter_validation():
    with pytest.raises(InvalidParameterError):
        MagpieFeaturizer(on_error="ignore").fit(["NaCl"])
    with pytest.raises(ValueError, match="stats"):
        MagpieFeaturizer(stats=["median"]).fit(["NaCl"])
    with pytest.raises(ValueError, match="properties"):
        MagpieFeaturizer(properties=["Nonsense"]).fit(["NaCl"])
    with pytest.raises(InvalidParameterError):
        MatminerFeaturizer(n_jobs="two").fit(["NaCl"])


# ------------------------------------------------------------------------------------------
# sklearn behaviour with formulas (the numeric estimator checks cannot test these)


@pytest.mark.parametrize(
    "featurizer",
    [
        MagpieFeaturizer(),
        ElementFractionFeaturizer(),
        MatminerFeaturizer(featurizers=[Stoichiometry()]),
    ],
    ids=lambda f: type(f).__name__,
)
def test_formula_invariants(featurizer):
    formulas = ["Fe2O3", "NaCl", "Ca(OH)2", "He", "Fe0.5Ni0.5", "SiO2"]
    featurizer = clone(featurizer)
    params = featurizer.get_params()
    fitted = featurizer.fit(formulas)
    assert fitted is featurizer
    assert featurizer.get_params() == params  # fit does not change parameters
    state = pickle.dumps(featurizer.__dict__)
    X = featurizer.transform(formulas)
    assert pickle.dumps(featurizer.__dict__) == state  # transform changes nothing
    np.testing.assert_array_equal(clone(featurizer).fit_transform(formulas), X)
    np.testing.assert_array_equal(featurizer.fit(formulas).transform(formulas), X)
    order = np.random.RandomState(0).permutation(len(formulas))
    np.testing.assert_array_equal(featurizer.transform([formulas[i] for i in order]), X[order])
    for i, formula in enumerate(formulas):  # one at a time equals the batch
        np.testing.assert_array_equal(featurizer.transform([formula])[0], X[i])
    restored = pickle.loads(pickle.dumps(featurizer))
    np.testing.assert_array_equal(restored.transform(formulas), X)
    assert featurizer.transform(formulas[:1]).shape == (1, X.shape[1])


def test_stateless_transform_without_fit():
    X = MagpieFeaturizer().transform(["NaCl"])
    assert X.shape == (1, 145)
    np.testing.assert_array_equal(X, MagpieFeaturizer().fit(["NaCl", "MgO"]).transform(["NaCl"]))


def test_pipeline_cross_val_score_on_formula_strings():
    formulas = (
        "NaCl KCl LiF NaF KBr MgO CaO SrO BaO ZnO Al2O3 Fe2O3 Cr2O3 TiO2 SiO2 GeO2 SnO2 ZrO2 "
        "HfO2 CeO2 Li2O Na2O K2O Cu2O Ag2O MgF2 CaF2 BaF2 GaN AlN InN BN ZnS CdS PbS FeS2 "
        "MoS2 WS2 SnS2 Xx2O"
    ).split()
    y = np.linspace(-3.0, 0.0, len(formulas))
    model = make_pipeline(MagpieFeaturizer(on_error="nan"), SimpleImputer(), Ridge(alpha=10.0))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="MagpieFeaturizer: 1 of", category=UserWarning)
        scores = cross_val_score(
            model, formulas, y, cv=KFold(3, shuffle=True, random_state=0), error_score="raise"
        )
    assert scores.shape == (3,) and np.isfinite(scores).all()


# ------------------------------------------------------------------------------------------
# caching and n_jobs


def test_memory_serves_second_call_from_cache(tmp_path, monkeypatch):
    formulas = ["Fe2O3", "NaCl", "Ca(OH)2"]
    first = MagpieFeaturizer(memory=str(tmp_path)).fit_transform(formulas)

    def fail(*args, **kwargs):
        raise AssertionError("recomputed although cached")

    monkeypatch.setattr(_magpie, "magpie_features", fail)
    second = MagpieFeaturizer(memory=str(tmp_path)).fit_transform(formulas)
    np.testing.assert_array_equal(first, second)
    with pytest.raises(AssertionError, match="recomputed"):  # a new formula is computed
        MagpieFeaturizer(memory=str(tmp_path)).fit_transform(formulas + ["KBr"])


def test_each_distinct_formula_is_computed_once(monkeypatch):
    seen = []
    original = _magpie.magpie_features

    def spy(parsed, **kwargs):
        seen.append(len(parsed))
        return original(parsed, **kwargs)

    monkeypatch.setattr(_magpie, "magpie_features", spy)
    X = MagpieFeaturizer().transform(["NaCl", "Fe2O3", "NaCl", "NaCl", "Fe2O3"])
    assert seen == [2]
    np.testing.assert_array_equal(X[0], X[2])


def test_matminer_n_jobs_survives_clone_without_warning():
    featurizer = MatminerFeaturizer(featurizers=[ElementProperty.from_preset("magpie")], n_jobs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        copy = clone(featurizer)
    assert copy.n_jobs == 2
    copy.fit(["NaCl"])
    assert [f.n_jobs for f in copy.featurizers_] == [2]
    assert featurizer.featurizers[0] is not copy.featurizers_[0]  # the user's object is kept
    assert (
        MatminerFeaturizer(featurizers=[Stoichiometry()]).fit(["NaCl"]).featurizers_[0].n_jobs == 1
    )


def test_matminer_n_jobs_two_processes():
    formulas = ["Fe2O3", "NaCl", "KBr", "SiO2"]
    parallel = MatminerFeaturizer(featurizers=[Stoichiometry()], n_jobs=2)
    serial = MatminerFeaturizer(featurizers=[Stoichiometry()], n_jobs=1)
    np.testing.assert_array_equal(parallel.fit_transform(formulas), serial.fit_transform(formulas))


class _FailsOnOxygen(BaseFeaturizer):
    def featurize(self, comp):
        if "O" in comp.get_el_amt_dict():
            raise RuntimeError("no oxides")
        return [comp.num_atoms]

    def feature_labels(self):
        return ["n atoms"]

    def citations(self):
        return []

    def implementors(self):
        return []


class _ReturnsText(_FailsOnOxygen):
    def featurize(self, comp):
        return [comp.reduced_formula]


def test_matminer_failures_raise_or_warn():
    formulas = ["NaCl", "Fe2O3", "KBr"]
    with pytest.raises(ValueError, match=r"row 1: 'Fe2O3' \(_FailsOnOxygen: .*no oxides"):
        MatminerFeaturizer(featurizers=[_FailsOnOxygen()]).fit_transform(formulas)
    featurizer = MatminerFeaturizer(featurizers=[_FailsOnOxygen()], on_error="nan")
    with pytest.warns(UserWarning, match="1 of 3"):
        X = featurizer.fit_transform(formulas)
    assert np.isnan(X[1]).all() and X[[0, 2], 0].tolist() == [2.0, 2.0]
    with pytest.raises(TypeError, match="non-numeric"):
        MatminerFeaturizer(featurizers=_ReturnsText()).fit_transform(formulas)


def test_matminer_featurizer_memory(tmp_path):
    formulas = ["NaCl", "Fe2O3"]
    featurizer = MatminerFeaturizer(featurizers=[Stoichiometry()], memory=str(tmp_path))
    first = featurizer.fit_transform(formulas)
    np.testing.assert_array_equal(featurizer.transform(formulas), first)
    assert any(tmp_path.rglob("output.pkl"))


# ------------------------------------------------------------------------------------------
# compound possible: the exact search equals matminer's enumeration


def test_charge_balance_search_equals_enumeration():
    """Both search paths (batched numpy enumeration, meet in the middle) equal matminer's
    plain enumeration of itertools.product on random compositions."""
    rng = np.random.RandomState(0)
    _, states = _magpie._pymatgen_tables(True)
    anions = [7, 8, 9, 16, 17, 34, 35]  # N O F S Cl Se Br: negative states
    others = [z for z in range(1, 119) if z not in anions]
    parsed, brute = [], []
    for _ in range(400):
        k = rng.randint(2, 6)
        z = [int(rng.choice(anions))]
        z += [int(v) for v in rng.choice(others, size=k - 1, replace=False)]
        amounts = [float(a) for a in rng.choice([1, 1, 2, 2, 3, 4, 0.5, 1 / 3], size=k)]
        lists = [states[i] for i in z]
        expected = any(
            abs(sum(q * a for q, a in zip(ox, amounts, strict=True))) <= 1e-8
            for ox in itertools.product(*lists)
        )
        formula = "".join(f"{symbol(i)}{a!r}" for i, a in zip(z, amounts, strict=True))
        parsed.append(parse_formula(formula))
        brute.append(expected)
        if all(lists):
            assert _magpie._charge_balanced(lists, amounts) == expected, (z, amounts)
    assert _magpie.compound_possible_batch(parsed).tolist() == brute
    assert 10 < sum(brute) < len(brute) - 10, sum(brute)


def symbol(z):
    return Composition({int(z): 1}).elements[0].symbol


# ------------------------------------------------------------------------------------------
# scikit-learn's estimator checks

_NUMERIC = "the check fits on a random numeric matrix"
_FORMULAS = "the transformers take one column of chemical formulas"
EXPECTED_FAILED_CHECKS = {
    "check_fit_score_takes_y": f"{_NUMERIC} with 3 columns; {_FORMULAS}",
    "check_estimators_overwrite_params": (
        f"{_NUMERIC}; {_FORMULAS} (fit leaving params unchanged: test_formula_invariants)"
    ),
    "check_dont_overwrite_parameters": (
        f"{_NUMERIC}; {_FORMULAS} (fit leaving params unchanged: test_formula_invariants)"
    ),
    "check_estimators_fit_returns_self": (
        f"{_NUMERIC}; {_FORMULAS} (fit returns self: test_formula_invariants)"
    ),
    "check_readonly_memmap_input": f"read-only memmapped numeric input; {_FORMULAS}",
    "check_n_features_in_after_fitting": (
        f"{_NUMERIC} with 4 columns; {_FORMULAS} (test_fit_records_dataframe_columns)"
    ),
    "check_positive_only_tag_during_fit": (
        "expects negative numbers to be accepted; numbers are rejected as non-formulas"
    ),
    "check_estimators_dtypes": f"float32/int64 numeric matrices; {_FORMULAS}",
    "check_complex_data": (
        "expects the message 'Complex data not supported'; a complex array is rejected as a "
        "numeric array (TypeError)"
    ),
    "check_dtype_object": f"object array of numbers with 10 columns; {_FORMULAS}",
    "check_pipeline_consistency": (
        f"{_NUMERIC}; {_FORMULAS} (pipelines: test_pipeline_cross_val_score_on_formula_strings)"
    ),
    "check_estimators_nan_inf": (
        "expects a NaN/inf-specific error on a numeric matrix; numeric input is rejected "
        "before (missing formulas: test_missing_and_non_string_values_raise)"
    ),
    "check_estimators_pickle": f"{_NUMERIC}; {_FORMULAS} (pickling: test_formula_invariants)",
    "check_f_contiguous_array_estimator": f"Fortran-ordered numeric matrix; {_FORMULAS}",
    "check_transformer_data_not_an_array": f"numeric _NotAnArray input; {_FORMULAS}",
    "check_transformer_general": (
        f"{_NUMERIC}; {_FORMULAS} (fit_transform == fit().transform: test_formula_invariants)"
    ),
    "check_transformers_unfitted_stateless": (
        f"{_NUMERIC}; {_FORMULAS} (test_stateless_transform_without_fit)"
    ),
    "check_methods_sample_order_invariance": (
        f"{_NUMERIC}; {_FORMULAS} (row order invariance: test_formula_invariants)"
    ),
    "check_methods_subset_invariance": (
        f"{_NUMERIC}; {_FORMULAS} (one-at-a-time == batch: test_formula_invariants)"
    ),
    "check_fit2d_1sample": ("expects an error for a single sample; one formula is a valid input"),
    "check_fit2d_1feature": f"numeric column; {_FORMULAS}",
    "check_dict_unchanged": (
        f"{_NUMERIC}; {_FORMULAS} (transform leaves __dict__ unchanged: test_formula_invariants)"
    ),
    "check_fit_idempotent": f"{_NUMERIC}; {_FORMULAS} (refit: test_formula_invariants)",
    "check_fit_check_is_fitted": f"{_NUMERIC}; {_FORMULAS}",
    "check_n_features_in": f"{_NUMERIC}; {_FORMULAS}",
    "check_fit1d": (
        "expects a ValueError for a 1-D numeric X; 1-D lists of formulas are the main input "
        "and numeric arrays raise TypeError"
    ),
    "check_fit2d_predict1d": f"{_NUMERIC}; {_FORMULAS}",
}


def _expected_failed_checks(estimator):
    failed = dict(EXPECTED_FAILED_CHECKS)
    if isinstance(estimator, MatminerFeaturizer):  # requires fit: checked unfitted instead
        del failed["check_transformers_unfitted_stateless"]
    return failed


@parametrize_with_checks(
    [
        MagpieFeaturizer(),
        ElementFractionFeaturizer(),
        MatminerFeaturizer(featurizers=[Stoichiometry()]),
    ],
    expected_failed_checks=_expected_failed_checks,
    xfail_strict=True,
)
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


def test_make_featurizer_by_feature_set_name():
    from sklearn_irnet.featurize import FEATURE_SETS, make_featurizer

    assert list(FEATURE_SETS) == ["magpie", "elemnet"]
    magpie = make_featurizer("magpie", column=None)
    assert isinstance(magpie, MagpieFeaturizer) and magpie.column is None
    elemnet = make_featurizer("elemnet")
    assert isinstance(elemnet, ElementFractionFeaturizer) and elemnet.elements == "elemnet"
    assert elemnet.fit_transform(["NaCl"]).shape == (1, 86)
    with pytest.raises(ValueError, match="Unknown feature set 'magpy'; choose from magpie"):
        make_featurizer("magpy")

"""Bad input to IRNetRegressor: a clear error (or correct behaviour), never a corrupted model."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sklearn_irnet import IRNetRegressor

from .conftest import FAST_PARAMS

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

TINY = {**FAST_PARAMS, "architecture": ((8, 1),), "max_iter": 3}
RNG = np.random.RandomState(0)
X_OK = RNG.normal(size=(40, 4))
Y_OK = X_OK[:, 0] + 0.1 * RNG.normal(size=40)


def _with(values, row, col, value):
    out = np.array(values, dtype=float, copy=True)
    out[row, col] = value
    return out


def _y_with(value):
    out = Y_OK.copy()
    out[3] = value
    return out


# (case, X, y, expected error type or None, message fragment)
FIT_CASES = [
    ("nan in X", _with(X_OK, 2, 1, np.nan), Y_OK, ValueError, r"1 NaN .* \['column 1'\]"),
    ("inf in X", _with(X_OK, 2, 3, np.inf), Y_OK, ValueError, r"1 infinite \(inf\)"),
    ("nan in y", X_OK, _y_with(np.nan), ValueError, "y contains NaN"),
    ("inf in y", X_OK, _y_with(np.inf), ValueError, "y contains infinity"),
    ("string column", np.column_stack([X_OK, ["a"] * 40]).astype(object), Y_OK, ValueError,
     "could not convert string to float: 'a'"),
    ("empty input", np.empty((0, 4)), np.empty(0), ValueError, "0 sample"),
    ("single sample", X_OK[:1], Y_OK[:1], ValueError, "1 sample"),
    ("3-D X", X_OK.reshape(40, 2, 2), Y_OK, ValueError, "dim 3"),
    ("sparse X", sp.csr_matrix(X_OK), Y_OK, TypeError, "dense data is required"),
    ("string target", X_OK, np.array(["high", "low"] * 20), ValueError,
     "could not convert string to float"),
    ("y length mismatch", X_OK, Y_OK[:30], ValueError, "inconsistent numbers of samples"),
    ("no features", np.empty((40, 0)), Y_OK, ValueError, "0 feature"),
    ("one feature", X_OK[:, :1], Y_OK, None, None),
    ("constant columns", np.column_stack([X_OK, np.ones(40), np.zeros(40)]), Y_OK, None, None),
    ("constant target", X_OK, np.full(40, 3.5), None, None),
    ("huge X", X_OK * 1e30, Y_OK, None, None),
    ("huge y", X_OK, Y_OK * 1e30, None, None),
    ("tiny values", X_OK * 1e-30, Y_OK * 1e-30, None, None),
    ("int X", (X_OK * 100).astype(int), Y_OK, None, None),
    ("list input", X_OK.tolist(), Y_OK.tolist(), None, None),
]


@pytest.mark.parametrize("case, X, y, error, message", FIT_CASES, ids=[c[0] for c in FIT_CASES])
def test_fit_bad_input_table(case, X, y, error, message):
    model = IRNetRegressor(**TINY).fit(X_OK, Y_OK)
    before = model.predict(X_OK)
    if error is None:
        model.fit(X, y)
        pred = model.predict(X)
        assert np.isfinite(pred).all()
        if case == "constant target":
            np.testing.assert_allclose(pred, 3.5)
        if case == "huge y":
            assert np.abs(pred).max() > 1e29
        return
    with pytest.raises(error, match=message):
        model.fit(X, y)
    # a failed fit leaves the fitted model exactly as it was
    np.testing.assert_array_equal(model.predict(X_OK), before)
    assert model.n_features_in_ == 4


FRAME = pd.DataFrame(X_OK, columns=["mean Number", "b", "c", "d"])
PREDICT_CASES = [
    ("wrong feature count", X_OK[:, :3], ValueError, "X has 3 features, but IRNetRegressor "
     "is expecting 4"),
    ("nan at predict", _with(X_OK, 0, 0, np.nan), ValueError, r"\['mean Number'\]"),
    ("renamed columns", FRAME.rename(columns={"b": "B"}), ValueError, "feature names"),
    ("empty at predict", np.empty((0, 4)), ValueError, "0 sample"),
    ("sparse at predict", sp.csr_matrix(X_OK), TypeError, "dense data"),
]


@pytest.mark.parametrize("case, X, error, message", PREDICT_CASES,
                         ids=[c[0] for c in PREDICT_CASES])
def test_predict_bad_input_table(case, X, error, message):
    model = IRNetRegressor(**TINY).fit(FRAME, Y_OK)
    with pytest.raises(error, match=message):
        model.predict(X)


def test_predict_before_fit():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="not fitted yet"):
        IRNetRegressor().predict(X_OK)


finite_floats = st.floats(-1e6, 1e6, allow_nan=False, width=32)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    n_rows=st.integers(2, 30),
    n_features=st.integers(1, 5),
    n_outputs=st.integers(1, 2),
)
def test_random_finite_data_trains_and_predicts_finite(data, n_rows, n_features, n_outputs):
    X = data.draw(arrays(np.float64, (n_rows, n_features), elements=finite_floats))
    y = data.draw(arrays(np.float64, (n_rows, n_outputs), elements=finite_floats))
    model = IRNetRegressor(**{**TINY, "max_iter": 2}).fit(X, y)
    pred = model.predict(X)
    assert pred.shape == (n_rows, n_outputs) and np.isfinite(pred).all()


@settings(max_examples=25, deadline=None)
@given(
    X=arrays(np.float64, (12, 3), elements=st.floats(allow_nan=True, allow_infinity=True)),
)
def test_random_values_never_crash_obscurely(X):
    y = np.arange(12.0)
    model = IRNetRegressor(**{**TINY, "max_iter": 2})
    if np.isfinite(X).all():
        model.fit(X, y)  # standardisation copes with magnitudes up to the float64 limit
        assert np.isfinite(model.predict(X)).all()
    else:
        with pytest.raises(ValueError, match="NaN|inf"):
            model.fit(X, y)


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=12))
def test_random_text_as_formula_gives_value_error_or_features(text):
    featurize = pytest.importorskip("sklearn_irnet.featurize")
    featurizer = featurize.MagpieFeaturizer(column=None)
    try:
        features = featurizer.fit_transform([text, "NaCl"])
    except ValueError as error:
        assert "row 0" in str(error) or "position 0" in str(error) or repr(text) in str(error)
        return
    assert features.shape == (2, 145) and np.isfinite(features).all()

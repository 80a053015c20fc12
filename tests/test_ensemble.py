"""Deep ensembles: members from different seeds, mean and spread."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from sklearn_irnet import IRNetRegressor
from sklearn_irnet.ensemble import DeepEnsembleRegressor

from .conftest import FAST_PARAMS

MEMBER = IRNetRegressor(**{**FAST_PARAMS, "max_iter": 8})


def test_mean_and_spread_of_members(regression_data):
    X, y = regression_data
    ensemble = DeepEnsembleRegressor(MEMBER, n_estimators=3, random_state=0).fit(X, y)
    members = np.stack([m.predict(X) for m in ensemble.estimators_])
    mean, std = ensemble.predict(X, return_std=True)
    np.testing.assert_allclose(mean, members.mean(axis=0))
    np.testing.assert_allclose(std, members.std(axis=0))
    assert len(set(ensemble.seeds_)) == 3 and (std > 0).all()
    assert [m.random_state for m in ensemble.estimators_] == list(ensemble.seeds_)
    assert MEMBER.random_state == 0  # the template is not modified


@pytest.mark.slow
def test_parallel_fit_equals_serial_fit(regression_data):
    X, y = regression_data
    serial = DeepEnsembleRegressor(MEMBER, n_estimators=2, random_state=1).fit(X, y)
    parallel = DeepEnsembleRegressor(MEMBER, n_estimators=2, n_jobs=2, random_state=1)
    np.testing.assert_allclose(parallel.fit(X, y).predict(X), serial.predict(X), rtol=1e-6)


def test_multi_output_shapes(regression_data):
    X, y = regression_data
    Y = np.column_stack([y, -y])
    mean, std = DeepEnsembleRegressor(MEMBER, n_estimators=2, random_state=0).fit(
        X, Y).predict(X[:5], return_std=True)
    assert mean.shape == std.shape == (5, 2)


def test_member_without_random_state_is_refused(regression_data):
    X, y = regression_data
    with pytest.raises(ValueError, match="no random_state"):
        DeepEnsembleRegressor(LinearRegression()).fit(X, y)

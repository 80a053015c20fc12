"""Deep ensembles: members from different seeds, mean and spread (regression and
classification)."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.neighbors import KNeighborsClassifier

from sklearn_irnet import IRNetClassifier, IRNetRegressor
from sklearn_irnet.ensemble import DeepEnsembleClassifier, DeepEnsembleRegressor

from .conftest import FAST_PARAMS

MEMBER = IRNetRegressor(**{**FAST_PARAMS, "max_iter": 8})


def test_mean_and_spread_of_members(regression_data):
    X, y = regression_data
    ensemble = DeepEnsembleRegressor(MEMBER, n_estimators=3, random_state=0).fit(X, y)
    members = np.stack([m.predict(X) for m in ensemble.estimators_])
    mean, std = ensemble.predict(X, return_std=True, calibrated=False)
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


def test_multi_output_mean_and_std_follow_the_members_target_by_target(regression_data):
    X, y = regression_data
    Y = np.column_stack([y, -3 * y])
    ensemble = DeepEnsembleRegressor(MEMBER, n_estimators=2, random_state=0).fit(X, Y)
    mean, std = ensemble.predict(X[:5], return_std=True)
    members = np.stack([m.predict(X[:5]) for m in ensemble.estimators_])
    np.testing.assert_allclose(mean, members.mean(axis=0))
    # each target has its own calibration weights, applied to its own spread
    spread = members.std(axis=0)
    np.testing.assert_allclose(std, np.sqrt((ensemble.spread_scale_ * spread) ** 2
                                            + ensemble.std_floor_**2))
    assert ensemble.std_floor_.shape == (2,)
    assert ensemble.std_floor_[1] > 1.5 * ensemble.std_floor_[0]  # the target 3x larger


def test_member_without_random_state_is_refused(regression_data):
    X, y = regression_data
    with pytest.raises(ValueError, match="no random_state"):
        DeepEnsembleRegressor(LinearRegression()).fit(X, y)


def test_mapie_calibrates_the_ensemble_spread_into_intervals():
    """The ensemble plugs into MAPIE's split-conformal regressor with the standardised
    residual score (the spread of the members scales each interval)."""
    from mapie.conformity_scores import StdConformityScore
    from mapie.regression import SplitConformalRegressor

    rng = np.random.RandomState(0)
    X = rng.uniform(-2, 2, size=(900, 3))
    noise = 0.1 + 0.4 * (X[:, 1] > 0)  # twice as noisy on one side
    y = X[:, 0] + noise * rng.normal(size=len(X))
    member = IRNetRegressor(architecture=((32, 2),), max_iter=30, batch_size=64,
                            early_stopping=False, random_state=0)
    ensemble = DeepEnsembleRegressor(member, n_estimators=3, random_state=0)
    ensemble.fit(X[:400], y[:400])
    conformal = SplitConformalRegressor(ensemble, confidence_level=0.9,
                                        conformity_score=StdConformityScore(), prefit=True)
    conformal.conformalize(X[400:650], y[400:650])
    prediction, intervals = conformal.predict_interval(X[650:])
    np.testing.assert_allclose(prediction, ensemble.predict(X[650:]))
    low, high = intervals[:, 0, 0], intervals[:, 1, 0]
    inside = (y[650:] >= low) & (y[650:] <= high)
    assert 0.82 <= inside.mean() <= 0.97  # 90 % nominal, 250 test rows
    assert (high > low).all()


CLASSIFIER_MEMBER = IRNetClassifier(**{**FAST_PARAMS, "max_iter": 8})


def _three_classes(X):
    return np.select([X[:, 0] > 0.5, X[:, 0] < -0.5], ["metal", "insulator"],
                     "semiconductor")


def test_classifier_averages_member_probabilities(regression_data):
    X, _ = regression_data
    y = _three_classes(X)
    ensemble = DeepEnsembleClassifier(CLASSIFIER_MEMBER, n_estimators=3, random_state=0)
    ensemble.fit(X, y)
    members = np.stack([m.predict_proba(X) for m in ensemble.estimators_])
    proba, std = ensemble.predict_proba(X, return_std=True)
    np.testing.assert_allclose(proba, members.mean(axis=0))
    np.testing.assert_allclose(std, members.std(axis=0))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert list(ensemble.classes_) == ["insulator", "metal", "semiconductor"]
    np.testing.assert_array_equal(ensemble.predict(X),
                                  ensemble.classes_[proba.argmax(axis=1)])
    np.testing.assert_allclose(ensemble.predict_log_proba(X), np.log(proba))
    assert len(set(ensemble.seeds_)) == 3 and (std.max(axis=1) > 0).all()
    assert ensemble.score(X, y) > 0.8  # learns the three bands
    assert CLASSIFIER_MEMBER.random_state == 0


def test_classifier_predict_is_a_soft_vote_not_a_majority_vote(regression_data):
    """A row goes to the class whose probability, averaged over the members, is largest,
    even where most members vote for the other class."""
    X, _ = regression_data
    y = np.where(X[:, 0] - X[:, 1] > 0.3, "metal", "insulator")
    ensemble = DeepEnsembleClassifier(CLASSIFIER_MEMBER, n_estimators=3, random_state=3)
    ensemble.fit(X, y)
    metal = np.stack([m.predict_proba(X)[:, 1] for m in ensemble.estimators_])
    soft = np.where(metal.mean(axis=0) > 0.5, "metal", "insulator")
    majority = np.where((metal > 0.5).sum(axis=0) >= 2, "metal", "insulator")
    assert (soft != majority).any()  # rows where the two rules disagree exist here
    np.testing.assert_array_equal(ensemble.predict(X), soft)


def test_classifier_refuses_continuous_targets_and_members_without_proba(regression_data):
    X, y = regression_data
    with pytest.raises(ValueError, match="Unknown label type"):
        DeepEnsembleClassifier(CLASSIFIER_MEMBER).fit(X, y)
    with pytest.raises(ValueError, match="no random_state"):
        DeepEnsembleClassifier(KNeighborsClassifier()).fit(X, y > 0)
    with pytest.raises(ValueError, match="predict_proba"):
        DeepEnsembleClassifier(LinearRegression()).fit(X, y > 0)

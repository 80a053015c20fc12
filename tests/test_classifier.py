"""IRNetClassifier: what it learns, its sklearn contract, persistence and bad input."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_irnet import IRNetClassifier, IRNetRegressor
from sklearn_irnet.persistence import load_model

from .conftest import FAST_PARAMS

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def binary_data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 5))
    y = np.where(X[:, 0] + 0.5 * X[:, 1] > 0, "metal", "insulator")
    return X, y


@pytest.fixture
def three_classes():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(300, 4))
    y = np.digitize(X[:, 0] - X[:, 2], [-0.6, 0.6])  # 0, 1, 2
    return X, y


def test_learns_separable_binary_problem_with_string_labels(binary_data):
    X, y = binary_data
    model = IRNetClassifier(**FAST_PARAMS).fit(X[:200], y[:200])
    assert list(model.classes_) == ["insulator", "metal"]
    assert set(model.predict(X)) <= {"insulator", "metal"}
    assert model.score(X[200:], y[200:]) >= 0.9  # held-out accuracy
    proba = model.predict_proba(X[200:])
    assert proba.shape == (100, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert roc_auc_score(y[200:] == "metal", proba[:, 1]) >= 0.97


def test_decision_function_is_the_log_odds_of_the_second_class(binary_data):
    X, y = binary_data
    model = IRNetClassifier(**FAST_PARAMS).fit(X, y)
    scores = model.decision_function(X)
    proba = model.predict_proba(X)
    assert scores.shape == (len(X),)
    np.testing.assert_allclose(scores, np.log(proba[:, 1] / proba[:, 0]), rtol=1e-6,
                               atol=1e-6)
    np.testing.assert_array_equal(model.predict(X), model.classes_[(scores > 0).astype(int)])
    np.testing.assert_allclose(np.exp(model.predict_log_proba(X)), proba, rtol=1e-10)


def test_multiclass(three_classes):
    X, y = three_classes
    model = IRNetClassifier(**{**FAST_PARAMS, "max_iter": 30}).fit(X[:200], y[:200])
    assert model.architecture_ == "16BARx2-3"
    assert model.decision_function(X).shape == (300, 3)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(model.predict(X), np.argmax(proba, axis=1))
    assert model.score(X[200:], y[200:]) >= 0.85


def test_probabilities_roughly_calibrated_on_a_noisy_problem():
    # labels drawn from a known logistic model: with early stopping on validation loss the
    # predicted probabilities should be close to the true ones, and the Brier score close
    # to that of the true probabilities
    rng = np.random.RandomState(3)
    X = rng.normal(size=(2000, 3))
    p_true = 1 / (1 + np.exp(-(1.5 * X[:, 0] - X[:, 1])))
    y = (rng.uniform(size=2000) < p_true).astype(int)
    model = IRNetClassifier(**{**FAST_PARAMS, "learning_rate_init": 3e-3, "max_iter": 40,
                               "batch_size": 64, "early_stopping": True,
                               "n_iter_no_change": 5}).fit(X[:1500], y[:1500])
    p_model = model.predict_proba(X[1500:])[:, 1]
    assert np.mean(np.abs(p_model - p_true[1500:])) < 0.08
    best = brier_score_loss(y[1500:], p_true[1500:])
    assert brier_score_loss(y[1500:], p_model) < best + 0.02
    # the validation score is the accuracy, the monitored quantity the cross-entropy
    assert 0.6 < model.best_validation_score_ <= 1.0
    assert all(loss > 0.3 for loss in model.validation_loss_curve_)


def test_class_weight_moves_the_decision():
    rng = np.random.RandomState(2)
    X = rng.normal(size=(400, 2))
    y = (X[:, 0] + 0.8 * rng.normal(size=400) > 1.0).astype(int)  # about 20% positives
    params = {**FAST_PARAMS, "max_iter": 20}
    plain = IRNetClassifier(**params).fit(X, y)
    heavy = IRNetClassifier(**params, class_weight={0: 1.0, 1: 10.0}).fit(X, y)
    balanced = IRNetClassifier(**params, class_weight="balanced").fit(X, y)
    assert heavy.predict(X).mean() > plain.predict(X).mean() + 0.1
    assert balanced.predict(X).mean() > plain.predict(X).mean()
    np.testing.assert_allclose(balanced.class_weight_, len(y) / (2 * np.bincount(y)))
    np.testing.assert_array_equal(plain.class_weight_, [1.0, 1.0])


def test_same_seed_same_model_and_regressor_parameters_shared(binary_data):
    X, y = binary_data
    a = IRNetClassifier(**FAST_PARAMS).fit(X, y).predict_proba(X)
    b = IRNetClassifier(**FAST_PARAMS).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    shared = set(IRNetRegressor().get_params()) - {"loss", "standardize_target"}
    assert set(IRNetClassifier().get_params()) == shared | {"class_weight"}


@pytest.mark.parametrize("labels", [
    np.array(["insulator", "metal"]),
    np.array([False, True]),
    np.array([-1, 7]),
    np.array(["a", "b", "c"], dtype=object),
])
def test_save_load_round_trip_keeps_classes(tmp_path, three_classes, labels):
    X, y = three_classes
    y = labels[np.minimum(y, len(labels) - 1)]
    model = IRNetClassifier(**{**FAST_PARAMS, "max_iter": 3},
                            class_weight={labels[0]: 2.0, labels[1]: 1.0,
                                          **({labels[2]: 1.0} if len(labels) > 2 else {})})
    model.fit(X, y)
    path = model.save(tmp_path / "clf.safetensors")
    loaded = load_model(path)
    assert type(loaded) is IRNetClassifier
    np.testing.assert_array_equal(loaded.classes_, model.classes_)
    assert loaded.classes_.dtype == model.classes_.dtype
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.get_params()["class_weight"] == model.class_weight
    with pytest.raises(ValueError, match="not a IRNetRegressor"):
        IRNetRegressor.load(path)


def test_clone_gridsearch_pipeline_and_cross_validation(binary_data):
    X, y = binary_data
    model = IRNetClassifier(**{**FAST_PARAMS, "max_iter": 8})
    assert clone(model).get_params() == model.get_params()
    search = GridSearchCV(model, {"alpha": [0.0, 1e-3]}, cv=2, scoring="roc_auc")
    search.fit(X, y)
    assert search.best_score_ > 0.9
    pipe = make_pipeline(StandardScaler(), clone(model)).fit(pd.DataFrame(X), y)
    assert pipe.score(pd.DataFrame(X), y) > 0.9
    scores = cross_val_score(model, X, y, cv=StratifiedKFold(3), scoring="accuracy")
    assert scores.min() > 0.85


def test_calibrated_classifier_cv_route(binary_data):
    X, y = binary_data
    calibrated = CalibratedClassifierCV(IRNetClassifier(**{**FAST_PARAMS, "max_iter": 8}),
                                        method="sigmoid", cv=2).fit(X, y)
    proba = calibrated.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert calibrated.score(X, y) > 0.9


def test_warm_start_keeps_classes_and_refuses_new_labels(binary_data):
    X, y = binary_data
    model = IRNetClassifier(**{**FAST_PARAMS, "max_iter": 3}, warm_start=True).fit(X, y)
    model.fit(X[y == "metal"], y[y == "metal"])  # a subset of the classes is fine
    assert model.n_iter_ == 6 and list(model.classes_) == ["insulator", "metal"]
    with pytest.raises(ValueError, match="lack"):
        model.fit(X, np.where(y == "metal", "metal", "semimetal"))
    assert model.n_iter_ == 6  # the failed fit left the model as it was


def test_bad_input_gives_clear_errors(binary_data):
    X, y = binary_data
    model = IRNetClassifier(**FAST_PARAMS)
    with pytest.raises(ValueError, match="at least 2 classes.*'metal'"):
        model.fit(X[:10], np.array(["metal"] * 10))
    with pytest.raises(ValueError, match="Unknown label type: 'continuous'.*IRNetRegressor"):
        model.fit(X, X[:, 0])
    with pytest.raises(ValueError, match="class_weight"):
        IRNetClassifier(class_weight="even").fit(X, y)
    with pytest.raises(ValueError, match="at least 2 samples"):
        model.fit(X[:1], y[:1])
    with_nan = X.copy()
    with_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"1 NaN .*'column 1'.*IRNetClassifier needs finite"):
        model.fit(with_nan, y)


def test_fine_tunes_a_pretrained_regressor_network(tmp_path, binary_data):
    X, y = binary_data
    # a source as the shipped networks are, without a numeric embedding
    source = IRNetRegressor(**FAST_PARAMS, numeric_embedding=None).fit(X, X[:, 0])
    path = source.save(tmp_path / "source.safetensors")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = IRNetClassifier(**{**FAST_PARAMS, "max_iter": 5}, pretrained=str(path),
                                freeze_stacks=1).fit(X, y)
    assert model.architecture_ == "16BARx2-2"
    np.testing.assert_array_equal(model.input_mean_, source.input_mean_)
    assert model.score(X, y) > 0.9


def test_divergence_message_names_only_the_classifiers_own_settings(binary_data):
    from .test_estimator import _BreakWeights

    X, y = binary_data
    model = IRNetClassifier(**{**FAST_PARAMS, "callbacks": [_BreakWeights(epoch=1)]})
    with pytest.raises(FloatingPointError, match="keep standardize_inputs=True, or") as info:
        model.fit(X, y)
    assert "standardize_target" not in str(info.value)  # a regressor-only parameter


def test_hooks_return_the_class_attributes_and_set_nothing():
    X = np.random.RandomState(0).normal(size=(20, 3))
    y = np.array(["b", "a"] * 10)
    model = IRNetClassifier(class_weight="balanced")
    before = dict(model.__dict__)
    X_checked, y_index, state = model._validate_training_data(X, y, reset=True)
    assert model.__dict__.keys() - before.keys() <= {"n_features_in_"}  # validate_data's
    assert state["classes_"].tolist() == ["a", "b"]
    np.testing.assert_array_equal(y_index, [1, 0] * 10)
    np.testing.assert_allclose(state["class_weight_"], [1.0, 1.0])
    assert model._fit_target(y_index) == {}

"""IRNetRegressor inside the scikit-learn workflow: pipelines, searches, CV, persistence."""

import os
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback

from sklearn_irnet import IRNetRegressor

from .conftest import FAST_PARAMS

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_pipeline_with_imputer_and_scaler(regression_data):
    X, y = regression_data
    X = X.copy()
    X[::7, 2] = np.nan
    pipe = make_pipeline(SimpleImputer(), StandardScaler(), IRNetRegressor(**FAST_PARAMS))
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.5
    assert np.isfinite(pipe.predict(X)).all()


def test_column_transformer_with_pandas_names(regression_data):
    X, y = regression_data
    frame = pd.DataFrame(X, columns=list("abcdef"))
    pre = ColumnTransformer([("scaled", StandardScaler(), ["a", "b", "c"])], remainder="drop")
    pipe = make_pipeline(pre, IRNetRegressor(**FAST_PARAMS)).set_output(transform="pandas")
    pipe.fit(frame, y)
    assert list(pipe[-1].feature_names_in_) == ["scaled__a", "scaled__b", "scaled__c"]


def _grid_search(X, y, n_jobs):
    grid = {"architecture": [((16, 2),), "32BARx1-16BAx1-1"], "learning_rate_init": [1e-3, 1e-2]}
    search = GridSearchCV(IRNetRegressor(**FAST_PARAMS), grid, cv=2, n_jobs=n_jobs)
    return search.fit(X, y)


@pytest.mark.slow
def test_grid_search_in_parallel_matches_serial(regression_data):
    X, y = regression_data
    parallel = _grid_search(X, y, n_jobs=2)
    serial = _grid_search(X, y, n_jobs=1)
    assert parallel.best_params_ == serial.best_params_
    np.testing.assert_allclose(parallel.cv_results_["mean_test_score"],
                               serial.cv_results_["mean_test_score"], rtol=1e-6)
    assert parallel.best_estimator_.predict(X).shape == (len(X),)


def test_cross_validate(regression_data):
    X, y = regression_data
    result = cross_validate(IRNetRegressor(**FAST_PARAMS), X, y,
                            cv=KFold(3, shuffle=True, random_state=0),
                            scoring=("neg_mean_absolute_error", "r2"), return_estimator=True)
    assert len(result["test_r2"]) == 3 and np.all(result["test_r2"] > 0.3)
    assert all(est.n_iter_ == FAST_PARAMS["max_iter"] for est in result["estimator"])


def test_transformed_target_regressor(regression_data):
    X, y = regression_data
    y_positive = np.exp(y / 4)
    model = TransformedTargetRegressor(IRNetRegressor(**FAST_PARAMS), func=np.log,
                                       inverse_func=np.exp)
    model.fit(X, y_positive)
    assert (model.predict(X) > 0).all()
    assert model.score(X, y_positive) > 0.5


def test_clone_gives_unfitted_copy_with_same_params(regression_data):
    X, y = regression_data
    model = IRNetRegressor(**FAST_PARAMS).fit(X, y)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "net_")
    np.testing.assert_array_equal(copy.fit(X, y).predict(X), model.predict(X))


@pytest.mark.parametrize("dump, load", [(pickle.dumps, pickle.loads),
                                        ("joblib", "joblib")])
@pytest.mark.slow
def test_persistence_round_trip(regression_data, tmp_path, dump, load):
    X, y = regression_data
    model = IRNetRegressor(**{**FAST_PARAMS, "early_stopping": True}).fit(X, y)
    if dump == "joblib":
        path = tmp_path / "model.joblib"
        joblib.dump(model, path)
        restored = joblib.load(path)
    else:
        restored = load(dump(model))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    assert restored.net_.train_split is None  # validation data is not stored in the model
    assert restored.loss_curve_ == model.loss_curve_
    restored.set_params(warm_start=True, max_iter=2).fit(X, y)  # still trainable
    assert restored.n_iter_ == model.n_iter_ + 2


class _ThreadRecorder(Callback):
    def on_epoch_end(self, net, **kwargs):
        self.threads_ = torch.get_num_threads()


@pytest.mark.slow
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs at least 2 cores for 2 workers")
def test_parallel_workers_use_one_torch_thread_each(regression_data):
    # joblib limits OpenMP threads in its workers to cores // n_jobs: with n_jobs equal to the
    # core count each worker must train with one torch thread, not oversubscribe the cores.
    X, y = regression_data
    model = IRNetRegressor(**{**FAST_PARAMS, "max_iter": 1, "callbacks": [_ThreadRecorder()]})
    result = cross_validate(model, X, y, cv=2, n_jobs=os.cpu_count(), return_estimator=True)
    seen = {dict(est.net_.callbacks_)["_ThreadRecorder"].threads_ for est in result["estimator"]}
    assert seen == {1}

"""compare_models: estimator objects on shared repeated splits, corrected intervals, a
paired test against the best model, provenance, files that reload."""

import json

import numpy as np
import pytest
from scipy import stats
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import BayesianRidge, LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import make_scorer, max_error
from sklearn.model_selection import GroupKFold, KFold

from sklearn_irnet import IRNetClassifier, IRNetRegressor
from sklearn_irnet._calibration import TooFewCalibrationRows
from sklearn_irnet.compare import (
    ModelComparison,
    RepeatedGroupSplits,
    compare_models,
    corrected_mean,
    resolve_cv,
    training_size_curve,
)

from .conftest import FAST_PARAMS

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _labels(X):
    return np.where(X[:, 0] - 0.5 * X[:, 1] > 0, "metal", "insulator")


def test_models_share_repeated_splits_and_results_are_tidy(regression_data):
    X, y = regression_data
    models = {"linear": LinearRegression(), "irnet": IRNetRegressor(**FAST_PARAMS),
              "mean": DummyRegressor()}
    result = compare_models(models, X, y, cv=4, n_repeats=2, random_state=3)
    scores = result.scores
    assert list(scores.columns) == ["model", "repeat", "fold", "split", "n_train", "n_test",
                                    "mae", "rmse", "r2", "fit_time", "score_time"]
    assert len(scores) == 3 * 8 and set(scores["repeat"]) == {0, 1}
    assert set(scores["fold"]) == {0, 1, 2, 3} and set(scores["split"]) == set(range(8))
    # every model saw exactly the same test rows in each split, and each repeat covers
    # every row once with a new shuffle
    rows = result.predictions.groupby(["model", "split"])["row"].apply(
        lambda r: tuple(sorted(r)))
    for split in range(8):
        assert rows["linear", split] == rows["irnet", split] == rows["mean", split]
    for _, linear in result.predictions.query("model == 'linear'").groupby("repeat"):
        assert sorted(linear["row"]) == list(range(len(X)))
    assert rows["linear", 0] != rows["linear", 4]
    # the tidy MAE is the MAE of the stored out-of-fold predictions
    split = result.predictions.query("model == 'linear' and split == 5")
    expected = np.mean(np.abs(split["y_true"] - split["y_pred"]))
    assert scores.query("model == 'linear' and split == 5")["mae"].item() == \
        pytest.approx(expected)
    summary = result.summary()
    assert list(summary.index) == ["linear", "irnet", "mean"]  # best MAE first
    assert (summary["n_splits"] == 8).all()
    assert summary.loc["mean", "r2_mean"] < 0.05 < summary.loc["linear", "r2_mean"]
    # the estimators of every split are kept, the provenance names the models' params
    assert len(result.estimators["irnet"]) == 8
    record = result.provenance["models"]["irnet"]
    assert record["class"] == "sklearn_irnet.estimator.IRNetRegressor"
    assert record["params"]["max_iter"] == FAST_PARAMS["max_iter"]


def test_corrected_interval_and_p_value_follow_nadeau_bengio():
    values = np.array([0.10, 0.12, 0.09, 0.11, 0.13, 0.10])
    ratio = 0.25
    result = corrected_mean(values, ratio)
    se = np.sqrt((1 / 6 + ratio) * values.var(ddof=1))
    half = stats.t.ppf(0.975, df=5) * se
    assert result.mean == pytest.approx(values.mean())
    assert (result.low, result.high) == pytest.approx((values.mean() - half,
                                                       values.mean() + half))
    assert result.p_value == pytest.approx(2 * stats.t.sf(values.mean() / se, df=5))
    # without the correction term it is the one-sample t-test
    plain = corrected_mean(values - 0.1, 0.0)
    assert plain.p_value == pytest.approx(stats.ttest_1samp(values - 0.1, 0.0).pvalue)
    # the correction widens the interval
    assert (result.high - result.low) > (plain.high - plain.low)
    single = corrected_mean([0.3], ratio)
    assert single.mean == 0.3 and np.isnan(single.low) and np.isnan(single.p_value)
    assert corrected_mean([np.nan, 1.0, 3.0], 0.0).n_splits == 2


def test_paired_test_separates_models_on_the_same_splits(regression_data):
    X, y = regression_data
    models = {"ridge": Ridge(alpha=1.0), "same_ridge": Ridge(alpha=1.0),
              "mean": DummyRegressor()}
    result = compare_models(models, X, y, cv=5, n_repeats=3, random_state=0)
    summary = result.summary()
    best = summary.index[0]
    assert best in {"ridge", "same_ridge"}
    twin = "same_ridge" if best == "ridge" else "ridge"
    # an identical model on identical splits: zero difference, not distinguishable
    assert summary.loc[twin, "diff_mean"] == 0 and summary.loc[twin, "p_value"] == 1.0
    assert not summary.loc[twin, "distinguishable"]
    assert summary.loc["mean", "distinguishable"]
    assert summary.loc["mean", "diff_low"] > 0
    differences = result.paired_differences("mean", best)
    assert len(differences) == 15
    assert summary.loc["mean", "diff_mean"] == pytest.approx(differences.mean())
    table = result.table()
    assert table.iloc[0]["Δ MAE vs best"] == "best"
    assert table.set_index("model").loc["mean", "distinguishable from best?"] == "yes"
    assert table.set_index("model").loc[twin, "distinguishable from best?"] == "no"
    markdown = result.to_markdown()
    assert "| distinguishable from best? |" in markdown and "3 × 5-fold (15 splits)" in markdown
    assert "<table" in result._repr_html_() and "Nadeau-Bengio" in result._repr_html_()
    assert "ModelComparison(regression, 3 models)" in repr(result)


def test_repeated_group_splits_keep_groups_apart_and_reshuffle():
    groups = np.repeat(np.arange(20), 3)
    splitter = resolve_cv(4, n_repeats=3, groups=groups, random_state=1)
    assert isinstance(splitter, RepeatedGroupSplits) and splitter.get_n_splits() == 12
    splits = list(splitter.split(np.zeros((60, 1)), groups=groups))
    assert len(splits) == 12
    for train, test in splits:
        assert not set(groups[train]) & set(groups[test])
    first_repeat = {tuple(sorted(test)) for _, test in splits[:4]}
    second_repeat = {tuple(sorted(test)) for _, test in splits[4:8]}
    assert first_repeat != second_repeat
    # the same seed gives the same splits
    again = list(resolve_cv(4, n_repeats=3, groups=groups, random_state=1).split(
        np.zeros((60, 1)), groups=groups))
    assert all((a[1] == b[1]).all() for a, b in zip(splits, again, strict=True))


@pytest.mark.parametrize("kwargs, message", [
    ({"cv": 5, "n_repeats": 0}, "n_repeats must be an integer >= 1"),
    ({"test_fold": [0, 1, 0, 1], "n_repeats": 2}, "n_repeats > 1 needs an int cv"),
    ({"cv": KFold(3), "n_repeats": 3}, "n_repeats > 1 needs an int cv"),
    ({"cv": 1}, "at least 2 folds"),
])
def test_resolve_cv_rejects_what_it_cannot_repeat(kwargs, message):
    with pytest.raises(ValueError, match=message):
        resolve_cv(**kwargs)


def test_bad_models_get_clear_errors(regression_data):
    X, y = regression_data
    with pytest.raises(ValueError, match="takes estimator objects.*make_model"):
        compare_models(["ridge"], X, y)
    with pytest.raises(ValueError, match="regressors or classifiers, not both"):
        compare_models({"r": Ridge(), "c": LogisticRegression()}, X, _labels(X))
    with pytest.raises(ValueError, match="models is empty"):
        compare_models({}, X, y)
    with pytest.raises(ValueError, match="not a scikit-learn estimator"):
        compare_models({"x": object()}, X, y)


def test_a_list_of_estimators_is_named_after_their_classes(regression_data):
    X, y = regression_data
    result = compare_models([Ridge(), Ridge(alpha=10.0), DummyRegressor()], X, y, cv=3,
                            n_repeats=1)
    assert result.models == ["ridge", "ridge-2", "dummyregressor"]


def test_metrics_come_from_scorers(regression_data):
    X, y = regression_data
    worst = make_scorer(max_error, greater_is_better=False)
    result = compare_models({"ridge": Ridge(), "mean": DummyRegressor()}, X, y, cv=3,
                            n_repeats=1,
                            scoring={"medae": "neg_median_absolute_error", "max_err": worst,
                                     "r2": "r2"})
    assert result.metrics == ("medae", "max_err", "r2")
    assert result.lower_is_better == ("medae",)
    split = result.predictions.query("model == 'ridge' and split == 1")
    row = result.scores.query("model == 'ridge' and split == 1")
    assert row["medae"].item() == pytest.approx(np.median(np.abs(split.y_true - split.y_pred)))
    # a callable scorer is shown as it returns (greater is better: here the negated loss)
    assert row["max_err"].item() == pytest.approx(-np.max(np.abs(split.y_true - split.y_pred)))
    by_name = compare_models([Ridge()], X, y, cv=3, n_repeats=1,
                             scoring=["neg_mean_absolute_error", "rmse"])
    assert by_name.metrics == ("mae", "rmse") and (by_name.scores["mae"] > 0).all()
    with pytest.raises(ValueError, match="Unknown metric 'accuracy_of_vibes'"):
        compare_models([Ridge()], X, y, scoring="accuracy_of_vibes")


def test_results_save_reload_and_combine(regression_data, tmp_path):
    X, y = regression_data
    common = {"cv": 3, "n_repeats": 2, "random_state": 5}
    both = compare_models({"ridge": Ridge(), "mean": DummyRegressor()}, X, y, **common)
    first = compare_models({"ridge": Ridge()}, X, y, **common)
    second = compare_models({"mean": DummyRegressor()}, X, y, **common)
    combined = ModelComparison.combine([first, second])
    np.testing.assert_allclose(combined.summary()["mae_mean"], both.summary()["mae_mean"])
    np.testing.assert_allclose(combined.summary().loc["mean", "p_value"],
                               both.summary().loc["mean", "p_value"])
    folder = combined.save(tmp_path / "run")
    assert sorted(p.name for p in folder.iterdir()) == [
        "predictions.csv", "provenance.json", "scores.csv", "summary.csv", "summary.md"]
    loaded = ModelComparison.load(folder)
    assert loaded.to_markdown() == combined.to_markdown()
    assert (folder / "summary.md").read_text() == combined.to_markdown() + "\n"
    record = json.loads((folder / "provenance.json").read_text())
    assert set(record["models"]) == {"ridge", "mean"}
    assert record["models"]["ridge"]["params"]["alpha"] == 1.0
    assert record["splitter"].startswith("RepeatedKFold(n_repeats=2, n_splits=3")
    assert {"scikit-learn", "torch", "sklearn-irnet"} <= set(record["versions"])
    assert "cpu_count" in record["machine"] and "source" in record
    # other splits cannot be combined
    other = compare_models({"other": Ridge()}, X, y, cv=3, n_repeats=2, random_state=6)
    with pytest.raises(ValueError, match="different test rows"):
        ModelComparison.combine([first, other])
    with pytest.raises(ValueError, match="more than one comparison"):
        ModelComparison.combine([first, first])
    with pytest.raises(FileNotFoundError, match="not a saved comparison"):
        ModelComparison.load(tmp_path)


def test_predefined_folds_and_group_splitters(regression_data):
    X, y = regression_data
    test_fold = np.arange(len(X)) % 3
    # predefined folds and splitter objects run as given: one repeat unless told otherwise
    result = compare_models([Ridge()], X, y, test_fold=test_fold)
    assert result.scores["split"].tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="n_repeats > 1 needs an int cv"):
        compare_models([Ridge()], X, y, test_fold=test_fold, n_repeats=2)
    # an int cv repeats 3 times by default
    assert len(compare_models([Ridge()], X, y, cv=4).scores) == 12
    for fold, rows in result.predictions.groupby("fold")["row"]:
        assert set(test_fold[rows.to_numpy()]) == {fold}
    groups = np.arange(len(X)) // 10
    grouped = compare_models([DummyRegressor()], X, y, cv=GroupKFold(3), groups=groups)
    for _, rows in grouped.predictions.groupby("fold")["row"]:
        test_groups = set(groups[rows.to_numpy()])
        assert not test_groups & (set(groups) - test_groups)


def test_integer_cv_splits_by_group_when_groups_repeat(regression_data):
    X, y = regression_data
    repeated = np.arange(len(X)) // 2
    result = compare_models([DummyRegressor()], X, y, cv=3, n_repeats=2, groups=repeated)
    assert result.provenance["splitter"].startswith("RepeatedGroupSplits(GroupKFold")
    for _, rows in result.predictions.groupby("split")["row"]:
        test = set(repeated[rows.to_numpy()])
        assert not test & (set(repeated) - test)


def test_parallel_splits_match_serial(regression_data):
    X, y = regression_data
    serial = compare_models({"irnet": IRNetRegressor(**FAST_PARAMS)}, X, y, cv=2,
                            n_repeats=1)
    parallel = compare_models({"irnet": IRNetRegressor(**FAST_PARAMS)}, X, y, cv=2,
                              n_repeats=1, n_jobs=2)
    np.testing.assert_allclose(serial.scores["mae"], parallel.scores["mae"], rtol=1e-5)


def test_pooled_fits_match_serial_fits_and_report_models_in_order(regression_data):
    import pandas as pd

    X, y = regression_data
    frame, target = pd.DataFrame(X), pd.Series(y, index=np.arange(len(y)) + 1000)
    models = {"irnet": IRNetRegressor(**FAST_PARAMS), "ridge": Ridge(),
              "mean": DummyRegressor()}
    lines = []
    pooled = compare_models(models, frame, target, cv=3, n_repeats=1, n_jobs=2,
                            progress=lines.append)
    serial = compare_models(models, X, y, cv=3, n_repeats=1)
    assert [line.split(":")[0] for line in lines] == ["[1/3] irnet", "[2/3] ridge",
                                                      "[3/3] mean"]
    assert all("s per fit" in line for line in lines)
    assert pooled.scores[["model", "split"]].equals(serial.scores[["model", "split"]])
    np.testing.assert_allclose(pooled.scores["mae"], serial.scores["mae"], rtol=1e-5)
    assert [len(fits) for fits in pooled.estimators.values()] == [3, 3, 3]
    # a pandas target is indexed by position, not by its labels
    ridge = pooled.predictions.query("model == 'ridge'").sort_values("row")
    np.testing.assert_allclose(ridge["y_true"], y)


def test_training_size_curve_cuts_training_folds(regression_data):
    X, y = regression_data
    full = compare_models([Ridge()], X, y, cv=4, n_repeats=1)
    table = training_size_curve([Ridge()], X, y, [0.25, 1.0], cv=4, full=full)
    assert sorted(table["n_train"].unique()) == [45, 180]
    assert table.query("n_train == 180")["mae"].tolist() == full.scores["mae"].tolist()
    with pytest.raises(ValueError, match="fractions must lie in"):
        training_size_curve([Ridge()], X, y, [0.0, 0.5])


def test_classification_comparison_is_stratified_with_classifier_metrics(regression_data):
    from sklearn.metrics import balanced_accuracy_score, brier_score_loss, roc_auc_score

    X, _ = regression_data
    y = _labels(X)
    models = {"irnet": IRNetClassifier(**FAST_PARAMS),
              "logistic": LogisticRegression(), "prior": DummyClassifier()}
    result = compare_models(models, X, y, cv=4, n_repeats=2)
    assert result.task == "classification"
    assert result.metrics == ("roc_auc", "roc_auc_labels", "accuracy", "f1", "brier")
    assert result.lower_is_better == ("brier",)
    share = np.mean(y == "metal")
    for _, rows in result.predictions.query("model == 'prior'").groupby("split"):
        assert abs(np.mean(rows["y_true"] == "metal") - share) < 0.03
    summary = result.summary()
    assert summary.loc["prior", "roc_auc_mean"] == 0.5 and summary.index[0] != "prior"
    assert summary.loc["logistic", "roc_auc_mean"] > 0.97
    split = result.predictions.query("model == 'logistic' and split == 3")
    row = result.scores.query("model == 'logistic' and split == 3")
    positive = split["y_true"] == "metal"
    assert row["roc_auc"].item() == pytest.approx(roc_auc_score(positive, split["y_score"]))
    assert row["brier"].item() == pytest.approx(brier_score_loss(positive, split["y_score"]))
    # Matbench's ROC-AUC of hard labels is the balanced accuracy
    assert row["roc_auc_labels"].item() == pytest.approx(
        balanced_accuracy_score(split["y_true"], split["y_pred"]))
    assert summary.loc["irnet", "accuracy_mean"] > 0.85
    assert "ROC-AUC" in result.to_markdown() and "Brier" in result.to_markdown()


def test_multiclass_comparison_keeps_class_probabilities():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 3))
    y = np.digitize(X[:, 0], [-0.5, 0.5])
    result = compare_models([LogisticRegression()], X, y, cv=3, n_repeats=1)
    assert {"proba_0", "proba_1", "proba_2"} <= set(result.predictions.columns)
    assert result.scores["brier"].isna().all() and (result.scores["roc_auc"] > 0.9).all()
    assert result.scores["roc_auc_labels"].isna().all()


def test_differences_plot_draws_every_other_model(regression_data, tmp_path):
    pytest.importorskip("matplotlib")
    X, y = regression_data
    result = compare_models({"ridge": Ridge(), "mean": DummyRegressor(),
                             "knn": IRNetRegressor(**FAST_PARAMS)}, X, y, cv=3, n_repeats=1)
    ax = result.plot_differences()
    labels = [tick.get_text() for tick in ax.get_yticklabels()]
    assert sorted(labels) == sorted(result.summary().index[1:])
    path = result.plot_differences(path=tmp_path / "d.png")
    assert path.stat().st_size > 1000
    others = [m for m in result.summary().index[1:] if m != "mean"]
    ax = result.plot_differences(exclude=("mean",))
    assert sorted(tick.get_text() for tick in ax.get_yticklabels()) == sorted(others)


class _BayesWithIntervals(BayesianRidge):
    """BayesianRidge whose own intervals are ``mean ± 10 * level`` (95 % refused with
    ``refuse=True``, as an ensemble with too few calibration rows refuses it)."""

    def __init__(self, *, refuse=False):
        super().__init__()
        self.refuse = refuse

    def predict_interval(self, X, confidence_level=0.95):
        if self.refuse and confidence_level > 0.9:
            raise TooFewCalibrationRows("too few calibration rows")
        mean = self.predict(X)
        return mean - 10 * confidence_level, mean + 10 * confidence_level


class _OtherSignature(BayesianRidge):
    """A ``predict_interval`` without ``confidence_level`` (as MAPIE's): not ours."""

    def predict_interval(self, X):
        raise AssertionError("compare must not call it")


def test_a_model_with_its_own_intervals_is_scored_on_them():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 3))
    y = X[:, 0] + 0.5 * rng.normal(size=300)
    result = compare_models({"own": _BayesWithIntervals(),
                             "refusing": _BayesWithIntervals(refuse=True),
                             "gaussian": BayesianRidge(),
                             "other_signature": _OtherSignature()}, X, y, cv=3)
    summary = result.summary()
    # ± 6.8 and ± 9.5 around the mean hold every row; width 19
    assert summary.loc["own", "coverage_68_mean"] == 1.0
    assert summary.loc["own", "width_95_mean"] == pytest.approx(19.0)
    split = result.predictions.query("model == 'own' and split == 1")
    np.testing.assert_allclose(split.y_upper_95 - split.y_pred, 9.5)
    # a model that cannot give a level is read as a Gaussian, as one without intervals
    for column in ("coverage_68_mean", "width_95_mean", "nll_mean"):
        assert summary.loc["refusing", column] == pytest.approx(
            summary.loc["gaussian", column])
    assert summary.loc["gaussian", "width_95_mean"] < 3
    assert summary.loc["other_signature", "width_95_mean"] == pytest.approx(
        summary.loc["gaussian", "width_95_mean"])


def test_models_with_a_std_get_interval_metrics_and_a_reliability_plot(tmp_path):
    """BayesianRidge on linear data with Gaussian noise predicts calibrated intervals:
    the interval columns are computed from the stored out-of-fold predictions."""
    from sklearn.linear_model import BayesianRidge

    from sklearn_irnet.uncertainty import crps_gaussian, gaussian_nll

    rng = np.random.RandomState(0)
    X = rng.normal(size=(600, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.5 * rng.normal(size=600)
    result = compare_models({"bayes": BayesianRidge(), "ridge": Ridge()}, X, y, cv=5,
                            n_repeats=2)
    assert result.metrics == ("mae", "rmse", "r2", "coverage_68", "coverage_95",
                              "width_95", "nll", "crps")
    assert set(result.lower_is_better) == {"mae", "rmse", "width_95", "nll", "crps"}
    summary = result.summary()
    assert 0.92 <= summary.loc["bayes", "coverage_95_mean"] <= 0.98
    assert 0.62 <= summary.loc["bayes", "coverage_68_mean"] <= 0.74
    assert summary.loc["bayes", "width_95_mean"] == pytest.approx(2 * 1.96 * 0.5, rel=0.1)
    assert np.isnan(summary.loc["ridge", "nll_mean"])  # no std, no interval metrics
    split = result.predictions.query("model == 'bayes' and split == 3")
    row = result.scores.query("model == 'bayes' and split == 3")
    assert row["nll"].item() == pytest.approx(
        gaussian_nll(split.y_true, split.y_pred, split.y_std))
    assert row["crps"].item() == pytest.approx(
        crps_gaussian(split.y_true, split.y_pred, split.y_std))
    table = result.table().set_index("model")
    assert table.loc["ridge", "NLL (95% CI)"] == "" and table.loc["bayes", "NLL (95% CI)"]
    # saved, reloaded and combined with a comparison without them
    loaded = ModelComparison.load(result.save(tmp_path / "run"))
    assert loaded.metrics == result.metrics
    other = compare_models({"mean": DummyRegressor()}, X, y, cv=5, n_repeats=2)
    combined = ModelComparison.combine([loaded, other])
    assert combined.metrics == result.metrics and np.isnan(
        combined.summary().loc["mean", "crps_mean"])
    pytest.importorskip("matplotlib")
    from sklearn_irnet.plotting import comparison_figures

    written = comparison_figures(tmp_path / "run", result, target_label="y")
    assert (tmp_path / "run" / "interval_reliability.png") in written


def test_without_return_estimators_no_fitted_model_comes_back(regression_data):
    X, y = regression_data
    result = compare_models([Ridge()], X, y, cv=3, n_repeats=1, return_estimators=False)
    assert result.estimators == {}
    assert len(result.scores) == 3 and result.scores["mae"].notna().all()

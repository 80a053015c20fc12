"""compare_models: same folds for every model, tidy results, ready-made models."""

import numpy as np
import pytest
from sklearn.base import is_classifier
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GroupKFold

from sklearn_irnet import IRNetClassifier, IRNetRegressor
from sklearn_irnet.compare import (
    MODEL_NAMES,
    compare_models,
    make_model,
    resolve_cv,
    training_size_curve,
)

from .conftest import FAST_PARAMS

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_models_share_folds_and_results_are_tidy(regression_data):
    X, y = regression_data
    models = {"linear": LinearRegression(), "irnet": IRNetRegressor(**FAST_PARAMS)}
    result = compare_models({**models, "dummy": make_model("dummy")}, X, y, cv=4)
    scores = result.scores
    assert list(scores.columns) == ["model", "fold", "n_train", "n_test", "mae", "rmse", "r2",
                                    "fit_time", "predict_time"]
    assert len(scores) == 12 and set(scores["model"]) == {"linear", "irnet", "dummy"}
    # every model saw exactly the same test rows in each fold
    rows = result.predictions.groupby(["model", "fold"])["row"].apply(lambda r: tuple(sorted(r)))
    for fold in range(4):
        assert rows["linear", fold] == rows["irnet", fold] == rows["dummy", fold]
    assert sorted(result.predictions.query("model == 'linear'")["row"]) == list(range(len(X)))
    # the tidy MAE is the MAE of the stored out-of-fold predictions
    linear = result.predictions.query("model == 'linear' and fold == 0")
    expected = np.mean(np.abs(linear["y_true"] - linear["y_pred"]))
    assert scores.query("model == 'linear' and fold == 0")["mae"].item() == pytest.approx(expected)
    summary = result.summary()
    assert list(summary.index) == ["linear", "irnet", "dummy"]  # best MAE first
    assert summary.loc["dummy", "r2_mean"] < 0.05 < summary.loc["linear", "r2_mean"]
    assert "| linear | 4 |" in result.to_markdown()


def test_predefined_folds_and_group_splitters(regression_data):
    X, y = regression_data
    test_fold = np.arange(len(X)) % 3
    result = compare_models(["ridge"], X, y, test_fold=test_fold)
    for fold, rows in result.predictions.groupby("fold")["row"]:
        assert set(test_fold[rows.to_numpy()]) == {fold}
    groups = np.arange(len(X)) // 10
    grouped = compare_models(["dummy"], X, y, cv=GroupKFold(3), groups=groups)
    for _, rows in grouped.predictions.groupby("fold")["row"]:
        test_groups = set(groups[rows.to_numpy()])
        train_groups = set(groups) - test_groups
        assert not test_groups & train_groups


@pytest.mark.slow
def test_parallel_folds_match_serial(regression_data):
    X, y = regression_data
    serial = compare_models({"irnet": IRNetRegressor(**FAST_PARAMS)}, X, y, cv=2)
    parallel = compare_models({"irnet": IRNetRegressor(**FAST_PARAMS)}, X, y, cv=2, n_jobs=2)
    np.testing.assert_allclose(serial.scores["mae"], parallel.scores["mae"], rtol=1e-6)


def test_make_model_names():
    assert {"random_forest", "extra_trees", "hist_gradient_boosting", "ridge", "knn",
            "dummy"} <= set(MODEL_NAMES)
    assert {f"{f}{d}" for f in ("irnet", "srnet", "plain") for d in (17, 24, 48)} <= set(
        MODEL_NAMES)
    net = make_model("plain48", max_iter=7, random_state=3)
    assert (net.architecture, net.max_iter, net.random_state) == ("plain48", 7, 3)
    with pytest.raises(ValueError, match="Unknown model 'rf'"):
        make_model("rf")
    with pytest.raises(ValueError, match="at least 2"):
        resolve_cv(1)


def test_linear_baseline_is_protected_from_out_of_range_features():
    from sklearn.utils.estimator_checks import check_estimator

    from sklearn_irnet.preprocessing import ClipToTrainingRange

    check_estimator(ClipToTrainingRange())
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 3))
    X[:, 2] = 0.0
    X[0, 2] = 1e-5  # non-zero in one training row only, which the column then "explains"
    y = X[:, 0].copy()
    y[0] += 5
    X_new = np.array([[0.0, 0.0, 1.5]])
    ridge = make_model("ridge").fit(X, y)
    # measured: 5.0 with clipping, 7.5e5 for StandardScaler + RidgeCV without it
    assert abs(ridge.predict(X_new)[0]) < 6


def test_integer_cv_splits_by_group_when_groups_repeat():
    X, y = np.zeros((12, 1)), np.arange(12.0)
    repeated = np.repeat(np.arange(6), 2)
    splitter = resolve_cv(3, groups=repeated, random_state=1)
    assert isinstance(splitter, GroupKFold)
    for train, test in splitter.split(X, y, repeated):
        assert not set(repeated[train]) & set(repeated[test])
    # all-distinct groups: the same shuffled KFold (and folds) as without groups
    unique = resolve_cv(3, groups=np.arange(12), random_state=1)
    plain = resolve_cv(3, random_state=1)
    assert repr(unique) == repr(plain) == "KFold(n_splits=3, random_state=1, shuffle=True)"
    with pytest.raises(ValueError, match="cv=4 folds need at least 4 distinct groups, got 3"):
        resolve_cv(4, groups=[0, 0, 1, 1, 2, 2])
    result = compare_models(["dummy"], X, y, cv=3, groups=repeated)
    for _, rows in result.predictions.groupby("fold")["row"]:
        train = np.setdiff1d(np.arange(12), rows.to_numpy())
        assert not set(repeated[rows.to_numpy()]) & set(repeated[train])


def test_training_size_curve_cuts_training_folds(regression_data):
    X, y = regression_data
    full = compare_models(["ridge"], X, y, cv=4)
    table = training_size_curve(["ridge"], X, y, [1.0, 0.25], cv=4, full=full)
    assert sorted(table["n_train"].unique()) == [45, 180]
    assert table.query("n_train == 180")["mae"].tolist() == full.scores["mae"].tolist()
    with pytest.raises(ValueError, match=r"fractions must lie in \(0, 1\]"):
        training_size_curve(["ridge"], X, y, [0.0, 0.5])


def test_transfer_and_ensemble_models_run_by_name(regression_data, tmp_path, monkeypatch):
    from sklearn_irnet import compare as compare_module
    from sklearn_irnet.ensemble import DeepEnsembleRegressor

    X, y = regression_data
    source = IRNetRegressor(**{**FAST_PARAMS, "architecture": "16BARx2-8BARx1-1"}).fit(X, y)
    monkeypatch.setattr(compare_module, "PRETRAINED_OQMD",
                        str(source.save(tmp_path / "source.safetensors")))
    names = ["irnet17_oqmd", "irnet17_oqmd_ensemble", "extra_trees_oqmd",
             "extra_trees_oqmd_prediction", "irnet17_oqmd_blend"]
    assert set(names) < set(MODEL_NAMES)
    tuned = make_model("irnet17_oqmd", max_iter=3, batch_size=32)
    assert tuned.pretrained == compare_module.PRETRAINED_OQMD and tuned.max_iter == 3
    ensemble = make_model("irnet17_ensemble", random_state=1, max_iter=3)
    assert isinstance(ensemble, DeepEnsembleRegressor) and ensemble.n_estimators == 5
    assert ensemble.estimator.pretrained is None and ensemble.estimator.max_iter == 3
    result = compare_models(names, X, y, cv=2, max_iter=3, batch_size=32)
    assert set(result.scores["model"]) == set(names)
    spread = result.predictions.groupby("model")["y_std"].apply(lambda s: s.notna().all())
    assert spread["irnet17_oqmd_ensemble"] and not spread["irnet17_oqmd"]
    assert (result.predictions.query("model == 'irnet17_oqmd_ensemble'")["y_std"] > 0).all()
    # the fine-tuned network started from the source's hidden layers (same widths)
    fitted = result.estimators["irnet17_oqmd"][0]
    assert fitted.architecture_ == source.architecture_
    with pytest.raises(ValueError, match="takes 6 features"):
        make_model("irnet17_oqmd", max_iter=1).fit(X[:, :4], y)
    # the blend is the mean of its two members, each fitted on the same fold
    blend = result.estimators["irnet17_oqmd_blend"][0]
    network, trees = blend.estimators_
    assert network.pretrained == compare_module.PRETRAINED_OQMD
    np.testing.assert_allclose(blend.predict(X), (network.predict(X) + trees.predict(X)) / 2)
    assert trees[-1].n_features_in_ == X.shape[1] + 1  # the attributes and the estimate


def test_mp_gap_model_fine_tunes_the_band_gap_network(regression_data, tmp_path,
                                                     monkeypatch):
    from sklearn_irnet import compare as compare_module

    # by default the models start from the shipped Materials Project networks
    assert make_model("irnet17_mp_gap").pretrained == "mp-gap-irnet17"
    assert make_model("irnet17_mp_e_form").pretrained == "mp-e-form-irnet17"
    X, target = regression_data
    source = IRNetRegressor(**{**FAST_PARAMS, "architecture": "16BARx2-8BARx1-1"})
    monkeypatch.setattr(compare_module, "PRETRAINED_MP_GAP",
                        str(source.fit(X, target).save(tmp_path / "gap.safetensors")))
    assert (make_model("irnet17_mp_e_form", task="classification").pretrained
            == compare_module.PRETRAINED_MP_E_FORM)
    y = _labels(X)
    result = compare_models(["irnet17_mp_gap"], X, y, cv=2, task="classification",
                            max_iter=3, batch_size=32)
    fitted = result.estimators["irnet17_mp_gap"][0]
    assert is_classifier(fitted) and fitted.pretrained.endswith("gap.safetensors")
    hidden = source.architecture_.rsplit("-", 1)[0]  # the source's layers, a new output layer
    assert fitted.architecture_.rsplit("-", 1)[0] == hidden
    regressor = make_model("irnet17_mp_gap", max_iter=3, batch_size=32).fit(X, target)
    assert not is_classifier(regressor) and regressor.architecture_ == source.architecture_


def test_transfer_and_blend_classifiers_run_by_name(regression_data, tmp_path, monkeypatch):
    from sklearn_irnet import compare as compare_module
    from sklearn_irnet.compare import CLASSIFICATION_TRANSFER_MODELS

    X, target = regression_data
    source = IRNetRegressor(**{**FAST_PARAMS, "architecture": "16BARx2-8BARx1-1"})
    monkeypatch.setattr(compare_module, "PRETRAINED_OQMD",
                        str(source.fit(X, target).save(tmp_path / "source.safetensors")))
    y = _labels(X)
    stacked = {f"{baseline}_{source}"
               for baseline in ("random_forest", "extra_trees", "hist_gradient_boosting")
               for source in ("oqmd_prediction", "mp_gap_prediction", "mp_e_form_prediction",
                              "pretrained_predictions")}
    assert set(CLASSIFICATION_TRANSFER_MODELS) == {
        "irnet17_oqmd", "irnet17_mp_e_form", "irnet17_mp_gap", "irnet17_ensemble",
        "irnet17_oqmd_ensemble", "extra_trees_oqmd", "irnet17_oqmd_blend",
        "irnet17_extra_trees_blend", "irnet17_mp_gap_blend", *stacked}
    names = ["irnet17_oqmd_blend", "irnet17_extra_trees_blend", "extra_trees_oqmd",
             "irnet17_oqmd_ensemble"]
    result = compare_models(names, X, y, cv=2, task="classification", max_iter=3,
                            batch_size=32)
    assert set(result.scores["model"]) == set(names)
    for name in names:
        assert is_classifier(result.estimators[name][0])
    # a soft vote: the blend's probabilities are the mean of its members' probabilities
    blend = result.estimators["irnet17_oqmd_blend"][0]
    network, trees = blend.estimators_
    assert network.pretrained == compare_module.PRETRAINED_OQMD
    assert trees[-1].n_features_in_ == X.shape[1] + 1  # the attributes and the estimate
    np.testing.assert_allclose(blend.predict_proba(X),
                               (network.predict_proba(X) + trees.predict_proba(X)) / 2)
    assert set(blend.predict(X)) <= {"metal", "insulator"}
    scratch, forest = result.estimators["irnet17_extra_trees_blend"][0].estimators_
    assert scratch.pretrained is None and type(forest).__name__ == "ExtraTreesClassifier"
    # the deep ensemble averages the probabilities of 5 fine-tuned classifiers
    ensemble = result.estimators["irnet17_oqmd_ensemble"][0]
    assert type(ensemble).__name__ == "DeepEnsembleClassifier"
    assert len(ensemble.estimators_) == 5
    assert {m.pretrained for m in ensemble.estimators_} == {compare_module.PRETRAINED_OQMD}
    np.testing.assert_allclose(
        ensemble.predict_proba(X),
        np.mean([member.predict_proba(X) for member in ensemble.estimators_], axis=0))
    assert result.summary()["roc_auc_mean"].min() > 0.8


def test_stacked_models_append_the_pretrained_predictions(regression_data, tmp_path,
                                                         monkeypatch):
    from sklearn_irnet import compare as compare_module

    X, target = regression_data
    sources = {}
    for constant, seed in (("PRETRAINED_OQMD", 0), ("PRETRAINED_MP_GAP", 1),
                           ("PRETRAINED_MP_E_FORM", 2)):
        network = IRNetRegressor(**{**FAST_PARAMS, "random_state": seed})
        path = str(network.fit(X, target + seed).save(tmp_path / f"{constant}.safetensors"))
        monkeypatch.setattr(compare_module, constant, path)
        sources[constant] = network
    y = _labels(X)
    names = ["hist_gradient_boosting_mp_gap_prediction", "extra_trees_pretrained_predictions"]
    result = compare_models(names, X, y, cv=2, task="classification")
    assert result.summary()["roc_auc_mean"].min() > 0.8
    # one source: the attributes, then the band-gap network's prediction
    single = result.estimators[names[0]][0]
    assert type(single[-1]).__name__ == "HistGradientBoostingClassifier"
    np.testing.assert_allclose(single[0].transform(X)[:, -1],
                               sources["PRETRAINED_MP_GAP"].predict(X), rtol=1e-6)
    # all three: the attributes, then one column per network in PRETRAINED_SOURCES order
    stacked = result.estimators[names[1]][0]
    assert type(stacked[-1]).__name__ == "ExtraTreesClassifier"
    features = stacked[0].transform(X)
    assert features.shape == (len(X), X.shape[1] + 3)
    np.testing.assert_array_equal(features[:, :X.shape[1]], X)
    for column, constant in enumerate(("PRETRAINED_OQMD", "PRETRAINED_MP_GAP",
                                       "PRETRAINED_MP_E_FORM")):
        np.testing.assert_allclose(features[:, X.shape[1] + column],
                                   sources[constant].predict(X), rtol=1e-6)
    assert list(stacked[0].get_feature_names_out()[-3:]) == [
        f"{source}_prediction__pretrained_prediction"
        for source in ("oqmd", "mp_gap", "mp_e_form")]
    # class weights reach every step and member that takes them, and nothing else
    blend = make_model("irnet17_mp_gap_blend", task="classification", class_weight="balanced")
    weights = {k: v for k, v in blend.get_params().items() if k.endswith("class_weight")}
    assert weights == {"irnet17_mp_gap__class_weight": "balanced",
                       "hist_gradient_boosting_mp_gap_prediction__"
                       "histgradientboostingclassifier__class_weight": "balanced"}
    assert make_model("extra_trees", task="classification").class_weight is None
    with pytest.raises(ValueError, match="'knn' takes no class weights"):
        make_model("knn", task="classification", class_weight="balanced")
    with pytest.raises(ValueError, match="class_weight is for classification"):
        make_model("random_forest", class_weight="balanced")
    # the regressor twins exist for every baseline and source
    regressor = make_model("random_forest_mp_e_form_prediction")
    assert type(regressor[-1]).__name__ == "RandomForestRegressor"
    assert regressor[0].model == compare_module.PRETRAINED_MP_E_FORM


def test_models_joined_by_plus_make_an_equal_weight_blend(regression_data):
    X, y = regression_data
    blend = make_model("ridge + knn", random_state=3)
    assert [name for name, _ in blend.estimators] == ["ridge", "knn"]
    blend.fit(X, y)
    ridge, knn = blend.estimators_
    np.testing.assert_allclose(blend.predict(X), (ridge.predict(X) + knn.predict(X)) / 2)
    result = compare_models(["ridge+knn", "ridge"], X, y, cv=3)
    assert result.scores.query("model == 'ridge+knn'")["mae"].notna().all()
    labels = _labels(X)
    vote = make_model("random_forest+logistic_regression", task="classification",
                      class_weight="balanced").fit(X, labels)
    assert vote.voting == "soft"
    assert {member.__class__.__name__ for member in vote.estimators_} == {
        "RandomForestClassifier", "Pipeline"}
    assert vote.named_estimators_["random_forest"].class_weight == "balanced"
    forest, logistic = vote.estimators_
    np.testing.assert_allclose(vote.predict_proba(X),
                               (forest.predict_proba(X) + logistic.predict_proba(X)) / 2)
    for bad in ("ridge+ridge", "ridge+", "+knn"):
        with pytest.raises(ValueError, match="two or more different models joined by"):
            make_model(bad)
    with pytest.raises(ValueError, match="Unknown model 'lasso'"):
        make_model("ridge+lasso")
    with pytest.raises(ValueError, match=r"'knn\+dummy' takes no class weights"):
        make_model("knn+dummy", task="classification", class_weight="balanced")


def test_every_transfer_model_builds_for_both_tasks():
    from sklearn_irnet.compare import TRANSFER_MODELS

    for name in TRANSFER_MODELS:
        assert not is_classifier(make_model(name)), name
        assert is_classifier(make_model(name, task="classification")), name


def _labels(X):
    return np.where(X[:, 0] - X[:, 1] > 0.3, "metal", "insulator")


def test_classification_comparison_is_stratified_with_classifier_metrics(regression_data):
    X, _ = regression_data
    y = _labels(X)
    models = {"irnet": IRNetClassifier(**FAST_PARAMS),
              **{name: make_model(name, task="classification")
                 for name in ("random_forest", "logistic_regression", "dummy")}}
    result = compare_models(models, X, y, cv=4, task="classification")
    scores = result.scores
    assert list(scores.columns) == ["model", "fold", "n_train", "n_test", "roc_auc",
                                    "roc_auc_labels", "accuracy", "f1", "brier", "fit_time",
                                    "predict_time"]
    # stratified folds: every test fold holds the class shares of the whole data
    share = np.mean(y == "metal")
    for _, rows in result.predictions.query("model == 'dummy'").groupby("fold"):
        assert abs(np.mean(rows["y_true"] == "metal") - share) < 0.03
    dummy = result.summary().loc["dummy"]
    assert dummy["roc_auc_mean"] == 0.5 and result.summary().index[0] != "dummy"
    assert result.summary().loc["logistic_regression", "roc_auc_mean"] > 0.97
    # metrics are those of the stored out-of-fold probabilities
    fold = result.predictions.query("model == 'logistic_regression' and fold == 0")
    from sklearn.metrics import brier_score_loss, roc_auc_score
    positive = fold["y_true"] == "metal"
    row = scores.query("model == 'logistic_regression' and fold == 0")
    assert row["roc_auc"].item() == pytest.approx(roc_auc_score(positive, fold["y_score"]))
    assert row["brier"].item() == pytest.approx(brier_score_loss(positive, fold["y_score"]))
    # Matbench's ROC-AUC of hard labels is the balanced accuracy
    from sklearn.metrics import balanced_accuracy_score
    assert row["roc_auc_labels"].item() == pytest.approx(
        balanced_accuracy_score(fold["y_true"], fold["y_pred"]))
    assert set(fold["y_pred"]) <= {"metal", "insulator"}
    assert result.summary().loc["irnet", "accuracy_mean"] > 0.85
    markdown = result.to_markdown()
    assert "ROC-AUC" in markdown and "Brier" in markdown


def test_classification_models_by_name():
    from sklearn_irnet.compare import CLASSIFICATION_BASELINES

    assert set(CLASSIFICATION_BASELINES) >= {"random_forest", "extra_trees",
                                              "hist_gradient_boosting", "logistic_regression",
                                              "dummy"}
    for name in CLASSIFICATION_BASELINES:
        assert is_classifier(make_model(name, task="classification"))
    assert type(make_model("hist_gradient_boosting", task="classification")).__name__ == (
        "HistGradientBoostingClassifier")
    with pytest.raises(ValueError, match="regression-only model for classification"):
        make_model("ridge", task="classification")
    with pytest.raises(ValueError, match="task must be one of"):
        make_model("dummy", task="ranking")
    assert "logistic_regression" in MODEL_NAMES
    assert repr(resolve_cv(3, stratify=True)).startswith("StratifiedKFold")
    assert type(resolve_cv(2, groups=[0, 0, 1, 2], stratify=True)).__name__ == (
        "StratifiedGroupKFold")


def test_multiclass_comparison_keeps_class_probabilities():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 3))
    y = np.digitize(X[:, 0], [-0.5, 0.5])
    result = compare_models(["logistic_regression"], X, y, cv=3, task="classification")
    assert {"proba_0", "proba_1", "proba_2"} <= set(result.predictions.columns)
    assert result.scores["brier"].isna().all() and (result.scores["roc_auc"] > 0.9).all()

"""The command line's closed table of named models: fair baselines, networks, fine-tuned
starts, the --tune budget, class weights; and the documented recipes (stacks and blends of
plain objects) that replaced the study winners' names."""

import numpy as np
import pytest
from sklearn.base import is_classifier, is_regressor
from sklearn.ensemble import ExtraTreesRegressor, VotingRegressor
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_irnet import IRNetRegressor, PretrainedPrediction
from sklearn_irnet import models as models_module
from sklearn_irnet.compare import compare_models
from sklearn_irnet.ensemble import DeepEnsembleClassifier, DeepEnsembleRegressor
from sklearn_irnet.models import (
    MODEL_NAMES,
    PRETRAINED_STARTS,
    TUNING_GRIDS,
    is_network,
    make_model,
    takes_class_weight,
    with_class_weight,
)

from .conftest import FAST_PARAMS


def test_the_table_is_small_and_closed():
    assert len(MODEL_NAMES) <= 20 and len(set(MODEL_NAMES)) == len(MODEL_NAMES)
    assert {"irnet17", "irnet48", "plain17", "srnet24", "irnet17_oqmd", "irnet17_mp_e_form",
            "irnet17_mp_gap", "random_forest", "extra_trees", "hist_gradient_boosting",
            "dummy"} <= set(MODEL_NAMES)
    assert not [name for name in MODEL_NAMES if "blend" in name or "prediction" in name]
    with pytest.raises(ValueError, match="Unknown model 'irnet17_oqmd_blend'.*--models-file"):
        make_model("irnet17_oqmd_blend")
    with pytest.raises(ValueError, match="Unknown model 'ridge\\+knn'"):
        make_model("ridge+knn")


def test_baselines_follow_the_written_rule():
    forest = make_model("random_forest")
    assert (forest.n_estimators, forest.max_features) == (300, pytest.approx(1 / 3))
    assert make_model("random_forest", task="classification").max_features == "sqrt"
    trees = make_model("extra_trees")
    assert (trees.n_estimators, trees.max_features) == (300, 1.0)
    assert make_model("extra_trees", task="classification").max_features == "sqrt"
    boosting = make_model("hist_gradient_boosting")
    assert (boosting.learning_rate, boosting.max_iter, boosting.early_stopping,
            boosting.n_iter_no_change) == (0.05, 2000, True, 50)
    knn_search = make_model("knn")[-1]
    assert isinstance(knn_search, GridSearchCV)
    assert knn_search.param_grid == {"n_neighbors": [3, 5, 10, 20]}
    # every baseline is the right kind for each task
    for name in ("random_forest", "extra_trees", "hist_gradient_boosting", "knn", "dummy"):
        assert is_regressor(make_model(name)), name
        assert is_classifier(make_model(name, task="classification")), name
    assert is_regressor(make_model("ridge"))
    assert is_classifier(make_model("logistic_regression", task="classification"))
    with pytest.raises(ValueError, match="does not exist for classification; use"):
        make_model("ridge", task="classification")
    with pytest.raises(ValueError, match="does not exist for regression; use 'ridge'"):
        make_model("logistic_regression")
    with pytest.raises(ValueError, match="task must be one of"):
        make_model("dummy", task="ranking")


def test_linear_baseline_is_protected_from_out_of_range_features():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 3))
    y = X[:, 0] + 0.1 * rng.normal(size=100)
    ridge = make_model("ridge").fit(X, y)
    far = np.array([[50.0, 0.0, 0.0]])
    # clipped to the training range: the prediction stays near the largest training target
    assert ridge.predict(far)[0] < 1.5 * y.max()


def test_networks_take_their_settings_and_baselines_refuse_them():
    net = make_model("plain48", network_params={"max_iter": 7}, random_state=3)
    assert (net.architecture, net.max_iter, net.random_state) == ("plain48", 7, 3)
    with pytest.raises(ValueError, match="which has no network"):
        make_model("extra_trees", network_params={"max_iter": 7})
    for name, start in PRETRAINED_STARTS.items():
        assert make_model(name).pretrained == start
        assert make_model(name, task="classification").pretrained == start
        assert is_network(name)
    ensemble = make_model("irnet17_ensemble", network_params={"max_iter": 3}, random_state=1)
    assert isinstance(ensemble, DeepEnsembleRegressor) and ensemble.n_estimators == 5
    assert ensemble.estimator.max_iter == 3 and ensemble.estimator.pretrained is None
    assert isinstance(make_model("irnet17_ensemble", task="classification"),
                      DeepEnsembleClassifier)
    assert not is_network("random_forest")


def test_tune_gives_every_tunable_model_the_same_budget():
    for name, grid in TUNING_GRIDS.items():
        sizes = [len(values) for values in grid.values()]
        assert int(np.prod(sizes)) == 4, name
        search = make_model(name, tune=True)
        assert isinstance(search, GridSearchCV) and search.cv == 3
        assert search.param_grid == grid
    assert make_model("irnet17", task="classification", tune=True).scoring == "roc_auc"
    # models that choose their setting by their own inner CV are left as they are
    assert not isinstance(make_model("ridge", tune=True), GridSearchCV)


def test_class_weights_reach_every_step_that_takes_them():
    ensemble = with_class_weight(make_model("irnet17_ensemble", task="classification"),
                                 "balanced")
    assert ensemble.estimator.class_weight == "balanced"
    forest = with_class_weight(make_model("random_forest", task="classification"),
                               {0: 1.0, 1: 3.0})
    assert forest.class_weight == {0: 1.0, 1: 3.0}
    assert not takes_class_weight(make_model("knn", task="classification"))
    with pytest.raises(ValueError, match="takes no class weights"):
        with_class_weight(make_model("knn", task="classification"), "balanced")


def test_a_fine_tuned_model_starts_from_its_shipped_network(regression_data, tmp_path,
                                                          monkeypatch):
    X, y = regression_data
    source = IRNetRegressor(**{**FAST_PARAMS, "architecture": "16BARx2-8BARx1-1"}).fit(X, y)
    path = str(source.save(tmp_path / "source.safetensors"))
    monkeypatch.setitem(models_module.PRETRAINED_STARTS, "irnet17_oqmd", path)
    model = make_model("irnet17_oqmd", network_params={"max_iter": 3, "batch_size": 32})
    assert model.pretrained == path
    fitted = model.fit(X, y)
    assert fitted.architecture_ == source.architecture_  # the source's layers
    with pytest.raises(ValueError, match="takes 6 features"):
        make_model("irnet17_oqmd", network_params={"max_iter": 1}).fit(X[:, :4], y)


def test_stack_and_blend_recipes_are_plain_objects(regression_data, tmp_path):
    """The recipes of the user guide: a forest given shipped networks' estimates as
    features (one or several), and the equal-weight blend with a fine-tuned network."""
    X, y = regression_data
    sources = []
    for seed in (0, 1):
        network = IRNetRegressor(**{**FAST_PARAMS, "random_state": seed}).fit(X, y + seed)
        sources.append((network, str(network.save(tmp_path / f"s{seed}.safetensors"))))
    stacked = make_pipeline(PretrainedPrediction([path for _, path in sources]),
                            ExtraTreesRegressor(n_estimators=50, random_state=0))
    features = stacked[0].fit_transform(X)
    assert features.shape == (len(X), X.shape[1] + 2)
    np.testing.assert_array_equal(features[:, :X.shape[1]], X)
    for column, (network, _) in enumerate(sources):
        np.testing.assert_allclose(features[:, X.shape[1] + column], network.predict(X),
                                   rtol=1e-6)
    assert list(stacked[0].get_feature_names_out()[-2:]) == [
        "pretrained_prediction_m0", "pretrained_prediction_m1"]
    tuned = IRNetRegressor(**{**FAST_PARAMS, "architecture": "16BARx2-8BARx1-1",
                              "max_iter": 3}, pretrained=sources[0][1])
    blend = VotingRegressor([("network", tuned), ("stacked", stacked)])
    result = compare_models({"blend": blend, "stacked": stacked}, X, y, cv=2, n_repeats=1)
    fitted = result.estimators["blend"][0]
    network, trees = fitted.estimators_
    np.testing.assert_allclose(fitted.predict(X), (network.predict(X) + trees.predict(X)) / 2)
    assert result.provenance["models"]["blend"]["class"].endswith("VotingRegressor")


@pytest.mark.parametrize("recipe, classification", [("stacked_regressors.py", False),
                                                    ("stacked_classifiers.py", True)])
def test_recipe_files_load_through_the_command_line(recipe, classification):
    from pathlib import Path

    from sklearn.base import clone

    from sklearn_irnet.cli import load_models_file

    path = Path(__file__).resolve().parents[1] / "docs" / "recipes" / recipe
    models = load_models_file(path)
    assert models
    for name, model in models.items():
        assert is_classifier(model) == classification, name
        clone(model)  # plain parameters only: survives clone, as compare_models needs
        # every shipped network they name exists
        starts = [value for key, value in model.get_params().items()
                  if key.split("__")[-1] in ("pretrained", "model") and value]
        for start in starts:
            names = [start] if isinstance(start, str) else list(start)
            assert set(names) <= set(PRETRAINED_STARTS.values()), (name, names)

"""Fine-tuning a pre-trained network (transfer learning) and loading models by name."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from sklearn_irnet import IRNetRegressor
from sklearn_irnet.pretrained import available_models, load_pretrained
from sklearn_irnet.transfer import PretrainedActivations, PretrainedPrediction

from .conftest import StopAfter

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.slow,  # every test fine-tunes a network pre-trained in the module fixture
]

# a source network as the shipped ones are: it reads the features themselves
SOURCE_PARAMS = {"architecture": "64BARx2-32BARx2-1", "max_iter": 40, "batch_size": 64,
                 "learning_rate_init": 3e-3, "early_stopping": False, "random_state": 0,
                 "numeric_embedding": None}


def _task(rng, n, shift=0.0):
    X = rng.normal(size=(n, 8)) * 3 + 10  # raw features far from standardised
    signal = np.sin(X[:, 0] - 10) + (X[:, 1] - 10) * (X[:, 2] - 10) / 9
    return X, signal + shift * (X[:, 3] - 10)


@pytest.fixture(scope="module")
def source_file(tmp_path_factory):
    X, y = _task(np.random.RandomState(0), 3000)
    model = IRNetRegressor(**SOURCE_PARAMS).fit(X, y)
    return model.save(tmp_path_factory.mktemp("pre") / "source.safetensors")


def test_fine_tuning_starts_from_the_pretrained_network(source_file):
    rng = np.random.RandomState(1)
    X, y = _task(rng, 200, shift=0.3)
    source = load_pretrained(source_file)
    model = IRNetRegressor(pretrained=str(source_file), freeze_stacks=1, max_iter=5,
                           batch_size=32, early_stopping=False, random_state=0).fit(X, 5 * y)
    assert model.architecture_ == source.architecture_
    np.testing.assert_array_equal(model.input_mean_, source.input_mean_)  # scaling kept
    assert model.target_scale_[0] == pytest.approx(np.std(5 * y))  # target scaling new
    new, old = model.net_.module_.state_dict(), source.net_.module_.state_dict()
    frozen = [k for k in new if k.startswith(("body.0.", "body.1."))
              and "running" not in k and "num_batches" not in k]
    assert frozen and all(np.array_equal(new[k], old[k]) for k in frozen)
    assert not np.array_equal(new["body.2.layer.linear.weight"],
                              old["body.2.layer.linear.weight"])  # trained further


def test_a_source_with_a_numeric_embedding_keeps_it_frozen_and_scaled(tmp_path):
    X, y = _task(np.random.RandomState(0), 600)
    source = IRNetRegressor(**{**SOURCE_PARAMS, "numeric_embedding": "periodic",
                               "max_iter": 5}).fit(X, y)
    path = source.save(tmp_path / "embedded.safetensors")
    X_new, y_new = _task(np.random.RandomState(1), 200, shift=0.3)
    tuned = IRNetRegressor(pretrained=str(path), freeze_stacks=1, max_iter=3, batch_size=32,
                           early_stopping=False, random_state=0).fit(X_new, y_new)
    # "auto" keeps the source's own embedding (no second one): the same network shape
    assert tuned.network_config_.numeric_embedding == "periodic"
    assert tuned.network_config_.embedding_dims == 4
    new, old = tuned.net_.module_.state_dict(), source.net_.module_.state_dict()
    embedding = [k for k in new if k.startswith("embedding.")]
    assert embedding and all(torch.equal(new[k], old[k]) for k in embedding)  # frozen
    assert not torch.equal(new["body.2.layer.linear.weight"], old["body.2.layer.linear.weight"])
    assert tuned.embed(X_new, layer=0).shape == (200, 64)
    # pretrained_lr_scale acts on the embedding as on the hidden layers
    scaled = IRNetRegressor(pretrained=str(path), pretrained_lr_scale=0.1, max_iter=1,
                            early_stopping=False, random_state=0).fit(X_new, y_new)
    names = dict(scaled.net_.module_.named_parameters())
    rates = {id(p): group["lr"] for group in scaled.net_.optimizer_.param_groups
             for p in group["params"]}
    head_rate = rates[id(names["head.weight"])]  # the schedule's rate after one epoch
    for name in ("embedding.weight", "body.0.layer.linear.weight"):
        assert rates[id(names[name])] == pytest.approx(0.1 * head_rate)


def _frozen_weights(model):
    state = model.net_.module_.state_dict()
    return {k: v.clone() for k, v in state.items() if k.startswith(("body.0.", "body.1."))
            and "running" not in k and "num_batches" not in k}


def test_frozen_stacks_stay_fixed_through_save_load_warm_start_and_resume(
        source_file, tmp_path):
    X, y = _task(np.random.RandomState(5), 200, shift=0.3)
    params = {"pretrained": str(source_file), "freeze_stacks": 1, "max_iter": 4,
              "batch_size": 32, "early_stopping": False, "random_state": 0}
    model = IRNetRegressor(**params).fit(X, y)
    before = _frozen_weights(model)
    loaded = IRNetRegressor.load(model.save(tmp_path / "tuned.safetensors"))
    loaded.set_params(warm_start=True).fit(X, 2 * y)
    after = _frozen_weights(loaded)
    assert before and all(torch.equal(before[k], after[k]) for k in before)
    assert not torch.equal(model.net_.module_.state_dict()["head.weight"],
                           loaded.net_.module_.state_dict()["head.weight"])
    # a fit interrupted and resumed from its checkpoint keeps them fixed as well
    resumable = {**params, "checkpoint_dir": str(tmp_path / "ckpt")}
    with pytest.warns(UserWarning, match="interrupted"):
        IRNetRegressor(**resumable, callbacks=[("stop", StopAfter(2))]).fit(X, y)
    resumed = IRNetRegressor(**resumable).fit(X, y)
    assert resumed.n_iter_ == 4
    assert all(torch.equal(before[k], v) for k, v in _frozen_weights(resumed).items())
    np.testing.assert_allclose(resumed.predict(X), model.predict(X), rtol=1e-5, atol=1e-6)


def test_transfer_beats_training_from_scratch_on_a_small_related_task(source_file):
    rng = np.random.RandomState(2)
    X, y = _task(rng, 1150, shift=0.3)
    train, test = slice(0, 150), slice(150, None)
    common = {"max_iter": 60, "batch_size": 32, "early_stopping": False, "random_state": 0}
    scratch = IRNetRegressor(architecture=SOURCE_PARAMS["architecture"], **common)
    tuned = IRNetRegressor(pretrained=str(source_file), **common)
    errors = {}
    for name, model in {"scratch": scratch, "tuned": tuned}.items():
        model.fit(X[train], y[train])
        errors[name] = np.mean(np.abs(model.predict(X[test]) - y[test]))
    assert errors["tuned"] < 0.7 * errors["scratch"], errors


def test_dropout_applies_while_fine_tuning(source_file, tmp_path):
    X, y = _task(np.random.RandomState(4), 200, shift=0.3)
    common = {"pretrained": str(source_file), "max_iter": 5, "batch_size": 32,
              "early_stopping": False, "random_state": 0}
    plain = IRNetRegressor(**common).fit(X, y)
    dropped = IRNetRegressor(**common, dropout=0.2).fit(X, y)
    assert dropped.network_config_.dropout == 0.2 and plain.network_config_.dropout == 0.0
    rates = [m.p for m in dropped.net_.module_.modules() if isinstance(m, torch.nn.Dropout)]
    assert rates and set(rates) == {0.2}
    assert not any(isinstance(m, torch.nn.Dropout) for m in plain.net_.module_.modules())
    # same seed and batches: only the dropout masks differ
    assert not np.allclose(dropped.predict(X), plain.predict(X))
    reloaded = IRNetRegressor.load(dropped.save(tmp_path / "tuned.safetensors"))
    np.testing.assert_array_equal(reloaded.predict(X), dropped.predict(X))
    # a warm start keeps the network: another dropout is refused, not silently ignored
    dropped.set_params(warm_start=True, dropout=0.0)
    with pytest.raises(ValueError, match="dropout"):
        dropped.fit(X, y)
    # a file fine-tuned while dropout was ignored: its parameter follows its network
    tensors, attributes = plain.fitted_state()
    old_file = IRNetRegressor.from_fitted_state({**plain.get_params(), "dropout": 0.2},
                                                tensors, attributes)
    assert old_file.dropout == 0.0
    old_file.set_params(warm_start=True, max_iter=1).fit(X, y)  # continues, not refused


def test_lower_learning_rate_for_pretrained_layers(source_file):
    X, y = _task(np.random.RandomState(3), 100)
    model = IRNetRegressor(pretrained=str(source_file), pretrained_lr_scale=0.1,
                           learning_rate="constant", learning_rate_init=1e-3, max_iter=2,
                           early_stopping=False, random_state=0).fit(X, y)
    rates = sorted(group["lr"] for group in model.net_.optimizer_.param_groups)
    assert rates == pytest.approx([1e-4, 1e-3])
    scheduled = IRNetRegressor(pretrained=str(source_file), pretrained_lr_scale=0.1,
                               max_iter=4, early_stopping=False, random_state=0,
                               warmup_fraction=0.5).fit(X, y)
    groups = scheduled.net_.optimizer_.param_groups
    assert groups[0]["max_lr"] == pytest.approx(1e-4) and groups[1]["max_lr"] == pytest.approx(
        1e-3)


def test_model_fine_tuned_from_a_path_object_saves_and_records_its_rate(source_file,
                                                                        tmp_path):
    X, y = _task(np.random.RandomState(8), 100)
    model = IRNetRegressor(pretrained=source_file, pretrained_lr_scale=0.1, max_iter=2,
                           learning_rate="constant", early_stopping=False).fit(X, y)
    assert model.lr_curve_ == [1e-3, 1e-3]  # the output layer's rate
    restored = IRNetRegressor.load(model.save(tmp_path / "tuned.safetensors"))
    assert restored.pretrained == str(source_file)
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))


def test_pretrained_survives_clone_and_grid_search(source_file):
    X, y = _task(np.random.RandomState(4), 120)
    model = IRNetRegressor(pretrained=str(source_file), max_iter=3, early_stopping=False)
    assert clone(model).pretrained == str(source_file)
    search = GridSearchCV(model, {"freeze_stacks": [0, 2]}, cv=2).fit(X, y)
    assert search.best_estimator_.architecture_ == "64BARx2-32BARx2-1"
    # numeric_embedding="auto" adds no embedding to a pre-trained start
    tuned = clone(model).set_params(numeric_embedding="auto").fit(X, y)
    assert tuned.network_config_.numeric_embedding is None


def test_pretrained_errors_are_clear(source_file, tmp_path):
    X, y = _task(np.random.RandomState(5), 50)
    with pytest.raises(ValueError, match="takes 8 features, but X has 5"):
        IRNetRegressor(pretrained=str(source_file), max_iter=1).fit(X[:, :5], y)
    with pytest.raises(ValueError, match="only 2 hidden stacks"):
        IRNetRegressor(pretrained=str(source_file), freeze_stacks=3, max_iter=1).fit(X, y)
    model = IRNetRegressor(pretrained=str(source_file), numeric_embedding="periodic")
    with pytest.raises(ValueError, match=r"set numeric_embedding=None \(or 'auto'\) to fine"):
        model.fit(X, y)
    assert not hasattr(model, "net_")
    with pytest.raises(ValueError, match="neither a shipped pre-trained model"):
        IRNetRegressor(pretrained="no-such-model", max_iter=1).fit(X, y)


def test_catalogue_entries_load_and_match_their_checksums():
    assert available_models(), "the package ships at least one pre-trained model"
    for name, entry in available_models().items():
        model = load_pretrained(name)
        assert model.n_features_in_ == entry["features"]["n_features"]
        assert model.architecture_ == entry["architecture"]


def test_activations_feed_a_forest_in_a_pipeline(source_file):
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.pipeline import make_pipeline

    X, y = _task(np.random.RandomState(6), 300, shift=0.3)
    features = PretrainedActivations(str(source_file), layer=-1)
    assert features.fit_transform(X).shape == (300, 32)
    assert list(features.get_feature_names_out()[:2]) == ["activation_3_0", "activation_3_1"]
    assert PretrainedActivations(str(source_file), layer=0).fit_transform(X).shape == (300, 64)
    pipe = make_pipeline(features, RandomForestRegressor(n_estimators=20, random_state=0))
    assert pipe.fit(X[:200], y[:200]).predict(X[200:]).shape == (100,)
    source = load_pretrained(source_file)
    module = source.net_.module_.eval()
    scaled = torch.from_numpy(source._scale_inputs(X[:3]))
    with torch.no_grad():
        expected = module.head(module.body(scaled)).numpy()[:, 0]
    head = module.head.weight.detach().numpy()[0]
    np.testing.assert_allclose(features.transform(X[:3]) @ head + module.head.bias.item(),
                               expected, rtol=1e-4, atol=1e-5)


def test_activations_errors_are_clear(source_file):
    X, _ = _task(np.random.RandomState(7), 20)
    with pytest.raises(ValueError, match="layer=4 is not one of the network's 4 hidden blocks"):
        PretrainedActivations(str(source_file), layer=4).fit(X)
    with pytest.raises(ValueError, match="takes 8 features, but X has 3"):
        PretrainedActivations(str(source_file)).fit(X[:, :3])


def test_activations_follow_the_models_own_clipping(tmp_path):
    X, y = _task(np.random.RandomState(9), 200)
    path = IRNetRegressor(architecture="16BARx2-1", max_iter=2, clip_inputs=False).fit(
        X, y).save(tmp_path / "noclip.safetensors")
    far = X[:3] + 100.0  # outside the training range
    unclipped = PretrainedActivations(str(path), layer=0).fit(X).transform(far)
    clipped = PretrainedActivations(str(path), layer=0).fit(X).transform(
        np.clip(far, X.min(axis=0), X.max(axis=0)))
    assert not np.allclose(unclipped, clipped)


def test_prediction_feature_is_the_pretrained_models_prediction(source_file):
    from sklearn.ensemble import ExtraTreesRegressor
    from sklearn.pipeline import make_pipeline

    rng = np.random.RandomState(10)
    X, y = _task(rng, 400)
    source = load_pretrained(source_file)
    features = PretrainedPrediction(str(source_file)).fit(X)
    out = features.transform(X)
    assert out.shape == (400, 9)
    np.testing.assert_array_equal(out[:, :8], X)
    np.testing.assert_allclose(out[:, 8], source.predict(X), rtol=1e-6)
    alone = PretrainedPrediction(str(source_file), passthrough=False).fit(X)
    np.testing.assert_array_equal(alone.transform(X), out[:, 8:])
    assert list(alone.get_feature_names_out()) == ["pretrained_prediction"]
    assert list(features.get_feature_names_out())[-2:] == ["x7", "pretrained_prediction"]
    # a target close to the pre-trained property: trees given the estimate learn the
    # correction and beat the same trees on the attributes alone
    target = y + 0.2 * (X[:, 4] - 10)
    trees = ExtraTreesRegressor(n_estimators=50, random_state=0)
    with_estimate = make_pipeline(PretrainedPrediction(str(source_file)), clone(trees))
    mae = {}
    for name, model in {"attributes": trees, "with_estimate": with_estimate}.items():
        pred = model.fit(X[:300], target[:300]).predict(X[300:])
        mae[name] = np.mean(np.abs(pred - target[300:]))
    assert mae["with_estimate"] < 0.8 * mae["attributes"]


def test_prediction_feature_checks_columns_and_keeps_names(source_file):
    import pandas as pd

    X, _ = _task(np.random.RandomState(11), 30)
    with pytest.raises(ValueError, match="takes 8 features, but X has 3"):
        PretrainedPrediction(str(source_file)).fit(X[:, :3])
    frame = pd.DataFrame(X, columns=[f"a{i}" for i in range(8)])
    features = PretrainedPrediction(str(source_file)).fit(frame)
    assert list(features.get_feature_names_out())[:2] == ["a0", "a1"]
    with pytest.raises(ValueError, match="feature names"):
        features.transform(frame.rename(columns={"a0": "b0"}))


def test_feature_transformers_refuse_columns_in_another_order(tmp_path):
    import pandas as pd

    X, y = _task(np.random.RandomState(12), 200)
    names = [f"attribute_{i}" for i in range(8)]
    path = IRNetRegressor(architecture="16BARx2-1", max_iter=2).fit(
        pd.DataFrame(X, columns=names), y).save(tmp_path / "named.safetensors")
    swapped = pd.DataFrame(X, columns=[names[1], names[0], *names[2:]])
    for transformer in (PretrainedPrediction(str(path)), PretrainedActivations(str(path))):
        with pytest.raises(ValueError, match="column 0 is 'attribute_1'"):
            transformer.fit(swapped)
        transformer.fit(pd.DataFrame(X, columns=names))  # the pre-training order works

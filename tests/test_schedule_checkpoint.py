"""Learning-rate schedules, solvers and resumable training from a checkpoint."""

import json

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sklearn_irnet import IRNetRegressor
from sklearn_irnet._checkpoint import CHECKPOINT_NAME
from sklearn_irnet._schedule import fused_step_available

from .conftest import FAST_PARAMS, StopAfter

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SCHEDULED = {**FAST_PARAMS, "max_iter": 8, "learning_rate": "cosine",
             "early_stopping": True, "n_iter_no_change": 3, "tol": 0.0}


def test_cosine_schedule_warms_up_then_decays(regression_data):
    X, y = regression_data
    model = IRNetRegressor(**{**SCHEDULED, "early_stopping": False, "max_iter": 10,
                              "warmup_fraction": 0.2}).fit(X, y)
    lrs = np.array(model.lr_curve_)
    peak = int(np.argmax(lrs))
    assert lrs[0] < 0.6 * lrs.max() and lrs.max() <= FAST_PARAMS["learning_rate_init"]
    assert 1 <= peak <= 3  # end of the 20% warm-up
    assert np.all(np.diff(lrs[peak:]) < 0) and lrs[-1] < 1e-3 * lrs.max()


def test_onecycle_cycles_adam_momentum(regression_data):
    X, y = regression_data
    model = IRNetRegressor(**{**SCHEDULED, "learning_rate": "onecycle"}).fit(X, y)
    beta1 = model.net_.optimizer_.param_groups[0]["betas"][0]
    assert 0.85 <= beta1 <= 0.95 and beta1 != 0.9


@pytest.mark.parametrize("solver, optimizer", [("adam", torch.optim.Adam),
                                               ("adamw", torch.optim.AdamW)])
def test_solver_and_decoupled_weight_decay(regression_data, solver, optimizer):
    X, y = regression_data
    model = IRNetRegressor(**{**FAST_PARAMS, "solver": solver, "alpha": 0.1}).fit(X, y)
    group = model.net_.optimizer_.param_groups[0]
    assert type(model.net_.optimizer_) is optimizer and group["weight_decay"] == 0.1
    assert group["fused"] is (True if fused_step_available("cpu") else None)


def test_warm_start_can_change_solver(regression_data):
    X, y = regression_data
    model = IRNetRegressor(**{**FAST_PARAMS, "solver": "adam", "max_iter": 2}).fit(X, y)
    model.set_params(warm_start=True, solver="adamw").fit(X, y)
    assert type(model.net_.optimizer_) is torch.optim.AdamW and model.n_iter_ == 4


def test_interrupted_fit_resumes_to_the_same_model(regression_data, tmp_path):
    X, y = regression_data
    reference = IRNetRegressor(**{**SCHEDULED, "n_iter_no_change": 20}).fit(X, y)
    params = {**SCHEDULED, "n_iter_no_change": 20, "checkpoint_dir": str(tmp_path)}
    with pytest.warns(UserWarning, match="interrupted after 3 of max_iter=8"):
        IRNetRegressor(**params, callbacks=[StopAfter(3)]).fit(X, y)
    assert (tmp_path / CHECKPOINT_NAME).is_file()
    resumed = IRNetRegressor(**params).fit(X, y)  # a new process would do the same
    assert resumed.n_iter_ == reference.n_iter_ == 8
    np.testing.assert_allclose(resumed.loss_curve_, reference.loss_curve_, rtol=1e-6)
    np.testing.assert_allclose(resumed.lr_curve_, reference.lr_curve_, rtol=1e-12)
    np.testing.assert_allclose(resumed.predict(X), reference.predict(X), rtol=1e-5, atol=1e-6)
    # a finished checkpoint is not trained again
    again = IRNetRegressor(**params).fit(X, y)
    assert again.n_iter_ == 8
    np.testing.assert_array_equal(again.predict(X), resumed.predict(X))


def test_resumed_early_stopping_keeps_its_state(regression_data, tmp_path):
    X, y = regression_data
    rng = np.random.RandomState(0)
    noise = rng.normal(size=len(y))  # unlearnable target: validation loss soon stalls
    params = {**SCHEDULED, "max_iter": 40, "learning_rate_init": 0.05}
    reference = IRNetRegressor(**params).fit(X, noise)
    assert reference.n_iter_ < 40  # early stopping ended it
    with_checkpoint = {**params, "checkpoint_dir": str(tmp_path)}
    with pytest.warns(UserWarning, match="interrupted"):
        IRNetRegressor(**with_checkpoint, callbacks=[StopAfter(2)]).fit(X, noise)
    resumed = IRNetRegressor(**with_checkpoint).fit(X, noise)
    assert resumed.n_iter_ == reference.n_iter_
    assert resumed.best_validation_score_ == pytest.approx(reference.best_validation_score_)
    np.testing.assert_allclose(resumed.predict(X), reference.predict(X), rtol=1e-5, atol=1e-6)


def test_checkpoint_of_other_settings_is_refused(regression_data, tmp_path):
    X, y = regression_data
    IRNetRegressor(**{**FAST_PARAMS, "checkpoint_dir": str(tmp_path)}).fit(X, y)
    changed = IRNetRegressor(**{**FAST_PARAMS, "checkpoint_dir": str(tmp_path),
                                "learning_rate_init": 0.5})
    with pytest.raises(ValueError, match=r"parameters \['learning_rate_init'\] differ"):
        changed.fit(X, y)
    with pytest.raises(ValueError, match="trained on other data"):
        IRNetRegressor(**{**FAST_PARAMS, "checkpoint_dir": str(tmp_path)}).fit(X, y + 1)
    # where or how verbosely it runs does not matter
    IRNetRegressor(**{**FAST_PARAMS, "checkpoint_dir": str(tmp_path), "verbose": 0,
                      "n_threads": 1}).fit(X, y)


def test_checkpoint_of_an_older_release_without_a_new_parameter_resumes(
        regression_data, tmp_path):
    # a parameter added after the checkpoint was written counts as its default value
    X, y = regression_data
    params = {**FAST_PARAMS, "max_iter": 4, "checkpoint_dir": str(tmp_path)}
    with pytest.warns(UserWarning, match="interrupted"):
        IRNetRegressor(**params, callbacks=[StopAfter(2)]).fit(X, y)
    state = torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True)
    saved = json.loads(state["params"])
    del saved["warmup_fraction"]  # as if written before warmup_fraction existed
    state["params"] = json.dumps(saved)
    torch.save(state, tmp_path / CHECKPOINT_NAME)
    assert IRNetRegressor(**params).fit(X, y).n_iter_ == 4
    with pytest.raises(ValueError, match=r"\['warmup_fraction'\] differ"):
        IRNetRegressor(**params, warmup_fraction=0.5).fit(X, y)


def test_damaged_checkpoint_gets_a_clear_error(regression_data, tmp_path):
    X, y = regression_data
    (tmp_path / CHECKPOINT_NAME).write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not a readable training checkpoint"):
        IRNetRegressor(**{**FAST_PARAMS, "checkpoint_dir": str(tmp_path)}).fit(X, y)


class RecordMark(Callback):
    """Record a value in every epoch's history row after the checkpoint was written."""

    def on_epoch_end(self, net, **kwargs):
        net.history.record("mark", len(net.history))


def test_values_recorded_after_the_checkpoint_survive_a_resume(regression_data, tmp_path):
    X, y = regression_data
    params = {**SCHEDULED, "n_iter_no_change": 20, "checkpoint_dir": str(tmp_path)}
    with pytest.warns(UserWarning, match="interrupted"):
        IRNetRegressor(**params, callbacks=[RecordMark(), StopAfter(3)]).fit(X, y)
    resumed = IRNetRegressor(**params, callbacks=[RecordMark()]).fit(X, y)
    assert list(resumed.net_.history[:, "mark"]) == list(range(1, 9))


class KillAtEpochBegin(Callback):
    """Leave fit without skorch's clean-up once some epochs finished, as a process killed
    by a signal between two epochs would (no ``on_train_end``)."""

    def __init__(self, epochs):
        self.epochs = epochs

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) > self.epochs:  # the net has opened the next epoch's row
            raise SystemExit


def test_values_recorded_after_the_checkpoint_survive_a_kill(regression_data, tmp_path):
    X, y = regression_data
    params = {**SCHEDULED, "n_iter_no_change": 20, "checkpoint_dir": str(tmp_path)}
    with pytest.raises(SystemExit):
        IRNetRegressor(**params, callbacks=[RecordMark(), KillAtEpochBegin(3)]).fit(X, y)
    saved = torch.load(tmp_path / CHECKPOINT_NAME, map_location="cpu", weights_only=True)
    assert [row.get("mark") for row in json.loads(saved["history"])] == [1, 2, 3]
    resumed = IRNetRegressor(**params, callbacks=[RecordMark()]).fit(X, y)
    assert list(resumed.net_.history[:, "mark"]) == list(range(1, 9))


def test_failed_warm_start_leaves_the_fitted_model_unchanged(regression_data):
    X, y = regression_data
    model = IRNetRegressor(**{**FAST_PARAMS, "max_iter": 3}).fit(X, y)
    before = model.predict(X)
    model.set_params(warm_start=True, learning_rate_init=1e38, learning_rate="constant")
    with pytest.raises(FloatingPointError, match="without early_stopping"):
        model.fit(X, y)
    np.testing.assert_array_equal(model.predict(X), before)
    assert model.n_iter_ == len(model.net_.history) == 3
    assert model.learning_rate_init == 1e38  # parameters stay as the user set them
    model.set_params(learning_rate_init=1e-2).fit(X, y)  # and training can go on
    assert model.n_iter_ == 6


def test_warm_start_without_checkpoint_dir_stops_checkpointing(regression_data, tmp_path):
    X, y = regression_data
    model = IRNetRegressor(**{**FAST_PARAMS, "max_iter": 2, "checkpoint_dir": str(tmp_path),
                              "early_stopping": True}).fit(X, y)
    names = [name for name, _ in model.net_.callbacks_]
    assert "checkpoint" in names and "best_weights_file" in names
    model.set_params(warm_start=True, checkpoint_dir=None).fit(X, y)
    names = [name for name, _ in model.net_.callbacks_]
    assert "checkpoint" not in names and "best_weights_file" not in names
    saved = torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True)
    assert len(json.loads(saved["history"])) == 2  # the folder was left alone


def test_warm_start_after_onecycle_resets_adam_betas(regression_data):
    X, y = regression_data
    model = IRNetRegressor(**{**FAST_PARAMS, "learning_rate": "onecycle"}).fit(X, y)
    model.set_params(warm_start=True, learning_rate="constant", max_iter=1).fit(X, y)
    assert model.net_.optimizer_.param_groups[0]["betas"] == (0.9, 0.999)


def test_ensemble_members_checkpoint_in_their_own_folders(regression_data, tmp_path):
    from sklearn_irnet.ensemble import DeepEnsembleRegressor

    X, y = regression_data
    member = IRNetRegressor(**{**FAST_PARAMS, "max_iter": 2, "checkpoint_dir": str(tmp_path)})
    ensemble = DeepEnsembleRegressor(member, n_estimators=2, random_state=0).fit(X, y)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["member_0", "member_1"]
    again = DeepEnsembleRegressor(member, n_estimators=2, random_state=0).fit(X, y)
    np.testing.assert_array_equal(again.predict(X), ensemble.predict(X))  # resumed, done

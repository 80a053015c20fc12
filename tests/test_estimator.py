"""Behaviour of IRNetRegressor beyond sklearn's generic checks."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from skorch.callbacks import Callback

from sklearn_irnet import PAPER_RECIPE, IRNetRegressor
from sklearn_irnet._runtime import draw_seed as _draw_seed
from sklearn_irnet._training import BatchIterator, EpochShuffler, TensorDataset

from .conftest import FAST_PARAMS, fitted_callback

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_learns_a_smooth_function(regression_data):
    X, y = regression_data
    model = IRNetRegressor(architecture=[(64, 3)], max_iter=80, random_state=0).fit(X, y)
    assert model.score(X, y) > 0.9
    assert model.architecture_ == "64BARx3-1"
    assert model.n_parameters_ == sum(p.numel() for p in model.net_.module_.parameters())


@pytest.mark.slow
def test_output_shapes_follow_y(regression_data):
    X, y = regression_data
    one_d = IRNetRegressor(**FAST_PARAMS).fit(X, y)
    assert one_d.predict(X).shape == (len(X),)
    column = IRNetRegressor(**FAST_PARAMS).fit(X, y[:, None])
    assert column.predict(X).shape == (len(X), 1)
    Y = np.column_stack([y, -3 * y + 100])
    multi = IRNetRegressor(**{**FAST_PARAMS, "max_iter": 60}).fit(X, Y)
    pred = multi.predict(X)
    assert pred.shape == (len(X), 2)
    assert pred.dtype == np.float64
    # the second target lives around 100 with a different scale: standardisation handles it
    assert np.corrcoef(pred[:, 1], Y[:, 1])[0, 1] > 0.9


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_numeric_dtypes_are_accepted(regression_data, dtype):
    X, y = regression_data
    X = (X * 10).astype(dtype)
    model = IRNetRegressor(**FAST_PARAMS).fit(X, y)
    # the same values as float64 give the same network: the dtype only changes the container
    reference = IRNetRegressor(**FAST_PARAMS).fit(X.astype(np.float64), y)
    np.testing.assert_allclose(model.predict(X), reference.predict(X.astype(np.float64)),
                               rtol=1e-5, atol=1e-6)
    assert np.isfinite(model.predict(X)).all()


def test_pandas_input_records_feature_names(regression_data):
    X, y = regression_data
    frame = pd.DataFrame(X, columns=[f"mean {i}" for i in range(X.shape[1])])
    model = IRNetRegressor(**FAST_PARAMS).fit(frame, pd.Series(y, name="target"))
    assert list(model.feature_names_in_) == list(frame.columns)
    np.testing.assert_array_equal(model.predict(frame), model.predict(frame.to_numpy()))
    with pytest.raises(ValueError, match="feature names"):
        model.predict(frame[frame.columns[::-1]])


def test_trailing_batch_of_one_is_merged():
    dataset = TensorDataset(torch.arange(33.0)[:, None], torch.zeros(33, 1))
    batches = list(BatchIterator(dataset, 16, drop_singleton=True))
    assert [len(xb) for xb, _ in batches] == [16, 17]
    assert [len(xb) for xb, _ in BatchIterator(dataset, 16)] == [16, 16, 1]
    # a handful of trailing rows too: fewer than min(16, batch_size // 4)
    few = TensorDataset(torch.zeros(1038, 1), torch.zeros(1038, 1))
    assert [len(xb) for xb, _ in BatchIterator(few, 256, drop_singleton=True)] == [256] * 3 + [270]
    enough = TensorDataset(torch.zeros(1040, 1), torch.zeros(1040, 1))
    assert len(list(BatchIterator(enough, 256, drop_singleton=True))) == 5  # 16 rows stay
    # and training on 33 rows with batches of 16 works (BatchNorm never sees one row)
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(33, 3)), rng.normal(size=33)
    IRNetRegressor(**{**FAST_PARAMS, "batch_size": 16}).fit(X, y)


def test_shuffling_is_seeded_and_changes_every_epoch():
    dataset = TensorDataset(torch.arange(10.0)[:, None], torch.zeros(10, 1))
    first = BatchIterator(dataset, 10, shuffler=EpochShuffler(3))
    epoch_a = next(iter(first))[0].ravel().tolist()
    epoch_b = next(iter(first))[0].ravel().tolist()
    again = next(iter(BatchIterator(dataset, 10, shuffler=EpochShuffler(3))))[0].ravel().tolist()
    assert epoch_a == again and epoch_a != epoch_b
    assert sorted(epoch_a) == list(range(10))


@pytest.mark.slow
def test_random_state_gives_identical_predictions(regression_data):
    X, y = regression_data
    params = {**FAST_PARAMS, "early_stopping": True, "dropout": 0.1}
    a = IRNetRegressor(**{**params, "random_state": 7}).fit(X, y).predict(X)
    b = IRNetRegressor(**{**params, "random_state": 7}).fit(X, y).predict(X)
    c = IRNetRegressor(**{**params, "random_state": 8}).fit(X, y).predict(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    d = IRNetRegressor(**{**params, "random_state": None}).fit(X, y).predict(X)
    e = IRNetRegressor(**{**params, "random_state": None}).fit(X, y).predict(X)
    assert not np.allclose(d, e)


def test_fit_leaves_global_random_generators_alone(regression_data):
    X, y = regression_data
    torch_state, numpy_state = torch.get_rng_state(), np.random.get_state()
    IRNetRegressor(**{**FAST_PARAMS, "random_state": None, "dropout": 0.2}).fit(X, y)
    IRNetRegressor(**{**FAST_PARAMS, "random_state": 3}).fit(X, y)
    assert torch.equal(torch_state, torch.get_rng_state())
    after = np.random.get_state()
    assert numpy_state[0] == after[0] and np.array_equal(numpy_state[1], after[1])
    assert numpy_state[2:] == after[2:]


def test_early_stopping_restores_best_epoch(regression_data):
    X, y = regression_data
    # a large learning rate makes the validation loss bounce, so the best epoch is not the last
    model = IRNetRegressor(architecture=[(32, 2)], learning_rate_init=0.05, max_iter=40,
                           early_stopping=True, learning_rate="constant",
                           n_iter_no_change=8, random_state=0).fit(X, y)
    curve = model.validation_loss_curve_
    assert len(curve) == len(model.validation_scores_) == len(model.loss_curve_) == model.n_iter_
    best_epoch = int(np.argmin(curve))
    assert model.best_validation_score_ == model.validation_scores_[best_epoch]
    # recompute the validation loss of the kept weights on the same held-out rows
    _, valid_idx = model._split(len(X), _draw_seed(0))
    pred = model.predict(X[valid_idx])
    mae_scaled = np.mean(np.abs(pred - y[valid_idx])) / model.target_scale_[0]
    assert mae_scaled == pytest.approx(curve[best_epoch], rel=1e-4)


def test_best_validation_score_is_that_of_the_kept_epoch_with_tol(regression_data):
    # with tol > 0 the kept epoch is the last one that improved by more than tol, which
    # need not be the epoch with the lowest validation loss
    X, y = regression_data
    # (a training run where that happens: the plain first layer's, at these settings)
    model = IRNetRegressor(**{**FAST_PARAMS, "early_stopping": True, "max_iter": 30,
                              "learning_rate": "constant", "tol": 0.05,
                              "n_iter_no_change": 30, "numeric_embedding": None}).fit(X, y)
    curve = np.array(model.validation_loss_curve_)
    stopper = model.net_.callbacks_[[n for n, _ in model.net_.callbacks_].index(
        "early_stopping")][1]
    kept = stopper.best_epoch_ - 1
    assert kept != int(np.argmin(curve))  # the case this test is about
    assert model.best_validation_score_ == model.validation_scores_[kept]
    _, valid_idx = model._split(len(X), _draw_seed(0))
    mae_scaled = np.mean(np.abs(model.predict(X[valid_idx]) - y[valid_idx]))
    assert mae_scaled / model.target_scale_[0] == pytest.approx(curve[kept], rel=1e-4)


def test_early_stopping_stops_on_a_plateau():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(200, 4)), rng.normal(size=200)  # nothing to learn
    model = IRNetRegressor(**{**FAST_PARAMS, "early_stopping": True, "max_iter": 200,
                              "n_iter_no_change": 5})
    model.fit(X, y)
    assert model.n_iter_ < 200


def test_no_early_stopping_trains_on_all_rows_and_keeps_curves(regression_data):
    X, y = regression_data
    model = IRNetRegressor(**FAST_PARAMS).fit(X, y)
    assert model.validation_scores_ is None and model.best_validation_score_ is None
    assert model.best_loss_ == min(model.loss_curve_)
    assert model.net_.history[-1, "train_batch_count"] == int(np.ceil(len(X) / 16))


def test_convergence_warning_when_max_iter_reached(regression_data):
    X, y = regression_data
    with pytest.warns(Warning, match="max_iter=2 epochs"):
        IRNetRegressor(**{**FAST_PARAMS, "max_iter": 2, "learning_rate": "constant"}).fit(X, y)


def test_scheduled_fit_ending_at_max_iter_does_not_warn(regression_data):
    # a schedule spans max_iter epochs: reaching the end is the plan, not a failure
    X, y = regression_data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        IRNetRegressor(**{**FAST_PARAMS, "max_iter": 2, "learning_rate": "cosine"}).fit(X, y)


def test_warm_start_continues_training(regression_data):
    X, y = regression_data
    model = IRNetRegressor(**{**FAST_PARAMS, "warm_start": True, "max_iter": 5}).fit(X, y)
    first_curve = list(model.loss_curve_)
    weights = model.net_.module_.head.weight.detach().clone()
    model.fit(X, y)
    assert model.n_iter_ == 10
    assert model.loss_curve_[:5] == first_curve
    assert model.loss_curve_[5] < first_curve[0]
    assert not torch.equal(weights, model.net_.module_.head.weight)
    model.set_params(architecture=((8, 1),))
    with pytest.raises(ValueError, match="warm_start=True continues"):
        model.fit(X, y)
    assert model.n_iter_ == 10  # the failed call changed nothing
    cold = IRNetRegressor(**{**FAST_PARAMS, "max_iter": 5}).fit(X, y)
    cold.fit(X, y)
    assert cold.n_iter_ == 5


class _EpochRecorder(Callback):
    def initialize(self):
        self.epochs_seen = 0
        self.threads = set()
        return self

    def on_epoch_end(self, net, **kwargs):
        self.epochs_seen += 1
        self.threads.add(torch.get_num_threads())


def test_user_callbacks_run_and_parameter_is_not_mutated(regression_data):
    X, y = regression_data
    recorder = _EpochRecorder()
    model = IRNetRegressor(**{**FAST_PARAMS, "max_iter": 4, "callbacks": [recorder]}).fit(X, y)
    used = dict(model.net_.callbacks_)["_EpochRecorder"]
    assert used.epochs_seen == 4
    assert not hasattr(recorder, "epochs_seen")  # the estimator's parameter stays pristine


@pytest.mark.slow
def test_n_threads_applies_during_fit_only(regression_data):
    X, y = regression_data
    before = torch.get_num_threads()
    model = IRNetRegressor(**{**FAST_PARAMS, "max_iter": 2, "n_threads": 2,
                              "callbacks": [_EpochRecorder()]}).fit(X, y)
    assert dict(model.net_.callbacks_)["_EpochRecorder"].threads == {2}
    assert torch.get_num_threads() == before


def test_verbose_prints_epoch_table(regression_data, capsys):
    X, y = regression_data
    IRNetRegressor(**{**FAST_PARAMS, "max_iter": 3, "verbose": 1,
                      "early_stopping": True}).fit(X, y)
    out = capsys.readouterr().out
    assert "train_loss" in out and "valid_loss" in out and "valid_r2" in out
    IRNetRegressor(**{**FAST_PARAMS, "max_iter": 3}).fit(X, y)
    assert capsys.readouterr().out == ""
    IRNetRegressor(**{**FAST_PARAMS, "max_iter": 2, "verbose": 2}).fit(X, y)
    captured = capsys.readouterr()
    assert "train_loss" in captured.out and "%|" in captured.out + captured.err  # progress bar


def test_paper_recipe_settings(regression_data):
    X, y = regression_data
    model = IRNetRegressor(**{**PAPER_RECIPE, "architecture": [(16, 2)], "max_iter": 2,
                              "random_state": 0})
    assert model.learning_rate_init == 1e-4 and model.batch_size == 32
    assert model.loss == "absolute_error" and model.n_iter_no_change == 200
    model.fit(X + 5, y + 50)
    np.testing.assert_array_equal(model.input_mean_, np.zeros(X.shape[1]))
    np.testing.assert_array_equal(model.target_scale_, np.ones(1))
    assert isinstance(model.net_.criterion_, torch.nn.L1Loss)
    optimizer = model.net_.optimizer_
    assert type(optimizer) is torch.optim.Adam and optimizer.param_groups[0]["lr"] == 1e-4
    assert model.lr_curve_ == [1e-4, 1e-4]  # constant rate, no schedule
    assert model.clip_inputs is False and model.solver == "adam"
    assert "lr_schedule" not in dict(model.net_.callbacks_)


def test_standardisation_handles_offset_and_scale(regression_data):
    X, y = regression_data
    model = IRNetRegressor(architecture=[(64, 3)], max_iter=60, random_state=0)
    model.fit(X * 1e4 + 3e5, y * 1e3 + 1e6)
    assert model.score(X * 1e4 + 3e5, y * 1e3 + 1e6) > 0.85
    constant = np.column_stack([X, np.full(len(X), 7.0)])
    fitted = IRNetRegressor(**FAST_PARAMS).fit(constant, y)
    assert fitted.input_scale_[-1] == 1.0 and np.isfinite(fitted.predict(constant)).all()


@pytest.mark.parametrize(
    "params, message",
    [
        ({"architecture": "1024BARx4-512QRx3-1"}, "'512QRx3'"),
        ({"architecture": "irnet99"}, "Unknown architecture preset"),
        ({"architecture": "32BARx2-3"}, "output layer of width 3"),
        ({"loss": "mae"}, "'loss' parameter"),
        ({"device": "tpu"}, "device must be"),
        ({"batch_size": 0}, "'batch_size' parameter"),
        ({"activation": "swish"}, "'activation' parameter"),
    ],
)
def test_bad_parameters_get_clear_errors(regression_data, params, message):
    X, y = regression_data
    with pytest.raises(ValueError, match=message):
        IRNetRegressor(**{**FAST_PARAMS, **params}).fit(X, y)


def test_device_auto_and_missing_cuda(regression_data):
    X, y = regression_data
    model = IRNetRegressor(**{**FAST_PARAMS, "device": "auto", "max_iter": 1}).fit(X, y)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert next(model.net_.module_.parameters()).device.type == expected
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            IRNetRegressor(**{**FAST_PARAMS, "device": "cuda"}).fit(X, y)


def test_too_few_samples_for_early_stopping():
    X, y = np.arange(6.0).reshape(3, 2), np.arange(3.0)
    with pytest.raises(ValueError, match="fewer than 2 to train on"):
        IRNetRegressor(**{**FAST_PARAMS, "early_stopping": True,
                          "validation_fraction": 0.5}).fit(X, y)


class _BreakWeights(Callback):
    """Simulates divergence: poisons the weights at the start of a given epoch."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == self.epoch:
            with torch.no_grad():
                net.module_.head.weight.fill_(float("nan"))


class _Interrupt(Callback):
    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == 3:
            raise KeyboardInterrupt


def test_divergence_falls_back_to_best_weights(regression_data):
    X, y = regression_data
    model = IRNetRegressor(**{**FAST_PARAMS, "early_stopping": True, "max_iter": 10,
                              "callbacks": [_BreakWeights(epoch=4)]})
    with pytest.warns(UserWarning, match="diverged"):
        model.fit(X, y)
    assert np.isfinite(model.predict(X)).all()
    assert model.n_iter_ == 4


def test_divergence_without_fallback_raises_and_keeps_old_model(regression_data):
    X, y = regression_data
    model = IRNetRegressor(**FAST_PARAMS).fit(X, y)
    before = model.predict(X)
    model.set_params(callbacks=[_BreakWeights(epoch=1)])
    with pytest.raises(FloatingPointError, match="Lower learning_rate_init"):
        model.fit(X, y)
    np.testing.assert_array_equal(model.predict(X), before)


def test_keyboard_interrupt_keeps_a_usable_model(regression_data):
    X, y = regression_data
    model = IRNetRegressor(**{**FAST_PARAMS, "early_stopping": True, "max_iter": 10,
                              "callbacks": [_Interrupt()]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    assert any("interrupted after 3 of max_iter=10" in str(w.message) for w in caught)
    assert model.n_iter_ == 3 and np.isfinite(model.predict(X)).all()


_FIT_IN_CHILD = """
import sys, numpy as np, torch
torch.set_num_threads(1)
from sklearn_irnet import IRNetRegressor
rng = np.random.RandomState(42)
X = rng.normal(size=(120, 5)); y = X[:, 0] - X[:, 1]
model = IRNetRegressor(architecture=[(16, 2)], max_iter=5, dropout=0.1, random_state=11)
np.save(sys.argv[1], model.fit(X, y).predict(X))
"""


@pytest.mark.slow
def test_predictions_identical_across_processes(tmp_path):
    import subprocess
    import sys

    outputs = []
    for run in range(2):
        path = tmp_path / f"pred{run}.npy"
        subprocess.run([sys.executable, "-c", _FIT_IN_CHILD, str(path)], check=True,
                       timeout=120, capture_output=True)
        outputs.append(np.load(path))
    np.testing.assert_array_equal(outputs[0], outputs[1])


class _OutOfMemory(Callback):
    def on_epoch_begin(self, net, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")


def test_out_of_memory_gets_an_actionable_message(regression_data):
    X, y = regression_data
    model = IRNetRegressor(**FAST_PARAMS).fit(X, y)
    before = model.predict(X)
    model.set_params(callbacks=[_OutOfMemory()])
    with pytest.raises(torch.OutOfMemoryError, match="Lower batch_size.*Tried to allocate"
                       ) as info:
        model.fit(X, y)
    # 240 rows x (6 features + 1 target) x 4 bytes = 6720 bytes
    assert "on 240 rows x 6 features (the data alone take 6.6 KB there)" in str(info.value)
    np.testing.assert_array_equal(model.predict(X), before)


def test_bfloat16_autocast_trains_and_predicts(regression_data):
    X, y = regression_data
    model = IRNetRegressor(architecture=[(64, 3)], max_iter=60, random_state=0,
                           autocast="bfloat16").fit(X, y)
    pred = model.predict(X)
    assert pred.dtype == np.float64 and np.isfinite(pred).all()
    assert model.score(X, y) > 0.85
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="float16' needs a CUDA device"):
            IRNetRegressor(**{**FAST_PARAMS, "autocast": "float16"}).fit(X, y)


def test_inputs_far_outside_training_range_are_clipped():
    # one training row carries a tiny non-zero value in the last column, as the Magpie
    # "minimum GSmagmom" does in small datasets; a test row with a normal value for that
    # column is then millions of standard deviations away
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 4))
    X[:, 3] = 0.0
    X[0, 3] = 2e-5
    y = X[:, 0] + X[:, 1]
    X_new = X[:5].copy()
    X_new[:, 3] = 1.5
    # without the numeric embedding, whose sines and cosines bound what a far-off input
    # can do to the first layer: the plain linear first layer is where clipping matters
    params = {"architecture": [(32, 2)], "max_iter": 30, "random_state": 0,
              "numeric_embedding": None}
    clipped = IRNetRegressor(**params).fit(X, y)
    raw = IRNetRegressor(**params, clip_inputs=False).fit(X, y)
    X_edge = X_new.copy()
    X_edge[:, 3] = 2e-5  # the largest value seen in training
    np.testing.assert_array_equal(clipped.predict(X_new), clipped.predict(X_edge))
    # bounded by what the network saw in training, instead of extrapolated without limit
    span = y.max() - y.min()
    assert (np.abs(clipped.predict(X_new)) < 2 * span).all()
    assert np.abs(raw.predict(X_new)).max() > 100 * span  # what clipping prevents


class _ModeRecorder(Callback):
    """Records, per batch, whether every submodule is in the mode the batch needs."""

    def initialize(self):
        self.modes_ = []
        return self

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        flags = {m.training for m in net.module_.modules()}
        self.modes_.append((training, flags))


def test_every_submodule_is_in_train_mode_for_training_and_eval_mode_for_validation(
    regression_data,
):
    # the mode is set for all submodules once per epoch, then only checked per batch
    X, y = regression_data
    model = IRNetRegressor(**{**FAST_PARAMS, "early_stopping": True, "max_iter": 3,
                              "dropout": 0.1}, callbacks=[_ModeRecorder()]).fit(X, y)
    recorder = fitted_callback(model, _ModeRecorder)
    assert {training for training, _ in recorder.modes_} == {True, False}
    for training, flags in recorder.modes_:
        assert flags == {training}
    # a warm start after predict (which puts the module in eval mode) trains in train mode
    model.predict(X)
    model.set_params(warm_start=True, max_iter=1).fit(X, y)
    recorder = fitted_callback(model, _ModeRecorder)
    assert all(flags == {training} for training, flags in recorder.modes_)


def test_output_init_zero_makes_the_untrained_network_predict_the_mean(regression_data):
    X, y = regression_data
    barely_trained = {"architecture": "irnet17", "max_iter": 1, "learning_rate_init": 1e-9,
                      "early_stopping": False, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        zero = IRNetRegressor(**barely_trained).fit(X, y)
        glorot = IRNetRegressor(**barely_trained, output_init="glorot").fit(X, y)
    assert zero.output_init == "auto"  # the default: "zero" for a network with shortcuts
    np.testing.assert_allclose(zero.predict(X), y.mean(), atol=1e-3 * y.std())
    assert np.abs(glorot.predict(X) - y.mean()).mean() > y.std()
    assert PAPER_RECIPE["output_init"] == "glorot"
    # "auto" keeps the authors' Glorot output layer for a plain network
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = IRNetRegressor(**{**barely_trained, "architecture": "plain17"}).fit(X, y)
    # (one epoch at learning rate 1e-9 moves a weight by about 1e-8)
    assert plain.net_.module_.head.weight.abs().max() > 1e-3
    assert zero.net_.module_.head.weight.abs().max() < 1e-6


def test_embed_is_the_representation_the_output_layer_reads(regression_data):
    X, y = regression_data
    model = IRNetRegressor(**FAST_PARAMS).fit(X, y)
    hidden = model.embed(X)
    assert hidden.shape == (len(X), 16) and model.embed(X, layer=0).shape == (len(X), 16)
    with torch.inference_mode():
        raw = model.net_.module_.head(torch.as_tensor(hidden, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(raw, model._forward(X), rtol=1e-4, atol=1e-5)
    assert not np.allclose(model.embed(X, layer=0), hidden)
    with pytest.raises(ValueError, match="layer=2 is not one of the network's 2 hidden"):
        model.embed(X, layer=2)


def test_target_hook_returns_the_scaling_and_sets_nothing():
    y = np.array([[1.0, 5.0], [3.0, 5.0]])
    model = IRNetRegressor()
    state = model._fit_target(y)
    assert not hasattr(model, "target_mean_")
    np.testing.assert_allclose(state["target_mean_"], [2.0, 5.0])
    assert state["constant_target_"].tolist() == [False, True]


def test_batch_ensemble_trains_every_member_on_the_loss(regression_data):
    X, y = regression_data
    model = IRNetRegressor(**{**FAST_PARAMS, "n_members": 3}).fit(X, y)
    net = model.net_.module_
    assert net.n_members == 3 and model.network_config_.n_members == 3
    # the training loss is the members' mean loss: the targets repeat for each member
    x = torch.as_tensor(model._scale_inputs(X[:8]))
    target = torch.as_tensor(model._training_target(y[:8].reshape(-1, 1)))
    net.train()
    with torch.no_grad():
        stacked = net(x)
        loss = model.net_.get_loss(stacked, target, training=True)
        by_member = [(stacked[8 * i:8 * i + 8] - target).abs().mean() for i in range(3)]
    net.eval()
    assert loss.item() == pytest.approx(float(np.mean(by_member)), rel=1e-5)
    # a single network's parameters plus 3 input scales and 2 more output layers
    single = IRNetRegressor(**FAST_PARAMS).fit(X, y)
    width = net.head.in_features
    assert model.n_parameters_ - single.n_parameters_ == 3 * X.shape[1] + 2 * (width + 1)
    # with a numeric embedding the input scales act on its columns, embedding_dims each
    embedded = IRNetRegressor(**{**FAST_PARAMS, "n_members": 3, "max_iter": 1,
                                 "numeric_embedding": "periodic"}).fit(X, y)
    assert embedded.net_.module_.member_scale.shape == (3, X.shape[1] * 4)
    with pytest.raises(ValueError, match="n_members"):
        model.embed(X)
    with pytest.raises(ValueError, match="variance"):
        IRNetRegressor(**{**FAST_PARAMS, "n_members": 2, "loss": "gaussian_nll"}).fit(X, y)


def test_periodic_embedding_fits_a_quickly_changing_feature_a_plain_first_layer_misses(
        tmp_path):
    from sklearn_irnet.persistence import load_model, save_model

    rng = np.random.RandomState(0)
    X, X_test = rng.uniform(-2, 2, size=(400, 2)), rng.uniform(-2, 2, size=(400, 2))
    y = np.sin(5 * X[:, 0]) + 0.05 * rng.normal(size=400)
    params = {"architecture": "32BARx2-16BARx1", "max_iter": 40, "batch_size": 32,
              "learning_rate_init": 3e-3, "random_state": 0, "n_threads": 1}
    plain = IRNetRegressor(numeric_embedding=None, **params).fit(X, y)
    periodic = IRNetRegressor(numeric_embedding="auto", **params).fit(X, y)  # 4 dims
    errors = [np.abs(m.predict(X_test) - np.sin(5 * X_test[:, 0])).mean()
              for m in (plain, periodic)]
    assert errors[1] < 0.25 * errors[0], errors  # measured: 0.04 against 0.44
    assert periodic.network_config_.numeric_embedding == "periodic"
    assert periodic.network_config_.embedding_dims == 4
    # embed passes the inputs through the embedding: the output layer on the last
    # hidden block gives the (standardised) prediction
    net = periodic.net_.module_
    with torch.no_grad():
        head = net.head(torch.as_tensor(periodic.embed(X_test[:5]), dtype=torch.float32))
    np.testing.assert_allclose(
        head.numpy().ravel() * periodic.target_scale_ + periodic.target_mean_,
        periodic.predict(X_test[:5]), rtol=1e-4, atol=1e-5)
    path = save_model(periodic, tmp_path / "periodic")
    np.testing.assert_array_equal(load_model(path).predict(X_test), periodic.predict(X_test))
    periodic.set_params(warm_start=True, numeric_embedding=None)
    with pytest.raises(ValueError, match="warm_start=True continues"):
        periodic.fit(X, y)
    periodic.set_params(numeric_embedding="periodic", embedding_dims=8)
    with pytest.raises(ValueError, match="warm_start=True continues"):
        periodic.fit(X, y)

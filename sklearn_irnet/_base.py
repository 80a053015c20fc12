"""The machinery shared by :class:`~sklearn_irnet.IRNetRegressor` and
:class:`~sklearn_irnet.IRNetClassifier`.

:class:`IRNetBase` holds everything that does not depend on what the network predicts: the
network built from the estimator's parameters, the skorch net and its schedule, solver,
early stopping and warm starts. Each of the other jobs has its own module: resuming from
checkpoints (:mod:`~sklearn_irnet._resume`), persistence
(:mod:`~sklearn_irnet._fitted_state`), fine-tuning a pre-trained network
(:mod:`~sklearn_irnet._fine_tuning`) and how a fit ended: warnings, recovery from
divergence and the rollback of a failed fit (:mod:`~sklearn_irnet._fit_outcome`). A subclass says
what its target is through a few hooks:

- ``_validate_training_data(X, y, reset)``: checked X and the target as the network trains
  on it, plus the fitted attributes that describe the target;
- ``_fit_target(y)``: the target's encoding or scaling as fitted attributes (first fit only);

Hooks return values; the base alone sets attributes (and :meth:`IRNetBase.fit` rolls a
failed fit back whole). The remaining hooks:
- ``_n_outputs(y)``, ``_training_target(y)``: number of targets, and the array given to skorch;
- ``_adapt_config(config)``: the network the loss needs (output columns for variances);
- ``_criterion()``, ``_net_class``, ``_configure_criterion(net)``: the loss and the skorch net
  that records the validation metric (``_net_class.valid_metric_name``);
- ``_warm_start_key(config)``, ``_stratify(y)``, ``_SCALING``, ``_FITTED``,
  ``_extra_fitted_state()`` and ``_restore_extra_state(tensors, attributes)``.
"""

from __future__ import annotations

import copy
import json
import math
import os
from contextlib import nullcontext
from numbers import Integral, Real
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch.callbacks import ProgressBar
from skorch.helper import predefined_split

from ._checkpoint import (
    ResumableEarlyStopping,
    data_digest,
)
from ._data_checks import check_finite, standardization
from ._data_parallel import (
    distributed_training,
    ensure_process_group,
    local_rank,
    rank_device,
    shared_seed,
    world,
)
from ._fine_tuning import FineTuningMixin
from ._fit_outcome import FitOutcomeMixin, NetSnapshot
from ._fitted_state import FittedStateMixin
from ._numeric_embedding import NUMERIC_EMBEDDINGS
from ._resume import ResumeMixin
from ._runtime import (
    autocast_context,
    draw_seed,
    explain_out_of_memory,
    forked_torch_rng,
    resolve_device,
    torch_threads,
)
from ._schedule import SCHEDULES, SOLVERS, BatchSchedule, fused_step_available, schedule_settings
from ._training import (
    BatchIterator,
    EpochShuffler,
    TabularNet,
    TabularNetBase,
    TensorDataset,
    TrainingDiverged,
    set_fit_callbacks,
)
from .architecture import RESIDUAL_KINDS, architecture_to_string
from .network import ACTIVATIONS, count_parameters
from .network_config import NetworkConfig

_PREDICT_CHUNK = 8192



class IRNetBase(FittedStateMixin, ResumeMixin, FineTuningMixin, FitOutcomeMixin,
                BaseEstimator):
    """Training, persistence and fine-tuning shared by the IRNet estimators (private).

    Not an estimator by itself: :class:`~sklearn_irnet.IRNetRegressor` and
    :class:`~sklearn_irnet.IRNetClassifier` add their parameters (``__init__``), their
    target handling and their prediction methods.
    """

    #: parameter constraints common to both estimators
    _COMMON_CONSTRAINTS: dict = {
        "architecture": [str, list, tuple],
        "residual": [StrOptions(set(RESIDUAL_KINDS)), None],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "output_init": [StrOptions({"auto", "zero", "glorot"})],
        "n_members": [Interval(Integral, 1, None, closed="left")],
        "numeric_embedding": [StrOptions({"auto", *NUMERIC_EMBEDDINGS}), None],
        "embedding_dims": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "solver": [StrOptions(set(SOLVERS))],
        "learning_rate": [StrOptions(set(SCHEDULES))],
        "warmup_fraction": [Interval(Real, 0, 1, closed="left"), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "standardize_inputs": ["boolean"],
        "clip_inputs": ["boolean"],
        "random_state": ["random_state"],
        "device": [str],
        "autocast": [StrOptions({"bfloat16", "float16"}), None],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "callbacks": [list, tuple, None],
        "pretrained": [str, os.PathLike, None],
        "freeze_stacks": [Interval(Integral, 0, None, closed="left")],
        "pretrained_lr_scale": [Interval(Real, 0, None, closed="neither")],
        "checkpoint_dir": [str, os.PathLike, None],
        "data_parallel": ["boolean"],
    }

    #: the skorch net class; its ``valid_metric_name`` is the validation score's history key
    _net_class: type[TabularNetBase] = TabularNet

    #: the scaling settings that keep training stable, named in divergence messages
    _SCALING_ADVICE = "standardize_inputs=True"

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any) -> IRNetBase:
        """Train the network on X and y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs (numeric; float64, float32, int or a pandas DataFrame).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets (regression) or class labels (classification).

        Returns
        -------
        self : estimator
            The fitted estimator.
        """
        previous_state = dict(self.__dict__)
        # a warm start trains the fitted net in place: keep what training changes
        continuing = self.warm_start and hasattr(self, "net_")
        previous_net = NetSnapshot(self.net_) if continuing else None
        try:
            return self._fit(X, y)
        except BaseException:
            # A failed fit leaves a previously fitted estimator exactly as it was.
            self.__dict__.clear()
            self.__dict__.update(previous_state)
            if previous_net is not None:
                previous_net.restore()
            raise

    def _fit(self, X: Any, y: Any) -> IRNetBase:
        continuing = self.warm_start and hasattr(self, "net_")
        X, y, target_state = self._validate_training_data(X, y, reset=not continuing)
        self._set_attributes(target_state)
        n_samples, n_outputs = len(y), self._n_outputs(y)
        device = self._training_device()
        autocast_context(device, self.autocast)  # fails early on float16 without CUDA
        config, source = self._network_for_fit(X, n_outputs, continuing)
        if not continuing:
            self._fit_input_scaling(X, source)
            self._set_attributes(self._fit_target(y))
        checkpoint, fit_identity = None, {}
        if self.checkpoint_dir is not None:
            fit_identity = {"params": json.dumps(self._checkpoint_params()),
                            "data": data_digest(X, y)}
            if not continuing:
                checkpoint = self._matching_checkpoint(fit_identity)
        seed = checkpoint["seed"] if checkpoint is not None else draw_seed(self.random_state)
        if self.data_parallel:
            seed = shared_seed(seed, device)  # every process cuts the same batches
        X_scaled = self._scale_inputs(X)
        y_scaled = self._training_target(y)
        train_idx, valid_idx = self._split(n_samples, seed, self._stratify(y))
        out_of_memory = explain_out_of_memory(
            device, self.architecture, self.batch_size, X_scaled.shape, n_outputs
        )
        with out_of_memory, torch_threads(self.n_threads), forked_torch_rng(device, seed):
            train_set = _to_dataset(X_scaled, y_scaled, train_idx, device)
            valid_set = None
            if valid_idx is not None:
                valid_set = _to_dataset(X_scaled, y_scaled, valid_idx, device)
            net = self.net_ if continuing else self._make_net(
                self._initial_network(config, source), device, config
            )
            start = len(net.history)
            net.shard = world() if self.data_parallel else (0, 1)
            if checkpoint is not None:
                start = self._restore_checkpoint(net, checkpoint)
            self._configure_fit(net, seed, train_set, valid_set, start)
            self._install_checkpointing(net, {"seed": seed, "start_epoch": start,
                                              **fit_identity})
            try:
                with distributed_training(net) if self.data_parallel else nullcontext():
                    diverged = self._train(net, train_set, start)
            finally:
                net.shard = (0, 1)
        self._keep_fitted(net, config, n_outputs, device, start, diverged)
        return self

    def _network_for_fit(self, X: np.ndarray, n_outputs: int, continuing: bool
                         ) -> tuple[NetworkConfig, Any]:
        """The network this fit trains, and the pre-trained model it starts from (or
        None): the fitted one on a warm start, else one built from the parameters."""
        if self.pretrained is not None and self.numeric_embedding not in (None, "auto"):
            # checked before the pre-trained file is read, and on warm starts too
            raise ValueError(
                f"numeric_embedding={self.numeric_embedding!r} adds input layers that the "
                f"pre-trained network {self.pretrained!r} does not have (it reads the "
                "features themselves); set numeric_embedding=None (or 'auto') to fine-tune it.")
        source = None
        if continuing:
            config = (self._with_own_dropout(self.network_config_)
                      if self.pretrained is not None else
                      self._adapt_config(NetworkConfig.from_params(
                          self.get_params(), n_features=X.shape[1], n_outputs=n_outputs)))
            if self._warm_start_key(config) != self._fitted_key:
                raise ValueError(
                    "warm_start=True continues training the fitted network, but the "
                    "architecture, number of outputs, activation, dropout, batch_norm, loss "
                    "or standardisation changed since the last fit; set warm_start=False "
                    "to train a new network."
                )
        elif self.pretrained is not None:
            source = self._pretrained_model(X)
            config = self._fine_tuning_config(source, n_outputs)
        else:
            config = self._adapt_config(NetworkConfig.from_params(
                self.get_params(), n_features=X.shape[1], n_outputs=n_outputs))
        return config, source

    def _keep_fitted(self, net: TabularNetBase, config: NetworkConfig, n_outputs: int,
                     device: str, start: int, diverged: TrainingDiverged | None) -> None:
        """Report how training ended and set the fitted attributes."""
        stopper = dict(net.callbacks_)["early_stopping"]
        self._report_outcome(net, stopper, len(net.history) - start, diverged)
        stopper.best_model_weights_ = None
        stopper.resume_ = None
        self.net_ = net
        self.network_config_ = config
        self._fitted_key = self._warm_start_key(config)
        self._device = device
        self._record_history(net, stopper, start)
        self.architecture_ = architecture_to_string(config.stacks, n_outputs)
        self.n_parameters_ = count_parameters(net.module_)

    def _training_device(self) -> str:
        """The device this process trains on; with ``data_parallel``, after joining the
        process group (one GPU per process: ``"cuda"`` means ``cuda:<LOCAL_RANK>``)."""
        device = resolve_device(self.device)
        if not self.data_parallel:
            return device
        if self.checkpoint_dir is not None:
            raise ValueError("data_parallel=True does not write checkpoints yet; set "
                             "checkpoint_dir=None.")
        ensure_process_group(device)
        return rank_device(device, local_rank())

    # The named steps of fit, in the order fit runs them. The hooks a subclass implements:
    def _validate_training_data(
        self, X: Any, y: Any, *, reset: bool
    ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
        """Checked float X, the target as the subclass keeps it, and the fitted attributes
        that describe the target (e.g. ``classes_``), which the base sets."""
        raise NotImplementedError

    def _set_attributes(self, attributes: dict[str, Any]) -> None:
        """Set what a hook returned. Hooks return values and only the base sets
        attributes; a fit that fails later is rolled back whole by :meth:`fit`."""
        for name, value in attributes.items():
            setattr(self, name, value)

    def _n_outputs(self, y: np.ndarray) -> int:
        """Output width of the network for the checked target ``y``."""
        raise NotImplementedError

    def _adapt_config(self, config: NetworkConfig) -> NetworkConfig:
        """The network for this estimator's loss, from the one the parameters describe for
        ``config.n_outputs`` targets (default: unchanged)."""
        return config

    def _fit_target(self, y: np.ndarray) -> dict[str, Any]:
        """The target's scaling or encoding as fitted attributes (not on a warm start)."""
        raise NotImplementedError

    def _training_target(self, y: np.ndarray) -> np.ndarray:
        """The target array the network trains on."""
        raise NotImplementedError

    def _warm_start_key(self, config: NetworkConfig) -> tuple[Any, ...]:
        """What a warm start must keep: the network and what it trains on."""
        raise NotImplementedError

    def _criterion(self) -> type[torch.nn.Module]:
        """The training loss (a torch loss class)."""
        raise NotImplementedError

    def _stratify(self, y: np.ndarray) -> np.ndarray | None:
        """Labels to stratify the validation split by, or None."""
        return None

    def _configure_criterion(self, net: TabularNetBase) -> None:
        """Set this fit's loss settings on the net's criterion (default: none)."""

    @staticmethod
    def _check_n_samples(n_samples: int, name: str) -> None:
        if n_samples < 2:
            raise ValueError(
                f"{name} needs at least 2 samples to train (BatchNorm), got "
                f"n_samples = {n_samples}: 1 sample is not enough."
            )

    def _fit_input_scaling(self, X: np.ndarray, source: Any = None) -> None:
        self.input_min_, self.input_max_ = X.min(axis=0), X.max(axis=0)
        if source is None:
            self.input_mean_, self.input_scale_ = standardization(X, self.standardize_inputs)
        else:  # the pre-trained network expects its own input scaling
            self.input_mean_, self.input_scale_ = source.input_mean_, source.input_scale_
            self.input_min_ = np.minimum(self.input_min_, source.input_min_)
            self.input_max_ = np.maximum(self.input_max_, source.input_max_)

    def _train(self, net: TabularNetBase, train_set: TensorDataset, start: int
               ) -> TrainingDiverged | None:
        """Run the epochs still due; a divergence is returned, not raised."""
        stopper = dict(net.callbacks_)["early_stopping"]
        probe = copy.copy(stopper)
        probe.on_train_begin(net)
        done = len(net.history) - start
        epochs = 0 if probe.has_stopped() else max(self.max_iter - done, 0)
        try:
            net.partial_fit(train_set, None, epochs=epochs)
        except TrainingDiverged as error:
            return error
        finally:
            net.train_split = None  # do not keep the validation data in the model
        return None

    def _configure_fit(
        self,
        net: TabularNetBase,
        seed: int,
        train_set: TensorDataset,
        valid_set: TensorDataset | None,
        start: int,
    ) -> None:
        """Apply this fit's training settings to a new, warm-started or resumed net.

        skorch's ``set_params`` where it keeps the trained net; three kinds of setting are
        written directly: on an initialised net skorch 1.4's ``set_params`` raises
        ``ValueError`` for ``iterator_train__*``; its virtual ``lr`` gives every optimiser
        group one rate where a pre-trained body's group has its own scale; and a new
        ``optimizer`` class is not built by ``set_params`` until ``initialize_optimizer``.
        """
        net.set_params(max_epochs=self.max_iter, lr=self.learning_rate_init,
                       verbose=int(self.verbose >= 1),
                       train_split=None if valid_set is None else predefined_split(valid_set))
        optimizer = SOLVERS[self.solver]
        if type(net.optimizer_) is not optimizer:  # a warm start that changed the solver
            net.optimizer = optimizer
            net.initialize_optimizer()
        for group in net.optimizer_.param_groups:
            group["lr"] = self.learning_rate_init * group.get("lr_scale", 1.0)
            group["weight_decay"] = self.alpha
            group["betas"] = (0.9, 0.999)  # torch's defaults; "onecycle" then cycles beta1
        shuffler = EpochShuffler(seed)
        shuffler.epoch = len(net.history) - start
        net.iterator_train__shuffler = shuffler
        net.iterator_train__batch_size = min(self.batch_size, len(train_set))
        net.iterator_valid__batch_size = max(self.batch_size, 1024)
        net.autocast_dtype = self.autocast
        self._configure_stopper(net)
        self._configure_criterion(net)
        schedule = None
        if self.learning_rate != "constant":
            batches = len(BatchIterator(train_set, net.iterator_train__batch_size,
                                        drop_singleton=True, shard=net.shard))
            peaks = [group["lr"] for group in net.optimizer_.param_groups]
            settings = schedule_settings(
                self.learning_rate, peak_lr=peaks if len(peaks) > 1 else peaks[0],
                total_steps=batches * self.max_iter, warmup_fraction=self.warmup_fraction,
            )
            schedule = BatchSchedule(start_epoch=start, **settings).initialize()
        set_fit_callbacks(net, before_stopper=[("lr_schedule", schedule)])

    def _configure_stopper(self, net: TabularNetBase) -> ResumableEarlyStopping:
        """Apply the early-stopping settings to the net's stopper and return it."""
        stopper = dict(net.callbacks_)["early_stopping"]
        stopper.monitor = "valid_loss" if self.early_stopping else "train_loss"
        stopper.patience, stopper.threshold = self.n_iter_no_change, self.tol
        stopper.load_best = self.early_stopping
        return stopper

    def _split(
        self, n_samples: int, seed: int, stratify: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        indices = np.arange(n_samples)
        if not self.early_stopping:
            return indices, None
        n_valid = math.ceil(self.validation_fraction * n_samples)
        if n_samples - n_valid < 2:
            raise ValueError(
                f"early_stopping holds out {n_valid} of {n_samples} samples for validation, "
                "leaving fewer than 2 to train on; use more data or early_stopping=False."
            )
        train_idx, valid_idx = train_test_split(
            indices, test_size=n_valid, random_state=seed % (2**32), stratify=stratify
        )
        return np.sort(train_idx), np.sort(valid_idx)

    def _make_net(
        self, module: torch.nn.Module, device: str, config: NetworkConfig | None = None
    ) -> TabularNetBase:
        """A new, initialised skorch net around ``module`` (``config`` is its network's:
        it says which layers ``freeze_stacks`` freezes)."""
        # monitor, patience, threshold and load_best are set per fit by _configure_fit
        callbacks: list[Any] = [
            ("early_stopping", ResumableEarlyStopping(threshold_mode="abs", sink=_silent))
        ]
        if self.verbose >= 2:
            callbacks.append(("progress_bar", ProgressBar(postfix_keys=[])))
        freezer = self._freezer(config)
        if freezer is not None:
            callbacks.append(("freezer", freezer))
        callbacks.extend(copy.deepcopy(list(self.callbacks or [])))
        device_type = torch.device(device).type
        optimizer_groups = {}
        if self.pretrained is not None and self.pretrained_lr_scale != 1.0:
            # the pre-trained weights: the hidden layers and the input embedding, if any
            optimizer_groups["optimizer__param_groups"] = [
                (pattern, {"lr_scale": self.pretrained_lr_scale})
                for pattern in ("body.*", "embedding.*")
            ]
        net = self._net_class(
            module=module,
            criterion=self._criterion(),
            optimizer=SOLVERS[self.solver],
            lr=self.learning_rate_init,
            optimizer__weight_decay=self.alpha,
            optimizer__fused=fused_step_available(device_type) or None,
            batch_size=self.batch_size,
            iterator_train=BatchIterator,
            iterator_valid=BatchIterator,
            iterator_train__drop_singleton=True,
            train_split=None,
            callbacks=callbacks,
            device=device,
            **optimizer_groups,
        )
        net.initialize()
        return net

    def _record_history(
        self, net: TabularNetBase, stopper: ResumableEarlyStopping, start: int
    ) -> None:
        history = net.history
        self.n_iter_ = len(history)
        self.loss_curve_ = list(history[:, "train_loss"])
        self.lr_curve_ = [row.get("lr", self.learning_rate_init) for row in history]
        if self.early_stopping:
            rows = [row for row in history if "valid_loss" in row]
            self.validation_loss_curve_ = [row["valid_loss"] for row in rows]
            metric = self._net_class.valid_metric_name
            self.validation_scores_ = [row[metric] for row in rows]
            new_rows = [row for row in history[start:] if "valid_loss" in row]
            # the epoch whose weights early stopping kept (the last to improve by > tol)
            kept = [row for row in new_rows if row["epoch"] == stopper.best_epoch_]
            best = kept[0] if kept else new_rows[-1]
            self.best_validation_score_ = best[metric]
            self.best_loss_ = None
        else:
            self.validation_loss_curve_ = None
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = float(np.nanmin(self.loss_curve_))

    # -------------------------------------------------------------- predict
    def _check_finite_inputs(self, X: np.ndarray) -> None:
        """A ValueError naming the NaN/inf columns of X and this estimator."""
        check_finite(X, "X", getattr(self, "feature_names_in_", None), type(self).__name__)

    def embed(self, X: Any, layer: int = -1) -> np.ndarray:
        """The network's learned representation of X: the output of hidden block ``layer``.

        A block is one layer with its shortcut (IRNet and plain networks) or one stack
        (SRNet); ``-1``, the last one, feeds the output layer. The inputs are clipped and
        scaled as in ``predict``. Use it to look at what a network learned, or to give its
        representation to another estimator
        (:class:`~sklearn_irnet.PretrainedActivations` does that for a saved network).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        layer : int, default=-1
            Index of the hidden block; negative counts from the last.

        Returns
        -------
        ndarray of shape (n_samples, width of the block)

        Raises
        ------
        ValueError
            If ``layer`` is not an index of the network's hidden blocks.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_irnet import IRNetRegressor
        >>> X = np.random.RandomState(0).normal(size=(40, 3))
        >>> model = IRNetRegressor(architecture="16BARx2-8BARx1-1", max_iter=2)
        >>> model = model.fit(X, X[:, 0])
        >>> model.embed(X).shape, model.embed(X, layer=0).shape
        ((40, 8), (40, 16))
        """
        check_is_fitted(self, "net_")
        if self.net_.module_.n_members > 1:
            raise ValueError(f"embed reads one network's hidden layers, but this one trains "
                             f"n_members={self.net_.module_.n_members} members on scaled "
                             "inputs; fit with n_members=1 to embed.")
        network = self.net_.module_
        n_blocks = len(network.body)
        if isinstance(layer, bool) or not isinstance(layer, int | np.integer) \
                or not -n_blocks <= layer < n_blocks:
            raise ValueError(f"layer={layer!r} is not one of the network's {n_blocks} hidden "
                             f"blocks (use an int from -{n_blocks} to {n_blocks - 1}).")
        blocks = list(network.body[: int(layer) % n_blocks + 1])
        if network.embedding is not None:
            blocks.insert(0, network.embedding)
        return self._forward(X, module=torch.nn.Sequential(*blocks))

    def _forward(self, X: Any, module: torch.nn.Module | None = None) -> np.ndarray:
        """The outputs of ``module`` (default: the whole network) for X, float64 of shape
        (n_samples, width of its last layer)."""
        check_is_fitted(self, "net_")
        X = validate_data(
            self, X, reset=False, dtype=(np.float64, np.float32), ensure_all_finite=False
        )
        self._check_finite_inputs(X)
        if self.clip_inputs:
            X = np.clip(X, self.input_min_, self.input_max_)
        X_scaled = self._scale_inputs(X)
        self.net_.module_.eval()
        module = self.net_.module_ if module is None else module
        chunks = []
        with torch_threads(self.n_threads), torch.inference_mode(), autocast_context(
            self._device, self.autocast
        ):
            for start in range(0, len(X_scaled), _PREDICT_CHUNK):
                batch = torch.from_numpy(X_scaled[start : start + _PREDICT_CHUNK])
                chunks.append(module(batch.to(self._device)).float().cpu().numpy())
        return np.concatenate(chunks).astype(np.float64)

    def _scale_inputs(self, X: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            scaled = ((X - self.input_mean_) / self.input_scale_).astype(np.float32)
        if not np.isfinite(scaled).all():
            raise ValueError(
                "X holds values beyond the float32 range (about 3.4e38) after scaling; the "
                "network computes in float32. Rescale X or keep standardize_inputs=True."
            )
        return scaled

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.device != "cpu"
        return tags


# ---------------------------------------------------------------- helpers
def _silent(*args: Any, **kwargs: Any) -> None:
    """A skorch sink that drops messages (the estimator reports through warnings)."""


def _to_dataset(
    X: np.ndarray, y: np.ndarray, rows: np.ndarray, device: str
) -> TensorDataset:
    return TensorDataset(
        torch.from_numpy(np.ascontiguousarray(X[rows])).to(device),
        torch.from_numpy(np.ascontiguousarray(y[rows])).to(device),
    )



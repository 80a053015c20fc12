"""IRNetRegressor: deep residual regression networks as a scikit-learn estimator."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import os
import warnings
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch.callbacks import ProgressBar
from skorch.helper import predefined_split

from . import persistence
from ._checkpoint import (
    BestWeightsFile,
    EpochCheckpoint,
    ResumableEarlyStopping,
    best_weights,
    changed_settings,
    data_digest,
    read_checkpoint,
)
from ._data_checks import check_finite, numeric_target, standardization
from ._runtime import (
    autocast_context,
    draw_seed,
    explain_out_of_memory,
    forked_torch_rng,
    resolve_device,
    torch_threads,
)
from ._schedule import SCHEDULES, SOLVERS, BatchSchedule, fused_step_available, schedule_settings
from ._training import BatchIterator, EpochShuffler, TabularNet, TensorDataset, TrainingDiverged
from .architecture import RESIDUAL_KINDS, architecture_to_string
from .network import ACTIVATIONS, count_parameters
from .network_config import NetworkConfig, resolve_output_init
from .pretrained import load_pretrained

LOSSES: dict[str, type[torch.nn.Module]] = {
    "absolute_error": torch.nn.L1Loss,
    "squared_error": torch.nn.MSELoss,
    "huber": torch.nn.HuberLoss,
}
"""Training losses available by name (sklearn's names)."""

PAPER_RECIPE: dict[str, Any] = {
    "loss": "absolute_error",
    "learning_rate_init": 1e-4,
    "batch_size": 32,
    "alpha": 0.0,
    "solver": "adam",
    "learning_rate": "constant",
    "early_stopping": True,
    "n_iter_no_change": 200,
    "tol": 0.0,
    "standardize_inputs": False,
    "standardize_target": False,
    "clip_inputs": False,
    "output_init": "glorot",
}
"""Training settings of Jha et al. (2019): ``IRNetRegressor(**PAPER_RECIPE)``.

MAE loss, Adam with a constant learning rate of 1e-4, batch size 32, no weight decay, no
scaling of inputs or targets, no clipping of inputs at prediction time, Glorot
initialisation of the output layer, early stopping with a patience of 200 epochs on a
validation split with the best weights restored. Set ``max_iter`` to the epoch budget you
can afford.
"""

_PREDICT_CHUNK = 8192

#: parameters that say where or how verbosely to run, not what to train: a checkpoint
#: written under other values of these is resumed
_RUN_ONLY_PARAMS = ("verbose", "n_threads", "device", "checkpoint_dir", "callbacks",
                    "warm_start")


@persistence.register_model_class
class IRNetRegressor(RegressorMixin, BaseEstimator):
    """Deep fully connected regression network with individual residual learning (IRNet).

    Every hidden layer (``Linear -> BatchNorm -> activation``) has its own shortcut, a
    linear projection where the width changes, following Jha et al., "IRNet: A General
    Purpose Deep Residual Regression Framework for Materials Discovery" (KDD 2019). The
    stacked-residual (SRNet) and plain variants of the paper are available through
    ``architecture``. Training runs through `skorch <https://skorch.readthedocs.io>`_ with
    the Adam optimiser.

    By default inputs and targets are standardised inside the estimator (zero mean, unit
    variance, computed on the training data; predictions are returned in the original
    units), so raw feature matrices work without a scaler. The paper's own recipe, with no
    scaling, is :data:`PAPER_RECIPE`.

    Parameters
    ----------
    architecture : str or sequence, default="irnet17"
        A preset (``"irnet17"``, ``"irnet24"``, ``"irnet48"``, ``"srnet17"``, ...,
        ``"plain48"``: the paper's nine networks), an architecture string in the authors'
        notation such as ``"1024BARx4-512BARx3-1"``, or a sequence of
        ``(width, n_layers)`` stacks such as ``((256, 3), (64, 2))``.
    residual : {"individual", "stacked", "none"} or None, default=None
        Shortcut wiring for a sequence of stacks (``None`` means ``"individual"``).
        Presets and strings carry their own wiring.
    activation : str, default="relu"
        Non-linearity of the hidden layers: "relu", "gelu", "silu", "elu", "selu",
        "leaky_relu" or "tanh".
    dropout : float, default=0.0
        Dropout probability after each activation (the paper uses none).
    batch_norm : bool, default=True
        Whether hidden layers use BatchNorm (eps 1e-3 as in the authors' code).
    output_init : {"auto", "zero", "glorot"}, default="auto"
        Initialisation of the linear output layer. ``"zero"`` (zero weights and bias)
        makes the untrained network predict the mean of the standardised target;
        ``"glorot"`` is the authors' code (and :data:`PAPER_RECIPE`). ``"auto"`` picks
        ``"zero"`` for networks with shortcuts and ``"glorot"`` for plain ones. With
        shortcuts every layer adds its non-negative activation to a running sum, so a
        Glorot output layer starts far off the target and needs many more epochs to
        settle; a plain network instead trains worse from a zero output layer, whose
        zero weights block the gradient to the hidden layers at first. Measured (5-fold
        MAE, 30-40 epochs): IRNet-17 0.136 vs 0.265 eV/atom ("zero" vs "glorot") on the
        2,135 experimental formation enthalpies, 0.368 vs 0.464 eV on Matbench expt_gap,
        108.5 vs 139.6 MPa on steels; plain-17 0.415 vs 0.157 eV/atom, 0.574 vs 0.390 eV
        and 156.0 vs 114.8 MPa (``benchmarks/compare_output_init.py``).
    loss : {"absolute_error", "squared_error", "huber"}, default="absolute_error"
        Training loss; the paper uses the mean absolute error.
    batch_size : int, default=128
        Mini-batch size (capped at the number of training rows). A trailing batch of a
        single row is merged into the previous one, since BatchNorm cannot train on one row.
    learning_rate_init : float, default=1e-3
        Learning rate (the peak of the schedule when ``learning_rate`` is not
        ``"constant"``). When you raise ``batch_size``, raise it too: about in proportion
        to the square root of the batch size is a safe rule with Adam.
    solver : {"adamw", "adam"}, default="adamw"
        Optimiser. Both are Adam; they differ in how ``alpha`` acts: ``"adam"`` adds
        ``alpha * w`` to the gradient (an L2 penalty, as sklearn's ``MLPRegressor``),
        ``"adamw"`` shrinks the weights by ``learning_rate * alpha`` at each step
        (decoupled weight decay). The fused single-kernel update is used where torch
        offers it (CUDA, and CPU from torch 2.4).
    learning_rate : {"cosine", "onecycle", "constant"}, default="cosine"
        Learning-rate schedule, stepped after every batch and spread over ``max_iter``
        epochs. ``"cosine"``: a warm-up from 1% of ``learning_rate_init`` to
        ``learning_rate_init``, then a cosine decay to almost zero. ``"onecycle"``: torch's
        one-cycle policy (warm-up from ``learning_rate_init / 25``, momentum cycled
        against the rate). ``"constant"``: ``learning_rate_init`` throughout, as in the
        paper. A scheduled fit reaches its best accuracy when it runs to ``max_iter``;
        choose ``max_iter`` as the epoch budget rather than as an upper bound.
    warmup_fraction : float or None, default=None
        Share of the training steps spent warming up (``None``: 0.05 for ``"cosine"``, 0.3
        for ``"onecycle"``). Ignored by ``"constant"``.
    alpha : float, default=0.0
        Weight penalty (L2 penalty with ``solver="adam"``, decoupled weight decay with
        ``solver="adamw"``).
    max_iter : int, default=80
        Maximum number of epochs, and the length of the learning-rate schedule.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data, stop when the validation
        loss has not improved by ``tol`` for ``n_iter_no_change`` epochs and restore the
        weights of the best epoch. When False (the default: with a learning-rate schedule,
        training on every row measured better than holding some out), training stops when
        the training loss stops improving in the same way, and the last weights are kept.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    n_iter_no_change : int, default=20
        Patience in epochs.
    tol : float, default=1e-4
        Minimum improvement of the monitored loss (in the units of the training loss,
        that is on the standardised target when ``standardize_target=True``).
    standardize_inputs : bool, default=True
        Standardise each input column (constant columns are only centred).
    standardize_target : bool, default=True
        Standardise each target column; predictions are transformed back.
    clip_inputs : bool, default=True
        At prediction time, clip every input column to the range seen in training. A
        deep network extrapolates wildly from a feature far outside its training range
        (for example a magnetic-moment statistic that is non-zero in a single training
        compound, millions of standard deviations away for a test compound), so clipping
        keeps such rows from producing absurd predictions. Not part of the paper's recipe.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout, batch shuffling and the validation split.
        With an int, repeated fits on the same data give identical predictions on CPU.
        Torch's and numpy's global random generators are left untouched.
    device : str, default="cpu"
        ``"cpu"``, ``"cuda"`` (or ``"cuda:N"``), or ``"auto"`` (CUDA when available).
        Data are moved to the device once per fit, not per batch.
    autocast : {"bfloat16", "float16"} or None, default=None
        Run the network's forward pass under ``torch.autocast`` with this dtype (mixed
        precision) in training and prediction; ``None`` computes in float32. bfloat16
        speeds up CPUs with native bf16 instructions and GPUs; float16 is for CUDA only.
        Expect small differences in accuracy (see ``benchmarks/bench_training.py``).
    n_threads : int or None, default=None
        Torch CPU threads used during ``fit`` and ``predict``; ``None`` keeps torch's
        setting (which follows ``OMP_NUM_THREADS``, as set by joblib in parallel workers).
    verbose : int, default=0
        0 is silent, 1 prints a table row per epoch, 2 adds a progress bar per epoch.
    warm_start : bool, default=False
        Continue training the fitted network (and its optimiser state) on the next call to
        ``fit`` for ``max_iter`` more epochs. The features, outputs and network settings
        must stay the same; the input and target scaling and the extra ``callbacks`` of
        the first fit are kept, while training settings (learning rate, batch size,
        early stopping, ...) take their new values.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks (e.g. ``GradientNormClipping``) added to the training loop.
        They are copied at each fit, so the parameter is never mutated.
    pretrained : str, path-like or None, default=None
        Fine-tune a pre-trained network instead of training one from scratch: the name of
        a model shipped with the package (see
        :func:`sklearn_irnet.pretrained.available_models`) or the path of a file written by
        :meth:`save`. The network (its layers and weights) and the input scaling come from
        that model, so ``architecture``, ``residual``, ``activation``, ``batch_norm`` and
        ``standardize_inputs`` are not used, and X must have the same columns as the
        pre-training data; the output layer is new (initialised by ``output_init``) and the
        target scaling is fitted on y.
    freeze_stacks : int, default=0
        With ``pretrained``, keep the weights of this many first hidden stacks fixed (their
        BatchNorm statistics still follow the new data).
    pretrained_lr_scale : float, default=1.0
        With ``pretrained``, multiply the learning rate of the pre-trained hidden layers by
        this factor (the new output layer trains at ``learning_rate_init``).
        ``pretrained``, ``freeze_stacks`` and ``pretrained_lr_scale`` act when a network is
        built; a warm start keeps the network, its frozen layers and its rate groups.
    checkpoint_dir : str or None, default=None
        Directory for a resumable training checkpoint, written after every epoch (the
        weights, optimiser state, history and, with early stopping, the best weights so
        far). When ``fit`` starts and the directory holds a checkpoint of the same
        settings and data, training resumes from its last epoch instead of starting
        again, with the same batch order, schedule position and early-stopping state,
        so a fit stopped by a crash or a time limit can be finished by calling ``fit``
        again. A checkpoint of other settings or data raises a ValueError (delete it or
        choose another directory). Use one directory per model: jobs running in parallel
        must not share one. ``random_state=None`` is resumed with the seed it drew.

    Attributes
    ----------
    net_ : skorch.NeuralNetRegressor
        The trained skorch net; its ``module_`` is the torch network.
    n_iter_ : int
        Number of epochs run (accumulated over warm starts).
    loss_curve_ : list of float
        Mean training loss per epoch, as optimised (on the standardised target when
        ``standardize_target=True``).
    validation_loss_curve_ : list of float or None
        Validation loss per epoch when ``early_stopping=True``.
    validation_scores_ : list of float or None
        Validation R^2 per epoch when ``early_stopping=True``.
    best_validation_score_ : float or None
        Validation R^2 of the epoch whose weights were kept: the last epoch that lowered
        the validation loss by more than ``tol``.
    best_loss_ : float or None
        Lowest training loss when ``early_stopping=False``.
    lr_curve_ : list of float
        Learning rate of the output layer at the end of each epoch.
    architecture_ : str
        The network that was built, in the authors' notation.
    network_config_ : NetworkConfig
        Everything that decides the network's shape and initialisation
        (:class:`sklearn_irnet.network_config.NetworkConfig`).
    n_parameters_ : int
        Number of trainable parameters of the network.
    n_features_in_ : int
        Number of input features.
    feature_names_in_ : ndarray of str
        Input feature names, when X had string column names.
    input_mean_, input_scale_ : ndarray of shape (n_features_in_,)
        Input standardisation (zeros and ones when ``standardize_inputs=False``).
    input_min_, input_max_ : ndarray of shape (n_features_in_,)
        Range of each input column in the first training data (used by ``clip_inputs``).
    target_mean_, target_scale_ : ndarray of shape (n_outputs,)
        Target standardisation (zeros and ones when ``standardize_target=False``).
    constant_target_ : ndarray of bool, shape (n_outputs,)
        Targets that were constant in training; with ``standardize_target=True`` they are
        predicted exactly as that constant.

    See Also
    --------
    sklearn.neural_network.MLPRegressor : shallow multi-layer perceptron.

    References
    ----------
    .. [1] D. Jha, L. Ward, Z. Yang, C. Wolverton, I. Foster, W.-k. Liao, A. Choudhary,
       A. Agrawal. "IRNet: A General Purpose Deep Residual Regression Framework for
       Materials Discovery". KDD 2019. doi:10.1145/3292500.3330703
    .. [2] D. Jha, V. Gupta, L. Ward, et al. "Enabling deeper learning on big data for
       materials informatics applications". Sci. Rep. 11, 4244 (2021).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_irnet import IRNetRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 5))
    >>> y = X[:, 0] - 2 * X[:, 1]
    >>> model = IRNetRegressor(architecture=[(32, 2)], max_iter=20, random_state=0)
    >>> model.fit(X, y).predict(X[:3]).shape
    (3,)
    >>> model.architecture_
    '32BARx2-1'
    """

    _parameter_constraints: dict = {
        "architecture": [str, list, tuple],
        "residual": [StrOptions(set(RESIDUAL_KINDS)), None],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "output_init": [StrOptions({"auto", "zero", "glorot"})],
        "loss": [StrOptions(set(LOSSES))],
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
        "standardize_target": ["boolean"],
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
    }

    def __init__(
        self,
        *,
        architecture: str | Sequence = "irnet17",
        residual: str | None = None,
        activation: str = "relu",
        dropout: float = 0.0,
        batch_norm: bool = True,
        output_init: str = "auto",
        loss: str = "absolute_error",
        batch_size: int = 128,
        learning_rate_init: float = 1e-3,
        solver: str = "adamw",
        learning_rate: str = "cosine",
        warmup_fraction: float | None = None,
        alpha: float = 0.0,
        max_iter: int = 80,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 20,
        tol: float = 1e-4,
        standardize_inputs: bool = True,
        standardize_target: bool = True,
        clip_inputs: bool = True,
        random_state: int | np.random.RandomState | None = None,
        device: str = "cpu",
        autocast: str | None = None,
        n_threads: int | None = None,
        verbose: int = 0,
        warm_start: bool = False,
        callbacks: Sequence | None = None,
        pretrained: str | os.PathLike[str] | None = None,
        freeze_stacks: int = 0,
        pretrained_lr_scale: float = 1.0,
        checkpoint_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.architecture = architecture
        self.residual = residual
        self.activation = activation
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.output_init = output_init
        self.loss = loss
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.solver = solver
        self.learning_rate = learning_rate
        self.warmup_fraction = warmup_fraction
        self.alpha = alpha
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.standardize_inputs = standardize_inputs
        self.standardize_target = standardize_target
        self.clip_inputs = clip_inputs
        self.random_state = random_state
        self.device = device
        self.autocast = autocast
        self.n_threads = n_threads
        self.verbose = verbose
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.pretrained = pretrained
        self.freeze_stacks = freeze_stacks
        self.pretrained_lr_scale = pretrained_lr_scale
        self.checkpoint_dir = checkpoint_dir

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any) -> IRNetRegressor:
        """Train the network on X and y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs (numeric; float64, float32, int or a pandas DataFrame).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.

        Returns
        -------
        self : IRNetRegressor
            The fitted estimator.
        """
        previous_state = dict(self.__dict__)
        # a warm start trains the fitted net in place: keep what training changes
        continuing = self.warm_start and hasattr(self, "net_")
        previous_net = _NetSnapshot(self.net_) if continuing else None
        try:
            return self._fit(X, y)
        except BaseException:
            # A failed fit leaves a previously fitted estimator exactly as it was.
            self.__dict__.clear()
            self.__dict__.update(previous_state)
            if previous_net is not None:
                previous_net.restore()
            raise

    def _fit(self, X: Any, y: Any) -> IRNetRegressor:
        continuing = self.warm_start and hasattr(self, "net_")
        X, y, y_is_1d = self._validate_training_data(X, y, reset=not continuing)
        n_samples, n_outputs = y.shape
        device = resolve_device(self.device)
        autocast_context(device, self.autocast)  # fails early on float16 without CUDA
        source = None
        if continuing:
            config = (self.network_config_ if self.pretrained is not None else
                      NetworkConfig.from_params(self.get_params(), n_features=X.shape[1],
                                                n_outputs=n_outputs))
        elif self.pretrained is not None:
            source = self._pretrained_model(X)
            config = self._fine_tuning_config(source, n_outputs)
        else:
            config = NetworkConfig.from_params(self.get_params(), n_features=X.shape[1],
                                               n_outputs=n_outputs)
        if continuing and self._warm_start_key(config) != self._fitted_key:
            raise ValueError(
                "warm_start=True continues training the fitted network, but the "
                "architecture, number of outputs, activation, dropout, batch_norm, loss or "
                "standardisation changed since the last fit; set warm_start=False to "
                "train a new network."
            )
        if not continuing:
            self._fit_scaling(X, y, source)
        checkpoint, fit_identity = None, {}
        if self.checkpoint_dir is not None:
            fit_identity = {"params": json.dumps(self._checkpoint_params()),
                            "data": data_digest(X, y)}
            if not continuing:
                checkpoint = self._matching_checkpoint(fit_identity)
        seed = checkpoint["seed"] if checkpoint is not None else draw_seed(self.random_state)
        X_scaled = self._scale_inputs(X)
        y_scaled = ((y - self.target_mean_) / self.target_scale_).astype(np.float32)
        train_idx, valid_idx = self._split(n_samples, seed)
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
            if checkpoint is not None:
                start = self._restore_checkpoint(net, checkpoint)
            self._configure_fit(net, seed, train_set, valid_set, start)
            self._install_checkpointing(net, {"seed": seed, "start_epoch": start,
                                              **fit_identity})
            diverged = self._train(net, train_set, start)
        stopper = dict(net.callbacks_)["early_stopping"]
        self._report_outcome(net, stopper, len(net.history) - start, diverged)
        stopper.best_model_weights_ = None
        stopper.resume_ = None

        self.net_ = net
        self.network_config_ = config
        self._fitted_key = self._warm_start_key(config)
        self._y_is_1d = y_is_1d
        self._device = device
        self._record_history(net, stopper, start)
        self.architecture_ = architecture_to_string(config.stacks, n_outputs)
        self.n_parameters_ = count_parameters(net.module_)
        return self

    # The named steps of fit, in the order fit runs them.
    def _validate_training_data(
        self, X: Any, y: Any, *, reset: bool
    ) -> tuple[np.ndarray, np.ndarray, bool]:
        """Checked float arrays X and 2-D y, and whether y was 1-D."""
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            dtype=(np.float64, np.float32),
            multi_output=True,
            y_numeric=True,
            ensure_all_finite=False,
        )
        check_finite(X, "X", getattr(self, "feature_names_in_", None))
        y = numeric_target(y)
        y_is_1d = y.ndim == 1
        y = y.reshape(len(y), -1)
        if len(y) < 2:
            raise ValueError(
                f"IRNetRegressor needs at least 2 samples to train (BatchNorm), got "
                f"n_samples = {len(y)}: 1 sample is not enough."
            )
        return X, y, y_is_1d

    def _warm_start_key(self, config: NetworkConfig) -> tuple[Any, ...]:
        """What a warm start must keep: the network and the loss and scaling it trains on."""
        return (config, self.loss, self.standardize_inputs, self.standardize_target)

    def _pretrained_model(self, X: np.ndarray) -> IRNetRegressor:
        """The model named by ``pretrained``, checked against X."""
        source = load_pretrained(self.pretrained)
        if X.shape[1] != source.n_features_in_:
            raise ValueError(
                f"The pre-trained model {self.pretrained!r} takes {source.n_features_in_} "
                f"features, but X has {X.shape[1]}; featurize X the way its training data "
                "was featurized (for the OQMD models: the 145 Magpie attributes, "
                "sklearn_irnet.featurize.MagpieFeaturizer)."
            )
        names = getattr(self, "feature_names_in_", None)
        expected = getattr(source, "feature_names_in_", None)
        if names is not None and expected is not None and list(names) != list(expected):
            wrong = next(i for i, (a, b) in enumerate(zip(names, expected, strict=True))
                         if a != b)
            raise ValueError(
                f"X's column {wrong} is {names[wrong]!r}, but the pre-trained model "
                f"{self.pretrained!r} was trained with {expected[wrong]!r} there; pass the "
                "columns in the pre-training order."
            )
        n_stacks = len(source.network_config_.stacks)
        if self.freeze_stacks > n_stacks:
            raise ValueError(f"freeze_stacks={self.freeze_stacks}, but the pre-trained "
                             f"network has only {n_stacks} hidden stacks.")
        return source

    def _fine_tuning_config(self, source: IRNetRegressor, n_outputs: int) -> NetworkConfig:
        """The pre-trained network with an output layer for this target."""
        base = source.network_config_
        output_init = resolve_output_init(self.output_init, base.stacks)
        return dataclasses.replace(base, n_outputs=n_outputs, output_init=output_init)

    def _initial_network(self, config: NetworkConfig, source: Any) -> torch.nn.Module:
        """A new network; with a pre-trained source, its hidden weights copied in and the
        first ``freeze_stacks`` stacks frozen."""
        module = config.build()
        if source is None:
            return module
        hidden = {k: v for k, v in source.net_.module_.state_dict().items()
                  if not k.startswith("head.")}
        missing, unexpected = module.load_state_dict(hidden, strict=False)
        assert not unexpected and all(k.startswith("head.") for k in missing)
        for block in module.body[: config.n_blocks(self.freeze_stacks)]:
            block.requires_grad_(False)
        return module

    def _fit_scaling(self, X: np.ndarray, y: np.ndarray, source: Any = None) -> None:
        self.input_min_, self.input_max_ = X.min(axis=0), X.max(axis=0)
        if source is None:
            self.input_mean_, self.input_scale_ = standardization(X, self.standardize_inputs)
        else:  # the pre-trained network expects its own input scaling
            self.input_mean_, self.input_scale_ = source.input_mean_, source.input_scale_
            self.input_min_ = np.minimum(self.input_min_, source.input_min_)
            self.input_max_ = np.maximum(self.input_max_, source.input_max_)
        self.target_mean_, self.target_scale_ = standardization(y, self.standardize_target)
        self.constant_target_ = np.ptp(y, axis=0) == 0

    def _train(self, net: TabularNet, train_set: TensorDataset, start: int
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
        net: TabularNet,
        seed: int,
        train_set: TensorDataset,
        valid_set: TensorDataset | None,
        start: int,
    ) -> None:
        """Apply this fit's training settings to a new, warm-started or resumed net.

        Plain attribute writes: skorch's ``set_params`` would re-initialise the net.
        """
        net.max_epochs = self.max_iter
        net.lr = self.learning_rate_init
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
        net.train_split = None if valid_set is None else predefined_split(valid_set)
        net.verbose = int(self.verbose >= 1)
        net.autocast_dtype = self.autocast
        self._configure_stopper(net)
        schedule = None
        if self.learning_rate != "constant":
            batches = len(BatchIterator(train_set, net.iterator_train__batch_size,
                                        drop_singleton=True))
            peaks = [group["lr"] for group in net.optimizer_.param_groups]
            settings = schedule_settings(
                self.learning_rate, peak_lr=peaks if len(peaks) > 1 else peaks[0],
                total_steps=batches * self.max_iter, warmup_fraction=self.warmup_fraction,
            )
            schedule = BatchSchedule(start_epoch=start, **settings).initialize()
        _set_fit_callbacks(net, before_stopper=[("lr_schedule", schedule)])

    def _configure_stopper(self, net: TabularNet) -> ResumableEarlyStopping:
        """Apply the early-stopping settings to the net's stopper and return it."""
        stopper = dict(net.callbacks_)["early_stopping"]
        stopper.monitor = "valid_loss" if self.early_stopping else "train_loss"
        stopper.patience, stopper.threshold = self.n_iter_no_change, self.tol
        stopper.load_best = self.early_stopping
        return stopper

    def _install_checkpointing(self, net: TabularNet, fit_state: dict[str, Any]) -> None:
        """Checkpoint callbacks for this fit (removed when ``checkpoint_dir`` is None)."""
        checkpoint = best_file = None
        if self.checkpoint_dir is not None:
            directory = os.fspath(self.checkpoint_dir)
            checkpoint = EpochCheckpoint(directory, fit_state).initialize()
            if self.early_stopping:
                best_file = BestWeightsFile(directory).initialize()
        before = [("lr_schedule", dict(net.callbacks_).get("lr_schedule")),
                  ("checkpoint", checkpoint)]
        _set_fit_callbacks(net, before_stopper=before,
                           after_stopper=[("best_weights_file", best_file)])

    def _checkpoint_params(self, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """The parameters a checkpoint must match, as JSON data (not those that only say
        where or how verbosely to run)."""
        params = dict(self.get_params() if params is None else params)
        for name in _RUN_ONLY_PARAMS:
            params.pop(name)
        if not isinstance(params["random_state"], Integral | None):
            params["random_state"] = "RandomState instance"
        return json.loads(json.dumps(params, default=repr))

    def _matching_checkpoint(self, fit_identity: dict[str, str]) -> dict[str, Any] | None:
        checkpoint = read_checkpoint(self.checkpoint_dir)
        if checkpoint is None:
            return None
        directory = os.fspath(self.checkpoint_dir)
        defaults = self._checkpoint_params(type(self)().get_params())
        changed = changed_settings(json.loads(checkpoint["params"]),
                                   json.loads(fit_identity["params"]), defaults)
        if changed:
            raise ValueError(
                f"checkpoint_dir={directory!r} holds a checkpoint of another fit: the "
                f"parameters {changed} differ, so this fit cannot resume from it. Delete that "
                "directory to start afresh, or choose another checkpoint_dir."
            )
        if checkpoint["data"] != fit_identity["data"]:
            raise ValueError(
                f"checkpoint_dir={directory!r} holds a checkpoint of another fit: it was "
                "trained on other data (X or y differ), so this fit cannot resume from it. "
                "Delete that directory to start afresh, or choose another checkpoint_dir."
            )
        return checkpoint

    def _restore_checkpoint(self, net: TabularNet, checkpoint: dict[str, Any]) -> int:
        """Load a checkpoint into a new net; return the epoch its schedule started at."""
        net.module_.load_state_dict(checkpoint["module"])
        net.optimizer_.load_state_dict(checkpoint["optimizer"])
        fused = fused_step_available(torch.device(net.device).type) or None
        for group in net.optimizer_.param_groups:  # a checkpoint may come from another device
            if "fused" in group:
                group["fused"] = fused
        net.history = type(net.history)(checkpoint["history"])
        start = int(checkpoint["start_epoch"])
        stopper = self._configure_stopper(net)
        probe = copy.copy(stopper)
        probe.on_train_begin(net)
        probe.replay(net.history, start)
        weights = best_weights(self.checkpoint_dir, probe.best_epoch_, checkpoint)
        stopper.resume_ = (start, weights)
        return start

    def _split(self, n_samples: int, seed: int) -> tuple[np.ndarray, np.ndarray | None]:
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
            indices, test_size=n_valid, random_state=seed % (2**32)
        )
        return np.sort(train_idx), np.sort(valid_idx)

    def _make_net(
        self, module: torch.nn.Module, device: str, config: NetworkConfig | None = None
    ) -> TabularNet:
        # monitor, patience, threshold and load_best are set per fit by _configure_fit
        callbacks: list[Any] = [
            ("early_stopping", ResumableEarlyStopping(threshold_mode="abs", sink=_silent))
        ]
        if self.verbose >= 2:
            callbacks.append(("progress_bar", ProgressBar(postfix_keys=[])))
        callbacks.extend(copy.deepcopy(list(self.callbacks or [])))
        device_type = torch.device(device).type
        optimizer_groups = {}
        if self.pretrained is not None and self.pretrained_lr_scale != 1.0:
            optimizer_groups["optimizer__param_groups"] = [
                ("body.*", {"lr_scale": self.pretrained_lr_scale})
            ]
        net = TabularNet(
            module=module,
            criterion=LOSSES[self.loss],
            optimizer=SOLVERS[self.solver],
            lr=self.learning_rate_init,
            optimizer__weight_decay=self.alpha,
            optimizer__fused=fused_step_available(device_type) or None,
            batch_size=self.batch_size,
            iterator_train__drop_singleton=True,
            train_split=None,
            callbacks=callbacks,
            device=device,
            **optimizer_groups,
        )
        net.initialize()
        return net

    def _report_outcome(
        self,
        net: TabularNet,
        stopper: ResumableEarlyStopping,
        n_new_epochs: int,
        diverged: TrainingDiverged | None,
    ) -> None:
        """Warn about interrupted or unconverged training; recover from divergence."""
        if diverged is not None:
            self._recover_from_divergence(net, stopper, diverged)
        elif stopper.misses_ >= stopper.patience:
            return
        elif n_new_epochs < self.max_iter:
            kept = "best weights so far" if self.early_stopping else "last weights"
            warnings.warn(
                f"Training was interrupted after {n_new_epochs} of max_iter={self.max_iter} "
                f"epochs; the model is usable and keeps the {kept}.",
                UserWarning,
                stacklevel=5,
            )
        elif self.learning_rate == "constant":
            warnings.warn(
                f"Stopped after max_iter={self.max_iter} epochs while the monitored loss was "
                "still improving; consider increasing max_iter.",
                ConvergenceWarning,
                stacklevel=5,
            )

    def _recover_from_divergence(
        self, net: TabularNet, stopper: ResumableEarlyStopping, diverged: TrainingDiverged
    ) -> None:
        if stopper.best_model_weights_ is not None:
            net.module_.load_state_dict(stopper.best_model_weights_)
            warnings.warn(
                f"Training diverged ({diverged}); the weights of the best validation epoch "
                f"({stopper.best_epoch_}) were restored. Lower learning_rate_init or keep "
                "standardize_target=True.",
                UserWarning,
                stacklevel=6,
            )
            return
        fallback = ("no earlier epoch had a finite validation loss to fall back to"
                    if self.early_stopping else "without early_stopping there are no best "
                    "weights to fall back to")
        raise FloatingPointError(
            f"Training diverged: {diverged}, and {fallback}. Lower learning_rate_init, keep "
            "standardize_inputs=True and standardize_target=True, or check X and y for "
            "extreme values."
        )

    def _record_history(
        self, net: TabularNet, stopper: ResumableEarlyStopping, start: int
    ) -> None:
        history = net.history
        self.n_iter_ = len(history)
        self.loss_curve_ = list(history[:, "train_loss"])
        self.lr_curve_ = [row.get("lr", self.learning_rate_init) for row in history]
        if self.early_stopping:
            rows = [row for row in history if "valid_loss" in row]
            self.validation_loss_curve_ = [row["valid_loss"] for row in rows]
            self.validation_scores_ = [row["valid_r2"] for row in rows]
            new_rows = [row for row in history[start:] if "valid_loss" in row]
            # the epoch whose weights early stopping kept (the last to improve by > tol)
            kept = [row for row in new_rows if row["epoch"] == stopper.best_epoch_]
            best = kept[0] if kept else new_rows[-1]
            self.best_validation_score_ = best["valid_r2"]
            self.best_loss_ = None
        else:
            self.validation_loss_curve_ = None
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = float(np.nanmin(self.loss_curve_))

    # -------------------------------------------------------------- predict
    def predict(self, X: Any) -> np.ndarray:
        """Predict targets for X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs with the same columns as in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions in the units of the training target, 1-D when ``fit`` got a 1-D y.
        """
        check_is_fitted(self, "net_")
        X = validate_data(
            self, X, reset=False, dtype=(np.float64, np.float32), ensure_all_finite=False
        )
        check_finite(X, "X", getattr(self, "feature_names_in_", None))
        if self.clip_inputs:
            X = np.clip(X, self.input_min_, self.input_max_)
        X_scaled = self._scale_inputs(X)
        module = self.net_.module_
        module.eval()
        chunks = []
        with torch_threads(self.n_threads), torch.inference_mode(), autocast_context(
            self._device, self.autocast
        ):
            for start in range(0, len(X_scaled), _PREDICT_CHUNK):
                batch = torch.from_numpy(X_scaled[start : start + _PREDICT_CHUNK])
                chunks.append(module(batch.to(self._device)).float().cpu().numpy())
        y_pred = np.concatenate(chunks).astype(np.float64)
        y_pred = y_pred * self.target_scale_ + self.target_mean_
        if self.standardize_target:
            # a target that never varied in training is predicted as that constant
            y_pred[:, self.constant_target_] = self.target_mean_[self.constant_target_]
        return y_pred.ravel() if self._y_is_1d else y_pred

    def save(self, path: str | os.PathLike[str], *, weights_dtype: str = "float32") -> Any:
        """Write the fitted model to a safetensors file (no pickle); see
        :func:`sklearn_irnet.persistence.save_model`."""
        return persistence.save_model(self, path, weights_dtype=weights_dtype)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, device: str = "cpu") -> IRNetRegressor:
        """Read a model written by :meth:`save`; see
        :func:`sklearn_irnet.persistence.load_model`."""
        return persistence.load_model(path, device=device, expected_class=cls)

    # The persistence protocol: what a saved file holds, and how a model is rebuilt from it.
    _SCALING = ("input_mean_", "input_scale_", "input_min_", "input_max_", "target_mean_",
                "target_scale_")
    _FITTED = ("n_iter_", "best_validation_score_", "best_loss_", "architecture_",
               "n_parameters_", "n_features_in_", "loss_curve_", "validation_loss_curve_",
               "validation_scores_", "lr_curve_")

    def fitted_state(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """The fitted model as tensors and JSON-ready attributes (used by ``save``).

        Returns
        -------
        tensors : dict of str to Tensor
            Network weights (``"module.<name>"``, on the CPU) and the input and target
            scaling (``"scaling.<attribute>"``).
        attributes : dict
            The network configuration (``"network"``, see
            :meth:`NetworkConfig.to_dict <sklearn_irnet.network_config.NetworkConfig.to_dict>`)
            and the other fitted attributes, as plain JSON data.
        """
        check_is_fitted(self, "net_")
        tensors = {f"module.{k}": v.detach().cpu().contiguous()
                   for k, v in self.net_.module_.state_dict().items()}
        for name in self._SCALING:
            tensors[f"scaling.{name}"] = torch.from_numpy(np.asarray(getattr(self, name), float))
        attributes: dict[str, Any] = {name: getattr(self, name) for name in self._FITTED}
        attributes["network"] = self.network_config_.to_dict()
        attributes["y_is_1d"] = bool(self._y_is_1d)
        attributes["constant_target_"] = [bool(v) for v in self.constant_target_]
        if hasattr(self, "feature_names_in_"):
            attributes["feature_names_in_"] = [str(n) for n in self.feature_names_in_]
        return tensors, attributes

    @classmethod
    def from_fitted_state(
        cls,
        params: dict[str, Any],
        tensors: dict[str, torch.Tensor],
        attributes: dict[str, Any],
        *,
        device: str = "cpu",
    ) -> IRNetRegressor:
        """Rebuild a fitted model from ``get_params()`` and :meth:`fitted_state` (used by
        ``load``).

        Raises
        ------
        ValueError
            If the weights do not fit the stored network configuration.
        """
        model = cls(**{**params, "device": device})
        config = NetworkConfig.from_dict(attributes["network"])
        module = config.build()
        state = {k.removeprefix("module."): v for k, v in tensors.items()
                 if k.startswith("module.")}
        try:
            module.load_state_dict(state, strict=True)
        except RuntimeError as error:
            raise ValueError(
                f"the stored weights do not fit the stored network "
                f"{attributes.get('architecture_')!r}: {str(error).splitlines()[0]}"
            ) from None
        model.net_ = model._make_net(module, device)
        for name in cls._SCALING:
            setattr(model, name, tensors[f"scaling.{name}"].numpy())
        for name in cls._FITTED:
            setattr(model, name, attributes[name])
        if "feature_names_in_" in attributes:
            model.feature_names_in_ = np.asarray(attributes["feature_names_in_"], dtype=object)
        model.constant_target_ = np.asarray(attributes["constant_target_"], dtype=bool)
        model.network_config_ = config
        model._fitted_key = model._warm_start_key(config)
        model._y_is_1d = attributes["y_is_1d"]
        model._device = device
        return model

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
        tags.target_tags.multi_output = True
        tags.non_deterministic = self.device != "cpu"
        return tags


# ---------------------------------------------------------------- helpers
def _silent(*args: Any, **kwargs: Any) -> None:
    """A skorch sink that drops messages (the estimator reports through warnings)."""


class _NetSnapshot:
    """What training changes in a fitted skorch net, to undo a failed warm start."""

    def __init__(self, net: TabularNet) -> None:
        self.net = net
        self.module = copy.deepcopy(net.module_.state_dict())
        self.optimizer_object = net.optimizer_  # a warm start may replace it (new solver)
        self.optimizer = copy.deepcopy(net.optimizer_.state_dict())
        self.history = copy.deepcopy(net.history)
        self.callbacks = list(net.callbacks_)
        self.attributes = {name: getattr(net, name) for name in _NET_FIT_ATTRIBUTES
                           if hasattr(net, name)}

    def restore(self) -> None:
        net = self.net
        net.module_.load_state_dict(self.module)
        net.optimizer_ = self.optimizer_object
        net.optimizer_.load_state_dict(self.optimizer)
        net.history = self.history
        net.callbacks_ = self.callbacks
        for name, value in self.attributes.items():
            setattr(net, name, value)


_NET_FIT_ATTRIBUTES = ("max_epochs", "lr", "optimizer", "iterator_train__shuffler",
                       "iterator_train__batch_size", "iterator_valid__batch_size",
                       "train_split", "verbose", "autocast_dtype")


def _set_fit_callbacks(
    net: TabularNet,
    *,
    before_stopper: Sequence[tuple[str, Any]] = (),
    after_stopper: Sequence[tuple[str, Any]] = (),
) -> None:
    """Put this fit's callbacks around the early-stopping callback of a net.

    Entries with the same names from an earlier fit are replaced; a None callback only
    removes its name. The order matters: the learning-rate schedule records the epoch's
    rate before the checkpoint saves the history, and both run before early stopping may
    end training.
    """
    names = {name for name, _ in (*before_stopper, *after_stopper)}
    kept = [(name, cb) for name, cb in net.callbacks_ if name not in names]
    position = next(i for i, (name, _) in enumerate(kept) if name == "early_stopping")
    before = [(name, cb) for name, cb in before_stopper if cb is not None]
    after = [(name, cb) for name, cb in after_stopper if cb is not None]
    net.callbacks_ = kept[:position] + before + [kept[position]] + after + kept[position + 1:]


def _to_dataset(
    X: np.ndarray, y: np.ndarray, rows: np.ndarray, device: str
) -> TensorDataset:
    return TensorDataset(
        torch.from_numpy(np.ascontiguousarray(X[rows])).to(device),
        torch.from_numpy(np.ascontiguousarray(y[rows])).to(device),
    )



"""IRNetRegressor: deep residual regression networks as a scikit-learn estimator."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from sklearn.base import RegressorMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import validate_data

from . import persistence
from ._base import IRNetBase
from ._data_checks import numeric_target, standardization
from ._likelihood import (
    AbsoluteErrorGaussianNLLLoss,
    GaussianNLLLoss,
    numpy_variance_from_raw,
)
from .network_config import NetworkConfig

LOSSES: dict[str, type[torch.nn.Module]] = {
    "absolute_error": torch.nn.L1Loss,
    "squared_error": torch.nn.MSELoss,
    "huber": torch.nn.HuberLoss,
    "gaussian_nll": GaussianNLLLoss,
    "absolute_error_nll": AbsoluteErrorGaussianNLLLoss,
}
"""Training losses available by name: sklearn's names, and two that make the network
predict a variance per target as well as a mean (:mod:`sklearn_irnet._likelihood`):
``"gaussian_nll"``, the Gaussian negative log-likelihood of means and variances, and
``"absolute_error_nll"``, the absolute error for the means plus that likelihood for
variances read from the detached last hidden layer. A loss class's ``variance_head``
(``"joint"`` or ``"detached"``) says which network it needs."""

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
    "numeric_embedding": None,
}
"""Training settings of Jha et al. (2019): ``IRNetRegressor(**PAPER_RECIPE)``.

MAE loss, Adam with a constant learning rate of 1e-4, batch size 32, no weight decay, no
scaling of inputs or targets, no clipping of inputs at prediction time, Glorot
initialisation of the output layer, early stopping with a patience of 200 epochs on a
validation split with the best weights restored, and no numeric embedding (the paper's
network reads the features themselves). Set ``max_iter`` to the epoch budget you can
afford.
"""



@persistence.register_model_class
class IRNetRegressor(RegressorMixin, IRNetBase):
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
        and 156.0 vs 114.8 MPa (the retired ``benchmarks/compare_output_init.py``,
        ``benchmarks/results/output_init.txt``).
    n_members : int, default=1
        Implicit members trained at once in one network (BatchEnsemble, in the "mini"
        form of TabM, Gorishniy et al., ICLR 2025): each member multiplies the inputs by
        its own learned vector (started at random signs) and has its own output layer;
        the hidden layers are shared, each member is trained on the loss, and
        predictions are the members' mean. A step costs ``n_members`` times one
        network's computation, the parameters hardly grow.
    numeric_embedding : {"auto", "periodic"} or None, default=None
        Embed each standardised input feature before the hidden layers. ``"periodic"``
        is the PLR embedding of Gorishniy et al. (NeurIPS 2022): per feature, 16 learned
        frequencies, their sines and cosines, a linear layer of ``embedding_dims``
        outputs and a ReLU (:class:`~sklearn_irnet._numeric_embedding.PeriodicEmbedding`),
        so the first hidden layer and its shortcut projection read ``embedding_dims``
        columns per feature. ``"auto"`` is ``"periodic"`` for a network trained from
        scratch and no embedding for a ``pretrained`` start (a shipped network reads the
        features themselves), so one setting serves a grid over ``pretrained``. Not the
        default: with 4 dimensions it lowered the MAE of Matbench steels (official folds,
        98.7 to 91.3 MPa) and of the 2,135 experimental formation enthalpies (3 x 5 fresh
        splits, 0.0906 to 0.0861 eV/atom), but raised Matbench expt_gap's (official
        folds, 0.314 to 0.347 eV, worse on every fold), at 1.28 times the fit time; see
        ``docs/user_guide/defaults.md``. Try it on small data, with a cross-validation of
        your own.
    embedding_dims : int, default=4
        Dimensions per feature of the numeric embedding (unused without one). 16 gained
        as much on development splits (steels, formation enthalpies) for 1.9 times the
        step time of IRNet-17; 8 sits between (1.4 times).
    loss : {"absolute_error", "squared_error", "huber", "gaussian_nll"}, \
default="absolute_error"
        Training loss; the paper uses the mean absolute error. ``"gaussian_nll"`` trains
        the network to predict a Gaussian per row: the output layer gets a second column
        per target for the variance (``softplus`` of that column plus a floor of 1e-6 in
        standardised units, see :mod:`sklearn_irnet._likelihood` for why), the loss is
        the Gaussian negative log-likelihood (Lakshminarayanan et al., NeurIPS 2017), and
        ``predict(X, return_std=True)`` returns the predicted standard deviation. That
        standard deviation is fitted to the training rows, so it is usually too small
        on new rows; :class:`~sklearn_irnet.ensemble.DeepEnsembleRegressor` calibrates
        it. With ``pretrained``, both columns of the output layer are new.
    batch_size : int, default=128
        Mini-batch size (capped at the number of training rows). A trailing batch of
        fewer than ``min(16, batch_size // 4)`` rows (a single row at least) is merged
        into the previous one: BatchNorm cannot train on one row, and a handful of rows
        gives it noisy statistics.
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
        Data are moved to the device once per fit, not per batch. On a Dask worker,
        ``"cuda"`` and ``"auto"`` mean the worker's own GPU (``docs/user_guide/distributed.md``).
    autocast : {"bfloat16", "float16"} or None, default=None
        Run the network's forward pass under :class:`torch.autocast` with this dtype (mixed
        precision) in training and prediction; ``None`` computes in float32. bfloat16
        speeds up CPUs with native bf16 instructions and GPUs; float16 is for CUDA only.
        Expect small differences in accuracy (see ``benchmarks/bench_training.py``).
    n_threads : int or None, default=None
        Torch CPU threads used during ``fit`` and ``predict``; ``None`` keeps torch's
        setting (which follows ``OMP_NUM_THREADS``, as set by joblib in parallel workers),
        except on a Dask worker, where each task takes its share of the worker's threads
        (one each by default, so concurrent fits never oversubscribe the worker).
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
        pre-training data; the output layer is new (initialised by ``output_init``), the
        target scaling is fitted on y, and ``dropout`` replaces the pre-trained network's
        dropout while it is fine-tuned.
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
    data_parallel : bool, default=False
        Train one network in all processes of a :mod:`torch.distributed` job, such as one
        started with ``torchrun --nproc-per-node 2 script.py``: every process calls ``fit``
        on the same data, trains on its slice of each batch, BatchNorm normalises with the
        statistics of the whole batch and DistributedDataParallel averages the gradients,
        so training follows the one-process run up to rounding (``docs/user_guide/distributed.md``).
        Every process ends with the same fitted model. ``device="cuda"`` means each
        process's own GPU (``cuda:<LOCAL_RANK>``). Not available with ``checkpoint_dir``.

    Attributes
    ----------
    net_ : skorch.NeuralNetRegressor
        The trained skorch net (a :class:`skorch.regressor.NeuralNetRegressor`); its
        ``module_`` is the torch network.
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
    input_mean_, input_scale_ : ndarray of shape (n_features,)
        Input standardisation (zeros and ones when ``standardize_inputs=False``).
    input_min_, input_max_ : ndarray of shape (n_features,)
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
        **IRNetBase._COMMON_CONSTRAINTS,
        "loss": [StrOptions(set(LOSSES))],
        "standardize_target": ["boolean"],
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
        n_members: int = 1,
        numeric_embedding: str | None = None,
        embedding_dims: int = 4,
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
        data_parallel: bool = False,
    ) -> None:
        self.architecture = architecture
        self.residual = residual
        self.activation = activation
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.output_init = output_init
        self.n_members = n_members
        self.numeric_embedding = numeric_embedding
        self.embedding_dims = embedding_dims
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
        self.data_parallel = data_parallel

    # ------------------------------------------------------------------ fit
    # fit, warm starts, checkpoints and persistence live in IRNetBase; these are the
    # regression hooks it calls.
    def _validate_training_data(
        self, X: Any, y: Any, *, reset: bool
    ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
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
        self._check_finite_inputs(X)
        y = numeric_target(y)
        y_is_1d = y.ndim == 1
        y = y.reshape(len(y), -1)
        self._check_n_samples(len(y), "IRNetRegressor")
        return X, y, {"_y_is_1d": y_is_1d}

    def _n_outputs(self, y: np.ndarray) -> int:
        return y.shape[1]

    def _fit_target(self, y: np.ndarray) -> dict[str, Any]:
        mean, scale = standardization(y, self.standardize_target)
        return {"target_mean_": mean, "target_scale_": scale,
                "constant_target_": np.ptp(y, axis=0) == 0}

    def _training_target(self, y: np.ndarray) -> np.ndarray:
        return ((y - self.target_mean_) / self.target_scale_).astype(np.float32)

    def _warm_start_key(self, config: NetworkConfig) -> tuple[Any, ...]:
        """What a warm start must keep: the network and the loss and scaling it trains on."""
        return (config, self.loss, self.standardize_inputs, self.standardize_target)

    def _criterion(self) -> type[torch.nn.Module]:
        return LOSSES[self.loss]

    def _variance_head(self) -> str | None:
        """How the loss's network predicts variances: ``"joint"`` (extra output columns),
        ``"detached"`` (a head on the detached hidden layer) or None (no variance)."""
        return getattr(LOSSES[self.loss], "variance_head", None)

    def _adapt_config(self, config: NetworkConfig) -> NetworkConfig:
        kind = self._variance_head()
        if kind is not None and config.n_members > 1:
            raise ValueError(
                f"n_members={config.n_members} (BatchEnsemble) trains point predictions; "
                f"loss={self.loss!r} predicts a variance too. Use n_members=1 with it, or "
                "a DeepEnsembleRegressor of such networks.")
        width = config.n_outputs * (2 if kind == "joint" else 1)
        return dataclasses.replace(config, n_outputs=width, variance_head=kind == "detached")

    # -------------------------------------------------------------- predict
    def predict(self, X: Any, return_std: bool = False) -> Any:
        """Predict targets for X, and optionally the standard deviation of each prediction.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs with the same columns as in ``fit``.
        return_std : bool, default=False
            Also return the standard deviation that a ``loss="gaussian_nll"`` network
            predicts (in the units of the training target). It is the network's own
            estimate of the noise around its mean, fitted on the training rows and not
            calibrated: on new rows it is usually too small. A network trained with
            another loss has no estimate, and its std is all NaN (never zero, so that it
            is not mistaken for certainty).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions (the predicted means with ``"gaussian_nll"``) in the units of the
            training target, 1-D when ``fit`` got a 1-D y.
        y_std : ndarray of the same shape, only when ``return_std=True``
            Predicted standard deviations.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_irnet import IRNetRegressor
        >>> rng = np.random.RandomState(0)
        >>> X = rng.normal(size=(200, 3))
        >>> y = X[:, 0] + 0.1 * rng.normal(size=200)
        >>> model = IRNetRegressor(architecture=[(16, 2)], loss="gaussian_nll",
        ...                        max_iter=10, random_state=0).fit(X, y)
        >>> mean, std = model.predict(X[:4], return_std=True)
        >>> mean.shape, bool((std > 0).all())
        ((4,), True)
        """
        outputs = self._forward(X)
        k = len(self.target_mean_)
        y_pred = outputs[:, :k] * self.target_scale_ + self.target_mean_
        if self._variance_head() is not None:
            y_std = np.sqrt(numpy_variance_from_raw(outputs[:, k:])) * self.target_scale_
        else:
            y_std = np.full_like(y_pred, np.nan)
        if self.standardize_target:
            # a target that never varied in training is predicted as that constant
            y_pred[:, self.constant_target_] = self.target_mean_[self.constant_target_]
            y_std[:, self.constant_target_] = 0.0
        if self._y_is_1d:
            y_pred, y_std = y_pred.ravel(), y_std.ravel()
        return (y_pred, y_std) if return_std else y_pred

    # The persistence protocol (see IRNetBase.fitted_state): the target scaling is stored
    # with the input scaling, and the target's shape as attributes.
    _SCALING = (*IRNetBase._SCALING, "target_mean_", "target_scale_")
    _SCALING_ADVICE = "standardize_inputs=True and standardize_target=True"

    def _extra_fitted_state(self) -> dict[str, Any]:
        return {"y_is_1d": bool(self._y_is_1d),
                "constant_target_": [bool(v) for v in self.constant_target_]}

    def _restore_extra_state(
        self, tensors: dict[str, torch.Tensor], attributes: dict[str, Any]
    ) -> None:
        self.constant_target_ = np.asarray(attributes["constant_target_"], dtype=bool)
        self._y_is_1d = attributes["y_is_1d"]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

"""IRNetClassifier: the IRNet networks for classification tasks (metal or not, ...)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from scipy.special import softmax
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import validate_data

from . import persistence
from ._base import IRNetBase
from ._training import TabularClassifierNet, TabularNetBase
from .network_config import NetworkConfig


@persistence.register_model_class
class IRNetClassifier(ClassifierMixin, IRNetBase):
    """Deep fully connected classification network with individual residual learning.

    The networks, training machinery (solver, learning-rate schedules, early stopping,
    checkpoints, warm starts, fine-tuning of a pre-trained network) and persistence are
    those of :class:`~sklearn_irnet.IRNetRegressor`, with the same parameter names; only
    the output and the loss differ. The network ends in one logit per class and trains
    with the cross-entropy (softmax) loss, for two classes as for more: a binary problem
    has two logits, and ``decision_function`` returns their difference, the log-odds of
    ``classes_[1]``. Two logits instead of one cost one extra output weight row and keep a
    single code path (and ``class_weight`` as the loss's class weights) for every number of
    classes. Inputs are standardised as in the regressor; there is no target scaling.

    Parameters
    ----------
    architecture : str or sequence, default="irnet17"
        A preset of the paper (``"irnet17"``, ``"srnet24"``, ``"plain48"``, ...), an
        architecture string in the authors' notation (its output width must be the number
        of classes), or a sequence of ``(width, n_layers)`` stacks. See
        :class:`~sklearn_irnet.IRNetRegressor`.
    residual : {"individual", "stacked", "none"} or None, default=None
        Shortcut wiring for a sequence of stacks (``None`` means ``"individual"``).
    activation : str, default="relu"
        Non-linearity of the hidden layers.
    dropout : float, default=0.0
        Dropout probability after each activation.
    batch_norm : bool, default=True
        Whether hidden layers use BatchNorm.
    output_init : {"auto", "zero", "glorot"}, default="auto"
        Initialisation of the output layer; ``"zero"`` (chosen by ``"auto"`` for networks
        with shortcuts) starts from equal probabilities for every class.
    n_members : int, default=1
        Implicit members trained at once in one network (BatchEnsemble, in the "mini"
        form of TabM, Gorishniy et al., ICLR 2025): each member multiplies the inputs by
        its own learned vector (started at random signs) and has its own output layer;
        the hidden layers are shared, each member is trained on the loss, and
        predictions come from the members' mean logits. A step costs ``n_members``
        times one network's computation, the parameters hardly grow.
    numeric_embedding : {"auto", "periodic"} or None, default=None
        Embed each standardised input feature before the hidden layers, as
        :class:`~sklearn_irnet.IRNetRegressor`'s parameter of the same name describes
        (16 learned frequencies, ``embedding_dims`` dimensions per feature; ``"auto"``:
        periodic from scratch, none with ``pretrained``). Off by default, as for the
        regressor; no classification task has measured it.
    embedding_dims : int, default=4
        Dimensions per feature of the numeric embedding (unused without one).
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the cross-entropy loss (``{label: weight}``), as in
        scikit-learn's classifiers; ``"balanced"`` weights each class by
        ``n_samples / (n_classes * count)``. None gives every sample weight one.
    batch_size : int, default=128
        Mini-batch size (a trailing batch of fewer than ``min(16, batch_size // 4)`` rows,
        a single row at least, is merged into the previous one).
    learning_rate_init : float, default=1e-3
        Peak learning rate.
    solver : {"adamw", "adam"}, default="adamw"
        Optimiser (how ``alpha`` acts: decoupled weight decay or an L2 penalty).
    learning_rate : {"cosine", "onecycle", "constant"}, default="cosine"
        Learning-rate schedule over ``max_iter`` epochs.
    warmup_fraction : float or None, default=None
        Share of the steps spent warming up (``None``: the schedule's default).
    alpha : float, default=0.0
        Weight penalty.
    max_iter : int, default=80
        Number of epochs, and the length of the learning-rate schedule.
    early_stopping : bool, default=False
        Hold out a stratified ``validation_fraction`` of the training data, stop when the
        validation cross-entropy has not improved by ``tol`` for ``n_iter_no_change``
        epochs and restore the best epoch's weights (the validation accuracy is recorded
        in ``validation_scores_``). When False, training stops when the training loss
        stops improving and the last weights are kept.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping (stratified by class when
        every class has at least two rows and the split can hold one of each).
    n_iter_no_change : int, default=20
        Patience in epochs.
    tol : float, default=1e-4
        Minimum improvement of the monitored cross-entropy.
    standardize_inputs : bool, default=True
        Standardise each input column.
    clip_inputs : bool, default=True
        At prediction time, clip every input column to the range seen in training.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout, batch shuffling and the validation split.
    device : str, default="cpu"
        ``"cpu"``, ``"cuda"`` (or ``"cuda:N"``), or ``"auto"``; on a Dask worker ``"cuda"``
        and ``"auto"`` mean the worker's own GPU.
    autocast : {"bfloat16", "float16"} or None, default=None
        Mixed-precision forward pass.
    n_threads : int or None, default=None
        Torch CPU threads used during ``fit`` and prediction (``None``: torch's setting,
        or on a Dask worker the task's share of the worker's threads).
    verbose : int, default=0
        0 is silent, 1 prints a table row per epoch, 2 adds a progress bar.
    warm_start : bool, default=False
        Continue training the fitted network on the next ``fit``; the labels of y must be
        among ``classes_`` of the first fit.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks.
    pretrained : str, path-like or None, default=None
        Fine-tune the hidden layers of a pre-trained network (for example
        ``"oqmd-irnet17"``, a regressor trained on OQMD formation enthalpies) with a new
        classification output layer; X must have the pre-training columns. As in
        :class:`~sklearn_irnet.IRNetRegressor`, the layers and input scaling come from that
        model (``architecture``, ``residual``, ``activation``, ``batch_norm`` and
        ``standardize_inputs`` are not used) and ``dropout`` replaces its dropout.
    freeze_stacks : int, default=0
        With ``pretrained``, keep this many first hidden stacks fixed.
    pretrained_lr_scale : float, default=1.0
        With ``pretrained``, scale of the learning rate of the pre-trained layers.
    checkpoint_dir : str or None, default=None
        Directory for a resumable training checkpoint (see
        :class:`~sklearn_irnet.IRNetRegressor`).
    data_parallel : bool, default=False
        Train one network in all processes of a :mod:`torch.distributed` job started with
        ``torchrun`` (see :class:`~sklearn_irnet.IRNetRegressor`).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted (as :class:`~sklearn.preprocessing.LabelEncoder` orders
        them); ``predict`` returns these labels.
    class_weight_ : ndarray of shape (n_classes,)
        The weight of each class in the loss (ones when ``class_weight=None``).
    net_ : skorch.NeuralNetRegressor
        The trained skorch net (a :class:`skorch.regressor.NeuralNetRegressor`); its
        ``module_`` is the torch network.
    n_iter_ : int
        Number of epochs run.
    loss_curve_ : list of float
        Mean training cross-entropy per epoch.
    validation_loss_curve_ : list of float or None
        Validation cross-entropy per epoch when ``early_stopping=True``.
    validation_scores_ : list of float or None
        Validation accuracy per epoch when ``early_stopping=True``.
    best_validation_score_ : float or None
        Validation accuracy of the epoch whose weights were kept.
    best_loss_ : float or None
        Lowest training loss when ``early_stopping=False``.
    lr_curve_ : list of float
        Learning rate at the end of each epoch.
    architecture_ : str
        The network that was built, in the authors' notation (ending in ``-n_classes``).
    network_config_ : NetworkConfig
        Shape and initialisation of the network.
    n_parameters_ : int
        Number of trainable parameters.
    n_features_in_ : int
        Number of input features.
    feature_names_in_ : ndarray of str
        Input feature names, when X had string column names.
    input_mean_, input_scale_, input_min_, input_max_ : ndarray of shape (n_features,)
        Input standardisation and training range.

    See Also
    --------
    IRNetRegressor : the same networks for regression.
    sklearn.calibration.CalibratedClassifierCV : recalibrate ``predict_proba``.

    Notes
    -----
    Calibration: a network trained to the end of its schedule without early stopping
    tends to be over-confident (probabilities too close to 0 and 1) once it fits the
    training data closely. Measure it on held-out data (``brier_score_loss``,
    :func:`sklearn.calibration.calibration_curve`); where it matters, wrap the model in
    :class:`~sklearn.calibration.CalibratedClassifierCV`, e.g.
    ``CalibratedClassifierCV(IRNetClassifier(...), method="sigmoid", cv=3)`` (three more
    fits on two thirds of the data each), or fit it once and calibrate on a held-out set
    with ``CalibratedClassifierCV(FrozenEstimator(model), method="sigmoid")``.
    ``python -m benchmarks run classification_<task> --only irnet17_sigmoid_balanced``
    measures this on Matbench.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_irnet import IRNetClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 4))
    >>> y = np.where(X[:, 0] + X[:, 1] > 0, "metal", "insulator")
    >>> model = IRNetClassifier(architecture=[(32, 2)], max_iter=20, random_state=0)
    >>> model.fit(X, y).classes_
    array(['insulator', 'metal'], dtype='<U9')
    >>> model.predict_proba(X[:2]).shape, model.decision_function(X[:2]).shape
    ((2, 2), (2,))
    >>> bool(model.score(X, y) > 0.9)
    True
    """

    _parameter_constraints: dict = {
        **IRNetBase._COMMON_CONSTRAINTS,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    _net_class: type[TabularNetBase] = TabularClassifierNet

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
        class_weight: Mapping[Any, float] | str | None = None,
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
        self.class_weight = class_weight
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
    # classification hooks it calls. The target the network trains on is the class index.
    def _validate_training_data(
        self, X: Any, y: Any, *, reset: bool
    ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
        """Checked float X, the class index of every row, and ``classes_`` and
        ``class_weight_`` for the base to set."""
        X, y = validate_data(self, X, y, reset=reset, dtype=(np.float64, np.float32),
                             ensure_all_finite=False)
        self._check_finite_inputs(X)
        target_type = type_of_target(y, input_name="y")
        if target_type not in ("binary", "multiclass"):
            raise ValueError(
                f"Unknown label type: {target_type!r}. IRNetClassifier needs class labels "
                "in y (ints, strings or bools), but y is not a set of labels (for example "
                "continuous floats); use IRNetRegressor for a numeric target."
            )
        self._check_n_samples(len(y), "IRNetClassifier")
        if reset:
            classes, y_index = np.unique(y, return_inverse=True)
            if len(classes) < 2:
                raise ValueError(
                    f"IRNetClassifier needs samples of at least 2 classes in y, but y holds "
                    f"only one class: {classes[0]!r}."
                )
        else:  # a warm start keeps the classes of the first fit
            classes = self.classes_
            unseen = np.setdiff1d(np.unique(y), classes)
            if len(unseen):
                raise ValueError(
                    f"y holds labels {unseen.tolist()} that the fitted classes_ "
                    f"{classes.tolist()} lack; a warm start keeps the classes of the "
                    "first fit (set warm_start=False to train a new network)."
                )
            y_index = np.searchsorted(classes, y)
        class_weight = compute_class_weight(
            self.class_weight, classes=classes, y=classes[y_index]
        ) if self.class_weight is not None else np.ones(len(classes))
        return X, y_index.astype(np.int64), {"classes_": classes,
                                             "class_weight_": class_weight}

    def _n_outputs(self, y: np.ndarray) -> int:
        return len(self.classes_)

    def _fit_target(self, y: np.ndarray) -> dict[str, Any]:
        """No target scaling: the classes were encoded while validating y."""
        return {}

    def _training_target(self, y: np.ndarray) -> np.ndarray:
        return y

    def _stratify(self, y: np.ndarray) -> np.ndarray | None:
        n_valid = int(np.ceil(self.validation_fraction * len(y)))
        n_classes = len(self.classes_)
        counts = np.bincount(y, minlength=n_classes)
        if counts.min() < 2 or n_valid < n_classes or len(y) - n_valid < n_classes:
            return None  # too few rows of some class to stratify: a plain random split
        return y

    def _warm_start_key(self, config: NetworkConfig) -> tuple[Any, ...]:
        """What a warm start must keep: the network (with one output per class) and the
        input scaling."""
        return (config, self.standardize_inputs)

    def _criterion(self) -> type[torch.nn.Module]:
        return torch.nn.CrossEntropyLoss

    def _configure_criterion(self, net: TabularNetBase) -> None:
        weight = None
        if self.class_weight is not None:
            weight = torch.as_tensor(self.class_weight_, dtype=torch.float32,
                                     device=net.device)
        net.criterion_.weight = weight

    # -------------------------------------------------------------- predict
    def decision_function(self, X: Any) -> np.ndarray:
        """Confidence scores: the log-odds of ``classes_[1]`` (binary) or the logits.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs with the same columns as in ``fit``.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, ``logit[1] - logit[0]`` (positive means ``classes_[1]``);
            otherwise one logit per class (the largest is the predicted class).
        """
        logits = self._forward(X)
        if len(self.classes_) == 2:
            return logits[:, 1] - logits[:, 0]
        return logits

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (softmax of the logits).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs with the same columns as in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class of ``classes_``; rows sum to 1.
        """
        return softmax(self._forward(X), axis=1)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Logarithm of :meth:`predict_proba` (computed stably from the logits).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        from scipy.special import log_softmax

        return log_softmax(self._forward(X), axis=1)

    def predict(self, X: Any) -> np.ndarray:
        """Predict class labels for X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs with the same columns as in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_`` (the class with the largest probability).
        """
        logits = self._forward(X)  # checks that the model is fitted
        return self.classes_[np.argmax(logits, axis=1)]

    # The persistence protocol (see IRNetBase.fitted_state): the classes and their loss
    # weights are stored as JSON attributes.
    def _extra_fitted_state(self) -> dict[str, Any]:
        kind = self.classes_.dtype
        state: dict[str, Any] = {
            "classes_": [_plain(label) for label in self.classes_],
            "classes_dtype": "object" if kind.kind == "O" else kind.str,
            "class_weight_": [float(w) for w in self.class_weight_],
        }
        if isinstance(self.class_weight, Mapping):  # JSON keys would turn labels into text
            state["class_weight"] = [[_plain(k), float(v)] for k, v in
                                     self.class_weight.items()]
        return state

    def _restore_extra_state(
        self, tensors: dict[str, torch.Tensor], attributes: dict[str, Any]
    ) -> None:
        dtype = attributes["classes_dtype"]
        self.classes_ = np.asarray(attributes["classes_"],
                                   dtype=object if dtype == "object" else np.dtype(dtype))
        self.class_weight_ = np.asarray(attributes["class_weight_"], dtype=float)
        if "class_weight" in attributes:
            self.class_weight = {k: v for k, v in attributes["class_weight"]}


def _plain(value: Any) -> Any:
    """A label as plain JSON data (numpy scalars become Python scalars)."""
    return value.item() if isinstance(value, np.generic) else value

"""The model names of the studies run before the comparison protocol (sessions up to
2026-12-01), kept so that their scripts and result files keep their meaning.

The library's own names are the short closed table of :mod:`sklearn_irnet.models`; the
studies here used more: baselines at 100 trees, stacked forests
(``<baseline>_<source>_prediction``), blends (``irnet17_oqmd_blend``, any ``a+b``). Their
definitions are frozen here exactly as those studies ran them; new studies build plain
estimator objects instead (``python -m benchmarks``, ``benchmarks/_studies.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
    VotingClassifier,
    VotingRegressor,
)
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_irnet import IRNetClassifier, IRNetRegressor
from sklearn_irnet.architecture import PRESETS
from sklearn_irnet.models import takes_class_weight, with_class_weight
from sklearn_irnet.preprocessing import ClipToTrainingRange

TASKS = ("regression", "classification")

def _random_forest(random_state: int | None, n_jobs: int | None) -> BaseEstimator:
    return RandomForestRegressor(n_estimators=100, random_state=random_state, n_jobs=n_jobs)


def _extra_trees(random_state: int | None, n_jobs: int | None) -> BaseEstimator:
    return ExtraTreesRegressor(n_estimators=100, random_state=random_state, n_jobs=n_jobs)


def _hist_gradient_boosting(random_state: int | None, n_jobs: int | None) -> BaseEstimator:
    return HistGradientBoostingRegressor(max_iter=500, early_stopping=True,
                                         random_state=random_state)


def _ridge(random_state: int | None, n_jobs: int | None) -> BaseEstimator:
    return make_pipeline(ClipToTrainingRange(), StandardScaler(),
                         RidgeCV(alphas=np.logspace(-4, 3, 15)))


def _knn(random_state: int | None, n_jobs: int | None) -> BaseEstimator:
    return make_pipeline(
        ClipToTrainingRange(), StandardScaler(),
        KNeighborsRegressor(n_neighbors=5, weights="distance", n_jobs=n_jobs),
    )


def _dummy(random_state: int | None, n_jobs: int | None) -> BaseEstimator:
    return DummyRegressor(strategy="mean")


BASELINES: dict[str, Callable[[int | None, int | None], BaseEstimator]] = {
    "random_forest": _random_forest,
    "extra_trees": _extra_trees,
    "hist_gradient_boosting": _hist_gradient_boosting,
    "ridge": _ridge,
    "knn": _knn,
    "dummy": _dummy,
}
"""Classical scikit-learn baselines by name (ridge and k-NN clip their inputs to the training
range and standardise them)."""


def _random_forest_classifier(random_state: int | None, n_jobs: int | None) -> BaseEstimator:
    return RandomForestClassifier(n_estimators=100, random_state=random_state, n_jobs=n_jobs)


def _extra_trees_classifier(random_state: int | None, n_jobs: int | None) -> BaseEstimator:
    return ExtraTreesClassifier(n_estimators=100, random_state=random_state, n_jobs=n_jobs)


def _hist_gradient_boosting_classifier(
    random_state: int | None, n_jobs: int | None
) -> BaseEstimator:
    return HistGradientBoostingClassifier(max_iter=500, early_stopping=True,
                                          random_state=random_state)


def _logistic_regression(random_state: int | None, n_jobs: int | None) -> BaseEstimator:
    return make_pipeline(ClipToTrainingRange(), StandardScaler(),
                         LogisticRegression(max_iter=5000))


def _knn_classifier(random_state: int | None, n_jobs: int | None) -> BaseEstimator:
    return make_pipeline(
        ClipToTrainingRange(), StandardScaler(),
        KNeighborsClassifier(n_neighbors=15, weights="distance", n_jobs=n_jobs),
    )


def _dummy_classifier(random_state: int | None, n_jobs: int | None) -> BaseEstimator:
    return DummyClassifier(strategy="prior")


CLASSIFICATION_BASELINES: dict[str, Callable[[int | None, int | None], BaseEstimator]] = {
    "random_forest": _random_forest_classifier,
    "extra_trees": _extra_trees_classifier,
    "hist_gradient_boosting": _hist_gradient_boosting_classifier,
    "logistic_regression": _logistic_regression,
    "knn": _knn_classifier,
    "dummy": _dummy_classifier,
}
"""Classical scikit-learn classifiers by name, used with ``task="classification"`` (the
same names as :data:`BASELINES` where the model is the same kind; logistic regression and
k-NN clip their inputs to the training range and standardise them; the dummy predicts the
class shares of the training data)."""

PRETRAINED_OQMD = "oqmd-irnet17"
"""The shipped network that the transfer-learning models start from."""

PRETRAINED_MP_GAP = "mp-gap-irnet17"
"""The shipped network trained on Materials Project band gaps, the start of
``irnet17_mp_gap``."""

PRETRAINED_MP_E_FORM = "mp-e-form-irnet17"
"""The shipped network trained on Materials Project formation energies, the start of
``irnet17_mp_e_form``."""

PRETRAINED_SOURCES: tuple[str, ...] = ("oqmd", "mp_gap", "mp_e_form")
"""Short names of the shipped pre-trained networks as model names spell them:
:data:`PRETRAINED_OQMD`, :data:`PRETRAINED_MP_GAP` and :data:`PRETRAINED_MP_E_FORM`."""

STACKED_BASELINES: tuple[str, ...] = ("random_forest", "extra_trees", "hist_gradient_boosting")
"""The baselines that also exist stacked on pre-trained predictions:
``<baseline>_<source>_prediction`` fits the baseline on the attributes plus one shipped
network's prediction (``<source>`` from :data:`PRETRAINED_SOURCES`), and
``<baseline>_pretrained_predictions`` on the attributes plus the predictions of all three."""

_STACKING: dict[str, tuple[str, tuple[str, ...]]] = {
    **{f"{baseline}_{source}_prediction": (baseline, (source,))
       for baseline in STACKED_BASELINES for source in PRETRAINED_SOURCES},
    **{f"{baseline}_pretrained_predictions": (baseline, PRETRAINED_SOURCES)
       for baseline in STACKED_BASELINES},
}
"""Each stacked model's baseline and the pre-trained networks whose predictions it gets."""

STACKED_MODELS: tuple[str, ...] = tuple(_STACKING)
"""Every ``<baseline>_<source>_prediction`` and ``<baseline>_pretrained_predictions``
name (see :data:`STACKED_BASELINES`)."""

BLENDS: dict[str, tuple[str, str]] = {
    "irnet17_oqmd_blend": ("irnet17_oqmd", "extra_trees_oqmd_prediction"),
    "irnet17_extra_trees_blend": ("irnet17", "extra_trees"),
    "irnet17_mp_gap_blend": ("irnet17_mp_gap", "hist_gradient_boosting_mp_gap_prediction"),
}
"""Blends by name: the equal-weight mean of two models' predictions (class probabilities
for classification)."""

TRANSFER_MODELS: tuple[str, ...] = (
    "irnet17_oqmd", "irnet17_mp_e_form", "irnet17_mp_gap", "irnet17_ensemble",
    "irnet17_oqmd_ensemble", "extra_trees_oqmd", *STACKED_MODELS, *BLENDS,
)
"""Models built on a pre-trained network or on several models: ``irnet17_oqmd``
fine-tunes :data:`PRETRAINED_OQMD` (new output layer), ``irnet17_mp_e_form`` and
``irnet17_mp_gap`` fine-tune :data:`PRETRAINED_MP_E_FORM` (Materials Project formation
energies) and :data:`PRETRAINED_MP_GAP` (band gaps), ``irnet17_ensemble`` and
``irnet17_oqmd_ensemble`` average 5 networks from different seeds
(:class:`~sklearn_irnet.ensemble.DeepEnsembleRegressor`, predictions with a spread;
:class:`~sklearn_irnet.ensemble.DeepEnsembleClassifier`, mean class probabilities),
``extra_trees_oqmd`` fits extra trees on the pre-trained network's last hidden activations
(:class:`~sklearn_irnet.transfer.PretrainedActivations`), the :data:`STACKED_MODELS` fit
a forest or gradient boosting on the attributes plus pre-trained networks' predictions
(:class:`~sklearn_irnet.transfer.PretrainedPrediction`; e.g.
``extra_trees_oqmd_prediction``, ``hist_gradient_boosting_mp_gap_prediction``), and the
:data:`BLENDS` average two models with equal weights: ``irnet17_oqmd_blend`` averages
``irnet17_oqmd`` and ``extra_trees_oqmd_prediction``, ``irnet17_extra_trees_blend``
``irnet17`` (from scratch) and ``extra_trees``
(:class:`~sklearn.ensemble.VotingRegressor`; for classification
:class:`~sklearn.ensemble.VotingClassifier` averaging the class probabilities). All of
them also exist as classifiers. The pre-trained ones need the 145 Magpie attributes as
features."""

CLASSIFICATION_TRANSFER_MODELS: tuple[str, ...] = TRANSFER_MODELS
"""The models of :data:`TRANSFER_MODELS` that :func:`make_model` also builds as
classifiers: all of them since the deep ensembles gained a classifier (the name is kept
for code that used it)."""

MODEL_NAMES: tuple[str, ...] = (
    tuple(BASELINES) + ("logistic_regression",) + tuple(sorted(PRESETS)) + TRANSFER_MODELS
)
"""Every name :func:`make_model` accepts (for one task or the other)."""


def make_model(
    name: str,
    *,
    random_state: int | None = 0,
    n_jobs: int | None = None,
    task: str = "regression",
    class_weight: dict[Any, float] | str | None = None,
    **network_params: Any,
) -> BaseEstimator:
    """Build a ready-made regressor or classifier by name.

    Parameters
    ----------
    name : str
        A baseline from :data:`BASELINES` (``"random_forest"``, ``"extra_trees"``,
        ``"hist_gradient_boosting"``, ``"ridge"``, ``"knn"``, ``"dummy"``), a network
        preset of the paper (``"irnet17"``, ``"plain17"``, ``"srnet48"``, ...), a
        transfer-learning or ensemble model from :data:`TRANSFER_MODELS`, or two or more
        of these joined by ``+`` (``"irnet17_oqmd+extra_trees_mp_gap_prediction"``): the
        equal-weight mean of their predictions, a
        :class:`~sklearn.ensemble.VotingRegressor` (for classification a soft
        :class:`~sklearn.ensemble.VotingClassifier`, averaging class probabilities).
    random_state : int or None, default=0
        Seed of the model.
    n_jobs : int or None, default=None
        Parallel jobs of the baselines that support it.
    task : {"regression", "classification"}, default="regression"
        Build a regressor, or a classifier: :data:`CLASSIFICATION_BASELINES`,
        :class:`~sklearn_irnet.IRNetClassifier` for network presets, and
        :data:`CLASSIFICATION_TRANSFER_MODELS` (e.g. ``irnet17_oqmd``, the pre-trained
        OQMD network fine-tuned as a classifier).
    class_weight : dict, "balanced" or None, default=None
        Classification only: the ``class_weight`` of every step of the model that takes
        one (networks, forests, gradient boosting, logistic regression, and the members of
        blends and deep ensembles). ``"balanced"`` weighs classes inversely to their
        frequency, the a-priori setting for a balanced metric such as Matbench's label
        ROC-AUC. None keeps each model's own setting (unweighted).
    **network_params
        Extra :class:`~sklearn_irnet.IRNetRegressor` (or
        :class:`~sklearn_irnet.IRNetClassifier`) parameters for network presets (e.g.
        ``max_iter=50``); ignored for baselines.

    Returns
    -------
    estimator : sklearn estimator
        An unfitted estimator.

    Raises
    ------
    ValueError
        If the name is unknown, or names a model that exists only for the other task;
        if ``class_weight`` is given for regression or for a model that takes none
        (k-NN, dummy).

    Examples
    --------
    >>> make_model("irnet17", max_iter=10).architecture
    'irnet17'
    >>> type(make_model("random_forest")).__name__
    'RandomForestRegressor'
    >>> type(make_model("irnet17", task="classification")).__name__
    'IRNetClassifier'
    >>> [member for member, _ in make_model("irnet17+extra_trees").estimators]
    ['irnet17', 'extra_trees']
    >>> make_model("random_forest_mp_gap_prediction", task="classification",
    ...            class_weight="balanced")[-1].class_weight
    'balanced'
    """
    key = name.strip().lower()
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}.")
    if class_weight is not None and task != "classification":
        raise ValueError(f"class_weight is for classification; model {name!r} was asked "
                         f"for with task={task!r}.")
    if "+" in key:
        model = _blend(key.split("+"), name, random_state, n_jobs, task, network_params)
    elif task == "classification":
        model = _classification_model(key, name, random_state, n_jobs, network_params)
    else:
        model = _regression_model(key, name, random_state, n_jobs, network_params)
    return model if class_weight is None else _with_class_weight(model, name, class_weight)


def _regression_model(
    key: str, name: str, random_state: int | None, n_jobs: int | None,
    network_params: dict[str, Any],
) -> BaseEstimator:
    if key in BASELINES:
        return BASELINES[key](random_state, n_jobs)
    if key in PRESETS:
        return IRNetRegressor(architecture=key, random_state=random_state, **network_params)
    if key in TRANSFER_MODELS:
        return _transfer_model(key, random_state, n_jobs, network_params)
    raise ValueError(f"Unknown model {name!r}; available models: {', '.join(MODEL_NAMES)}.")


def _blend(
    members: Sequence[str], name: str, random_state: int | None, n_jobs: int | None,
    task: str, network_params: dict[str, Any],
) -> BaseEstimator:
    """The equal-weight mean of the named models' predictions (class probabilities for
    classification)."""
    members = [member.strip() for member in members]
    if len(members) < 2 or "" in members or len(set(members)) < len(members):
        raise ValueError(f"A blend names two or more different models joined by '+', e.g. "
                         f"'irnet17_oqmd+extra_trees_mp_gap_prediction'; got {name!r}.")
    built = [(member, make_model(member, random_state=random_state, n_jobs=n_jobs, task=task,
                                 **network_params)) for member in members]
    if task == "classification":
        return VotingClassifier(built, voting="soft")
    return VotingRegressor(built)


def _with_class_weight(model: BaseEstimator, name: str,
                       class_weight: dict[Any, float] | str) -> BaseEstimator:
    """``model`` with ``class_weight`` on every step (or member) that takes one."""
    if not takes_class_weight(model):
        raise ValueError(f"Model {name!r} takes no class weights; leave class_weight unset.")
    return with_class_weight(model, class_weight)


def _classification_model(
    key: str, name: str, random_state: int | None, n_jobs: int | None,
    network_params: dict[str, Any],
) -> BaseEstimator:
    if key in CLASSIFICATION_BASELINES:
        return CLASSIFICATION_BASELINES[key](random_state, n_jobs)
    if key in PRESETS:
        return IRNetClassifier(architecture=key, random_state=random_state, **network_params)
    if key in CLASSIFICATION_TRANSFER_MODELS:
        return _transfer_model(key, random_state, n_jobs, network_params,
                               task="classification")
    available = (*CLASSIFICATION_BASELINES, *sorted(PRESETS), *CLASSIFICATION_TRANSFER_MODELS)
    kind = "a regression-only model" if key in MODEL_NAMES else "unknown"
    raise ValueError(f"Model {name!r} is {kind} for classification; available classifiers: "
                     f"{', '.join(available)}.")


def _pretrained_source(short_name: str) -> str:
    """The shipped network behind a short name of :data:`PRETRAINED_SOURCES` (read at call
    time, so that the constants can be pointed elsewhere)."""
    return {"oqmd": PRETRAINED_OQMD, "mp_gap": PRETRAINED_MP_GAP,
            "mp_e_form": PRETRAINED_MP_E_FORM}[short_name]


_FINE_TUNED_NETWORKS: dict[str, str | None] = {
    "irnet17_oqmd": "oqmd", "irnet17_oqmd_ensemble": "oqmd", "irnet17_mp_gap": "mp_gap",
    "irnet17_mp_e_form": "mp_e_form", "irnet17_ensemble": None,
}
"""The network models of :data:`TRANSFER_MODELS`: the pre-trained start of each (None:
from scratch)."""


def _stacked_model(key: str, random_state: int | None, n_jobs: int | None,
                   classify: bool) -> BaseEstimator:
    """A :data:`STACKED_MODELS` pipeline: pre-trained predictions appended to X, then the
    baseline."""
    from sklearn_irnet.transfer import PretrainedPrediction

    baseline, sources = _STACKING[key]
    final = (CLASSIFICATION_BASELINES if classify else BASELINES)[baseline](random_state,
                                                                            n_jobs)
    if len(sources) == 1:
        return make_pipeline(PretrainedPrediction(_pretrained_source(sources[0])), final)
    predictions = FeatureUnion(
        [("attributes", "passthrough")]
        + [(f"{source}_prediction",
            PretrainedPrediction(_pretrained_source(source), passthrough=False))
           for source in sources])
    return make_pipeline(predictions, final)


def _transfer_model(
    key: str, random_state: int | None, n_jobs: int | None, network_params: dict[str, Any],
    task: str = "regression",
) -> BaseEstimator:
    from sklearn_irnet.ensemble import DeepEnsembleClassifier, DeepEnsembleRegressor
    from sklearn_irnet.transfer import PretrainedActivations

    classify = task == "classification"
    if key == "extra_trees_oqmd":
        trees = (_extra_trees_classifier if classify else _extra_trees)(random_state, n_jobs)
        return make_pipeline(PretrainedActivations(PRETRAINED_OQMD), trees)
    if key in STACKED_MODELS:
        return _stacked_model(key, random_state, n_jobs, classify)
    if key in BLENDS:
        # equal weights, the a-priori choice (on the main job's validation rows they beat
        # 0.7/0.3 and 0.8/0.2 in favour of the network: study transfer_selection)
        return _blend(BLENDS[key], key, random_state, n_jobs, task, network_params)
    network_class = IRNetClassifier if classify else IRNetRegressor
    network = network_class(architecture="irnet17", random_state=random_state,
                            **network_params)
    start = _FINE_TUNED_NETWORKS[key]
    if start is not None:
        # the network settings apply as given: on validation rows of the main job's data,
        # no fine-tuning variant beat them by more than the fold spread
        # (study transfer_selection of python -m benchmarks)
        network.set_params(pretrained=_pretrained_source(start))
    if key.endswith("_ensemble"):
        ensemble = DeepEnsembleClassifier if classify else DeepEnsembleRegressor
        return ensemble(network, n_estimators=5, random_state=random_state)
    return network


def with_balanced_classes(model: Any) -> Any:
    """``model`` with ``class_weight="balanced"`` on every step that has the parameter."""
    return _with_class_weight(clone(model), type(model).__name__, "balanced")


class HoldoutCalibrated(ClassifierMixin, BaseEstimator):
    """Fit ``estimator`` on part of the data and calibrate its probabilities on the rest.

    Parameters
    ----------
    estimator : classifier
        The model to calibrate (cloned).
    method : {"sigmoid", "isotonic"}, default="sigmoid"
        Calibration map of :class:`~sklearn.calibration.CalibratedClassifierCV`.
    holdout : float, default=0.1
        Stratified share of the training data kept for the calibration.
    random_state : int, default=0
        Seed of the split.
    """

    def __init__(self, estimator: Any, *, method: str = "sigmoid", holdout: float = 0.1,
                 random_state: int = 0) -> None:
        self.estimator = estimator
        self.method = method
        self.holdout = holdout
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> HoldoutCalibrated:
        X_fit, X_cal, y_fit, y_cal = train_test_split(
            X, y, test_size=self.holdout, stratify=y, random_state=self.random_state)
        model = clone(self.estimator).fit(X_fit, y_fit)
        self.calibrated_ = CalibratedClassifierCV(FrozenEstimator(model),
                                                  method=self.method).fit(X_cal, y_cal)
        self.classes_ = self.calibrated_.classes_
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.calibrated_.predict_proba(X)

    def predict(self, X: Any) -> np.ndarray:
        return self.calibrated_.predict(X)

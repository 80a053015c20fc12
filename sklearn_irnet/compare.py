"""Compare regressors or classifiers on the same cross-validation folds.

:func:`compare_models` runs each estimator through
:func:`sklearn.model_selection.cross_validate` with one shared splitter and gathers a tidy
table (one row per model and fold) plus out-of-fold predictions for parity plots.
:func:`make_model` builds the ready-made models by name: the classical baselines and the
nine networks of the IRNet paper. :func:`training_size_curve` repeats a comparison on
subsets of each training fold.

Rows that share a group (for example polymorphs sharing a formula) are kept on one side of
every split: with ``groups`` in which some label repeats, an integer ``cv`` gives a shuffled
:class:`~sklearn.model_selection.GroupKFold` instead of a :class:`~sklearn.model_selection.KFold`.

With ``task="classification"`` the same functions compare classifiers: folds are
stratified by class (:class:`~sklearn.model_selection.StratifiedKFold`, or
:class:`~sklearn.model_selection.StratifiedGroupKFold` with repeating groups), the models
built by name are classifiers (:data:`CLASSIFICATION_BASELINES`,
:class:`~sklearn_irnet.IRNetClassifier` for the network presets) and the table holds
ROC-AUC, accuracy, F1 and (two classes) the Brier score, computed from out-of-fold
probabilities that are kept for ROC curves and reliability plots.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
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
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.metrics import accuracy_score, brier_score_loss, f1_score, roc_auc_score
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    PredefinedSplit,
    StratifiedGroupKFold,
    StratifiedKFold,
    check_cv,
    cross_validate,
)
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import StandardScaler

from .architecture import PRESETS
from .classifier import IRNetClassifier
from .estimator import IRNetRegressor
from .preprocessing import ClipToTrainingRange

TASKS = ("regression", "classification")
"""Kinds of comparison: the target is a number or a class label."""

METRICS = ("mae", "rmse", "r2")
CLASSIFICATION_METRICS = ("roc_auc", "roc_auc_labels", "accuracy", "f1", "brier")
"""Columns of a classification comparison: ROC-AUC of the predicted probabilities
(one-vs-rest macro average for more than two classes); ROC-AUC of the predicted labels,
which is how Matbench scores its classification tasks (it records hard ``True``/``False``
predictions and applies ``roc_auc_score`` to them: for two classes this equals the
balanced accuracy; NaN for more classes), the metric to set beside the Matbench
leaderboard; accuracy; F1 (of the second class in sorted order, e.g. ``True``, or the
macro average for more than two classes); and the Brier score (two classes; NaN
otherwise). Higher is better except for the Brier score."""
_SCORING = {
    "mae": "neg_mean_absolute_error",
    "rmse": "neg_root_mean_squared_error",
    "r2": "r2",
}


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


def takes_class_weight(model: BaseEstimator) -> bool:
    """Whether some step or member of ``model`` has a ``class_weight`` parameter.

    Parameters
    ----------
    model : estimator
        A classifier, a pipeline, a blend or a deep ensemble.

    Returns
    -------
    bool

    Examples
    --------
    >>> takes_class_weight(make_model("irnet17_mp_gap_blend", task="classification"))
    True
    >>> takes_class_weight(make_model("knn", task="classification"))
    False
    """
    return bool(_class_weight_params(model))


def _class_weight_params(model: BaseEstimator) -> list[str]:
    """The (nested) parameter names of ``model`` that end in ``class_weight``."""
    return [key for key in model.get_params() if key.split("__")[-1] == "class_weight"]


def _with_class_weight(model: BaseEstimator, name: str,
                       class_weight: dict[Any, float] | str) -> BaseEstimator:
    """``model`` with ``class_weight`` on every step (or member) that takes one."""
    names = _class_weight_params(model)
    if not names:
        raise ValueError(f"Model {name!r} takes no class weights ({type(model).__name__}); "
                         f"leave class_weight unset for it.")
    return model.set_params(**dict.fromkeys(names, class_weight))


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
    from .transfer import PretrainedPrediction

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
    from .ensemble import DeepEnsembleClassifier, DeepEnsembleRegressor
    from .transfer import PretrainedActivations

    classify = task == "classification"
    if key == "extra_trees_oqmd":
        trees = (_extra_trees_classifier if classify else _extra_trees)(random_state, n_jobs)
        return make_pipeline(PretrainedActivations(PRETRAINED_OQMD), trees)
    if key in STACKED_MODELS:
        return _stacked_model(key, random_state, n_jobs, classify)
    if key in BLENDS:
        # equal weights, the a-priori choice (on the main job's validation rows they beat
        # 0.7/0.3 and 0.8/0.2 in favour of the network: benchmarks/transfer_selection.py)
        return _blend(BLENDS[key], key, random_state, n_jobs, task, network_params)
    network_class = IRNetClassifier if classify else IRNetRegressor
    network = network_class(architecture="irnet17", random_state=random_state,
                            **network_params)
    start = _FINE_TUNED_NETWORKS[key]
    if start is not None:
        # the network settings apply as given: on validation rows of the main job's data,
        # no fine-tuning variant beat them by more than the fold spread
        # (benchmarks/transfer_selection.py)
        network.set_params(pretrained=_pretrained_source(start))
    if key.endswith("_ensemble"):
        ensemble = DeepEnsembleClassifier if classify else DeepEnsembleRegressor
        return ensemble(network, n_estimators=5, random_state=random_state)
    return network


@dataclass
class ModelComparison:
    """Results of :func:`compare_models`.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per model and fold: ``model, fold, n_train, n_test``, the metrics
        (regression ``mae, rmse, r2``; classification ``roc_auc, accuracy, f1, brier``),
        ``fit_time, predict_time`` (seconds).
    predictions : pandas.DataFrame
        Out-of-fold predictions: ``model, fold, row, y_true, y_pred``, and ``y_std`` for
        models whose ``predict`` returns a spread (``return_std=True``), empty for the
        others. Classification adds ``y_score``, the probability of the second class,
        for two classes, or ``proba_<label>`` per class for more.
    estimators : dict of list
        The fitted estimator of every fold, by model name.
    task : {"regression", "classification"}, default="regression"
        What was compared.
    """

    scores: pd.DataFrame
    predictions: pd.DataFrame
    estimators: dict[str, list[BaseEstimator]] = field(default_factory=dict)
    task: str = "regression"

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metric columns of :attr:`scores` for this task."""
        return CLASSIFICATION_METRICS if self.task == "classification" else METRICS

    @property
    def main_metric(self) -> str:
        """The metric that orders the summary: MAE (lower first) or ROC-AUC (higher)."""
        return "roc_auc" if self.task == "classification" else "mae"

    def summary(self) -> pd.DataFrame:
        """Mean and standard deviation over folds per model, best MAE (or ROC-AUC) first.

        Returns
        -------
        summary : pandas.DataFrame
            Indexed by model, with columns such as ``mae_mean`` and ``mae_std``.
        """
        columns = [*self.metrics, "fit_time", "predict_time"]
        grouped = self.scores.groupby("model", sort=False)[columns].agg(["mean", "std"])
        grouped.columns = [f"{metric}_{stat}" for metric, stat in grouped.columns]
        grouped.insert(0, "n_folds", self.scores.groupby("model", sort=False).size())
        return grouped.sort_values(f"{self.main_metric}_mean",
                                   ascending=self.task != "classification")

    def to_markdown(self, digits: int = 4) -> str:
        """The summary as a Markdown table (``mean ± std`` per metric)."""
        summary = self.summary()
        names = {"roc_auc": "ROC-AUC", "roc_auc_labels": "ROC-AUC (labels)",
                 "accuracy": "accuracy", "f1": "F1", "brier": "Brier"}
        header = ["model", "folds", *[names.get(m, m.upper()) for m in self.metrics],
                  "fit time (s)", "predict time (s)"]
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for model, row in summary.iterrows():
            cells = [str(model), str(int(row["n_folds"]))]
            for metric in (*self.metrics, "fit_time", "predict_time"):
                places = digits if metric in self.metrics else 2
                cells.append(f"{row[f'{metric}_mean']:.{places}f} ± "
                             f"{np.nan_to_num(row[f'{metric}_std']):.{places}f}")
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)


def resolve_cv(
    cv: int | Any = 5,
    *,
    test_fold: Sequence[int] | np.ndarray | None = None,
    groups: Any = None,
    random_state: int | None = 0,
    stratify: bool = False,
) -> Any:
    """The splitter used by :func:`compare_models`.

    An int gives a shuffled :class:`~sklearn.model_selection.KFold`, or, when ``groups``
    has a label on more than one row, a shuffled
    :class:`~sklearn.model_selection.GroupKFold`, so that the rows of a group are never split
    between training and test (``shuffle`` needs scikit-learn >= 1.6, the oldest version
    this package supports). Groups that are all distinct give the KFold, whose folds are
    then group folds already. ``test_fold`` (one fold id per row, ``-1`` for rows always in
    training) gives a :class:`~sklearn.model_selection.PredefinedSplit`, e.g. Matbench's
    official folds; anything else is passed to :func:`sklearn.model_selection.check_cv`.
    With ``stratify=True`` (classification) an int gives the stratified versions,
    :class:`~sklearn.model_selection.StratifiedKFold` and
    :class:`~sklearn.model_selection.StratifiedGroupKFold`.

    Raises
    ------
    ValueError
        If an int ``cv`` is below 2, or above the number of distinct groups.

    Examples
    --------
    >>> resolve_cv(3)
    KFold(n_splits=3, random_state=0, shuffle=True)
    >>> resolve_cv(2, groups=["a", "a", "b", "c"])
    GroupKFold(n_splits=2, random_state=0, shuffle=True)
    >>> resolve_cv(test_fold=[0, 1, 0, 1]).get_n_splits()
    2
    >>> resolve_cv(3, stratify=True)
    StratifiedKFold(n_splits=3, random_state=0, shuffle=True)
    """
    if test_fold is not None:
        return PredefinedSplit(np.asarray(test_fold))
    if not isinstance(cv, int | np.integer):
        return check_cv(cv)
    if cv < 2:
        raise ValueError(f"cv must be at least 2 folds, got {cv}.")
    if groups is not None:
        labels = np.asarray(groups).reshape(-1)
        n_groups = len(np.unique(labels))
        if n_groups < len(labels):
            if n_groups < cv:
                raise ValueError(
                    f"cv={cv} folds need at least {cv} distinct groups, got {n_groups}."
                )
            splitter = StratifiedGroupKFold if stratify else GroupKFold
            return splitter(n_splits=int(cv), shuffle=True, random_state=random_state)
    splitter = StratifiedKFold if stratify else KFold
    return splitter(n_splits=int(cv), shuffle=True, random_state=random_state)


def compare_models(
    models: Mapping[str, BaseEstimator] | Iterable[str],
    X: Any,
    y: Any,
    *,
    cv: int | Any = 5,
    test_fold: Sequence[int] | np.ndarray | None = None,
    groups: Any = None,
    n_jobs: int | None = None,
    random_state: int | None = 0,
    progress: Callable[[str], None] | None = None,
    task: str = "regression",
    **network_params: Any,
) -> ModelComparison:
    """Cross-validate several regressors (or classifiers) on the same folds.

    Featurize before calling this function: every model sees the same matrix ``X`` and
    the same splits, so differences come from the models alone.

    Parameters
    ----------
    models : mapping of name to estimator, or iterable of names
        Estimators to compare; names are resolved with :func:`make_model`.
    X : array-like of shape (n_samples, n_features)
        Feature matrix.
    y : array-like of shape (n_samples,)
        Target (class labels for classification).
    cv : int, splitter or iterable, default=5
        Cross-validation strategy, see :func:`resolve_cv` (an int with repeating
        ``groups`` splits by group; for classification the folds are stratified).
    test_fold : array-like of int, optional
        Predefined fold of every row (overrides ``cv``).
    groups : array-like, optional
        Group label of each row; rows of a group stay on one side of every split made
        from an int ``cv``, and group-aware splitters receive them.
    n_jobs : int or None, default=None
        Folds fitted in parallel by ``cross_validate``. Workers limit the threads of
        torch and BLAS so that parallel folds do not oversubscribe the cores.
    random_state : int or None, default=0
        Seed of the shuffled (Group)KFold and of the models built by name.
    progress : callable, optional
        Called with a one-line message after each model (e.g. ``print``).
    task : {"regression", "classification"}, default="regression"
        Compare regressors (MAE, RMSE, R^2) or classifiers (ROC-AUC, accuracy, F1,
        Brier score; models built by name are classifiers; folds are stratified).
    **network_params
        Extra parameters for networks built by name (e.g. ``max_iter=50``).

    Returns
    -------
    ModelComparison
        Per-fold scores, out-of-fold predictions and the fitted estimators.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(60, 3)), rng.normal(size=60)
    >>> result = compare_models(["ridge", "dummy"], X, y, cv=3)
    >>> sorted(result.summary().index)
    ['dummy', 'ridge']
    >>> result.scores.shape
    (6, 9)
    >>> labels = np.where(X[:, 0] > 0, "metal", "insulator")
    >>> result = compare_models(["logistic_regression", "dummy"], X, labels, cv=3,
    ...                         task="classification")
    >>> list(result.summary().index), result.summary().loc["dummy", "roc_auc_mean"]
    (['logistic_regression', 'dummy'], np.float64(0.5))
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}.")
    if isinstance(models, Mapping):
        named = dict(models)
    else:
        names = list(models)
        named = {name: make_model(name, random_state=random_state, task=task,
                                  **network_params)
                 for name in names}
    if not named:
        raise ValueError("models is empty: give at least one estimator or model name.")
    classification = task == "classification"
    splitter = resolve_cv(cv, test_fold=test_fold, groups=groups, random_state=random_state,
                          stratify=classification)
    groups = _groups_for(cv, splitter, groups)
    y_array = np.asarray(y)
    scoring = {"accuracy": "accuracy"} if classification else _SCORING
    score_rows, prediction_frames, estimators = [], [], {}
    for position, (name, estimator) in enumerate(named.items(), start=1):
        started = time.perf_counter()
        result = cross_validate(
            clone(estimator), X, y, groups=groups, cv=splitter, n_jobs=n_jobs,
            scoring=scoring, return_estimator=True, return_indices=True,
        )
        estimators[name] = result["estimator"]
        for fold, (fitted, test_idx) in enumerate(
            zip(result["estimator"], result["indices"]["test"], strict=True)
        ):
            row = {"model": name, "fold": fold,
                   "n_train": len(result["indices"]["train"][fold]), "n_test": len(test_idx)}
            frame = {"model": name, "fold": fold, "row": test_idx,
                     "y_true": y_array[test_idx]}
            if classification:
                # probabilities (outside the timing) for the metrics, ROC curves and
                # reliability plots
                metrics, columns = _classification_scores(
                    fitted, _take_rows(X, test_idx), y_array[test_idx])
                score_rows.append({**row, **metrics,
                                   "fit_time": result["fit_time"][fold],
                                   "predict_time": result["score_time"][fold]})
                prediction_frames.append(pd.DataFrame({**frame, **columns}))
                continue
            score_rows.append({
                **row,
                "mae": -result["test_mae"][fold],
                "rmse": -result["test_rmse"][fold],
                "r2": result["test_r2"][fold],
                "fit_time": result["fit_time"][fold],
                "predict_time": result["score_time"][fold],
            })
            # predicted again (outside the timing) for parity plots, with the spread of
            # models that give one (predict(X, return_std=True))
            if "return_std" in inspect.signature(fitted.predict).parameters:
                y_pred, y_std = fitted.predict(_take_rows(X, test_idx), return_std=True)
                frame["y_std"] = np.asarray(y_std).ravel()
            else:
                y_pred = fitted.predict(_take_rows(X, test_idx))
            frame["y_pred"] = np.asarray(y_pred).ravel()
            prediction_frames.append(pd.DataFrame(frame))
        if progress is not None:
            metric = "roc_auc" if classification else "mae"
            values = [row[metric] for row in score_rows if row["model"] == name]
            label = "ROC-AUC" if classification else "MAE"
            progress(
                f"[{position}/{len(named)}] {name}: {label} {np.mean(values):.4g} ± "
                f"{np.std(values):.2g} over {len(values)} folds "
                f"({time.perf_counter() - started:.1f} s)"
            )
    return ModelComparison(
        scores=pd.DataFrame(score_rows),
        predictions=pd.concat(prediction_frames, ignore_index=True),
        estimators=estimators,
        task=task,
    )


def _classification_scores(
    fitted: BaseEstimator, X_test: Any, y_test: np.ndarray
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """The metrics of one fold and the prediction columns, from ``predict_proba``."""
    proba = np.asarray(fitted.predict_proba(X_test))
    classes = fitted.classes_
    y_pred = classes[np.argmax(proba, axis=1)]
    if len(classes) == 2:
        positive = y_test == classes[1]
        both = positive.any() and not positive.all()
        metrics = {
            "roc_auc": roc_auc_score(positive, proba[:, 1]) if both else np.nan,
            "roc_auc_labels": (roc_auc_score(positive, y_pred == classes[1]) if both
                               else np.nan),
            "accuracy": accuracy_score(y_test, y_pred),
            "f1": f1_score(positive, y_pred == classes[1], zero_division=0.0),
            "brier": brier_score_loss(positive, proba[:, 1]),
        }
        return metrics, {"y_pred": y_pred, "y_score": proba[:, 1]}
    try:
        auc = roc_auc_score(y_test, proba, multi_class="ovr", labels=classes)
    except ValueError:  # a class missing from this test fold
        auc = np.nan
    metrics = {"roc_auc": auc, "roc_auc_labels": np.nan,
               "accuracy": accuracy_score(y_test, y_pred),
               "f1": f1_score(y_test, y_pred, average="macro", zero_division=0.0),
               "brier": np.nan}
    columns = {"y_pred": y_pred, **{f"proba_{label}": proba[:, i]
                                    for i, label in enumerate(classes)}}
    return metrics, columns


def training_size_curve(
    models: Mapping[str, BaseEstimator] | Iterable[str],
    X: Any,
    y: Any,
    fractions: Iterable[float],
    *,
    cv: int | Any = 5,
    groups: Any = None,
    full: ModelComparison | None = None,
    n_jobs: int | None = None,
    random_state: int | None = 0,
    progress: Callable[[str], None] | None = None,
    task: str = "regression",
    **network_params: Any,
) -> pd.DataFrame:
    """Test scores when each training fold is cut to fractions of its size.

    The test part of every fold stays whole; the training part is a random subset of
    ``fraction`` of its rows (at least 2), drawn once per fraction and fold.

    Parameters
    ----------
    models, X, y, cv, groups, n_jobs, random_state, progress, task, **network_params
        As for :func:`compare_models`; the folds are those of ``resolve_cv(cv, groups=...)``.
    fractions : iterable of float
        Fractions of each training fold, in (0, 1].
    full : ModelComparison, optional
        The comparison on whole training folds (same ``cv``, ``groups``, ``random_state``):
        its scores are reused for fraction 1 instead of fitting again.

    Returns
    -------
    pandas.DataFrame
        The per-fold ``scores`` of :class:`ModelComparison` for every fraction, stacked;
        ``n_train`` tells the fractions apart.

    Raises
    ------
    ValueError
        If a fraction lies outside (0, 1] or none is given.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(60, 3)), rng.normal(size=60)
    >>> table = training_size_curve(["ridge"], X, y, [0.5, 1.0], cv=3)
    >>> sorted(table["n_train"].unique())
    [np.int64(20), np.int64(40)]
    """
    fractions = sorted(set(fractions))
    if not fractions or fractions[0] <= 0 or fractions[-1] > 1:
        raise ValueError(f"fractions must lie in (0, 1], got {fractions}.")
    splitter = resolve_cv(cv, groups=groups, random_state=random_state,
                          stratify=task == "classification")
    groups = _groups_for(cv, splitter, groups)
    rng = np.random.RandomState(random_state)
    tables = []
    for fraction in fractions:
        if fraction == 1.0 and full is not None:
            tables.append(full.scores)
            continue
        splits = []
        for train, test in splitter.split(X, y, groups):
            subset = rng.choice(train, max(2, int(round(fraction * len(train)))), replace=False)
            splits.append((np.sort(subset), test))
        if progress is not None:
            progress(f"training size {fraction:g} of each fold:")
        partial = compare_models(models, X, y, cv=splits, n_jobs=n_jobs,
                                 random_state=random_state, progress=progress, task=task,
                                 **network_params)
        tables.append(partial.scores)
    return pd.concat(tables, ignore_index=True)


def _groups_for(cv: Any, splitter: Any, groups: Any) -> Any:
    """``groups``, except for the KFold an int ``cv`` gave: its groups are all distinct and
    scikit-learn warns that KFold ignores them."""
    plain = isinstance(splitter, KFold | StratifiedKFold)
    return None if isinstance(cv, int | np.integer) and plain else groups


def _take_rows(X: Any, rows: np.ndarray) -> Any:
    return X.iloc[rows] if hasattr(X, "iloc") else np.asarray(X)[rows]

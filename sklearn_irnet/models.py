"""The command line's models by name: a short, closed table.

``sklearn-irnet compare --models NAME,...`` and :func:`make_model` know 20 names: the nine
networks of the IRNet paper trained from scratch, IRNet-17 fine-tuned from each shipped
pre-trained network, a deep ensemble, and the classical baselines set up by the written
rule of :data:`BASELINE_RULE`. Anything else, stacks and blends included, is a plain
scikit-learn object that :func:`~sklearn_irnet.compare.compare_models` takes directly and
the command line takes from ``--models-file`` (see the recipes in the user guide).

Every name builds a regressor or, with ``task="classification"``, a classifier (``ridge``
is regression-only, ``logistic_regression`` classification-only).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .architecture import PRESETS
from .classifier import IRNetClassifier
from .estimator import IRNetRegressor
from .preprocessing import ClipToTrainingRange

TASKS = ("regression", "classification")

BASELINE_RULE = """\
Baselines are set up as a careful user would, by a rule written before any result was
seen (not tuned on the data they are compared on):
- forests: 300 trees (Probst and Boulesteix, JMLR 18(181), 2018: most of the gain of more
  trees comes within the first 100-250); random forest with max_features=1/3 for
  regression (Breiman's p/3) and sqrt for classification; extra trees with all features
  for regression (Geurts et al., Mach. Learn. 63, 2006) and sqrt for classification;
- gradient boosting: HistGradientBoosting with learning rate 0.05, up to 2,000 rounds and
  early stopping on an inner 10 % of the training rows (patience 50 rounds);
- ridge / logistic regression: inputs clipped to the training range and standardised,
  the penalty chosen by inner cross-validation of the training rows (RidgeCV's efficient
  leave-one-out over 15 alphas 1e-4..1e3; 5-fold over C = 1e-3..1e3 for logistic
  regression);
- k-NN: clipped, standardised inputs, distance weighting, the number of neighbours chosen
  by 5-fold inner cross-validation of the training rows from 3, 5, 10, 20.
"""
"""The rule that fixes the baselines' settings (also in the user guide)."""

PRETRAINED_STARTS: dict[str, str] = {
    "irnet17_oqmd": "oqmd-irnet17",
    "irnet17_mp_e_form": "mp-e-form-irnet17",
    "irnet17_mp_gap": "mp-gap-irnet17",
}
"""The fine-tuned models and the shipped network each starts from
(:func:`sklearn_irnet.pretrained.available_models`)."""

NETWORKS: tuple[str, ...] = tuple(sorted(PRESETS))
"""The paper's nine networks, trained from scratch (``irnet17`` ... ``plain48``)."""

BASELINES: tuple[str, ...] = ("random_forest", "extra_trees", "hist_gradient_boosting",
                              "ridge", "logistic_regression", "knn", "dummy")
"""Classical baselines (``ridge`` for regression, ``logistic_regression`` for
classification), set up by :data:`BASELINE_RULE`."""

MODEL_NAMES: tuple[str, ...] = (*NETWORKS, *PRETRAINED_STARTS, "irnet17_ensemble",
                                *BASELINES)
"""Every name :func:`make_model` accepts: 20 in all."""

TUNING_GRIDS: dict[str, dict[str, list[Any]]] = {
    **{name: {"learning_rate_init": [5e-4, 2e-3], "max_iter": [40, 120]}
       for name in (*NETWORKS, *PRETRAINED_STARTS)},
    "random_forest": {"max_features": [1 / 3, 1.0], "min_samples_leaf": [1, 3]},
    "extra_trees": {"max_features": [1 / 3, 1.0], "min_samples_leaf": [1, 3]},
    "hist_gradient_boosting": {"learning_rate": [0.03, 0.1], "max_leaf_nodes": [15, 63]},
}
"""The ``--tune`` search space of each model: the same budget of 4 configurations for every
model (inner 3-fold cross-validation of the training rows). Ridge, logistic regression and
k-NN already choose their one setting by inner cross-validation; the deep ensemble and the
dummy are not tuned."""


def _forest(kind: str, task: str, random_state: int | None, n_jobs: int | None
            ) -> BaseEstimator:
    classify = task == "classification"
    if kind == "random_forest":
        forest = RandomForestClassifier if classify else RandomForestRegressor
        max_features: Any = "sqrt" if classify else 1 / 3
    else:
        forest = ExtraTreesClassifier if classify else ExtraTreesRegressor
        max_features = "sqrt" if classify else 1.0
    return forest(n_estimators=300, max_features=max_features, random_state=random_state,
                  n_jobs=n_jobs)


def _baseline(name: str, task: str, random_state: int | None, n_jobs: int | None
              ) -> BaseEstimator:
    classify = task == "classification"
    if name in ("random_forest", "extra_trees"):
        return _forest(name, task, random_state, n_jobs)
    if name == "hist_gradient_boosting":
        boosting = HistGradientBoostingClassifier if classify else HistGradientBoostingRegressor
        return boosting(learning_rate=0.05, max_iter=2000, early_stopping=True,
                        validation_fraction=0.1, n_iter_no_change=50,
                        random_state=random_state)
    if name == "ridge":
        return make_pipeline(ClipToTrainingRange(), StandardScaler(),
                             RidgeCV(alphas=np.logspace(-4, 3, 15)))
    if name == "logistic_regression":
        search = GridSearchCV(LogisticRegression(max_iter=5000),
                              {"C": list(np.logspace(-3, 3, 7))}, cv=5, n_jobs=n_jobs)
        return make_pipeline(ClipToTrainingRange(), StandardScaler(), search)
    if name == "knn":
        neighbours = (KNeighborsClassifier if classify else KNeighborsRegressor)(
            weights="distance")
        search = GridSearchCV(neighbours, {"n_neighbors": [3, 5, 10, 20]}, cv=5,
                              n_jobs=n_jobs)
        return make_pipeline(ClipToTrainingRange(), StandardScaler(), search)
    return DummyClassifier(strategy="prior") if classify else DummyRegressor(strategy="mean")


def _network(name: str, task: str, random_state: int | None,
             network_params: dict[str, Any]) -> BaseEstimator:
    network_class = IRNetClassifier if task == "classification" else IRNetRegressor
    if name in PRESETS:
        return network_class(architecture=name, random_state=random_state, **network_params)
    if name in PRETRAINED_STARTS:
        return network_class(architecture="irnet17", pretrained=PRETRAINED_STARTS[name],
                             random_state=random_state, **network_params)
    from .ensemble import DeepEnsembleClassifier, DeepEnsembleRegressor

    member = network_class(architecture="irnet17", **network_params)
    ensemble = DeepEnsembleClassifier if task == "classification" else DeepEnsembleRegressor
    return ensemble(member, n_estimators=5, random_state=random_state)


def is_network(name: str) -> bool:
    """Whether the named model is (or is made of) IRNet networks.

    Examples
    --------
    >>> is_network("irnet17_oqmd"), is_network("extra_trees")
    (True, False)
    """
    return name in NETWORKS or name in PRETRAINED_STARTS or name == "irnet17_ensemble"


def make_model(
    name: str,
    *,
    task: str = "regression",
    random_state: int | None = 0,
    n_jobs: int | None = None,
    network_params: dict[str, Any] | None = None,
    tune: bool = False,
) -> BaseEstimator:
    """Build one of the command line's models by name.

    Parameters
    ----------
    name : str
        One of :data:`MODEL_NAMES`: a network of the paper from scratch (``"irnet17"``,
        ``"plain48"``, ...), IRNet-17 fine-tuned from a shipped network
        (:data:`PRETRAINED_STARTS`), ``"irnet17_ensemble"`` (five IRNet-17 from different
        seeds), or a baseline of :data:`BASELINES`.
    task : {"regression", "classification"}, default="regression"
        Build a regressor or a classifier.
    random_state : int or None, default=0
        Seed of the model.
    n_jobs : int or None, default=None
        Parallel jobs of the baselines that have them (forests, k-NN's search).
    network_params : dict, optional
        :class:`~sklearn_irnet.IRNetRegressor` (or :class:`~sklearn_irnet.IRNetClassifier`)
        parameters for the networks, e.g. ``{"max_iter": 40}``.
    tune : bool, default=False
        Wrap the model in a :class:`~sklearn.model_selection.GridSearchCV` over its
        :data:`TUNING_GRIDS` entry (4 configurations, inner 3-fold cross-validation of the
        training rows; ``refit`` on all of them). Models without an entry are returned
        as they are.

    Returns
    -------
    estimator
        An unfitted estimator.

    Raises
    ------
    ValueError
        If the name is unknown or exists only for the other task, or if
        ``network_params`` is given for a model that has no network.

    Examples
    --------
    >>> make_model("irnet17", network_params={"max_iter": 10}).max_iter
    10
    >>> make_model("extra_trees").n_estimators
    300
    >>> type(make_model("irnet17_mp_gap", task="classification")).__name__
    'IRNetClassifier'
    >>> make_model("random_forest", tune=True).param_grid
    {'max_features': [0.3333333333333333, 1.0], 'min_samples_leaf': [1, 3]}
    """
    key = name.strip().lower()
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}.")
    if key not in MODEL_NAMES:
        raise ValueError(f"Unknown model {name!r}; the named models are "
                         f"{', '.join(MODEL_NAMES)}. Anything else (stacks, blends, other "
                         "settings) is an estimator object: pass it to compare_models, or "
                         "to the command line with --models-file.")
    wrong_task = {"ridge": "classification", "logistic_regression": "regression"}
    if wrong_task.get(key) == task:
        other = "logistic_regression" if key == "ridge" else "ridge"
        raise ValueError(f"Model {name!r} does not exist for {task}; use {other!r}.")
    if is_network(key):
        model = _network(key, task, random_state, dict(network_params or {}))
    elif network_params:
        raise ValueError(f"network_params {sorted(network_params)} were given for {name!r}, "
                         "which has no network.")
    else:
        model = _baseline(key, task, random_state, n_jobs)
    if tune and key in TUNING_GRIDS:
        scoring = "roc_auc" if task == "classification" else "neg_mean_absolute_error"
        return GridSearchCV(model, TUNING_GRIDS[key], cv=3, scoring=scoring)
    return model


def takes_class_weight(model: BaseEstimator) -> bool:
    """Whether some step or member of ``model`` has a ``class_weight`` parameter.

    Examples
    --------
    >>> takes_class_weight(make_model("random_forest", task="classification"))
    True
    >>> takes_class_weight(make_model("knn", task="classification"))
    False
    """
    return bool(_class_weight_params(model))


def _class_weight_params(model: BaseEstimator) -> list[str]:
    return [key for key in model.get_params() if key.split("__")[-1] == "class_weight"]


def with_class_weight(model: BaseEstimator, class_weight: dict[Any, float] | str
                      ) -> BaseEstimator:
    """Set ``class_weight`` on every step or member of ``model`` that takes one.

    Parameters
    ----------
    model : estimator
        A classifier, pipeline, search, blend or deep ensemble.
    class_weight : dict or "balanced"

    Returns
    -------
    estimator
        ``model`` itself, changed in place.

    Raises
    ------
    ValueError
        If nothing in ``model`` takes class weights.

    Examples
    --------
    >>> model = with_class_weight(make_model("irnet17_ensemble", task="classification"),
    ...                           "balanced")
    >>> model.estimator.class_weight
    'balanced'
    """
    names = _class_weight_params(model)
    if not names:
        raise ValueError(f"{type(model).__name__} takes no class weights; leave "
                         "class_weight unset for it.")
    return model.set_params(**dict.fromkeys(names, class_weight))

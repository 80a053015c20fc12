"""Metrics of a comparison, as scikit-learn scorers with a name and a direction.

Every metric is a scorer (``scorer(estimator, X, y) -> float``, greater is better) from
:func:`sklearn.metrics.get_scorer` or a callable. Scorers named ``neg_<loss>`` are shown
as the positive loss under a short name (``neg_mean_absolute_error`` -> ``mae``), lower
first; everything else is shown as the scorer returns it, higher first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    f1_score,
    get_scorer,
    get_scorer_names,
    roc_auc_score,
)

SHORT_NAMES = {
    "mae": "neg_mean_absolute_error",
    "rmse": "neg_root_mean_squared_error",
    "mse": "neg_mean_squared_error",
    "medae": "neg_median_absolute_error",
    "brier": "neg_brier_score",
    "log_loss": "neg_log_loss",
}
"""Short metric names and the scikit-learn scorer behind each (lower is better)."""

REGRESSION_METRICS = ("mae", "rmse", "r2")
INTERVAL_METRICS = ("coverage_68", "coverage_95", "width_95", "nll", "crps")
"""Columns added for regressors whose ``predict(X, return_std=True)`` gives a standard
deviation (computed from the out-of-fold predictions of each split,
:mod:`sklearn_irnet.uncertainty`): the share of test rows inside the central 68 % and 95 %
intervals and the mean width of the 95 % ones (the model's own ``predict_interval(X,
confidence_level)`` where it has one, as
:meth:`~sklearn_irnet.ensemble.DeepEnsembleRegressor.predict_interval`; else the Gaussian
``mean ± z std``), the Gaussian negative log-likelihood and the CRPS (both per row, lower
is better). Coverage should be near its nominal level; it is shown, not ranked."""
INTERVAL_LOSSES = ("width_95", "nll", "crps")
CLASSIFICATION_METRICS = ("roc_auc", "roc_auc_labels", "accuracy", "f1", "brier")
"""Default columns of a classification comparison: ROC-AUC of the predicted probabilities
(one-vs-rest macro average for more than two classes); ROC-AUC of the predicted labels,
which is how Matbench scores its classification tasks (for two classes this equals the
balanced accuracy; NaN for more classes); accuracy; F1 (of the second class in sorted
order, or the macro average for more than two classes); and the Brier score (two classes;
NaN otherwise)."""


@dataclass(frozen=True)
class Metric:
    """One column of a comparison: its name, scorer and direction.

    Attributes
    ----------
    name : str
        Column name in the scores table.
    scorer : callable
        ``scorer(estimator, X, y) -> float``, greater is better.
    sign : {1, -1}
        The column holds ``sign * scorer(...)``: -1 for losses (``neg_*`` scorers).
    """

    name: str
    scorer: Callable[[Any, Any, Any], float]
    sign: int = 1

    @property
    def lower_is_better(self) -> bool:
        return self.sign < 0

    def __call__(self, estimator: Any, X: Any, y: Any) -> float:
        return float(self.sign * self.scorer(estimator, X, y))


def _class_scores(estimator: Any, X: Any) -> tuple[np.ndarray, np.ndarray]:
    proba = np.asarray(estimator.predict_proba(X))
    return estimator.classes_, proba


def _roc_auc(estimator: Any, X: Any, y: Any) -> float:
    classes, proba = _class_scores(estimator, X)
    try:
        if len(classes) == 2:
            return roc_auc_score(np.asarray(y) == classes[1], proba[:, 1])
        return roc_auc_score(y, proba, multi_class="ovr", labels=classes)
    except ValueError:  # a class missing from this test fold
        return np.nan


def _labels(estimator: Any, X: Any) -> tuple[np.ndarray, np.ndarray]:
    classes, proba = _class_scores(estimator, X)
    return classes, classes[np.argmax(proba, axis=1)]


def _roc_auc_labels(estimator: Any, X: Any, y: Any) -> float:
    classes, y_pred = _labels(estimator, X)
    positive = np.asarray(y) == classes[-1]
    if len(classes) != 2 or positive.all() or not positive.any():
        return np.nan
    return roc_auc_score(positive, y_pred == classes[1])


def _accuracy(estimator: Any, X: Any, y: Any) -> float:
    return accuracy_score(y, _labels(estimator, X)[1])


def _f1(estimator: Any, X: Any, y: Any) -> float:
    classes, y_pred = _labels(estimator, X)
    if len(classes) == 2:
        return f1_score(np.asarray(y) == classes[1], y_pred == classes[1], zero_division=0.0)
    return f1_score(y, y_pred, average="macro", zero_division=0.0)


def _neg_brier(estimator: Any, X: Any, y: Any) -> float:
    classes, proba = _class_scores(estimator, X)
    if len(classes) != 2:
        return np.nan
    return -brier_score_loss(np.asarray(y) == classes[1], proba[:, 1])


_CLASSIFICATION_DEFAULTS = {
    "roc_auc": Metric("roc_auc", _roc_auc),
    "roc_auc_labels": Metric("roc_auc_labels", _roc_auc_labels),
    "accuracy": Metric("accuracy", _accuracy),
    "f1": Metric("f1", _f1),
    "brier": Metric("brier", _neg_brier, -1),
}


def _named(name: str, scorer: Any = None) -> Metric:
    """A metric from a short name, a scikit-learn scorer name, or ``(name, scorer)``."""
    if scorer is None and name in _CLASSIFICATION_DEFAULTS:
        return _CLASSIFICATION_DEFAULTS[name]
    source = SHORT_NAMES.get(name, name) if scorer is None else scorer
    if isinstance(source, str):
        if source not in get_scorer_names():
            raise ValueError(
                f"Unknown metric {name!r}: use a short name ({', '.join(SHORT_NAMES)}, "
                f"{', '.join(CLASSIFICATION_METRICS)}), a scikit-learn scorer name "
                "(sklearn.metrics.get_scorer_names()) or a callable scorer.")
        scorer_object = get_scorer(source)
        if source.startswith("neg_"):
            short = {v: k for k, v in SHORT_NAMES.items()}.get(source, source[len("neg_"):])
            return Metric(short if scorer is None else name, scorer_object, -1)
        return Metric(name, scorer_object)
    if not callable(source):
        raise ValueError(f"The scorer of metric {name!r} must be a scorer name or a callable "
                         f"scorer(estimator, X, y), got {type(source).__name__}.")
    return Metric(name, source)


def resolve_scoring(scoring: str | Sequence[str] | Mapping[str, Any] | None,
                    classification: bool) -> tuple[Metric, ...]:
    """The metrics of a comparison; the first one orders its summary.

    Parameters
    ----------
    scoring : str, list of str, dict of name to scorer, or None
        None gives :data:`REGRESSION_METRICS` or :data:`CLASSIFICATION_METRICS`. Strings are
        short names (``"mae"``, ``"rmse"``, ``"roc_auc_labels"``, ...) or scikit-learn scorer
        names (``"neg_mean_absolute_error"`` is shown as the positive MAE); a dict maps column
        names to scorer names or callables ``scorer(estimator, X, y)``.
    classification : bool
        Which defaults.

    Returns
    -------
    tuple of Metric

    Examples
    --------
    >>> [(m.name, m.lower_is_better) for m in resolve_scoring(None, classification=False)]
    [('mae', True), ('rmse', True), ('r2', False)]
    >>> [m.name for m in resolve_scoring(["neg_median_absolute_error", "r2"], False)]
    ['medae', 'r2']
    """
    if scoring is None:
        names: Sequence[str] = CLASSIFICATION_METRICS if classification else REGRESSION_METRICS
        return tuple(_named(name) for name in names)
    if isinstance(scoring, str):
        return (_named(scoring),)
    if isinstance(scoring, Mapping):
        metrics = tuple(_named(str(name), scorer) for name, scorer in scoring.items())
    else:
        metrics = tuple(_named(name) for name in scoring)
    if not metrics:
        raise ValueError("scoring is empty: give at least one metric, or None for the "
                         "defaults.")
    names = [metric.name for metric in metrics]
    if len(set(names)) < len(names):
        raise ValueError(f"scoring names a metric twice: {names}.")
    return metrics

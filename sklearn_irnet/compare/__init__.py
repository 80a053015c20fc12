"""Compare regressors or classifiers on the same (repeated) cross-validation splits.

:func:`compare_models` takes estimator objects (pipelines, searches, ensembles),
cross-validates them on shared splits (3 × 5-fold by default) and returns a
:class:`ModelComparison`: per-split scores, out-of-fold predictions, a summary with 95 %
intervals corrected for the overlap of training sets, a paired test of every model
against the best, tables, a plot of the paired differences, and files that record what
ran (every model's parameters, splitter, seeds, versions, commit, machine).
:func:`training_size_curve` repeats a comparison on subsets of each training fold.

Rows that share a group (polymorphs sharing a formula) stay on one side of every split:
with ``groups`` in which some label repeats, an integer ``cv`` gives a shuffled
:class:`~sklearn.model_selection.GroupKFold` instead of a
:class:`~sklearn.model_selection.KFold`; classifiers get stratified folds.

The command line's models by name live in :mod:`sklearn_irnet.models`.
"""

from ._provenance import environment, estimator_record
from ._results import ModelComparison
from ._runner import compare_models, training_size_curve
from ._scoring import (
    CLASSIFICATION_METRICS,
    INTERVAL_METRICS,
    REGRESSION_METRICS,
    resolve_scoring,
)
from ._splits import RepeatedGroupSplits, resolve_cv
from ._stats import CONFIDENCE, CorrectedMean, corrected_mean

__all__ = [
    "CLASSIFICATION_METRICS",
    "CONFIDENCE",
    "CorrectedMean",
    "INTERVAL_METRICS",
    "ModelComparison",
    "REGRESSION_METRICS",
    "RepeatedGroupSplits",
    "compare_models",
    "corrected_mean",
    "environment",
    "estimator_record",
    "resolve_cv",
    "resolve_scoring",
    "training_size_curve",
]

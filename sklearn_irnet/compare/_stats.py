"""Intervals and paired tests over cross-validation splits that share training rows.

The splits of (repeated) K-fold cross-validation overlap: every pair of training sets
shares most of its rows, so the scores of one model on different splits are correlated
and the naive standard error of their mean is too small. Nadeau and Bengio (Machine
Learning 52, 239-281, 2003) correct the variance of the mean of ``J`` such scores from
``s**2 / J`` to ``(1 / J + n_test / n_train) * s**2``; Bouckaert and Frank (PAKDD 2004)
apply the same correction to the ``J = r * k`` splits of ``r`` times repeated K-fold. The
interval and the test use Student's t with ``J - 1`` degrees of freedom.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
"""Level of the intervals; a paired difference is called distinguishable from zero when
its two-sided p-value lies below ``1 - CONFIDENCE``."""


@dataclass(frozen=True)
class CorrectedMean:
    """The mean of per-split scores with its Nadeau-Bengio corrected interval.

    Attributes
    ----------
    mean, std : float
        Mean and sample standard deviation of the per-split values.
    low, high : float
        Bounds of the interval at :data:`CONFIDENCE` (NaN with fewer than 2 splits).
    p_value : float
        Two-sided p-value of the corrected t-test of "the true mean is zero" (meaningful
        for paired differences; NaN with fewer than 2 splits).
    n_splits : int
    """

    mean: float
    std: float
    low: float
    high: float
    p_value: float
    n_splits: int


def corrected_mean(values: np.ndarray, test_train_ratio: float,
                   confidence: float = CONFIDENCE) -> CorrectedMean:
    """Mean, corrected interval and corrected t-test p-value of per-split values.

    Parameters
    ----------
    values : array-like of shape (n_splits,)
        One score (or one paired difference of two models' scores) per split.
    test_train_ratio : float
        ``n_test / n_train`` of the splits (their mean when the folds differ in size);
        0 gives the uncorrected (independent splits) interval.
    confidence : float, default=0.95

    Returns
    -------
    CorrectedMean

    Examples
    --------
    >>> result = corrected_mean([1.0, 2.0, 3.0, 4.0, 5.0], test_train_ratio=0.25)
    >>> round(result.mean, 3), round(result.low, 3), round(result.high, 3)
    (3.0, 0.055, 5.945)
    >>> corrected_mean([0.0, 0.0, 0.0], 0.25).p_value
    1.0
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    n_splits = len(values)
    if n_splits == 0:
        return CorrectedMean(np.nan, np.nan, np.nan, np.nan, np.nan, 0)
    mean = float(values.mean())
    if n_splits < 2:
        return CorrectedMean(mean, np.nan, np.nan, np.nan, np.nan, n_splits)
    std = float(values.std(ddof=1))
    standard_error = np.sqrt((1.0 / n_splits + test_train_ratio) * std**2)
    quantile = stats.t.ppf(0.5 + confidence / 2, df=n_splits - 1)
    if standard_error == 0:
        p_value = 1.0 if mean == 0 else 0.0
    else:
        p_value = float(2 * stats.t.sf(abs(mean) / standard_error, df=n_splits - 1))
    half_width = float(quantile * standard_error)
    return CorrectedMean(mean, std, mean - half_width, mean + half_width, p_value, n_splits)

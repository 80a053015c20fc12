"""Scores for predictions that come with a standard deviation (Gaussian predictive
distributions): interval coverage and width, negative log-likelihood and CRPS.

Each function takes numpy arrays (or lists) of the same shape, 1-D or 2-D (every entry is
one prediction), and returns a float; :func:`reliability_curve` returns the observed
coverage at several nominal levels. A prediction ``(mean, std)`` is read as the normal
distribution ``N(mean, std**2)``; its central interval at ``level`` is
``mean ± z * std`` with ``z = Phi^-1((1 + level) / 2)`` (1.96 for 95 %, 0.994 for 68 %).

Examples
--------
>>> import numpy as np
>>> from sklearn_irnet.uncertainty import coverage, interval_width
>>> y_true = np.array([0.0, 1.0, 2.0, 10.0])
>>> y_pred = np.array([0.1, 1.2, 1.5, 3.0])
>>> y_std = np.ones(4)
>>> coverage(y_true, y_pred, y_std, level=0.95)
0.75
>>> round(interval_width(y_std, level=0.95), 3)
3.92
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import norm

#: nominal levels of :func:`reliability_curve` by default
DEFAULT_LEVELS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.68, 0.7, 0.8, 0.9, 0.95, 0.99)


def z_score(level: float) -> float:
    """Half-width of the central ``level`` interval of a standard normal.

    Examples
    --------
    >>> round(z_score(0.95), 4), round(z_score(0.6827), 3)
    (1.96, 1.0)
    """
    _check_level(level)
    return float(norm.ppf(0.5 + level / 2))


def coverage(y_true: ArrayLike, y_pred: ArrayLike, y_std: ArrayLike,
             level: float = 0.95) -> float:
    """Share of true values inside the central ``level`` intervals ``y_pred ± z * y_std``.

    Parameters
    ----------
    y_true, y_pred, y_std : array-like of the same shape
        True values, predicted means and predicted standard deviations (>= 0).
    level : float, default=0.95
        Nominal coverage, in (0, 1).

    Returns
    -------
    float
        Observed coverage in [0, 1]; for calibrated predictions, close to ``level``.
        The interval is closed (a value on its edge is inside).

    Examples
    --------
    >>> coverage([0.0, 0.5, 3.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0], level=0.68)
    0.6666666666666666
    """
    y_true, y_pred, y_std = _check_triple(y_true, y_pred, y_std)
    return float(np.mean(np.abs(y_true - y_pred) <= z_score(level) * y_std))


def interval_width(y_std: ArrayLike, level: float = 0.95) -> float:
    """Mean width ``2 * z * y_std`` of the central ``level`` intervals.

    Parameters
    ----------
    y_std : array-like
        Predicted standard deviations (>= 0).
    level : float, default=0.95
        Nominal coverage, in (0, 1).

    Returns
    -------
    float
        Mean interval width, in the units of the target.

    Examples
    --------
    >>> round(interval_width([1.0, 3.0], level=0.95), 3)  # 2 * 1.96 * 2
    7.84
    """
    y_std = _check_std(_as_float_array(y_std, "y_std"))
    return float(2 * z_score(level) * np.mean(y_std))


def gaussian_nll(y_true: ArrayLike, y_pred: ArrayLike, y_std: ArrayLike) -> float:
    """Mean negative log-density of the true values under ``N(y_pred, y_std**2)``.

    ``0.5 * log(2 pi std**2) + (y - mean)**2 / (2 std**2)`` averaged over the entries, in
    nats. Lower is better; it punishes intervals that are too narrow much more than ones
    that are too wide, and depends on the target's units (a shift of ``log(c)`` when the
    target is multiplied by ``c``).

    Parameters
    ----------
    y_true, y_pred, y_std : array-like of the same shape
        True values, predicted means and standard deviations (> 0).

    Returns
    -------
    float

    Examples
    --------
    >>> round(gaussian_nll([0.0], [0.0], [1.0]), 4)  # 0.5 * log(2 pi)
    0.9189
    """
    y_true, y_pred, y_std = _check_triple(y_true, y_pred, y_std, positive=True)
    z = (y_true - y_pred) / y_std
    return float(np.mean(0.5 * math.log(2 * math.pi) + np.log(y_std) + 0.5 * z**2))


def crps_gaussian(y_true: ArrayLike, y_pred: ArrayLike, y_std: ArrayLike) -> float:
    """Mean continuous ranked probability score of ``N(y_pred, y_std**2)`` predictions.

    Closed form (Gneiting and Raftery, JASA 2007): with ``z = (y - mean) / std``,
    ``CRPS = std * (z * (2 Phi(z) - 1) + 2 phi(z) - 1 / sqrt(pi))``. It is in the units
    of the target, lower is better, and it reduces to the absolute error when
    ``std = 0``, so it compares models with and without a spread on one scale. At
    ``y = mean`` it is ``std * (sqrt(2) - 1) / sqrt(pi)``, about ``0.2337 * std``.

    Parameters
    ----------
    y_true, y_pred, y_std : array-like of the same shape
        True values, predicted means and standard deviations (>= 0).

    Returns
    -------
    float

    Examples
    --------
    >>> round(crps_gaussian([0.0], [0.0], [1.0]), 4)
    0.2337
    >>> crps_gaussian([1.0, -2.0], [0.0, 0.0], [0.0, 0.0])  # the absolute error
    1.5
    """
    y_true, y_pred, y_std = _check_triple(y_true, y_pred, y_std)
    error = y_true - y_pred
    sharp = y_std == 0
    std = np.where(sharp, 1.0, y_std)
    z = error / std
    crps = std * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / math.sqrt(math.pi))
    return float(np.mean(np.where(sharp, np.abs(error), crps)))


def reliability_curve(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    y_std: ArrayLike,
    levels: Sequence[float] = DEFAULT_LEVELS,
) -> tuple[np.ndarray, np.ndarray]:
    """Observed against nominal coverage of the central intervals (a reliability curve).

    Parameters
    ----------
    y_true, y_pred, y_std : array-like of the same shape
    levels : sequence of float, default=DEFAULT_LEVELS
        Nominal levels, each in (0, 1).

    Returns
    -------
    levels : ndarray of shape (n_levels,)
    observed : ndarray of shape (n_levels,)
        :func:`coverage` at each level. Calibrated predictions lie on the diagonal; a
        curve below it means intervals that are too narrow.

    Examples
    --------
    >>> levels, observed = reliability_curve([0.0, 0.5, 3.0], [0, 0, 0], [1, 1, 1],
    ...                                      levels=[0.2, 0.99])
    >>> observed.tolist()
    [0.3333333333333333, 0.6666666666666666]
    """
    y_true, y_pred, y_std = _check_triple(y_true, y_pred, y_std)
    levels = np.asarray(levels, dtype=float).ravel()
    if levels.size == 0:
        raise ValueError("levels is empty; give at least one nominal level in (0, 1).")
    for level in levels:
        _check_level(level)
    distance = np.abs(y_true - y_pred)
    observed = np.array([np.mean(distance <= z_score(level) * y_std) for level in levels])
    return levels, observed


# ---------------------------------------------------------------- input checks
def _as_float_array(values: ArrayLike, name: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric, got {type(values).__name__}.") from None
    if array.ndim > 2:
        raise ValueError(f"{name} must be 1-D or 2-D, got {array.ndim} dimensions.")
    if array.size == 0:
        raise ValueError(f"{name} is empty.")
    return array


def _check_std(y_std: np.ndarray, positive: bool = False) -> np.ndarray:
    if np.isnan(y_std).any():
        raise ValueError(
            "y_std holds NaN: the model gives no standard deviation for these rows (an "
            "IRNetRegressor trained with a loss other than 'gaussian_nll' returns NaN)."
        )
    if not np.isfinite(y_std).all():
        raise ValueError("y_std holds infinite values.")
    if (y_std < 0).any() or (positive and (y_std == 0).any()):
        bound = "> 0" if positive else ">= 0"
        raise ValueError(f"y_std must be {bound} everywhere, got min {y_std.min()!r}.")
    return y_std


def _check_triple(y_true: ArrayLike, y_pred: ArrayLike, y_std: ArrayLike,
                  positive: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    arrays = [_as_float_array(a, name) for a, name in
              ((y_true, "y_true"), (y_pred, "y_pred"), (y_std, "y_std"))]
    if arrays[0].ndim == 2 and arrays[0].shape[1] == 1:  # (n, 1) targets with 1-D predictions
        arrays[0] = arrays[0].ravel()
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise ValueError(
            f"y_true, y_pred and y_std must have the same shape, got "
            f"{arrays[0].shape}, {arrays[1].shape} and {arrays[2].shape}."
        )
    if not (np.isfinite(arrays[0]).all() and np.isfinite(arrays[1]).all()):
        raise ValueError("y_true and y_pred must be finite (no NaN or infinity).")
    arrays[2] = _check_std(arrays[2], positive)
    return arrays[0], arrays[1], arrays[2]


def _check_level(level: float) -> None:
    if not isinstance(level, (int, float, np.floating)) or not 0 < level < 1:
        raise ValueError(f"level must be a number in (0, 1), got {level!r}.")

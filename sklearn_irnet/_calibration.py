"""Calibrating a deep ensemble's standard deviation on rows its own members held out.

:class:`~sklearn_irnet.ensemble.DeepEnsembleRegressor` gives each member a disjoint block
of training rows that it does not train on (:func:`held_out_blocks`). Each held-out row
then has a prediction ``(mean, std)`` from a member that never saw it, so its
standardised residual ``z = (y - mean) / std`` is what that member's std would face on new
data. :func:`fit_std_scale` finds one factor ``s`` per target that makes the intervals
``mean ± q * s * std`` cover held-out rows at the nominal levels, and the ensemble returns
``s`` times its mixture standard deviation (:func:`mixture`).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

#: nominal levels the scale is fitted to: from the 50 % interval to the 95 % one, the
#: range error bars are read at (one and two standard deviations among them)
CALIBRATION_LEVELS = (0.5, 0.68, 0.8, 0.9, 0.95)


def held_out_blocks(
    n_samples: int, n_members: int, fraction: float, rng: np.random.RandomState
) -> list[np.ndarray]:
    """Disjoint random blocks of rows, one per member, each of ``fraction`` of the rows.

    A block holds ``max(1, floor(fraction * n_samples))`` rows, at most
    ``n_samples // n_members`` so that the blocks never overlap.

    Raises
    ------
    ValueError
        If there are fewer rows than members, or a member would keep fewer than 2 rows
        to train on.

    Examples
    --------
    >>> blocks = held_out_blocks(100, 5, 0.1, np.random.RandomState(0))
    >>> [len(b) for b in blocks], len(np.unique(np.concatenate(blocks)))
    ([10, 10, 10, 10, 10], 50)
    >>> [len(b) for b in held_out_blocks(100, 20, 0.1, np.random.RandomState(0))][:3]
    [5, 5, 5]
    """
    size = min(max(1, int(fraction * n_samples)), n_samples // n_members)
    if size == 0 or n_samples - size < 2:
        raise ValueError(
            f"calibration holds out a block of rows per member, but {n_samples} rows are "
            f"too few for {n_members} members (each needs a held-out row and 2 rows to "
            "train on); use more data, fewer members, or calibration_fraction=None."
        )
    order = rng.permutation(n_samples)
    return [np.sort(order[i * size:(i + 1) * size]) for i in range(n_members)]


def fit_std_scale(z: np.ndarray, levels: tuple[float, ...] = CALIBRATION_LEVELS) -> float:
    """The factor ``s`` for which ``|z| <= q(level) * s`` holds as often as ``level`` says.

    Each level gives one candidate, ``quantile(|z|, level) / q(level)`` (``q`` the normal
    quantile, 1.96 at 95 %), which calibrates that level exactly on these rows; the
    candidate with the smallest mean absolute coverage error over all ``levels`` wins.
    When ``z`` is Gaussian all candidates agree; when its tails are heavier than a
    Gaussian's (outliers), no single factor calibrates every level, and this choice
    splits the error between the 50 % and the 95 % interval rather than fitting one of
    them. A variance-matching factor ``sqrt(mean(z**2))`` would instead let a few outliers
    widen every interval.

    Parameters
    ----------
    z : ndarray of shape (n,)
        Standardised held-out residuals ``(y - mean) / std`` (``inf`` where ``std`` is 0).
    levels : tuple of float
        Nominal levels to calibrate.

    Returns
    -------
    float
        The scale (1.0 when ``z`` has no finite non-zero value to learn from).

    Examples
    --------
    >>> z = np.random.RandomState(0).normal(scale=3.0, size=20000)
    >>> round(fit_std_scale(z), 1)
    3.0
    """
    distance = np.abs(np.asarray(z, dtype=float).ravel())
    distance = np.where(np.isnan(distance), np.inf, distance)
    quantiles = np.array([norm.ppf(0.5 + level / 2) for level in levels])
    candidates = np.quantile(distance, levels) / quantiles
    candidates = np.unique(candidates[np.isfinite(candidates) & (candidates > 0)])
    if candidates.size == 0:
        return 1.0
    errors = [np.mean([abs(np.mean(distance <= q * s) - level)
                       for q, level in zip(quantiles, levels, strict=True)])
              for s in candidates]
    return float(candidates[int(np.argmin(errors))])


def mixture(means: np.ndarray, stds: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of an equal-weight mixture of Gaussians.

    ``mean = mean_i(mu_i)`` and ``var = mean_i(sigma_i**2 + mu_i**2) - mean**2``, that is
    the members' mean variance plus the variance of their means (Lakshminarayanan et al.,
    NeurIPS 2017). Without ``stds`` (members that give no variance) it is the spread of
    the means.

    Parameters
    ----------
    means : ndarray of shape (n_members, ...)
    stds : ndarray of the same shape, or None

    Returns
    -------
    mean, std : ndarray of shape ``means.shape[1:]``

    Examples
    --------
    >>> mean, std = mixture(np.array([[0.0], [2.0]]), np.array([[1.0], [1.0]]))
    >>> mean.tolist(), std.tolist()  # sqrt(1 + 1)
    ([1.0], [1.4142135623730951])
    """
    mean = means.mean(axis=0)
    spread = means.var(axis=0)
    variance = spread if stds is None else np.mean(stds**2, axis=0) + spread
    return mean, np.sqrt(variance)

"""Calibrating a deep ensemble's standard deviation on rows its own members held out.

:class:`~sklearn_irnet.ensemble.DeepEnsembleRegressor` cuts a share of the training rows
into one block per member; member ``i`` does not train on blocks ``i`` and ``i + 1``
(:func:`held_out_blocks`, :func:`members_leaving_out`). Every block row then has
predictions from *two* members that never saw it, so the calibration sees on these rows
what the ensemble shows on new data:

- the two members' predicted variances (the noise each network estimates);
- their disagreement, an unbiased estimate of the variance between members, which on
  new rows is the ensemble's spread (and on training rows would be near zero);
- the error of their mean.

:func:`fit_std_weights` then fits three non-negative numbers per target,
``std = sqrt((a * noise_std)**2 + (b * spread)**2 + c**2)``, so that the intervals
``mean ± z * std`` cover the block rows at 95 % and then as well as possible at 68 %,
choosing among equally calibrated weights those with the best CRPS. A component that does
not track the errors gets a small weight: on the main job's data the variance a network
learns from its own training residuals is such a component, the spread between members
is not.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

#: nominal levels the weights are fitted to, in order of priority: the 95 % interval
#: first (the error bar screening reads), then the 68 % one (one standard deviation)
CALIBRATION_LEVELS = (0.95, 0.68)

#: weights within this coverage error of the best, at each level in turn, count as equally
#: calibrated
COVERAGE_TOLERANCE = 0.005

_GRID = np.concatenate([[0.0], np.geomspace(0.02, 20.0, 31)])


def held_out_blocks(
    n_samples: int, n_members: int, fraction: float, rng: np.random.RandomState
) -> list[np.ndarray]:
    """Disjoint random blocks of rows, one per member, each of ``fraction / 2`` of the rows.

    Each member leaves out two blocks (:func:`members_leaving_out`), so ``fraction`` of
    the rows. A block holds ``max(1, floor(fraction * n_samples / 2))`` rows, at most
    ``n_samples // n_members``.

    Raises
    ------
    ValueError
        If there are fewer rows than members, or a member would keep fewer than 2 rows
        to train on.

    Examples
    --------
    >>> blocks = held_out_blocks(100, 5, 0.2, np.random.RandomState(0))
    >>> [len(b) for b in blocks], len(np.unique(np.concatenate(blocks)))
    ([10, 10, 10, 10, 10], 50)
    """
    size = min(max(1, int(fraction * n_samples / 2)), n_samples // n_members)
    left_out = size * min(2, n_members)
    if size == 0 or n_samples - left_out < 2:
        raise ValueError(
            f"calibration holds out blocks of rows, but n_samples = {n_samples} is too few "
            f"for {n_members} members (each needs held-out rows and 2 rows to train on); "
            "use more data, fewer members, or calibration_fraction=None."
        )
    order = rng.permutation(n_samples)
    return [np.sort(order[i * size:(i + 1) * size]) for i in range(n_members)]


def members_leaving_out(block: int, n_members: int) -> tuple[int, ...]:
    """The members that do not train on ``block``: ``block`` and ``block - 1`` (cyclic).

    Examples
    --------
    >>> members_leaving_out(0, 5), members_leaving_out(3, 5), members_leaving_out(0, 1)
    ((0, 4), (3, 2), (0,))
    """
    return (block,) if n_members == 1 else (block, (block - 1) % n_members)


def fit_std_weights(
    residual: np.ndarray,
    noise_std: np.ndarray | None,
    spread: np.ndarray,
    levels: tuple[float, ...] = CALIBRATION_LEVELS,
) -> tuple[float, float, float]:
    """Weights ``(a, b, c)`` for ``std = sqrt((a * noise_std)**2 + (b * spread)**2 + c**2)``.

    A grid search (``a`` and ``b`` from 0 and 0.02 to 20, ``c`` the same times the median
    absolute residual) over the intervals ``|residual| <= z(level) * std``, level by
    level in order of priority: the weights whose coverage at ``levels[0]`` is within
    :data:`COVERAGE_TOLERANCE` of the best achievable are kept, then among those the
    ones closest at ``levels[1]``, and so on; of what remains, the weights with the
    lowest mean CRPS win (a proper score: it prefers a std that follows the errors row
    by row). Finally the three weights are multiplied by the factor in [0.8, 1.25] that
    best calibrates ``levels[0]`` (the grid steps by 26 %).

    When the errors have heavier tails than the Gaussian the std describes, no weights
    calibrate every level; the first level is then kept and the later ones are covered
    too often (too wide) or too rarely.

    Parameters
    ----------
    residual : ndarray of shape (n,)
        Held-out errors ``y - mean``.
    noise_std : ndarray of shape (n,) or None
        The members' predicted standard deviation (root mean variance); None for members
        that predict none (``a`` is then 0).
    spread : ndarray of shape (n,)
        Estimated standard deviation between members on these rows.
    levels : tuple of float
        Nominal levels, most important first.

    Returns
    -------
    (a, b, c) : tuple of float

    Examples
    --------
    >>> rng = np.random.RandomState(0)
    >>> noise = rng.uniform(0.1, 1.0, size=5000)
    >>> a, b, c = fit_std_weights(2 * noise * rng.normal(size=5000), noise, 0 * noise)
    >>> 1.8 < a < 2.2 and c < 0.1
    True
    """
    residual = np.abs(np.asarray(residual, dtype=float))
    unit = float(np.median(residual)) or 1.0
    noise = np.zeros_like(residual) if noise_std is None else np.asarray(noise_std, float)
    spread = np.asarray(spread, dtype=float)
    quantiles = np.array([norm.ppf(0.5 + level / 2) for level in levels])
    a_grid = _GRID[:1] if noise_std is None else _GRID
    a, b, c = (g.ravel() for g in np.meshgrid(a_grid, _GRID, _GRID * unit, indexing="ij"))
    keep = (a > 0) | (b > 0) | (c > 0)
    a, b, c = a[keep], b[keep], c[keep]
    errors = np.empty((len(a), len(levels)))  # coverage error of each weight at each level
    for start in range(0, len(a), 512):
        part = slice(start, start + 512)
        std = _std(a[part], b[part], c[part], noise, spread)
        inside = residual[None, None, :] <= quantiles[None, :, None] * std[:, None, :]
        errors[part] = np.abs(inside.mean(axis=2) - np.asarray(levels))
    kept = np.arange(len(a))
    for k in range(len(levels)):
        kept = kept[errors[kept, k] <= errors[kept, k].min() + COVERAGE_TOLERANCE]
    best = kept[np.argmin(_mean_crps(residual, _std(a[kept], b[kept], c[kept], noise,
                                                    spread)))]
    factors = np.geomspace(0.8, 1.25, 81)
    std = _std(a[best:best + 1], b[best:best + 1], c[best:best + 1], noise, spread)[0]
    inside = residual[None, :] <= quantiles[0] * factors[:, None] * std[None, :]
    refined = np.abs(inside.mean(axis=1) - levels[0])
    ties = np.flatnonzero(refined <= refined.min() + 1e-12)
    t = factors[ties[np.argmin(np.abs(np.log(factors[ties])))]]  # among equals, nearest 1
    return float(t * a[best]), float(t * b[best]), float(t * c[best])


def _std(a: np.ndarray, b: np.ndarray, c: np.ndarray, noise: np.ndarray,
         spread: np.ndarray) -> np.ndarray:
    """The std of each weight triple on each row, shape (n_weights, n_rows)."""
    return np.sqrt((a[:, None] * noise) ** 2 + (b[:, None] * spread) ** 2 + c[:, None] ** 2)


def _mean_crps(residual: np.ndarray, std: np.ndarray) -> np.ndarray:
    """Mean CRPS of ``N(0, std**2)`` at ``residual`` for each row of ``std`` (k, n)."""
    std = np.maximum(std, 1e-12)
    z = residual[None, :] / std
    crps = std * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / np.sqrt(np.pi))
    return crps.mean(axis=1)


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

"""Calibrating a deep ensemble's standard deviation on rows its own members held out.

:class:`~sklearn_irnet.ensemble.DeepEnsembleRegressor` cuts a share of the training rows
into one block per member; member ``i`` does not train on blocks ``i`` and ``i + 1``
(:func:`held_out_blocks`, :func:`members_leaving_out`). Every block row then has
predictions from *two* members that never saw it, which show what the ensemble shows on
new data:

- the error of their mean;
- their disagreement, an unbiased but very noisy estimate of the variance between members
  (from two members it is that variance times a chi-square with one degree of freedom);
- the variance each network predicts, for members trained with a likelihood loss.

:func:`fit_variance_weights` fits the expected squared error as a function of these,
``E[error**2] = c**2 + alpha * noise_var + beta * between``, by least squares on the block
rows, with three corrections: for the noise of the two-member disagreement (errors in
variables: fitted naively, a covariate that noisy gets a weight that does not carry over
to the ensemble's far steadier spread on new rows), for the uncertainty of each weight (a
bootstrap shrinks a component whose link to the errors is not detectable to nothing), and
for the move from the block rows' two-member mean to the whole ensemble's mean (whose
error holds less of the members' disagreement). The std is then an estimate of each
prediction's root mean squared error, the scale a Gaussian interval ``mean ± z * std``
needs: exact for Gaussian errors, a little off for heavier-tailed ones (68 % intervals
then cover more than 68 %, 95 % ones slightly less than 95 %).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

#: bootstrap resamples of the block rows that measure the uncertainty of each weight
N_BOOTSTRAP = 200

#: the smallest ``c**2``, as a share of the block rows' mean squared error
FLOOR_SHARE = 0.01


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


def fit_variance_weights(
    residual: np.ndarray,
    noise_std: np.ndarray | None,
    between: np.ndarray | None,
    n_members: int,
    random_state: int = 0,
) -> tuple[float, float, float]:
    """Weights ``(a, b, c)`` of the ensemble's std, ``sqrt((a * noise)**2 + (b * spread)**2
    + c**2)``, from the errors of the block rows.

    Fits ``E[residual**2] = c**2 + alpha * noise_std**2 + beta * between`` by least
    squares with non-negative weights, corrected three ways:

    - ``between``, the unbiased variance of two members' predictions, is the true
      variance between members times a chi-square with one degree of freedom, so its
      mean square is inflated by ``2/3`` of itself; that part is taken out of the normal
      equations (errors in variables);
    - each weight is multiplied by ``max(0, 1 - se**2 / weight**2)``, ``se`` its standard
      deviation over :data:`N_BOOTSTRAP` resamples of the rows, and ``c**2`` refitted so
      that the mean squared error of the rows stays matched;
    - the block rows' error is that of two members' mean, which holds half the variance
      between members, and the ensemble's mean holds ``1 / n_members`` of it: ``beta``
      loses ``1/2 - 1/n_members`` (what it cannot lose comes off ``c**2``).

    ``spread`` in ``predict`` is the standard deviation of the members' means over
    ``n_members`` (``ddof=0``), hence ``b**2 = beta * n_members / (n_members - 1)``.

    Parameters
    ----------
    residual : ndarray of shape (n,)
        Held-out errors ``y - mean`` of the block rows (mean of the members leaving them out).
    noise_std : ndarray of shape (n,) or None
        The members' predicted standard deviation (root mean variance); None for members
        that predict none (``a`` is then 0).
    between : ndarray of shape (n,) or None
        Unbiased variance between the two members' predictions (``ddof=1``); None with one
        member (``b`` is then 0).
    n_members : int
        Members of the ensemble.
    random_state : int, default=0
        Seed of the bootstrap.

    Returns
    -------
    (a, b, c) : tuple of float

    Examples
    --------
    >>> rng = np.random.RandomState(0)
    >>> noise = rng.uniform(0.1, 1.0, size=5000)
    >>> residual = 2 * noise * rng.normal(size=5000)
    >>> a, b, c = fit_variance_weights(residual, noise, None, n_members=1)
    >>> 1.8 < a < 2.2 and b == 0 and c < 0.3
    True
    """
    r2 = np.asarray(residual, dtype=float) ** 2
    columns, names = [np.ones_like(r2)], ["c2"]
    if noise_std is not None:
        columns.append(np.asarray(noise_std, dtype=float) ** 2)
        names.append("alpha")
    if between is not None and n_members > 1:
        columns.append(np.asarray(between, dtype=float))
        names.append("beta")
    X = np.column_stack(columns)
    rng = np.random.RandomState(random_state)
    resamples = rng.randint(0, len(r2), (N_BOOTSTRAP, len(r2)))
    allowed = list(range(1, X.shape[1]))
    noisy = names.index("beta") if "beta" in names else None  # the last column
    while True:
        weights = _nonnegative_moments(X, r2, allowed, noisy)
        chosen = [j for j in allowed if weights[j] > 0]
        if not chosen:
            break
        keep = [0, *chosen] if weights[0] > 0 else chosen
        draws = np.array([_solve_moments(X[rows], r2[rows], keep, noisy)[0]
                          for rows in resamples])
        for position, j in enumerate(chosen, start=len(keep) - len(chosen)):
            spread_of_draws = np.nanvar(draws[:, position]) if np.isfinite(
                draws[:, position]).mean() > 0.9 else np.inf
            weights[j] *= max(0.0, 1.0 - spread_of_draws / weights[j] ** 2)
        dropped = [j for j in chosen if weights[j] == 0]
        if not dropped:
            break
        allowed = [j for j in allowed if j not in dropped]  # refit without them
    weights[0] = float(np.mean(r2) - X[:, 1:].mean(axis=0) @ weights[1:])
    named = dict(zip(names, weights, strict=True))
    c2, beta = named["c2"], named.get("beta", 0.0)
    if beta > 0:
        beta -= 0.5 - 1.0 / n_members  # from a two-member mean to the ensemble's mean
        if beta < 0:
            c2 += beta * float(np.mean(X[:, -1]))
            beta = 0.0
    c2 = max(c2, FLOOR_SHARE * float(np.mean(r2)))
    b2 = beta * n_members / (n_members - 1) if n_members > 1 else 0.0
    return float(np.sqrt(named.get("alpha", 0.0))), float(np.sqrt(b2)), float(np.sqrt(c2))


def _solve_moments(X: np.ndarray, r2: np.ndarray, keep: list[int], noisy: int | None
                   ) -> tuple[np.ndarray, float]:
    """Least-squares weights of ``r2`` on the columns ``keep`` of X from the normal
    equations, with the noise of a two-member variance in column ``noisy`` taken out, and
    their loss ``w'Gw - 2w'm = -w'm`` (relative to ``mean(r2**2)``); NaN weights where the
    correction leaves the equations without a positive-definite solution."""
    gram = X[:, keep].T @ X[:, keep] / len(r2)
    moments = X[:, keep].T @ r2 / len(r2)
    if noisy in keep:
        k = keep.index(noisy)
        gram[k, k] -= (2.0 / 3.0) * np.mean(X[:, noisy] ** 2)
    if np.linalg.eigvalsh(gram).min() <= 1e-9 * np.abs(gram).max():
        return np.full(len(keep), np.nan), np.inf  # the correction left no information
    solution = np.linalg.solve(gram, moments)
    return solution, float(-solution @ moments)


def _nonnegative_moments(X: np.ndarray, r2: np.ndarray, allowed: list[int],
                         noisy: int | None) -> np.ndarray:
    """Non-negative least-squares weights of ``r2`` on the intercept (column 0) and
    the ``allowed`` columns of X: every subset is solved (:func:`_solve_moments`) and the
    feasible one with the smallest loss kept; at worst the mean alone. A subset may leave
    out the intercept (a variance that the noise estimate explains whole would otherwise
    lose it to a slightly negative intercept), except with the noisy column."""
    best = np.zeros(X.shape[1])
    best[0] = r2.mean()
    best_loss = -best[0] ** 2
    candidates = [0, *allowed]
    for size in range(1, len(candidates) + 1):
        for keep in map(list, combinations(candidates, size)):
            if 0 not in keep and noisy in keep:
                continue  # a noisy column always comes with an intercept
            solution, loss = _solve_moments(X, r2, keep, noisy)
            if np.isfinite(solution).all() and (solution >= 0).all() and loss < best_loss:
                best_loss, best = loss, np.zeros(X.shape[1])
                best[keep] = solution
    return best


class TooFewCalibrationRows(ValueError):
    """A prediction interval's level needs more calibration rows than were held out."""


def standardised_errors(
    residual: np.ndarray,
    noise_std: np.ndarray | None,
    between: np.ndarray | None,
    weights: tuple[float, float, float],
    n_members: int,
) -> np.ndarray:
    """Absolute errors of the block rows over the calibrated std that their own
    predictions give, ``|residual| / sqrt((a * noise)**2 + b**2 * spread**2 + c**2)``.

    A block row's spread is estimated from the two members leaving it out: the expected
    ``spread**2`` of ``n_members`` predictions (``ddof=0``) is ``between * (n - 1) / n``.
    The residual is that of two members' mean, which holds more of the members'
    disagreement than the whole ensemble's (scores a little high), while the weights were
    fitted on these same rows (scores a little low); neither is corrected.

    Parameters
    ----------
    residual : ndarray of shape (n,)
        Held-out errors of the block rows.
    noise_std, between : ndarray of shape (n,) or None
        The members' predicted std and the unbiased variance between the two members, as
        in :func:`fit_variance_weights`.
    weights : tuple of float
        ``(a, b, c)`` from :func:`fit_variance_weights`.
    n_members : int
        Members of the ensemble.

    Returns
    -------
    scores : ndarray of shape (n,)
        Non-negative; a zero error over a zero std counts as 0.

    Examples
    --------
    >>> standardised_errors(np.array([1.0, -3.0]), None, None, (0.0, 0.0, 2.0), 5)
    array([0.5, 1.5])
    """
    a, b, c = weights
    variance = np.full(np.shape(residual), c**2, dtype=float)
    if noise_std is not None:
        variance = variance + (a * np.asarray(noise_std, dtype=float)) ** 2
    if between is not None and n_members > 1:
        variance = variance + b**2 * np.asarray(between, dtype=float) * (n_members - 1) / n_members
    error = np.abs(np.asarray(residual, dtype=float))
    std = np.sqrt(variance)
    return np.divide(error, std, out=np.where(error > 0, np.inf, 0.0), where=std > 0)


def conformal_quantile(scores: np.ndarray, level: float) -> float:
    """The split-conformal quantile of ``scores`` at ``level``: the
    ``ceil((m + 1) * level)``-th smallest of the ``m`` scores.

    A new score exchangeable with these is at most that quantile with probability at
    least ``level`` (Vovk et al., 2005; Lei et al., JASA 2018).

    Parameters
    ----------
    scores : array-like of shape (m,)
    level : float in (0, 1)

    Returns
    -------
    quantile : float

    Raises
    ------
    TooFewCalibrationRows
        A ``ValueError``: ``m`` scores are too few for ``level`` (``ceil((m + 1) * level)
        > m``, that is ``level > m / (m + 1)``).

    Examples
    --------
    >>> scores = np.arange(1.0, 20.0)  # 19 scores
    >>> conformal_quantile(scores, 0.5), conformal_quantile(scores, 0.95)
    (10.0, 19.0)
    """
    scores = np.sort(np.asarray(scores, dtype=float))
    m = len(scores)
    # (m + 1) * level in floating point can land just above an integer (75 * 0.68 =
    # 51.00000000000001), which would take the next rank
    rank = int(np.ceil((m + 1) * level - 1e-9))
    if rank > m:
        raise TooFewCalibrationRows(
            f"a {level:g} interval needs more calibration rows than the {m} held out "
            f"(at most level {m / (m + 1):.4g} with {m} rows); ask for a lower "
            "confidence_level, fit with a larger calibration_fraction, more members or "
            "more rows, or read predict(X, return_std=True) as a Gaussian interval."
        )
    return float(scores[max(rank, 1) - 1])


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

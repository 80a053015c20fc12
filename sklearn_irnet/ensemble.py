"""Deep ensembles: several networks from different seeds; for regression, the mixture of
their predictive distributions with a calibrated standard deviation."""

from __future__ import annotations

import inspect
import os
from numbers import Integral, Real
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context, clone
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data

from ._calibration import (
    conformal_quantile,
    fit_variance_weights,
    held_out_blocks,
    members_leaving_out,
    mixture,
    standardised_errors,
)
from .classifier import IRNetClassifier
from .estimator import IRNetRegressor


class _DeepEnsemble(BaseEstimator):
    """Members cloned from one template with their own seeds, fitted in parallel."""

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator: Any = None,
        *,
        n_estimators: int = 5,
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _default_member(self) -> BaseEstimator:
        """The member used when ``estimator`` is None (each subclass says which)."""
        raise NotImplementedError(f"{type(self).__name__} does not name a default member.")

    def _template(self) -> BaseEstimator:
        return self._default_member() if self.estimator is None else self.estimator

    def _fit_members(
        self, X: np.ndarray, y: np.ndarray, holdout_fraction: float | None = None
    ) -> list[np.ndarray] | None:
        """Seed, clone and fit the members (``seeds_``, ``estimators_``).

        With ``holdout_fraction``, the rows are cut into disjoint blocks and member ``i``
        does not train on the blocks of
        :func:`~sklearn_irnet._calibration.members_leaving_out`; the blocks are returned.
        """
        template = self._template()
        if "random_state" not in template.get_params():
            raise ValueError(f"estimator {type(template).__name__} has no random_state "
                             "parameter, so its members could not differ.")
        rng = check_random_state(self.random_state)
        self.seeds_ = rng.randint(np.iinfo(np.int32).max, size=self.n_estimators)
        blocks = None
        rows = [slice(None)] * self.n_estimators
        if holdout_fraction is not None:
            blocks = held_out_blocks(len(X), self.n_estimators, holdout_fraction, rng)
            left_out: list[list[np.ndarray]] = [[] for _ in blocks]
            for j, block in enumerate(blocks):
                for i in members_leaving_out(j, len(blocks)):
                    left_out[i].append(block)
            rows = [np.setdiff1d(np.arange(len(X)), np.concatenate(parts))
                    for parts in left_out]
        members = [clone(template).set_params(random_state=int(seed)) for seed in self.seeds_]
        directory = template.get_params().get("checkpoint_dir")
        if directory is not None:  # each member resumes from its own checkpoint
            for i, member in enumerate(members):
                member.set_params(checkpoint_dir=os.path.join(directory, f"member_{i}"))
        self.estimators_ = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_member)(member, X[r], y[r])
            for member, r in zip(members, rows, strict=True)
        )
        return blocks

    def _members_mean(self, X: Any, method: str, return_std: bool) -> Any:
        """Mean over the members of ``member.<method>(X)``, with their standard deviation
        when ``return_std``."""
        check_is_fitted(self, "estimators_")
        X = validate_data(self, X, reset=False, ensure_all_finite=False,
                          dtype=(np.float64, np.float32))
        outputs = np.stack([getattr(member, method)(X) for member in self.estimators_])
        mean = outputs.mean(axis=0)
        return (mean, outputs.std(axis=0)) if return_std else mean

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


class DeepEnsembleRegressor(RegressorMixin, _DeepEnsemble):
    """Deep ensemble of regression networks with a calibrated standard deviation.

    Each member is a clone of ``estimator`` with its own ``random_state`` (weight
    initialisation, batch order and validation split differ), fitted in parallel through
    joblib. ``predict`` returns the members' mean. With ``return_std=True`` it also
    returns a standard deviation:

    - members that predict one (an :class:`~sklearn_irnet.IRNetRegressor` trained with
      ``loss="absolute_error_nll"`` or ``"gaussian_nll"``, or any regressor whose
      ``predict`` takes ``return_std``) are combined as an equal-weight mixture of
      Gaussians, whose variance is the members' mean variance (the noise) plus the
      variance of their means (their disagreement), following Lakshminarayanan et al.,
      "Simple and scalable predictive uncertainty estimation using deep ensembles",
      NeurIPS 2017 (without their adversarial training);
    - other members give the spread of their predictions, as
      :class:`~sklearn.gaussian_process.GaussianProcessRegressor` users expect from
      ``return_std``. The spread measures disagreement, not noise, and is usually far too
      narrow to read as an interval: calibrate it on held-out data (for example with
      MAPIE) before doing so.

    **Calibration without held-out data.** A variance that a network fitted to its own
    training rows is too small (or shaped wrong) on new rows, and the spread between
    members measures only their disagreement. With ``calibration_fraction`` set (the
    default), the ensemble cuts that share of the training rows into one block per
    member, and member ``i`` does not train on blocks ``i`` and ``i + 1``: every block
    row gets predictions from two members that never saw it, which show what the
    ensemble shows on new rows (their noise estimates, their disagreement and the error
    of their mean). Three non-negative weights per target are fitted on those rows,

    ``std = sqrt((noise_scale_ * noise)**2 + (spread_scale_ * spread)**2 + std_floor_**2)``

    with ``noise`` the root mean variance of the members and ``spread`` the standard
    deviation of their means, so that ``std**2`` matches the block rows' mean squared
    error as a function of both: a least-squares fit corrected for the noise of a
    two-member disagreement, shrunk by each weight's bootstrap uncertainty and moved from
    the two-member mean to the ensemble's
    (:func:`~sklearn_irnet._calibration.fit_variance_weights`). ``std`` thus estimates
    each prediction's root mean squared error. ``predict(X, return_std=True)`` returns
    it; ``calibrated=False`` returns the raw mixture std. The user holds nothing out:
    each member trains on ``1 - calibration_fraction`` of the rows, and the members
    together on every row.

    What is guaranteed, and what is not:

    - ``std**2`` estimates the mean squared error of fresh rows drawn like the training
      rows, on average over many rows, and ``mean ± z * std`` (``z`` the normal
      quantile) covers the nominal share when the errors are Gaussian. Nothing is
      guaranteed row by row, for inputs unlike the training data (extrapolation), or
      under a shift between training and test data, and there is no finite-sample
      guarantee as in split conformal prediction;
    - when the errors have heavier tails than a Gaussian (on materials data they often
      do), no std calibrates every level: 68 % intervals ``mean ± std`` then cover more
      than 68 % and 95 % ones a little less than 95 %, by amounts that
      ``benchmarks/uncertainty_calibration.py`` measures. :meth:`predict_interval` reads
      the level's quantile from the block rows' own standardised errors instead (split
      conformal), and comes close to each level;
    - with a few hundred rows the block rows are few, the spread's weight is usually
      shrunk to nothing and the std is nearly one width for every row;
    - each member trains on ``1 - calibration_fraction`` of the rows, which can cost each
      a little accuracy.

    Parameters
    ----------
    estimator : regressor or None, default=None
        The member model; ``None`` means ``IRNetRegressor()`` (absolute-error training, no
        variance head). It must have a ``random_state`` parameter. Members trained with
        ``loss="absolute_error_nll"`` add their noise estimate to the mixture; on the
        main job's data that estimate, learnt from the networks' own training residuals,
        made the intervals wider rather than sharper (``benchmarks/results/
        uncertainty_calibration/``), so it is not the default.
    n_estimators : int, default=5
        Number of members.
    calibration_fraction : float in (0, 0.5] or None, default=0.1
        Share of the training rows each member leaves out for calibration (two blocks of
        half as many rows; a block holds at most ``1 / n_estimators`` of the rows).
        ``None`` trains every member on every row and leaves the standard deviation
        uncalibrated: the raw mixture, or the members' spread (the behaviour before
        calibration existed).
    n_jobs : int or None, default=None
        Members fitted in parallel (joblib; ``None`` is 1 unless in a
        ``joblib.parallel_config`` context, -1 all cores). With several jobs, joblib
        limits each worker's torch threads so that the cores are not oversubscribed.
    random_state : int, RandomState instance or None, default=None
        Draws the members' seeds and the calibration blocks.

    Notes
    -----
    When ``estimator`` has a ``checkpoint_dir``, member ``i`` checkpoints in its
    subfolder ``member_<i>``, so the members never share a checkpoint.

    Attributes
    ----------
    estimators_ : list of fitted regressors
    seeds_ : ndarray of int
        The members' ``random_state``.
    noise_scale_, spread_scale_, std_floor_ : ndarray of shape (n_outputs,) or None
        The calibration weights of each target (``std_floor_`` in the target's units);
        ``noise_scale_`` is 0 for members without a standard deviation. None with
        ``calibration_fraction=None``.
    calibration_scores_ : ndarray of shape (n_block_rows, n_outputs) or None
        The block rows' absolute errors over their calibrated std, sorted per target: the
        scores behind :meth:`predict_interval`'s quantiles. None with
        ``calibration_fraction=None``.
    calibration_rows_ : list of ndarray or None
        The blocks of training rows (indices into the training data); member ``i`` did
        not train on blocks ``i`` and ``i + 1`` (cyclic). None when no rows were left
        out.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of str
        Names of the features seen during ``fit``, when X had string column names.

    See Also
    --------
    DeepEnsembleClassifier : the same for classification (mean class probabilities).
    sklearn_irnet.uncertainty : coverage, interval width, NLL and CRPS of the intervals.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_irnet import IRNetRegressor
    >>> from sklearn_irnet.ensemble import DeepEnsembleRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(300, 4))
    >>> y = X[:, 0] - X[:, 1] + 0.3 * rng.normal(size=300)
    >>> member = IRNetRegressor(architecture=[(16, 2)], loss="absolute_error_nll",
    ...                         max_iter=10)
    >>> ensemble = DeepEnsembleRegressor(member, n_estimators=3, random_state=0).fit(X, y)
    >>> mean, std = ensemble.predict(X[:2], return_std=True)
    >>> mean.shape, std.shape, ensemble.spread_scale_.shape
    ((2,), (2,), (1,))
    >>> raw = ensemble.predict(X[:2], return_std=True, calibrated=False)[1]
    >>> raw.shape
    (2,)
    """

    _parameter_constraints: dict = {
        **_DeepEnsemble._parameter_constraints,
        "calibration_fraction": [Interval(Real, 0, 0.5, closed="right"), None],
    }

    def __init__(
        self,
        estimator: Any = None,
        *,
        n_estimators: int = 5,
        calibration_fraction: float | None = 0.1,
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        super().__init__(estimator, n_estimators=n_estimators, n_jobs=n_jobs,
                         random_state=random_state)
        self.calibration_fraction = calibration_fraction

    def _default_member(self) -> BaseEstimator:
        return IRNetRegressor()

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: Any, y: Any) -> DeepEnsembleRegressor:
        """Fit ``n_estimators`` members on X and y, and calibrate their standard deviation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        self : DeepEnsembleRegressor
        """
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True,
                             ensure_all_finite=False, dtype=(np.float64, np.float32))
        self._members_give_std = _gives_std(self._template())
        blocks = self._fit_members(X, y, self.calibration_fraction)
        self.calibration_rows_ = blocks
        self.noise_scale_ = self.spread_scale_ = self.std_floor_ = None
        self.calibration_scores_ = None
        if blocks is not None:
            self._calibrate(*self._block_errors(X, y.reshape(len(y), -1), blocks))
        return self

    def _calibrate(self, residual: np.ndarray, noise_std: np.ndarray | None,
                   between: np.ndarray | None) -> None:
        """Fit the std's weights per target on the block rows (``noise_scale_``,
        ``spread_scale_``, ``std_floor_``) and keep their standardised errors, sorted
        (``calibration_scores_``, one column per target)."""
        n_members = len(self.estimators_)
        seed = int(self.seeds_[0])  # the bootstrap's, fixed by random_state
        weights, scores = [], []
        for k in range(residual.shape[1]):
            noise_k = None if noise_std is None else noise_std[:, k]
            between_k = None if between is None else between[:, k]
            weights.append(fit_variance_weights(residual[:, k], noise_k, between_k,
                                                n_members, random_state=seed))
            scores.append(np.sort(standardised_errors(residual[:, k], noise_k, between_k,
                                                      weights[-1], n_members)))
        self.noise_scale_, self.spread_scale_, self.std_floor_ = np.array(weights).T
        self.calibration_scores_ = np.column_stack(scores)

    def _block_errors(self, X: np.ndarray, y: np.ndarray, blocks: list[np.ndarray]
                      ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """Per block row and target (arrays of shape (n_block_rows, n_outputs)): the error
        of the mean of the members that left it out, their root mean predicted variance
        (None for members without one) and the unbiased variance between them (None with
        one member)."""
        n_members = len(self.estimators_)
        residual, noise, between = [], [], []
        for j, rows in enumerate(blocks):
            members = [self.estimators_[i] for i in members_leaving_out(j, n_members)]
            means, stds = self._member_outputs(members, X[rows])
            means = means.reshape(len(members), len(rows), -1)
            residual.append(y[rows] - means.mean(axis=0))
            if stds is not None:
                noise.append(np.sqrt(np.mean(stds.reshape(means.shape) ** 2, axis=0)))
            if len(members) > 1:  # unbiased variance between the members leaving them out
                between.append(means.var(axis=0, ddof=1))
        return (np.concatenate(residual), np.concatenate(noise) if noise else None,
                np.concatenate(between) if between else None)

    def _member_outputs(self, members: list[Any], X: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray | None]:
        """Stacked means, and standard deviations when the members give them."""
        if not self._members_give_std:
            return np.stack([member.predict(X) for member in members]), None
        pairs = [member.predict(X, return_std=True) for member in members]
        return np.stack([m for m, _ in pairs]), np.stack([s for _, s in pairs])

    def predict(self, X: Any, return_std: bool = False, calibrated: bool = True) -> Any:
        """Mean prediction of the members, and optionally a standard deviation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        return_std : bool, default=False
            Also return the standard deviation: the mixture's (members that predict
            one), else the spread of the members' predictions.
        calibrated : bool, default=True
            With ``return_std``, return the calibrated standard deviation (when the
            weights were fitted, see the class description); ``False`` returns the raw
            mixture standard deviation (the members' spread for members without one).

        Returns
        -------
        y_mean : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        y_std : ndarray of the same shape, only when ``return_std=True``
        """
        if not return_std:
            return self._members_mean(X, "predict", False)
        check_is_fitted(self, "estimators_")
        X = validate_data(self, X, reset=False, ensure_all_finite=False,
                          dtype=(np.float64, np.float32))
        means, stds = self._member_outputs(self.estimators_, X)
        mean, std = mixture(means, stds)
        if calibrated and self.spread_scale_ is not None:
            noise = 0 * mean if stds is None else np.sqrt(np.mean(stds**2, axis=0))
            spread = means.std(axis=0)
            weights = [w if mean.ndim == 2 else w[0]
                       for w in (self.noise_scale_, self.spread_scale_, self.std_floor_)]
            std = np.sqrt((weights[0] * noise) ** 2 + (weights[1] * spread) ** 2
                          + weights[2] ** 2)
        return mean, std

    def predict_interval(self, X: Any, confidence_level: float = 0.95
                         ) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper ends of a prediction interval at ``confidence_level``.

        The interval is ``mean ± q * std``, with ``std`` the calibrated standard deviation
        of :meth:`predict` and ``q`` the split-conformal quantile at ``confidence_level``
        of the block rows' standardised errors ``|error| / std``
        (``calibration_scores_``; :func:`~sklearn_irnet._calibration.conformal_quantile`).
        Where ``mean ± z * std`` reads the std as a Gaussian, ``q`` comes from the errors
        themselves, so one fit gives intervals at every level that cover about their
        share: with heavy-tailed errors a 68 % interval is narrower than ``± std`` and a
        99 % one wider than ``± 2.58 std``.

        What is guaranteed, approximately: split conformal prediction (Lei et al., JASA
        2018) covers at least ``confidence_level`` of fresh rows exchangeable with the
        calibration rows, on average over draws of the data. Here the guarantee is not
        exact: the std's weights were fitted on the same block rows (which narrows
        their scores), and a block row's prediction is two members' mean with their
        two-member disagreement, not the whole ensemble's (which widens them). Measured
        on three datasets the intervals came within a few hundredths of each level
        (``docs/user_guide/uncertainty.md``). Nothing holds row by row, nor under a
        shift between training and new data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        confidence_level : float in (0, 1), default=0.95
            The share of new rows the interval should cover. With ``m`` block rows the
            highest level available is ``m / (m + 1)``.

        Returns
        -------
        lower, upper : ndarray of shape (n_samples,) or (n_samples, n_outputs)

        Raises
        ------
        ValueError
            If the ensemble was fitted with ``calibration_fraction=None`` (no block rows),
            or the block rows are too few for ``confidence_level``
            (:class:`~sklearn_irnet._calibration.TooFewCalibrationRows`).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_irnet import IRNetRegressor
        >>> from sklearn_irnet.ensemble import DeepEnsembleRegressor
        >>> rng = np.random.RandomState(0)
        >>> X = rng.normal(size=(400, 3))
        >>> y = X[:, 0] + 0.3 * rng.standard_t(3, size=400)
        >>> member = IRNetRegressor(architecture=[(16, 2)], max_iter=10)
        >>> ensemble = DeepEnsembleRegressor(member, n_estimators=3, random_state=0,
        ...                                  calibration_fraction=0.3).fit(X, y)
        >>> lower, upper = ensemble.predict_interval(X[:4], confidence_level=0.9)
        >>> lower.shape, bool((lower < upper).all())
        ((4,), True)
        """
        check_is_fitted(self, "estimators_")
        if not 0 < confidence_level < 1:
            raise ValueError(
                f"confidence_level must be in (0, 1), got {confidence_level!r}.")
        if getattr(self, "calibration_scores_", None) is None:
            if getattr(self, "calibration_rows_", None) is not None:
                raise ValueError(
                    "this ensemble was fitted by an older version of sklearn-irnet, which "
                    "did not keep the calibration rows' errors; refit it to get "
                    "predict_interval.")
            raise ValueError(
                "predict_interval needs the block rows that calibration holds out, but "
                "this ensemble was fitted with calibration_fraction=None; refit with a "
                "calibration_fraction (0.1 by default), or calibrate the ensemble with "
                "MAPIE on rows you hold out.")
        mean, std = self.predict(X, return_std=True)
        q = np.array([conformal_quantile(column, confidence_level)
                      for column in self.calibration_scores_.T])
        half_width = (q if mean.ndim == 2 else q[0]) * std
        return mean - half_width, mean + half_width

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class DeepEnsembleClassifier(ClassifierMixin, _DeepEnsemble):
    """Mean class probabilities of several networks trained from different seeds.

    The classification counterpart of :class:`DeepEnsembleRegressor`: each member is a
    clone of ``estimator`` with its own ``random_state``, fitted on the same data in
    parallel through joblib. ``predict_proba`` averages the members' probabilities (soft
    voting, as :class:`~sklearn.ensemble.VotingClassifier` with ``voting="soft"``), and
    with ``return_std=True`` also returns their standard deviation, how much the members
    disagree about each class. ``predict`` is the class of largest mean probability.

    Parameters
    ----------
    estimator : classifier or None, default=None
        The member model; ``None`` means ``IRNetClassifier()``. It must have a
        ``random_state`` parameter and ``predict_proba``.
    n_estimators : int, default=5
        Number of members.
    n_jobs : int or None, default=None
        Members fitted in parallel (joblib; ``None`` is 1 unless in a
        ``joblib.parallel_config`` context, -1 all cores).
    random_state : int, RandomState instance or None, default=None
        Draws the members' seeds.

    Attributes
    ----------
    estimators_ : list of fitted classifiers
    seeds_ : ndarray of int
        The members' ``random_state``.
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted (every member has the same).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of str
        Names of the features seen during ``fit``, when X had string column names.

    See Also
    --------
    DeepEnsembleRegressor : the same for regression (mean and spread of the predictions).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_irnet import IRNetClassifier
    >>> from sklearn_irnet.ensemble import DeepEnsembleClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(120, 4))
    >>> y = np.where(X[:, 0] > X[:, 1], "metal", "insulator")
    >>> member = IRNetClassifier(architecture=[(16, 2)], max_iter=5)
    >>> ensemble = DeepEnsembleClassifier(member, n_estimators=3, random_state=0).fit(X, y)
    >>> ensemble.classes_
    array(['insulator', 'metal'], dtype='<U9')
    >>> proba, std = ensemble.predict_proba(X[:2], return_std=True)
    >>> proba.shape, std.shape, bool(np.allclose(proba.sum(axis=1), 1))
    ((2, 2), (2, 2), True)
    """

    _parameter_constraints: dict = {
        **_DeepEnsemble._parameter_constraints,
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
    }

    def _default_member(self) -> BaseEstimator:
        return IRNetClassifier()

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: Any, y: Any) -> DeepEnsembleClassifier:
        """Fit ``n_estimators`` members on X and the class labels y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels (numbers or strings).

        Returns
        -------
        self : DeepEnsembleClassifier
        """
        X, y = validate_data(self, X, y, ensure_all_finite=False,
                             dtype=(np.float64, np.float32))
        check_classification_targets(y)
        self._fit_members(X, y)
        self.classes_ = self.estimators_[0].classes_
        for member in self.estimators_[1:]:  # the same y gives every member the same
            if not np.array_equal(member.classes_, self.classes_):  # classes, but check
                raise ValueError(
                    f"The members learnt different classes ({self.classes_!r} and "
                    f"{member.classes_!r}); the ensemble can only average members that "
                    "share classes_.")
        return self

    def predict_proba(self, X: Any, return_std: bool = False) -> Any:
        """Mean class probabilities of the members, and optionally their spread.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        return_std : bool, default=False
            Also return the standard deviation of the members' probabilities.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class of ``classes_``; rows sum to 1.
        proba_std : ndarray of the same shape, only when ``return_std=True``
            Standard deviation of the members' probabilities of each class.
        """
        return self._members_mean(X, "predict_proba", return_std)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The class of largest mean probability.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)  # checks that the ensemble is fitted
        return self.classes_[np.argmax(proba, axis=1)]


def _fit_member(member: Any, X: np.ndarray, y: np.ndarray) -> Any:
    return member.fit(X, y)


def _gives_std(estimator: Any) -> bool:
    """Whether ``estimator.predict(X, return_std=True)`` gives a standard deviation: an
    IRNetRegressor trained with a likelihood loss, or another regressor whose ``predict``
    takes ``return_std``."""
    if isinstance(estimator, IRNetRegressor):
        return estimator._variance_head() is not None
    return "return_std" in inspect.signature(estimator.predict).parameters

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

from ._calibration import fit_std_scale, held_out_blocks, mixture
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

        With ``holdout_fraction``, member ``i`` does not train on a block of rows of its
        own (disjoint blocks, see :func:`~sklearn_irnet._calibration.held_out_blocks`);
        the blocks are returned.
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
            rows = [np.setdiff1d(np.arange(len(X)), block) for block in blocks]
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
    training rows is too small on new rows. When the members predict a standard
    deviation and ``calibration_fraction`` is set, each member leaves out its own
    disjoint block of ``calibration_fraction`` of the training rows (at most
    ``1 / n_estimators`` of them): every block row gets a prediction from a member that
    never saw it, and one factor per target, ``std_scale_``, is fitted so that the
    intervals ``mean ± z * std_scale_ * std`` of those rows cover them at the nominal
    levels from 50 % to 95 % (``z`` the normal quantile). ``predict(X, return_std=True)``
    returns the mixture standard deviation times ``std_scale_``; ``calibrated=False``
    returns the raw mixture. The user holds nothing out: the members together still
    train on every row.

    What is guaranteed, and what is not:

    - the 50-95 % intervals of the held-out rows match their levels as closely as one
      factor allows (exactly at one of those levels), so fresh rows drawn like the
      training rows are covered at about the nominal rate on average over many rows;
      nothing is guaranteed row by row, nor for inputs unlike the training data
      (extrapolation), nor under a shift between training and test data;
    - the factor is fitted on single members' held-out errors and applied to the
      ensemble, whose mean is a little more accurate and whose mixture variance adds the
      members' disagreement, so the intervals lean wide by about the ensemble's gain
      over one member;
    - when the errors have heavier tails than a Gaussian, one factor cannot calibrate
      every level: it then covers the 50 % interval a little too often and the 95 % one
      a little too rarely;
    - each member trains on ``1 - calibration_fraction`` of the rows, which costs each
      a little accuracy (the ensemble's mean sees every row).

    Parameters
    ----------
    estimator : regressor or None, default=None
        The member model; ``None`` means ``IRNetRegressor(loss="absolute_error_nll")``:
        means trained on the absolute error, as the default network, plus a variance
        head. It must have a ``random_state`` parameter.
    n_estimators : int, default=5
        Number of members.
    calibration_fraction : float in (0, 0.5] or None, default=0.1
        Share of the training rows each member leaves out for calibration (capped at
        ``1 / n_estimators``, so that the blocks are disjoint). Used only when the
        members predict a standard deviation. ``None`` trains every member on every row
        and leaves the standard deviation uncalibrated (``std_scale_`` is None).
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
    std_scale_ : ndarray of shape (n_outputs,) or None
        The calibration factor of each target's standard deviation; None when the
        members give no standard deviation or ``calibration_fraction=None``.
    calibration_rows_ : list of ndarray or None
        Row indices (into the training data) that each member left out; None when no
        rows were left out.
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
    >>> mean.shape, std.shape, ensemble.std_scale_.shape
    ((2,), (2,), (1,))
    >>> raw = ensemble.predict(X[:2], return_std=True, calibrated=False)[1]
    >>> bool(np.allclose(std, raw * ensemble.std_scale_))
    True
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
        return IRNetRegressor(loss="absolute_error_nll")

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
        calibrate = self._members_give_std and self.calibration_fraction is not None
        blocks = self._fit_members(X, y, self.calibration_fraction if calibrate else None)
        self.calibration_rows_ = blocks
        self.std_scale_ = None if blocks is None else self._std_scale(X, y, blocks)
        return self

    def _std_scale(self, X: np.ndarray, y: np.ndarray, blocks: list[np.ndarray]
                   ) -> np.ndarray:
        """One factor per target from the members' standardised held-out residuals."""
        z = []
        for member, rows in zip(self.estimators_, blocks, strict=True):
            mean, std = member.predict(X[rows], return_std=True)
            residual = y[rows].reshape(len(rows), -1) - np.reshape(mean, (len(rows), -1))
            std = np.reshape(std, residual.shape)
            with np.errstate(divide="ignore", invalid="ignore"):
                z.append(np.where(residual == 0, 0.0, residual / std))
        z = np.concatenate(z)
        return np.array([fit_std_scale(z[:, j]) for j in range(z.shape[1])])

    def predict(self, X: Any, return_std: bool = False, calibrated: bool = True) -> Any:
        """Mean prediction of the members, and optionally a standard deviation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        return_std : bool, default=False
            Also return the standard deviation: the mixture's (members that predict
            one), else the spread of the members' predictions.
        calibrated : bool, default=True
            With ``return_std``, multiply the standard deviation by ``std_scale_`` (when
            it was fitted). ``False`` returns the raw mixture standard deviation.

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
        if self._members_give_std:
            pairs = [member.predict(X, return_std=True) for member in self.estimators_]
            means = np.stack([mean for mean, _ in pairs])
            mean, std = mixture(means, np.stack([std for _, std in pairs]))
        else:
            mean, std = mixture(np.stack([m.predict(X) for m in self.estimators_]), None)
        if calibrated and self.std_scale_ is not None:
            std = std * (self.std_scale_ if std.ndim == 2 else self.std_scale_[0])
        return mean, std

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

"""Deep ensembles: several networks from different seeds, their spread as the uncertainty."""

from __future__ import annotations

import os
from numbers import Integral
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context, clone
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data

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

    def _fit_members(self, X: np.ndarray, y: np.ndarray) -> None:
        """Seed, clone and fit the members (``seeds_``, ``estimators_``)."""
        template = self._default_member() if self.estimator is None else self.estimator
        if "random_state" not in template.get_params():
            raise ValueError(f"estimator {type(template).__name__} has no random_state "
                             "parameter, so its members could not differ.")
        rng = check_random_state(self.random_state)
        self.seeds_ = rng.randint(np.iinfo(np.int32).max, size=self.n_estimators)
        members = [clone(template).set_params(random_state=int(seed)) for seed in self.seeds_]
        directory = template.get_params().get("checkpoint_dir")
        if directory is not None:  # each member resumes from its own checkpoint
            for i, member in enumerate(members):
                member.set_params(checkpoint_dir=os.path.join(directory, f"member_{i}"))
        self.estimators_ = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_member)(member, X, y) for member in members
        )

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
    """Average of several networks trained from different seeds, with their spread.

    Each member is a clone of ``estimator`` with its own ``random_state`` (weight
    initialisation, batch order and validation split differ), fitted on the same data,
    in parallel through joblib. ``predict`` returns the members' mean, and with
    ``return_std=True`` also their standard deviation, the scikit-learn convention of
    :class:`~sklearn.gaussian_process.GaussianProcessRegressor` (Lakshminarayanan et al.,
    "Simple and scalable predictive uncertainty estimation using deep ensembles",
    NeurIPS 2017, without their adversarial training and variance head).

    The spread measures how much the networks disagree, not the noise in the data, so it
    is usually too narrow to be a calibrated interval by itself; calibrate it on held-out
    data (for example with conformal prediction in MAPIE) before reading it as one.

    Parameters
    ----------
    estimator : regressor or None, default=None
        The member model; ``None`` means ``IRNetRegressor()``. It must have a
        ``random_state`` parameter.
    n_estimators : int, default=5
        Number of members.
    n_jobs : int or None, default=None
        Members fitted in parallel (joblib; ``None`` is 1 unless in a
        ``joblib.parallel_config`` context, -1 all cores). With several jobs, joblib
        limits each worker's torch threads so that the cores are not oversubscribed.
    random_state : int, RandomState instance or None, default=None
        Draws the members' seeds.

    Notes
    -----
    When ``estimator`` has a ``checkpoint_dir``, member ``i`` checkpoints in its
    subfolder ``member_<i>``, so the members never share a checkpoint.

    Attributes
    ----------
    estimators_ : list of fitted regressors
    seeds_ : ndarray of int
        The members' ``random_state``.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of str
        Names of the features seen during ``fit``, when X had string column names.

    See Also
    --------
    DeepEnsembleClassifier : the same for classification (mean class probabilities).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_irnet import IRNetRegressor
    >>> from sklearn_irnet.ensemble import DeepEnsembleRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(120, 4))
    >>> y = X[:, 0] - X[:, 1]
    >>> member = IRNetRegressor(architecture=[(16, 2)], max_iter=5)
    >>> ensemble = DeepEnsembleRegressor(member, n_estimators=3, random_state=0).fit(X, y)
    >>> mean, std = ensemble.predict(X[:2], return_std=True)
    >>> mean.shape, std.shape, bool((std > 0).all())
    ((2,), (2,), True)
    """

    def _default_member(self) -> BaseEstimator:
        return IRNetRegressor()

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: Any, y: Any) -> DeepEnsembleRegressor:
        """Fit ``n_estimators`` members on X and y.

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
        self._fit_members(X, y)
        return self

    def predict(self, X: Any, return_std: bool = False) -> Any:
        """Mean prediction of the members, and optionally their standard deviation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        return_std : bool, default=False
            Also return the standard deviation of the members' predictions.

        Returns
        -------
        y_mean : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        y_std : ndarray of the same shape, only when ``return_std=True``
            Standard deviation of the members' predictions.
        """
        return self._members_mean(X, "predict", return_std)

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

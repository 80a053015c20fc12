"""Deep ensembles: several networks from different seeds, their spread as the uncertainty."""

from __future__ import annotations

import os
from numbers import Integral
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context, clone
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data

from .estimator import IRNetRegressor


class DeepEnsembleRegressor(RegressorMixin, BaseEstimator):
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
    feature_names_in_ : ndarray of str

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
        template = IRNetRegressor() if self.estimator is None else self.estimator
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
        """
        check_is_fitted(self, "estimators_")
        X = validate_data(self, X, reset=False, ensure_all_finite=False,
                          dtype=(np.float64, np.float32))
        predictions = np.stack([member.predict(X) for member in self.estimators_])
        mean = predictions.mean(axis=0)
        return (mean, predictions.std(axis=0)) if return_std else mean

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.input_tags.allow_nan = False
        return tags


def _fit_member(member: Any, X: np.ndarray, y: np.ndarray) -> Any:
    return member.fit(X, y)

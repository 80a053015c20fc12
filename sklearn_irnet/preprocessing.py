"""Small preprocessing transformers used by the baselines of :mod:`sklearn_irnet.compare`."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data


class ClipToTrainingRange(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Clip every column to the range it had in the training data.

    Models that extrapolate (linear models, neural networks) can produce absurd
    predictions for a sample whose feature lies far outside the training range, e.g. a
    Magpie statistic that is non-zero for a single training compound. Clipping bounds the
    input to what the model has seen. :class:`~sklearn_irnet.IRNetRegressor` does the same
    internally (``clip_inputs=True``).

    Attributes
    ----------
    data_min_, data_max_ : ndarray of shape (n_features,)
        Per-column minimum and maximum of the training data.

    Examples
    --------
    >>> import numpy as np
    >>> clipper = ClipToTrainingRange().fit(np.array([[0.0, 1.0], [2.0, 3.0]]))
    >>> clipper.transform(np.array([[5.0, -1.0]]))
    array([[2., 1.]])
    """

    def fit(self, X: Any, y: Any = None) -> ClipToTrainingRange:
        """Record the minimum and maximum of each column."""
        X = validate_data(self, X, dtype=np.float64)
        self.data_min_ = X.min(axis=0)
        self.data_max_ = X.max(axis=0)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Clip X to the training range."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return np.clip(X, self.data_min_, self.data_max_)

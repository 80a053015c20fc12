"""Numeric-feature embeddings measured in the small-data development protocol (issue 28,
item 3), before any of them earns a place in the library.

Two of the embeddings of Gorishniy et al. ("On embeddings for numerical features in
tabular deep learning", NeurIPS 2022), as TabM (ICLR 2025) uses them in front of an MLP:

- :class:`PiecewiseLinearEncoder`: each feature becomes ``n_bins`` values, bin ``t``
  being 0 left of its edges, 1 right of them and linear in between, with edges at the
  training quantiles (the "Q" encoding, fed to the network as new columns);
- the periodic ("PLR") embedding, ``ReLU(W_j [cos 2 pi c_j x, sin 2 pi c_j x] + b_j)``
  per standardised feature with learned frequencies ``c_j``: first measured here, it is
  now the estimators' ``numeric_embedding="periodic"``; :func:`periodic_irnet` gives it
  other initial frequency scales.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data


class PiecewiseLinearEncoder(TransformerMixin, BaseEstimator):
    """Each column as ``n_bins`` piecewise-linear codes on its training quantiles.

    A column with fewer distinct quantiles (a discrete attribute) gets fewer bins; a
    constant column gets none.
    """

    def __init__(self, n_bins: int = 16) -> None:
        self.n_bins = n_bins

    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64)
        levels = np.linspace(0, 1, self.n_bins + 1)
        self.edges_ = [np.unique(np.quantile(column, levels)) for column in X.T]
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        codes = []
        for column, edges in zip(X.T, self.edges_, strict=True):
            if len(edges) < 2:
                continue
            left, width = edges[:-1], np.diff(edges)
            codes.append(np.clip((column[:, None] - left) / width, 0.0, 1.0))
        return np.hstack(codes)


def periodic_irnet(frequency_scale: float = 0.1, n_frequencies: int = 16, n_dims: int = 16,
                   **params):
    """IRNet-17 with the periodic embedding of ``n_frequencies`` frequencies of initial
    standard deviation ``frequency_scale`` and ``n_dims`` dimensions per feature.

    The library's embedding has 16 frequencies of scale 0.1 and ``embedding_dims``
    dimensions: with those, this is ``IRNetRegressor(numeric_embedding="periodic",
    embedding_dims=n_dims)``; other frequencies need a subclass that swaps the module.
    """
    from sklearn_irnet import IRNetRegressor
    from sklearn_irnet._numeric_embedding import PeriodicEmbedding

    params = {"numeric_embedding": "periodic", "embedding_dims": n_dims, **params}
    if (frequency_scale, n_frequencies) == (0.1, 16):
        return IRNetRegressor(**params)

    class PeriodicIRNet(IRNetRegressor):
        def _initial_network(self, config, source):
            module = super()._initial_network(config, source)
            n_features = module.embedding.weight.shape[0]
            module.embedding = PeriodicEmbedding(n_features, n_frequencies, n_dims,
                                                 frequency_scale)
            return module

    return PeriodicIRNet(**params)

"""Numeric-feature embeddings measured in the small-data development protocol (issue 28,
item 3), before any of them earns a place in the library.

Two of the embeddings of Gorishniy et al. ("On embeddings for numerical features in
tabular deep learning", NeurIPS 2022), as TabM (ICLR 2025) uses them in front of an MLP:

- :class:`PiecewiseLinearEncoder`: each feature becomes ``n_bins`` values, bin ``t``
  being 0 left of its edges, 1 right of them and linear in between, with edges at the
  training quantiles (the "Q" encoding, fed to the network as new columns);
- :func:`periodic_irnet`: an :class:`~sklearn_irnet.IRNetRegressor` whose network reads
  each standardised feature ``x`` through ``ReLU(W_j [cos 2 pi c_j x, sin 2 pi c_j x] +
  b_j)``, with learned frequencies ``c_j`` and a linear layer of its own per feature
  (the "PLR" embedding), trained with the rest of the network.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn


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


class PeriodicEmbedding(nn.Module):
    """``ReLU(W_j [cos 2 pi c_j x_j, sin 2 pi c_j x_j] + b_j)`` for every feature ``j``,
    flattened to ``n_features * n_dims`` columns."""

    def __init__(self, n_features: int, n_frequencies: int, n_dims: int,
                 frequency_scale: float) -> None:
        super().__init__()
        self.frequencies = nn.Parameter(torch.randn(n_features, n_frequencies)
                                        * frequency_scale)
        bound = 1 / math.sqrt(2 * n_frequencies)
        self.weight = nn.Parameter(torch.empty(n_features, 2 * n_frequencies, n_dims)
                                   .uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(n_features, n_dims).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        angle = 2 * math.pi * x.unsqueeze(-1) * self.frequencies
        periodic = torch.cat([torch.cos(angle), torch.sin(angle)], dim=-1)
        out = torch.einsum("nfk,fkd->nfd", periodic, self.weight) + self.bias
        return torch.relu(out).flatten(1)


class _Embedded(nn.Module):
    """An embedding in front of a :class:`~sklearn_irnet.network.DeepRegressionNetwork`."""

    def __init__(self, embedding: nn.Module, network: nn.Module) -> None:
        super().__init__()
        self.embedding, self.network = embedding, network
        self.n_members = network.n_members
        self.body = network.body

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.network(self.embedding(x))


def periodic_irnet(n_frequencies: int = 16, n_dims: int = 16, frequency_scale: float = 0.1,
                   **params):
    """An IRNetRegressor (from scratch) whose network starts with a
    :class:`PeriodicEmbedding`."""
    import dataclasses

    from sklearn_irnet import IRNetRegressor

    class PeriodicIRNet(IRNetRegressor):
        def _initial_network(self, config, source):
            if source is not None:
                raise ValueError("the periodic embedding is measured from scratch only")
            n_features = config.n_features
            network = dataclasses.replace(config, n_features=n_features * n_dims).build()
            return _Embedded(PeriodicEmbedding(n_features, n_frequencies, n_dims,
                                               frequency_scale), network)

    return PeriodicIRNet(**params)

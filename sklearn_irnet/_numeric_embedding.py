"""Embeddings of numeric input features, in front of the hidden layers.

:class:`PeriodicEmbedding` is the "PLR" embedding of Gorishniy et al. ("On embeddings
for numerical features in tabular deep learning", NeurIPS 2022): each standardised
feature becomes a small vector of learned sine and cosine features followed by a linear
layer and a ReLU of its own. An MLP reading those vectors can fit functions that change
quickly along one feature, which a first linear layer on the raw value cannot.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class PeriodicEmbedding(nn.Module):
    """``ReLU(W_j [cos(2 pi c_j x_j), sin(2 pi c_j x_j)] + b_j)`` for every feature ``j``.

    Parameters
    ----------
    n_features : int
        Number of input features.
    n_frequencies : int, default=16
        Number of learned frequencies ``c_j`` per feature (drawn from a normal of
        standard deviation ``frequency_scale``).
    n_dims : int, default=4
        Width of each feature's embedding; the module returns ``n_features * n_dims``
        columns, feature by feature. 4 is the estimators' default (``embedding_dims``):
        on the development folds of ``docs/user_guide/defaults.md`` it kept most of the
        gain of 16 at 1.2 instead of 1.9 times the step time of IRNet-17.
    frequency_scale : float, default=0.1
        Standard deviation of the initial frequencies, for standardised inputs. Chosen
        on Matbench steels' development folds (0.1 against 0.03 and 1.0, see
        ``docs/user_guide/defaults.md``).

    Examples
    --------
    >>> embedding = PeriodicEmbedding(3, n_frequencies=4, n_dims=2)
    >>> embedding(torch.zeros(5, 3)).shape
    torch.Size([5, 6])
    """

    def __init__(self, n_features: int, n_frequencies: int = 16, n_dims: int = 4,
                 frequency_scale: float = 0.1) -> None:
        super().__init__()
        if min(n_features, n_frequencies, n_dims) < 1 or frequency_scale <= 0:
            raise ValueError("n_features, n_frequencies and n_dims must be >= 1 and "
                             f"frequency_scale > 0, got {n_features}, {n_frequencies}, "
                             f"{n_dims} and {frequency_scale}.")
        self.frequency_scale = float(frequency_scale)
        self.frequencies = nn.Parameter(torch.empty(n_features, n_frequencies))
        self.weight = nn.Parameter(torch.empty(n_features, 2 * n_frequencies, n_dims))
        self.bias = nn.Parameter(torch.empty(n_features, n_dims))
        self.reset_parameters()

    def extra_repr(self) -> str:
        n_features, width, n_dims = self.weight.shape
        return (f"n_features={n_features}, n_frequencies={width // 2}, n_dims={n_dims}, "
                f"frequency_scale={self.frequency_scale}")

    @property
    def n_outputs(self) -> int:
        """Number of columns the embedding returns."""
        return self.bias.numel()

    def reset_parameters(self) -> None:
        """Frequencies from ``N(0, frequency_scale**2)``; each feature's linear layer
        uniform in ``+-1 / sqrt(fan_in)``, as ``torch.nn.Linear``."""
        with torch.no_grad():
            self.frequencies.normal_(0.0, self.frequency_scale)
            bound = 1 / math.sqrt(self.weight.shape[1])
            self.weight.uniform_(-bound, bound)
            self.bias.uniform_(-bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        angle = (2 * math.pi) * x.unsqueeze(-1) * self.frequencies
        periodic = torch.cat([torch.cos(angle), torch.sin(angle)], dim=-1)
        hidden = torch.einsum("nfk,fkd->nfd", periodic, self.weight) + self.bias
        return torch.relu(hidden).flatten(1)


NUMERIC_EMBEDDINGS = {"periodic": PeriodicEmbedding}
"""Embeddings available by name (``numeric_embedding`` of the estimators)."""

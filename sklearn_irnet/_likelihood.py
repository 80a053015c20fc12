"""The Gaussian likelihood loss: a network that predicts a mean and a variance per target.

With ``loss="gaussian_nll"`` the output layer of
:class:`~sklearn_irnet.network.DeepRegressionNetwork` is twice as wide as the target: for
``k`` targets, columns ``0..k-1`` are the means and columns ``k..2k-1`` are unconstrained
numbers that :func:`variance_from_raw` (torch) and :func:`numpy_variance_from_raw` (numpy)
turn into variances, both in the units the network trains on (the standardised target by
default).

The variance is ``softplus(raw) + MIN_VARIANCE``, not ``exp(raw)``:

- with ``exp``, the gradient of the loss with respect to ``raw`` is
  ``0.5 * (1 - r**2 * exp(-raw))``, which grows exponentially when the network has made a
  row's variance small and then meets a large residual ``r`` (a common cause of NaN
  losses in likelihood training); ``softplus`` grows only linearly, so the variance of a
  badly fitted row rises at a bounded rate;
- the floor keeps ``r**2 / variance`` finite on rows that the network fits exactly, so
  the loss cannot run to minus infinity by shrinking one row's variance to zero.
  ``1e-6`` in standardised units is a standard deviation of 0.1 % of the target's spread,
  below any noise a materials property is measured with.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

#: floor on the predicted variance, in the units the network trains on
MIN_VARIANCE = 1e-6

_LOG_2PI = math.log(2 * math.pi)


def variance_from_raw(raw: torch.Tensor) -> torch.Tensor:
    """Variance from the network's unconstrained variance outputs: ``softplus + floor``.

    Examples
    --------
    >>> variance_from_raw(torch.tensor([0.0])).item() > 0.69
    True
    """
    return F.softplus(raw) + MIN_VARIANCE


def numpy_variance_from_raw(raw: np.ndarray) -> np.ndarray:
    """The numpy twin of :func:`variance_from_raw` (``log(1 + exp(raw)) + floor``).

    Examples
    --------
    >>> float(numpy_variance_from_raw(np.array([0.0]))[0]) == math.log(2) + MIN_VARIANCE
    True
    """
    return np.logaddexp(0.0, raw) + MIN_VARIANCE


class GaussianNLLLoss(nn.Module):
    """Mean negative log-likelihood of the targets under the predicted Gaussians.

    ``y_pred`` has ``2 k`` columns for ``k`` targets: the means, then the raw variance
    outputs (see :func:`variance_from_raw`). The loss per row and target is
    ``0.5 * (log(2 pi var) + (y - mean)**2 / var)``, averaged over rows and targets, so
    its value is the average negative log-density (in nats, in the training units).

    Examples
    --------
    >>> loss = GaussianNLLLoss()
    >>> y_pred = torch.tensor([[0.0, 100.0]])  # mean 0, variance about 100
    >>> round(loss(y_pred, torch.tensor([[0.0]])).item(), 3)  # 0.5 * log(2 pi 100)
    3.222
    """

    #: the variance columns are part of the output layer, trained with the means
    variance_head = "joint"

    def forward(self, y_pred: torch.Tensor, y_true: torch.Tensor) -> torch.Tensor:
        y_true = y_true.reshape(len(y_true), -1)
        k = y_true.shape[1]
        if y_pred.shape[1] != 2 * k:
            raise ValueError(
                f"GaussianNLLLoss needs 2 network outputs per target (mean and variance), "
                f"got {y_pred.shape[1]} outputs for {k} target(s)."
            )
        mean, variance = y_pred[:, :k], variance_from_raw(y_pred[:, k:])
        return 0.5 * (_LOG_2PI + torch.log(variance) + (y_true - mean) ** 2 / variance).mean()


class AbsoluteErrorGaussianNLLLoss(GaussianNLLLoss):
    """Mean absolute error for the means plus the Gaussian NLL of the residuals.

    The means train on the absolute error alone, exactly as with ``loss="absolute_error"``
    (the variance term sees the means detached, so it sends them no gradient); the
    variances train on the Gaussian negative log-likelihood of the residuals around those
    means, so each row's variance estimates ``E[(y - mean)**2 | x]``.

    The loss's *value* is the absolute error alone (the likelihood term enters as
    ``nll - nll.detach()``: zero, with the likelihood's gradient). So the training and
    validation losses that early stopping watches are those of ``"absolute_error"``, and
    a variance head that is still settling (its likelihood jumps while the hidden layers
    move under it) cannot stop the training of the means early.

    Why: a network trained on the full likelihood also moves its means to suit the
    variances: it can shrink the weight of badly fitted rows by raising their variance
    instead of fitting them, and early in training ``(y - mean) / var`` on rows whose
    variance is already small makes large, unstable steps. Keeping the means on the
    absolute error keeps the point accuracy of the default loss (and its robustness to
    outliers), and the variance head adds the noise estimate.

    Examples
    --------
    >>> loss = AbsoluteErrorGaussianNLLLoss()
    >>> y_pred = torch.tensor([[1.0, 100.0]])
    >>> loss(y_pred, torch.tensor([[0.0]])).item()  # the absolute error
    1.0
    """

    #: the variance columns come from a head on the detached last hidden layer
    variance_head = "detached"

    def forward(self, y_pred: torch.Tensor, y_true: torch.Tensor) -> torch.Tensor:
        y_true = y_true.reshape(len(y_true), -1)
        k = y_true.shape[1]
        mean = y_pred[:, :k]
        nll = super().forward(torch.cat([mean.detach(), y_pred[:, k:]], dim=1), y_true)
        return (y_true - mean).abs().mean() + (nll - nll.detach())

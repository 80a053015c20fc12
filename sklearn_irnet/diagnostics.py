"""Look inside a network: the gradient that reaches each layer.

:func:`layer_gradient_norms` runs one forward and backward pass and returns the norm of the
loss gradient with respect to the weights of every hidden layer and of the output layer.
Deep plain networks with BatchNorm show a gradient that grows (or shrinks) from layer to
layer; with a shortcut around every layer (IRNet) it stays within a narrow band. This is the
measurement behind ``examples/plot_depth_gradients.py`` and ``tests/test_depth.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from .network import DenseLayer


def _module_of(model: Any) -> nn.Module:
    """The torch module of a fitted estimator (``net_.module_``) or the module itself."""
    if isinstance(model, nn.Module):
        return model
    net = getattr(model, "net_", None)
    if net is None:
        raise TypeError(
            "Expected a torch module or a fitted IRNetRegressor/IRNetClassifier, got "
            f"{type(model).__name__}."
        )
    return net.module_


def layer_gradient_norms(
    model: Any,
    X: Any,
    y: Any,
    *,
    loss: nn.Module | None = None,
) -> np.ndarray:
    """Norm of the loss gradient of each layer's weight matrix, from input to output.

    The module is put in training mode (BatchNorm uses the batch statistics, as during
    training), one batch ``X`` is passed forward and the loss against ``y`` backward. The
    module is left as it was: its gradients are cleared, its mode and its BatchNorm running
    statistics restored.

    Parameters
    ----------
    model : torch.nn.Module or fitted IRNetRegressor
        A :class:`~sklearn_irnet.network.DeepRegressionNetwork` (or any module whose hidden
        layers are :class:`~sklearn_irnet.network.DenseLayer` and whose output layer is
        ``head``), or a fitted estimator whose network is used. An estimator standardises
        inputs and targets internally: pass ``X`` and ``y`` already on that scale.
    X : array-like of shape (n_samples, n_features)
        One batch of inputs (at least 2 rows: BatchNorm).
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Targets of the batch.
    loss : torch.nn.Module, default=None
        Loss function; ``None`` means the mean absolute error (the papers' loss).

    Returns
    -------
    numpy.ndarray of shape (n_hidden_layers + 1,)
        Frobenius norm of the gradient of each hidden layer's ``Linear`` weight, in order,
        then of the output layer's weight. Shortcut projections are not included.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_irnet.architecture import resolve_architecture
    >>> from sklearn_irnet.network import DeepRegressionNetwork
    >>> torch.manual_seed(0) and None
    >>> net = DeepRegressionNetwork(3, resolve_architecture([(8, 2)])[0])
    >>> norms = layer_gradient_norms(net, np.ones((4, 3)) * [[0], [1], [2], [3]], np.arange(4.0))
    >>> norms.shape, bool(np.all(norms > 0))
    ((3,), True)
    """
    module = _module_of(model)
    layers = [m.linear for m in module.modules() if isinstance(m, DenseLayer)]
    parameter = next(module.parameters())
    inputs = torch.as_tensor(np.asarray(X), dtype=parameter.dtype, device=parameter.device)
    target = torch.as_tensor(np.asarray(y), dtype=parameter.dtype, device=parameter.device)
    was_training = module.training
    buffers = {name: value.clone() for name, value in module.named_buffers()}
    module.train()
    module.zero_grad(set_to_none=True)
    try:
        output = module(inputs)
        target = target.reshape(output.shape)
        (loss or nn.L1Loss())(output, target).backward()
        norms = [float(layer.weight.grad.norm()) for layer in (*layers, module.head)]
    finally:
        module.zero_grad(set_to_none=True)
        module.train(was_training)
        with torch.no_grad():
            for name, value in module.named_buffers():
                value.copy_(buffers[name])
    return np.array(norms)

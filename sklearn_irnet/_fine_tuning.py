"""Fine-tuning a pre-trained network: what :class:`~sklearn_irnet._base.IRNetBase` does
when ``pretrained`` names a saved model.

The new network has the pre-trained one's hidden layers and weights, an output layer of
its own (sized for this target), this estimator's ``dropout``, and, with ``freeze_stacks``,
skorch's :class:`~skorch.callbacks.Freezer` keeping the first stacks fixed.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch
from skorch.callbacks import Freezer

from .network_config import NetworkConfig, resolve_output_init
from .pretrained import load_for_inputs


class FineTuningMixin:
    """The fine-tuning part of the estimators (``pretrained``, ``freeze_stacks``)."""

    def _pretrained_model(self, X: np.ndarray) -> Any:
        """The model named by ``pretrained``, checked against X."""
        source = load_for_inputs(self.pretrained, X.shape[1],
                                 getattr(self, "feature_names_in_", None))
        n_stacks = len(source.network_config_.stacks)
        if self.freeze_stacks > n_stacks:
            raise ValueError(f"freeze_stacks={self.freeze_stacks}, but the pre-trained "
                             f"network has only {n_stacks} hidden stacks.")
        return source

    def _fine_tuning_config(self, source: Any, n_outputs: int) -> NetworkConfig:
        """The pre-trained network with an output layer for this target and this
        estimator's ``dropout`` (a training-time setting with no weights of its own)."""
        base = source.network_config_
        output_init = resolve_output_init(self.output_init, base.stacks)
        return self._with_own_dropout(
            self._adapt_config(dataclasses.replace(base, n_outputs=n_outputs,
                                                   output_init=output_init,
                                                   n_members=self.n_members)))

    def _with_own_dropout(self, config: NetworkConfig) -> NetworkConfig:
        """``config`` with this estimator's ``dropout``: a pre-trained network takes it
        when fine-tuned and keeps it through warm starts."""
        return dataclasses.replace(config, dropout=float(self.dropout))

    def _initial_network(self, config: NetworkConfig, source: Any) -> torch.nn.Module:
        """A new network; with a pre-trained source, its hidden weights copied in (the net's
        ``freezer`` callback keeps the first ``freeze_stacks`` stacks fixed)."""
        module = config.build()
        if source is None:
            return module
        new_parts = ("head.", "variance_head.", "member_scale")
        hidden = {k: v for k, v in source.net_.module_.state_dict().items()
                  if not k.startswith(new_parts)}
        missing, unexpected = module.load_state_dict(hidden, strict=False)
        assert not unexpected and all(k.startswith(new_parts) for k in missing)
        return module

    def _freezer(self, config: NetworkConfig | None) -> Freezer | None:
        """skorch's ``Freezer`` of the first ``freeze_stacks`` stacks of ``config``'s
        network, applied at the start of every epoch (not only the first), so that warm
        starts and resumed fits keep them fixed too; None when nothing is frozen."""
        if self.pretrained is None or not self.freeze_stacks or config is None:
            return None
        # the input embedding, if the pre-trained network has one, comes before them
        frozen = ["embedding.*",
                  *(f"body.{i}.*" for i in range(config.n_blocks(self.freeze_stacks)))]
        return Freezer(frozen, at=_every_epoch)


def _every_epoch(net: Any) -> bool:
    """When skorch's ``Freezer`` applies: at the start of every epoch."""
    return True

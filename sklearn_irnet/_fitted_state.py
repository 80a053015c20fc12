"""Saving and rebuilding a fitted network: what a file written by ``save`` holds.

:class:`FittedStateMixin` gives :class:`~sklearn_irnet._base.IRNetBase` its persistence
protocol: :meth:`~FittedStateMixin.fitted_state` turns a fitted model into tensors and
JSON-ready attributes, :meth:`~FittedStateMixin.from_fitted_state` rebuilds the model from
them, and ``save``/``load`` write and read them through :mod:`sklearn_irnet.persistence`.
A subclass adds its own fitted attributes through ``_extra_fitted_state`` and
``_restore_extra_state``.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from . import persistence
from .network_config import NetworkConfig


class FittedStateMixin:
    """Persistence of a fitted IRNet estimator (weights, scaling and fitted attributes)."""

    def save(self, path: str | os.PathLike[str], *, weights_dtype: str = "float32") -> Any:
        """Write the fitted model to a safetensors file (no pickle); see
        :func:`sklearn_irnet.persistence.save_model`."""
        return persistence.save_model(self, path, weights_dtype=weights_dtype)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, device: str = "cpu") -> Any:
        """Read a model written by :meth:`save`; see
        :func:`sklearn_irnet.persistence.load_model`."""
        return persistence.load_model(path, device=device, expected_class=cls)

    # The persistence protocol: what a saved file holds, and how a model is rebuilt from it.
    _SCALING: tuple[str, ...] = ("input_mean_", "input_scale_", "input_min_", "input_max_")
    _FITTED: tuple[str, ...] = ("n_iter_", "best_validation_score_", "best_loss_", "architecture_",
               "n_parameters_", "n_features_in_", "loss_curve_", "validation_loss_curve_",
               "validation_scores_", "lr_curve_")

    def fitted_state(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """The fitted model as tensors and JSON-ready attributes (used by ``save``).

        Returns
        -------
        tensors : dict of str to Tensor
            Network weights (``"module.<name>"``, on the CPU) and the input and target
            scaling (``"scaling.<attribute>"``).
        attributes : dict
            The network configuration (``"network"``, see
            :meth:`NetworkConfig.to_dict <sklearn_irnet.network_config.NetworkConfig.to_dict>`)
            and the other fitted attributes, as plain JSON data.
        """
        check_is_fitted(self, "net_")
        tensors = {f"module.{k}": v.detach().cpu().contiguous()
                   for k, v in self.net_.module_.state_dict().items()}
        for name in self._SCALING:
            tensors[f"scaling.{name}"] = torch.from_numpy(np.asarray(getattr(self, name), float))
        attributes: dict[str, Any] = {name: getattr(self, name) for name in self._FITTED}
        attributes["network"] = self.network_config_.to_dict()
        attributes.update(self._extra_fitted_state())
        if hasattr(self, "feature_names_in_"):
            attributes["feature_names_in_"] = [str(n) for n in self.feature_names_in_]
        return tensors, attributes

    @classmethod
    def from_fitted_state(
        cls,
        params: dict[str, Any],
        tensors: dict[str, torch.Tensor],
        attributes: dict[str, Any],
        *,
        device: str = "cpu",
    ) -> Any:
        """Rebuild a fitted model from ``get_params()`` and :meth:`fitted_state` (used by
        ``load``).

        Raises
        ------
        ValueError
            If the weights do not fit the stored network configuration.
        """
        model = cls(**{**params, "device": device})
        config = NetworkConfig.from_dict(attributes["network"])
        if model.pretrained is not None and model.dropout != config.dropout:
            # fine-tuned before dropout applied to pre-trained layers: the network is what
            # was trained, so the parameter follows it (a warm start then continues it)
            model.dropout = config.dropout
        module = config.build()
        state = {k.removeprefix("module."): v for k, v in tensors.items()
                 if k.startswith("module.")}
        try:
            module.load_state_dict(state, strict=True)
        except RuntimeError as error:
            raise ValueError(
                f"the stored weights do not fit the stored network "
                f"{attributes.get('architecture_')!r}: {str(error).splitlines()[0]}"
            ) from None
        model._restore_extra_state(tensors, attributes)
        model.net_ = model._make_net(module, device, config)
        for name in cls._SCALING:
            setattr(model, name, tensors[f"scaling.{name}"].numpy())
        for name in cls._FITTED:
            setattr(model, name, attributes[name])
        if "feature_names_in_" in attributes:
            model.feature_names_in_ = np.asarray(attributes["feature_names_in_"], dtype=object)
        model.network_config_ = config
        model._fitted_key = model._warm_start_key(config)
        model._device = device
        return model

    def _extra_fitted_state(self) -> dict[str, Any]:
        """JSON-ready fitted attributes of the subclass for :meth:`fitted_state`."""
        return {}

    def _restore_extra_state(
        self, tensors: dict[str, torch.Tensor], attributes: dict[str, Any]
    ) -> None:
        """Set the subclass's fitted attributes from a saved file (inverse of
        :meth:`_extra_fitted_state`)."""


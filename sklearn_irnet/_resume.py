"""Resuming a fit from the checkpoint in ``checkpoint_dir``.

:class:`ResumeMixin` gives :class:`~sklearn_irnet._base.IRNetBase` the part of ``fit``
that writes a checkpoint after every epoch and, when the same fit runs again, checks that
the checkpoint belongs to it (same parameters, same data) and restores the net from it.
The checkpoint files themselves are :mod:`sklearn_irnet._checkpoint`'s.
"""

from __future__ import annotations

import copy
import json
import os
from numbers import Integral
from typing import Any

import torch

from ._checkpoint import (
    BestWeightsFile,
    EpochCheckpoint,
    best_weights,
    changed_settings,
    read_checkpoint,
)
from ._schedule import fused_step_available
from ._training import TabularNetBase, set_fit_callbacks

#: parameters that say where or how verbosely to run, not what to train: a checkpoint
#: written under other values of these is resumed
RUN_ONLY_PARAMS = ("verbose", "n_threads", "device", "checkpoint_dir", "callbacks",
                   "warm_start", "data_parallel")


class ResumeMixin:
    """Checkpoint writing and resuming for an IRNet estimator's ``fit``."""

    def _install_checkpointing(self, net: TabularNetBase, fit_state: dict[str, Any]) -> None:
        """Checkpoint callbacks for this fit (removed when ``checkpoint_dir`` is None)."""
        checkpoint = best_file = None
        if self.checkpoint_dir is not None:
            directory = os.fspath(self.checkpoint_dir)
            checkpoint = EpochCheckpoint(directory, fit_state).initialize()
            if self.early_stopping:
                best_file = BestWeightsFile(directory).initialize()
        before = [("lr_schedule", dict(net.callbacks_).get("lr_schedule")),
                  ("checkpoint", checkpoint)]
        set_fit_callbacks(net, before_stopper=before,
                           after_stopper=[("best_weights_file", best_file)])

    def _checkpoint_params(self, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """The parameters a checkpoint must match, as JSON data (not those that only say
        where or how verbosely to run)."""
        params = dict(self.get_params() if params is None else params)
        for name in RUN_ONLY_PARAMS:
            params.pop(name)
        if not isinstance(params["random_state"], Integral | None):
            params["random_state"] = "RandomState instance"
        return json.loads(json.dumps(params, default=repr))

    def _matching_checkpoint(self, fit_identity: dict[str, str]) -> dict[str, Any] | None:
        checkpoint = read_checkpoint(self.checkpoint_dir)
        if checkpoint is None:
            return None
        directory = os.fspath(self.checkpoint_dir)
        defaults = self._checkpoint_params(type(self)().get_params())
        changed = changed_settings(json.loads(checkpoint["params"]),
                                   json.loads(fit_identity["params"]), defaults)
        if changed:
            raise ValueError(
                f"checkpoint_dir={directory!r} holds a checkpoint of another fit: the "
                f"parameters {changed} differ, so this fit cannot resume from it. Delete that "
                "directory to start afresh, or choose another checkpoint_dir."
            )
        if checkpoint["data"] != fit_identity["data"]:
            raise ValueError(
                f"checkpoint_dir={directory!r} holds a checkpoint of another fit: it was "
                "trained on other data (X or y differ), so this fit cannot resume from it. "
                "Delete that directory to start afresh, or choose another checkpoint_dir."
            )
        return checkpoint

    def _restore_checkpoint(self, net: TabularNetBase, checkpoint: dict[str, Any]) -> int:
        """Load a checkpoint into a new net; return the epoch its schedule started at."""
        net.module_.load_state_dict(checkpoint["module"])
        net.optimizer_.load_state_dict(checkpoint["optimizer"])
        fused = fused_step_available(torch.device(net.device).type) or None
        for group in net.optimizer_.param_groups:  # a checkpoint may come from another device
            if "fused" in group:
                group["fused"] = fused
        net.history = type(net.history)(checkpoint["history"])
        start = int(checkpoint["start_epoch"])
        stopper = self._configure_stopper(net)
        probe = copy.copy(stopper)
        probe.on_train_begin(net)
        probe.replay(net.history, start)
        weights = best_weights(self.checkpoint_dir, probe.best_epoch_, checkpoint)
        stopper.resume_ = (start, weights)
        return start


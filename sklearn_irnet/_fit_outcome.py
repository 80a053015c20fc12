"""How a fit of :class:`~sklearn_irnet._base.IRNetBase` ended, and what happens then.

- :meth:`FitOutcomeMixin._report_outcome`: a warning when training was interrupted or
  stopped while still improving; after a divergence (a non-finite training loss), the best
  validation epoch's weights restored, or a ``FloatingPointError`` saying what to change.
- :class:`NetSnapshot`: what training changes in a fitted skorch net, so that a warm start
  that fails leaves the estimator exactly as it was.
"""

from __future__ import annotations

import copy
import warnings

from sklearn.exceptions import ConvergenceWarning

from ._checkpoint import ResumableEarlyStopping
from ._training import TabularNetBase, TrainingDiverged


class FitOutcomeMixin:
    """Warnings and divergence recovery at the end of a fit (``_SCALING_ADVICE`` names
    the settings that keep training stable)."""

    def _report_outcome(
        self,
        net: TabularNetBase,
        stopper: ResumableEarlyStopping,
        n_new_epochs: int,
        diverged: TrainingDiverged | None,
    ) -> None:
        """Warn about interrupted or unconverged training; recover from divergence."""
        if diverged is not None:
            self._recover_from_divergence(net, stopper, diverged)
        elif stopper.misses_ >= stopper.patience:
            return
        elif n_new_epochs < self.max_iter:
            kept = "best weights so far" if self.early_stopping else "last weights"
            warnings.warn(
                f"Training was interrupted after {n_new_epochs} of max_iter={self.max_iter} "
                f"epochs; the model is usable and keeps the {kept}.",
                UserWarning,
                stacklevel=5,
            )
        elif self.learning_rate == "constant":
            warnings.warn(
                f"Stopped after max_iter={self.max_iter} epochs while the monitored loss was "
                "still improving; consider increasing max_iter.",
                ConvergenceWarning,
                stacklevel=5,
            )

    def _recover_from_divergence(
        self, net: TabularNetBase, stopper: ResumableEarlyStopping, diverged: TrainingDiverged
    ) -> None:
        if stopper.best_model_weights_ is not None:
            net.module_.load_state_dict(stopper.best_model_weights_)
            warnings.warn(
                f"Training diverged ({diverged}); the weights of the best validation epoch "
                f"({stopper.best_epoch_}) were restored. Lower learning_rate_init or keep "
                f"{self._SCALING_ADVICE}.",
                UserWarning,
                stacklevel=6,
            )
            return
        fallback = ("no earlier epoch had a finite validation loss to fall back to"
                    if self.early_stopping else "without early_stopping there are no best "
                    "weights to fall back to")
        raise FloatingPointError(
            f"Training diverged: {diverged}, and {fallback}. Lower learning_rate_init, keep "
            f"{self._SCALING_ADVICE}, or check X and y for extreme values."
        )


class NetSnapshot:
    """What training changes in a fitted skorch net, to undo a failed warm start."""

    def __init__(self, net: TabularNetBase) -> None:
        self.net = net
        self.module = copy.deepcopy(net.module_.state_dict())
        self.optimizer_object = net.optimizer_  # a warm start may replace it (new solver)
        self.optimizer = copy.deepcopy(net.optimizer_.state_dict())
        self.history = copy.deepcopy(net.history)
        self.callbacks = list(net.callbacks_)
        self.attributes = {name: getattr(net, name) for name in _NET_FIT_ATTRIBUTES
                           if hasattr(net, name)}

    def restore(self) -> None:
        net = self.net
        net.module_.load_state_dict(self.module)
        net.optimizer_ = self.optimizer_object
        net.optimizer_.load_state_dict(self.optimizer)
        net.history = self.history
        net.callbacks_ = self.callbacks
        for name, value in self.attributes.items():
            setattr(net, name, value)


_NET_FIT_ATTRIBUTES = ("max_epochs", "lr", "optimizer", "iterator_train__shuffler",
                       "iterator_train__batch_size", "iterator_valid__batch_size",
                       "train_split", "verbose", "autocast_dtype")

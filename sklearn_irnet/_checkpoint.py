"""Resumable training: a checkpoint written after every epoch, read back by the next fit.

A long fit (hours on a CPU) can be stopped at any time, by a budget, a crash or the end of
a session, and the same ``fit`` call run again continues from the last finished epoch with
the same network weights, optimiser state, history, batch order, learning-rate schedule
position and early-stopping state, so that the resumed fit ends where an uninterrupted one
would have (bit for bit on a CPU without dropout).

The checkpoint is one file, written to a temporary name and renamed, so a fit killed while
writing leaves the previous epoch's checkpoint intact. It is read with
``torch.load(weights_only=True)``, which runs no code from the file.

Why not skorch's ``Checkpoint`` and ``LoadInitState``: they write the parameters, the
optimiser, the criterion and the history as separate files one after the other (a kill
between two writes leaves a mixed set), and keep neither the batch order, the schedule
position nor the early-stopping state, so a resumed
fit would not end where an uninterrupted one does; nor do they check that the checkpoint
belongs to the same parameters and data (:mod:`~sklearn_irnet._resume` does).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from skorch.callbacks import Callback, EarlyStopping

CHECKPOINT_NAME = "checkpoint.pt"
BEST_NAME = "best_weights.pt"
_FORMAT = 1


def data_digest(X: np.ndarray, y: np.ndarray) -> str:
    """A digest of the training data that a checkpoint belongs to.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.zeros((3, 2)), np.zeros(3)
    >>> data_digest(X, y) == data_digest(X.copy(), y.copy())
    True
    >>> data_digest(X, y) == data_digest(X, y + 1)
    False
    """
    digest = hashlib.blake2b(digest_size=16)
    for array in (X, y):
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype}{array.shape}".encode())
        digest.update(array.view(np.uint8).reshape(-1).data)
    return digest.hexdigest()


def changed_settings(
    saved: dict[str, Any], current: dict[str, Any], defaults: dict[str, Any]
) -> list[str]:
    """Names of the parameters whose values differ between a checkpoint and this fit.

    A parameter the checkpoint does not know (added in a later release) counts as its
    default value, so that upgrading the package does not orphan a running checkpoint.

    Examples
    --------
    >>> changed_settings({"a": 1}, {"a": 1, "b": 0}, {"a": 1, "b": 0})
    []
    >>> changed_settings({"a": 1}, {"a": 2, "b": 5}, {"a": 1, "b": 0})
    ['a', 'b']
    """
    return sorted(name for name, value in current.items()
                  if saved.get(name, defaults.get(name)) != value)


class ResumableEarlyStopping(EarlyStopping):
    """skorch's ``EarlyStopping`` whose state can be rebuilt from a resumed history.

    Before training starts, :meth:`replay` sets the patience counter, the improvement
    threshold and the best epoch from the epochs already in the history (from
    ``start_epoch`` on), with the same rule the callback applies epoch by epoch.
    """

    def on_train_begin(self, net: Any, **kwargs: Any) -> None:
        super().on_train_begin(net, **kwargs)
        resume = getattr(self, "resume_", None)
        if resume is not None:
            start_epoch, best_weights = resume
            self.replay(net.history, start_epoch)
            self.best_model_weights_ = best_weights if self.load_best else None

    def replay(self, history: Any, start_epoch: int) -> None:
        """Apply the stopping rule to the recorded epochs from ``start_epoch`` on."""
        for row in list(history)[start_epoch:]:
            score = row.get(self.monitor, math.nan)
            if self._is_score_improved(score):
                self.misses_ = 0
                self.dynamic_threshold_ = self._calc_new_threshold(score)
                self.best_epoch_ = row["epoch"]
            else:
                self.misses_ += 1

    def has_stopped(self) -> bool:
        """Whether the patience is used up."""
        return self.misses_ >= self.patience


class EpochCheckpoint(Callback):
    """Write the training state to ``directory`` at the end of every epoch.

    Place it before the early-stopping callback: it saves each epoch's weights before
    early stopping may end training, and the early-stopping state is rebuilt from the
    saved history (:class:`ResumableEarlyStopping`). What the callbacks after it record
    in an epoch's history row is added to the saved history when the next epoch begins
    and when training ends, so a process killed between two epochs loses none of it.

    Parameters
    ----------
    directory : str or path-like
    fit_state : dict
        Plain data identifying the fit (parameters, data digest, seed, schedule start),
        stored as is.
    """

    def __init__(self, directory: str | os.PathLike[str], fit_state: dict[str, Any]) -> None:
        self.directory = directory
        self.fit_state = fit_state

    def on_epoch_end(self, net: Any, **kwargs: Any) -> None:
        state = {
            "format": _FORMAT,
            **self.fit_state,
            "module": net.module_.state_dict(),
            "optimizer": net.optimizer_.state_dict(),
            "history": json.dumps(net.history.to_list()),
        }
        _atomic_save(state, Path(self.directory) / CHECKPOINT_NAME)
        self.saved_epoch_ = net.history[-1, "epoch"]
        self.saved_row_ = json.dumps(net.history[-1])

    def on_epoch_begin(self, net: Any, **kwargs: Any) -> None:
        # the net has opened the new epoch's history row; the finished one is complete
        # now, so a process killed during this epoch resumes with what callbacks that run
        # after this one (early stopping, the user's) recorded in it
        self._store_finished_history(net.history.to_list()[:-1])

    def on_train_end(self, net: Any, **kwargs: Any) -> None:
        self._store_finished_history(net.history.to_list())

    def _store_finished_history(self, rows: list[dict[str, Any]]) -> None:
        """Rewrite the saved history when its last epoch's row gained values since the
        checkpoint was written (weights and optimiser state stay as saved)."""
        if (not rows or getattr(self, "saved_epoch_", None) != rows[-1]["epoch"]
                or json.dumps(rows[-1]) == self.saved_row_):
            return
        path = Path(self.directory) / CHECKPOINT_NAME
        state = torch.load(path, map_location="cpu", weights_only=True)
        state["history"] = json.dumps(rows)
        _atomic_save(state, path)
        self.saved_row_ = json.dumps(rows[-1])


class BestWeightsFile(Callback):
    """Keep the early-stopping callback's best weights on disk as well (place it after it)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = directory

    def on_epoch_end(self, net: Any, **kwargs: Any) -> None:
        stopper = dict(net.callbacks_)["early_stopping"]
        if stopper.best_epoch_ == net.history[-1, "epoch"] and stopper.load_best:
            state = {"epoch": stopper.best_epoch_, "module": net.module_.state_dict()}
            _atomic_save(state, Path(self.directory) / BEST_NAME)


def read_checkpoint(directory: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The checkpoint in ``directory``, or None when there is none.

    Raises
    ------
    ValueError
        If the file exists but cannot be read as a checkpoint.
    """
    path = Path(directory) / CHECKPOINT_NAME
    if not path.is_file():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises several types for damaged files
        raise ValueError(
            f"{path} is not a readable training checkpoint ({error}); delete it to start "
            "the fit afresh."
        ) from None
    if not isinstance(state, dict) or state.get("format") != _FORMAT:
        raise ValueError(f"{path} was not written by this version of sklearn-irnet; delete "
                         "it to start the fit afresh.")
    state["history"] = json.loads(state["history"])
    return state


def best_weights(directory: str | os.PathLike[str], epoch: int,
                 checkpoint: dict[str, Any]) -> dict[str, torch.Tensor] | None:
    """The weights of ``epoch`` from the best-weights file or the checkpoint itself."""
    history = checkpoint["history"]
    if history and history[-1]["epoch"] == epoch:
        return checkpoint["module"]
    path = Path(directory) / BEST_NAME
    if path.is_file():
        saved = torch.load(path, map_location="cpu", weights_only=True)
        if saved.get("epoch") == epoch:
            return saved["module"]
    return None


def _atomic_save(state: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    torch.save(state, temporary)
    os.replace(temporary, path)

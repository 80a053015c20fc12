"""The skorch machinery behind :class:`~sklearn_irnet.IRNetRegressor` and
:class:`~sklearn_irnet.IRNetClassifier`.

Tabular data fit in memory, so batches are cut by slicing whole tensors that already sit
on the training device instead of going through a ``DataLoader`` with per-row indexing
and collation. Epoch losses are summed on the device and read once per epoch instead of
once per batch. These are private helpers: the public estimator is the sklearn wrapper.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import torch
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.callbacks import EpochTimer, PrintLog

from ._data_parallel import all_reduce_sum, shard


class TensorDataset(torch.utils.data.Dataset):
    """Inputs and targets held as two tensors of equal length.

    ``X`` and ``y`` are public attributes so skorch's helpers can read them.
    """

    def __init__(self, X: torch.Tensor, y: torch.Tensor | None = None) -> None:
        if y is not None and len(X) != len(y):
            raise ValueError(f"X has {len(X)} rows but y has {len(y)}.")
        self.X = X
        self.y = y

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        return self.X[index], None if self.y is None else self.y[index]


class EpochShuffler:
    """Seeded source of one permutation per epoch.

    It holds only integers, so a fitted estimator that owns it pickles; the torch
    generator is rebuilt from ``(seed, epoch)`` each time.
    """

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self.epoch = 0

    def permutation(self, n: int, device: torch.device | str = "cpu") -> torch.Tensor:
        generator = torch.Generator().manual_seed(self.seed + 1_000_003 * self.epoch)
        self.epoch += 1
        return torch.randperm(n, generator=generator).to(device)


class BatchIterator:
    """Iterate over a :class:`TensorDataset` in batches by slicing its tensors.

    Parameters
    ----------
    dataset : TensorDataset
    batch_size : int
    shuffler : EpochShuffler or None
        Shuffle the rows with a fresh seeded permutation when given.
    drop_singleton : bool, default=False
        Fold a tiny trailing batch into the batch before it: one of fewer than
        ``min(16, batch_size // 4)`` rows (at least 2, so a single row always; with
        ``shard``, at least as many as processes, so that every process gets a row).
        BatchNorm cannot normalise a single row in training mode, and the statistics of a
        handful of rows are noise that the last step of every epoch trains on and writes
        into the running averages used at prediction time: on the main job's data, 1,538
        training rows in batches of 256 (a trailing batch of 2) gave an IRNet-17 a test
        MAE of 0.166 eV/atom, against 0.104 with one row fewer (a trailing row, merged).
    shard : tuple of int, default=(0, 1)
        ``(rank, world_size)``: yield only process ``rank``'s contiguous slice of every
        batch (data-parallel training, :mod:`sklearn_irnet._data_parallel`). The batches
        are cut as for one process; :attr:`batch_rows` holds the size of the whole batch
        whose slice was yielded last.
    """

    def __init__(
        self,
        dataset: TensorDataset,
        batch_size: int,
        shuffler: EpochShuffler | None = None,
        drop_singleton: bool = False,
        shard: tuple[int, int] = (0, 1),
    ) -> None:
        if not isinstance(dataset, TensorDataset):
            raise TypeError(f"BatchIterator slices a TensorDataset, got {type(dataset)}.")
        self.dataset = dataset
        self.batch_size = max(1, int(batch_size))
        self.shuffler = shuffler
        self.drop_singleton = drop_singleton
        self.shard = shard
        self.batch_rows = 0

    def _bounds(self) -> list[tuple[int, int]]:
        n, size = len(self.dataset), self.batch_size
        bounds = [(start, min(start + size, n)) for start in range(0, n, size)]
        smallest = max(2, self.shard[1], min(16, size // 4))
        if self.drop_singleton and len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] < smallest:
            last = bounds.pop()
            bounds[-1] = (bounds[-1][0], last[1])
        return bounds

    def __len__(self) -> int:
        return len(self._bounds())

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
        X, y = self.dataset.X, self.dataset.y
        if self.shuffler is not None:
            order = self.shuffler.permutation(len(X), device=X.device)
            X = X.index_select(0, order)
            y = None if y is None else y.index_select(0, order)
        rank, world_size = self.shard
        for start, stop in self._bounds():
            self.batch_rows = stop - start
            if world_size > 1:
                start, stop = shard(start, stop, rank, world_size)
            yield X[start:stop], None if y is None else y[start:stop]


class TrainingDiverged(RuntimeError):
    """Raised inside the fit loop when the training loss stops being finite."""

    def __init__(self, epoch: int, loss: float) -> None:
        super().__init__(f"training loss became {loss} at epoch {epoch}")
        self.epoch = epoch
        self.loss = loss


class TabularNetBase:
    """What the estimators' skorch nets change in skorch's ``NeuralNet``: per-epoch loss
    bookkeeping, autocast, data-parallel training and BatchEnsemble members.

    A mixin put before skorch's :class:`~skorch.regressor.NeuralNetRegressor`
    (:class:`TabularNet`) or :class:`~skorch.classifier.NeuralNetClassifier`
    (:class:`TabularClassifierNet`). Each epoch records ``train_loss`` (and ``valid_loss``
    plus the validation metric ``valid_metric_name`` when a validation set is given) in the
    history as sample-weighted means.

    Batches come from skorch's own ``iterator_train``/``iterator_valid`` parameters, set to
    :class:`BatchIterator` by the estimators: slices of whole tensors instead of skorch's
    ``DataLoader`` (per-row indexing and collation), 1.20x (batch 32) and 1.28x (batch 256)
    the samples/s of a 4x256 network on one CPU thread
    (``benchmarks/results/training_cpu_small_net.txt``; 0-8 % on IRNet-17/48, whose
    arithmetic dominates, ``training_cpu.txt``). Every override below says why skorch's
    own method does not do the job: a measurement (files in ``benchmarks/results/``) or a
    feature skorch lacks.
    """

    #: history key of the validation score
    valid_metric_name: str = "valid_r2"

    #: dtype name for ``torch.autocast`` around the forward pass, or None for float32
    autocast_dtype: str | None = None

    #: the DistributedDataParallel wrapper of ``module_`` while it trains data-parallel
    ddp_module: torch.nn.Module | None = None

    def infer(self, x, **fit_params):
        # skorch's infer has no autocast (its mixed precision goes through Hugging Face
        # accelerate); bfloat16 autocast trained IRNet-17 1.6-1.7x faster at batch 256
        # on a CPU with bf16 instructions (results/training_cpu.txt)
        if self.autocast_dtype is None:
            return self._forward_pass(x, **fit_params)
        device_type = torch.device(self.device).type
        with torch.autocast(device_type, dtype=getattr(torch, self.autocast_dtype)):
            y_pred = self._forward_pass(x, **fit_params)
        return y_pred.float()

    def _forward_pass(self, x, **fit_params):
        # data-parallel training (sklearn_irnet._data_parallel), which skorch lacks
        if self.ddp_module is not None and self.module_.training:
            return self.ddp_module(x)  # its backward averages the gradients
        return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        # two features skorch lacks: BatchEnsemble members and data-parallel slices
        n_rows = len(y_true)
        members = getattr(self.module_, "n_members", 1)
        if members > 1 and len(y_pred) == members * n_rows:
            # BatchEnsemble in training: each member's rows against the same targets
            y_true = y_true.repeat(members, *([1] * (y_true.ndim - 1)))
        loss = super().get_loss(y_pred, y_true, X=X, training=training)
        if training and self.shard[1] > 1:
            # DDP averages the processes' gradients: weigh each slice's mean loss by its
            # share of the global batch so that the average is the global batch's mean
            loss = loss * (n_rows * self.shard[1] / self._global_batch_rows)
        return loss

    def get_default_callbacks(self) -> list[tuple[str, object]]:
        # skorch's scoring callbacks read the losses that run_single_epoch below records
        # per epoch instead of per batch
        return [("epoch_timer", EpochTimer()), ("print_log", PrintLog())]

    @property
    def shard(self) -> tuple[int, int]:
        """``(rank, world_size)`` of data-parallel training; ``(0, 1)`` trains in one
        process. Stored as the training iterator's parameter ``iterator_train__shard``."""
        return getattr(self, "iterator_train__shard", (0, 1))

    @shard.setter
    def shard(self, value: tuple[int, int]) -> None:
        self.iterator_train__shard = tuple(value)

    def _set_training(self, training: bool = True) -> None:
        # skorch calls this on every batch, and module.train() walks every submodule
        # (over a hundred in a 48-layer network): skip the walk when the mode is already
        # right; run_single_epoch still sets every submodule once per epoch. On an H200
        # the walk held IRNet-17 at 0.83-0.85 of a hand-written loop's samples/s
        # (results/gpu/training_h200_before_set_training_fix.txt; 0.89 at batch 256
        # once skipped, results/gpu/training_h200.txt)
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_")
            if isinstance(module, torch.nn.Module) and module.training != training:
                module.train(training)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        # skorch's loop reads every batch's loss to the host (a device sync per batch on
        # a GPU; not measured apart from the rest); this one sums on the device and also
        # does what skorch's cannot: the loss over all data-parallel processes, stopping
        # on a non-finite loss, and a validation metric accumulated batch by batch
        if iterator is None:
            return
        super()._set_training(training)
        device = iterator.dataset.X.device
        loss_sum = torch.zeros((), dtype=torch.float64, device=device)
        n_rows, n_batches = 0, 0
        metric = None if training else self.validation_metric(iterator.dataset.y)
        sharded = training and self.shard[1] > 1
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            if sharded:
                self._global_batch_rows = iterator.batch_rows  # read by get_loss
            step = step_fn(batch, **fit_params)
            size = len(batch[0])
            # one kernel, float64 sum (a slice's weighted loss times batch/world is its sum)
            weight = iterator.batch_rows / self.shard[1] if sharded else size
            loss_sum.add_(step["loss"].detach(), alpha=weight)
            if metric is not None:
                metric.update(step["y_pred"], batch[1])
            self.notify("on_batch_end", batch=batch, training=training, **step)
            n_rows += size
            n_batches += 1
        if sharded:  # the epoch's loss over every process's rows
            totals = torch.stack([loss_sum, loss_sum.new_tensor(float(n_rows))])
            all_reduce_sum(totals)
            loss_sum, n_rows = totals[0], int(totals[1].item())
        mean_loss = loss_sum.item() / max(n_rows, 1)
        self.history.record(prefix + "_loss", mean_loss)
        self.history.record(prefix + "_batch_count", n_batches)
        if metric is not None:
            self.history.record(self.valid_metric_name, metric.result())
        if training and not math.isfinite(mean_loss):
            raise TrainingDiverged(len(self.history), mean_loss)


    def validation_metric(self, y_valid: torch.Tensor) -> R2Metric:
        """A fresh accumulator of the validation metric over the batches of an epoch."""
        return R2Metric(y_valid)


class TabularNet(TabularNetBase, NeuralNetRegressor):
    """skorch's ``NeuralNetRegressor`` with :class:`TabularNetBase`'s changes; each
    validation epoch records the R^2 as ``valid_r2``."""


class TabularClassifierNet(TabularNetBase, NeuralNetClassifier):
    """skorch's ``NeuralNetClassifier`` with :class:`TabularNetBase`'s changes, for class
    indices: the network outputs one logit per class (the estimator passes
    ``CrossEntropyLoss``) and each validation epoch records the accuracy as ``valid_acc``."""

    valid_metric_name = "valid_acc"

    def validation_metric(self, y_valid: torch.Tensor) -> AccuracyMetric:
        return AccuracyMetric(y_valid)


class R2Metric:
    """Uniform-average R^2 accumulated over batches (sums of squares in float64)."""

    def __init__(self, y_valid: torch.Tensor) -> None:
        self.y_valid = y_valid
        self.residuals = torch.zeros(y_valid.shape[1], dtype=torch.float64,
                                     device=y_valid.device)

    def update(self, y_pred: torch.Tensor, y_true: torch.Tensor) -> None:
        # a network with a variance head puts the means in its first columns
        y_pred = y_pred[:, : y_true.shape[1]]
        self.residuals += ((y_pred - y_true).double() ** 2).sum(dim=0)

    def result(self) -> float:
        targets = self.y_valid.double()
        total = ((targets - targets.mean(dim=0)) ** 2).sum(dim=0)
        return _r2(self.residuals, total)


class AccuracyMetric:
    """Share of rows whose largest logit is the true class, accumulated over batches."""

    def __init__(self, y_valid: torch.Tensor) -> None:
        self.correct = torch.zeros((), dtype=torch.int64, device=y_valid.device)
        self.n_rows = len(y_valid)

    def update(self, y_pred: torch.Tensor, y_true: torch.Tensor) -> None:
        self.correct += (y_pred.argmax(dim=1) == y_true).sum()

    def result(self) -> float:
        return self.correct.item() / max(self.n_rows, 1)


def _r2(residual_ss: torch.Tensor, total_ss: torch.Tensor) -> float:
    """Uniform average of per-output R^2, with sklearn's convention for constant targets."""
    residual = residual_ss.cpu().numpy()
    total = total_ss.cpu().numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(total > 0, 1.0 - residual / total, np.where(residual == 0, 1.0, 0.0))
    return float(np.mean(scores))


def set_fit_callbacks(
    net: TabularNet,
    *,
    before_stopper: Sequence[tuple[str, Any]] = (),
    after_stopper: Sequence[tuple[str, Any]] = (),
) -> None:
    """Put this fit's callbacks around the early-stopping callback of a net.

    Entries with the same names from an earlier fit are replaced; a None callback only
    removes its name. The order matters: the learning-rate schedule records the epoch's
    rate before the checkpoint saves the history, and both run before early stopping may
    end training.
    """
    names = {name for name, _ in (*before_stopper, *after_stopper)}
    kept = [(name, cb) for name, cb in net.callbacks_ if name not in names]
    position = next(i for i, (name, _) in enumerate(kept) if name == "early_stopping")
    before = [(name, cb) for name, cb in before_stopper if cb is not None]
    after = [(name, cb) for name, cb in after_stopper if cb is not None]
    net.callbacks_ = kept[:position] + before + [kept[position]] + after + kept[position + 1:]

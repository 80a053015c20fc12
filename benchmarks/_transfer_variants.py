"""The fine-tuning variants of the study ``transfer_selection`` (``python -m benchmarks
run transfer_selection``; until 2026-12 the script ``benchmarks/transfer_selection.py``):
the pre-trained OQMD network fine-tuned under other settings, trees on its activations or
its estimate, and weighted blends of two variants, each by name.

A blend variant (``blend_<a>_<b>_<w>``) is the weighted mean of the predictions of
variants ``a`` (weight ``w``) and ``b`` (``1 - w``): a
:class:`~sklearn.ensemble.VotingRegressor` of the two (the retired script fitted each
once and averaged their predictions; the vote refits both members on the same rows with
the same seeds).
"""

from __future__ import annotations

from typing import Any

import torch
from _main_job import MAIN_JOB_NETWORK
from skorch.callbacks import Callback

MAIN_JOB = dict(MAIN_JOB_NETWORK)

VARIANTS: dict[str, dict[str, Any]] = {
    "scratch": dict(MAIN_JOB),
    "tune80": dict(MAIN_JOB, pretrained="oqmd-irnet17"),
    "tune40": dict(MAIN_JOB, max_iter=40, pretrained="oqmd-irnet17"),
    "tune40_slow": dict(MAIN_JOB, max_iter=40, learning_rate_init=3e-4,
                        pretrained="oqmd-irnet17"),
    "tune40_body0.1": dict(MAIN_JOB, max_iter=40, pretrained="oqmd-irnet17",
                           pretrained_lr_scale=0.1),
    "tune40_freeze3": dict(MAIN_JOB, max_iter=40, pretrained="oqmd-irnet17",
                           freeze_stacks=3),
    "tune20": dict(MAIN_JOB, max_iter=20, pretrained="oqmd-irnet17"),
    # smaller batches: more steps on the ~1,400 fit rows (7 an epoch at batch 256); the
    # peak rate follows the square-root rule from the main job's 1.4e-3 at 256
    "tune80_b64": dict(MAIN_JOB, batch_size=64, learning_rate_init=7e-4,
                       pretrained="oqmd-irnet17"),
    "tune80_b32": dict(MAIN_JOB, batch_size=32, learning_rate_init=5e-4,
                       pretrained="oqmd-irnet17"),
    "tune40_b32": dict(MAIN_JOB, max_iter=40, batch_size=32, learning_rate_init=5e-4,
                       pretrained="oqmd-irnet17"),
    "tune80_b32_slow": dict(MAIN_JOB, batch_size=32, learning_rate_init=2e-4,
                            pretrained="oqmd-irnet17"),
    # regularised fine-tuning: decoupled weight decay, dropout
    "tune80_wd0.01": dict(MAIN_JOB, alpha=0.01, pretrained="oqmd-irnet17"),
    "tune80_wd0.1": dict(MAIN_JOB, alpha=0.1, pretrained="oqmd-irnet17"),
    "tune80_drop0.1": dict(MAIN_JOB, dropout=0.1, pretrained="oqmd-irnet17"),
    "tune80_drop0.3": dict(MAIN_JOB, dropout=0.3, pretrained="oqmd-irnet17"),
    # L2-SP (Li et al., ICML 2018): decay the pre-trained layers toward their starting
    # weights instead of toward zero, decoupled as in AdamW: after every step
    # w <- w - lr * strength * (w - w_start) (a prototype callback, below)
    "tune80_sp1": dict(MAIN_JOB, pretrained="oqmd-irnet17", decay_to_start=1.0),
    "tune80_sp10": dict(MAIN_JOB, pretrained="oqmd-irnet17", decay_to_start=10.0),
    "tune80_sp100": dict(MAIN_JOB, pretrained="oqmd-irnet17", decay_to_start=100.0),
    # session 8: average of the weights and BatchNorm statistics over the last steps
    # (exponential moving average); the last two stacks
    # (64 and 32 wide) re-initialised so only the lower stacks carry DFT knowledge; a
    # 2x higher peak rate; twice as many epochs (prototype callbacks, below)
    "tune80_ema": dict(MAIN_JOB, pretrained="oqmd-irnet17", weight_average=0.98),
    "tune80_reinit2": dict(MAIN_JOB, pretrained="oqmd-irnet17", reinit_from=13),
    "tune80_lr3e-3": dict(MAIN_JOB, learning_rate_init=3e-3, pretrained="oqmd-irnet17"),
    "tune160": dict(MAIN_JOB, max_iter=160, pretrained="oqmd-irnet17"),
    # session 8: a second DFT source, IRNet-17 pre-trained on the Materials Project
    # formation energies of matbench_mp_e_form (benchmarks/release/pretrain_mp.py; shipped in
    # float16 as mp-e-form-irnet17, the run used its float32 file), alone and averaged
    # with the OQMD start (two fine-tuned networks from different databases)
    "tune80_mpform": dict(MAIN_JOB, pretrained="mp-e-form-irnet17"),
    "blend_tune80_tune80_mpform_0.5": {"route": "blend", "parts": ("tune80", "tune80_mpform"),
                                       "weight": 0.5},
    "extra_trees": {"route": "trees"},
    "features_et": {"route": "features"},
    "prediction_et": {"route": "prediction"},
    # blends average the validation predictions of two variants above (fitted once)
    "blend_tune80_prediction_et_0.5": {"route": "blend", "parts": ("tune80", "prediction_et"),
                                       "weight": 0.5},
    "blend_tune80_prediction_et_0.7": {"route": "blend", "parts": ("tune80", "prediction_et"),
                                       "weight": 0.7},
    "blend_tune80_prediction_et_0.8": {"route": "blend", "parts": ("tune80", "prediction_et"),
                                       "weight": 0.8},
    "blend_tune80_b32_prediction_et_0.5": {"route": "blend",
                                           "parts": ("tune80_b32", "prediction_et"),
                                           "weight": 0.5},
}



def build(name: str, pretrained: str = "oqmd-irnet17") -> Any:
    """The estimator of variant ``name``; ``pretrained`` replaces the OQMD start."""
    from sklearn.ensemble import ExtraTreesRegressor, VotingRegressor
    from sklearn.pipeline import make_pipeline

    from sklearn_irnet import IRNetRegressor
    from sklearn_irnet.transfer import PretrainedActivations, PretrainedPrediction

    params = dict(VARIANTS[name])
    route = params.pop("route", None)
    if route == "blend":
        weight = params["weight"]
        return VotingRegressor([(part, build(part, pretrained)) for part in params["parts"]],
                               weights=[weight, 1 - weight])
    if route == "trees":
        return ExtraTreesRegressor(n_estimators=100, random_state=0)
    if route == "features":
        return make_pipeline(PretrainedActivations(pretrained),
                             ExtraTreesRegressor(n_estimators=100, random_state=0))
    if route == "prediction":
        return make_pipeline(PretrainedPrediction(pretrained),
                             ExtraTreesRegressor(n_estimators=100, random_state=0))
    if params.get("pretrained") == "oqmd-irnet17":  # ``pretrained`` replaces the OQMD start
        params["pretrained"] = pretrained
    callbacks = []
    strength = params.pop("decay_to_start", None)
    if strength is not None:
        callbacks.append(("decay_to_start", DecayToStart(strength)))
    decay = params.pop("weight_average", None)
    if decay is not None:
        callbacks.append(("weight_average", WeightAverage(decay)))
    first_reset = params.pop("reinit_from", None)
    if first_reset is not None:
        callbacks.append(("reinit_top", ReinitialiseTop(first_reset)))
    if callbacks:
        params["callbacks"] = callbacks
    return IRNetRegressor(architecture="irnet17", random_state=0, n_threads=1, **params)


class DecayToStart(Callback):
    """After every training step, pull the pre-trained layers (``body.*``) toward the
    weights they had when training began: ``w -= lr * strength * (w - w_start)``, with
    the learning rate of each parameter's own optimiser group (decoupled L2-SP)."""

    def __init__(self, strength: float) -> None:
        self.strength = strength

    def __repr__(self) -> str:  # what the run's provenance records
        return f"DecayToStart(strength={self.strength!r})"

    def on_train_begin(self, net: Any, **kwargs: Any) -> None:
        self.start_ = {name: p.detach().clone()
                       for name, p in net.module_.named_parameters()
                       if name.startswith("body.")}

    def on_batch_end(self, net: Any, batch: Any = None, training: bool = False,
                     **kwargs: Any) -> None:
        if not training:
            return
        starts = {id(p): self.start_[name] for name, p in net.module_.named_parameters()
                  if name in self.start_}
        with torch.no_grad():
            for group in net.optimizer_.param_groups:
                for p in group["params"]:
                    if id(p) in starts:
                        p.sub_(group["lr"] * self.strength * (p - starts[id(p)]))


class WeightAverage(Callback):
    """Keep an exponential moving average of every parameter and BatchNorm statistic over
    the training steps (``avg <- decay * avg + (1 - decay) * w``) and load it into the
    network when training ends."""

    def __init__(self, decay: float) -> None:
        self.decay = decay

    def __repr__(self) -> str:  # what the run's provenance records
        return f"WeightAverage(decay={self.decay!r})"

    def _averaged(self, net: Any) -> dict[str, torch.Tensor]:
        return {name: value for name, value in net.module_.state_dict().items()
                if value.is_floating_point()}

    def on_train_begin(self, net: Any, **kwargs: Any) -> None:
        self.average_ = {name: value.detach().clone()
                         for name, value in self._averaged(net).items()}

    def on_batch_end(self, net: Any, batch: Any = None, training: bool = False,
                     **kwargs: Any) -> None:
        if not training:
            return
        with torch.no_grad():
            for name, value in self._averaged(net).items():
                self.average_[name].mul_(self.decay).add_(value, alpha=1 - self.decay)

    def on_train_end(self, net: Any, **kwargs: Any) -> None:
        with torch.no_grad():
            for name, value in self._averaged(net).items():
                value.copy_(self.average_[name])


class ReinitialiseTop(Callback):
    """Before training, draw fresh weights for the pre-trained body's layers from index
    ``first`` upward (13: the 64- and 32-wide stacks of IRNet-17)."""

    def __init__(self, first: int) -> None:
        self.first = first

    def __repr__(self) -> str:  # what the run's provenance records
        return f"ReinitialiseTop(first={self.first!r})"

    def on_train_begin(self, net: Any, **kwargs: Any) -> None:
        for block in net.module_.body[self.first:]:
            for layer in block.modules():
                if layer is not block and hasattr(layer, "reset_parameters"):
                    layer.reset_parameters()

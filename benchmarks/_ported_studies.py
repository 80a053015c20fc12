"""The studies that the user guide cites and that were standalone scripts until 2026-12,
each with the data, splits, seeds and estimator parameters of its retired script; their
committed results (``benchmarks/results/``) came from those scripts.

- ``recipe_defaults`` (``recipe_defaults.py``): training recipes of IRNet-17 on the
  main job's data, KFold(5, seed 1); ``docs/user_guide/defaults.md``.
- ``output_init_<data>`` (``compare_output_init.py``): zero against Glorot output layer,
  today's defaults (80 epochs); ``docs/user_guide/defaults.md``.
- ``classification_<task>`` (``matbench_classification.py``): the classifiers on
  Matbench's official folds, the four committed runs by their model names;
  ``docs/user_guide/classification.md``.
- ``epochs_selection_<task>`` and ``blend_selection_<task>``
  (``classification_epochs_selection.py``, ``classification_blend_selection.py``): the
  training rows of each official fold split 80/20 again (stratified for
  classification, ``random_state=fold``), candidates scored on the 20 %.
- ``transfer_selection`` (``transfer_selection.py``): fine-tuning variants on the main
  job's outer folds, each training fold split 80/20 by formula; ``docs/user_guide/
  transfer.md``.

"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from _study import Data, Study, main_job, matbench, official
from sklearn.model_selection import KFold, ShuffleSplit, StratifiedShuffleSplit

# --- recipe_defaults -------------------------------------------------------------------

RECIPES: dict[str, dict] = {
    # the defaults before the schedule options existed
    "old": dict(learning_rate="constant", solver="adam", batch_size=128, max_iter=200,
                early_stopping=True, n_iter_no_change=20),
    "cosine40": dict(learning_rate="cosine", max_iter=40, batch_size=128,
                     early_stopping=False),
    "cosine80": dict(learning_rate="cosine", max_iter=80, batch_size=128,
                     early_stopping=False),
    "cosine60": dict(learning_rate="cosine", max_iter=60, batch_size=128,
                     early_stopping=False),
    "cosine120": dict(learning_rate="cosine", max_iter=120, batch_size=128,
                      early_stopping=False),
    "cosine80_b256": dict(learning_rate="cosine", max_iter=80, batch_size=256,
                          learning_rate_init=1.4e-3, early_stopping=False),
    "cosine40_es": dict(learning_rate="cosine", max_iter=40, batch_size=128,
                        early_stopping=True, n_iter_no_change=40, tol=0.0),
    "cosine40_wd": dict(learning_rate="cosine", max_iter=40, batch_size=128,
                        early_stopping=False, alpha=0.05),
    "onecycle40": dict(learning_rate="onecycle", max_iter=40, batch_size=128,
                       early_stopping=False),
    "cosine40_b64": dict(learning_rate="cosine", max_iter=40, batch_size=64,
                         learning_rate_init=7e-4, early_stopping=False),
    "cosine40_b256": dict(learning_rate="cosine", max_iter=40, batch_size=256,
                          learning_rate_init=1.4e-3, early_stopping=False),
}
"""IRNet-17's training recipes by name (the script's ``RECIPES``)."""


def _recipe_models() -> dict[str, Any]:
    from sklearn_irnet import IRNetRegressor

    return {name: IRNetRegressor(architecture="irnet17", random_state=0,
                                 **recipe) for name, recipe in RECIPES.items()}


def _shuffled_folds(seed: int) -> Callable[[Data], dict[str, Any]]:
    """KFold(5, shuffle=True, random_state=seed) over the rows, without groups."""

    def split(data: Data) -> dict[str, Any]:
        folds = KFold(n_splits=5, shuffle=True, random_state=seed)
        return {"cv": list(folds.split(data.X)), "n_repeats": 1}

    return split


# --- output_init_<data> ----------------------------------------------------------------

OUTPUT_INIT_EPOCHS = 80
"""The epochs of the committed run with today's defaults (``IRNetRegressor().max_iter``
when it ran); the script's ``--legacy-epochs`` (30 and 40) is not carried over."""


def _output_init_models() -> dict[str, Any]:
    from sklearn_irnet import IRNetRegressor

    return {f"{architecture}_{init}": IRNetRegressor(
                architecture=architecture, max_iter=OUTPUT_INIT_EPOCHS, random_state=0,
                n_threads=1, output_init=init)
            for architecture in ("irnet17", "plain17") for init in ("glorot", "zero")}


# --- classification_<task> -------------------------------------------------------------

_UNWEIGHTED = ("random_forest", "extra_trees", "hist_gradient_boosting",
               "logistic_regression", "dummy")
_CLASSIFICATION_RUNS: dict[str, list[tuple[int, tuple[str, ...], tuple[str, ...]]]] = {
    # (max_iter of the networks, networks, baselines) of each committed run; the second
    # run also had the hold-out sigmoid-calibrated IRNet-17 (--calibrate); balanced runs
    # leave out the dummy, as the script did
    "expt_is_metal": [
        (20, ("irnet17",), _UNWEIGHTED),
        (80, ("irnet17",), _UNWEIGHTED[:-1]),
        (80, ("irnet17_oqmd_blend", "irnet17_extra_trees_blend"),
         ("extra_trees_oqmd", "extra_trees_oqmd_prediction")),
        (80, ("irnet17_mp_gap_blend",),
         ("random_forest_mp_gap_prediction", "hist_gradient_boosting_mp_gap_prediction",
          "extra_trees_pretrained_predictions")),
    ],
    "glass": [
        (20, ("irnet17",), _UNWEIGHTED),
        (80, ("irnet17",), _UNWEIGHTED[:-1]),
        (80, ("irnet17_oqmd_blend", "irnet17_extra_trees_blend"),
         ("extra_trees_oqmd", "extra_trees_oqmd_prediction")),
    ],
}
"""The committed runs of ``matbench_classification.py`` per task: the first unweighted
(``benchmarks/results/matbench_classification/``), the others with balanced class weights
and a ``_balanced`` suffix (``..._balanced/``, ``..._blends/``, ``..._stacking/``)."""


def _classification_models(task: str) -> Callable[[], dict[str, Any]]:
    def models() -> dict[str, Any]:
        from _study_models import HoldoutCalibrated, make_model, with_balanced_classes

        from sklearn_irnet import IRNetClassifier

        made: dict[str, Any] = {}
        for run, (epochs, networks, baselines) in enumerate(_CLASSIFICATION_RUNS[task]):
            these = {name: make_model(name, task="classification") for name in baselines}
            these.update({name: make_model(name, task="classification", max_iter=epochs)
                          for name in networks})
            if run == 1:
                these["irnet17_sigmoid"] = HoldoutCalibrated(
                    IRNetClassifier(architecture="irnet17", max_iter=epochs, random_state=0))
            if run > 0:
                these = {f"{name}_balanced": with_balanced_classes(model)
                         for name, model in these.items()}
            made.update(these)
        return made

    return models


# --- epochs_selection_<task> and blend_selection_<task> --------------------------------


def _validation_split(stratified: bool) -> Callable[[Data], dict[str, Any]]:
    """Each official fold's training rows split 80/20 once (``StratifiedShuffleSplit``
    or ``ShuffleSplit``, ``random_state=fold``): fit on the 80 %, score on the 20 %."""

    def split(data: Data) -> dict[str, Any]:
        pairs = []
        for fold in range(5):
            train = np.flatnonzero(data.test_fold != fold)
            inner = (StratifiedShuffleSplit if stratified else ShuffleSplit)(
                1, test_size=0.2, random_state=fold)
            fit, validation = next(inner.split(train, data.y[train]))
            pairs.append((train[fit], train[validation]))
        return {"cv": pairs, "n_repeats": 1}

    return split


_EPOCH_BUDGETS: dict[str, dict[str, tuple[int, ...]]] = {
    # the mp-gap-irnet17 runs on expt_is_metal read its float32 file (shipped in float16)
    "expt_is_metal": {"oqmd-irnet17": (10, 20, 40, 80), "mp-gap-irnet17": (10, 40, 80),
                      "mp-e-form-irnet17": (80,)},
    "glass": {"oqmd-irnet17": (10, 20, 40, 80), "mp-e-form-irnet17": (80,)},
    "expt_gap": {"oqmd-irnet17": (80,), "mp-gap-irnet17": (80,)},
}
"""The pre-trained starts and epoch budgets of the committed runs of
``classification_epochs_selection.py`` (``benchmarks/results/
matbench_classification_epochs/selection_*.txt``)."""


def _epochs_models(task: str, classification: bool) -> Callable[[], dict[str, Any]]:
    def models() -> dict[str, Any]:
        from sklearn_irnet import IRNetClassifier, IRNetRegressor

        network = IRNetClassifier if classification else IRNetRegressor
        return {f"{source}_e{epochs}": network(pretrained=source, max_iter=epochs,
                                               random_state=0, n_threads=1)
                for source, budgets in _EPOCH_BUDGETS[task].items() for epochs in budgets}

    return models


_BLEND_SELECTION: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "expt_is_metal": (
        ("irnet17_mp_gap", "hist_gradient_boosting_mp_gap_prediction",
         "extra_trees_pretrained_predictions", "random_forest_mp_gap_prediction",
         "extra_trees", "hist_gradient_boosting"),
        ("irnet17_mp_gap+hist_gradient_boosting_mp_gap_prediction",
         "irnet17_mp_gap+extra_trees_pretrained_predictions", "irnet17_mp_gap+extra_trees")),
    "glass": (
        ("random_forest", "random_forest_pretrained_predictions",
         "random_forest_mp_e_form_prediction", "random_forest_mp_gap_prediction",
         "extra_trees", "extra_trees_pretrained_predictions", "hist_gradient_boosting",
         "hist_gradient_boosting_pretrained_predictions"),
        ()),
    "expt_gap": (
        ("irnet17_oqmd", "extra_trees", "extra_trees_mp_gap_prediction",
         "random_forest_mp_gap_prediction", "hist_gradient_boosting_mp_gap_prediction",
         "extra_trees_pretrained_predictions"),
        ("irnet17_oqmd+extra_trees_mp_gap_prediction",
         "irnet17_oqmd+hist_gradient_boosting_mp_gap_prediction", "irnet17_oqmd+extra_trees")),
}
"""Candidates and blends (``a+b``) of the committed runs of
``classification_blend_selection.py`` (``benchmarks/results/
matbench_classification_stacking/blend_selection_*.csv``,
``matbench_regression_stacking/selection_expt_gap.csv``)."""


def _candidate(name: str, classification: bool) -> Any:
    """A candidate as the script built it: one torch thread and one job, balanced class
    weights for classification."""
    from _study_models import PRESETS, TRANSFER_MODELS, make_model, with_balanced_classes

    network = name in PRESETS or (name in TRANSFER_MODELS and name.startswith("irnet"))
    extra = {"n_threads": 1} if network else {}
    if classification:
        return with_balanced_classes(make_model(name, task="classification", n_jobs=1,
                                                **extra))
    return make_model(name, n_jobs=1, **extra)


def _blend_models(task: str, classification: bool) -> Callable[[], dict[str, Any]]:
    """The candidates, and each blend ``a+b`` as the soft vote (mean of the predictions)
    of its two candidates, which is how the script scored it."""

    def models() -> dict[str, Any]:
        from sklearn.ensemble import VotingClassifier, VotingRegressor

        candidates, blends = _BLEND_SELECTION[task]
        made = {name: _candidate(name, classification) for name in candidates}
        for blend in blends:
            members = [(name, _candidate(name, classification)) for name in blend.split("+")]
            made[blend] = (VotingClassifier(members, voting="soft") if classification
                           else VotingRegressor(members))
        return made

    return models


# --- transfer_selection ----------------------------------------------------------------


def _transfer_split(data: Data) -> dict[str, Any]:
    """The main job's five outer folds (seed 0), each training fold split 80/20 by formula
    (``GroupShuffleSplit``, ``random_state=fold``): fit on the 80 %, score on the 20 %."""
    from _main_job import nested_splits

    pairs = [(fit, validation)
             for _, fit, validation, _ in nested_splits(data.X, data.y, data.groups, 5)]
    return {"cv": pairs, "n_repeats": 1}


def _transfer_models() -> dict[str, Any]:
    from _transfer_variants import VARIANTS, build

    return {name: build(name) for name in VARIANTS}


# --- the studies -----------------------------------------------------------------------

_MATBENCH = {"expt_is_metal": True, "glass": True, "expt_gap": False}
"""The Matbench tasks of these studies and whether each is a classification."""


def _output_init_studies() -> list[Study]:
    data = {"main_job": (main_job, _shuffled_folds(0), "the main job's data, KFold(5, "
                         "seed 0)", "about 30 min on 1 core"),
            "steels": (matbench("steels"), official, "Matbench steels, official folds",
                       "about 5 min on 1 core"),
            "expt_gap": (matbench("expt_gap"), official, "Matbench expt_gap, official "
                         "folds", "about 1 h 15 min on 1 core (scaled from 40 epochs)")}
    return [Study(f"output_init_{name}", f"zero vs Glorot output layer of IRNet-17 and "
                  f"plain-17, {OUTPUT_INIT_EPOCHS} epochs; {what}; docs/user_guide/"
                  "defaults.md", load, split, _output_init_models, f"output_init/{name}",
                  budget) for name, (load, split, what, budget) in data.items()]


def _classification_studies() -> list[Study]:
    budgets = {"expt_is_metal": "about 2.5 h on 1 core (20 models)",
               "glass": "about 2 h on 1 core (16 models)"}
    return [Study(f"classification_{task}", f"Matbench {task}, official folds: forests, "
                  "IRNet-17, calibrated, blends and stacked estimates, unweighted and "
                  "balanced; docs/user_guide/classification.md",
                  matbench(task, classification=True), official,
                  _classification_models(task), f"classification/{task}", budgets[task])
            for task in ("expt_is_metal", "glass")]


def _selection_studies() -> list[Study]:
    studies = []
    for task, classification in _MATBENCH.items():
        load, split = matbench(task, classification), _validation_split(classification)
        guide = "docs/user_guide/" + ("classification.md" if classification else "transfer.md")
        studies.append(Study(
            f"epochs_selection_{task}", f"fine-tuning epochs and pre-trained start on "
            f"{task}'s official training folds split 80/20 (seed = fold); {guide}", load,
            split, _epochs_models(task, classification), f"selection/epochs_{task}",
            "1 to 2 min per fit on 1 core (5 fits per model)"))
        studies.append(Study(
            f"blend_selection_{task}", f"candidates and blends on {task}'s official "
            f"training folds split 80/20 (seed = fold); {guide}", load, split,
            _blend_models(task, classification), f"selection/blends_{task}",
            "seconds per fit for trees, 2 min for networks and blends, on 1 core"))
    return studies


PORTED_STUDIES: list[Study] = [
    Study("recipe_defaults", "training recipes of IRNet-17 on the main job's data, "
          "KFold(5, seed 1); docs/user_guide/defaults.md", main_job, _shuffled_folds(1),
          _recipe_models, "recipe_defaults", "about 75 min on 1 core (11 recipes x 5 fits)"),
    *_output_init_studies(),
    *_classification_studies(),
    *_selection_studies(),
    Study("transfer_selection", "fine-tuning variants of oqmd-irnet17 on the main job's "
          "outer folds (seed 0), each training fold split 80/20 by formula (seed = fold); "
          "docs/user_guide/transfer.md", main_job, _transfer_split, _transfer_models,
          "transfer_selection", "about 3.5 h on 1 core (31 variants x 5 fits)"),
]
"""The ported studies, in the order ``python -m benchmarks list`` shows them."""

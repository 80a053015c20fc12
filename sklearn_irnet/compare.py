"""Compare regressors on the same cross-validation folds.

:func:`compare_models` runs each estimator through
:func:`sklearn.model_selection.cross_validate` with one shared splitter and gathers a tidy
table (one row per model and fold) plus out-of-fold predictions for parity plots.
:func:`make_model` builds the ready-made models by name: the classical baselines and the
nine networks of the IRNet paper. :func:`training_size_curve` repeats a comparison on
subsets of each training fold.

Rows that share a group (for example polymorphs sharing a formula) are kept on one side of
every split: with ``groups`` in which some label repeats, an integer ``cv`` gives a shuffled
:class:`~sklearn.model_selection.GroupKFold` instead of a :class:`~sklearn.model_selection.KFold`.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import (
    ExtraTreesRegressor,
    HistGradientBoostingRegressor,
    RandomForestRegressor,
)
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    PredefinedSplit,
    check_cv,
    cross_validate,
)
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .architecture import PRESETS
from .estimator import IRNetRegressor
from .preprocessing import ClipToTrainingRange

METRICS = ("mae", "rmse", "r2")
_SCORING = {
    "mae": "neg_mean_absolute_error",
    "rmse": "neg_root_mean_squared_error",
    "r2": "r2",
}


def _random_forest(random_state: int | None, n_jobs: int | None) -> BaseEstimator:
    return RandomForestRegressor(n_estimators=100, random_state=random_state, n_jobs=n_jobs)


def _extra_trees(random_state: int | None, n_jobs: int | None) -> BaseEstimator:
    return ExtraTreesRegressor(n_estimators=100, random_state=random_state, n_jobs=n_jobs)


def _hist_gradient_boosting(random_state: int | None, n_jobs: int | None) -> BaseEstimator:
    return HistGradientBoostingRegressor(max_iter=500, early_stopping=True,
                                         random_state=random_state)


def _ridge(random_state: int | None, n_jobs: int | None) -> BaseEstimator:
    return make_pipeline(ClipToTrainingRange(), StandardScaler(),
                         RidgeCV(alphas=np.logspace(-4, 3, 15)))


def _knn(random_state: int | None, n_jobs: int | None) -> BaseEstimator:
    return make_pipeline(
        ClipToTrainingRange(), StandardScaler(),
        KNeighborsRegressor(n_neighbors=5, weights="distance", n_jobs=n_jobs),
    )


def _dummy(random_state: int | None, n_jobs: int | None) -> BaseEstimator:
    return DummyRegressor(strategy="mean")


BASELINES: dict[str, Callable[[int | None, int | None], BaseEstimator]] = {
    "random_forest": _random_forest,
    "extra_trees": _extra_trees,
    "hist_gradient_boosting": _hist_gradient_boosting,
    "ridge": _ridge,
    "knn": _knn,
    "dummy": _dummy,
}
"""Classical scikit-learn baselines by name (ridge and k-NN clip their inputs to the training
range and standardise them)."""

PRETRAINED_OQMD = "oqmd-irnet17"
"""The shipped network that the transfer-learning models start from."""

TRANSFER_MODELS: tuple[str, ...] = (
    "irnet17_oqmd", "irnet17_ensemble", "irnet17_oqmd_ensemble", "extra_trees_oqmd",
)
"""Models built on the pre-trained OQMD network or on several networks: ``irnet17_oqmd``
fine-tunes :data:`PRETRAINED_OQMD` (new output layer), ``irnet17_ensemble`` and
``irnet17_oqmd_ensemble`` average 5 networks from different seeds
(:class:`~sklearn_irnet.ensemble.DeepEnsembleRegressor`, predictions with a spread),
``extra_trees_oqmd`` fits extra trees on the pre-trained network's last hidden activations
(:class:`~sklearn_irnet.transfer.PretrainedActivations`). The OQMD ones need the 145 Magpie
attributes as features."""

MODEL_NAMES: tuple[str, ...] = tuple(BASELINES) + tuple(sorted(PRESETS)) + TRANSFER_MODELS
"""Every name :func:`make_model` accepts."""


def make_model(
    name: str,
    *,
    random_state: int | None = 0,
    n_jobs: int | None = None,
    **network_params: Any,
) -> BaseEstimator:
    """Build a ready-made regressor by name.

    Parameters
    ----------
    name : str
        A baseline from :data:`BASELINES` (``"random_forest"``, ``"extra_trees"``,
        ``"hist_gradient_boosting"``, ``"ridge"``, ``"knn"``, ``"dummy"``), a network
        preset of the paper (``"irnet17"``, ``"plain17"``, ``"srnet48"``, ...) or a
        transfer-learning or ensemble model from :data:`TRANSFER_MODELS`.
    random_state : int or None, default=0
        Seed of the model.
    n_jobs : int or None, default=None
        Parallel jobs of the baselines that support it.
    **network_params
        Extra :class:`~sklearn_irnet.IRNetRegressor` parameters for network presets
        (e.g. ``max_iter=50``); ignored for baselines.

    Returns
    -------
    estimator : sklearn estimator
        An unfitted estimator.

    Examples
    --------
    >>> make_model("irnet17", max_iter=10).architecture
    'irnet17'
    >>> type(make_model("random_forest")).__name__
    'RandomForestRegressor'
    """
    key = name.strip().lower()
    if key in BASELINES:
        return BASELINES[key](random_state, n_jobs)
    if key in PRESETS:
        return IRNetRegressor(architecture=key, random_state=random_state, **network_params)
    if key in TRANSFER_MODELS:
        return _transfer_model(key, random_state, n_jobs, network_params)
    raise ValueError(f"Unknown model {name!r}; available models: {', '.join(MODEL_NAMES)}.")


def _transfer_model(
    key: str, random_state: int | None, n_jobs: int | None, network_params: dict[str, Any]
) -> BaseEstimator:
    from .ensemble import DeepEnsembleRegressor
    from .transfer import PretrainedActivations

    if key == "extra_trees_oqmd":
        return make_pipeline(PretrainedActivations(PRETRAINED_OQMD),
                             _extra_trees(random_state, n_jobs))
    network = IRNetRegressor(architecture="irnet17", random_state=random_state,
                             **network_params)
    if "oqmd" in key:
        # the network settings apply as given: on validation rows of the main job's data,
        # no fine-tuning variant beat them by more than the fold spread
        # (benchmarks/transfer_selection.py)
        network.set_params(pretrained=PRETRAINED_OQMD)
    if key.endswith("_ensemble"):
        return DeepEnsembleRegressor(network, n_estimators=5, random_state=random_state)
    return network


@dataclass
class ModelComparison:
    """Results of :func:`compare_models`.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per model and fold: ``model, fold, n_train, n_test, mae, rmse, r2,
        fit_time, predict_time`` (seconds).
    predictions : pandas.DataFrame
        Out-of-fold predictions: ``model, fold, row, y_true, y_pred``, and ``y_std`` for
        models whose ``predict`` returns a spread (``return_std=True``), empty for the
        others.
    estimators : dict of list
        The fitted estimator of every fold, by model name.
    """

    scores: pd.DataFrame
    predictions: pd.DataFrame
    estimators: dict[str, list[BaseEstimator]] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """Mean and standard deviation over folds per model, best MAE first.

        Returns
        -------
        summary : pandas.DataFrame
            Indexed by model, with columns such as ``mae_mean`` and ``mae_std``.
        """
        columns = [*METRICS, "fit_time", "predict_time"]
        grouped = self.scores.groupby("model", sort=False)[columns].agg(["mean", "std"])
        grouped.columns = [f"{metric}_{stat}" for metric, stat in grouped.columns]
        grouped.insert(0, "n_folds", self.scores.groupby("model", sort=False).size())
        return grouped.sort_values("mae_mean")

    def to_markdown(self, digits: int = 4) -> str:
        """The summary as a Markdown table (``mean ± std`` per metric)."""
        summary = self.summary()
        header = ["model", "folds", *[m.upper() for m in METRICS], "fit time (s)",
                  "predict time (s)"]
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for model, row in summary.iterrows():
            cells = [str(model), str(int(row["n_folds"]))]
            for metric in (*METRICS, "fit_time", "predict_time"):
                places = digits if metric in METRICS else 2
                cells.append(f"{row[f'{metric}_mean']:.{places}f} ± "
                             f"{np.nan_to_num(row[f'{metric}_std']):.{places}f}")
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)


def resolve_cv(
    cv: int | Any = 5,
    *,
    test_fold: Sequence[int] | np.ndarray | None = None,
    groups: Any = None,
    random_state: int | None = 0,
) -> Any:
    """The splitter used by :func:`compare_models`.

    An int gives a shuffled :class:`~sklearn.model_selection.KFold`, or, when ``groups``
    has a label on more than one row, a shuffled
    :class:`~sklearn.model_selection.GroupKFold`, so that the rows of a group are never split
    between training and test (``shuffle`` needs scikit-learn >= 1.6, the oldest version
    this package supports). Groups that are all distinct give the KFold, whose folds are
    then group folds already. ``test_fold`` (one fold id per row, ``-1`` for rows always in
    training) gives a :class:`~sklearn.model_selection.PredefinedSplit`, e.g. Matbench's
    official folds; anything else is passed to :func:`sklearn.model_selection.check_cv`.

    Raises
    ------
    ValueError
        If an int ``cv`` is below 2, or above the number of distinct groups.

    Examples
    --------
    >>> resolve_cv(3)
    KFold(n_splits=3, random_state=0, shuffle=True)
    >>> resolve_cv(2, groups=["a", "a", "b", "c"])
    GroupKFold(n_splits=2, random_state=0, shuffle=True)
    >>> resolve_cv(test_fold=[0, 1, 0, 1]).get_n_splits()
    2
    """
    if test_fold is not None:
        return PredefinedSplit(np.asarray(test_fold))
    if not isinstance(cv, int | np.integer):
        return check_cv(cv)
    if cv < 2:
        raise ValueError(f"cv must be at least 2 folds, got {cv}.")
    if groups is not None:
        labels = np.asarray(groups).reshape(-1)
        n_groups = len(np.unique(labels))
        if n_groups < len(labels):
            if n_groups < cv:
                raise ValueError(
                    f"cv={cv} folds need at least {cv} distinct groups, got {n_groups}."
                )
            return GroupKFold(n_splits=int(cv), shuffle=True, random_state=random_state)
    return KFold(n_splits=int(cv), shuffle=True, random_state=random_state)


def compare_models(
    models: Mapping[str, BaseEstimator] | Iterable[str],
    X: Any,
    y: Any,
    *,
    cv: int | Any = 5,
    test_fold: Sequence[int] | np.ndarray | None = None,
    groups: Any = None,
    n_jobs: int | None = None,
    random_state: int | None = 0,
    progress: Callable[[str], None] | None = None,
    **network_params: Any,
) -> ModelComparison:
    """Cross-validate several regressors on the same folds.

    Featurize before calling this function: every model sees the same matrix ``X`` and
    the same splits, so differences come from the models alone.

    Parameters
    ----------
    models : mapping of name to estimator, or iterable of names
        Estimators to compare; names are resolved with :func:`make_model`.
    X : array-like of shape (n_samples, n_features)
        Feature matrix.
    y : array-like of shape (n_samples,)
        Target.
    cv : int, splitter or iterable, default=5
        Cross-validation strategy, see :func:`resolve_cv` (an int with repeating
        ``groups`` splits by group).
    test_fold : array-like of int, optional
        Predefined fold of every row (overrides ``cv``).
    groups : array-like, optional
        Group label of each row; rows of a group stay on one side of every split made
        from an int ``cv``, and group-aware splitters receive them.
    n_jobs : int or None, default=None
        Folds fitted in parallel by ``cross_validate``. Workers limit the threads of
        torch and BLAS so that parallel folds do not oversubscribe the cores.
    random_state : int or None, default=0
        Seed of the shuffled (Group)KFold and of the models built by name.
    progress : callable, optional
        Called with a one-line message after each model (e.g. ``print``).
    **network_params
        Extra parameters for networks built by name (e.g. ``max_iter=50``).

    Returns
    -------
    ModelComparison
        Per-fold scores, out-of-fold predictions and the fitted estimators.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(60, 3)), rng.normal(size=60)
    >>> result = compare_models(["ridge", "dummy"], X, y, cv=3)
    >>> sorted(result.summary().index)
    ['dummy', 'ridge']
    >>> result.scores.shape
    (6, 9)
    """
    if isinstance(models, Mapping):
        named = dict(models)
    else:
        names = list(models)
        named = {name: make_model(name, random_state=random_state, **network_params)
                 for name in names}
    if not named:
        raise ValueError("models is empty: give at least one estimator or model name.")
    splitter = resolve_cv(cv, test_fold=test_fold, groups=groups, random_state=random_state)
    groups = _groups_for(cv, splitter, groups)
    y_array = np.asarray(y)
    score_rows, prediction_frames, estimators = [], [], {}
    for position, (name, estimator) in enumerate(named.items(), start=1):
        started = time.perf_counter()
        result = cross_validate(
            clone(estimator), X, y, groups=groups, cv=splitter, n_jobs=n_jobs,
            scoring=_SCORING, return_estimator=True, return_indices=True,
        )
        estimators[name] = result["estimator"]
        for fold, (fitted, test_idx) in enumerate(
            zip(result["estimator"], result["indices"]["test"], strict=True)
        ):
            score_rows.append({
                "model": name,
                "fold": fold,
                "n_train": len(result["indices"]["train"][fold]),
                "n_test": len(test_idx),
                "mae": -result["test_mae"][fold],
                "rmse": -result["test_rmse"][fold],
                "r2": result["test_r2"][fold],
                "fit_time": result["fit_time"][fold],
                "predict_time": result["score_time"][fold],
            })
            # predicted again (outside the timing) for parity plots, with the spread of
            # models that give one (predict(X, return_std=True))
            frame = {"model": name, "fold": fold, "row": test_idx,
                     "y_true": y_array[test_idx]}
            if "return_std" in inspect.signature(fitted.predict).parameters:
                y_pred, y_std = fitted.predict(_take_rows(X, test_idx), return_std=True)
                frame["y_std"] = np.asarray(y_std).ravel()
            else:
                y_pred = fitted.predict(_take_rows(X, test_idx))
            frame["y_pred"] = np.asarray(y_pred).ravel()
            prediction_frames.append(pd.DataFrame(frame))
        if progress is not None:
            maes = [row["mae"] for row in score_rows if row["model"] == name]
            progress(
                f"[{position}/{len(named)}] {name}: MAE {np.mean(maes):.4g} ± {np.std(maes):.2g} "
                f"over {len(maes)} folds ({time.perf_counter() - started:.1f} s)"
            )
    return ModelComparison(
        scores=pd.DataFrame(score_rows),
        predictions=pd.concat(prediction_frames, ignore_index=True),
        estimators=estimators,
    )


def training_size_curve(
    models: Mapping[str, BaseEstimator] | Iterable[str],
    X: Any,
    y: Any,
    fractions: Iterable[float],
    *,
    cv: int | Any = 5,
    groups: Any = None,
    full: ModelComparison | None = None,
    n_jobs: int | None = None,
    random_state: int | None = 0,
    progress: Callable[[str], None] | None = None,
    **network_params: Any,
) -> pd.DataFrame:
    """Test scores when each training fold is cut to fractions of its size.

    The test part of every fold stays whole; the training part is a random subset of
    ``fraction`` of its rows (at least 2), drawn once per fraction and fold.

    Parameters
    ----------
    models, X, y, cv, groups, n_jobs, random_state, progress, **network_params
        As for :func:`compare_models`; the folds are those of ``resolve_cv(cv, groups=...)``.
    fractions : iterable of float
        Fractions of each training fold, in (0, 1].
    full : ModelComparison, optional
        The comparison on whole training folds (same ``cv``, ``groups``, ``random_state``):
        its scores are reused for fraction 1 instead of fitting again.

    Returns
    -------
    pandas.DataFrame
        The per-fold ``scores`` of :class:`ModelComparison` for every fraction, stacked;
        ``n_train`` tells the fractions apart.

    Raises
    ------
    ValueError
        If a fraction lies outside (0, 1] or none is given.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(60, 3)), rng.normal(size=60)
    >>> table = training_size_curve(["ridge"], X, y, [0.5, 1.0], cv=3)
    >>> sorted(table["n_train"].unique())
    [np.int64(20), np.int64(40)]
    """
    fractions = sorted(set(fractions))
    if not fractions or fractions[0] <= 0 or fractions[-1] > 1:
        raise ValueError(f"fractions must lie in (0, 1], got {fractions}.")
    splitter = resolve_cv(cv, groups=groups, random_state=random_state)
    groups = _groups_for(cv, splitter, groups)
    rng = np.random.RandomState(random_state)
    tables = []
    for fraction in fractions:
        if fraction == 1.0 and full is not None:
            tables.append(full.scores)
            continue
        splits = []
        for train, test in splitter.split(X, y, groups):
            subset = rng.choice(train, max(2, int(round(fraction * len(train)))), replace=False)
            splits.append((np.sort(subset), test))
        if progress is not None:
            progress(f"training size {fraction:g} of each fold:")
        partial = compare_models(models, X, y, cv=splits, n_jobs=n_jobs,
                                 random_state=random_state, progress=progress,
                                 **network_params)
        tables.append(partial.scores)
    return pd.concat(tables, ignore_index=True)


def _groups_for(cv: Any, splitter: Any, groups: Any) -> Any:
    """``groups``, except for the KFold an int ``cv`` gave: its groups are all distinct and
    scikit-learn warns that KFold ignores them."""
    return None if isinstance(cv, int | np.integer) and isinstance(splitter, KFold) else groups


def _take_rows(X: Any, rows: np.ndarray) -> Any:
    return X.iloc[rows] if hasattr(X, "iloc") else np.asarray(X)[rows]

"""Cross-validate estimators on shared (repeated) splits: :func:`compare_models` and
:func:`training_size_curve`."""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone, is_classifier, is_regressor
from sklearn.utils import _safe_indexing
from sklearn.utils.parallel import Parallel, delayed

from ._provenance import provenance
from ._results import ModelComparison, metric_label
from ._scoring import INTERVAL_LOSSES, INTERVAL_METRICS, Metric, resolve_scoring
from ._splits import groups_for, repeats_of, resolve_cv

DEFAULT_REPEATS = 3
"""Repeats of an int ``cv`` when :func:`compare_models` is not told (3 × 5-fold)."""


def _named_models(models: Mapping[str, Any] | Iterable[Any]) -> dict[str, BaseEstimator]:
    """``{name: estimator}``; a list is named after the estimators' classes."""
    if isinstance(models, Mapping):
        named = {str(name): model for name, model in models.items()}
    else:
        named = {}
        for model in models:
            base = type(model).__name__.lower()
            name, count = base, 1
            while name in named:
                count += 1
                name = f"{base}-{count}"
            named[name] = model
    if not named:
        raise ValueError("models is empty: give at least one estimator.")
    for name, model in named.items():
        if isinstance(model, str):
            raise ValueError(
                f"Model {name!r} is the string {model!r}: compare_models takes estimator "
                "objects. Build the command line's models by name with "
                "sklearn_irnet.models.make_model(name).")
        if not hasattr(model, "fit") or not hasattr(model, "get_params"):
            raise ValueError(f"Model {name!r} is not a scikit-learn estimator "
                             f"({type(model).__name__}).")
    return named


def _task_of(named: Mapping[str, BaseEstimator]) -> str:
    """"classification" when every model is a classifier, "regression" when every one is a
    regressor; mixing them is an error."""
    kinds = {name: "classification" if is_classifier(model) else
             "regression" if is_regressor(model) else "unknown"
             for name, model in named.items()}
    unknown = [name for name, kind in kinds.items() if kind == "unknown"]
    if unknown:
        raise ValueError(f"Models {unknown} are neither regressors nor classifiers "
                         "(is_regressor/is_classifier are both False).")
    if len(set(kinds.values())) > 1:
        raise ValueError(f"compare_models compares regressors or classifiers, not both: "
                         f"{kinds}.")
    return next(iter(kinds.values()))


def _take_rows(X: Any, rows: np.ndarray) -> Any:
    return X.iloc[rows] if hasattr(X, "iloc") else np.asarray(X)[rows]


def _prediction_columns(fitted: BaseEstimator, X_test: Any, classification: bool
                        ) -> dict[str, np.ndarray]:
    """Out-of-fold predictions of one split: ``y_pred`` (and ``y_std`` for models that
    give one), or for classifiers the labels and class probabilities."""
    if classification:
        proba = np.asarray(fitted.predict_proba(X_test))
        classes = fitted.classes_
        columns = {"y_pred": classes[np.argmax(proba, axis=1)]}
        if len(classes) == 2:
            columns["y_score"] = proba[:, 1]
        else:
            columns.update({f"proba_{label}": proba[:, i] for i, label in enumerate(classes)})
        return columns
    if "return_std" in inspect.signature(fitted.predict).parameters:
        y_pred, y_std = fitted.predict(X_test, return_std=True)
        y_std = np.asarray(y_std, dtype=float).ravel()
        # a std of NaN (a network trained without a variance) or of zeros (DummyRegressor)
        # says nothing about the error: kept only when it does
        if np.isfinite(y_std).all() and (y_std > 0).any():
            return {"y_pred": np.asarray(y_pred).ravel(), "y_std": y_std,
                    **_interval_columns(fitted, X_test)}
        return {"y_pred": np.asarray(y_pred).ravel()}
    return {"y_pred": np.asarray(fitted.predict(X_test)).ravel()}


def _interval_columns(fitted: BaseEstimator, X_test: Any) -> dict[str, np.ndarray]:
    """The ends of the model's own 68 % and 95 % intervals (``y_lower_68``, ...), for
    models whose ``predict_interval(X, confidence_level)`` returns ``(lower, upper)``;
    none for others (MAPIE's ``predict_interval`` has another signature), or on a split
    where the model holds too few calibration rows for a level (that split is then read
    as a Gaussian)."""
    from .._calibration import TooFewCalibrationRows

    method = getattr(fitted, "predict_interval", None)
    if method is None or "confidence_level" not in inspect.signature(method).parameters:
        return {}
    columns = {}
    for level in (68, 95):
        try:
            lower, upper = method(X_test, confidence_level=level / 100)
        except TooFewCalibrationRows:
            return {}
        columns[f"y_lower_{level}"] = np.asarray(lower, dtype=float).ravel()
        columns[f"y_upper_{level}"] = np.asarray(upper, dtype=float).ravel()
    return columns


def compare_models(
    models: Mapping[str, BaseEstimator] | Iterable[BaseEstimator],
    X: Any,
    y: Any,
    *,
    cv: int | Any = 5,
    n_repeats: int | None = None,
    groups: Any = None,
    scoring: str | Sequence[str] | Mapping[str, Any] | None = None,
    random_state: int | None = 0,
    n_jobs: int | None = None,
    test_fold: Sequence[int] | np.ndarray | None = None,
    return_estimators: bool = True,
    progress: Callable[[str], None] | None = None,
) -> ModelComparison:
    """Cross-validate several estimators on the same (repeated) splits.

    Every model is cloned and fitted on exactly the same training rows of every split, so
    that paired differences between models are free of split-to-split noise. Whether the
    task is regression or classification follows from the estimators
    (:func:`~sklearn.base.is_classifier`). Featurize before calling this function (or put
    the featurizer in each model's pipeline).

    Parameters
    ----------
    models : mapping of name to estimator, or iterable of estimators
        The models (pipelines, searches, ensembles: any estimator). A list is named after
        the estimators' classes.
    X : array-like of shape (n_samples, n_features)
        Feature matrix.
    y : array-like of shape (n_samples,)
        Target (class labels for classification).
    cv : int, splitter or iterable, default=5
        Folds per repeat, see :func:`resolve_cv`: an int gives a shuffled KFold (grouped
        when ``groups`` repeat; stratified for classifiers); a splitter or a list of
        ``(train, test)`` index pairs is used as given.
    n_repeats : int or None, default=None
        Repeats of an int ``cv`` with new shuffles. None means 3 for an int ``cv`` (3 ×
        5-fold by default: the mean over 15 splits is steadier than over 5 and its interval
        narrower, which matters on the small datasets of materials science) and 1 for
        ``test_fold`` or a splitter object, which are used as given (values above 1 are an
        error there).
    groups : array-like, optional
        Group label of each row (e.g. the reduced formula); rows of a group stay on one
        side of every split made from an int ``cv``, and group-aware splitters receive
        them.
    scoring : str, list of str, dict or None, default=None
        Metrics, see :func:`~sklearn_irnet.compare.resolve_scoring`; the first orders the
        summary and is the one the paired tests compare. None: MAE, RMSE, R² for
        regressors; ROC-AUC, ROC-AUC of labels, accuracy, F1, Brier for classifiers.
    random_state : int or None, default=0
        Seed of the shuffled splits (the models keep their own ``random_state``).
    n_jobs : int or None, default=None
        Fits run in parallel: every (model, split) pair goes to one joblib pool, so a
        slow model's last splits share the workers with the next model's first ones.
        As in scikit-learn, ``None`` means 1 unless in a
        :func:`joblib.parallel_backend` context, and ``-1`` all processors.
    test_fold : array-like of int, optional
        Predefined fold of every row, e.g. Matbench's official folds (overrides ``cv``).
    return_estimators : bool, default=True
        Keep every split's fitted estimator in :attr:`ModelComparison.estimators`.
    progress : callable, optional
        Called with a one-line message after each model (e.g. ``print``).

    Returns
    -------
    ModelComparison
        Per-split scores, out-of-fold predictions, fitted estimators and provenance; its
        :meth:`~ModelComparison.summary` gives corrected 95 % intervals and the paired
        test of every model against the best.

    Raises
    ------
    ValueError
        If ``models`` is empty, holds strings or non-estimators, or mixes regressors and
        classifiers; if the splits or the metrics are invalid.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyRegressor
    >>> from sklearn.linear_model import Ridge
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 3))
    >>> y = X[:, 0] + 0.1 * rng.normal(size=60)
    >>> result = compare_models({"ridge": Ridge(), "mean": DummyRegressor()}, X, y, cv=3)
    >>> list(result.summary().index), len(result.scores)
    (['ridge', 'mean'], 18)
    >>> bool(result.summary().loc["mean", "distinguishable"])
    True
    """
    named = _named_models(models)
    task = _task_of(named)
    classification = task == "classification"
    metrics = resolve_scoring(scoring, classification)
    if n_repeats is None:
        own_splits = test_fold is None and isinstance(cv, int | np.integer)
        n_repeats = DEFAULT_REPEATS if own_splits else 1
    splitter = resolve_cv(cv, n_repeats=n_repeats, test_fold=test_fold, groups=groups,
                          random_state=random_state, stratify=classification)
    groups = groups_for(cv, splitter, groups)
    splits = list(splitter.split(X, y, groups))  # check_cv wraps lists in a splitter too
    n_repeats = repeats_of(splitter, len(splits))
    record = provenance(named, splitter=splitter, n_repeats=n_repeats,
                        random_state=random_state, n_jobs=n_jobs)
    started = time.perf_counter()
    score_rows, prediction_frames, estimators = [], [], {}
    for position, (name, splits_done) in enumerate(
            _fit_every_split(named, X, y, splits, metrics, classification, n_jobs,
                             keep_estimators=return_estimators), start=1):
        rows, frames, fitted = _split_records(name, splits_done, X, y, splits, metrics,
                                              classification, n_repeats)
        score_rows += rows
        prediction_frames += frames
        if return_estimators:
            estimators[name] = fitted
        if progress is not None:
            progress(_progress_line(position, len(named), name, rows, metrics[0],
                                    time.perf_counter() - started))
    record["duration_s"] = round(time.perf_counter() - started, 1)
    scores = pd.DataFrame(score_rows)
    intervals = tuple(name for name in INTERVAL_METRICS if name in scores.columns)
    columns = [column for column in scores.columns if column not in intervals]
    timing = columns.index("fit_time")
    scores = scores[columns[:timing] + list(intervals) + columns[timing:]]
    return ModelComparison(
        scores=scores,
        predictions=pd.concat(prediction_frames, ignore_index=True),
        metrics=tuple(metric.name for metric in metrics) + intervals,
        lower_is_better=tuple(metric.name for metric in metrics if metric.lower_is_better)
        + tuple(name for name in intervals if name in INTERVAL_LOSSES),
        task=task, estimators=estimators, provenance=record,
    )


def _interval_scores(y_true: np.ndarray, columns: dict[str, np.ndarray]
                     ) -> dict[str, float]:
    """The :data:`INTERVAL_METRICS` of one split, for a model that gave a std."""
    from ..uncertainty import coverage, crps_gaussian, gaussian_nll, interval_width

    y_std = columns.get("y_std")
    if y_std is None:
        return {}
    y_pred = columns["y_pred"]
    if "y_lower_95" in columns:  # the model's own intervals
        inside = {level: (columns[f"y_lower_{level}"] <= y_true)
                  & (y_true <= columns[f"y_upper_{level}"]) for level in (68, 95)}
        scores = {"coverage_68": float(inside[68].mean()),
                  "coverage_95": float(inside[95].mean()),
                  "width_95": float(np.mean(columns["y_upper_95"] - columns["y_lower_95"]))}
    else:
        scores = {"coverage_68": coverage(y_true, y_pred, y_std, 0.68),
                  "coverage_95": coverage(y_true, y_pred, y_std, 0.95),
                  "width_95": interval_width(y_std, 0.95)}
    try:
        scores["nll"] = gaussian_nll(y_true, y_pred, y_std)
        scores["crps"] = crps_gaussian(y_true, y_pred, y_std)
    except ValueError:  # a zero std: no density
        scores.update(nll=np.nan, crps=np.nan)
    return scores


def _fit_every_split(
    named: Mapping[str, BaseEstimator], X: Any, y: Any, splits: list,
    metrics: tuple[Metric, ...], classification: bool, n_jobs: int | None,
    keep_estimators: bool = True,
) -> Iterable[tuple[str, list[dict[str, Any]]]]:
    """Fit and score every (model, split) pair in one pool of ``n_jobs`` workers, yielding
    each model's splits, in the models' order, as soon as they are all done.

    One pool for every model, rather than one per model, keeps the workers busy: with
    5 splits on 2 workers the last split of a slow model runs beside the first splits of
    the next one instead of beside an idle worker. Without ``keep_estimators`` the
    fitted models stay in the workers (they are not sent back).
    """
    tasks = [(name, split) for name in named for split in range(len(splits))]
    outcomes = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_fit_and_score)(named[name], X, y, *splits[split], metrics, classification,
                                keep_estimators)
        for name, split in tasks)
    done: list[dict[str, Any]] = []
    for (name, split), outcome in zip(tasks, outcomes, strict=True):
        done.append(outcome)
        if split == len(splits) - 1:
            yield name, done
            done = []


def _fit_and_score(
    estimator: BaseEstimator, X: Any, y: Any, train: np.ndarray, test: np.ndarray,
    metrics: tuple[Metric, ...], classification: bool, keep_estimator: bool = True,
) -> dict[str, Any]:
    """Fit a clone on the training rows; its test scores, timings and predictions (and
    the fitted clone when ``keep_estimator``)."""
    fitted = clone(estimator)
    X_test, y_test = _take_rows(X, test), _safe_indexing(y, test)
    started = time.perf_counter()
    fitted.fit(_take_rows(X, train), _safe_indexing(y, train))
    fit_time = time.perf_counter() - started
    scores = {metric.name: metric(fitted, X_test, y_test) for metric in metrics}
    score_time = time.perf_counter() - started - fit_time
    # predicted again, outside the timing, for parity plots, ROC curves and intervals
    columns = _prediction_columns(fitted, X_test, classification)
    return {"estimator": fitted if keep_estimator else None, "scores": scores,
            "fit_time": fit_time,
            "score_time": score_time, "columns": columns}


def _split_records(
    name: str, outcomes: list[dict[str, Any]], X: Any, y: Any, splits: list,
    metrics: tuple[Metric, ...], classification: bool, n_repeats: int,
) -> tuple[list[dict[str, Any]], list[pd.DataFrame], list[BaseEstimator]]:
    """One model's splits as score rows, prediction frames and fitted estimators."""
    y_array = np.asarray(y)
    folds_per_repeat = len(splits) // n_repeats
    rows, frames = [], []
    for split, (outcome, (train, test)) in enumerate(zip(outcomes, splits, strict=True)):
        place = {"model": name, "repeat": split // folds_per_repeat,
                 "fold": split % folds_per_repeat, "split": split}
        columns = outcome["columns"]
        rows.append({**place, "n_train": len(train), "n_test": len(test),
                     **{metric.name: outcome["scores"][metric.name] for metric in metrics},
                     **({} if classification else
                        _interval_scores(y_array[test].astype(float), columns)),
                     "fit_time": outcome["fit_time"], "score_time": outcome["score_time"]})
        frames.append(pd.DataFrame({**place, "row": test, "y_true": y_array[test],
                                    **columns}))
    return rows, frames, [outcome["estimator"] for outcome in outcomes]


def _progress_line(position: int, total: int, name: str, rows: list[dict[str, Any]],
                   metric: Metric, elapsed: float) -> str:
    values = np.array([row[metric.name] for row in rows], dtype=float)
    fit_time = np.mean([row["fit_time"] for row in rows])
    return (f"[{position}/{total}] {name}: {metric_label(metric.name)} "
            f"{np.nanmean(values):.4g} ± {np.nanstd(values):.2g} over {len(values)} splits "
            f"({fit_time:.1f} s per fit; {elapsed:.0f} s into the comparison)")


def training_size_curve(
    models: Mapping[str, BaseEstimator] | Iterable[BaseEstimator],
    X: Any,
    y: Any,
    fractions: Iterable[float],
    *,
    cv: int | Any = 5,
    groups: Any = None,
    full: ModelComparison | None = None,
    scoring: str | Sequence[str] | Mapping[str, Any] | None = None,
    n_jobs: int | None = None,
    random_state: int | None = 0,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Test scores when each training fold is cut to fractions of its size.

    The test part of every fold stays whole; the training part is a random subset of
    ``fraction`` of its rows (at least 2), drawn once per fraction and fold.

    Parameters
    ----------
    models, X, y, cv, groups, scoring, n_jobs, random_state, progress
        As for :func:`compare_models` (one repeat of ``cv``).
    fractions : iterable of float
        Fractions of each training fold, in (0, 1].
    full : ModelComparison, optional
        The comparison on whole training folds (same ``cv``, ``groups``, ``random_state``,
        one repeat): its scores are reused for fraction 1 instead of fitting again.

    Returns
    -------
    pandas.DataFrame
        The per-split ``scores`` of :class:`ModelComparison` for every fraction, stacked;
        ``n_train`` tells the fractions apart.

    Raises
    ------
    ValueError
        If a fraction lies outside (0, 1] or none is given.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(60, 3)), rng.normal(size=60)
    >>> table = training_size_curve([Ridge()], X, y, [0.5, 1.0], cv=3)
    >>> sorted(table["n_train"].unique())
    [np.int64(20), np.int64(40)]
    """
    fractions = sorted(set(fractions))
    if not fractions or fractions[0] <= 0 or fractions[-1] > 1:
        raise ValueError(f"fractions must lie in (0, 1], got {fractions}.")
    named = _named_models(models)
    splitter = resolve_cv(cv, groups=groups, random_state=random_state,
                          stratify=_task_of(named) == "classification")
    groups = groups_for(cv, splitter, groups)
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
        partial = compare_models(named, X, y, cv=splits, n_repeats=1, scoring=scoring,
                                 n_jobs=n_jobs, random_state=random_state,
                                 return_estimators=False, progress=progress)
        tables.append(partial.scores)
    return pd.concat(tables, ignore_index=True)

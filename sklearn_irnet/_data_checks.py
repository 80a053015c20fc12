"""Checks and scaling of the numeric training data (finite values, numeric targets)."""

from __future__ import annotations

from typing import Any

import numpy as np


def check_finite(
    values: np.ndarray, name: str, feature_names: np.ndarray | None, owner: str
) -> None:
    """Raise a ValueError that counts NaN/inf values and names their columns.

    ``owner`` is the estimator's class name, said in the message.
    """
    finite = np.isfinite(values)
    if finite.all():
        return
    n_nan = int(np.isnan(values).sum())
    n_inf = int(values.size - finite.sum() - n_nan)
    columns = np.flatnonzero(~finite.all(axis=0))
    labels = [str(feature_names[c]) if feature_names is not None else f"column {c}"
              for c in columns[:10]]
    more = f" and {len(columns) - 10} more" if len(columns) > 10 else ""
    rows = np.flatnonzero(~finite.all(axis=1))
    raise ValueError(
        f"{name} contains {n_nan} NaN and {n_inf} infinite (inf) value(s) in {len(rows)} row(s), "
        f"in columns {labels}{more}. {owner} needs finite inputs: impute missing values "
        "(e.g. sklearn.impute.SimpleImputer in a Pipeline) or drop those rows."
    )


def numeric_target(y: np.ndarray) -> np.ndarray:
    if y.dtype.kind in "biuf":
        return y
    try:
        return y.astype(np.float64)
    except (TypeError, ValueError):
        example = next((v for v in np.ravel(y) if not _is_number(v)), None)
        raise ValueError(
            f"y must be numeric for a regressor, but it holds values such as {example!r} "
            "(could not convert string to float); convert or encode the target first."
        ) from None


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def standardization(values: np.ndarray, enabled: bool) -> tuple[np.ndarray, np.ndarray]:
    """Column means and scales; constant columns get scale 1 (they are only centred).

    Computed on columns divided by their largest magnitude, so that values near the
    float64 limit do not overflow when squared.
    """
    n_columns = values.shape[1]
    if not enabled:
        return np.zeros(n_columns), np.ones(n_columns)
    magnitude = np.abs(values).max(axis=0).astype(np.float64)
    magnitude[magnitude == 0] = 1.0
    normalised = values / magnitude
    mean = normalised.mean(axis=0, dtype=np.float64) * magnitude
    scale = normalised.std(axis=0, dtype=np.float64) * magnitude
    scale[~(scale > 1e-12 * np.maximum(np.abs(mean), 1e-300))] = 1.0
    return mean, scale

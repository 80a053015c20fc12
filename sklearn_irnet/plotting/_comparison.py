"""Figures for model comparisons: paired differences from the best model, parity plots,
learning curves, and for classifiers ROC curves and reliability diagrams (matplotlib,
PNG).

matplotlib is an optional dependency (``pip install 'sklearn-irnet[plot]'``); it is
imported when a figure is drawn, with the non-interactive Agg backend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ..uncertainty import DEFAULT_LEVELS, reliability_curve


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ImportError(
            "Plots need matplotlib: pip install 'sklearn-irnet[plot]' (or pass --no-plots)."
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _figure(figsize: tuple[float, float]) -> tuple[Any, Any, Any]:
    """Return pyplot, a new figure of ``figsize`` inches (constrained layout) and its axes."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return plt, fig, ax


def _save(plt: Any, fig: Any, path: str | Path) -> Path:
    """Write ``fig`` to ``path`` as a 120 dpi PNG, close it and return the path."""
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def parity_plot(
    predictions: pd.DataFrame,
    model: str,
    path: str | Path,
    *,
    target_label: str = "target",
) -> Path:
    """Scatter out-of-fold predictions of one model against the truth and save a PNG.

    Parameters
    ----------
    predictions : pandas.DataFrame
        Columns ``model``, ``y_true``, ``y_pred`` (as in ``ModelComparison.predictions``).
    model : str
        Which model to draw.
    path : str or Path
        Output file.
    target_label : str, default="target"
        Axis label (name and units of the target).

    Returns
    -------
    Path
        The written file.
    """
    rows = predictions[predictions["model"] == model]
    if rows.empty:
        raise ValueError(f"No predictions for model {model!r}.")
    y_true, y_pred = rows["y_true"].to_numpy(float), rows["y_pred"].to_numpy(float)
    mae = np.mean(np.abs(y_true - y_pred))
    low = float(min(y_true.min(), y_pred.min()))
    high = float(max(y_true.max(), y_pred.max()))
    plt, fig, ax = _figure((4.5, 4.5))
    ax.scatter(y_true, y_pred, s=6, alpha=0.4, edgecolors="none")
    ax.plot([low, high], [low, high], color="black", linewidth=0.8)
    ax.set_xlabel(f"true {target_label}")
    ax.set_ylabel(f"predicted {target_label}")
    ax.set_title(f"{model}: MAE {mae:.4g} (out-of-fold, n={len(rows)})")
    ax.set_aspect("equal")
    return _save(plt, fig, path)


def training_curves_plot(curves: Mapping[str, Sequence[Mapping[str, Sequence[float]]]],
                         path: str | Path, *, ylabel: str = "loss (standardised target)"
                         ) -> Path:
    """Plot per-epoch training and validation loss of networks, one line per fold.

    Parameters
    ----------
    curves : mapping
        ``{model: [{"train": [...], "valid": [...]}, ...]}``, one dict per fold
        (``"valid"`` may be empty).
    path : str or Path
        Output PNG.
    ylabel : str, default="loss (standardised target)"
        Label of the loss axis.

    Returns
    -------
    Path
        The written file.
    """
    plt, fig, ax = _figure((6, 4))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for position, (model, folds) in enumerate(curves.items()):
        color = colors[position % len(colors)]
        for fold, curve in enumerate(folds):
            label = model if fold == 0 else None
            ax.plot(curve["train"], color=color, linewidth=0.8, alpha=0.5)
            if curve.get("valid"):
                ax.plot(curve["valid"], color=color, linewidth=1.4, label=label)
            elif label:
                ax.plot([], color=color, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_yscale("log")
    ax.set_title("Learning curves: validation (thick) and training (thin) loss")
    ax.legend(fontsize="small")
    return _save(plt, fig, path)


def size_curve_plot(table: pd.DataFrame, path: str | Path, *, metric: str = "mae",
                    target_label: str = "target") -> Path:
    """Plot test error against training-set size, one line per model.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``model``, ``n_train`` and ``metric``.
    path : str or Path
        Output PNG.
    metric : str, default="mae"
        Column to plot.
    target_label : str, default="target"
        Units shown on the y axis.

    Returns
    -------
    Path
        The written file.
    """
    plt, fig, ax = _figure((6, 4))
    for model, rows in table.groupby("model", sort=False):
        stats = rows.groupby("n_train")[metric].agg(["mean", "std"]).reset_index()
        ax.errorbar(stats["n_train"], stats["mean"], yerr=stats["std"].fillna(0),
                    marker="o", capsize=3, label=model)
    ax.set_xscale("log")
    ax.set_xlabel("training rows")
    ax.set_ylabel(f"test {metric.upper()} ({target_label})")
    ax.legend(fontsize="small")
    return _save(plt, fig, path)


def _binary_rows(predictions: pd.DataFrame) -> pd.DataFrame:
    if "y_score" not in predictions.columns:
        raise ValueError("ROC curves and reliability plots need the y_score column of a "
                         "two-class comparison (compare_models(..., task='classification')).")
    return predictions


def _positive(rows: pd.DataFrame) -> np.ndarray:
    """Whether each row's true class is the second class of its model (the one y_score is
    the probability of): the class that the model's predictions call positive."""
    y_true = rows["y_true"].to_numpy()
    labels = np.unique(y_true)
    return y_true == labels[-1]


def roc_curve_plot(predictions: pd.DataFrame, path: str | Path) -> Path:
    """Draw the out-of-fold ROC curve of every model of a two-class comparison.

    Parameters
    ----------
    predictions : pandas.DataFrame
        Columns ``model``, ``y_true`` and ``y_score`` (the probability of the second class in
        sorted order), as in ``ModelComparison.predictions`` of a classification.
    path : str or Path
        Output PNG.

    Returns
    -------
    Path
        The written file.
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    predictions = _binary_rows(predictions)
    plt, fig, ax = _figure((5, 5))
    for model, rows in predictions.groupby("model", sort=False):
        positive, score = _positive(rows), rows["y_score"].to_numpy(float)
        fpr, tpr, _ = roc_curve(positive, score)
        ax.plot(fpr, tpr, linewidth=1.2,
                label=f"{model} (AUC {roc_auc_score(positive, score):.3f})")
    ax.plot([0, 1], [0, 1], color="gray", linewidth=0.8, linestyle="--")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title("ROC curves (out-of-fold, pooled over folds)")
    ax.set_aspect("equal")
    ax.legend(fontsize="small", loc="lower right")
    return _save(plt, fig, path)


def reliability_plot(predictions: pd.DataFrame, path: str | Path, *, n_bins: int = 10) -> Path:
    """Draw the reliability diagram (calibration curve) of every model of a two-class
    comparison, with its Brier score in the legend.

    Parameters
    ----------
    predictions : pandas.DataFrame
        Columns ``model``, ``y_true`` and ``y_score``, as for :func:`roc_curve_plot`.
    path : str or Path
        Output PNG.
    n_bins : int, default=10
        Equal-width probability bins.

    Returns
    -------
    Path
        The written file.
    """
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import brier_score_loss

    predictions = _binary_rows(predictions)
    plt, fig, ax = _figure((5, 5))
    for model, rows in predictions.groupby("model", sort=False):
        positive, score = _positive(rows), rows["y_score"].to_numpy(float)
        observed, predicted = calibration_curve(positive, score, n_bins=n_bins)
        ax.plot(predicted, observed, marker="o", markersize=3, linewidth=1.2,
                label=f"{model} (Brier {brier_score_loss(positive, score):.4f})")
    ax.plot([0, 1], [0, 1], color="gray", linewidth=0.8, linestyle="--")
    ax.set_xlabel("predicted probability of the positive class")
    ax.set_ylabel("observed share of positives")
    ax.set_title("Reliability (out-of-fold, pooled over folds)")
    ax.set_aspect("equal")
    ax.legend(fontsize="small", loc="upper left")
    return _save(plt, fig, path)


def differences_plot(summary: pd.DataFrame, *, metric: str, lower_is_better: bool,
                     note: str = "", ax: Any = None, path: str | Path | None = None) -> Any:
    """Each model's paired difference from the best model, with its corrected interval.

    Parameters
    ----------
    summary : pandas.DataFrame
        :meth:`ModelComparison.summary <sklearn_irnet.compare.ModelComparison.summary>`
        (best model first; columns ``diff_mean``, ``diff_low``, ``diff_high``,
        ``distinguishable``).
    metric : str
        Label of the compared metric.
    lower_is_better : bool
        Direction of the metric (for the axis label).
    note : str, default=""
        Appended to the title (e.g. how many splits).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    path : str or Path, optional
        Save the figure there as a PNG (and close it).

    Returns
    -------
    matplotlib Axes, or the written Path when ``path`` is given.
    """
    others = summary.iloc[1:]
    if ax is None:
        plt, fig, ax = _figure((6.5, 1.2 + 0.45 * max(len(others), 1)))
    else:
        plt, fig = _pyplot(), ax.figure
    positions = np.arange(len(others))[::-1]
    for position, (_, row) in zip(positions, others.iterrows(), strict=True):
        distinguishable = row["distinguishable"]
        color = ("tab:red" if not pd.isna(distinguishable) and bool(distinguishable)
                 else "tab:gray")
        low, high = row["diff_low"], row["diff_high"]
        if not np.isnan(low):
            ax.plot([low, high], [position, position], color=color, linewidth=2.5)
        ax.plot([row["diff_mean"]], [position], "o", color=color)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_yticks(positions, [str(model) for model in others.index])
    ax.set_xlabel(f"{metric} minus {summary.index[0]}'s on the same splits "
                  f"(> 0: {'worse' if lower_is_better else 'better'})")
    ax.set_title(f"Paired differences from the best, 95% CI{': ' + note if note else ''}\n"
                 "red: distinguishable from the best (p < 0.05)", fontsize="medium")
    if path is not None:
        return _save(plt, fig, path)
    return ax


def interval_reliability_plot(predictions: pd.DataFrame, path: str | Path) -> Path:
    """Observed against nominal coverage of ``y_pred ± z y_std``, one curve per model that
    gave a standard deviation (:func:`plot_reliability_diagram`).

    Parameters
    ----------
    predictions : pandas.DataFrame
        Columns ``model, y_true, y_pred, y_std`` (``ModelComparison.predictions``).
    path : str or Path
        Output PNG.

    Returns
    -------
    Path
        The written file.
    """
    plt, fig, ax = _figure((4.8, 4.8))
    for model, rows in predictions.dropna(subset=["y_std"]).groupby("model", sort=False):
        plot_reliability_diagram(rows["y_true"], rows["y_pred"], rows["y_std"], ax=ax,
                                 label=str(model))
    ax.set_title("Intervals mean ± z·std, out of fold")
    return _save(plt, fig, path)


def comparison_figures(out: str | Path, result: Any, *, target_label: str,
                       size_table: pd.DataFrame | None = None) -> list[Path]:
    """The figures ``sklearn-irnet compare`` writes next to a comparison's tables.

    ``differences.png`` (paired differences from the best model); for regression a
    parity plot per model (``parity_<model>.png``) and, when some model gives a standard
    deviation, ``interval_reliability.png``, for two classes ``roc_curves.png`` and
    ``reliability.png``; ``learning_curves.png`` for networks whose fitted estimators were
    kept, and ``size_curve.png`` with a ``size_table``.

    Returns
    -------
    list of Path
        The written files.
    """
    out = Path(out)
    written = []
    if len(result.models) > 1:
        written.append(result.plot_differences(path=out / "differences.png"))
    classification = result.task == "classification"
    if classification and "y_score" in result.predictions.columns:
        written.append(roc_curve_plot(result.predictions, out / "roc_curves.png"))
        written.append(reliability_plot(result.predictions, out / "reliability.png"))
    for model in result.models if not classification else ():
        written.append(parity_plot(result.predictions, model, out / f"parity_{model}.png",
                                   target_label=target_label))
    if not classification and "y_std" in result.predictions.columns:
        written.append(interval_reliability_plot(result.predictions,
                                                 out / "interval_reliability.png"))
    curves = {
        model: [{"train": est.loss_curve_, "valid": est.validation_loss_curve_ or []}
                for est in fitted]
        for model, fitted in result.estimators.items() if hasattr(fitted[0], "loss_curve_")
    }
    if curves:
        written.append(training_curves_plot(
            curves, out / "learning_curves.png",
            ylabel="cross-entropy" if classification else "loss (standardised target)"))
    if size_table is not None:
        written.append(size_curve_plot(size_table, out / "size_curve.png",
                                       target_label=target_label, metric=result.main_metric))
    return written


def plot_reliability_diagram(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    y_std: ArrayLike,
    *,
    levels: Sequence[float] = DEFAULT_LEVELS,
    ax: Any = None,
    label: str | None = None,
) -> Any:
    """Draw observed against nominal coverage of the intervals ``y_pred ± z * y_std``.

    Each point is one nominal level: the share of ``y_true`` inside the central interval
    of that level (:func:`~sklearn_irnet.uncertainty.reliability_curve`). Points on the
    dashed diagonal are calibrated; below it the intervals are too narrow, above it too
    wide. Call it again on the same ``ax`` to compare models.

    Parameters
    ----------
    y_true, y_pred, y_std : array-like of the same shape
        True values, predicted means and standard deviations.
    levels : sequence of float, default=DEFAULT_LEVELS
        Nominal levels in (0, 1).
    ax : matplotlib Axes or None, default=None
        Axes to draw on; None makes a new 4.5 x 4.5 inch figure.
    label : str or None, default=None
        Legend entry of this curve.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_irnet.plotting import plot_reliability_diagram
    >>> rng = np.random.RandomState(0)
    >>> y_std = rng.uniform(0.5, 2.0, size=500)
    >>> y_true = y_std * rng.normal(size=500)
    >>> ax = plot_reliability_diagram(y_true, np.zeros(500), y_std, label="calibrated")
    >>> ax = plot_reliability_diagram(y_true, np.zeros(500), y_std / 3, ax=ax,
    ...                               label="too narrow")
    >>> [line.get_label() for line in ax.get_lines()]
    ['ideal', 'calibrated', 'too narrow']
    >>> ax.figure.savefig("reliability.png")  # doctest: +SKIP
    """
    nominal, observed = reliability_curve(y_true, y_pred, y_std, levels)
    if ax is None:
        plt = _pyplot()
        _, ax = plt.subplots(figsize=(4.5, 4.5), layout="constrained")
    if not any(line.get_label() == "ideal" for line in ax.get_lines()):
        ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--", label="ideal")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.set_xlabel("nominal coverage of mean ± z·std")
        ax.set_ylabel("observed coverage")
    ax.plot(nominal, observed, marker="o", label=label)
    if label is not None:
        ax.legend(loc="upper left", fontsize=8)
    return ax

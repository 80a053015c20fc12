"""Write the results of a model comparison: tables, a Markdown leaderboard, run details, plots.

:func:`write_comparison` writes what ``sklearn-irnet compare`` leaves in its output folder;
:func:`leaderboard_markdown` sets a comparison beside published numbers (``sklearn-irnet
matbench``); :func:`environment` records the versions and machine a run used.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._version import __version__
from .compare import ModelComparison

__all__ = ["environment", "leaderboard_markdown", "write_comparison"]


def environment() -> dict[str, dict[str, str]]:
    """Versions of the packages a run used, and the machine it ran on.

    Returns
    -------
    dict
        ``{"versions": {...}, "machine": {...}}`` of plain strings.

    Examples
    --------
    >>> sorted(environment())
    ['machine', 'versions']
    """
    import sklearn
    import skorch
    import torch

    versions = {"sklearn-irnet": __version__, "scikit-learn": sklearn.__version__,
                "skorch": skorch.__version__, "torch": torch.__version__,
                "torch_threads": str(torch.get_num_threads()),
                "python": platform.python_version()}
    machine = {"platform": platform.platform(), "processor": platform.processor()}
    return {"versions": versions, "machine": machine}


def leaderboard_markdown(
    title: str,
    result: ModelComparison,
    published: Mapping[str, float],
    *,
    ours: str = "this run (official folds)",
    theirs: str = "Matbench v0.1 leaderboard",
) -> str:
    """A Markdown table of mean MAEs (or ROC-AUCs): this comparison's models beside
    published ones.

    Parameters
    ----------
    title : str
        Heading of the table (a level-3 Markdown heading).
    result : ModelComparison
        The comparison; each model's mean and standard deviation over folds is listed.
    published : mapping of str to float
        Published mean MAE by model name (no standard deviation); for a classification
        comparison, the published mean ROC-AUC.
    ours, theirs : str
        The "source" column of this run's rows and of the published rows.

    Returns
    -------
    str
        The heading and the table, best MAE (highest ROC-AUC) first. A classification
        table also lists this run's accuracy, F1 and Brier score.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_irnet.compare import compare_models
    >>> rng = np.random.RandomState(0)
    >>> result = compare_models(["dummy"], rng.normal(size=(30, 2)), rng.normal(size=30), cv=3)
    >>> print(leaderboard_markdown("demo", result, {"paper": 0.5}))
    ### demo
    <BLANKLINE>
    | model | mean MAE | std | source |
    |---|---|---|---|
    | paper | 0.5 |  | Matbench v0.1 leaderboard |
    | dummy | 0.8362 | 0.04172 | this run (official folds) |
    """
    if result.task == "classification":
        return _classification_leaderboard(title, result, published, ours, theirs)
    summary = result.summary()
    lines = [f"### {title}", "", "| model | mean MAE | std | source |", "|---|---|---|---|"]
    rows = [(name, row["mae_mean"], row["mae_std"], ours) for name, row in summary.iterrows()]
    rows += [(name, mae, float("nan"), theirs) for name, mae in published.items()]
    for name, mae, std, source in sorted(rows, key=lambda r: r[1]):
        std_text = "" if np.isnan(std) else f"{std:.4g}"
        lines.append(f"| {name} | {mae:.4g} | {std_text} | {source} |")
    return "\n".join(lines)


def _classification_leaderboard(
    title: str, result: ModelComparison, published: Mapping[str, float], ours: str,
    theirs: str,
) -> str:
    # Matbench scores hard True/False predictions with roc_auc_score, so the published
    # numbers are set beside the ROC-AUC of the predicted labels (the balanced accuracy)
    summary = result.summary()
    lines = [f"### {title}", "",
             "ROC-AUC (labels) is Matbench's metric, the ROC-AUC of hard predictions; "
             "ROC-AUC (proba) ranks the predicted probabilities.", "",
             "| model | ROC-AUC (labels) | std | ROC-AUC (proba) | accuracy | F1 | Brier "
             "| source |",
             "|---|---|---|---|---|---|---|---|"]
    rows = [(name, row["roc_auc_labels_mean"], f"{row['roc_auc_labels_std']:.3g}",
             f"{row['roc_auc_mean']:.4f}", f"{row['accuracy_mean']:.4f}",
             f"{row['f1_mean']:.4f}",
             "" if np.isnan(row["brier_mean"]) else f"{row['brier_mean']:.4f}", ours)
            for name, row in summary.iterrows()]
    rows += [(name, auc, "", "", "", "", "", theirs) for name, auc in published.items()]
    for name, auc, *rest in sorted(rows, key=lambda r: -np.nan_to_num(r[1], nan=-1.0)):
        lines.append(f"| {name} | {auc:.4g} | " + " | ".join(rest) + " |")
    return "\n".join(lines)


def write_comparison(
    out: str | Path,
    result: ModelComparison,
    *,
    target_label: str,
    config: Mapping[str, Any] | None = None,
    size_table: pd.DataFrame | None = None,
    plots: bool = True,
) -> Path:
    """Write a comparison's tables, run details and figures into a folder.

    Files: ``scores.csv`` (per fold), ``summary.csv``, ``predictions.csv`` (out of fold),
    ``summary.md``, ``config.json`` (``config`` plus :func:`environment`), with
    ``size_table`` also ``size_curve.csv``; with ``plots`` a parity plot per model
    (``parity_<model>.png``; for a two-class comparison instead ``roc_curves.png`` and
    ``reliability.png``), ``learning_curves.png`` for the networks and
    ``size_curve.png``.

    Parameters
    ----------
    out : str or path
        Folder, created if needed.
    result : ModelComparison
        What :func:`~sklearn_irnet.compare.compare_models` returned.
    target_label : str
        Name and unit of the target, for the figures.
    config : mapping, optional
        How the run was made (command, arguments); stored in ``config.json``.
    size_table : pandas.DataFrame, optional
        What :func:`~sklearn_irnet.compare.training_size_curve` returned.
    plots : bool, default=True
        Draw the PNG figures (needs matplotlib).

    Returns
    -------
    pathlib.Path
        The folder.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from sklearn_irnet.compare import compare_models
    >>> rng = np.random.RandomState(0)
    >>> result = compare_models(["dummy"], rng.normal(size=(30, 2)), rng.normal(size=30), cv=3)
    >>> folder = write_comparison(tempfile.mkdtemp(), result, target_label="y", plots=False)
    >>> sorted(path.name for path in folder.iterdir())
    ['config.json', 'predictions.csv', 'scores.csv', 'summary.csv', 'summary.md']
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    result.scores.to_csv(out / "scores.csv", index=False)
    result.summary().to_csv(out / "summary.csv")
    result.predictions.to_csv(out / "predictions.csv", index=False)
    (out / "summary.md").write_text(result.to_markdown() + "\n")
    details = {**(config or {}), **environment()}
    (out / "config.json").write_text(json.dumps(details, indent=2, default=str) + "\n")
    if size_table is not None:
        size_table.to_csv(out / "size_curve.csv", index=False)
    if plots:
        _plot_comparison(out, result, target_label, size_table)
    return out


def _plot_comparison(out: Path, result: ModelComparison, target_label: str,
                     size_table: pd.DataFrame | None) -> None:
    from .plotting import (
        parity_plot,
        reliability_plot,
        roc_curve_plot,
        size_curve_plot,
        training_curves_plot,
    )

    classification = result.task == "classification"
    if classification and "y_score" in result.predictions.columns:
        roc_curve_plot(result.predictions, out / "roc_curves.png")
        reliability_plot(result.predictions, out / "reliability.png")
    for model in result.estimators if not classification else ():
        parity_plot(result.predictions, model, out / f"parity_{model}.png",
                    target_label=target_label)
    curves = {
        model: [{"train": est.loss_curve_, "valid": est.validation_loss_curve_ or []}
                for est in fitted]
        for model, fitted in result.estimators.items() if hasattr(fitted[0], "loss_curve_")
    }
    if curves:
        training_curves_plot(curves, out / "learning_curves.png",
                             ylabel="cross-entropy" if classification else
                             "loss (standardised target)")
    if size_table is not None:
        size_curve_plot(size_table, out / "size_curve.png", target_label=target_label,
                        metric=result.main_metric)

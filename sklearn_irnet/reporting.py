"""Write the results of a model comparison: tables, a Markdown leaderboard, provenance,
plots.

:func:`write_comparison` writes what ``sklearn-irnet compare`` leaves in its output folder;
:func:`leaderboard_markdown` sets a comparison beside published numbers (``sklearn-irnet
matbench``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .compare import ModelComparison
from .compare._results import _decimals

__all__ = ["MATBENCH_LEADERBOARD", "leaderboard_markdown", "write_comparison"]

#: Public Matbench v0.1 leaderboard means of the composition tasks that
#: ``sklearn-irnet matbench`` sets its results beside (model name: MAE in the task's unit
#: for regression tasks, ROC-AUC for classification tasks).
MATBENCH_LEADERBOARD: dict[str, dict[str, float]] = {
    "matbench_expt_gap": {"RF-SCM/Magpie": 0.446, "AMMExpress": 0.416, "CrabNet": 0.346,
                          "MODNet": 0.333},
    "matbench_steels": {"RF-SCM/Magpie": 103.5, "AMMExpress": 97.5, "MODNet": 87.8},
    # classification tasks: mean ROC-AUC (higher is better)
    "matbench_expt_is_metal": {"RF-SCM/Magpie": 0.917, "AMMExpress": 0.921,
                               "best (leaderboard)": 0.960},
    "matbench_glass": {"RF-SCM/Magpie": 0.859, "AMMExpress": 0.861, "MODNet": 0.960},
}


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
    >>> from sklearn.dummy import DummyRegressor
    >>> from sklearn_irnet.compare import compare_models
    >>> rng = np.random.RandomState(0)
    >>> result = compare_models({"dummy": DummyRegressor()}, rng.normal(size=(30, 2)),
    ...                         rng.normal(size=30), cv=3, n_repeats=1)
    >>> print(leaderboard_markdown("demo", result, {"paper": 0.5}))
    ### demo
    <BLANKLINE>
    | model | mean MAE | 95% CI | source |
    |---|---|---|---|
    | paper | 0.5 |  | Matbench v0.1 leaderboard |
    | dummy | 0.8362 | [0.6723, 1.0000] | this run (official folds) |
    """
    if result.task == "classification":
        return _classification_leaderboard(title, result, published, ours, theirs)
    summary = result.summary()
    lines = [f"### {title}", "", "| model | mean MAE | 95% CI | source |", "|---|---|---|---|"]
    rows = [(name, row["mae_mean"], _interval(row, "mae"), ours)
            for name, row in summary.iterrows()]
    rows += [(name, mae, "", theirs) for name, mae in published.items()]
    for name, mae, interval, source in sorted(rows, key=lambda r: r[1]):
        lines.append(f"| {name} | {mae:.4g} | {interval} | {source} |")
    return "\n".join(lines)


def _interval(row: pd.Series, metric: str) -> str:
    """``[low, high]`` of a summary row's corrected interval (the decimals that give its
    mean 4 significant digits), empty when undefined."""
    low, high = row[f"{metric}_low"], row[f"{metric}_high"]
    places = _decimals(row[f"{metric}_mean"], 4)
    return "" if np.isnan(low) else f"[{low:.{places}f}, {high:.{places}f}]"


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
             "| model | ROC-AUC (labels) | 95% CI | ROC-AUC (proba) | accuracy | F1 | Brier "
             "| source |",
             "|---|---|---|---|---|---|---|---|"]
    rows = [(name, row["roc_auc_labels_mean"], _interval(row, "roc_auc_labels"),
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
    run: Mapping[str, Any] | None = None,
    size_table: pd.DataFrame | None = None,
    plots: bool = True,
) -> Path:
    """Write a comparison's tables, provenance and figures into a folder.

    Files: those of :meth:`ModelComparison.save
    <sklearn_irnet.compare.ModelComparison.save>` (``scores.csv``, ``predictions.csv``,
    ``summary.csv``, ``summary.md``, ``provenance.json`` with ``run`` under ``"run"``), with
    ``size_table`` also ``size_curve.csv``, and with ``plots`` the figures of
    :func:`~sklearn_irnet.plotting.comparison_figures`.

    Parameters
    ----------
    out : str or path
        Folder, created if needed.
    result : ModelComparison
        What :func:`~sklearn_irnet.compare.compare_models` returned.
    target_label : str
        Name and unit of the target, for the figures.
    run : mapping, optional
        How the run was made (command line, arguments); stored in the provenance.
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
    >>> from sklearn.dummy import DummyRegressor
    >>> from sklearn_irnet.compare import compare_models
    >>> rng = np.random.RandomState(0)
    >>> result = compare_models([DummyRegressor()], rng.normal(size=(30, 2)),
    ...                         rng.normal(size=30), cv=3)
    >>> folder = write_comparison(tempfile.mkdtemp(), result, target_label="y", plots=False)
    >>> sorted(path.name for path in folder.iterdir())
    ['predictions.csv', 'provenance.json', 'scores.csv', 'summary.csv', 'summary.md']
    """
    if run is not None:
        result.provenance["run"] = dict(run)
    out = result.save(out)
    if size_table is not None:
        size_table.to_csv(out / "size_curve.csv", index=False)
    if plots:
        from .plotting import comparison_figures

        comparison_figures(out, result, target_label=target_label, size_table=size_table)
    return out

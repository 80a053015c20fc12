"""The result of a comparison: per-split scores, out-of-fold predictions, a summary with
corrected intervals and paired tests, tables, plots, and files that reload."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from ._scoring import INTERVAL_LOSSES, INTERVAL_METRICS
from ._stats import CONFIDENCE, corrected_mean

_LABELS = {"mae": "MAE", "rmse": "RMSE", "mse": "MSE", "medae": "MedAE", "r2": "R²",
           "coverage_68": "68% coverage", "coverage_95": "95% coverage",
           "width_95": "95% width", "nll": "NLL", "crps": "CRPS",
           "roc_auc": "ROC-AUC", "roc_auc_labels": "ROC-AUC (labels)", "accuracy": "accuracy",
           "f1": "F1", "brier": "Brier", "log_loss": "log-loss"}
_FILES = ("scores.csv", "predictions.csv", "summary.csv", "summary.md", "provenance.json")


def _decimals(value: float, digits: int) -> int:
    """Decimals that show ``value`` with ``digits`` significant digits (at least 0)."""
    if not np.isfinite(value) or value == 0:
        return digits
    return max(0, digits - 1 - int(np.floor(np.log10(abs(value)))))


def _interval_text(mean: float, low: float, high: float, decimals: int,
                   sign: str = "") -> str:
    """``mean [low, high]``, or the mean alone where the interval is undefined."""
    if np.isnan(mean):
        return ""
    text = f"{mean:{sign}.{decimals}f}"
    if np.isnan(low):
        return text
    return f"{text} [{low:{sign}.{decimals}f}, {high:{sign}.{decimals}f}]"


def metric_label(metric: str) -> str:
    """How a metric column is titled in tables and figures (``"mae"`` -> ``"MAE"``)."""
    return _LABELS.get(metric, metric)


@dataclass
class ModelComparison:
    """Results of :func:`~sklearn_irnet.compare.compare_models`.

    In a notebook the object shows itself as its summary table; ``print`` gives the same
    table as text.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per model and split (long format over models and splits): ``model,
        repeat, fold, split, n_train, n_test``, one column per metric, ``fit_time,
        score_time`` (seconds).
    predictions : pandas.DataFrame
        Out-of-fold predictions: ``model, repeat, fold, split, row, y_true, y_pred``, and
        ``y_std`` for models whose ``predict(X, return_std=True)`` gives a standard
        deviation (finite and not all zero); those models also get the interval columns
        of :data:`~sklearn_irnet.compare.INTERVAL_METRICS` in :attr:`scores`, and
        ``y_lower_68, y_upper_68, y_lower_95, y_upper_95`` where the model has its own
        ``predict_interval(X, confidence_level)``.
        Classification adds ``y_score``, the probability of the second class, for two
        classes, or ``proba_<label>`` per class for more.
    metrics : tuple of str
        The metric columns of :attr:`scores`; the first orders the summary.
    lower_is_better : tuple of str
        The metrics that are losses (shown lower first).
    task : {"regression", "classification"}
    estimators : dict of list
        The fitted estimator of every split, by model name (empty when the comparison was
        run with ``return_estimators=False`` or loaded from files).
    provenance : dict
        What ran: every model's class and parameters, the splitter, seeds, package
        versions, the commit of this package when known, threads and machine.
    """

    scores: pd.DataFrame
    predictions: pd.DataFrame
    metrics: tuple[str, ...] = ("mae", "rmse", "r2")
    lower_is_better: tuple[str, ...] = ("mae", "rmse")
    task: str = "regression"
    estimators: dict[str, list[BaseEstimator]] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def main_metric(self) -> str:
        """The metric that orders the summary and that the paired tests compare."""
        return self.metrics[0]

    @property
    def models(self) -> list[str]:
        """Model names in the order they ran."""
        return list(dict.fromkeys(self.scores["model"]))

    def best_model(self, metric: str | None = None) -> str:
        """The model with the best mean ``metric`` (default :attr:`main_metric`)."""
        metric = metric or self.main_metric
        means = self.scores.groupby("model", sort=False)[metric].mean()
        return str(means.idxmin() if metric in self.lower_is_better else means.idxmax())

    def _ratio(self, rows: pd.DataFrame) -> float:
        return float(np.mean(rows["n_test"] / rows["n_train"]))

    def paired_differences(self, model: str, reference: str,
                           metric: str | None = None) -> pd.Series:
        """``model``'s score minus ``reference``'s on each split both were scored on.

        Returns
        -------
        pandas.Series
            Indexed by split.
        """
        metric = metric or self.main_metric
        table = self.scores.pivot_table(index="split", columns="model", values=metric,
                                        aggfunc="first")
        for name in (model, reference):
            if name not in table.columns:
                raise ValueError(f"No scores for model {name!r}; models: {self.models}.")
        return (table[model] - table[reference]).dropna()

    def summary(self, confidence: float = CONFIDENCE) -> pd.DataFrame:
        """Per model: mean, standard deviation and corrected interval of every metric,
        and the paired comparison with the best model, best first.

        Intervals and tests correct for the overlap of training sets between splits
        (Nadeau and Bengio 2003, see :func:`~sklearn_irnet.compare.corrected_mean`): the
        variance of a mean over ``J`` splits is ``(1/J + n_test/n_train) s**2``, with
        Student's t at ``J - 1`` degrees of freedom.

        Parameters
        ----------
        confidence : float, default=0.95

        Returns
        -------
        pandas.DataFrame
            Indexed by model: ``n_splits``; per metric ``<metric>_mean``, ``_std``,
            ``_low``, ``_high``; ``fit_time_mean``; for the main metric, the paired
            difference from the best model ``diff_mean``, ``diff_low``, ``diff_high``, its
            ``p_value`` and ``distinguishable`` (p below ``1 - confidence``; NaN for the
            best model itself).
        """
        best = self.best_model()
        rows = {}
        for model, group in self.scores.groupby("model", sort=False):
            ratio = self._ratio(group)
            row: dict[str, Any] = {"n_splits": len(group)}
            for metric in self.metrics:
                estimate = corrected_mean(group[metric].to_numpy(float), ratio, confidence)
                row.update({f"{metric}_mean": estimate.mean, f"{metric}_std": estimate.std,
                            f"{metric}_low": estimate.low, f"{metric}_high": estimate.high})
            row["fit_time_mean"] = float(group["fit_time"].mean())
            if model == best:
                row.update(diff_mean=0.0, diff_low=np.nan, diff_high=np.nan, p_value=np.nan,
                           distinguishable=np.nan)
            else:
                difference = corrected_mean(
                    self.paired_differences(str(model), best).to_numpy(), ratio, confidence)
                row.update(diff_mean=difference.mean, diff_low=difference.low,
                           diff_high=difference.high, p_value=difference.p_value,
                           distinguishable=(np.nan if np.isnan(difference.p_value)
                                            else bool(difference.p_value < 1 - confidence)))
            rows[model] = row
        summary = pd.DataFrame.from_dict(rows, orient="index")
        summary.index.name = "model"
        ascending = self.main_metric in self.lower_is_better
        return summary.sort_values(f"{self.main_metric}_mean", ascending=ascending,
                                   kind="stable")

    def table(self, digits: int = 3, confidence: float = CONFIDENCE) -> pd.DataFrame:
        """The summary as display strings: ``mean [low, high]`` per metric, the paired
        difference from the best model and whether it is distinguishable from zero.

        Parameters
        ----------
        digits : int, default=3
            Significant digits of the best model's mean; every value of a metric gets
            the same number of decimals.
        confidence : float, default=0.95

        Returns
        -------
        pandas.DataFrame
            One row per model, best first; the columns of :meth:`to_markdown`.
        """
        summary = self.summary(confidence)
        level = f"{confidence:.0%}"
        main = metric_label(self.main_metric)
        best = summary.index[0]
        decimals = {metric: _decimals(next(iter(summary[f"{metric}_mean"].dropna()), np.nan),
                                      digits)
                    for metric in self.metrics}
        rows = []
        for model, row in summary.iterrows():
            cells = {"model": model, "splits": int(row["n_splits"])}
            for metric in self.metrics:
                cells[f"{metric_label(metric)} ({level} CI)"] = _interval_text(
                    row[f"{metric}_mean"], row[f"{metric}_low"], row[f"{metric}_high"],
                    decimals[metric])
            cells["fit time (s)"] = f"{row['fit_time_mean']:.1f}"
            places = decimals[self.main_metric]
            if model == best:
                cells.update({f"Δ {main} vs best": "best", "p": "",
                              "distinguishable from best?": ""})
            else:
                cells[f"Δ {main} vs best"] = _interval_text(
                    row["diff_mean"], row["diff_low"], row["diff_high"], places, sign="+")
                cells["p"] = "" if np.isnan(row["p_value"]) else f"{row['p_value']:.3f}"
                cells["distinguishable from best?"] = (
                    "n/a" if pd.isna(row["distinguishable"])
                    else "yes" if row["distinguishable"] else "no")
            rows.append(cells)
        return pd.DataFrame(rows)

    def to_markdown(self, digits: int = 3) -> str:
        """The summary as a Markdown table (see :meth:`table`), with a line saying how
        the intervals and the test were computed."""
        table = self.table(digits)
        lines = ["| " + " | ".join(table.columns) + " |",
                 "|" + "---|" * len(table.columns)]
        lines += ["| " + " | ".join(str(cell) for cell in row) + " |"
                  for row in table.itertuples(index=False)]
        return "\n".join(lines) + "\n\n" + self.method_note()

    def method_note(self) -> str:
        """One sentence on the splits, the intervals and the paired test."""
        n_splits = self.scores.groupby("model").size().max()
        repeats = int(self.scores["repeat"].nunique())
        folds = int(self.scores["fold"].nunique())
        layout = (f"{repeats} × {folds}-fold ({n_splits} splits)" if repeats > 1
                  else f"{n_splits} splits")
        return (f"{layout}; 95% intervals and paired tests use the "
                f"Nadeau-Bengio corrected resampled t (the splits share training rows); "
                f"Δ is each model's {metric_label(self.main_metric)} minus the best "
                f"model's on the same splits.")

    def _repr_html_(self) -> str:
        return (self.table().to_html(index=False, escape=True)
                + f"<p>{self.method_note()}</p>")

    def __repr__(self) -> str:
        return (f"ModelComparison({self.task}, {len(self.models)} models)\n"
                + self.table().to_string(index=False) + "\n" + self.method_note())

    def plot_differences(self, ax: Any = None, path: str | Path | None = None,
                         exclude: tuple[str, ...] = ()) -> Any:
        """Draw each model's paired difference from the best model with its corrected
        interval (see :func:`~sklearn_irnet.plotting.differences_plot`); ``exclude``
        leaves models out of the figure (e.g. a mean baseline that would set the scale)."""
        from ..plotting import differences_plot

        summary = self.summary()
        shown = summary.loc[[m for m in summary.index if m == summary.index[0]
                             or m not in set(exclude)]]
        return differences_plot(shown, metric=metric_label(self.main_metric),
                                lower_is_better=self.main_metric in self.lower_is_better,
                                note=self.method_note().split(";")[0], ax=ax, path=path)

    def save(self, folder: str | Path) -> Path:
        """Write ``scores.csv``, ``predictions.csv``, ``summary.csv``, ``summary.md`` and
        ``provenance.json`` into ``folder`` (created if needed); :meth:`load` reads them
        back, so every table can be made again from the files.

        Returns
        -------
        pathlib.Path
            The folder.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.scores.to_csv(folder / "scores.csv", index=False)
        self.predictions.to_csv(folder / "predictions.csv", index=False)
        self.summary().to_csv(folder / "summary.csv")
        (folder / "summary.md").write_text(self.to_markdown() + "\n")
        record = {"task": self.task, "metrics": list(self.metrics),
                  "lower_is_better": list(self.lower_is_better), **self.provenance}
        (folder / "provenance.json").write_text(
            json.dumps(record, indent=2, default=str) + "\n")
        return folder

    @classmethod
    def combine(cls, results: list[ModelComparison]) -> ModelComparison:
        """One comparison from several run on the same splits (e.g. one model at a time,
        so that a long study can stop and resume).

        Raises
        ------
        ValueError
            If the results differ in task or metrics, share a model name, or were scored
            on different test rows in some split.
        """
        if not results:
            raise ValueError("combine needs at least one comparison.")
        first = results[0]

        def scored(result: ModelComparison) -> tuple[str, ...]:
            return tuple(m for m in result.metrics if m not in INTERVAL_METRICS)

        for other in results[1:]:
            if (other.task, scored(other)) != (first.task, scored(first)):
                raise ValueError("Comparisons with different tasks or metrics cannot be "
                                 f"combined: {first.metrics} vs {other.metrics}.")
        intervals = tuple(m for m in INTERVAL_METRICS
                          if any(m in result.metrics for result in results))
        names = [name for result in results for name in result.models]
        if len(set(names)) < len(names):
            raise ValueError(f"A model name appears in more than one comparison: {names}.")
        predictions = pd.concat([r.predictions for r in results], ignore_index=True)
        if not predictions.empty:
            rows = predictions.groupby(["split", "model"])["row"].apply(
                lambda r: tuple(sorted(r)))
            if rows.groupby(level="split").nunique().max() > 1:
                raise ValueError("The comparisons were scored on different test rows in the "
                                 "same split: they did not use the same splits.")
        record = dict(first.provenance)
        record["models"] = {name: model for r in results
                            for name, model in r.provenance.get("models", {}).items()}
        record["combined_from"] = [
            {key: r.provenance.get(key) for key in ("created", "splitter", "source")}
            for r in results]
        scores = pd.concat([r.scores for r in results], ignore_index=True)
        columns = [c for c in scores.columns if c not in intervals]
        timing = columns.index("fit_time")
        return cls(scores=scores[columns[:timing] + list(intervals) + columns[timing:]],
                   predictions=predictions, metrics=scored(first) + intervals,
                   lower_is_better=tuple(m for m in first.lower_is_better
                                         if m not in INTERVAL_METRICS)
                   + tuple(m for m in intervals if m in INTERVAL_LOSSES),
                   task=first.task,
                   estimators={k: v for r in results for k, v in r.estimators.items()},
                   provenance=record)

    @classmethod
    def load(cls, folder: str | Path) -> ModelComparison:
        """Read a comparison written by :meth:`save` (without the fitted estimators).

        Raises
        ------
        FileNotFoundError
            If the folder lacks ``scores.csv`` or ``provenance.json``.
        """
        folder = Path(folder)
        missing = [name for name in ("scores.csv", "provenance.json")
                   if not (folder / name).is_file()]
        if missing:
            raise FileNotFoundError(f"{folder} is not a saved comparison: missing "
                                    f"{', '.join(missing)} (written by ModelComparison.save).")
        record = json.loads((folder / "provenance.json").read_text())
        predictions = (pd.read_csv(folder / "predictions.csv")
                       if (folder / "predictions.csv").is_file() else pd.DataFrame())
        task = record.pop("task", "regression")
        metrics = tuple(record.pop("metrics"))
        lower = tuple(record.pop("lower_is_better"))
        return cls(scores=pd.read_csv(folder / "scores.csv"), predictions=predictions,
                   metrics=metrics, lower_is_better=lower, task=task, provenance=record)

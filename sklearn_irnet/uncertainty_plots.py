"""The reliability diagram of a regression model's intervals (matplotlib).

matplotlib is an optional dependency (``pip install 'sklearn-irnet[plot]'``); it is
imported when a figure is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from numpy.typing import ArrayLike

from .plotting import _pyplot
from .uncertainty import DEFAULT_LEVELS, reliability_curve


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
    >>> from sklearn_irnet.uncertainty_plots import plot_reliability_diagram
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

"""Every figure the package draws (matplotlib, imported only when a figure is drawn):

- comparisons: paired differences from the best model, parity plots, training and
  learning curves, ROC curves and reliability diagrams of classifiers, interval
  reliability of models with a standard deviation (what ``sklearn-irnet compare`` and
  :class:`~sklearn_irnet.compare.ModelComparison` write);
- the reliability diagram of any predictions with a standard deviation;
- the diagram of a network's layers and shortcuts, read from the PyTorch module.

matplotlib is an optional dependency (``pip install 'sklearn-irnet[plot]'``).
"""

from ._comparison import (
    comparison_figures,
    differences_plot,
    interval_reliability_plot,
    parity_plot,
    plot_reliability_diagram,
    reliability_plot,
    roc_curve_plot,
    size_curve_plot,
    training_curves_plot,
)
from ._network import LayerLayout, Shortcut, layer_layout, network_diagram

__all__ = [
    "comparison_figures",
    "differences_plot",
    "interval_reliability_plot",
    "parity_plot",
    "plot_reliability_diagram",
    "reliability_plot",
    "roc_curve_plot",
    "size_curve_plot",
    "training_curves_plot",
    "LayerLayout",
    "Shortcut",
    "layer_layout",
    "network_diagram",
]

"""Draw a network's layers, widths and shortcuts, read from the PyTorch module itself.

:func:`layer_layout` walks the body of a :class:`~sklearn_irnet.network.DeepRegressionNetwork`
and lists every hidden layer with its widths and the shortcut that spans it;
:func:`network_diagram` draws that list with matplotlib (one row per network). Nothing is
drawn from a hand-written description: a change in how :mod:`sklearn_irnet.network` wires a
family shows up in the figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from torch import nn

from ..architecture import resolve_architecture
from ..network import (
    DeepRegressionNetwork,
    DenseLayer,
    IndividualResidualBlock,
    StackedResidualBlock,
    count_parameters,
)


@dataclass(frozen=True)
class Shortcut:
    """A shortcut around hidden layers ``first`` to ``last`` (0-based, inclusive).

    ``projection`` is True for a linear projection (the width changes), False for the
    identity.
    """

    first: int
    last: int
    projection: bool


@dataclass(frozen=True)
class LayerLayout:
    """The hidden layers of a network and the shortcuts around them."""

    n_features: int
    widths: tuple[int, ...]
    shortcuts: tuple[Shortcut, ...]
    n_outputs: int
    n_parameters: int


def layer_layout(network: DeepRegressionNetwork) -> LayerLayout:
    """List the hidden layers of a built network and the shortcuts that span them.

    Parameters
    ----------
    network : DeepRegressionNetwork
        A built network (its modules are read, not its specification).

    Returns
    -------
    LayerLayout
        Input width, the width of every hidden layer in order, the shortcuts, the output
        width and the number of trainable parameters.

    Examples
    --------
    >>> from sklearn_irnet.architecture import resolve_architecture
    >>> stacks, _ = resolve_architecture("16BARx2-8BAx2R-1")
    >>> layout = layer_layout(DeepRegressionNetwork(4, stacks))
    >>> layout.widths
    (16, 16, 8, 8)
    >>> [(s.first, s.last, s.projection) for s in layout.shortcuts]
    [(0, 0, True), (1, 1, False), (2, 3, True)]
    """
    widths: list[int] = []
    shortcuts: list[Shortcut] = []
    for block in network.body:
        if isinstance(block, IndividualResidualBlock):
            layers = [block.layer]
        elif isinstance(block, StackedResidualBlock):
            layers = list(block.layers)
        elif isinstance(block, DenseLayer):
            layers = [block]
        else:
            raise TypeError(f"Unexpected block {type(block).__name__} in the network body.")
        first = len(widths)
        widths.extend(layer.linear.out_features for layer in layers)
        if isinstance(block, IndividualResidualBlock | StackedResidualBlock):
            projection = isinstance(block.shortcut, nn.Linear)
            shortcuts.append(Shortcut(first, len(widths) - 1, projection))
    first_linear = next(m for m in network.body.modules() if isinstance(m, nn.Linear))
    return LayerLayout(
        n_features=first_linear.in_features,
        widths=tuple(widths),
        shortcuts=tuple(shortcuts),
        n_outputs=network.head.out_features,
        n_parameters=count_parameters(network),
    )


def _draw_row(ax: Any, layout: LayerLayout, title: str) -> None:
    """Boxes for input, hidden layers and output; arcs for the shortcuts."""
    sizes = [layout.n_features, *layout.widths, layout.n_outputs]
    heights = 0.25 + 0.75 * np.log2(np.maximum(sizes, 1)) / np.log2(max(max(sizes), 2))
    colors = ["#bbbbbb"] + ["#4c72b0"] * len(layout.widths) + ["#dd8452"]
    for x, (size, height, color) in enumerate(zip(sizes, heights, colors, strict=True)):
        ax.add_patch(_box(x, height, color))
        previous = sizes[x - 1] if x > 0 else None
        if x == 0 or x == len(sizes) - 1 or size != previous:
            ax.text(x, -0.62, str(size), ha="center", va="top", fontsize=7)
    for shortcut in layout.shortcuts:
        start, end = shortcut.first + 0.5, shortcut.last + 1.5  # around layers first..last
        _arc(ax, start, end, projection=shortcut.projection)
    ax.set_xlim(-0.7, len(sizes) - 0.3)
    ax.set_ylim(-0.95, 1.1 + 0.12 * len(layout.widths) ** 0.5 + 0.35)
    ax.set_axis_off()
    ax.set_title(title, loc="left", fontsize=9)


def _box(x: float, height: float, color: str) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.32, -height / 2), 0.64, height, facecolor=color, edgecolor="black",
                     linewidth=0.5)


def _arc(ax: Any, start: float, end: float, *, projection: bool) -> None:
    """A half-ellipse above the boxes from ``start`` to ``end`` (x of the two junctions)."""
    angle = np.linspace(0, np.pi, 40)
    centre, half = (start + end) / 2, (end - start) / 2
    rise = 0.25 + 0.12 * half**0.5
    ax.plot(centre - half * np.cos(angle), 0.55 + rise * np.sin(angle),
            color="#c44e52" if projection else "#55a868",
            linestyle="-" if projection else "--", linewidth=1.0)


def network_diagram(
    architectures: Sequence[Any] = ("irnet17", "srnet17", "plain17"),
    *,
    n_features: int = 145,
    n_outputs: int = 1,
) -> Any:
    """Draw networks as boxes (layers, height by width) and arcs (shortcuts), one row each.

    Every network is built as :class:`~sklearn_irnet.network.DeepRegressionNetwork` and read
    back with :func:`layer_layout`. Grey: input; blue: hidden ``Linear -> BatchNorm ->
    ReLU`` layers; orange: the linear output layer. Green dashed arcs are identity
    shortcuts, red solid arcs linear projections (where the width changes). Numbers under
    the boxes are widths, written where the width changes.

    Parameters
    ----------
    architectures : sequence, default=("irnet17", "srnet17", "plain17")
        Anything :func:`~sklearn_irnet.architecture.resolve_architecture` accepts, one per
        row: preset names, architecture strings or lists of ``(width, n_layers)`` pairs.
    n_features : int, default=145
        Input width (145 Magpie attributes).
    n_outputs : int, default=1
        Output width.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (not saved, not shown).

    Examples
    --------
    >>> fig = network_diagram(["irnet17", "plain17"])
    >>> len(fig.axes)
    2
    """
    from ._comparison import _pyplot

    plt = _pyplot()
    layouts = []
    for architecture in architectures:
        stacks, fixed_outputs = resolve_architecture(architecture)
        network = DeepRegressionNetwork(n_features, stacks, fixed_outputs or n_outputs)
        layouts.append((str(architecture), layer_layout(network)))
    n_columns = max(len(layout.widths) for _, layout in layouts) + 2
    fig, axes = plt.subplots(len(layouts), 1, squeeze=False, layout="constrained",
                             figsize=(max(6.0, 0.36 * n_columns), 1.5 * len(layouts)))
    for ax, (name, layout) in zip(axes[:, 0], layouts, strict=True):
        depth = len(layout.widths) + 1
        title = (f"{name}: {depth} layers, {len(layout.shortcuts)} shortcuts "
                 f"({sum(s.projection for s in layout.shortcuts)} projections), "
                 f"{layout.n_parameters / 1e6:.2f}M parameters")
        _draw_row(ax, layout, title)
        ax.set_xlim(-0.7, n_columns - 0.3)
    return fig

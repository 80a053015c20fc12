"""PyTorch modules for deep fully connected regression networks with shortcuts.

The building block is :class:`DenseLayer` (``Linear -> BatchNorm1d -> activation``).
:class:`IndividualResidualBlock` wraps one layer with its own shortcut (IRNet),
:class:`StackedResidualBlock` wraps a whole stack with one shortcut (SRNet), and a plain
network uses the layers as they are. :class:`DeepRegressionNetwork` assembles the stacks
of an architecture (see :mod:`sklearn_irnet.architecture`) and a linear output layer.

Shortcuts follow the authors' code: the shortcut is added after the activation with no
activation after the sum; where the width changes it is a linear projection with bias and
no BatchNorm, otherwise the identity.

:data:`RESIDUALS` is the one table of the families: for each residual kind, its preset
prefix, its marks in the authors' architecture notation and how it wires a stack. The
architecture module reads its kinds, notation and presets from it, so a new family is one
new row there (and its wiring function).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import torch
from torch import nn

from ._numeric_embedding import NUMERIC_EMBEDDINGS


class StackLike(Protocol):
    """What the network reads of a stack: :class:`~sklearn_irnet.architecture.StackSpec`.

    (A protocol rather than an import: the architecture module reads :data:`RESIDUALS`
    from here, and the package keeps its imports free of cycles.)
    """

    width: int
    n_layers: int
    residual: str
    batch_norm: bool
    activation: bool


ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "elu": nn.ELU,
    "selu": nn.SELU,
    "leaky_relu": nn.LeakyReLU,
    "tanh": nn.Tanh,
}
"""Activation functions available by name."""


def make_activation(name: str) -> nn.Module:
    """Build the activation module called ``name`` (see :data:`ACTIVATIONS`).

    Examples
    --------
    >>> make_activation("relu")
    ReLU()
    """
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(
            f"Unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}."
        ) from None


class DenseLayer(nn.Module):
    """One fully connected layer: ``Linear -> BatchNorm1d -> activation -> Dropout``.

    Parameters
    ----------
    in_features, out_features : int
        Input and output widths.
    batch_norm : bool, default=True
        Normalise the pre-activations with ``BatchNorm1d``.
    activation : str or None, default="relu"
        Name of the non-linearity, or ``None`` for a linear layer.
    dropout : float, default=0.0
        Dropout probability applied after the activation (0 disables it).
    batch_norm_eps : float, default=1e-3
        ``eps`` of the BatchNorm layer (1e-3 as in the authors' TensorFlow code).

    Examples
    --------
    >>> layer = DenseLayer(8, 4)
    >>> layer(torch.zeros(3, 8)).shape
    torch.Size([3, 4])
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        batch_norm: bool = True,
        activation: str | None = "relu",
        dropout: float = 0.0,
        batch_norm_eps: float = 1e-3,
    ) -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)
        self.norm = nn.BatchNorm1d(out_features, eps=batch_norm_eps) if batch_norm else None
        self.activation = make_activation(activation) if activation else None
        self.dropout = nn.Dropout(dropout) if dropout > 0 else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.linear(x)
        if self.norm is not None:
            x = self.norm(x)
        if self.activation is not None:
            x = self.activation(x)
        if self.dropout is not None:
            x = self.dropout(x)
        return x


def _shortcut(in_features: int, out_features: int) -> nn.Module:
    """Identity when widths agree, else a linear projection with bias (no BatchNorm)."""
    if in_features == out_features:
        return nn.Identity()
    return nn.Linear(in_features, out_features)


class IndividualResidualBlock(nn.Module):
    """A :class:`DenseLayer` with its own shortcut: ``h = layer(x) + shortcut(x)``.

    Examples
    --------
    >>> block = IndividualResidualBlock(DenseLayer(8, 4), in_features=8)
    >>> type(block.shortcut).__name__
    'Linear'
    """

    def __init__(self, layer: DenseLayer, *, in_features: int) -> None:
        super().__init__()
        self.layer = layer
        self.shortcut = _shortcut(in_features, layer.linear.out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x) + self.shortcut(x)


class StackedResidualBlock(nn.Module):
    """A stack of layers with one shortcut from its input to its output (SRNet).

    Examples
    --------
    >>> block = StackedResidualBlock([DenseLayer(4, 4), DenseLayer(4, 4)], in_features=4)
    >>> type(block.shortcut).__name__
    'Identity'
    """

    def __init__(self, layers: Sequence[DenseLayer], *, in_features: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(*layers)
        self.shortcut = _shortcut(in_features, layers[-1].linear.out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x) + self.shortcut(x)


Wiring = Callable[[list[DenseLayer], int], list[nn.Module]]
"""Turns the layers of one stack and its input width into the modules of the body."""


def _wire_individual(layers: list[DenseLayer], in_features: int) -> list[nn.Module]:
    return [IndividualResidualBlock(layer, in_features=layer.linear.in_features)
            for layer in layers]


def _wire_stacked(layers: list[DenseLayer], in_features: int) -> list[nn.Module]:
    return [StackedResidualBlock(layers, in_features=in_features)]


def _wire_plain(layers: list[DenseLayer], in_features: int) -> list[nn.Module]:
    return list(layers)


@dataclass(frozen=True)
class ResidualFamily:
    """One way of wiring shortcuts, with its names in presets and architecture strings.

    Parameters
    ----------
    preset_prefix : str
        Prefix of the family's presets (``"irnet"`` gives ``"irnet17"``, ...).
    description : str
        Short name used in error messages, e.g. ``"individual residual"``.
    layer_mark : str
        Flag written between the width and ``x`` in the authors' notation (``"R"`` in
        ``"1024BARx4"``), or ``""``.
    stack_mark : str
        Mark written after the number of layers (``"R"`` in ``"1024BAx4R"``), or ``""``.
    wire : callable
        ``wire(layers, in_features)`` returns the modules of one stack.
    has_shortcuts : bool
        Whether the family adds shortcuts (decides ``output_init="auto"``).
    blocks_per_layer : bool
        Whether ``wire`` returns one module per layer (else one per stack).

    Examples
    --------
    >>> RESIDUALS["stacked"].preset_prefix, RESIDUALS["stacked"].stack_mark
    ('srnet', 'R')
    """

    preset_prefix: str
    description: str
    layer_mark: str
    stack_mark: str
    wire: Wiring
    has_shortcuts: bool
    blocks_per_layer: bool


RESIDUALS: dict[str, ResidualFamily] = {
    "individual": ResidualFamily("irnet", "individual residual", "R", "", _wire_individual,
                                 has_shortcuts=True, blocks_per_layer=True),
    "stacked": ResidualFamily("srnet", "stacked residual", "", "R", _wire_stacked,
                              has_shortcuts=True, blocks_per_layer=False),
    "none": ResidualFamily("plain", "plain", "", "", _wire_plain,
                           has_shortcuts=False, blocks_per_layer=True),
}
"""The network families by residual kind (the ``residual`` of a ``StackSpec``)."""


def _check_network_arguments(
    n_features: int, stacks: Sequence[StackLike], n_outputs: int, activation: str,
    dropout: float, output_init: str, variance_head: bool, n_members: int,
    numeric_embedding: str | None, embedding_dims: int,
) -> None:
    """Raise a ValueError naming the first argument of a network that cannot be built."""
    if n_members < 1:
        raise ValueError(f"n_members must be >= 1, got {n_members}.")
    if n_members > 1 and variance_head:
        raise ValueError("n_members > 1 does not combine with a variance head yet.")
    if output_init not in ("glorot", "zero"):
        raise ValueError(f"output_init must be 'glorot' or 'zero', got {output_init!r}.")
    if n_features < 1 or n_outputs < 1:
        raise ValueError(
            f"n_features and n_outputs must be >= 1, got {n_features} and {n_outputs}."
        )
    if not stacks:
        raise ValueError("A network needs at least one hidden stack.")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}.")
    make_activation(activation)  # fail early on an unknown name
    if numeric_embedding is not None and numeric_embedding not in NUMERIC_EMBEDDINGS:
        raise ValueError(f"numeric_embedding must be None or one of "
                         f"{sorted(NUMERIC_EMBEDDINGS)}, got {numeric_embedding!r}.")
    if embedding_dims < 1:
        raise ValueError(f"embedding_dims must be >= 1, got {embedding_dims}.")


class DeepRegressionNetwork(nn.Module):
    """Fully connected regression network built from stacks of layers.

    Parameters
    ----------
    n_features : int
        Width of the input.
    stacks : sequence of StackSpec
        Hidden stacks in order; each says its width, depth and shortcut wiring.
    n_outputs : int, default=1
        Width of the linear output layer (number of regression targets).
    activation : str, default="relu"
        Non-linearity used by every layer whose stack has ``activation=True``.
    dropout : float, default=0.0
        Dropout probability after each activation (the paper uses none).
    batch_norm : bool, default=True
        Set to ``False`` to remove every BatchNorm layer, whatever the stacks say.
    batch_norm_eps : float, default=1e-3
        ``eps`` of the BatchNorm layers.
    output_init : {"glorot", "zero"}, default="glorot"
        Initialisation of the output layer. ``"glorot"`` is the authors' code. ``"zero"``
        starts the output layer at zero weights and bias, so the untrained network
        predicts 0 (the mean of a standardised target): with individual shortcuts each
        layer adds its non-negative activation to a running sum, and a Glorot output layer
        then starts far off the target.
    variance_head : bool, default=False
        Add a second linear output layer, ``variance_head``, of ``n_outputs`` columns that
        reads the last hidden layer *detached*: the network returns ``2 * n_outputs``
        columns, the outputs of ``head`` and then those of ``variance_head``, and the
        variance columns send no gradient into the hidden layers, so these train exactly
        as they would without the variance head (``loss="absolute_error_nll"`` of
        :class:`~sklearn_irnet.IRNetRegressor`). Initialised as ``head``.
    n_members : int, default=1
        Number of implicit members trained at once (BatchEnsemble, in the "mini" form of
        TabM, Gorishniy et al., ICLR 2025): member ``i`` multiplies the input by its own
        learned vector ``member_scale[i]`` (initialised to random signs), runs it through
        the shared hidden layers and reads it out with its own output layer. In training
        mode the network returns the members' outputs stacked member by member,
        ``(n_members * batch, n_outputs)`` (the loss compares each with the target); in
        evaluation mode their mean, ``(batch, n_outputs)``. It costs ``n_members`` times
        the computation of one network and almost no extra parameters.
    numeric_embedding : {"periodic"} or None, default=None
        An embedding of each input feature before the hidden layers, kept in
        ``embedding``: ``"periodic"`` is a
        :class:`~sklearn_irnet._numeric_embedding.PeriodicEmbedding` (16 learned
        frequencies and ``embedding_dims`` dimensions per feature), so the first hidden
        layer reads ``embedding_dims * n_features`` columns. BatchEnsemble members scale
        the embedded columns.
    embedding_dims : int, default=4
        Dimensions per feature of the embedding (unused without one).

    Notes
    -----
    Hidden weights are initialised Glorot-uniform and biases to zero, as in the authors'
    code.

    Examples
    --------
    >>> from sklearn_irnet.architecture import PRESETS
    >>> net = DeepRegressionNetwork(145, PRESETS["irnet17"])
    >>> net(torch.zeros(2, 145)).shape
    torch.Size([2, 1])
    >>> round(sum(p.numel() for p in net.parameters()) / 1e6, 2)
    5.55
    """

    def __init__(
        self,
        n_features: int,
        stacks: Sequence[StackLike],
        n_outputs: int = 1,
        *,
        activation: str = "relu",
        dropout: float = 0.0,
        batch_norm: bool = True,
        batch_norm_eps: float = 1e-3,
        output_init: str = "glorot",
        variance_head: bool = False,
        n_members: int = 1,
        numeric_embedding: str | None = None,
        embedding_dims: int = 4,
    ) -> None:
        super().__init__()
        _check_network_arguments(n_features, stacks, n_outputs, activation, dropout,
                                 output_init, variance_head, n_members, numeric_embedding,
                                 embedding_dims)
        self.n_members = int(n_members)
        self.output_init = output_init
        self.embedding = None
        if numeric_embedding is not None:
            self.embedding = NUMERIC_EMBEDDINGS[numeric_embedding](n_features,
                                                                   n_dims=embedding_dims)
        n_inputs = n_features if self.embedding is None else self.embedding.n_outputs
        blocks: list[nn.Module] = []
        width = n_inputs
        for spec in stacks:
            layers = []
            for _ in range(spec.n_layers):
                layers.append(
                    DenseLayer(
                        width if not layers else spec.width,
                        spec.width,
                        batch_norm=batch_norm and spec.batch_norm,
                        activation=activation if spec.activation else None,
                        dropout=dropout,
                        batch_norm_eps=batch_norm_eps,
                    )
                )
            blocks.extend(RESIDUALS[spec.residual].wire(layers, width))
            width = spec.width
        self.body = nn.Sequential(*blocks)
        self.n_outputs = int(n_outputs)
        self.head = nn.Linear(width, n_outputs)
        if self.n_members > 1:
            # one output layer per member, as one linear layer whose column block i is
            # member i's (forward keeps each member's rows with its own block); built
            # without drawing from torch's generator, so that the shared layers get the
            # same initial weights as in one network
            with torch.random.fork_rng(devices=[]):
                self.head = nn.Linear(width, n_outputs * self.n_members)
        self.member_scale = None
        if self.n_members > 1:  # drawn after the linear layers: those start as with k = 1
            self.member_scale = nn.Parameter(torch.ones(self.n_members, n_inputs))
        self.variance_head = None
        if variance_head:
            # built without drawing from torch's generator, so that the other layers get
            # the same initial weights as in a network without the variance head
            with torch.random.fork_rng(devices=[]):
                self.variance_head = nn.Linear(width, n_outputs)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Glorot-uniform weights and zero biases for every linear layer; the output layer
        all zeros when ``output_init="zero"``."""
        for module in self.modules():
            if module is self.variance_head:
                continue  # drawn apart, below
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)
            elif isinstance(module, nn.BatchNorm1d):
                module.reset_parameters()
        if self.variance_head is not None:
            # without drawing from torch's generator: the embedding, drawn next, starts
            # as in a network without the variance head (so do the means' weights)
            with torch.random.fork_rng(devices=[]):
                nn.init.xavier_uniform_(self.variance_head.weight)
            nn.init.zeros_(self.variance_head.bias)
        if self.embedding is not None:
            self.embedding.reset_parameters()
        if self.member_scale is not None:
            with torch.no_grad():  # random signs, as TabM's first adapter
                signs = torch.randint(0, 2, self.member_scale.shape, dtype=torch.float32)
                self.member_scale.copy_(2 * signs - 1)
        if self.output_init == "zero":
            nn.init.zeros_(self.head.weight)
            if self.variance_head is not None:
                nn.init.zeros_(self.variance_head.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.embedding is not None:
            x = self.embedding(x)
        if self.n_members > 1:
            return self._members_forward(x)
        hidden = self.body(x)
        if self.variance_head is None:
            return self.head(hidden)
        return torch.cat([self.head(hidden), self.variance_head(hidden.detach())], dim=1)

    def _members_forward(self, x: torch.Tensor) -> torch.Tensor:
        """Every member on every row: stacked members in training, their mean otherwise."""
        k, n = self.n_members, len(x)
        scaled = (x.unsqueeze(0) * self.member_scale.unsqueeze(1)).reshape(k * n, -1)
        hidden = self.body(scaled).reshape(k, n, -1)
        weight = self.head.weight.reshape(k, self.n_outputs, -1)
        bias = self.head.bias.reshape(k, 1, self.n_outputs)
        outputs = torch.baddbmm(bias, hidden, weight.transpose(1, 2))  # (k, n, n_outputs)
        if self.training:
            return outputs.reshape(k * n, self.n_outputs)
        return outputs.mean(dim=0)


def count_parameters(module: nn.Module) -> int:
    """Number of trainable parameters (weights, biases, BatchNorm scale and shift).

    Examples
    --------
    >>> count_parameters(torch.nn.Linear(3, 2))
    8
    """
    return sum(p.numel() for p in module.parameters() if p.requires_grad)

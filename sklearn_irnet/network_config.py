"""The one place where estimator parameters become a torch network.

:class:`NetworkConfig` holds everything that decides a network's shape and initial
weights. The estimator builds it from its parameters at ``fit``, keeps it to check warm
starts, and a saved model stores it as JSON to rebuild the same network on load. A new
network parameter is a new field here (plus the estimator's signature): construction,
warm-start checks and persistence follow from the field list.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from .architecture import StackSpec, resolve_architecture
from .network import RESIDUALS, DeepRegressionNetwork


def resolve_output_init(output_init: str, stacks: Sequence[StackSpec]) -> str:
    """The output-layer initialisation that ``output_init`` means for these stacks.

    ``"auto"`` is ``"zero"`` for networks with shortcuts and ``"glorot"`` for plain ones.

    Examples
    --------
    >>> from sklearn_irnet.architecture import PRESETS
    >>> resolve_output_init("auto", PRESETS["irnet17"]), resolve_output_init("auto",
    ...     PRESETS["plain17"])
    ('zero', 'glorot')
    """
    if output_init != "auto":
        return output_init
    has_shortcuts = any(RESIDUALS[spec.residual].has_shortcuts for spec in stacks)
    return "zero" if has_shortcuts else "glorot"


def resolve_numeric_embedding(numeric_embedding: str | None) -> str | None:
    """The embedding that ``numeric_embedding`` means for a network built from parameters.

    ``"auto"`` is ``"periodic"``: a network trained from scratch embeds its inputs. A
    pre-trained start never comes here: its network, embedding or not, is the one in its
    file.

    Examples
    --------
    >>> resolve_numeric_embedding("auto"), resolve_numeric_embedding(None)
    ('periodic', None)
    """
    return "periodic" if numeric_embedding == "auto" else numeric_embedding


@dataclasses.dataclass(frozen=True)
class NetworkConfig:
    """Shape and initialisation of a :class:`~sklearn_irnet.network.DeepRegressionNetwork`.

    Parameters
    ----------
    n_features : int
        Input width.
    stacks : tuple of StackSpec
        Hidden stacks (see :func:`~sklearn_irnet.architecture.resolve_architecture`).
    n_outputs : int, default=1
        Width of the output layer (twice the number of targets for a network trained
        with ``loss="gaussian_nll"``: a mean and a variance column per target).
    activation, dropout, batch_norm, output_init
        As the estimator parameters of the same names; ``output_init`` is resolved
        (``"zero"`` or ``"glorot"``, never ``"auto"``).
    variance_head : bool, default=False
        Add a second output layer of ``n_outputs`` variance columns that reads the last
        hidden layer detached (``loss="absolute_error_nll"``), see
        :class:`~sklearn_irnet.network.DeepRegressionNetwork`.
    n_members : int, default=1
        Implicit members trained at once (BatchEnsemble), the estimator parameter of the
        same name.
    numeric_embedding : str or None, default=None
        Embedding of the input features before the hidden layers, the estimator
        parameter of the same name, resolved (never ``"auto"``).
    embedding_dims : int, default=4
        Dimensions per feature of that embedding. Files written before this field existed
        read as 16, the only width then.

    Examples
    --------
    >>> config = NetworkConfig.from_params({"architecture": "irnet17"}, n_features=145)
    >>> config.output_init, len(config.stacks)
    ('zero', 6)
    >>> NetworkConfig.from_dict(config.to_dict()) == config
    True
    >>> type(config.build()).__name__
    'DeepRegressionNetwork'
    """

    n_features: int
    stacks: tuple[StackSpec, ...]
    n_outputs: int = 1
    activation: str = "relu"
    dropout: float = 0.0
    batch_norm: bool = True
    output_init: str = "glorot"
    variance_head: bool = False
    n_members: int = 1
    numeric_embedding: str | None = None
    embedding_dims: int = 4

    #: estimator parameters read by :meth:`from_params`, with their defaults
    PARAMS = {"architecture": "irnet17", "residual": None, "activation": "relu",
              "dropout": 0.0, "batch_norm": True, "output_init": "auto", "n_members": 1,
              "numeric_embedding": None, "embedding_dims": 4}

    @classmethod
    def from_params(
        cls, params: Mapping[str, Any], *, n_features: int, n_outputs: int = 1
    ) -> NetworkConfig:
        """The network that estimator ``params`` describe for this data shape.

        Raises
        ------
        ValueError
            If an architecture string's output width differs from ``n_outputs``.
        """
        values = {**cls.PARAMS, **{k: v for k, v in params.items() if k in cls.PARAMS}}
        stacks, string_outputs = resolve_architecture(values["architecture"],
                                                      values["residual"])
        if string_outputs is not None and string_outputs != n_outputs:
            raise ValueError(
                f"architecture {values['architecture']!r} ends in an output layer of width "
                f"{string_outputs}, but y has {n_outputs} target column(s)."
            )
        return cls(
            n_features=int(n_features),
            stacks=tuple(stacks),
            n_outputs=int(n_outputs),
            activation=values["activation"],
            dropout=float(values["dropout"]),
            batch_norm=bool(values["batch_norm"]),
            output_init=resolve_output_init(values["output_init"], stacks),
            n_members=int(values["n_members"]),
            numeric_embedding=resolve_numeric_embedding(values["numeric_embedding"]),
            embedding_dims=int(values["embedding_dims"]),
        )

    def n_blocks(self, n_stacks: int) -> int:
        """Number of blocks of the network's ``body`` that make up its first ``n_stacks``
        hidden stacks (a stack with one shortcut is one block, otherwise one per layer).

        Examples
        --------
        >>> NetworkConfig.from_params({"architecture": "irnet17"}, n_features=145).n_blocks(2)
        7
        >>> NetworkConfig.from_params({"architecture": "srnet17"}, n_features=145).n_blocks(2)
        2
        """
        return sum(spec.n_layers if RESIDUALS[spec.residual].blocks_per_layer else 1
                   for spec in self.stacks[:n_stacks])

    def build(self) -> DeepRegressionNetwork:
        """A freshly initialised network of this configuration (seed torch first)."""
        return DeepRegressionNetwork(
            self.n_features,
            self.stacks,
            self.n_outputs,
            activation=self.activation,
            dropout=self.dropout,
            batch_norm=self.batch_norm,
            output_init=self.output_init,
            variance_head=self.variance_head,
            n_members=self.n_members,
            numeric_embedding=self.numeric_embedding,
            embedding_dims=self.embedding_dims,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (stacks in the authors' notation)."""
        data = dataclasses.asdict(self)
        data["stacks"] = [spec.to_string() for spec in self.stacks]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NetworkConfig:
        """Inverse of :meth:`to_dict`."""
        stacks, _ = resolve_architecture("-".join(data["stacks"]))
        data = {**data, "stacks": tuple(stacks)}
        if data.get("numeric_embedding") is not None:
            data.setdefault("embedding_dims", 16)  # the one width of earlier versions
        return cls(**data)

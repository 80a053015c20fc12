"""Describe deep regression networks as a list of stacks of fully connected layers.

An architecture is a sequence of :class:`StackSpec`: each stack holds ``n_layers`` fully
connected layers of one width and says how its layers are wired with shortcuts. Three
sources produce one:

* the nine networks of Jha et al. (KDD 2019) by preset name (``"irnet17"``, ``"srnet48"``,
  ``"plain24"``, ...), see :data:`PRESETS`;
* the authors' architecture strings such as ``"1024BARx4-512BARx3-1"``;
* any sequence of ``(width, n_layers)`` pairs, wired as the caller chooses.

:func:`resolve_architecture` turns any of the three into a tuple of :class:`StackSpec`.

The residual kinds, their preset prefixes and their marks in the notation all come from
:data:`sklearn_irnet.network.RESIDUALS`, the one table of network families.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .network import RESIDUALS

Residual = str
"""A residual kind: a key of :data:`~sklearn_irnet.network.RESIDUALS`."""

RESIDUAL_KINDS: tuple[str, ...] = tuple(RESIDUALS)
"""``("individual", "stacked", "none")``: IRNet, SRNet and plain wiring."""

_DEPTH_STACKS: dict[int, tuple[tuple[int, int], ...]] = {
    17: ((1024, 4), (512, 3), (256, 3), (128, 3), (64, 2), (32, 1)),
    24: ((1024, 4), (512, 4), (256, 4), (128, 4), (64, 3), (32, 2), (16, 2)),
    48: (
        (1024, 4), (1024, 4), (512, 4), (512, 4), (256, 4), (256, 4),
        (128, 4), (128, 4), (64, 4), (64, 4), (32, 4), (16, 3),
    ),
}


@dataclass(frozen=True)
class StackSpec:
    """One stack of equal-width fully connected layers.

    Parameters
    ----------
    width : int
        Number of units of every layer in the stack.
    n_layers : int
        Number of ``Linear -> BatchNorm -> activation`` layers in the stack.
    residual : {"individual", "stacked", "none"}, default="individual"
        ``"individual"`` puts a shortcut around every layer (IRNet), ``"stacked"`` one
        shortcut around the whole stack (SRNet), ``"none"`` no shortcut (plain network).
    batch_norm : bool, default=True
        Whether each layer normalises its pre-activations with ``BatchNorm1d``.
    activation : bool, default=True
        Whether each layer applies the non-linearity.

    Examples
    --------
    >>> StackSpec(1024, 4)
    StackSpec(width=1024, n_layers=4, residual='individual', batch_norm=True, activation=True)
    """

    width: int
    n_layers: int
    residual: Residual = "individual"
    batch_norm: bool = True
    activation: bool = True

    def __post_init__(self) -> None:
        for name in ("width", "n_layers"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"StackSpec.{name} must be a positive integer, got {value!r}.")
        if self.residual not in RESIDUAL_KINDS:
            raise ValueError(
                f"StackSpec.residual must be one of {RESIDUAL_KINDS}, got {self.residual!r}."
            )

    def to_string(self) -> str:
        """Write the stack in the authors' notation, e.g. ``"1024BARx4"``."""
        family = RESIDUALS[self.residual]
        flags = ("B" if self.batch_norm else "") + ("A" if self.activation else "")
        return f"{self.width}{flags}{family.layer_mark}x{self.n_layers}{family.stack_mark}"


def _preset_table() -> dict[str, tuple[StackSpec, ...]]:
    table = {}
    for residual, family in RESIDUALS.items():
        for depth, stacks in _DEPTH_STACKS.items():
            table[f"{family.preset_prefix}{depth}"] = tuple(
                StackSpec(w, n, residual) for w, n in stacks
            )
    return table


PRESETS: dict[str, tuple[StackSpec, ...]] = _preset_table()
"""The nine networks of Jha et al. (2019): ``{irnet,srnet,plain}{17,24,48}``."""

_LAYER_MARKS = "".join(f.layer_mark for f in RESIDUALS.values())
_STACK_MARKS = "|".join(re.escape(f.stack_mark) for f in RESIDUALS.values() if f.stack_mark)
_STACK_TOKEN = re.compile(
    rf"^(?P<width>\d+)(?P<flags>[A-Z]*)x(?P<n>\d+)(?P<stack_mark>{_STACK_MARKS})?$"
)
_KIND_BY_MARKS = {(f.layer_mark, f.stack_mark): kind for kind, f in RESIDUALS.items()}


def _listing(items: Sequence[str], last: str) -> str:
    """``"a, b and c"`` (with ``last="and"``)."""
    return f"{', '.join(items[:-1])} {last} {items[-1]}" if len(items) > 1 else items[0]


def _with_article(text: str) -> str:
    return f"{'an' if text[0] in 'aeiou' else 'a'} {text}"


def parse_architecture_string(text: str) -> tuple[tuple[StackSpec, ...], int | None]:
    """Parse an architecture string in the notation of the IRNet authors.

    Stacks are separated by ``-``. ``1024BARx4`` is four layers of width 1024 with BatchNorm
    (``B``), activation (``A``) and an individual residual (``R`` before ``x``);
    ``1024BAx4R`` has one shortcut around the stack (SRNet); ``1024BAx4`` is plain. A final
    bare integer (``-1``) is the width of the linear output layer.

    Parameters
    ----------
    text : str
        The architecture string.

    Returns
    -------
    stacks : tuple of StackSpec
        The hidden stacks, in order.
    n_outputs : int or None
        Width of the output layer when the string ends with one, else ``None``.

    Raises
    ------
    ValueError
        If a token is not of the form above; the message names the token.

    Examples
    --------
    >>> stacks, n_out = parse_architecture_string("1024BARx2-64BAx3R-1")
    >>> [s.to_string() for s in stacks], n_out
    (['1024BARx2', '64BAx3R'], 1)
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"Architecture string must be a non-empty string, got {text!r}.")
    tokens = text.strip().split("-")
    n_outputs = None
    if tokens[-1].isdigit():
        n_outputs = int(tokens.pop())
        if n_outputs < 1:
            raise ValueError(f"Output width in architecture {text!r} must be >= 1, got 0.")
    if not tokens:
        raise ValueError(f"Architecture {text!r} has no hidden stack, only an output layer.")
    stacks = []
    for position, token in enumerate(tokens):
        stacks.append(_parse_stack_token(token, position, text))
    return tuple(stacks), n_outputs


def _parse_stack_token(token: str, position: int, text: str) -> StackSpec:
    match = _STACK_TOKEN.match(token)
    where = f"token {position + 1} ({token!r}) of architecture {text!r}"
    if match is None:
        layer_marks = "".join(f"[{m}]" for m in _LAYER_MARKS)
        stack_marks = "".join(f"[{f.stack_mark}]" for f in RESIDUALS.values() if f.stack_mark)
        examples = [f"'{StackSpec(1024, 4, kind).to_string()}' ({family.description})"
                    for kind, family in RESIDUALS.items()]
        raise ValueError(
            f"Cannot parse {where}: expected '<width>[B][A]{layer_marks}x<layers>{stack_marks}', "
            f"e.g. {_listing(examples, 'or')}; only the last token may be a bare output width "
            "like '1'."
        )
    flags = match["flags"]
    allowed = ["B (BatchNorm)", "A (activation)"] + [
        f"{f.layer_mark} ({f.description})" for f in RESIDUALS.values() if f.layer_mark
    ]
    unknown = sorted(set(flags) - set("BA" + _LAYER_MARKS))
    if unknown or len(set(flags)) != len(flags):
        raise ValueError(
            f"Cannot parse {where}: flags {flags!r} may only contain {_listing(allowed, 'and')}, "
            "each at most once."
        )
    layer_mark = "".join(m for m in _LAYER_MARKS if m in flags)
    stack_mark = match["stack_mark"] or ""
    residual = _KIND_BY_MARKS.get((layer_mark, stack_mark))
    if residual is None:
        asked = [_with_article(f"{f.description} ({f.layer_mark!r} before 'x')")
                 for f in RESIDUALS.values() if f.layer_mark and f.layer_mark in layer_mark]
        asked += [_with_article(f"{f.description} ({f.stack_mark!r} at the end)")
                  for f in RESIDUALS.values() if f.stack_mark and f.stack_mark == stack_mark]
        raise ValueError(
            f"Cannot parse {where}: it asks for both {_listing(asked, 'and')}; choose one."
        )
    width, n_layers = int(match["width"]), int(match["n"])
    if width < 1 or n_layers < 1:
        raise ValueError(f"Cannot parse {where}: width and number of layers must be >= 1.")
    return StackSpec(width, n_layers, residual, batch_norm="B" in flags, activation="A" in flags)


def resolve_architecture(
    architecture: str | Sequence[tuple[int, int]] | Sequence[StackSpec],
    residual: Residual | None = None,
) -> tuple[tuple[StackSpec, ...], int | None]:
    """Turn a preset name, an authors' string or a list of stacks into stack specs.

    Parameters
    ----------
    architecture : str or sequence
        A preset name from :data:`PRESETS` (case-insensitive), an architecture string in
        the authors' notation, or a sequence of ``(width, n_layers)`` pairs or
        :class:`StackSpec`.
    residual : {"individual", "stacked", "none"} or None, default=None
        Shortcut wiring for ``(width, n_layers)`` pairs; ``None`` means ``"individual"``.
        Presets and strings carry their own wiring: giving ``residual`` with one is an
        error unless it agrees.

    Returns
    -------
    stacks : tuple of StackSpec
    n_outputs : int or None
        Output width fixed by an architecture string, else ``None``.

    Examples
    --------
    >>> stacks, _ = resolve_architecture("plain17")
    >>> sum(s.n_layers for s in stacks) + 1  # hidden layers plus the output layer
    17
    >>> resolve_architecture([(64, 2)], residual="stacked")[0]
    (StackSpec(width=64, n_layers=2, residual='stacked', batch_norm=True, activation=True),)
    """
    if residual is not None and residual not in RESIDUAL_KINDS:
        raise ValueError(f"residual must be one of {RESIDUAL_KINDS} or None, got {residual!r}.")
    if isinstance(architecture, str):
        key = architecture.strip().lower()
        if key in PRESETS:
            stacks, n_outputs = PRESETS[key], None
        elif re.fullmatch(r"[a-z]+\d+", key):
            raise ValueError(
                f"Unknown architecture preset {architecture!r}; presets are "
                f"{sorted(PRESETS)}, or give an architecture string like '1024BARx4-512BARx3-1'."
            )
        else:
            stacks, n_outputs = parse_architecture_string(architecture)
        kinds = {s.residual for s in stacks}
        if residual is not None and kinds != {residual}:
            raise ValueError(
                f"residual={residual!r} conflicts with architecture {architecture!r}, whose "
                f"wiring is {sorted(kinds)}; leave residual=None or pick the matching preset."
            )
        return stacks, n_outputs
    if not isinstance(architecture, Sequence) or len(architecture) == 0:
        raise ValueError(
            "architecture must be a preset name, an architecture string or a non-empty sequence "
            f"of (width, n_layers) pairs; got {architecture!r}."
        )
    wiring: Residual = residual or "individual"
    stacks = []
    for position, item in enumerate(architecture):
        if isinstance(item, StackSpec):
            stacks.append(item)
            continue
        if (
            not isinstance(item, Sequence)
            or isinstance(item, str)
            or len(item) != 2
            or not all(_is_positive_int(v) for v in item)
        ):
            raise ValueError(
                f"architecture item {position} must be a (width, n_layers) pair of positive "
                f"integers or a StackSpec, got {item!r}."
            )
        stacks.append(StackSpec(int(item[0]), int(item[1]), wiring))
    return tuple(stacks), None


def _is_positive_int(value: object) -> bool:
    return (
        not isinstance(value, bool)
        and hasattr(value, "__index__")
        and int(value) >= 1  # type: ignore[call-overload]
    )


def architecture_to_string(stacks: Sequence[StackSpec], n_outputs: int = 1) -> str:
    """Write stacks in the authors' notation, ending with the output width.

    Examples
    --------
    >>> architecture_to_string(PRESETS["srnet17"])
    '1024BAx4R-512BAx3R-256BAx3R-128BAx3R-64BAx2R-32BAx1R-1'
    """
    return "-".join([s.to_string() for s in stacks] + [str(n_outputs)])

"""Formula parsing and validation shared by the composition transformers.

Reading the input container and reporting invalid rows is :mod:`._input`'s job; this module
only turns single entries into :class:`ParsedFormula`.

A chemical formula becomes a :class:`ParsedFormula`: the atomic numbers of its elements in
order of first appearance, their amounts, and (only for oxidation-state decorated
:class:`pymatgen.core.Composition` objects) the charge and amount of each species.

The amounts are those :class:`pymatgen.core.Composition` would give for the same string, so the
features agree with matminer, which works on ``Composition`` objects. Formulas written in the
plain grammar (element symbols, decimal amounts, nested ``()``/``[]``/``{}`` groups, optional
whitespace) are read by a small parser here, which is much faster than building a
``Composition`` (batches of flat formulas are tokenised in one pass, see
:func:`parse_entries`); any other string is handed to pymatgen's own parser and its result is
then checked by the same rules.

A formula is rejected when it is empty, missing (``None``/``NaN``), not a string or
``Composition``, unparsable, names an unknown element (pymatgen turns unknown symbols such as
``"Xx"`` into dummy species), or gives some element a zero, negative or vanishing amount
(pymatgen silently drops amounts below ``1e-8``, so ``"Fe0O"`` would otherwise become ``"O"``).
"""

from __future__ import annotations

import functools
import math
import re
import warnings
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ._input import is_missing

__all__ = [
    "AMOUNT_TOLERANCE",
    "FormulaError",
    "ParsedFormula",
    "element_symbols",
    "parse_composition",
    "parse_entries",
    "parse_formula",
]

#: pymatgen's ``Composition.amount_tolerance``: smaller amounts are dropped by pymatgen.
AMOUNT_TOLERANCE = 1e-8


class FormulaError(ValueError):
    """A single formula that cannot be featurized; the message says why."""


class ParsedFormula(NamedTuple):
    """A validated composition.

    Attributes
    ----------
    z : tuple of int
        Atomic numbers, in order of first appearance (pymatgen's order).
    amounts : tuple of float
        Amount of each element (not normalised), all >= ``AMOUNT_TOLERANCE``.
    charges : tuple of (float, float) or None
        ``(oxidation state, amount)`` of each species when every species of the input
        ``Composition`` carries an oxidation state, else ``None``.
    """

    z: tuple[int, ...]
    amounts: tuple[float, ...]
    charges: tuple[tuple[float, float], ...] | None = None


_SYMBOLS: dict[str, int] = {}


def _symbol_table() -> dict[str, int]:
    """Map the symbols of the elements Z = 1..118 to Z.

    pymatgen also reads the isotope symbols ``D`` and ``T`` as hydrogen, but overwrites rather
    than adds their amount when ``H`` appears too; they are rejected here (write ``H``).
    """
    if not _SYMBOLS:
        from pymatgen.core import Element

        _SYMBOLS.update({Element.from_Z(z).symbol: z for z in range(1, 119)})
    return _SYMBOLS


def element_symbols() -> tuple[str, ...]:
    """Element symbols for Z = 1..118, index ``Z - 1``."""
    return tuple(_symbol_table())


_TOKEN_RE = re.compile(
    r"\s*(?:(?P<sym>[A-Z][a-z]*)|(?P<open>[(\[{])|(?P<close>[)\]}])"
    r"|(?P<num>\d+(?:\.\d*)?|\.\d+))"
)
# Characters pymatgen would read as part of an amount: if one follows a number we let
# pymatgen decide (exponents such as "1e3", signs, "*").
_AMOUNT_CONTINUES = frozenset("eE-*.+0123456789")
_SYMBOL_RE = re.compile(r"[A-Z][a-z]*")
# Fast path: no groups, every amount a plain decimal number right after its symbol.
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
_FLAT_RE = re.compile(rf"\s*(?:[A-Z][a-z]*\s*(?:{_NUMBER}\s*)?)+")
_PAIR_RE = re.compile(rf"([A-Z][a-z]*)\s*({_NUMBER})?")
_BULK_RE = re.compile(rf"([A-Z][a-z]*)\s*({_NUMBER})?|\x00")  # NUL separates formulas


class _NotPlain(Exception):
    """The string is outside the plain grammar; pymatgen's parser decides."""


def _parse_plain(text: str) -> list[tuple[str, float]]:
    """Parse the plain grammar into ``(symbol, amount)`` pairs, pymatgen's summation order."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    end = len(text.rstrip())
    while pos < end:
        match = _TOKEN_RE.match(text, pos)
        if match is None:
            raise _NotPlain
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        pos = match.end()
        if kind == "num" and pos < len(text) and text[pos] in _AMOUNT_CONTINUES:
            raise _NotPlain
    if not tokens:
        raise _NotPlain

    def group(i: int, depth: int) -> tuple[dict[str, float], int]:
        acc: dict[str, float] = {}
        n_items = 0
        while i < len(tokens):
            kind, value = tokens[i]
            if kind == "sym":
                amount = 1.0
                if i + 1 < len(tokens) and tokens[i + 1][0] == "num":
                    amount = float(tokens[i + 1][1])
                    i += 1
                acc[value] = acc.get(value, 0.0) + amount
                i += 1
            elif kind == "open":
                inner, i = group(i + 1, depth + 1)
                factor = 1.0
                if i < len(tokens) and tokens[i][0] == "num":
                    factor = float(tokens[i][1])
                    i += 1
                for sym, amount in inner.items():
                    acc[sym] = acc.get(sym, 0.0) + amount * factor
            elif kind == "close":
                if depth == 0 or n_items == 0:
                    raise _NotPlain
                return acc, i + 1
            else:  # a number that follows nothing
                raise _NotPlain
            n_items += 1
        if depth != 0:
            raise _NotPlain
        return acc, i

    parsed, _ = group(0, 0)
    return list(parsed.items())


def _check_amounts(pairs: Sequence[tuple[str, float]]) -> ParsedFormula:
    table = _SYMBOLS or _symbol_table()
    z: list[int] = []
    amounts: list[float] = []
    for sym, amount in pairs:
        number = table.get(sym)
        if number is None:
            raise FormulaError(f"unknown element {sym!r}")
        if not AMOUNT_TOLERANCE <= amount < math.inf:
            if amount != amount or amount == math.inf:
                raise FormulaError(f"non-finite amount of {sym}")
            kind = "negative" if amount < -AMOUNT_TOLERANCE else "zero"
            raise FormulaError(f"{kind} amount of {sym}")
        z.append(number)
        amounts.append(amount)
    if not z:
        raise FormulaError("no elements")
    return ParsedFormula(tuple(z), tuple(amounts), None)


def _parse_with_pymatgen(text: str) -> ParsedFormula:
    from pymatgen.core import Composition, DummySpecies, Element

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            comp = Composition(text)
    except Exception as exc:  # pymatgen raises ValueError, KeyError, ...
        raise FormulaError(f"not a formula ({exc})") from None
    dummies = [str(sp) for sp in comp if isinstance(sp, DummySpecies)]
    if dummies:
        raise FormulaError(f"unknown element {dummies[0].rstrip('0+-')!r}")
    present = {el.symbol for el in comp.element_composition}
    table = _symbol_table()
    for sym in _SYMBOL_RE.findall(text):
        if sym not in table:
            raise FormulaError(f"unknown element {sym!r}")
        if Element.from_Z(table[sym]).symbol not in present:
            raise FormulaError(f"zero amount of {sym}")
    return parse_composition(comp)


@functools.lru_cache(maxsize=1 << 18)
def parse_formula(text: str) -> ParsedFormula:
    """Parse and validate one formula string.

    Parameters
    ----------
    text : str
        A chemical formula such as ``"Fe2O3"``, ``"Ba0.5Sr0.5TiO3"`` or ``"Ca(OH)2"``.

    Returns
    -------
    ParsedFormula

    Raises
    ------
    FormulaError
        With the reason the formula is rejected.

    Examples
    --------
    >>> parse_formula("Ca(OH)2")
    ParsedFormula(z=(20, 8, 1), amounts=(1.0, 2.0, 2.0), charges=None)
    """
    if not text.strip():
        raise FormulaError("empty formula")
    if _FLAT_RE.fullmatch(text):
        acc: dict[str, float] = {}
        for sym, number in _PAIR_RE.findall(text):
            acc[sym] = acc.get(sym, 0.0) + (float(number) if number else 1.0)
        return _check_amounts(list(acc.items()))
    try:
        pairs = _parse_plain(text)
    except _NotPlain:
        return _parse_with_pymatgen(text)
    return _check_amounts(pairs)


def parse_composition(comp: Any) -> ParsedFormula:
    """Validate a :class:`pymatgen.core.Composition` and convert it.

    Amounts are those of ``comp.element_composition``; when every species carries an
    oxidation state the species charges are kept (matminer's ``IonProperty`` then uses them).
    """
    from pymatgen.core import DummySpecies

    dummies = [str(sp) for sp in comp if isinstance(sp, DummySpecies)]
    if dummies:
        raise FormulaError(f"unknown element {dummies[0]!r}")
    for sp, amount in comp.items():
        if amount < AMOUNT_TOLERANCE:
            raise FormulaError(f"{'negative' if amount < 0 else 'zero'} amount of {sp}")
    pairs = [(el.symbol, float(amount)) for el, amount in comp.element_composition.items()]
    parsed = _check_amounts(pairs)
    charges = None
    species = list(comp.items())
    if species and all(getattr(sp, "oxi_state", None) is not None for sp, _ in species):
        charges = tuple((float(sp.oxi_state), float(amount)) for sp, amount in species)
    return ParsedFormula(parsed.z, parsed.amounts, charges)


def _entry_key(value: Any) -> Any:
    """A hashable key identifying equal inputs (used to featurize each one once)."""
    if isinstance(value, str):
        return value
    if is_missing(value):
        return ("<missing>",)
    try:
        from pymatgen.core import Composition
    except ImportError:  # pragma: no cover
        Composition = ()  # type: ignore[assignment]
    if isinstance(value, Composition):
        return ("<composition>", tuple((str(sp), float(a)) for sp, a in value.items()))
    return ("<object>", id(value))


def _parse_entry(value: Any) -> ParsedFormula:
    if isinstance(value, str):
        return parse_formula(value)
    if is_missing(value):
        raise FormulaError("missing value")
    from pymatgen.core import Composition

    if isinstance(value, Composition):
        return parse_composition(value)
    raise FormulaError(
        f"expected a formula string or pymatgen Composition, got {type(value).__name__}"
    )


def _parse_flat_bulk(texts: Sequence[str]) -> list[ParsedFormula | FormulaError | None]:
    """Parse many distinct strings at once; ``None`` for those outside the flat grammar.

    Flat formulas (symbols and plain decimal amounts, optional whitespace, no groups) are
    tokenised by one regular-expression pass over all of them, and their amounts converted
    and summed with numpy; this gives exactly what :func:`parse_formula` gives, several times
    faster. Other strings (groups, exponents, invalid text) are left to :func:`parse_formula`.
    """
    out: list[ParsedFormula | FormulaError | None] = [None] * len(texts)
    flat = [i for i, text in enumerate(texts) if _FLAT_RE.fullmatch(text) and text.strip()]
    if not flat:
        return out
    table = _SYMBOLS or _symbol_table()
    tokens = _BULK_RE.findall("\x00".join(texts[i] for i in flat) + "\x00")
    # separators have an empty symbol: Z 0; unknown symbols: Z -1
    lookup = {**table, "": 0}
    get = lookup.get
    z = np.fromiter((get(sym, -1) for sym, _ in tokens), dtype=np.int64, count=len(tokens))
    amounts = np.fromiter(
        (float(num) if num else 1.0 for _, num in tokens), dtype=np.float64, count=len(tokens)
    )
    separator = z == 0
    formula = np.cumsum(separator) - separator  # index into `flat` of each token
    keep = ~separator
    z, amounts, formula = z[keep], amounts[keep], formula[keep]
    # repeated symbols within a formula are summed in textual order, as pymatgen does
    key = formula * 128 + z
    _, position, inverse = np.unique(key, return_index=True, return_inverse=True)
    if len(position) != len(key):
        summed = np.zeros(len(position))
        np.add.at(summed, inverse, amounts)
        order = np.argsort(position, kind="stable")
        firsts = position[order]
        z, formula, amounts = z[firsts], formula[firsts], summed[order]
    counts = np.bincount(formula, minlength=len(flat))
    ends = np.cumsum(counts)
    starts = ends - counts
    z_list, amount_list = z.tolist(), amounts.tolist()
    bad = (z < 0) | ~(amounts >= AMOUNT_TOLERANCE) | ~np.isfinite(amounts)
    bad_formula = np.zeros(len(flat), dtype=bool)
    bad_formula[formula[bad]] = True
    new = tuple.__new__  # skips NamedTuple's Python-level __new__ (hot loop)
    for i, start, end, is_bad in zip(
        flat, starts.tolist(), ends.tolist(), bad_formula.tolist(), strict=True
    ):
        if is_bad:
            try:  # the slow path words the reason
                out[i] = parse_formula(texts[i])
            except FormulaError as exc:
                out[i] = exc
        else:
            out[i] = new(
                ParsedFormula, (tuple(z_list[start:end]), tuple(amount_list[start:end]), None)
            )
    return out


def parse_entries(
    entries: Sequence[Any],
) -> tuple[list[ParsedFormula | FormulaError], np.ndarray]:
    """Parse each distinct entry once.

    Parameters
    ----------
    entries : sequence
        Formula strings and/or ``Composition`` objects (1-D).

    Returns
    -------
    unique : list
        One :class:`ParsedFormula` or :class:`FormulaError` per distinct entry.
    inverse : ndarray of int
        ``unique[inverse[i]]`` belongs to ``entries[i]``.
    """
    if all(type(value) is str for value in entries):
        import pandas as pd

        inverse, uniques = pd.factorize(np.asarray(entries, dtype=object))
        firsts: list[Any] = uniques.tolist()
        inverse = inverse.astype(np.intp, copy=False)
        parsed: list[Any] = _parse_flat_bulk(firsts)
    else:
        index: dict[Any, int] = {}
        firsts = []
        inverse = np.empty(len(entries), dtype=np.intp)
        for i, value in enumerate(entries):
            key = _entry_key(value)
            j = index.get(key)
            if j is None:
                j = index[key] = len(firsts)
                firsts.append(value)
            inverse[i] = j
        parsed = [None] * len(firsts)
    unique: list[ParsedFormula | FormulaError] = []
    for value, done in zip(firsts, parsed, strict=True):
        if done is not None:
            unique.append(done)
            continue
        try:
            unique.append(_parse_entry(value))
        except FormulaError as exc:
            unique.append(exc)
    return unique, inverse


def formula_groups(formulas: Sequence[Any]) -> np.ndarray:
    """Group label of each formula: equal for formulas of the same composition.

    Formulas are compared by their element fractions, so ``"NaCl"``, ``"ClNa"`` and
    ``"Na2Cl2"`` share a group: their composition features are identical, so they must not
    straddle the training and test sets of a fold. A formula that cannot be parsed is
    grouped with the identical strings only.

    Parameters
    ----------
    formulas : sequence of str
        Chemical formulas, one per row.

    Returns
    -------
    groups : ndarray of int, shape (n_rows,)
        Labels ``0, 1, ...`` in order of first appearance; pass them as ``groups`` to a
        group-aware splitter such as :class:`~sklearn.model_selection.GroupKFold`.

    Examples
    --------
    >>> formula_groups(["NaCl", "MgO", "Na2Cl2", "ClNa", "Xx"])
    array([0, 1, 0, 0, 2])
    """
    unique, inverse = parse_entries(np.asarray(formulas, dtype=object).reshape(-1))
    keys: list[Any] = []
    for position, parsed in enumerate(unique):
        if isinstance(parsed, FormulaError):
            keys.append(("<unparsed>", position))
            continue
        total = sum(parsed.amounts)
        fractions = [round(amount / total, 10) for amount in parsed.amounts]
        keys.append(tuple(sorted(zip(parsed.z, fractions, strict=True))))
    codes, _ = pd.factorize(pd.Series(keys, dtype=object))
    return codes[inverse].astype(np.int64)

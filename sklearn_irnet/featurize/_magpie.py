"""Vectorized computation of matminer's Magpie composition attributes.

The default configuration reproduces, column for column, the 145 attributes the IRNet authors
computed with matminer::

    Stoichiometry()                         6   p-norms of the atomic fractions
    ElementProperty.from_preset("magpie")   132 22 Magpie properties x 6 statistics
    ValenceOrbital(props=["avg"])           4   mean s/p/d/f valence electrons
    IonProperty(fast=True)                  3   compound possible, max/avg ionic character

Definitions follow matminer 0.10.1 (``matminer.featurizers.utils.stats.PropertyStats`` and the
featurizers above); element data come from matminer's own tables (``MagpieData`` for the
Magpie properties, ``PymatgenData`` for electronegativity and common oxidation states), with
matminer's ``impute_nan`` handling of missing values.

The work is split in two parts:

* the numeric statistics run on padded ``(n_formulas, max_elements)`` arrays of atomic numbers
  and amounts, in chunks, with numpy;
* "compound possible" needs a search over oxidation-state combinations: they are enumerated
  for all formulas at once with numpy, and formulas with very many combinations (steels) are
  searched exactly by meeting in the middle.
"""

from __future__ import annotations

import functools
import itertools
import math
import warnings
from collections.abc import Sequence

import numpy as np

from ._parse import ParsedFormula

__all__ = [
    "MAGPIE_PROPERTIES",
    "MAGPIE_STATS",
    "STOICHIOMETRY_P",
    "VALENCE_ORBITALS",
    "compound_possible",
    "compound_possible_batch",
    "element_fractions",
    "magpie_features",
    "magpie_labels",
    "pad",
]

#: The 22 properties of ``ElementProperty.from_preset("magpie")``, in matminer's order.
MAGPIE_PROPERTIES: tuple[str, ...] = (
    "Number",
    "MendeleevNumber",
    "AtomicWeight",
    "MeltingT",
    "Column",
    "Row",
    "CovalentRadius",
    "Electronegativity",
    "NsValence",
    "NpValence",
    "NdValence",
    "NfValence",
    "NValence",
    "NsUnfilled",
    "NpUnfilled",
    "NdUnfilled",
    "NfUnfilled",
    "NUnfilled",
    "GSvolume_pa",
    "GSbandgap",
    "GSmagmom",
    "SpaceGroupNumber",
)
#: The six statistics of the magpie preset, in matminer's order.
MAGPIE_STATS: tuple[str, ...] = ("minimum", "maximum", "range", "mean", "avg_dev", "mode")
#: ``Stoichiometry()``'s default p-norms.
STOICHIOMETRY_P: tuple[int, ...] = (0, 2, 3, 5, 7, 10)
#: ``ValenceOrbital``'s orbitals.
VALENCE_ORBITALS: tuple[str, ...] = ("s", "p", "d", "f")

# np.isclose defaults, as PropertyStats.mode and IonProperty use them
_RTOL = 1e-5
_ATOL = 1e-8
# Rows per numpy chunk: bounds the (chunk, max_elements, n_properties) temporaries.
_CHUNK = 8192
# Up to this many oxidation-state combinations a formula is enumerated with numpy, beyond it
# searched by meeting in the middle.
_SMALL_PRODUCT = 4096


def magpie_labels(
    properties: Sequence[str] = MAGPIE_PROPERTIES, stats: Sequence[str] = MAGPIE_STATS
) -> list[str]:
    """Feature names, exactly as matminer's four featurizers label them.

    Examples
    --------
    >>> labels = magpie_labels()
    >>> len(labels), labels[0], labels[6], labels[-1]
    (145, '0-norm', 'MagpieData minimum Number', 'avg ionic char')
    """
    labels = [f"{p}-norm" for p in STOICHIOMETRY_P]
    labels += [f"MagpieData {stat} {prop}" for prop in properties for stat in stats]
    labels += [f"avg {orb} valence electrons" for orb in VALENCE_ORBITALS]
    labels += ["compound possible", "max ionic char", "avg ionic char"]
    return labels


@functools.cache
def _magpie_data(impute_nan: bool):  # noqa: ANN202 - matminer object
    from matminer.utils.data import MagpieData

    return MagpieData(impute_nan=impute_nan)


def available_magpie_properties() -> tuple[str, ...]:
    """Names of all numeric element properties in matminer's Magpie tables."""
    data = _magpie_data(True)
    return tuple(sorted(p for p in data.all_elemental_props if p != "OxidationStates"))


@functools.cache
def magpie_table(properties: tuple[str, ...], impute_nan: bool) -> np.ndarray:
    """``(119, n_properties)`` table of Magpie element data; row ``Z``, row 0 is padding."""
    from pymatgen.core import Element

    data = _magpie_data(impute_nan)
    table = np.zeros((119, len(properties)), dtype=np.float64)
    for j, prop in enumerate(properties):
        values = data.all_elemental_props[prop]
        for z in range(1, 119):
            table[z, j] = float(values[Element.from_Z(z).symbol])
    table.setflags(write=False)
    return table


@functools.cache
def _pymatgen_tables(impute_nan: bool) -> tuple[np.ndarray, tuple[tuple[int, ...], ...]]:
    """Electronegativity (index Z, 0 unused) and common oxidation states, as IonProperty reads
    them from ``PymatgenData``."""
    from matminer.utils.data import PymatgenData
    from pymatgen.core import Element

    source = PymatgenData(impute_nan=impute_nan)
    x = np.zeros(119, dtype=np.float64)
    states: list[tuple[int, ...]] = [()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pymatgen warns for elements without X
        for z in range(1, 119):
            element = Element.from_Z(z)
            x[z] = float(source.get_elemental_property(element, "X"))
            states.append(tuple(int(s) for s in source.get_oxidation_states(element)))
    x.setflags(write=False)
    return x, tuple(states)


def pad(parsed: Sequence[ParsedFormula]) -> tuple[np.ndarray, np.ndarray]:
    """Padded atomic numbers (0 = padding) and amounts (0.0) of each formula.

    Examples
    --------
    >>> from sklearn_irnet.featurize._parse import parse_formula
    >>> z, amounts = pad([parse_formula("Fe2O3"), parse_formula("Cu")])
    >>> z.tolist(), amounts.tolist()
    ([[26, 8], [29, 0]], [[2.0, 3.0], [1.0, 0.0]])
    """
    n = len(parsed)
    counts = np.fromiter((len(p.z) for p in parsed), dtype=np.intp, count=n)
    width = int(counts.max()) if n else 1
    total = int(counts.sum())
    flat_z = np.fromiter(itertools.chain.from_iterable(p.z for p in parsed), np.int64, total)
    flat_a = np.fromiter(
        itertools.chain.from_iterable(p.amounts for p in parsed), np.float64, total
    )
    rows = np.repeat(np.arange(n), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    cols = np.arange(total) - starts
    z = np.zeros((n, width), dtype=np.int64)
    amounts = np.zeros((n, width), dtype=np.float64)
    z[rows, cols] = flat_z
    amounts[rows, cols] = flat_a
    return z, amounts


def _reachable_sums(states: Sequence[tuple[int, ...]], amounts: Sequence[float]) -> np.ndarray:
    sums = np.zeros(1)
    for ox, amount in zip(states, amounts, strict=True):
        sums = np.unique(np.add.outer(sums, np.asarray(ox, dtype=np.float64) * amount))
    return sums


def _charge_balanced(states: Sequence[tuple[int, ...]], amounts: Sequence[float]) -> bool:
    """Whether some choice of one oxidation state per element has ``|sum q_i a_i| <= 1e-8``.

    Used for compositions with too many combinations to enumerate (many elements, as in
    steels): the two halves of the element list meet in the middle, comparing their sorted
    partial sums, which costs about the square root of the number of combinations.
    """
    sizes = [len(s) for s in states]
    if 0 in sizes:
        return False
    total = math.prod(sizes)
    # split where the two halves have about the same number of combinations
    cut, acc = 0, 1
    while cut < len(sizes) - 1 and acc * sizes[cut] <= math.isqrt(total):
        acc *= sizes[cut]
        cut += 1
    cut = max(cut, 1)
    left = _reachable_sums(states[:cut], amounts[:cut])
    right = _reachable_sums(states[cut:], amounts[cut:])  # sorted by np.unique
    lo = np.searchsorted(right, -left - _ATOL, side="left")
    hi = np.searchsorted(right, -left + _ATOL, side="right")
    return bool(np.any(hi > lo))


@functools.cache
def _state_table() -> tuple[np.ndarray, np.ndarray]:
    """Common oxidation states padded into a ``(119, max_states)`` table, and their counts.

    Row 0 (padding) holds the single state 0, so padded positions add nothing to a charge.
    """
    _, states = _pymatgen_tables(True)  # oxidation states do not depend on impute_nan
    width = max(len(s) for s in states)
    table = np.zeros((119, width), dtype=np.float64)
    sizes = np.zeros(119, dtype=np.int64)
    for z in range(1, 119):
        table[z, : len(states[z])] = states[z]
        sizes[z] = len(states[z])
    sizes[0] = 1
    table.setflags(write=False)
    sizes.setflags(write=False)
    return table, sizes


def compound_possible_batch(parsed: Sequence[ParsedFormula]) -> np.ndarray:
    """matminer's ``IonProperty(fast=True)`` "compound possible" for many compositions.

    matminer enumerates ``itertools.product`` of each element's common oxidation states and
    answers True when some combination has ``np.isclose(np.dot(states, amounts), 0)``, i.e.
    ``|charge| <= 1e-8`` (amounts not normalised). Single elements are always True;
    compositions carrying oxidation states use their own charges. Here all combinations of
    all formulas are enumerated at once with numpy (the combination number is decoded into
    one state per element, mixed-radix); formulas with more than ``_SMALL_PRODUCT``
    combinations use the exact meet-in-the-middle search instead.
    """
    n = len(parsed)
    result = np.ones(n, dtype=bool)
    if n == 0:
        return result
    z, amounts = pad(parsed)
    n_elements = (z > 0).sum(axis=1)
    searched = n_elements >= 2
    for i, p in enumerate(parsed):
        if p.charges is not None and len(p.z) >= 2:
            searched[i] = False
            result[i] = abs(sum(q * a for q, a in p.charges)) <= _ATOL
    table, size_table = _state_table()
    sizes = size_table[z]
    with np.errstate(over="ignore"):
        products = np.prod(sizes.astype(np.float64), axis=1)
    small = searched & (products <= _SMALL_PRODUCT)
    for i in np.flatnonzero(searched & ~small):
        _, states = _pymatgen_tables(True)
        p = parsed[i]
        result[i] = _charge_balanced([states[e] for e in p.z], p.amounts)
    rows = np.flatnonzero(small)
    if len(rows) == 0:
        return result
    products_small = products[rows].astype(np.int64)
    # strides of the mixed-radix decoding: element i changes every prod(sizes[i+1:]) steps
    strides = np.ones_like(sizes[rows])
    strides[:, :-1] = np.cumprod(sizes[rows][:, :0:-1], axis=1)[:, ::-1]
    budget = 1 << 20  # combinations per numpy pass
    cumulative = np.cumsum(products_small)
    start = 0
    while start < len(rows):
        base = int(cumulative[start - 1]) if start else 0
        stop = max(int(np.searchsorted(cumulative, base + budget, side="right")), start + 1)
        total = int(cumulative[stop - 1]) - base
        block = np.arange(start, stop)
        count = products_small[block]
        owner = np.repeat(block, count)
        combination = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
        charge = np.zeros(total)
        row_of = rows[owner]
        for i in range(z.shape[1]):
            size = sizes[row_of, i]
            state = table[z[row_of, i], (combination // strides[owner, i]) % size]
            charge += amounts[row_of, i] * state
        hits = np.bincount(owner[np.abs(charge) <= _ATOL] - start, minlength=stop - start)
        result[rows[block]] = hits > 0
        start = stop
    return result


def compound_possible(parsed: ParsedFormula) -> bool:
    """matminer's ``IonProperty(fast=True)`` "compound possible" for one composition.

    Examples
    --------
    >>> from sklearn_irnet.featurize._parse import parse_formula
    >>> compound_possible(parse_formula("Fe2O3")), compound_possible(parse_formula("NaO"))
    (True, False)
    """
    return bool(compound_possible_batch([parsed])[0])


def _property_stats(
    values: np.ndarray, weights: np.ndarray, mask: np.ndarray, stats: Sequence[str]
) -> np.ndarray:
    """PropertyStats over axis 1 of ``values`` ``(n, k, p)``; returns ``(n, p, n_stats)``.

    ``weights`` are the element amounts (matminer weights by amounts, not fractions, which
    matters for the tie tolerance of ``mode``); padded positions have ``mask`` False.
    """
    m3 = mask[:, :, None]
    w3 = weights[:, :, None]
    out = np.empty(values.shape[:1] + values.shape[2:] + (len(stats),), dtype=np.float64)
    wsum = weights.sum(axis=1)[:, None]
    mean = None
    vmin = vmax = None
    for s, stat in enumerate(stats):
        if stat in ("minimum", "range"):
            vmin = np.where(m3, values, np.inf).min(axis=1) if vmin is None else vmin
        if stat in ("maximum", "range"):
            vmax = np.where(m3, values, -np.inf).max(axis=1) if vmax is None else vmax
        if stat in ("mean", "avg_dev") and mean is None:
            mean = (values * w3).sum(axis=1) / wsum
        if stat == "minimum":
            out[:, :, s] = vmin
        elif stat == "maximum":
            out[:, :, s] = vmax
        elif stat == "range":
            out[:, :, s] = vmax - vmin
        elif stat == "mean":
            out[:, :, s] = mean
        elif stat == "avg_dev":
            dev = np.abs(values - mean[:, None, :]) * w3
            out[:, :, s] = dev.sum(axis=1) / wsum
        elif stat == "mode":
            # PropertyStats.mode: among the entries whose weight is np.isclose to the
            # largest weight, the smallest value
            wmax = weights.max(axis=1, keepdims=True)
            top = mask & (np.abs(weights - wmax) <= _ATOL + _RTOL * np.abs(wmax))
            out[:, :, s] = np.where(top[:, :, None], values, np.inf).min(axis=1)
        else:  # pragma: no cover - validated by the transformer
            raise ValueError(f"unknown statistic {stat!r}")
    return out


def _ionic_pair_weights(parsed: Sequence[ParsedFormula], fractions: np.ndarray) -> np.ndarray:
    """Weights of the element pairs in "avg ionic char".

    These are the atomic fractions, except for oxidation-state decorated compositions: there
    matminer 0.10.1 rebinds its ``fractions`` to the species amounts (for the charge sum) and
    then indexes them by element position, so ``Fe2+ Fe3+2 O2-4`` pairs Fe with the Fe3+
    amount instead of O's. Reproduced for identical values.
    """
    weights = fractions
    for i, p in enumerate(parsed):
        if p.charges is not None and len(p.z) >= 2:
            if weights is fractions:
                weights = fractions.copy()
            species = np.array([a for _, a in p.charges], dtype=np.float64)
            species = species / species.sum()
            k = min(len(p.z), len(species))
            weights[i, :k] = species[:k]
    return weights


def _magpie_chunk(
    parsed: Sequence[ParsedFormula],
    properties: tuple[str, ...],
    stats: tuple[str, ...],
    impute_nan: bool,
) -> np.ndarray:
    z, amounts = pad(parsed)
    mask = z > 0
    n = z.shape[0]
    n_elements = mask.sum(axis=1)
    total = amounts.sum(axis=1)

    # Stoichiometry(): p-norms of the atomic fractions; the 0-norm counts elements
    fractions = amounts / total[:, None]
    stoich = np.empty((n, len(STOICHIOMETRY_P)))
    for j, p in enumerate(STOICHIOMETRY_P):
        if p == 0:
            stoich[:, j] = n_elements
        else:
            stoich[:, j] = (fractions**p).sum(axis=1) ** (1.0 / p)

    # ElementProperty: statistics of each property weighted by the amounts
    table = magpie_table(properties, impute_nan)
    values = table[z]  # padding (z = 0) reads the all-zero row 0
    elem = _property_stats(values, amounts, mask, stats).reshape(n, -1)

    # ValenceOrbital(props=["avg"]): amount-weighted mean valence electrons per orbital
    orbital_table = magpie_table(tuple(f"N{o}Valence" for o in VALENCE_ORBITALS), impute_nan)
    orbital = (orbital_table[z] * amounts[:, :, None]).sum(axis=1) / total[:, None]

    # IonProperty(fast=True)
    x_table, _ = _pymatgen_tables(impute_nan)
    x = x_table[z]
    diff = x[:, :, None] - x[:, None, :]
    ionic = 1.0 - np.exp(-0.25 * diff**2)
    width = z.shape[1]
    upper = np.triu(np.ones((width, width), dtype=bool), k=1)
    pairs = mask[:, :, None] & mask[:, None, :] & upper
    pair_weights = _ionic_pair_weights(parsed, fractions)
    avg_ionic = pair_weights[:, :, None] * pair_weights[:, None, :] * ionic
    avg_ionic = np.where(pairs, avg_ionic, 0.0)
    avg_ionic = avg_ionic.sum(axis=(1, 2))
    max_ionic = np.where(pairs, ionic, -np.inf).max(axis=(1, 2))
    single = n_elements < 2
    max_ionic[single] = 0.0
    avg_ionic[single] = 0.0
    possible = compound_possible_batch(parsed).astype(np.float64)
    ion = np.column_stack([possible, max_ionic, avg_ionic])

    return np.hstack([stoich, elem, orbital, ion])


def magpie_features(
    parsed: Sequence[ParsedFormula],
    properties: Sequence[str] = MAGPIE_PROPERTIES,
    stats: Sequence[str] = MAGPIE_STATS,
    impute_nan: bool = True,
) -> np.ndarray:
    """Magpie attributes of validated compositions, ``(len(parsed), n_features)`` float64.

    Examples
    --------
    >>> from sklearn_irnet.featurize._parse import parse_formula
    >>> features = magpie_features([parse_formula("Fe2O3"), parse_formula("NaCl")])
    >>> features.shape
    (2, 145)
    """
    properties = tuple(properties)
    stats = tuple(stats)
    n_features = len(STOICHIOMETRY_P) + len(properties) * len(stats) + 4 + 3
    out = np.empty((len(parsed), n_features), dtype=np.float64)
    # chunks of formulas with similar numbers of elements waste little on padding
    counts = np.fromiter((len(p.z) for p in parsed), dtype=np.intp, count=len(parsed))
    order = np.argsort(counts, kind="stable")
    for start in range(0, len(parsed), _CHUNK):
        rows = order[start : start + _CHUNK]
        chunk = [parsed[i] for i in rows]
        out[rows] = _magpie_chunk(chunk, properties, stats, impute_nan)
    return out


def element_fractions(parsed: Sequence[ParsedFormula], z_columns: Sequence[int]) -> np.ndarray:
    """Atomic fraction of each element of ``z_columns`` (like matminer's ``ElementFraction``).

    Examples
    --------
    >>> from sklearn_irnet.featurize._parse import parse_formula
    >>> element_fractions([parse_formula("Fe2O3")], [8, 26]).round(2).tolist()
    [[0.6, 0.4]]
    """
    lookup = np.full(119, -1, dtype=np.intp)
    lookup[np.asarray(z_columns, dtype=np.intp)] = np.arange(len(z_columns))
    out = np.zeros((len(parsed), len(z_columns)), dtype=np.float64)
    for start in range(0, len(parsed), _CHUNK):
        chunk = parsed[start : start + _CHUNK]
        z, amounts = pad(chunk)
        fractions = amounts / amounts.sum(axis=1, keepdims=True)
        rows, cols = np.nonzero(z > 0)
        target = lookup[z[rows, cols]]
        keep = target >= 0
        out[start + rows[keep], target[keep]] = fractions[rows[keep], cols[keep]]
    return out

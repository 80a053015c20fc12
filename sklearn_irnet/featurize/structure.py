"""Composition + Voronoi structure attributes of Ward et al. (2017) as a scikit-learn transformer.

:class:`StructureFeaturizer` turns crystal structures into the 271 attributes of L. Ward et al.,
"Including crystal structure attributes in machine learning models of formation energies via
Voronoi tessellations", Phys. Rev. B 96, 024104 (2017), doi:10.1103/PhysRevB.96.024104, the
"271 features" input of the IRNet papers (OQMD-SC):

* 145 composition attributes (the Magpie set of Ward et al. 2016), computed from the formula
  of each structure;
* 126 structure attributes from the Voronoi tessellation, computed with matminer:

  - ``SiteStatsFingerprint.from_preset("CoordinationNumber_ward-prb-2017")``: effective
    coordination number, 4 statistics (matminer gives 5);
  - ``StructuralHeterogeneity()``: bond-length and cell-volume heterogeneity, 8 (matminer 9);
  - ``ChemicalOrdering()``: Warren-Cowley-like ordering of shells 1-3, 3;
  - ``MaximumPackingEfficiency()``: 1 (computed from the shared tessellation, same value);
  - ``SiteStatsFingerprint.from_preset("LocalPropertyDifference_ward-prb-2017")``: 22
    elemental properties x 5 statistics, 110.

matminer reports two statistics more than the paper and its reference implementation (Magpie):
the *range* of the effective coordination number and the *range* of the neighbour distance
variation. Each equals ``maximum - minimum`` of two columns that are also reported, so dropping
them (the default, ``structure_features="ward2017"``) loses nothing and gives exactly
145 + 126 = 271 columns; ``structure_features="matminer"`` keeps all 128.
"""

from __future__ import annotations

import ast
import functools
import json
import warnings
from collections.abc import Sequence
from numbers import Integral
from typing import Any

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._input import EntryKind, describe, extract_entries, is_missing, report_invalid, shorten

__all__ = ["StructureFeaturizer"]

#: matminer's extra statistics, absent from the published set (max - min of kept columns).
_NON_WARD_LABELS = frozenset({"range CN_VoronoiNN", "range neighbor distance variation"})


# --------------------------------------------------------------------------------------------
# reading structures
# --------------------------------------------------------------------------------------------
class _StructureError(ValueError):
    """One structure that cannot be read or featurized; the message says why."""


def _read_structure(value: Any) -> Any:
    """Return a pymatgen ``Structure`` for one input, or raise :class:`_StructureError`."""
    from pymatgen.core import IStructure, Structure

    if isinstance(value, IStructure):  # Structure derives from IStructure
        structure = value
    elif is_missing(value):
        raise _StructureError("missing value")
    elif isinstance(value, dict):
        try:
            structure = Structure.from_dict(value)
        except Exception as exc:
            raise _StructureError(f"not a pymatgen structure dict ({exc!r})") from None
    elif isinstance(value, str | bytes):
        text = value.decode() if isinstance(value, bytes) else value
        structure = _structure_from_text(text.strip())
    else:
        raise _StructureError(
            "expected a pymatgen Structure, CIF or POSCAR text, or a structure dict, "
            f"got {type(value).__name__}"
        )
    if len(structure) == 0:
        raise _StructureError("structure without sites")
    return structure


def _structure_from_text(text: str) -> Any:
    from pymatgen.core import Structure

    if not text:
        raise _StructureError("empty string")
    if text.startswith("{"):
        try:
            mapping = json.loads(text)
        except ValueError:
            try:
                mapping = ast.literal_eval(text)
            except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
                raise _StructureError(f"unreadable structure dict ({exc!r})") from None
        if not isinstance(mapping, dict):
            raise _StructureError("text starting with '{' is not a dict")
        try:
            return Structure.from_dict(mapping)
        except Exception as exc:
            raise _StructureError(f"not a pymatgen structure dict ({exc!r})") from None
    is_cif = text.startswith("data_") or "_cell_length_a" in text
    fmt = "cif" if is_cif else "poscar"
    try:
        # pymatgen's parsing notices ("fractional coordinates rounded", "defaulting to P1")
        # would repeat for every row; failures are reported with their reason instead.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Structure.from_str(text, fmt=fmt)
    except Exception as exc:
        what = "CIF" if is_cif else "structure text: not CIF (no _cell_length_a), nor POSCAR"
        raise _StructureError(f"unreadable {what} ({type(exc).__name__}: {exc})") from None


@functools.cache
def _structures() -> EntryKind:
    """How the input of :class:`StructureFeaturizer` is read (pymatgen imported on first use)."""
    from pymatgen.core import IStructure

    return EntryKind(
        kind="structure",
        noun="structures",
        expected="structures (pymatgen Structure, CIF text, dicts)",
        single_types=(str, bytes, dict, IStructure),
    )


def _extract_entries(X: Any, column: str | None) -> np.ndarray:
    """Return the structures of ``X`` as a 1-D object array (no parsing)."""
    return extract_entries(X, column, _structures())


def _describe(value: Any) -> str:
    """A structure as ``<Structure Fe2 O3>``; strings and None as :func:`describe` gives."""
    if value is None or isinstance(value, str):
        return describe(value)
    formula = getattr(getattr(value, "composition", None), "formula", None)
    return shorten(f"<{type(value).__name__} {formula}>" if formula else type(value).__name__)


# --------------------------------------------------------------------------------------------
# matminer featurizers
# --------------------------------------------------------------------------------------------
class _CachedPackingEfficiency:
    """matminer's ``MaximumPackingEfficiency`` computed from the shared Voronoi tessellation.

    matminer tessellates once per site for this attribute, which is more than half of the
    featurization time; the other featurizers share one tessellation of the whole structure
    (``matminer.utils.caching``). The largest sphere inside a Voronoi cell touches its closest
    face, so its radius is the smallest ``face_dist`` of the cell, available in that shared
    tessellation: the result is identical (checked in the tests), only faster.
    """

    def featurize(self, structure: Any) -> list[float]:
        from matminer.utils.caching import get_all_nearest_neighbors
        from pymatgen.analysis.local_env import VoronoiNN

        cells = get_all_nearest_neighbors(VoronoiNN(weight="area"), structure)
        radii = np.array([min(nn["poly_info"]["face_dist"] for nn in cell) for cell in cells])
        return [4.0 / 3.0 * np.pi * float(np.sum(radii**3)) / structure.volume]

    def feature_labels(self) -> list[str]:
        return ["max packing efficiency"]


def _structure_featurizers() -> list[Any]:
    """The featurizers of the Ward et al. (2017) structure attributes, in output order.

    All use ``VoronoiNN(weight="area")``, so matminer's one-structure cache of the
    tessellation is computed once per structure.
    """
    from matminer.featurizers.structure import (
        ChemicalOrdering,
        SiteStatsFingerprint,
        StructuralHeterogeneity,
    )

    return [
        SiteStatsFingerprint.from_preset("CoordinationNumber_ward-prb-2017"),
        StructuralHeterogeneity(),
        ChemicalOrdering(),
        _CachedPackingEfficiency(),
        SiteStatsFingerprint.from_preset("LocalPropertyDifference_ward-prb-2017"),
    ]


@functools.cache
def _structure_labels() -> tuple[str, ...]:
    return tuple(label for f in _structure_featurizers() for label in f.feature_labels())


def _featurize_one(value: Any, featurizers: Sequence[Any]) -> tuple[Any, str | None, str | None]:
    """Read one structure and compute its structure attributes (runs in the joblib workers).

    Returns ``(features, formula, error)``: the attributes as a float array (None on failure),
    the formula of the element composition of the structure (None if unreadable) and the
    reason of a failure (None on success).
    """
    try:
        structure = _read_structure(value)
        formula = structure.composition.element_composition.formula
    except _StructureError as exc:
        return None, None, str(exc)
    except Exception as exc:  # pragma: no cover - defensive: pymatgen internals
        return None, None, f"unreadable structure ({type(exc).__name__}: {exc})"
    if not structure.is_ordered:
        return None, formula, "disordered structure (partial occupancies) is not supported"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            row = [v for f in featurizers for v in f.featurize(structure)]
    except Exception as exc:
        return None, formula, f"Voronoi featurization failed ({type(exc).__name__}: {exc})"
    return np.asarray(row, dtype=float), formula, None


def _featurize_chunk(
    values: Sequence[Any], featurizers: Sequence[Any]
) -> list[tuple[Any, str | None, str | None]]:
    """:func:`_featurize_one` over a chunk of rows (one joblib task, one pickling)."""
    return [_featurize_one(value, featurizers) for value in values]


def _formula_or_none(value: Any) -> str | None:
    try:
        return _read_structure(value).composition.element_composition.formula
    except Exception:
        return None


# --------------------------------------------------------------------------------------------
# the transformer
# --------------------------------------------------------------------------------------------
class StructureFeaturizer(TransformerMixin, BaseEstimator):
    """Ward et al. (2017) composition + Voronoi structure attributes of crystal structures.

    Computes, for each crystal structure, the 145 composition attributes of its formula followed
    by the 126 structure attributes of Ward et al., Phys. Rev. B 96, 024104 (2017), based on the
    Voronoi tessellation (effective coordination number, structural heterogeneity, chemical
    ordering, maximum packing efficiency, local property differences); 271 columns in all. The
    structure attributes are computed with matminer; see the module docstring for the mapping
    to the paper.

    Parameters
    ----------
    column : str or None, default="structure"
        When ``X`` is a DataFrame, the column holding the structures (a DataFrame with a single
        column is used whatever its name).
    composition_featurizer : transformer, "drop" or None, default=None
        Computes the composition attributes from the formula strings of the structures (such
        as ``"Fe2 O3"``, the element composition of each structure). ``None`` uses
        :class:`~sklearn_irnet.featurize.MagpieFeaturizer`, the 145 attributes of the IRNet
        papers (matminer's ``Stoichiometry()``, ``ElementProperty.from_preset("magpie")``,
        ``ValenceOrbital(props=["avg"])`` and ``IonProperty(fast=True)``), so the first 145
        columns equal those of a composition-only pipeline. Any transformer taking a 1-D array
        of formula strings works (e.g. :class:`~sklearn_irnet.featurize.MatminerFeaturizer`);
        it is cloned, and if it has an ``on_error`` parameter that is set to ``"nan"`` so that
        its failures are reported here with their row positions. ``"drop"`` keeps only the
        structure attributes.
    structure_features : {"ward2017", "matminer"}, default="ward2017"
        ``"ward2017"``: the 126 published structure attributes. ``"matminer"``: the 128 that
        matminer computes, which add the range of the effective coordination number and the
        range of the neighbour distance variation (each the difference of two kept columns).
    n_jobs : int or None, default=None
        Number of processes featurizing structures in parallel (joblib; ``None`` means 1 unless
        in a :func:`joblib.parallel_config` context, ``-1`` all cores).
    on_error : {"raise", "nan"}, default="raise"
        What to do with a structure that cannot be read or featurized (unreadable text, missing
        value, disordered sites, ...). ``"raise"`` raises a ``ValueError`` naming the rows;
        ``"nan"`` gives all-NaN rows for them and warns once with their count.

    Attributes
    ----------
    composition_featurizer_ : transformer or None
        The composition transformer in use (a clone; None with ``"drop"``).
    n_composition_features_ : int
        Number of composition columns (145 by default, 0 with ``"drop"``).
    feature_names_out_ : ndarray of str
        Names of the output columns: the composition attributes first, then the structure
        attributes (matminer's labels, e.g. ``"mean CN_VoronoiNN"``).
    n_features_out_ : int
        Number of output columns (271 by default).

    See Also
    --------
    sklearn_irnet.featurize.MagpieFeaturizer : the composition attributes alone.

    Notes
    -----
    Rows may be pymatgen ``Structure`` objects, CIF or POSCAR strings, pymatgen structure dicts
    (``Structure.as_dict()``) or their JSON or Python-literal text (as in matminer's ``flla``
    dataset). Nothing is learned from the structures: ``fit`` only checks the parameters and
    fits the composition transformer when it needs fitting.

    The Voronoi analysis costs about 0.1-0.5 s per structure of a few to a few tens of sites
    (it grows with the number of sites), so featurize a dataset once and cache the matrix
    rather than featurizing inside every cross-validation fold. Disordered structures (partial
    occupancies) cannot be featurized.

    References
    ----------
    L. Ward, R. Liu, A. Krishna, V. I. Hegde, A. Agrawal, A. Choudhary, C. Wolverton,
    "Including crystal structure attributes in machine learning models of formation energies
    via Voronoi tessellations", Phys. Rev. B 96, 024104 (2017).

    Examples
    --------
    >>> from pymatgen.core import Lattice, Structure
    >>> from sklearn_irnet.featurize.structure import StructureFeaturizer
    >>> nacl = Structure.from_spacegroup(
    ...     "Fm-3m", Lattice.cubic(5.69), ["Na", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    ... )
    >>> featurizer = StructureFeaturizer().set_output(transform="pandas")
    >>> features = featurizer.fit_transform([nacl])
    >>> features.shape
    (1, 271)
    >>> round(float(features.loc[0, "mean CN_VoronoiNN"]), 6)
    6.0
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "column": [str, None],
        "composition_featurizer": [None, StrOptions({"drop"}), HasMethods(["fit", "transform"])],
        "structure_features": [StrOptions({"ward2017", "matminer"})],
        "n_jobs": [Integral, None],
        "on_error": [StrOptions({"raise", "nan"})],
    }

    def __init__(
        self,
        *,
        column: str | None = "structure",
        composition_featurizer: Any = None,
        structure_features: str = "ward2017",
        n_jobs: int | None = None,
        on_error: str = "raise",
    ) -> None:
        self.column = column
        self.composition_featurizer = composition_featurizer
        self.structure_features = structure_features
        self.n_jobs = n_jobs
        self.on_error = on_error

    # -- helpers -------------------------------------------------------------------------
    def _structure_columns(self) -> tuple[list[str], np.ndarray]:
        """Labels and positions (in matminer's output) of the structure attributes kept."""
        labels = _structure_labels()
        keep = [
            self.structure_features == "matminer" or label not in _NON_WARD_LABELS
            for label in labels
        ]
        return [lab for lab, k in zip(labels, keep, strict=True) if k], np.flatnonzero(keep)

    def _setup_composition(self, formulas: Any) -> None:
        """Set ``composition_featurizer_`` and the output names.

        ``formulas`` is a callable returning the formulas of the readable structures; it is
        only called when the composition transformer has to be fitted.
        """
        featurizer: Any = None
        comp_names: list[str] = []
        if self.composition_featurizer is None:
            from .composition import MagpieFeaturizer

            featurizer = MagpieFeaturizer(on_error="nan")
        elif not isinstance(self.composition_featurizer, str):  # "drop" is a string
            featurizer = clone(self.composition_featurizer, safe=False)
            if hasattr(featurizer, "get_params") and "on_error" in featurizer.get_params(
                deep=False
            ):
                featurizer.set_params(on_error="nan")
        if featurizer is not None:
            try:
                requires_fit = get_tags(featurizer).requires_fit
            except Exception:  # not a scikit-learn estimator: assume it must be fitted
                requires_fit = True
            if requires_fit:
                fitted_on = [f for f in formulas() if f is not None]
                if not fitted_on:
                    raise ValueError(
                        "StructureFeaturizer: none of the structures could be read, so the "
                        "composition featurizer cannot be fitted."
                    )
                featurizer.fit(np.asarray(fitted_on, dtype=object))
            comp_names = [str(name) for name in featurizer.get_feature_names_out()]
        names = comp_names + self._structure_columns()[0]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(
                f"The composition and structure feature names overlap: {duplicated[:5]}."
            )
        self.composition_featurizer_ = featurizer
        self.n_composition_features_ = len(comp_names)
        self.feature_names_out_ = np.asarray(names, dtype=object)
        self.n_features_out_ = len(names)

    def _featurize(self, entries: np.ndarray) -> tuple[np.ndarray, list[str | None], list[str]]:
        """Run the workers: the kept structure attributes, the formulas and the error per row."""
        _, keep = self._structure_columns()
        featurizers = _structure_featurizers()
        n_jobs = effective_n_jobs(self.n_jobs)
        # a few chunks per process balance the load; one chunk when serial
        n_chunks = min(len(entries), 1 if n_jobs == 1 else 4 * n_jobs)
        chunks = np.array_split(np.arange(len(entries)), n_chunks)
        parts = Parallel(n_jobs=self.n_jobs)(
            delayed(_featurize_chunk)(entries[idx], featurizers) for idx in chunks
        )
        results = [result for part in parts for result in part]
        block = np.full((len(entries), len(keep)), np.nan, dtype=float)
        formulas: list[str | None] = []
        errors: list[str] = []
        for i, (row, formula, error) in enumerate(results):
            formulas.append(formula)
            errors.append(error or "")
            if error is None:
                block[i] = row[keep]
        return block, formulas, errors

    def _assemble(
        self,
        entries: np.ndarray,
        block: np.ndarray,
        formulas: list[str | None],
        errors: list[str],
    ) -> np.ndarray:
        """Add the composition attributes, report the failed rows, return the matrix."""
        n_comp = self.n_composition_features_
        out = np.full((len(entries), self.n_features_out_), np.nan, dtype=float)
        out[:, n_comp:] = block
        good = [i for i, e in enumerate(errors) if not e]
        if self.composition_featurizer_ is not None and good:
            good_formulas = np.asarray([formulas[i] for i in good], dtype=object)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # its failures are reported below, by row
                comp = np.asarray(self.composition_featurizer_.transform(good_formulas))
            comp = comp.astype(float)
            out[good, :n_comp] = comp
            for i, failed in zip(good, np.isnan(comp).all(axis=1), strict=True):
                if failed:
                    errors[i] = f"composition featurization failed for {formulas[i]!r}"
                    out[i] = np.nan
        bad_rows = [i for i, e in enumerate(errors) if e]
        report_invalid(
            entries,
            bad_rows,
            [errors[i] for i in bad_rows],
            self.on_error,
            "StructureFeaturizer",
            noun="structure",
            describe=_describe,
        )
        return out

    # -- sklearn API ---------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None) -> StructureFeaturizer:
        """Check the parameters and set up the composition featurizer.

        The structures are read (without Voronoi analysis) only if the composition transformer
        needs fitting; the default one does not.

        Parameters
        ----------
        X : sequence of structures or DataFrame
            See :meth:`transform`.
        y : None
            Ignored.

        Returns
        -------
        self : StructureFeaturizer
        """
        self._validate_params()
        entries = _extract_entries(X, self.column)
        self._setup_composition(lambda: [_formula_or_none(v) for v in entries])
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Featurize the structures.

        Parameters
        ----------
        X : sequence of structures or DataFrame
            pymatgen ``Structure`` objects, CIF/POSCAR strings, structure dicts or their text;
            or a DataFrame with the column ``column``.

        Returns
        -------
        features : ndarray of shape (n_samples, n_features_out)
            Composition attributes then structure attributes; all-NaN rows for structures that
            failed when ``on_error="nan"``.

        Raises
        ------
        ValueError
            If a structure cannot be read or featurized and ``on_error="raise"``; the message
            names the rows.
        """
        check_is_fitted(self, "feature_names_out_")
        entries = _extract_entries(X, self.column)
        return self._assemble(entries, *self._featurize(entries))

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:
        """Fit and featurize ``X``, reading each structure once; see :meth:`transform`.

        Parameters
        ----------
        X : sequence of structures or DataFrame
            See :meth:`transform`.
        y : None
            Ignored.
        **fit_params : dict
            Ignored.

        Returns
        -------
        features : ndarray of shape (n_samples, n_features_out)
        """
        self._validate_params()
        entries = _extract_entries(X, self.column)
        block, formulas, errors = self._featurize(entries)
        self._setup_composition(lambda: formulas)
        return self._assemble(entries, block, formulas, errors)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns.

        Parameters
        ----------
        input_features : ignored
            Present for API consistency.

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_.copy()

    def __sklearn_tags__(self):  # noqa: ANN204 - sklearn.utils.Tags
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.dict = True
        tags.transformer_tags.preserves_dtype = []  # structures in, float64 out
        return tags

"""Input handling shared by the featurizers: one column of entries in, invalid rows reported.

The composition transformers (entries are formulas) and :class:`StructureFeaturizer`
(entries are crystal structures) accept the same containers: a list, tuple, 1-D array or
Series of entries, a 2-D array with one column, or a DataFrame with a named column.
:func:`extract_entries` turns any of them into a 1-D object array, with errors worded for the
kind of entry (:class:`EntryKind`). :func:`is_missing` recognises missing values,
:func:`describe` shortens a value for a message, and :func:`report_invalid` raises or warns
about the rows that could not be featurized.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "EntryKind",
    "describe",
    "extract_entries",
    "is_missing",
    "pandas_values",
    "report_invalid",
    "shorten",
]

#: How many offending values an error message lists before "and N more".
MAX_LISTED = 5


@dataclass(frozen=True)
class EntryKind:
    """What the entries of a featurizer are, for reading them and wording errors.

    Parameters
    ----------
    kind : str
        The transformers' kind, as in "the composition transformers".
    noun : str
        The entries, plural (``"formulas"``).
    expected : str
        What an entry may be, as in "Expected <expected>, got a numeric array".
    example : str, default=""
        Appended to "a list-like of <noun>" when a single value is passed.
    numeric_note : str, default=""
        Appended to the message for a numeric array.
    single_types : tuple of type, default=(str, bytes)
        Types of a value passed alone instead of in a list.

    Examples
    --------
    >>> EntryKind("composition", "formulas", "formula strings").noun
    'formulas'
    """

    kind: str
    noun: str
    expected: str
    example: str = ""
    numeric_note: str = ""
    single_types: tuple[type, ...] = (str, bytes)


def is_missing(value: Any) -> bool:
    """Whether ``value`` is a missing value: None, a float NaN, ``pd.NA`` or ``pd.NaT``.

    Examples
    --------
    >>> is_missing(float("nan")), is_missing(None), is_missing("NaN")
    (True, True, False)
    """
    if value is None:
        return True
    if isinstance(value, float | np.floating) and math.isnan(value):
        return True
    try:
        import pandas as pd

        return value is pd.NA or value is pd.NaT
    except ImportError:  # pragma: no cover
        return False


def shorten(text: str, width: int = 60) -> str:
    """Cut ``text`` to ``width`` characters, ending with ``...`` when cut.

    Examples
    --------
    >>> shorten("x" * 70, width=10)
    'xxxxxxx...'
    """
    return text if len(text) <= width else text[: width - 3] + "..."


def describe(value: Any) -> str:
    """Short text of one entry for a message: strings quoted, other values as ``str``.

    Examples
    --------
    >>> describe("Fe2O3"), describe(None)
    ("'Fe2O3'", 'None')
    """
    return shorten(repr(value) if isinstance(value, str) else str(value))


def pandas_values(X: Any, column: str | None, noun: str) -> np.ndarray | None:
    """Return the entries of a pandas ``X`` as a 1-D object array, or None if not pandas.

    Parameters
    ----------
    X : object
        The input; a DataFrame is read from ``column`` (or its only column), a Series whole.
    column : str or None
        Name of the column holding the entries.
    noun : str
        What the entries are (``"formulas"``, ``"structures"``), for the error message.

    Returns
    -------
    ndarray of object or None
        The entries, or None when ``X`` is neither a DataFrame nor a Series.

    Raises
    ------
    ValueError
        If a DataFrame has several columns and none is named ``column``.

    Examples
    --------
    >>> import pandas as pd
    >>> pandas_values(pd.DataFrame({"formula": ["NaCl"], "y": [1]}), "formula", "formulas")
    array(['NaCl'], dtype=object)
    >>> pandas_values(["NaCl"], "formula", "formulas") is None
    True
    """
    import pandas as pd

    if isinstance(X, pd.DataFrame):
        if column is not None and column in X.columns:
            return X[column].to_numpy(dtype=object)
        if X.shape[1] == 1:
            return X.iloc[:, 0].to_numpy(dtype=object)
        raise ValueError(
            f"The DataFrame has no column {column!r} and {X.shape[1]} columns "
            f"{list(X.columns)[:10]}; set `column` to the column holding the {noun}."
        )
    if isinstance(X, pd.Series):
        return X.to_numpy(dtype=object)
    return None


def _as_array(X: Any, what: EntryKind) -> np.ndarray:
    """A non-pandas input as an array, without unpacking the entries themselves."""
    if isinstance(X, np.ndarray):
        return X
    if hasattr(X, "__array__") and not isinstance(X, list | tuple):
        return np.asarray(X)
    try:
        items = list(X)
    except TypeError:
        raise TypeError(f"Expected a list-like of {what.noun}, got {type(X).__name__}.") from None
    if items and all(isinstance(v, list | tuple | np.ndarray) for v in items):
        return np.asarray(items, dtype=object)
    # element by element: Composition objects (mappings) and Structures (sequences of sites)
    # would otherwise be unpacked by numpy
    array = np.empty(len(items), dtype=object)
    for i, value in enumerate(items):
        array[i] = value
    return array


def _check_array(array: np.ndarray, what: EntryKind) -> np.ndarray:
    """The one column of ``array`` as a 1-D object array, or a clear error."""
    if array.ndim == 0:
        raise TypeError(f"Expected a list-like of {what.noun}, got a scalar.")
    if array.ndim > 2:
        raise ValueError(f"Expected a 1-D or 2-D input, got {array.ndim} dimensions.")
    if array.ndim == 2 and array.shape[1] != 1:
        if array.shape[1] == 0:
            raise ValueError(
                f"0 feature(s) (shape={array.shape}) while a minimum of 1 is required."
            )
        singular = what.noun.removesuffix("s")
        raise ValueError(
            f"Expected one column of {what.noun}, got a 2-D array with {array.shape[1]} "
            f"columns. Pass a DataFrame and `column`, or select the {singular} column."
        )
    if array.shape[0] == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={array.shape}) while a minimum of 1 is "
            "required."
        )
    if array.dtype.kind in "biufcmM":
        raise TypeError(
            f"Expected {what.expected}, got a numeric array of dtype {array.dtype}."
            f"{what.numeric_note}"
        )
    return array.reshape(-1).astype(object, copy=False)


def extract_entries(X: Any, column: str | None, what: EntryKind) -> np.ndarray:
    """Return the entries of ``X`` as a 1-D object array (nothing is parsed).

    Parameters
    ----------
    X : list-like, 2-D array with one column, Series or DataFrame
        The input of a featurizer.
    column : str or None
        The DataFrame column holding the entries (a DataFrame with a single column is read
        whatever its name).
    what : EntryKind
        What the entries are, for the error messages.

    Returns
    -------
    ndarray of object, shape (n_samples,)

    Raises
    ------
    TypeError
        For sparse input, a single value instead of a list, a numeric array or a
        non-iterable.
    ValueError
        For no rows, several columns, or more than two dimensions.

    Examples
    --------
    >>> formulas = EntryKind("composition", "formulas", "formula strings")
    >>> extract_entries([["NaCl"], ["KBr"]], None, formulas)
    array(['NaCl', 'KBr'], dtype=object)
    """
    import scipy.sparse

    if scipy.sparse.issparse(X):
        raise TypeError(
            f"Sparse input is not supported: the {what.kind} transformers take "
            f"{what.expected}."
        )
    if isinstance(X, what.single_types):
        single = "string" if isinstance(X, str | bytes) else type(X).__name__
        raise TypeError(
            f"Expected a list-like of {what.noun}{what.example}, got a single {single}. "
            "Wrap it in a list."
        )
    values = pandas_values(X, column, what.noun)
    if values is None:
        return _check_array(_as_array(X, what), what)
    if values.shape[0] == 0:
        raise ValueError(
            "Found array with 0 sample(s) (shape=(0,)) while a minimum of 1 is required."
        )
    return values


def report_invalid(
    entries: Sequence[Any],
    bad_rows: Sequence[int] | np.ndarray,
    reasons: Sequence[str],
    on_error: str,
    owner: str,
    *,
    noun: str = "formula",
    describe: Callable[[Any], str] = describe,
    stacklevel: int = 3,
) -> None:
    """Raise (``on_error="raise"``) or warn (``on_error="nan"``) about invalid rows.

    Parameters
    ----------
    entries : sequence
        The input entries (formulas, structures).
    bad_rows : sequence or ndarray of int
        Positions of the invalid rows, ascending.
    reasons : sequence of str
        The reason for each invalid row (at least the first ``MAX_LISTED``).
    on_error : {"raise", "nan"}
        Raise a ``ValueError`` listing the rows, or warn once.
    owner : str
        Name of the transformer, for the message.
    noun : str, default="formula"
        What one entry is, for the message (``"formula"``, ``"structure"``).
    describe : callable, default=describe
        Short text of one entry, for the message.
    stacklevel : int, default=3
        Passed to :func:`warnings.warn` (3: the caller of this function's caller).

    Raises
    ------
    ValueError
        If there are invalid rows and ``on_error="raise"``.

    Examples
    --------
    >>> report_invalid(["NaCl", "Xx"], [1], ["unknown element 'Xx'"], "raise", "Demo")
    Traceback (most recent call last):
    ...
    ValueError: Demo: 1 invalid formula(s) at row 1: 'Xx' (unknown element 'Xx'). Fix them, or \
set on_error='nan' to get NaN rows for them.
    """
    n_bad = len(bad_rows)
    if n_bad == 0:
        return
    if on_error == "nan":
        warnings.warn(
            f"{owner}: {n_bad} of {len(entries)} {noun}s could not be featurized and give "
            f"NaN rows (first at row {int(bad_rows[0])}: {describe(entries[bad_rows[0]])}, "
            f"{reasons[0]}). Impute or drop them downstream.",
            UserWarning,
            stacklevel=stacklevel,
        )
        return
    listed = [
        f"row {int(row)}: {describe(entries[row])} ({reason})"
        for row, reason in zip(bad_rows[:MAX_LISTED], reasons[:MAX_LISTED], strict=False)
    ]
    more = f", and {n_bad - MAX_LISTED} more" if n_bad > MAX_LISTED else ""
    raise ValueError(
        f"{owner}: {n_bad} invalid {noun}(s) at " + "; ".join(listed) + more + ". "
        "Fix them, or set on_error='nan' to get NaN rows for them."
    )

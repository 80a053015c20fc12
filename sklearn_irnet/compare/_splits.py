"""The splitter of a comparison: shuffled, grouped, stratified, predefined or repeated."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    PredefinedSplit,
    RepeatedKFold,
    RepeatedStratifiedKFold,
    StratifiedGroupKFold,
    StratifiedKFold,
    check_cv,
)
from sklearn.utils import check_random_state


class RepeatedGroupSplits:
    """``n_repeats`` shuffled group-aware K-fold splits, each repeat with its own seed.

    scikit-learn has :class:`~sklearn.model_selection.RepeatedKFold` but no repeated
    version of :class:`~sklearn.model_selection.GroupKFold` or
    :class:`~sklearn.model_selection.StratifiedGroupKFold`; this is one, built the same way
    (the seed of each repeat is drawn from ``random_state``).

    Parameters
    ----------
    splitter : {GroupKFold, StratifiedGroupKFold}
        The splitter class of every repeat.
    n_splits : int
        Folds per repeat.
    n_repeats : int
        Number of repeats.
    random_state : int or None
        Seed of the repeats' seeds.

    Examples
    --------
    >>> splits = RepeatedGroupSplits(GroupKFold, n_splits=2, n_repeats=3, random_state=0)
    >>> splits.get_n_splits()
    6
    >>> groups = [0, 0, 1, 1, 2, 2, 3, 3]
    >>> all(len(set(groups[i] for i in test) & set(groups[i] for i in train)) == 0
    ...     for train, test in splits.split(range(8), groups=groups))
    True
    """

    def __init__(self, splitter: type, *, n_splits: int, n_repeats: int,
                 random_state: int | None) -> None:
        self.splitter = splitter
        self.n_splits = n_splits
        self.n_repeats = n_repeats
        self.random_state = random_state

    def split(self, X: Any, y: Any = None, groups: Any = None
              ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train, test)`` row indices, repeat after repeat."""
        rng = check_random_state(self.random_state)
        for _ in range(self.n_repeats):
            seed = int(rng.randint(np.iinfo(np.int32).max))
            splitter = self.splitter(n_splits=self.n_splits, shuffle=True, random_state=seed)
            yield from splitter.split(X, y, groups)

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """Number of splits: ``n_splits * n_repeats``."""
        return self.n_splits * self.n_repeats

    def __repr__(self) -> str:
        return (f"RepeatedGroupSplits({self.splitter.__name__}, n_splits={self.n_splits}, "
                f"n_repeats={self.n_repeats}, random_state={self.random_state})")


def resolve_cv(
    cv: int | Any = 5,
    *,
    n_repeats: int = 1,
    test_fold: Sequence[int] | np.ndarray | None = None,
    groups: Any = None,
    random_state: int | None = 0,
    stratify: bool = False,
) -> Any:
    """The splitter used by :func:`~sklearn_irnet.compare.compare_models`.

    An int gives a shuffled :class:`~sklearn.model_selection.KFold` (with ``n_repeats > 1``
    a :class:`~sklearn.model_selection.RepeatedKFold`), or, when ``groups`` has a label on
    more than one row, a shuffled :class:`~sklearn.model_selection.GroupKFold` (repeated:
    :class:`RepeatedGroupSplits`), so that the rows of a group are never split between
    training and test. Groups that are all distinct give the KFold, whose folds are then
    group folds already. With ``stratify=True`` (classification) an int gives the
    stratified versions. ``test_fold`` (one fold id per row, ``-1`` for rows always in
    training) gives a :class:`~sklearn.model_selection.PredefinedSplit`, e.g. Matbench's
    official folds; anything else is passed to :func:`sklearn.model_selection.check_cv`.

    Raises
    ------
    ValueError
        If an int ``cv`` is below 2 or above the number of distinct groups, if
        ``n_repeats`` is below 1, or if ``n_repeats > 1`` is asked of predefined folds or of
        a splitter object (give a repeated splitter such as ``RepeatedKFold`` instead).

    Examples
    --------
    >>> resolve_cv(3)
    KFold(n_splits=3, random_state=0, shuffle=True)
    >>> resolve_cv(5, n_repeats=3, random_state=7)
    RepeatedKFold(n_repeats=3, n_splits=5, random_state=7)
    >>> resolve_cv(2, groups=["a", "a", "b", "c"])
    GroupKFold(n_splits=2, random_state=0, shuffle=True)
    >>> resolve_cv(test_fold=[0, 1, 0, 1]).get_n_splits()
    2
    >>> resolve_cv(3, stratify=True)
    StratifiedKFold(n_splits=3, random_state=0, shuffle=True)
    """
    if isinstance(n_repeats, bool) or not isinstance(n_repeats, int | np.integer) \
            or n_repeats < 1:
        raise ValueError(f"n_repeats must be an integer >= 1, got {n_repeats!r}.")
    if test_fold is not None or not isinstance(cv, int | np.integer):
        if n_repeats > 1:
            raise ValueError(
                "n_repeats > 1 needs an int cv: predefined folds and splitter objects are "
                "used as given (pass a repeated splitter such as RepeatedKFold instead).")
        if test_fold is not None:
            return PredefinedSplit(np.asarray(test_fold))
        return check_cv(cv)
    if cv < 2:
        raise ValueError(f"cv must be at least 2 folds, got {cv}.")
    if groups is not None:
        labels = np.asarray(groups).reshape(-1)
        n_groups = len(np.unique(labels))
        if n_groups < len(labels):
            if n_groups < cv:
                raise ValueError(
                    f"cv={cv} folds need at least {cv} distinct groups, got {n_groups}."
                )
            splitter = StratifiedGroupKFold if stratify else GroupKFold
            if n_repeats > 1:
                return RepeatedGroupSplits(splitter, n_splits=int(cv), n_repeats=n_repeats,
                                           random_state=random_state)
            return splitter(n_splits=int(cv), shuffle=True, random_state=random_state)
    if n_repeats > 1:
        repeated = RepeatedStratifiedKFold if stratify else RepeatedKFold
        return repeated(n_splits=int(cv), n_repeats=n_repeats, random_state=random_state)
    splitter = StratifiedKFold if stratify else KFold
    return splitter(n_splits=int(cv), shuffle=True, random_state=random_state)


def repeats_of(splitter: Any, n_splits: int) -> int:
    """How many repeats a splitter's ``n_splits`` splits hold (1 unless it repeats)."""
    n_repeats = getattr(splitter, "n_repeats", 1)
    if isinstance(n_repeats, int | np.integer) and n_repeats > 1 \
            and n_splits % n_repeats == 0:
        return int(n_repeats)
    return 1


def groups_for(cv: Any, splitter: Any, groups: Any) -> Any:
    """``groups``, except for the (repeated) KFold an int ``cv`` gave: its groups are all
    distinct and scikit-learn warns that KFold ignores them."""
    plain = isinstance(splitter, KFold | StratifiedKFold | RepeatedKFold
                       | RepeatedStratifiedKFold)
    return None if isinstance(cv, int | np.integer) and plain else groups

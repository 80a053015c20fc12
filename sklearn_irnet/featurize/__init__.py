"""Featurizers turning materials (chemical formulas, crystal structures) into feature matrices.

Composition transformers (all scikit-learn transformers taking formula strings or pymatgen
``Composition`` objects):

* :class:`MagpieFeaturizer` -- the 145 Magpie attributes of the IRNet papers, vectorized.
* :class:`ElementFractionFeaturizer` -- element fractions (all 118 elements, or ElemNet's 86).
* :class:`MatminerFeaturizer` -- any matminer composition featurizer as a transformer.

:func:`make_featurizer` builds one of them by feature-set name (``"magpie"``, ``"elemnet"``);
:func:`formula_groups` labels formulas of the same composition alike (for group-aware
cross-validation).

Structure transformer:

* :class:`StructureFeaturizer` -- the 271 attributes of Ward et al. (2017): the 145 above
  plus 126 Voronoi-based structure attributes computed by matminer.
"""

from ._parse import formula_groups
from .composition import (
    ELEMNET_ELEMENTS,
    FEATURE_SETS,
    ElementFractionFeaturizer,
    MagpieFeaturizer,
    MatminerFeaturizer,
    make_featurizer,
)
from .structure import StructureFeaturizer

__all__ = [
    "ELEMNET_ELEMENTS",
    "FEATURE_SETS",
    "ElementFractionFeaturizer",
    "MagpieFeaturizer",
    "MatminerFeaturizer",
    "StructureFeaturizer",
    "formula_groups",
    "make_featurizer",
]

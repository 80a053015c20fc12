"""
Structure features: what the crystal adds to the formula
========================================================

Composition attributes cannot tell polymorphs apart: zinc blende and wurtzite are both
ZnS, diamond and graphite both C. :class:`~sklearn_irnet.featurize.StructureFeaturizer`
computes the 271 attributes of Ward et al. (2017), the "composition + structure" input of
the IRNet papers: the 145 composition attributes of the formula, then 126 attributes of
the crystal's Voronoi tessellation (computed with matminer).

The crystals here are built from their space groups and textbook lattice constants with
pymatgen, so the example needs no data file. The Voronoi analysis takes a fraction of a
second per structure: featurize a structure dataset once, then cross-validate on the
matrix.
"""

# %%
# Four pairs of polymorphs
# ------------------------
import matplotlib.pyplot as plt
import numpy as np
from pymatgen.core import Lattice, Structure

from sklearn_irnet.featurize import StructureFeaturizer

cubic, hexagonal = Lattice.cubic, Lattice.hexagonal
crystals = {
    "Fe (bcc)": Structure.from_spacegroup("Im-3m", cubic(2.87), ["Fe"], [[0, 0, 0]]),
    "Fe (fcc)": Structure.from_spacegroup("Fm-3m", cubic(3.59), ["Fe"], [[0, 0, 0]]),
    "C (diamond)": Structure.from_spacegroup("Fd-3m", cubic(3.567), ["C"], [[0, 0, 0]]),
    "C (graphite)": Structure.from_spacegroup(
        "P6_3/mmc", hexagonal(2.464, 6.711), ["C", "C"],
        [[0, 0, 0.25], [1 / 3, 2 / 3, 0.25]]),
    "ZnS (zinc blende)": Structure.from_spacegroup(
        "F-43m", cubic(5.41), ["Zn", "S"], [[0, 0, 0], [0.25, 0.25, 0.25]]),
    "ZnS (wurtzite)": Structure.from_spacegroup(
        "P6_3mc", hexagonal(3.82, 6.26), ["Zn", "S"],
        [[1 / 3, 2 / 3, 0], [1 / 3, 2 / 3, 0.375]]),
    "NaCl (rock salt)": Structure.from_spacegroup(
        "Fm-3m", cubic(5.64), ["Na", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]),
    "NaCl (CsCl type)": Structure.from_spacegroup(
        "Pm-3m", cubic(3.0), ["Na", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]),
}
names = list(crystals)

# %%
# 271 attributes per crystal
# --------------------------
featurizer = StructureFeaturizer().set_output(transform="pandas")
features = featurizer.fit_transform(list(crystals.values()))
features.index = names
n_composition = featurizer.n_composition_features_
print(features.shape, f"({n_composition} composition + "
      f"{features.shape[1] - n_composition} structure attributes)")
print(features["mean CN_VoronoiNN"].round(2))

# %%
# Polymorphs share every composition attribute, not the structure attributes
# --------------------------------------------------------------------------
composition = features.iloc[:, :n_composition].to_numpy()
structure = features.iloc[:, n_composition:].to_numpy()
pairs = [(names[i], names[i + 1]) for i in range(0, len(names), 2)]
differ = {"composition": [], "structure": []}
for a, b in pairs:
    i, j = names.index(a), names.index(b)
    differ["composition"].append(
        int(np.sum(~np.isclose(composition[i], composition[j]))))
    differ["structure"].append(
        int(np.sum(~np.isclose(structure[i], structure[j]))))

fig, (ax_cn, ax_diff) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
ax_cn.barh(names, features["mean CN_VoronoiNN"], color=["tab:blue", "tab:orange"] * 4)
ax_cn.invert_yaxis()
ax_cn.set_xlabel("mean effective coordination number (Voronoi)")
labels = [a.split(" ")[0] for a, _ in pairs]
x = np.arange(len(pairs))
ax_diff.bar(x - 0.2, differ["composition"], width=0.4,
            label=f"of {n_composition} composition")
ax_diff.bar(x + 0.2, differ["structure"], width=0.4,
            label=f"of {structure.shape[1]} structure")
ax_diff.set_xticks(x, labels)
ax_diff.set_ylabel("attributes that differ between the polymorphs")
ax_diff.legend()
plt.show()

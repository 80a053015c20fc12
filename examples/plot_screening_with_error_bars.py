"""
Screening candidates with error bars
====================================

A screening study keeps a candidate when its prediction is good *and* sure enough.
:class:`~sklearn_irnet.DeepEnsembleRegressor` gives both: ``predict(X, return_std=True)``
returns the members' mean and a standard deviation that is calibrated by default, on rows
the members themselves left out while training, so ``mean ± 1.96 * std`` is meant to
cover 95 % of new compounds with no data held out by you, and
``predict_interval(X, confidence_level)`` gives intervals at any level (the user guide's
:doc:`/user_guide/uncertainty` says what is and is not guaranteed).

The data are the experimental formation enthalpies (eV/atom) that ship with pymatgen,
featurized into the 145 Magpie attributes. A fifth of the compounds play the
"candidates": the ensemble never sees their enthalpies. We ask which candidates are
*confidently* very stable, with a formation enthalpy below -2 eV/atom even at the upper
end of their 95 % interval, then check the error bars against the measured values.

The documentation build (``SKLEARN_IRNET_DOCS_QUICK=1``) uses 800 compounds, 3 members
and 20 epochs, so its intervals are rougher than those of the full run (all compounds, 5
members, 80 epochs; a few minutes on two cores).
"""

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from sklearn_irnet import DeepEnsembleRegressor, IRNetRegressor
from sklearn_irnet.datasets import load_expt_formation_enthalpy
from sklearn_irnet.featurize import MagpieFeaturizer
from sklearn_irnet.plotting import plot_reliability_diagram
from sklearn_irnet.uncertainty import coverage, interval_width

QUICK = os.environ.get("SKLEARN_IRNET_DOCS_QUICK") == "1"  # set by the docs build

formulas, y = load_expt_formation_enthalpy(return_X_y=True)
X = MagpieFeaturizer(column=None).fit_transform(formulas)
formulas = np.asarray(formulas, dtype=object)
if QUICK:
    keep = np.random.RandomState(0).choice(len(y), 800, replace=False)
    X, y, formulas = X[keep], y[keep], formulas[keep]
X_train, X_cand, y_train, y_cand, _, names = train_test_split(
    X, y, formulas, test_size=0.2, random_state=0)
print(f"{len(y_train)} compounds to train on, {len(y_cand)} candidates")

# %%
# Fit the ensemble and predict with error bars
# --------------------------------------------
# Each member leaves out a tenth of the training rows; the rows left out by two members
# calibrate the standard deviation. Nothing else is needed.
member = IRNetRegressor(max_iter=20 if QUICK else 80, random_state=0)
ensemble = DeepEnsembleRegressor(member, n_estimators=3 if QUICK else 5, random_state=0)
ensemble.fit(X_train, y_train)
mean, std = ensemble.predict(X_cand, return_std=True)
print(f"MAE {np.mean(np.abs(mean - y_cand)):.3f} eV/atom; "
      f"95 % intervals cover {coverage(y_cand, mean, std, 0.95):.0%} of the candidates, "
      f"68 % intervals {coverage(y_cand, mean, std, 0.68):.0%}; "
      f"mean 95 % width {interval_width(std, 0.95):.3f} eV/atom")

# %%
# Intervals at a chosen level
# ---------------------------
# ``mean ± z * std`` reads the std as a Gaussian's. The errors of materials models have
# heavier tails than that, so ``mean ± std`` covers more than 68 % of new rows.
# ``predict_interval`` takes each level's width from the errors of the rows the members
# left out, standardised by their std (split conformal), so every level covers about its
# share.
for level in (0.68, 0.95):
    low, high = ensemble.predict_interval(X_cand, confidence_level=level)
    print(f"predict_interval at {level:.0%}: covers "
          f"{np.mean((low <= y_cand) & (y_cand <= high)):.0%} of the candidates, "
          f"mean width {np.mean(high - low):.3f} eV/atom")

# %%
# Which candidates are confidently below -2 eV/atom?
# --------------------------------------------------
# Ranking by the mean alone would keep compounds the ensemble is unsure about; ranking by
# the upper end of the 95 % interval keeps those that are low even in the worst case.
threshold = -2.0
_, upper = ensemble.predict_interval(X_cand, confidence_level=0.95)
confident = np.flatnonzero(upper < threshold)
by_mean = np.flatnonzero(mean < threshold)
print(f"{len(by_mean)} candidates below {threshold} eV/atom by their mean, "
      f"{len(confident)} even at the upper end of their interval; measured below: "
      f"{np.mean(y_cand[confident] < threshold):.0%} of those "
      f"(of the mean-only picks: {np.mean(y_cand[by_mean] < threshold):.0%})")

# %%
# The error bars of the most stable candidates, and the reliability diagram
# -------------------------------------------------------------------------
# Left: the 25 candidates with the lowest predicted enthalpy, their 95 % intervals and the
# measured values. Right: for every nominal level, the share of candidates inside the
# central interval of that level; a calibrated std follows the diagonal.
order = np.argsort(mean)[:25]
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2),
                                  gridspec_kw={"width_ratios": [1.6, 1]})
positions = np.arange(len(order))
left.errorbar(positions, mean[order], yerr=upper[order] - mean[order], fmt="o", ms=4,
              capsize=2, label="prediction ± 95 % interval")
left.scatter(positions, y_cand[order], marker="x", color="black", zorder=3,
             label="measured")
left.axhline(threshold, color="grey", lw=0.8, ls="--")
left.set_xticks(positions, names[order], rotation=90, fontsize=6)
left.set_ylabel("formation enthalpy (eV/atom)")
left.legend(fontsize=8)
plot_reliability_diagram(y_cand, mean, std, ax=right, label="calibrated ensemble")
raw = ensemble.predict(X_cand, return_std=True, calibrated=False)[1]
plot_reliability_diagram(y_cand, mean, raw, ax=right, label="members' spread (raw)")
fig.tight_layout()
plt.show()

"""
Learning curve: how the error falls with more training data
===========================================================

Deep networks are said to need more data than tree ensembles. A learning curve measures
it on one dataset: :func:`~sklearn_irnet.compare.training_size_curve` cuts each training
fold to fractions of its size while the test folds stay whole, and fits every model on
each cut.

Experimental formation enthalpies, 145 Magpie attributes, IRNet-17 against extra trees.
The documentation build (``SKLEARN_IRNET_DOCS_QUICK=1``) uses 600 compounds, 3 folds and
15 epochs; as a script, all 2,135 compounds, 5 folds and the default 80 epochs (about 25
minutes on two cores).
"""

# %%
import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_irnet import IRNetRegressor
from sklearn_irnet.compare import training_size_curve
from sklearn_irnet.datasets import load_expt_formation_enthalpy
from sklearn_irnet.featurize import MagpieFeaturizer
from sklearn_irnet.models import make_model

QUICK = os.environ.get("SKLEARN_IRNET_DOCS_QUICK") == "1"  # set by the docs build
warnings.simplefilter("ignore", ConvergenceWarning)

formulas, y = load_expt_formation_enthalpy(return_X_y=True)
if QUICK:
    rows = np.random.RandomState(0).permutation(len(y))[:600]
    formulas, y = formulas[rows], y[rows]
X = MagpieFeaturizer(column=None).fit_transform(formulas)

models = {"irnet17": IRNetRegressor(max_iter=15 if QUICK else 80, random_state=0),
          "extra_trees": make_model("extra_trees")}  # the command line's baseline
table = training_size_curve(models, X, y, fractions=(0.2, 0.45, 1.0),
                            cv=3 if QUICK else 5, random_state=0)
curve = table.groupby(["model", "n_train"])["mae"].agg(["mean", "std"]).reset_index()
print(curve.round(4))

# %%
# Test error against training-set size
# ------------------------------------
fig, ax = plt.subplots(figsize=(5.5, 4), layout="constrained")
for model, rows in curve.groupby("model", sort=False):
    ax.errorbar(rows["n_train"], rows["mean"], yerr=rows["std"], marker="o", capsize=3,
                label=model)
ax.set_xscale("log")
ax.set_xlabel("training rows")
ax.set_ylabel("test MAE (eV/atom)")
ax.set_title("Learning curve, experimental formation enthalpies")
ax.legend()
plt.show()

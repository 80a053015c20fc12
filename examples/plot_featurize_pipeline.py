"""
From chemical formulas to IRNet predictions in one pipeline
===========================================================

Composition-based models such as IRNet take the 145 Magpie attributes of a chemical formula
as input. :class:`~sklearn_irnet.featurize.MagpieFeaturizer` computes them as a scikit-learn
transformer, so a pipeline goes straight from formula strings to predictions, and
cross-validation, grid search and ``cross_val_predict`` work as usual.

The data are the 2,135 experimental formation enthalpies that ship with pymatgen, in eV/atom
(:func:`~sklearn_irnet.datasets.load_expt_formation_enthalpy`).

Composition features are fixed functions of the formula (nothing is learned from the
training fold), and the vectorized featurizer handles about 100,000 formulas per second, so
featurizing inside every fold costs a fraction of a second. The featurizer's ``memory``
caches each call's features on disk, so a second pass over the same folds (here
``cross_val_predict`` after ``cross_validate``) reads them back instead of featurizing again.

The documentation build (``SKLEARN_IRNET_DOCS_QUICK=1``) trains for 4 epochs instead of 12.
"""

# %%
# Load the data and featurize once, to see the matrix
# ---------------------------------------------------
import os
import shutil
import tempfile
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from joblib import Memory
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, cross_val_predict, cross_validate
from sklearn.pipeline import Pipeline

from sklearn_irnet import IRNetRegressor
from sklearn_irnet.datasets import load_expt_formation_enthalpy
from sklearn_irnet.featurize import MagpieFeaturizer

QUICK = os.environ.get("SKLEARN_IRNET_DOCS_QUICK") == "1"  # set by the docs build
formulas, y = load_expt_formation_enthalpy(return_X_y=True)
print(f"{len(formulas)} compounds, e.g. {formulas[0]}: {y[0]:.3f} eV/atom")

start = time.perf_counter()
X = MagpieFeaturizer(column=None).fit_transform(formulas)
print(f"featurized {X.shape[0]} formulas into {X.shape[1]} attributes in "
      f"{time.perf_counter() - start:.2f} s")

# %%
# A pipeline from formula strings to IRNet-17
# -------------------------------------------
# A short epoch budget keeps this example to about a minute on two CPU cores.
warnings.simplefilter("ignore", ConvergenceWarning)
cache_dir = tempfile.mkdtemp(prefix="irnet-featurize-")
model = Pipeline([
    ("features", MagpieFeaturizer(column=None, memory=Memory(cache_dir, verbose=0))),
    ("model", IRNetRegressor(architecture="irnet17", max_iter=4 if QUICK else 12,
                             random_state=0)),
])
cv = KFold(n_splits=3, shuffle=True, random_state=0)

start = time.perf_counter()
scores = cross_validate(model, formulas, y, cv=cv, scoring="neg_mean_absolute_error")
print(f"3-fold MAE: {-scores['test_score'].mean():.3f} "
      f"+/- {scores['test_score'].std():.3f} "
      f"eV/atom ({time.perf_counter() - start:.1f} s)")
print(f"predicting the mean instead: MAE {np.abs(y - y.mean()).mean():.3f} eV/atom")

# %%
# Out-of-fold predictions over the same folds: features come from the cache.
predicted = cross_val_predict(model, formulas, y, cv=cv)

# %%
# Predicted against measured
# --------------------------
fig, ax = plt.subplots(figsize=(5, 5), layout="constrained")
ax.scatter(y, predicted, s=6, alpha=0.5)
limits = [min(y.min(), predicted.min()), max(y.max(), predicted.max())]
ax.plot(limits, limits, color="black", linewidth=1)
ax.set_xlabel("experimental formation enthalpy (eV/atom)")
ax.set_ylabel("cross-validated prediction (eV/atom)")
ax.set_title(f"Magpie + IRNet-17, MAE {np.abs(predicted - y).mean():.3f} eV/atom")
plt.show()

shutil.rmtree(cache_dir, ignore_errors=True)

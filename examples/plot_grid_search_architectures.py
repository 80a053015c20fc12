"""
Grid search over network architectures
======================================

``architecture`` is an ordinary parameter of :class:`~sklearn_irnet.IRNetRegressor`: a
preset name, an architecture string in the authors' notation, or a list of
``(width, n_layers)`` pairs. So :class:`~sklearn.model_selection.GridSearchCV` searches
over networks like over any other hyper-parameter, and ``clone`` rebuilds each candidate.

The features are computed once, outside the search: composition attributes are fixed
functions of the formula, so this leaks nothing and saves featurizing in every fold.
The documentation build (``SKLEARN_IRNET_DOCS_QUICK=1``) searches on 500 compounds for 10
epochs; as a script, on all 2,135 for the default 80 epochs.
"""

# %%
import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold

from sklearn_irnet import IRNetRegressor
from sklearn_irnet.datasets import load_expt_formation_enthalpy
from sklearn_irnet.featurize import MagpieFeaturizer

QUICK = os.environ.get("SKLEARN_IRNET_DOCS_QUICK") == "1"  # set by the docs build
warnings.simplefilter("ignore", ConvergenceWarning)

formulas, y = load_expt_formation_enthalpy(return_X_y=True)
if QUICK:
    rows = np.random.RandomState(0).permutation(len(y))[:500]
    formulas, y = formulas[rows], y[rows]
X = MagpieFeaturizer(column=None).fit_transform(formulas)

# %%
# Four networks: the paper's three wirings at 17 layers, and a small custom IRNet
# --------------------------------------------------------------------------------
search = GridSearchCV(
    IRNetRegressor(max_iter=10 if QUICK else 80, random_state=0),
    param_grid={"architecture": ["irnet17", "srnet17", "plain17",
                                 "256BARx2-64BARx2-1"]},
    cv=KFold(3, shuffle=True, random_state=0),
    scoring="neg_mean_absolute_error",
)
search.fit(X, y)
print("best:", search.best_params_, f"MAE {-search.best_score_:.3f} eV/atom")

results = pd.DataFrame(search.cv_results_)
results["architecture"] = results["param_architecture"].astype(str)
print(results[["architecture", "mean_test_score", "std_test_score", "mean_fit_time"]])

# %%
# Error and cost of each candidate
# --------------------------------
fig, (ax_mae, ax_time) = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
ax_mae.barh(results["architecture"], -results["mean_test_score"],
            xerr=results["std_test_score"], color="tab:blue")
ax_mae.set_xlabel("cross-validated MAE (eV/atom)")
ax_mae.invert_yaxis()
ax_time.barh(results["architecture"], results["mean_fit_time"], color="tab:grey")
ax_time.set_xlabel("fit time per fold (s)")
ax_time.invert_yaxis()
ax_time.set_yticklabels([])
fig.suptitle("GridSearchCV over architectures")
plt.show()

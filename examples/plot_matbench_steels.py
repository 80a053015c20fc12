"""
A Matbench task on its official folds: yield strength of steels
===============================================================

`Matbench <https://matbench.materialsproject.org>`_ scores every model on the same five
folds of each task. :func:`~sklearn_irnet.datasets.load_matbench` returns a task with its
official fold of every row (``test_fold``), and
:func:`~sklearn_irnet.compare.compare_models` takes that split as it is, so the numbers
below sit beside the leaderboard's (:data:`~sklearn_irnet.datasets.MATBENCH_LEADERBOARD`).

``matbench_steels``: yield strengths (MPa) of 312 steels from their composition.

**Data.** This example needs the file ``matbench_steels.csv.gz``: in the folder named by
the environment variable ``SKLEARN_IRNET_DATA`` (or ``~/sklearn_irnet_data``), or
downloaded there by matminer when the Matbench server is reachable. Where the
documentation is built without it, this page shows the code without its output.

The documentation build (``SKLEARN_IRNET_DOCS_QUICK=1``) trains the network for 20 epochs
instead of the default 80; the user guide's full run gives IRNet-17 98.7 MPa and extra
trees 92.3 MPa.
"""

# %%
import os
import warnings

import matplotlib.pyplot as plt
from sklearn.exceptions import ConvergenceWarning

from sklearn_irnet import IRNetRegressor
from sklearn_irnet.compare import compare_models
from sklearn_irnet.datasets import load_matbench
from sklearn_irnet.featurize import MagpieFeaturizer
from sklearn_irnet.models import make_model
from sklearn_irnet.reporting import MATBENCH_LEADERBOARD

QUICK = os.environ.get("SKLEARN_IRNET_DOCS_QUICK") == "1"  # set by the docs build
warnings.simplefilter("ignore", ConvergenceWarning)

task = load_matbench("matbench_steels")
X = MagpieFeaturizer(column=None).fit_transform(task.data)
print(f"{task.task}: {len(task.target)} alloys, folds of sizes "
      f"{[len(test) for _, test in task.folds]}")

# %%
# The network and two forests on the official folds
# -------------------------------------------------
# Official folds are used as they are (no repeats); the baselines are the command line's.
models = {"irnet17": IRNetRegressor(max_iter=20 if QUICK else 80, random_state=0),
          "extra_trees": make_model("extra_trees"),
          "random_forest": make_model("random_forest")}
result = compare_models(models, X, task.target, test_fold=task.test_fold, n_repeats=1)
summary = result.summary()
result.table()

# %%
# Beside the leaderboard
# ----------------------
leaderboard = MATBENCH_LEADERBOARD[task.task]
names = list(summary.index) + list(leaderboard)
values = list(summary["mae_mean"]) + list(leaderboard.values())
# error bars: the corrected 95 % interval of each mean over the 5 folds
errors = [list(summary["mae_mean"] - summary["mae_low"]) + [0] * len(leaderboard),
          list(summary["mae_high"] - summary["mae_mean"]) + [0] * len(leaderboard)]
colors = ["tab:blue"] * len(summary) + ["tab:grey"] * len(leaderboard)
fig, ax = plt.subplots(figsize=(6, 3.6), layout="constrained")
ax.barh(names, values, xerr=errors, color=colors)
ax.invert_yaxis()
ax.set_xlabel("mean MAE over the official folds (MPa)")
ax.set_title("matbench_steels: this run (blue), leaderboard (grey)")
plt.show()

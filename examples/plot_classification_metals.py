"""
Classification: metal or not, from the formula alone
====================================================

:class:`~sklearn_irnet.IRNetClassifier` is the classification twin of the regressor: the
same networks, training and persistence, with ``predict_proba`` and
``decision_function``. Here it learns whether a compound is a metal from its 145 Magpie
attributes (Matbench ``expt_is_metal``: 4,921 compounds with measured band gaps), on the
first of Matbench's official folds, beside extra trees. A network trained with
cross-entropy to the end of its schedule tends to be over-confident; a sigmoid fitted on
rows it did not train on (:class:`~sklearn.calibration.CalibratedClassifierCV` around the
frozen network) repairs the probabilities.

**Data.** This example needs ``matbench_expt_is_metal.csv.gz`` in the folder named by
``SKLEARN_IRNET_DATA`` (or ``~/sklearn_irnet_data``), or a reachable Matbench server for
matminer to download it. Where the documentation is built without it, this page shows
the code without its output.

A later section starts instead from the network pre-trained on OQMD formation
enthalpies and averages several such networks
(:class:`~sklearn_irnet.ensemble.DeepEnsembleClassifier`), whose disagreement flags the
compounds to double-check. The last one hands a forest the band-gap network's estimate
as one more feature, the best route to Matbench's label ROC-AUC we measured.

The documentation build (``SKLEARN_IRNET_DOCS_QUICK=1``) trains the networks for 5 epochs
and 100 trees; as a script, 40 epochs and 300 trees. The user guide's full results over
all five folds: ROC-AUC of the probabilities 0.9715 for IRNet-17 (20 epochs), 0.9788 for
extra trees, 0.9736 for five fine-tuned OQMD networks (80 epochs); Matbench's label
ROC-AUC 0.9368 for the random forest with the band-gap estimate, 0.9274 without it.
"""

# %%
import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.calibration import CalibratedClassifierCV, calibration_curve
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import balanced_accuracy_score, brier_score_loss, roc_auc_score, roc_curve
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_irnet import IRNetClassifier
from sklearn_irnet.datasets import load_matbench
from sklearn_irnet.ensemble import DeepEnsembleClassifier
from sklearn_irnet.featurize import MagpieFeaturizer
from sklearn_irnet.transfer import PretrainedPrediction

QUICK = os.environ.get("SKLEARN_IRNET_DOCS_QUICK") == "1"  # set by the docs build
warnings.simplefilter("ignore", ConvergenceWarning)

task = load_matbench("matbench_expt_is_metal")
X = MagpieFeaturizer(column=None).fit_transform(task.data)
train, test = task.folds[0]
print(f"{len(train)} training and {len(test)} test compounds; "
      f"{task.target.mean():.0%} of all are metals")

# %%
# Fit the network on 85 % of the training rows, calibrate on the other 15 %
# -------------------------------------------------------------------------
fit_rows, calibration_rows = train_test_split(train, test_size=0.15, random_state=0,
                                              stratify=task.target[train])
network = IRNetClassifier(max_iter=5 if QUICK else 40, random_state=0)
network.fit(X[fit_rows], task.target[fit_rows])
calibrated = CalibratedClassifierCV(FrozenEstimator(network), method="sigmoid")
calibrated.fit(X[calibration_rows], task.target[calibration_rows])
trees = ExtraTreesClassifier(n_estimators=100 if QUICK else 300, random_state=0)
trees.fit(X[train], task.target[train])

y_test = task.target[test]
models = {"IRNet-17": network, "IRNet-17, calibrated": calibrated, "extra trees": trees}
probabilities = {name: model.predict_proba(X[test])[:, 1]
                 for name, model in models.items()}
for name, p in probabilities.items():
    print(f"{name:22s} ROC-AUC {roc_auc_score(y_test, p):.4f}  "
          f"Brier {brier_score_loss(y_test, p):.4f}")

# %%
# ROC curves and reliability diagram
# ----------------------------------
fig, (ax_roc, ax_rel) = plt.subplots(1, 2, figsize=(9.5, 4.3), layout="constrained")
for name, p in probabilities.items():
    fpr, tpr, _ = roc_curve(y_test, p)
    ax_roc.plot(fpr, tpr, label=f"{name} ({roc_auc_score(y_test, p):.3f})")
    observed, predicted = calibration_curve(y_test, p, n_bins=10)
    ax_rel.plot(predicted, observed, marker="o", markersize=3,
                label=f"{name} (Brier {brier_score_loss(y_test, p):.3f})")
for ax in (ax_roc, ax_rel):
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=0.8)
    ax.set_aspect("equal")
    ax.legend(fontsize=8)
ax_roc.set_xlabel("false positive rate")
ax_roc.set_ylabel("true positive rate")
ax_roc.set_title("ROC curves (official fold 1)")
ax_rel.set_xlabel("predicted probability of a metal")
ax_rel.set_ylabel("observed share of metals")
ax_rel.set_title("Reliability")
plt.show()

# %%
# Fine-tune the OQMD network, five times, and read the members' disagreement
# ---------------------------------------------------------------------------
# ``pretrained="oqmd-irnet17"`` keeps the hidden layers learnt on 290,000 DFT formation
# enthalpies and puts a new output layer with one logit per class on top. The ensemble
# fits five such classifiers from different seeds (two at a time) and averages their
# probabilities; ``return_std=True`` says how much they disagree about each compound.
member = IRNetClassifier(pretrained="oqmd-irnet17", max_iter=5 if QUICK else 40,
                         random_state=0)
ensemble = DeepEnsembleClassifier(member, n_estimators=5, n_jobs=2, random_state=0)
ensemble.fit(X[train], task.target[train])
proba, disagreement = ensemble.predict_proba(X[test], return_std=True)
p_metal, spread = proba[:, 1], disagreement[:, 1]
print(f"{'fine-tuned, 5 networks':22s} ROC-AUC {roc_auc_score(y_test, p_metal):.4f}  "
      f"Brier {brier_score_loss(y_test, p_metal):.4f}")

wrong = ensemble.predict(X[test]) != y_test
doubtful = spread >= np.quantile(spread, 0.9)
print(f"wrong among the 10 % of compounds the members disagree on most: "
      f"{wrong[doubtful].mean():.0%}; among the rest: {wrong[~doubtful].mean():.0%}")

# %%
fig, ax = plt.subplots(figsize=(5.5, 3.8), layout="constrained")
bins = np.linspace(0, spread.max(), 25)
ax.hist(spread[~wrong], bins=bins, alpha=0.7, label="right")
ax.hist(spread[wrong], bins=bins, alpha=0.7, label="wrong")
ax.set_yscale("log")
ax.set_xlabel("members' standard deviation of P(metal)")
ax.set_ylabel("test compounds")
ax.set_title("Disagreement of the five fine-tuned networks")
ax.legend()
plt.show()

# %%
# The band-gap network's estimate as one more feature
# ---------------------------------------------------
# Whether a compound conducts is a band-gap question. The shipped ``mp-gap-irnet17`` was
# trained on 70,348 Materials Project band gaps;
# :class:`~sklearn_irnet.PretrainedPrediction` appends its estimate of each
# compound's (DFT) band gap to the 145 attributes, and a forest learns from both. The
# network is used as shipped: nothing is trained but the forest. Matbench scores hard
# labels, so its "ROC-AUC" is the balanced accuracy, which balanced class weights aim at.
forests = {
    "random forest": RandomForestClassifier(class_weight="balanced", random_state=0),
    "random forest + gap estimate": make_pipeline(
        PretrainedPrediction("mp-gap-irnet17"),
        RandomForestClassifier(class_weight="balanced", random_state=0)),
}
for name, forest in forests.items():
    forest.fit(X[train], task.target[train])
    labels = forest.predict(X[test])
    print(f"{name:30s} Matbench ROC-AUC (labels) "
          f"{balanced_accuracy_score(y_test, labels):.4f}  ROC-AUC (proba) "
          f"{roc_auc_score(y_test, forest.predict_proba(X[test])[:, 1]):.4f}")

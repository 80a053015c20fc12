"""
Depth: plain networks against IRNet at 17 and 48 layers
=======================================================

The papers' central claim: stacking more plain ``Linear -> BatchNorm -> ReLU`` layers makes
a network harder to train, while a shortcut around every layer (IRNet) lets depth pay
off. This example measures both halves on real data:

1. the gradient that reaches each layer of the untrained networks
   (:func:`~sklearn_irnet.diagnostics.layer_gradient_norms`), and
2. the training loss and the test error after the same number of epochs.

The four networks are the paper's presets ``plain17``, ``irnet17``, ``plain48`` and
``irnet48``, on the experimental formation enthalpies (145 Magpie attributes). Run as a
script it trains on 1,700 compounds for 40 epochs (about 15 minutes on two cores); the
documentation build (``SKLEARN_IRNET_DOCS_QUICK=1``) takes 500 compounds and 6 epochs, so
the test errors there are far from converged, and only their order means something.
"""

# %%
# Data
# ----
import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_absolute_error
from sklearn.model_selection import train_test_split

from sklearn_irnet import IRNetRegressor
from sklearn_irnet.architecture import PRESETS
from sklearn_irnet.datasets import load_expt_formation_enthalpy
from sklearn_irnet.diagnostics import layer_gradient_norms
from sklearn_irnet.featurize import MagpieFeaturizer
from sklearn_irnet.network import DeepRegressionNetwork

QUICK = os.environ.get("SKLEARN_IRNET_DOCS_QUICK") == "1"  # set by the docs build
N_TRAIN, EPOCHS = (500, 6) if QUICK else (1700, 40)

formulas, y = load_expt_formation_enthalpy(return_X_y=True)
X = MagpieFeaturizer(column=None).fit_transform(formulas)
X_train, X_test, y_train, y_test = train_test_split(X, y, train_size=N_TRAIN,
                                                    random_state=0)
NETWORKS = ["plain17", "irnet17", "plain48", "irnet48"]

# %%
# Gradient norms per layer, before training
# -----------------------------------------
# One batch of 256 standardised training rows goes forward and the mean absolute error
# backward through each untrained network (Glorot-initialised, as in the authors' code).
# The norms are of each layer's weight gradient, from the first hidden layer to the output.
batch = slice(0, 256)
X_batch = (X_train[batch] - X_train.mean(0)) / (X_train.std(0) + 1e-12)
y_batch = (y_train[batch] - y_train.mean()) / y_train.std()
gradients = {}
for name in NETWORKS:
    torch.manual_seed(0)
    network = DeepRegressionNetwork(X.shape[1], PRESETS[name])
    gradients[name] = layer_gradient_norms(network, X_batch, y_batch)
    print(f"{name}: first layer / output layer gradient = "
          f"{gradients[name][0] / gradients[name][-1]:.3g}")

# %%
# The same networks trained for the same number of epochs
# -------------------------------------------------------
# The estimator's defaults (cosine schedule, standardised data); the only difference
# between the fits is the network.
warnings.simplefilter("ignore", ConvergenceWarning)
fitted, test_mae = {}, {}
for name in NETWORKS:
    fitted[name] = IRNetRegressor(architecture=name, max_iter=EPOCHS, random_state=0)
    fitted[name].fit(X_train, y_train)
    test_mae[name] = mean_absolute_error(y_test, fitted[name].predict(X_test))
    print(f"{name}: test MAE {test_mae[name]:.3f} eV/atom, "
          f"{fitted[name].n_parameters_ / 1e6:.2f}M parameters")

# %%
# Gradients, training loss and test error side by side
# ----------------------------------------------------
styles = {"plain17": ("tab:orange", "--"), "irnet17": ("tab:blue", "--"),
          "plain48": ("tab:orange", "-"), "irnet48": ("tab:blue", "-")}
fig, (ax_grad, ax_loss, ax_mae) = plt.subplots(1, 3, figsize=(12, 3.8),
                                               layout="constrained")
for name in NETWORKS:
    color, line = styles[name]
    norms = gradients[name]
    ax_grad.plot(np.arange(1, len(norms) + 1), norms, color=color, linestyle=line,
                 label=name)
    ax_loss.plot(np.arange(1, EPOCHS + 1), fitted[name].loss_curve_, color=color,
                 linestyle=line, label=name)
ax_grad.set_yscale("log")
ax_grad.set_xlabel("layer (1 = first hidden, last = output)")
ax_grad.set_ylabel("weight gradient norm")
ax_grad.set_title("untrained: gradient per layer")
ax_loss.set_yscale("log")
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("training loss (standardised MAE)")
ax_loss.set_title("training loss")
ax_mae.bar(NETWORKS, [test_mae[n] for n in NETWORKS],
           color=[styles[n][0] for n in NETWORKS])
ax_mae.set_ylabel("test MAE (eV/atom)")
ax_mae.set_title(f"test error after {EPOCHS} epochs")
ax_grad.legend(fontsize=8)
plt.show()

# %%
# In the deep plain network the gradient changes by orders of magnitude from the output
# back to the first layer (with BatchNorm it grows: about 10,000 times at 48 layers in the
# run shown here); with a shortcut around every layer it stays within a narrow band. In
# the training that follows, the 48-layer IRNet ends close to the 17-layer one, while the
# 48-layer plain network is far behind both. On the full OQMD data (340,000 compounds) the
# same contrast appeared after 4.5 GPU minutes: IRNet-48 0.104 eV/atom, plain-48 0.155 and
# unstable (user guide, "Reproducing the paper").

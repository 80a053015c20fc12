"""
Save a fitted model and load it again
=====================================

:meth:`IRNetRegressor.save <sklearn_irnet.IRNetRegressor.save>` writes one safetensors
file: weights, BatchNorm statistics and scaling as tensors, parameters and fitted
attributes as JSON, a SHA-256 digest of it all. Loading runs no code from the file. This
example saves a network in float32 and in float16, loads both back, and checks what the
loaded models predict against the original; it also shows the pickle route and a damaged
file being refused.

The documentation build (``SKLEARN_IRNET_DOCS_QUICK=1``) trains on 600 compounds for 10
epochs; as a script, on 1,700 for the default 80.
"""

# %%
# Train a model
# -------------
import os
import pickle
import shutil
import tempfile
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from sklearn_irnet import IRNetRegressor
from sklearn_irnet.datasets import load_expt_formation_enthalpy
from sklearn_irnet.featurize import MagpieFeaturizer

QUICK = os.environ.get("SKLEARN_IRNET_DOCS_QUICK") == "1"  # set by the docs build
warnings.simplefilter("ignore", ConvergenceWarning)

formulas, y = load_expt_formation_enthalpy(return_X_y=True)
X = MagpieFeaturizer(column=None).fit_transform(formulas)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=600 if QUICK else 1700, random_state=0)
model = IRNetRegressor(max_iter=10 if QUICK else 80,
                       random_state=0).fit(X_train, y_train)
predicted = model.predict(X_test)

# %%
# Save, load, compare
# -------------------
folder = Path(tempfile.mkdtemp(prefix="irnet-save-"))
loaded, sizes = {}, {}
for dtype in ("float32", "float16"):
    path = model.save(folder / f"model_{dtype}.safetensors", weights_dtype=dtype)
    sizes[dtype] = path.stat().st_size / 1e6
    loaded[dtype] = IRNetRegressor.load(path)
    gap = np.abs(loaded[dtype].predict(X_test) - predicted).max()
    print(f"{dtype}: {sizes[dtype]:.1f} MB, "
          f"largest change of a prediction {gap:.2g} eV/atom")

with open(folder / "model.pkl", "wb") as file:  # pickle: only for files you trust
    pickle.dump(model, file)
with open(folder / "model.pkl", "rb") as file:
    unpickled = pickle.load(file)
print("pickle round trip identical:",
      np.array_equal(unpickled.predict(X_test), predicted))

# %%
# A damaged file is refused, not half-loaded
# ------------------------------------------
damaged = folder / "damaged.safetensors"
data = bytearray((folder / "model_float32.safetensors").read_bytes())
data[-100] ^= 0xFF  # flip one byte of the weights
damaged.write_bytes(bytes(data))
try:
    IRNetRegressor.load(damaged)
except ValueError as error:
    print("refused:", str(error)[:100], "...")

# %%
# Predictions of the loaded models against the original's
# -------------------------------------------------------
fig, axes = plt.subplots(1, 2, figsize=(8, 3.8), layout="constrained")
for ax, dtype in zip(axes, ("float32", "float16"), strict=True):
    again = loaded[dtype].predict(X_test)
    ax.scatter(predicted, again - predicted, s=5, alpha=0.5)
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_xlabel("original prediction (eV/atom)")
    ax.set_title(f"loaded from {dtype} ({sizes[dtype]:.1f} MB)")
axes[0].set_ylabel("loaded minus original (eV/atom)")
plt.show()

shutil.rmtree(folder, ignore_errors=True)

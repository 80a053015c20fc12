"""One IRNetRegressor fit, run by ``tests/test_data_parallel.py`` in one process or under
torchrun with ``data_parallel=True``; writes the loss curve and predictions as JSON.

Usage: ``python tests/ddp_fit.py OUT_DIR [--data-parallel]`` (each process writes
``OUT_DIR/rank<R>.json``).
"""

import json
import os
import sys
from pathlib import Path

import numpy as np
import torch

from sklearn_irnet import IRNetRegressor

SETTINGS = {"architecture": ((32, 3),), "max_iter": 8, "batch_size": 32,
            "learning_rate_init": 3e-3, "random_state": 0, "n_threads": 1}
"""Global batch 32 (16 rows per process with 2 processes); 150 training rows give 4 full
batches and a trailing one of 22."""


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 6))
    return X, 2.0 * X[:, 0] - X[:, 1] + np.sin(3 * X[:, 2]) + 0.05 * rng.normal(size=150)


def main(out: Path, data_parallel: bool) -> None:
    torch.set_num_threads(1)
    X, y = data()
    model = IRNetRegressor(**SETTINGS, data_parallel=data_parallel).fit(X, y)
    rank = int(os.environ.get("RANK", 0))
    weights = torch.cat([p.detach().flatten() for p in model.net_.module_.parameters()])
    result = {"loss_curve": model.loss_curve_, "predictions": model.predict(X).tolist(),
              "weights_sum": float(weights.double().sum()),
              "batch_norm": sorted({type(m).__name__ for m in model.net_.module_.modules()
                                    if "Norm" in type(m).__name__})}
    out.mkdir(parents=True, exist_ok=True)
    (out / f"rank{rank}.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main(Path(sys.argv[1]), "--data-parallel" in sys.argv[2:])

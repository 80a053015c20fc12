"""Shared test settings: torch on one thread, small fast networks, the shared data folder."""

from pathlib import Path

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

torch.set_num_threads(1)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# A network small enough that sklearn's checks and integration tests run in seconds.
FAST_PARAMS = {
    "architecture": ((16, 2),),
    "max_iter": 15,
    "batch_size": 16,
    "learning_rate_init": 1e-2,
    "early_stopping": False,
    "random_state": 0,
}


def pytest_collection_modifyitems(config, items):
    """Expected failures run in the full suite only: they are marked ``slow``.

    They are scikit-learn checks that these estimators fail by design (with the reason in
    ``expected_failed_checks``). The checks take milliseconds, but pytest formats the
    traceback of each expected failure through scikit-learn's long check module, about
    0.35 s apiece: 30 s for the 87 of them, more than the rest of the quick run together.
    """
    for item in items:
        if item.get_closest_marker("xfail") is not None:
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def regression_data():
    rng = np.random.RandomState(42)
    X = rng.normal(size=(240, 6))
    y = 2.0 * X[:, 0] - X[:, 1] + 0.5 * np.sin(3 * X[:, 2]) + 0.05 * rng.normal(size=240)
    return X, y


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real datasets folder {SHARED_DATA} is absent (only on development machines)")
    return SHARED_DATA


def fitted_callback(model, callback_type):
    """The instance of ``callback_type`` inside a fitted IRNetRegressor's net.

    ``fit`` trains with copies of the user's callbacks, so what they recorded lives there.
    """
    (callback,) = [cb for _, cb in model.net_.callbacks_ if isinstance(cb, callback_type)]
    return callback


class StopAfter(Callback):
    """Raise KeyboardInterrupt after a number of epochs, as a killed process would stop."""

    def __init__(self, epochs):
        self.epochs = epochs

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) >= self.epochs:
            raise KeyboardInterrupt

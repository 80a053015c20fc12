"""Statements in the benchmark notes checked against the result files they describe."""

import json
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "oqmd_gpu"


def _curve(model):
    return json.loads((RESULTS / "full" / f"{model}.json").read_text())[
        "validation_loss_curve"]


def test_gpu_notes_match_the_validation_curves():
    text = " ".join((RESULTS / "README.md").read_text().split())
    irnet, plain = _curve("irnet48"), _curve("plain48")
    # IRNet-48's validation loss is not monotone, and the notes say so with its last values
    assert np.any(np.diff(irnet) > 0) and "falls steadily" not in text
    assert " -> ".join(f"{v:.3f}" for v in irnet[-3:]) in text
    # plain-48's peak comes three epochs after its best epoch
    best, peak = int(np.argmin(plain)), int(np.argmax(plain))
    assert peak - best == 3 and "three epochs after its best" in text
    assert f"best {plain[best]:.3f} at epoch {best + 1}" in text
    assert f"peak of {plain[peak]:.1f} at epoch {peak + 1}" in text

"""Statements in the benchmark notes checked against the result files they describe."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

# checked in CI's documentation step, after the unit suite: pytest -m docs_check
pytestmark = pytest.mark.docs_check

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


DEPTH = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "oqmd_depth" / "file"
DEPTH_GPU = DEPTH.parents[1] / "oqmd_depth_gpu"
GUIDE = Path(__file__).resolve().parents[1] / "docs" / "user_guide" / "reproducing.md"


def test_depth_notes_match_the_depth_results():
    text = " ".join(GUIDE.read_text().split())
    table = GUIDE.read_text().replace("**", "")  # the bold best row reads like the others
    results = {p.stem: json.loads(p.read_text()) for p in DEPTH.glob("*.json")}
    assert {"irnet48", "plain48", "irnet17"} <= set(results)
    for model, result in results.items():
        # the depth table's row: name, parameters, test MAE
        name = model.replace("irnet", "IRNet-").replace("plain", "plain-")
        size = f"{result['n_parameters'] / 1e6:.1f}M"
        assert f"| {name} | {size} | {result['test_mae']:.4f} |" in table, model
    # plain-48's test MAE jumps the epoch after its best (validation) epoch, as the notes say
    curve = results["plain48"]["curve"]
    best = min(range(len(curve)), key=lambda i: curve[i]["valid_loss"])
    worst = max((i for i in range(len(curve)) if curve[i]["test_mae"] is not None),
                key=lambda i: curve[i]["test_mae"])
    assert worst == best + 1
    assert (f"from {curve[best]['test_mae']:.3f} (epoch {best + 1}, its best) to "
            f"{curve[worst]['test_mae']:.2f} at epoch {worst + 1}") in text


def test_gpu_depth_table_matches_its_results():
    """The guide's and the results folder's GPU table: seed 0, seed 1, then the CPU run."""
    cpu = {p.stem: json.loads(p.read_text())["test_mae"] for p in DEPTH.glob("*.json")}
    seeds = [{p.stem: json.loads(p.read_text()) for p in (DEPTH_GPU / seed / "file").glob("*.json")}
             for seed in ("seed0", "seed1")]
    assert {"irnet48", "irnet17", "plain48"} <= set(seeds[0])
    assert {"irnet48", "irnet17"} <= set(seeds[1])
    for model in seeds[0]:
        assert all(s[model]["epochs"] == 20 and s[model]["machine"]["gpu"] for s in seeds
                   if model in s)
        name = model.replace("irnet", "IRNet-").replace("plain", "plain-")
        cells = [f"{s[model]['test_mae']:.4f}" if model in s else "" for s in seeds]
        row = " ".join(f"| {name} | {cells[0]} | {cells[1]} | {cpu[model]:.4f} |".split())
        for page in (GUIDE, DEPTH_GPU / "README.md"):
            assert row in " ".join(page.read_text().split()), (model, page.name)
    # the claim: IRNet-48 ahead of IRNet-17 in every pair of equal seed and device
    pairs = [(s["irnet48"]["test_mae"], s["irnet17"]["test_mae"]) for s in seeds]
    pairs.append((cpu["irnet48"], cpu["irnet17"]))
    assert all(deep < shallow for deep, shallow in pairs)


def test_paper_split_table_matches_its_results():
    """Each model's row in the guide's 90/10-split table holds its result file's test MAE."""
    folder = DEPTH.parents[1] / "oqmd_time_to_accuracy" / "paper"
    labels = {"irnet17": "IRNet-17", "plain17": "plain-17", "lightgbm": "LightGBM",
              "extra_trees": "extra trees, 100 trees", "random_forest": "random forest, 100 trees"}
    table = GUIDE.read_text().replace("**", "")
    results = {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")}
    assert set(results) == set(labels)
    for model, result in results.items():
        assert result["split"] == "paper" and result["n_test"] == 34162
        assert f"| {labels[model]} | {result['test_mae']:.4f} |" in table, model


def test_readme_test_command_installs_what_ci_installs():
    """The README's test set-up command and .ci/run install the same extras (the docs
    tests need Sphinx) and run the same pytest command."""
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text()
    ci = (root / ".ci" / "run").read_text()
    (command,) = [line for line in readme.splitlines()
                  if line.startswith("python3 -m venv") and "pytest" in line]
    extras = re.search(r"-e '\.\[([^\]]*)\]'", command).group(1)
    assert f"-e '.[{extras}]'" in ci, (extras, "differs from .ci/run's install")
    assert re.search(r"pytest -n 2", command) and re.search(r"python -m pytest -n 2", ci)

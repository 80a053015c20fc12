"""benchmarks/reproduce_oqmd.py without the OQMD file: options, and what its JSON records."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "reproduce_oqmd.py"


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("reproduce_oqmd", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_output_init_option_reaches_the_network(script):
    assert script.make_model("irnet17", script.parse_args([])).output_init == "auto"
    for choice in ("auto", "zero", "glorot"):
        args = script.parse_args(["--output-init", choice])
        assert script.make_model("irnet48", args).output_init == choice
    with pytest.raises(SystemExit):
        script.parse_args(["--output-init", "normal"])


def test_params_are_json_safe_with_callbacks_by_class_name(script):
    args = script.parse_args(["--output-init", "glorot", "--batch-size", "32"])
    params = script.json_safe_params(script.make_model("irnet17", args))
    assert params == json.loads(json.dumps(params))
    assert params["callbacks"] == ["WallTimeBudget"]
    assert (params["output_init"], params["batch_size"], params["architecture"]) == (
        "glorot", 32, "irnet17")
    forest = script.json_safe_params(script.make_model("random_forest", args))
    assert forest["n_estimators"] == 100 and forest["max_features"] == pytest.approx(1 / 3)
    assert script.json_safe_params(
        type("Fake", (), {"get_params": lambda self: {"seed": np.int64(3), "rng": object(),
                                                      "sizes": (1, np.float32(0.5))}})()
    ) == {"rng": "object", "seed": 3, "sizes": [1, 0.5]}


def test_every_result_json_records_the_parameters_it_ran_with(script, tmp_path):
    rng = np.random.RandomState(0)
    cache = tmp_path / "features.npz"
    np.savez(cache, X=rng.normal(size=(150, 8)), y=rng.normal(size=150),
             formulas=np.array(["NaCl"] * 150))
    out = tmp_path / "results"
    status = script.main(["--cache", str(cache), "--data", str(tmp_path / "absent.csv.gz"),
                          "--out", str(out), "--models", "irnet17,random_forest",
                          "--max-epochs", "1", "--rf-trees", "3", "--rf-jobs", "1",
                          "--output-init", "glorot"])
    assert status == 0
    irnet = json.loads((out / "full" / "irnet17.json").read_text())
    forest = json.loads((out / "full" / "random_forest.json").read_text())
    assert irnet["params"]["output_init"] == "glorot" and irnet["params"]["max_iter"] == 1
    assert irnet["configuration"]["output_init"] == "glorot" and irnet["epochs"] == 1
    assert forest["params"]["n_estimators"] == 3

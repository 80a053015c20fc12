"""The sklearn-irnet command line: the main job on the shipped dataset, errors in one line."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sklearn_irnet.cli import main

pytest.importorskip("matminer")
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.mark.slow
def test_compare_writes_tables_and_plots(tmp_path, capsys):
    out = tmp_path / "run"
    status = main(["compare", "--limit", "150", "--cv", "3", "--models", "plain17,ridge,dummy",
                   "--max-epochs", "2", "--out", str(out), "--train-sizes", "0.5,1"])
    assert status == 0
    printed = capsys.readouterr().out
    assert "dataset expt_formation_enthalpy: 150 rows, 145 magpie features" in printed
    assert "| ridge | 3 |" in printed and "distinguishable from best?" in printed
    scores = pd.read_csv(out / "scores.csv")
    assert set(scores["model"]) == {"plain17", "ridge", "dummy"} and len(scores) == 9
    assert (out / "summary.md").read_text().startswith("| model |")
    for name in ("parity_plain17.png", "parity_ridge.png", "learning_curves.png",
                 "size_curve.png", "differences.png"):
        assert (out / name).stat().st_size > 1000
    sizes = pd.read_csv(out / "size_curve.csv")
    assert sizes["n_train"].nunique() == 2
    record = json.loads((out / "provenance.json").read_text())
    assert record["run"]["command"].startswith("sklearn-irnet compare --limit 150 --cv 3")
    assert record["versions"]["torch"] and record["run"]["arguments"]["max_epochs"] == 2
    # every model's parameters as it ran, the network settings of the command line included
    assert record["models"]["plain17"]["params"]["max_iter"] == 2
    assert record["models"]["ridge"]["class"] == "sklearn.pipeline.Pipeline"


def test_repeats_and_a_models_file(tmp_path, capsys):
    models_file = tmp_path / "my_models.py"
    models_file.write_text(
        "from sklearn.ensemble import VotingRegressor\n"
        "from sklearn.linear_model import Ridge\n"
        "from sklearn.neighbors import KNeighborsRegressor\n"
        "MODELS = {'ridge_knn_blend': VotingRegressor([('r', Ridge()),\n"
        "                                             ('k', KNeighborsRegressor())])}\n")
    out = tmp_path / "run"
    status = main(["compare", "--limit", "120", "--cv", "3", "--repeats", "2", "--models",
                   "ridge,dummy", "--models-file", str(models_file), "--out", str(out),
                   "--no-plots"])
    assert status == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert "RepeatedKFold(n_repeats=2, n_splits=3, random_state=0)" in printed
    assert "(run as defined: no --tune" in printed
    scores = pd.read_csv(out / "scores.csv")
    assert set(scores["model"]) == {"ridge", "dummy", "ridge_knn_blend"}
    assert len(scores) == 3 * 6 and set(scores["repeat"]) == {0, 1}
    record = json.loads((out / "provenance.json").read_text())
    assert record["models"]["ridge_knn_blend"]["class"].endswith("VotingRegressor")
    # only the file's models when --models is not given
    assert main(["compare", "--limit", "60", "--cv", "2", "--models-file", str(models_file),
                 "--out", str(tmp_path / "only"), "--no-plots"]) == 0
    assert set(pd.read_csv(tmp_path / "only" / "scores.csv")["model"]) == {"ridge_knn_blend"}


@pytest.mark.parametrize("content, message", [
    ("MODELS = []", "must define MODELS = {name: estimator}"),
    ("MODELS = {'x': 3}", "are not name -> scikit-learn estimator"),
    ("raise RuntimeError('boom')", "failed to run: RuntimeError: boom"),
    ("from sklearn.linear_model import LogisticRegression\n"
     "MODELS = {'logistic': LogisticRegression()}", "do not fit this regression task"),
    ("from sklearn.linear_model import Ridge\nMODELS = {'ridge': Ridge()}",
     "both define ['ridge']"),
])
def test_bad_models_files_exit_2_with_one_line(tmp_path, capsys, content, message):
    models_file = tmp_path / "models.py"
    models_file.write_text(content + "\n")
    assert main(["compare", "--limit", "30", "--models", "ridge", "--models-file",
                 str(models_file), "--no-plots", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_tune_wraps_the_named_models_in_the_same_search_budget():
    from sklearn.model_selection import GridSearchCV

    from sklearn_irnet.cli import _build_models, build_parser

    args = build_parser().parse_args(["compare", "--tune", "--max-epochs", "5"])
    built = _build_models(["irnet17", "extra_trees", "ridge"], "regression", args)
    assert isinstance(built["irnet17"], GridSearchCV)
    assert built["irnet17"].estimator.max_iter == 5  # the grid then varies max_iter
    assert isinstance(built["extra_trees"], GridSearchCV)
    assert not isinstance(built["ridge"], GridSearchCV)


def test_compare_on_a_csv(tmp_path):
    csv = tmp_path / "data.csv"
    formulas = ["NaCl", "KCl", "MgO", "CaO", "Fe2O3", "Al2O3", "SiO2", "TiO2", "ZnO", "CuO",
                "NaN", "LiF"]  # "NaN" is sodium nitride and must survive reading
    pd.DataFrame({"formula": formulas, "gap": range(len(formulas))}).to_csv(csv, index=False)
    status = main(["compare", "--dataset", str(csv), "--target-col", "gap", "--models",
                   "ridge", "--cv", "3", "--out", str(tmp_path / "o"), "--no-plots",
                   "--features", "elemnet"])
    assert status == 0
    assert len(pd.read_csv(tmp_path / "o" / "predictions.csv")) == len(formulas)


def test_repeated_formulas_never_straddle_train_and_test(tmp_path, capsys):
    """Polymorphs share a formula: a shuffled KFold would put one in training, one in test."""
    formulas = ["NaCl", "KCl", "MgO", "CaO", "Fe2O3", "Al2O3", "SiO2", "TiO2", "ZnO", "CuO",
                "LiF", "NaF"]
    rows = [(f, i + 0.1 * copy) for i, f in enumerate(formulas) for copy in range(3)]
    rows.append(("Na2Cl2", 0.5))  # the composition of NaCl, written differently
    csv = tmp_path / "polymorphs.csv"
    pd.DataFrame(rows, columns=["formula", "y"]).to_csv(csv, index=False)
    out = tmp_path / "o"
    status = main(["compare", "--dataset", str(csv), "--target-col", "y", "--models", "ridge",
                   "--cv", "4", "--out", str(out), "--no-plots", "--features", "elemnet"])
    assert status == 0
    predictions = pd.read_csv(out / "predictions.csv")
    assert sorted(predictions["row"]) == list(range(len(rows)))
    composition = {f: f for f, _ in rows} | {"Na2Cl2": "NaCl"}
    keys = np.array([composition[f] for f, _ in rows])
    for _, fold in predictions.groupby("fold"):
        test = set(fold["row"])
        train = set(range(len(rows))) - test
        assert not set(keys[list(test)]) & set(keys[list(train)])
    assert "folds: GroupKFold(n_splits=4, random_state=0, shuffle=True), grouped by formula " \
           "(37 of 37 rows share their formula" in capsys.readouterr().out
    record = json.loads((out / "provenance.json").read_text())
    assert record["splitter"].startswith("GroupKFold(n_splits=4")


def test_unique_formulas_keep_the_shuffled_kfold(tmp_path, capsys):
    assert main(["compare", "--limit", "60", "--cv", "3", "--models", "dummy", "--no-plots",
                 "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "folds: KFold(n_splits=3, random_state=0, shuffle=True), every formula once" in printed


@pytest.mark.parametrize(
    "argv, message",
    [
        (["compare", "--models", "irnet17,rf"], "unknown model(s) ['rf']"),
        (["compare", "--models", "ridge+knn"], "define them in a --models-file"),
        (["compare", "--repeats", "0"], "--repeats must be >= 1"),
        (["compare", "--models-file", "missing.py"], "no such file"),
        (["compare", "--dataset", "nope.csv"], "neither a built-in dataset"),
        (["compare", "--cv", "1"], "--cv must be at least 2"),
        (["frobnicate"], "invalid choice"),
        (["matbench", "--tasks", "matbench_foo", "--models", "ridge"], "unknown Matbench task"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_bad_csv_columns_and_values(tmp_path, capsys):
    csv = tmp_path / "d.csv"
    pd.DataFrame({"formula": ["NaCl", "KCl", "Xx2O"], "y": ["1.0", "abc", "2"]}).to_csv(
        csv, index=False)
    assert main(["compare", "--dataset", str(csv), "--target-col", "missing"]) == 2
    assert "target column 'missing' not in d.csv" in capsys.readouterr().err
    assert main(["compare", "--dataset", str(csv), "--target-col", "y"]) == 2
    assert "1 non-numeric or missing value(s) (row 1: 'abc')" in capsys.readouterr().err
    csv.write_text("formula,y\nNaCl,1\nXx2O,2\nKCl,3\n")
    assert main(["compare", "--dataset", str(csv), "--target-col", "y", "--models", "ridge"]) == 2
    assert "Xx2O" in capsys.readouterr().err


@pytest.mark.slow
def test_python_dash_m_entry_point():
    done = subprocess.run([sys.executable, "-m", "sklearn_irnet", "compare", "--models", "x"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.startswith("sklearn-irnet: error: unknown model(s) ['x']")


@pytest.mark.slow
def test_matbench_on_official_folds_beside_the_leaderboard(shared_data, tmp_path, capsys):
    out = tmp_path / "mb"
    status = main(["matbench", "--tasks", "matbench_steels", "--models", "ridge,dummy",
                   "--data-home", str(shared_data / "matbench"), "--out", str(out)])
    assert status == 0
    scores = pd.read_csv(out / "matbench_scores.csv")
    assert len(scores) == 10 and set(scores["task"]) == {"matbench_steels"}
    table = (out / "matbench_steels" / "leaderboard.md").read_text()
    assert table.startswith("### matbench_steels\n\n| model | mean MAE | 95% CI | source |")
    assert (out / "matbench_steels" / "provenance.json").is_file()
    assert "| MODNet | 87.8 |  | Matbench v0.1 leaderboard |" in table
    assert "| ridge |" in table and table.strip() in capsys.readouterr().out


def test_main_job_network_settings_and_matbench_uses_estimator_defaults():
    from sklearn_irnet.cli import DEFAULT_MODELS, _network_params, build_parser

    compare = build_parser().parse_args(["compare"])
    assert _network_params(compare) == {"max_iter": 80, "batch_size": 256,
                                        "learning_rate_init": 1.4e-3}
    assert "plain17" not in DEFAULT_MODELS and DEFAULT_MODELS[0] == "irnet17"
    matbench = build_parser().parse_args(["matbench", "--batch-size", "64"])
    assert _network_params(matbench) == {"batch_size": 64}  # the rest: IRNetRegressor's
    assert main(["compare", "--batch-size", "0"]) == 2
    assert main(["compare", "--learning-rate", "0"]) == 2


def test_classification_csv_gives_classifier_table_and_roc_plots(tmp_path, capsys):
    formulas = ["NaCl", "KCl", "Fe", "Cu", "Al2O3", "MgO", "Ni", "Zn", "SiO2", "Co",
                "CaO", "Ti", "LiF", "Ag", "ZnO", "Au"] * 3
    metal = [int(len(f) <= 2 and f not in ("Ni",)) for f in formulas]
    csv = tmp_path / "metals.csv"
    pd.DataFrame({"formula": formulas, "is_metal": metal}).to_csv(csv, index=False)
    out = tmp_path / "cmp"
    status = main(["compare", "--dataset", str(csv), "--target-col", "is_metal", "--task",
                   "classification", "--models", "logistic_regression,dummy", "--cv", "2",
                   "--out", str(out)])
    assert status == 0, capsys.readouterr().err
    summary = pd.read_csv(out / "summary.csv", index_col=0)
    assert "roc_auc_mean" in summary.columns and summary.loc["dummy", "roc_auc_mean"] == 0.5
    assert (out / "roc_curves.png").is_file() and (out / "reliability.png").is_file()
    assert not list(out.glob("parity_*.png"))
    assert main(["compare", "--dataset", str(csv), "--target-col", "is_metal", "--task",
                 "classification", "--models", "ridge"]) == 2
    assert "does not exist for classification" in capsys.readouterr().err


def test_class_weight_option_weighs_the_models_that_take_weights(tmp_path, capsys):
    rng = np.random.default_rng(0)
    elements = ["Na", "K", "Fe", "Cu", "Al", "Mg", "Ni", "Zn", "Si", "Co", "Ca", "Ti"]
    formulas = [f"{a}{rng.integers(1, 4)}{b}{rng.integers(1, 4)}"
                for a, b in rng.choice(elements, size=(80, 2))]
    # about one row in five is positive: unweighted models lean to the majority class
    positive = [int(f[0] in "FCN" and f[1] != "a") for f in formulas]
    csv = tmp_path / "rare.csv"
    pd.DataFrame({"formula": formulas, "rare": positive}).to_csv(csv, index=False)
    common = ["compare", "--dataset", str(csv), "--target-col", "rare", "--task",
              "classification", "--models", "random_forest,dummy", "--cv", "2", "--no-plots"]
    assert main([*common, "--out", str(tmp_path / "plain")]) == 0
    assert main([*common, "--class-weight", "balanced", "--out", str(tmp_path / "w")]) == 0
    assert "class weights: balanced; unweighted, as they take none: dummy" in (
        capsys.readouterr().out)
    plain, weighted = (pd.read_csv(tmp_path / name / "scores.csv") for name in ("plain", "w"))
    forest = "model == 'random_forest'"
    assert not np.allclose(plain.query(forest)["roc_auc"], weighted.query(forest)["roc_auc"])
    pd.testing.assert_frame_equal(plain.query("model == 'dummy'")[["roc_auc", "accuracy"]],
                                  weighted.query("model == 'dummy'")[["roc_auc", "accuracy"]])
    record = json.loads((tmp_path / "w" / "provenance.json").read_text())
    assert record["run"]["arguments"]["class_weight"] == "balanced"
    assert record["models"]["random_forest"]["params"]["class_weight"] == "balanced"
    assert main([*common[:-3], "--class-weight", "heavy"]) == 2


def test_class_weight_reaches_networks_with_the_command_line_settings(capsys):
    from sklearn_irnet.cli import _build_models, _parse_models, build_parser

    args = build_parser().parse_args(["matbench", "--class-weight", "balanced",
                                      "--max-epochs", "3", "--random-state", "5"])
    names = _parse_models("irnet17_ensemble, random_forest,dummy")
    assert names == ["irnet17_ensemble", "random_forest", "dummy"]
    built = _build_models(names, "classification", args)
    ensemble = built["irnet17_ensemble"]
    assert ensemble.random_state == 5 and ensemble.estimator.max_iter == 3
    assert ensemble.estimator.class_weight == "balanced"
    assert built["random_forest"].class_weight == "balanced"
    assert built["random_forest"].random_state == 5
    assert "unweighted, as they take none: dummy" in capsys.readouterr().out
    # a regression task builds the models unweighted (and says the option does not apply)
    from sklearn_irnet.compare import estimator_record
    from sklearn_irnet.models import make_model

    forest = _build_models(["random_forest"], "regression", args)["random_forest"]
    assert estimator_record(forest) == estimator_record(make_model("random_forest",
                                                                   random_state=5))
    assert "does not apply to a regression task: ignored" in capsys.readouterr().out


@pytest.mark.slow
def test_matbench_classification_task_on_official_folds(shared_data, tmp_path):
    # featurizes the 4,921 compositions of expt_is_metal: about a minute
    mb = tmp_path / "mb"
    status = main(["matbench", "--tasks", "matbench_expt_is_metal", "--models",
                   "logistic_regression,dummy", "--data-home", str(shared_data / "matbench"),
                   "--out", str(mb)])
    assert status == 0
    table = (mb / "matbench_expt_is_metal" / "leaderboard.md").read_text()
    assert table.startswith("### matbench_expt_is_metal\n\nROC-AUC (labels) is Matbench's")
    assert "| model | ROC-AUC (labels) | 95% CI | ROC-AUC (proba) |" in table
    assert "| RF-SCM/Magpie | 0.917 |" in table and "| dummy | 0.5 |" in table
    assert (mb / "matbench_expt_is_metal" / "roc_curves.png").is_file()
    scores = pd.read_csv(mb / "matbench_scores.csv")
    assert len(scores) == 10 and scores["n_test"].sum() == 2 * 4921  # 2 models


@pytest.mark.slow
def test_compare_on_a_local_dask_cluster_gives_the_serial_table(tmp_path, capsys):
    pytest.importorskip("distributed")
    common = ["compare", "--limit", "60", "--cv", "3", "--models", "ridge,knn", "--no-plots"]
    assert main([*common, "--out", str(tmp_path / "serial")]) == 0
    assert main([*common, "--out", str(tmp_path / "dask"), "--scheduler", "local:2"]) == 0
    assert "2 workers, 2 threads" in capsys.readouterr().out
    serial, dask = (pd.read_csv(tmp_path / run / "scores.csv") for run in ("serial", "dask"))
    untimed = [c for c in serial.columns if not c.endswith("_time")]
    pd.testing.assert_frame_equal(serial[untimed], dask[untimed], check_exact=True)
    arguments = json.loads((tmp_path / "dask" / "provenance.json").read_text())["run"]["arguments"]
    assert arguments["scheduler"] == "local:2" and arguments["n_jobs"] == -1


@pytest.mark.parametrize("scheduler, message", [
    ("local:0", "--scheduler: scheduler 'local:N' needs N >= 1"),
    ("nowhere", "--scheduler: scheduler must be 'local:N'"),
])
def test_malformed_scheduler_exits_2(scheduler, message, capsys):
    assert main(["compare", "--models", "dummy", "--scheduler", scheduler]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_scheduler_from_the_environment(monkeypatch, capsys):
    monkeypatch.setenv("SKLEARN_IRNET_SCHEDULER", "local:x")
    assert main(["compare", "--models", "dummy"]) == 2
    assert "$SKLEARN_IRNET_SCHEDULER: scheduler must be 'local:N'" in capsys.readouterr().err

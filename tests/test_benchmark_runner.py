"""``python -m benchmarks``: the one runner of the named studies, on the data shipped
inside pymatgen (no shared data needed)."""

import importlib
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _runner(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "benchmarks", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=True)


def _quick_run(folder, study: str, models: str, record_of: str) -> tuple[str, dict]:
    """``run STUDY --quick --only MODELS`` into ``folder``: what it printed, and the
    provenance record it saved for the model ``record_of``."""
    out = _runner("run", study, "--quick", "--only", models, "--out", str(folder)).stdout
    path = folder / "models" / record_of / "provenance.json"
    return out, json.loads(path.read_text())


PORTED = ("recipe_defaults", "output_init_main_job", "output_init_steels",
          "output_init_expt_gap", "classification_expt_is_metal", "classification_glass",
          "epochs_selection_expt_is_metal", "epochs_selection_glass",
          "epochs_selection_expt_gap", "blend_selection_expt_is_metal",
          "blend_selection_glass", "blend_selection_expt_gap", "transfer_selection")
"""The studies that were standalone scripts (``benchmarks/_ported_studies.py``)."""

SCRIPT = ("uncertainty_calibration", "uncertainty_calibration_steels",
          "uncertainty_calibration_expt_gap", "ensemble_calibration",
          "oqmd_time_to_accuracy_file_irnet17", "oqmd_time_to_accuracy_paper_trees",
          "oqmd_depth", "oqmd_depth_gpu_irnet48_seed1", "reproduce_oqmd_full_plain17",
          "reproduce_oqmd_gpu_plain48", "threshold_bound_balanced_blends",
          "glass_inputs_alloy", "matbench_nested_selection_stacking")
"""Some of the script studies (``benchmarks/_script_studies.py``)."""

SPEED = ("speed_training_cpu_small_net", "speed_step_roofline_2threads",
         "speed_training_h200", "speed_featurize", "speed_scaleout",
         "speed_worker_allocator")
"""Some of the speed studies (``benchmarks/_speed_studies.py``)."""


def test_list_names_every_study_with_its_folder():
    out = _runner("list").stdout
    for study in ("main_job", "main_job_nested_start", "expt_gap", "steels", "steels_dev",
                  "expt_gap_dev", "main_job_dev", *PORTED):
        assert f"\n{study}: [comparison] " in "\n" + out
    for study in (*SCRIPT, *SPEED):
        assert f"\n{study}: [script: benchmarks/" in "\n" + out
    assert "benchmarks/results/protocol/main_job" in out
    assert "recipe_defaults: " in out and "-> benchmarks/results/recipe_defaults\n" in out
    assert ("ensemble_calibration: [script: benchmarks/ensemble_calibration.py --model "
            "irnet17_oqmd_ensemble --epochs 40 --folds 5] ") in out
    assert "-> benchmarks/results/oqmd_depth_gpu/seed1\n" in out
    assert ("speed_step_roofline_2threads: [script: benchmarks/bench_step_breakdown.py "
            "--threads 2 --batch-sizes 32,128,256 --repeats 20 --rounds 3] ") in out
    assert "-> benchmarks/results/gpu/training_h200.txt\n" in out


def test_ported_study_runs_quick_and_records_its_name(tmp_path):
    # the cheapest ported study: pymatgen's data, one recipe, 2 splits of 2 epochs
    out, record = _quick_run(tmp_path, "recipe_defaults", "cosine40", "cosine40")
    assert "cosine40: saved in" in out and "| cosine40 | 2 |" in out
    assert record["study"] == "recipe_defaults" and record["quick"] is True
    params = record["models"]["cosine40"]["params"]
    assert params["numeric_embedding"] is None and params["learning_rate"] == "cosine"
    assert params["max_iter"] == 2  # --quick's epochs (the recipe has 40)
    assert set(pd.read_csv(tmp_path / "scores_long.csv")["split"]) == {0, 1}


def test_unknown_model_is_refused_with_the_study_s_models(tmp_path):
    with pytest.raises(subprocess.CalledProcessError) as error:
        _runner("run", "main_job", "--quick", "--only", "ridge,nonsense",
                "--out", str(tmp_path))
    assert "main_job has no models ['nonsense']" in error.value.stderr


def test_quick_run_saves_provenance_and_long_scores_and_resumes(tmp_path):
    first, record = _quick_run(tmp_path, "main_job", "ridge,irnet17", "irnet17")
    assert "ridge: saved in" in first and "irnet17: saved in" in first
    assert record["study"] == "main_job" and record["quick"] is True
    run = record["run"]
    assert run["argv"][-5:] == ["--quick", "--only", "ridge,irnet17", "--out", str(tmp_path)]
    assert run["torch_threads"] == 1 and len(run["commit"]["commit"]) == 40
    assert {"torch", "scikit-learn", "skorch"} <= set(run["versions"])
    assert record["models"]["irnet17"]["params"]["max_iter"] == 2  # --quick's epochs
    long = pd.read_csv(tmp_path / "scores_long.csv")
    assert set(long["model"]) == {"ridge", "irnet17"} and set(long["split"]) == {0, 1}
    assert {"mae", "rmse", "r2", "fit_time"} <= set(long["metric"])
    assert len(long) == 2 * 2 * long["metric"].nunique()  # models x splits x metrics
    wide = pd.read_csv(tmp_path / "scores.csv").set_index(["model", "split"])["mae"]
    mae = long[long["metric"] == "mae"].set_index(["model", "split"])["value"]
    pd.testing.assert_series_equal(mae.sort_index(), wide.sort_index(), check_names=False)
    again = _runner("run", "main_job", "--quick", "--only", "ridge",
                    "--out", str(tmp_path)).stdout
    assert "ridge: saved already" in again  # a stopped study resumes, nothing refitted


def test_development_study_reports_differences_over_outer_folds(tmp_path):
    out, record = _quick_run(tmp_path, "main_job_dev", "b128_e80,b128_e20", "b128_e20")
    assert record["outer_fold_of_split"] == [0, 1]
    table = [line for line in out.splitlines() if line.startswith("| b128_e")]
    assert table[0].startswith("| b128_e80 |") and "[" in table[1]  # baseline first, Δ
    report = _runner("report", "main_job_dev", "--out", str(tmp_path)).stdout
    assert [line for line in report.splitlines() if line.startswith("| b128_e")] == table


def test_one_data_setting_and_recorded_output(monkeypatch, tmp_path):
    import doctest

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import _settings

    assert doctest.testmod(_settings).failed == 0  # recorded_output's header and lines
    monkeypatch.setenv(_settings.DATA_ENV, str(tmp_path))
    assert _settings.matbench_home() == tmp_path / "matbench"
    assert _settings.oqmd_file().parent == tmp_path / "oqmd"
    with pytest.raises(ValueError, match="unknown shared options"):
        _settings.add_options(__import__("argparse").ArgumentParser(), "outt")


# --- script studies: a fake script in place of a real one -----------------------------


@pytest.fixture
def script_runner(monkeypatch, tmp_path):
    """``benchmarks.__main__`` with two studies of the module ``fake_script``, whose
    ``main`` records how it was called and returns ``calls.status``: ``fake`` (output
    option ``--result``, a folder where ``main`` writes ``summary.md``, a quick argv) and
    ``fake_slow`` (``--out``, a file, no quick argv)."""
    runner = importlib.import_module("benchmarks.__main__")
    from _study import ScriptStudy

    calls = types.SimpleNamespace(seen=[], status=0)

    def main(argv):
        calls.seen.append({"argv": list(argv), "sys.argv": list(sys.argv),
                           "cwd": Path.cwd()})
        if "--result" in argv:  # the folder study; fake_slow writes nothing
            out = Path(argv[argv.index("--result") + 1])
            out.mkdir(parents=True, exist_ok=True)
            (out / "summary.md").write_text(f"fake summary of {argv[:-2]}\n")
        return calls.status

    monkeypatch.setitem(sys.modules, "fake_script", types.SimpleNamespace(main=main))
    monkeypatch.setitem(runner.STUDIES, "fake", ScriptStudy(
        "fake", "a fake script study", "fake_script", ("--alpha", "1"), "fake_out",
        "seconds", out_option="--result", quick_argv=("--alpha", "0"),
        summary_file="summary.md"))
    monkeypatch.setitem(runner.STUDIES, "fake_slow", ScriptStudy(
        "fake_slow", "no cheap mode", "fake_script", ("--alpha", "2"), "slow_out.md",
        "hours"))
    monkeypatch.chdir(tmp_path)  # the runner runs the script from the repository root
    return runner, calls


def test_script_study_calls_main_with_its_argv_and_records_provenance(script_runner,
                                                                      tmp_path, capsys):
    runner, calls = script_runner
    runner.main(["list"])
    assert "\nfake: [script: benchmarks/fake_script.py --alpha 1] a fake script study " \
        "[seconds] -> benchmarks/results/fake_out\n" in "\n" + capsys.readouterr().out
    out = tmp_path / "out"
    runner.main(["run", "fake", "--out", "out"])  # relative to where the runner started
    (call,) = calls.seen
    assert call["argv"] == ["--alpha", "1", "--result", str(out)]
    assert call["sys.argv"] == ["benchmarks/fake_script.py", *call["argv"]]
    assert call["cwd"] == ROOT
    (record,) = json.loads((out / "runner_provenance.json").read_text())
    assert record["study"] == "fake" and record["kind"] == "script"
    assert record["module"] == "benchmarks/fake_script.py"
    assert record["argv"] == call["argv"] and record["quick"] is False
    assert record["returncode"] == 0 and record["seconds"] >= 0
    assert len(record["run"]["commit"]["commit"]) == 40
    assert {"torch", "scikit-learn"} <= set(record["run"]["versions"])
    assert record["runner_command"] == ["python", "-m", "benchmarks", "run", "fake", "--out",
                                        "out"]
    capsys.readouterr()
    runner.main(["report", "fake", "--out", "out"])
    assert capsys.readouterr().out == "fake summary of ['--alpha', '1']\n\n"
    runner.main(["run", "fake", "--quick", "--out", "out"])
    assert calls.seen[-1]["argv"][:2] == ["--alpha", "0"]  # the study's quick argv
    records = json.loads((out / "runner_provenance.json").read_text())
    assert [r["quick"] for r in records] == [False, True]  # one record per run


@pytest.mark.parametrize("options, message", [
    (["--only", "a"], "--only is for comparison studies"),
    (["--n-jobs", "2"], "--n-jobs is for comparison studies"),
    (["--data-home", "."], "--data-home is for comparison studies"),
])
def test_script_study_refuses_comparison_options(script_runner, options, message):
    runner, calls = script_runner
    with pytest.raises(SystemExit, match=message):
        runner.main(["run", "fake", *options, "--out", "out"])
    assert calls.seen == []


def test_script_study_without_cheap_mode_refuses_quick(script_runner):
    runner, calls = script_runner
    with pytest.raises(SystemExit, match="no cheap mode, so --quick is refused"):
        runner.main(["run", "fake_slow", "--quick"])
    assert calls.seen == []


def test_script_study_fails_when_its_main_fails(script_runner, tmp_path):
    runner, calls = script_runner
    calls.status = 3
    with pytest.raises(SystemExit, match="benchmarks/fake_script.py ended with status 3"):
        runner.main(["run", "fake_slow", "--out", "slow.md"])
    # an output file: the record lies next to it
    (record,) = json.loads((tmp_path / "slow.runner_provenance.json").read_text())
    assert record["argv"] == ["--alpha", "2", "--out", str(tmp_path / "slow.md")]
    assert record["returncode"] == 3


def test_script_study_main_returning_results_succeeds(script_runner, tmp_path):
    # bench_scaling's main returns its table and bench_featurize's a dict: not statuses
    runner, calls = script_runner
    calls.status = {"speed-up": 146}
    runner.main(["run", "fake_slow", "--out", "slow.md"])
    (record,) = json.loads((tmp_path / "slow.runner_provenance.json").read_text())
    assert record["returncode"] == 0


def test_registered_script_studies_name_their_scripts_and_results(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    from _studies import STUDIES
    from _study import ScriptStudy

    results = ROOT / "benchmarks" / "results"
    scripts = [study for study in STUDIES.values() if isinstance(study, ScriptStudy)]
    assert {"uncertainty_calibration", *SPEED} <= {study.name for study in scripts}
    for study in scripts:
        assert (ROOT / study.script).is_file(), study.name
        assert study.out_option not in study.argv, study.name
        # where a study writes in a folder of committed results, they are there
        for pattern in study.results:
            assert list((results / study.output).glob(pattern)), (study.name, pattern)
        if study.summary_file is not None:
            assert (results / study.output / study.summary_file).is_file(), study.name

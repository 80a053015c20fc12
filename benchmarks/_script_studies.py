"""The script studies of ``python -m benchmarks`` (:class:`~_study.ScriptStudy`): the
committed results that the docs cite and whose protocol is not a ``compare_models``
comparison, each with the script (its module stays in ``benchmarks/``) and the argv that
produced it. Each summary says where that argv was found: the command a result file
records, a command quoted next to the results, or the guide's own citation.

None of these was run again when it was registered. The results came from the code of
their commits; a run measures today's code. Known differences:

- ``uncertainty_calibration*``: ``--numeric-embedding`` was added after these results;
  its default, ``none``, is the network they measured.
  ``uncertainty_calibration_steels_embedding`` passes ``auto`` (members with the periodic
  embedding), which is what its run did. The main job, steels and expt_gap results had
  their calibrated group refitted at commit 4e75307 (``--rerun calibrated``, for
  ``predict_interval``); its rows came out identical to the earlier ones.
- ``reproduce_oqmd_*``: the results predate ``output_init`` and used the Glorot output
  layer; the studies add ``--output-init glorot``, as ``docs/user_guide/reproducing.md``
  and ``results/oqmd_gpu/README.md`` say to.

Not registered (their results stay as they are):

- ``results/uncertainty_calibration/results_absolute_error_nll_members_fold0.json``: its
  recorded command (``--folds 5``, commit 808a676) selects neither the variance-head
  members nor the earlier calibration it measured; no argv of today's script does.
- the first table of ``results/glass_inputs.md``: printed output pasted without a command
  (the script had no ``--out`` then); its magpie rows equal those of the recorded
  ``--inputs magpie,magpie+alloy`` run, which points to the default ``--trees``, but no
  file records the argv.
- ``results/oqmd_depth_gpu/``'s plain-17 runs: stopped at epoch 11 by a driver fault, no
  result file.
"""

from __future__ import annotations

from _study import ScriptStudy

_UNCERTAINTY = ("calibrated deep-ensemble intervals against MAPIE's split conformal, 5 x "
                "IRNet-17; docs/user_guide/uncertainty.md")


def _uncertainty(name: str, dataset: str, where: str, extra: tuple[str, ...],
                 budget: str) -> ScriptStudy:
    """The study ``name`` of ``uncertainty_calibration.py --dataset <dataset> --folds 5``
    with ``extra`` arguments, its results in ``results/<name>/``; ``where`` says where its
    argv was found."""
    return ScriptStudy(name, f"{dataset}: {_UNCERTAINTY}; argv: {where}",
                       "uncertainty_calibration",
                       ("--dataset", dataset, "--folds", "5", *extra), name, budget,
                       quick_argv=("--dataset", dataset, "--folds", "1", "--epochs", "2"),
                       summary_file="summary.md")


def _uncertainty_studies() -> list[ScriptStudy]:
    return [
        _uncertainty("uncertainty_calibration", "main_job",
                     "results.json's command (commit 60c2a2b; mae_spread and MAPIE of folds "
                     "0-3 reused from an earlier run, same seeds)", ("--rerun", "calibrated"),
                     "about 75 min on 1 core (5 folds)"),
        _uncertainty("uncertainty_calibration_steels", "steels",
                     "results.json's command (commit 4e75307: the calibrated group refitted "
                     "for calibrated_interval, the others from commit 2683911)",
                     ("--rerun", "calibrated"), "about 5 min on 1 core"),
        _uncertainty("uncertainty_calibration_steels_embedding", "steels",
                     "results.json's command (commit 4e75307: the calibrated group refitted "
                     "for calibrated_interval, the others from commit 8a1173f)",
                     ("--rerun", "calibrated", "--numeric-embedding", "auto"),
                     "about 6 min on 1 core"),
        _uncertainty("uncertainty_calibration_expt_gap", "expt_gap",
                     "results.json's command (commit 4e75307: the calibrated group refitted "
                     "for calibrated_interval; the others from commit 83f0b71 and two "
                     "sessions before it)", ("--rerun", "calibrated"),
                     "about 1.5 h on 1 core"),
        ScriptStudy("ensemble_calibration", "5 IRNet-17 fine-tuned from the OQMD start on "
                    "the main job's outer folds: ensemble MAE, raw and split-conformal "
                    "intervals; docs/user_guide/transfer.md; argv: the JSON's command and "
                    "the guide", "ensemble_calibration",
                    ("--model", "irnet17_oqmd_ensemble", "--epochs", "40", "--folds", "5"),
                    "ensemble_calibration", "about 20 min on 1 core",
                    quick_argv=("--model", "irnet17_oqmd_ensemble", "--epochs", "2",
                                "--folds", "1"),
                    results=("irnet17_oqmd_ensemble*",)),
    ]


def _time_to_accuracy(name: str, summary: str, argv: tuple[str, ...],
                      results: tuple[str, ...], budget: str) -> ScriptStudy:
    """A run of ``oqmd_time_to_accuracy.py``; its results in ``oqmd_time_to_accuracy/``."""
    return ScriptStudy(f"oqmd_time_to_accuracy_{name}", "OQMD test MAE against training "
                       f"time, {summary}; docs/user_guide/reproducing.md",
                       "oqmd_time_to_accuracy", argv, "oqmd_time_to_accuracy", budget,
                       results=results)


def _time_to_accuracy_studies() -> list[ScriptStudy]:
    trees = ("random_forest", "extra_trees", "lightgbm")
    return [
        _time_to_accuracy("file_irnet17", "the data file's split, IRNet-17 for 60 epochs; "
                          "argv: file/irnet17.json's command (three sessions, resumed from "
                          "checkpoints)",
                          ("--models", "irnet17", "--epochs", "60", "--threads", "1",
                           "--save-model", "runs/oqmd_irnet17_file.safetensors"),
                          ("file/irnet17.json",), "about 2 h on 1 core (resumes)"),
        _time_to_accuracy("file_plain17", "the data file's split, plain-17 for 60 epochs; "
                          "argv: file/plain17.json's command (two sessions)",
                          ("--models", "plain17", "--epochs", "60", "--threads", "1"),
                          ("file/plain17.json",), "about 2 h on 1 core (resumes)"),
        _time_to_accuracy("file_trees", "the data file's split, random forest, extra trees "
                          "and LightGBM; argv: file/random_forest.json's command (extra "
                          "trees and LightGBM were finished by it less the finished model)",
                          ("--models", ",".join(trees), "--threads", "1"),
                          tuple(f"file/{name}.json" for name in trees), "about 1 h on 1 core"),
        _time_to_accuracy("paper_networks", "the paper's 90/10 split, IRNet-17 and plain-17 "
                          "for 20 epochs; argv: the guide's (the JSONs' command also listed "
                          "the tree models, whose results came from paper_trees)",
                          ("--split", "paper", "--models", "irnet17,plain17", "--epochs",
                           "20", "--threads", "1"),
                          ("paper/irnet17.json", "paper/plain17.json"),
                          "about 1.5 h on 1 core (resumes)"),
        _time_to_accuracy("paper_trees", "the paper's 90/10 split, LightGBM, extra trees and "
                          "random forest up to 100 trees; argv: the JSONs' command and the "
                          "guide",
                          ("--split", "paper", "--models", "lightgbm,extra_trees,"
                           "random_forest", "--max-trees", "100", "--threads", "1"),
                          tuple(f"paper/{name}.json" for name in trees),
                          "about 35 min on 1 core"),
    ]


def _depth_gpu(model: str, seed: int) -> ScriptStudy:
    """One of the five GPU runs of ``oqmd_depth.py`` (``results/oqmd_depth_gpu/``)."""
    return ScriptStudy(
        f"oqmd_depth_gpu_{model}_seed{seed}", f"{model}, seed {seed}, 20 epochs on a GPU "
        "through torch.compile; docs/user_guide/reproducing.md; argv: the JSON's command "
        "(started with the four others by benchmarks/device_depth.py, whose float32 "
        "feature cache --cache names)", "oqmd_depth",
        ("--models", model, "--seed", str(seed), "--epochs", "20", "--device", "cuda",
         "--threads", "1", "--cache", "/tmp/device_depth/oqmd_magpie_split.npz",
         "--compile", "reduce-overhead"),
        f"oqmd_depth_gpu/seed{seed}", "GPU: 2-4 min of an H200 shared by five runs",
        results=(f"file/{model}.json",))


def _oqmd_depth_studies() -> list[ScriptStudy]:
    return [
        ScriptStudy("oqmd_depth", "IRNet-48, plain-48, IRNet-17 and plain-17 for 20 epochs "
                    "on the OQMD file split, per-layer gradient norms; "
                    "docs/user_guide/reproducing.md; argv: the JSONs' command (resumed over "
                    "sessions)", "oqmd_depth", ("--threads", "1"), "oqmd_depth",
                    "about 4 h on 1 core (resumes)", results=("file/*.json",)),
        *(_depth_gpu(model, 0) for model in ("irnet48", "irnet17", "plain48")),
        *(_depth_gpu(model, 1) for model in ("irnet48", "irnet17")),
    ]


def _reproduce(name: str, summary: str, argv: tuple[str, ...], results: tuple[str, ...],
               budget: str, output: str = "oqmd") -> ScriptStudy:
    """A run of ``reproduce_oqmd.py`` with ``--output-init glorot`` (see the module)."""
    return ScriptStudy(f"reproduce_oqmd_{name}", "the IRNet paper's OQMD experiment, 90/10 "
                       f"split (seed 1234567), {summary}; docs/user_guide/reproducing.md; "
                       "--output-init glorot added: the results predate the option",
                       "reproduce_oqmd", (*argv, "--output-init", "glorot"), output, budget,
                       results=results)


def _reproduce_studies() -> list[ScriptStudy]:
    gpu = ("--sizes", "full", "--device", "cuda", "--threads", "4", "--budget-minutes",
           "4.5", "--cache", "/tmp/oqmd.npz")
    return [
        _reproduce("full_irnet17_random_forest", "all training rows, IRNet-17 with a "
                   "95-minute budget, then random forest; argv: full/irnet17.json's command",
                   ("--models", "irnet17,random_forest", "--budget-minutes", "95"),
                   ("full/irnet17.json", "full/random_forest.json"),
                   "about 100 min (95-minute network budget, forest on 2 cores)"),
        _reproduce("full_plain17", "all training rows, plain-17 with a 95-minute budget; "
                   "argv: full/plain17.json's command",
                   ("--models", "plain17", "--budget-minutes", "95"), ("full/plain17.json",),
                   "about 95 min on 1 core"),
        _reproduce("10000_30000", "learning curve at 10,000 and 30,000 rows, 6-minute "
                   "budgets; argv: the JSONs' command",
                   ("--sizes", "10000,30000", "--models", "irnet17,plain17,random_forest",
                    "--budget-minutes", "6", "--rf-jobs", "1"),
                   ("10000/*.json", "30000/*.json"), "about 30 min on 1 core"),
        _reproduce("100000_irnet17_random_forest", "learning curve at 100,000 rows, "
                   "IRNet-17 (15-minute budget) and random forest; argv: the JSONs' command",
                   ("--models", "irnet17,random_forest", "--sizes", "100000",
                    "--budget-minutes", "15", "--rf-jobs", "1"),
                   ("100000/irnet17.json", "100000/random_forest.json"),
                   "about 20 min on 1 core"),
        _reproduce("100000_plain17", "learning curve at 100,000 rows, plain-17 (15-minute "
                   "budget); argv: the JSON's command",
                   ("--models", "plain17", "--sizes", "100000", "--budget-minutes", "15"),
                   ("100000/plain17.json",), "about 15 min on 1 core"),
        *(_reproduce(f"gpu_{model}", f"{model} with a 4.5-minute budget on a GPU; argv: the "
                     "JSON's command and oqmd_gpu/README.md", ("--models", model, *gpu),
                     (f"full/{model}.json",), "GPU: 4.5 min, two runs side by side on an "
                     "H200", output="oqmd_gpu")
          for model in ("irnet48", "plain48")),
    ]


_CLASSIFICATION = "benchmarks/results/matbench_classification"
_CANDIDATES = "random_forest,extra_trees,hist_gradient_boosting,extra_trees_oqmd_prediction"


def _classification_studies() -> list[ScriptStudy]:
    bound = ("oracle-threshold bound on Matbench's label ROC-AUC from saved out-of-fold "
             "probabilities; docs/user_guide/classification.md; the committed output is "
             "the {part} of threshold_bound.md")
    return [
        ScriptStudy("threshold_bound_balanced_blends", bound.format(part="first part") +
                    "; argv: the four folders heading it, in order (the script then took "
                    "only folders and printed each as given)", "threshold_bound",
                    tuple(f"{_CLASSIFICATION}_{kind}/matbench_{task}"
                          for task in ("glass", "expt_is_metal")
                          for kind in ("balanced", "blends")),
                    "threshold_bound_balanced_blends.md", "seconds"),
        ScriptStudy("threshold_bound_transfer_ensemble", bound.format(part="session 7 part")
                    + "; argv: the command quoted there", "threshold_bound",
                    tuple(f"{_CLASSIFICATION}_{kind}/matbench_expt_is_metal"
                          for kind in ("ensemble", "transfer")),
                    "threshold_bound_transfer_ensemble.md", "seconds"),
        ScriptStudy("glass_inputs_alloy", "Matbench glass on fold 0's training rows, inner "
                    "5-fold CV: forests on the 145 attributes with and without ten matminer "
                    "alloy descriptors; docs/user_guide/classification.md; argv: quoted in "
                    "glass_inputs.md and the guide; the committed output is the second "
                    "table of glass_inputs.md", "glass_inputs",
                    ("--inputs", "magpie,magpie+alloy"), "glass_inputs_alloy.md",
                    "about 5 min on 1 core"),
        ScriptStudy("matbench_nested_selection", "a classifier chosen per official fold by "
                    "nested GridSearchCV (balanced accuracy, inner 5-fold) over four "
                    "candidates, expt_is_metal and glass; docs/user_guide/classification.md;"
                    " argv: no command recorded, written from the tasks and candidates of "
                    "run.log and config.json (the script's only other options were "
                    "--data-home and --out)", "matbench_nested_selection",
                    ("--tasks", "matbench_expt_is_metal,matbench_glass",
                     "--candidates", _CANDIDATES), "matbench_nested_selection",
                    "about 15 min on 1 core"),
        ScriptStudy("matbench_nested_selection_stacking", "as matbench_nested_selection on "
                    "expt_is_metal, with the three pre-trained-estimate candidates; "
                    "docs/user_guide/classification.md; argv: the guide's (candidates as "
                    "in run.log)", "matbench_nested_selection",
                    ("--tasks", "matbench_expt_is_metal", "--candidates",
                     f"{_CANDIDATES},random_forest_mp_gap_prediction,"
                     "hist_gradient_boosting_mp_gap_prediction,"
                     "extra_trees_pretrained_predictions"),
                    "matbench_nested_selection_stacking", "about 10 min on 1 core",
                    summary_file="matbench_expt_is_metal/selection.md"),
    ]


def _calibration_design_studies() -> list[ScriptStudy]:
    """The development splits of the calibration's design (``run.json`` records each
    argv; the main job's ``--analyse`` ran as a second command on the saved splits)."""
    design = ("development splits of the deep ensemble's calibration: the shipped std, a "
              "per-bin factor and predict_interval's conformal quantiles; "
              "docs/user_guide/uncertainty.md; argv: run.json")
    return [
        ScriptStudy(f"calibration_design_{dataset}", f"{dataset}: {design}",
                    "calibration_design", (dataset, "--fit", "--analyse", *extra),
                    f"calibration_design/{folder}", budget,
                    quick_argv=(dataset, "--fit", "--analyse", "--epochs", "2", *extra),
                    summary_file="summary.md")
        for dataset, folder, extra, budget in (
            ("steels", "steels_fraction0.1", ("--reference",), "about 10 min on 1 core"),
            ("expt_gap", "expt_gap_fraction0.1", (), "about 45 min on 1 core"),
            ("main_job", "main_job_fraction0.05",
             ("--reference", "--calibration-fraction", "0.05"), "about 45 min on 1 core"),
        )
    ]


SCRIPT_STUDIES: list[ScriptStudy] = [
    *_uncertainty_studies(),
    *_calibration_design_studies(),
    *_time_to_accuracy_studies(),
    *_oqmd_depth_studies(),
    *_reproduce_studies(),
    *_classification_studies(),
]
"""Every script study, in the order ``list`` shows them."""

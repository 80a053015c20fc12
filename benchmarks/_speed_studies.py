"""The speed studies of ``python -m benchmarks`` (:class:`~_study.ScriptStudy`, names
``speed_*``): the committed timing results that the docs cite, each with its benchmarks
script and the argv that produced it. Each summary names the docs page and says where
that argv was found: the ``config:`` line the script printed at the top of the result, a
command the result records in its first lines, or the command the docs quote beside it.

None of these was run again when it was registered. The results came from the code and
machines of their commits; a run measures today's code on today's machine, and timings
compare only side by side in one run. The budgets are rough, from the committed rates.
Options added to a script after a result was made (``--compile``, ``--unfused`` of
``bench_training.py``) are left at their defaults, which is what those runs did. Most of
these results are the printed output of a run without an output option (the option came
later, or writes something else); a study's output option now writes them.

Not registered (their results stay as they are):

- ``results/step_breakdown_{2threads,1thread}.txt`` (``bench_step_breakdown.py --threads
  2 --batch-sizes 32,256``, ``docs/user_guide/speed.md``): printed by the script of
  commit 2872caf, which had no output option; today's script (commit c840a14) times
  other parts (GEMMs forward and backward apart) and its ``--out`` writes JSON.
- ``results/numeric_embedding_cost_1thread.txt`` (``bench_numeric_embedding.py``, argv
  in its ``# run:`` line): no page of the docs or the README cites it.
- ``results/gpu/test_cuda_h200.txt`` and ``results/gpu/environment_h200.txt``: output of
  pytest and of the machine, not of a benchmarks script.
- ``benchmarks/device_depth.py`` (``docs/user_guide/reproducing.md``): it only started
  the five ``oqmd_depth.py`` GPU runs, which are registered as ``oqmd_depth_gpu_*`` with
  their recorded argv (``_script_studies.py``); it wrote no result of its own that the
  docs cite.
"""

from __future__ import annotations

from _study import ScriptStudy

_SPEED = "docs/user_guide/speed.md"
_CONFIG = "argv: the config line the result begins with"


def _training(name: str, summary: str, argv: tuple[str, ...], budget: str,
              quick: tuple[str, ...], output: str | None = None) -> ScriptStudy:
    """A run of ``bench_training.py`` (samples/s of the estimator against a hand-written
    loop and the bare arithmetic); quick: the same options on 256 rows, one epoch, one
    round."""
    return ScriptStudy(f"speed_{name}", f"training samples/s, {summary}", "bench_training",
                       argv, output or f"{name}.txt", budget,
                       quick_argv=(*quick, "--rows", "256", "--epochs", "1", "--rounds", "1"))


def _training_studies() -> list[ScriptStudy]:
    small = ("--threads", "1", "--architectures", "256BARx4-1")
    irnet48 = ("--threads", "1", "--architectures", "irnet48", "--batch-sizes", "32")
    gpu = ("--device", "cuda", "--threads", "4", "--skip-skorch-default")
    return [
        _training("training_cpu", f"IRNet-17 and IRNet-48 on 1 thread with bf16 autocast; "
                  f"{_SPEED}; argv: the command the guide quotes (and the result's config)",
                  ("--threads", "1", "--rows", "2048", "--epochs", "2", "--rounds", "3",
                   "--autocast"), "about 15 min on 1 core, quiet machine",
                  ("--threads", "1", "--autocast")),
        _training("training_cpu_compile", f"IRNet-17 with the loop over torch.compile; "
                  f"{_SPEED}; {_CONFIG}",
                  ("--threads", "1", "--architectures", "irnet17", "--rows", "2048",
                   "--epochs", "2", "--rounds", "2", "--skip-skorch-default", "--compile"),
                  "about 5 min on 1 core, quiet machine",
                  ("--threads", "1", "--architectures", "irnet17", "--skip-skorch-default",
                   "--compile")),
        _training("training_cpu_fused_2threads", f"IRNet-17 on 2 threads, fused AdamW "
                  f"against the default Adam step, share of the matmul rate; {_SPEED}; argv: "
                  "the command the guide quotes (and the result's config)",
                  ("--threads", "2", "--architectures", "irnet17", "--batch-sizes", "32,256",
                   "--rows", "4096", "--epochs", "2", "--rounds", "3", "--unfused",
                   "--skip-skorch-default"), "about 10 min on 2 cores, quiet machine",
                  ("--threads", "2", "--architectures", "irnet17", "--unfused",
                   "--skip-skorch-default")),
        _training("training_cpu_irnet48_bs32_long", f"IRNet-48 at batch 32 alone, 7 rounds; "
                  f"{_SPEED}; {_CONFIG} (the guide quotes it less --threads 1 "
                  "--skip-skorch-default)",
                  (*irnet48, "--rows", "1024", "--epochs", "3", "--rounds", "7",
                   "--skip-skorch-default"), "about 10 min on 1 core, quiet machine",
                  (*irnet48, "--skip-skorch-default")),
        _training("training_cpu_irnet48_bs32_rerun", f"IRNet-48 at batch 32 alone, 5 rounds; "
                  f"{_SPEED}; {_CONFIG}",
                  (*irnet48, "--rows", "1024", "--epochs", "2", "--rounds", "5",
                   "--skip-skorch-default"), "about 5 min on 1 core, quiet machine",
                  (*irnet48, "--skip-skorch-default")),
        _training("training_cpu_small_net", f"a 4-layer 256-wide network, quiet machine; "
                  f"{_SPEED}; {_CONFIG} (the guide quotes it less --threads 1)",
                  (*small, "--rows", "8192", "--epochs", "3", "--rounds", "5"),
                  "about 5 min on 1 core, quiet machine", small),
        _training("training_cpu_small_net_loaded", f"the 4-layer 256-wide network on a "
                  f"loaded machine; {_SPEED}; {_CONFIG}",
                  (*small, "--rows", "8192", "--epochs", "2", "--rounds", "3"),
                  "about 3 min on 1 core", small),
        _training("training_h200", f"IRNet-17 and IRNet-48 on one H200; {_SPEED}; "
                  f"{_CONFIG} (the guide quotes it less --skip-skorch-default)",
                  (*gpu, "--rows", "4096", "--epochs", "2", "--rounds", "2"),
                  "GPU: about 2 min of an H200", gpu, output="gpu/training_h200.txt"),
        _training("training_h200_before_set_training_fix", "IRNet-17 and IRNet-48 on one "
                  f"H200 with bf16 autocast, made before the per-batch module.train() walk "
                  f"was removed (a run measures today's estimator); {_SPEED}; {_CONFIG}",
                  (*gpu, "--rows", "8192", "--epochs", "2", "--rounds", "2", "--autocast"),
                  "GPU: about 3 min of an H200", (*gpu, "--autocast"),
                  output="gpu/training_h200_before_set_training_fix.txt"),
    ]


def _roofline(threads: int) -> ScriptStudy:
    """One run of ``bench_step_breakdown.py`` against the roofline; ``--out`` writes the
    JSON (the ``.txt`` beside it is what the run printed)."""
    name = f"step_roofline_{threads}thread{'s' if threads > 1 else ''}"
    return ScriptStudy(
        f"speed_{name}", f"IRNet-17 training step split into parts against this machine's "
        f"roofline, {threads} thread(s); {_SPEED}; argv: the command the guide quotes "
        f"(with --threads {threads}) and the config line of {name}.txt, the printed output "
        "of the same run", "bench_step_breakdown",
        ("--threads", str(threads), "--batch-sizes", "32,128,256", "--repeats", "20",
         "--rounds", "3"), f"{name}.json", f"about {6 // threads} min, quiet machine",
        quick_argv=("--threads", str(threads), "--batch-sizes", "32", "--repeats", "2",
                    "--rounds", "1"))


def _other_studies() -> list[ScriptStudy]:
    return [
        ScriptStudy("speed_scaling", f"seconds per epoch of IRNet-17 and random forest fit "
                    f"against OQMD training-set size, 2 threads; {_SPEED}; argv: the "
                    "command scaling.md records (the guide quotes it less --rf-jobs 2, the "
                    "default)", "bench_scaling", ("--threads", "2", "--rf-jobs", "2"),
                    "scaling.md", "about 30 min on 2 cores",
                    quick_argv=("--threads", "2", "--sizes", "2000", "--skip-rf")),
        *(_roofline(threads) for threads in (2, 1)),
        ScriptStudy("speed_batchnorm_folding_1thread", f"prediction rows/s with BatchNorm "
                    f"folded into the linear layers, 1 thread; {_SPEED}; argv: the command "
                    "the result's first line records (and the guide quotes)",
                    "bench_batchnorm_folding", ("--threads", "1"),
                    "batchnorm_folding_1thread.txt", "about 2 min on 1 core, quiet machine",
                    quick_argv=("--threads", "1", "--rows", "512", "--repeats", "1")),
        ScriptStudy("speed_featurize", "MagpieFeaturizer against matminer's four "
                    "featurizers on 2,000 OQMD formulas, and the whole file; "
                    "docs/user_guide/featurizing.md; argv: the command the guide quotes (and "
                    "the configuration featurize.txt begins with); the committed featurize.txt"
                    " is what that run printed, the script's output option --json writes "
                    "the same results as JSON", "bench_featurize", ("--n", "2000", "--full"),
                    "featurize.json", "about 1 min on 1 core", out_option="--json",
                    quick_argv=("--n", "200")),
        ScriptStudy("speed_batch_ensemble_cost", "fit time and peak memory of BatchEnsemble "
                    "(4 members) against one network and four, each fit in its own process; "
                    "docs/user_guide/defaults.md; argv: the command the guide quotes (and "
                    "the result's config, whose --batch-size 128 is the default)",
                    "bench_batch_ensemble",
                    ("--members", "4", "--rows", "2048", "--epochs", "10", "--repeats", "2"),
                    "batch_ensemble_cost.txt", "about 5 min on 1 core, quiet machine",
                    quick_argv=("--members", "2", "--rows", "256", "--epochs", "1",
                                "--repeats", "1")),
        ScriptStudy("speed_scaleout", "a fixed grid search serially, on local Dask "
                    "clusters and with joblib; docs/user_guide/distributed.md; argv: the "
                    "command the guide quotes (the result's header: 2,000 rows, 3 rounds, "
                    "the defaults)", "bench_scaleout", ("--rounds", "3"), "scaleout.txt",
                    "about 10 min on 2 cores, quiet machine",
                    quick_argv=("--rows", "200", "--rounds", "1")),
        ScriptStudy("speed_worker_allocator", "IRNet-17 epochs with glibc's allocator "
                    "defaults against MALLOC_TRIM_THRESHOLD_=65536, fresh processes; "
                    "docs/user_guide/distributed.md; argv: the command the guide quotes "
                    "(the result's header: 4,096 rows, 2 epochs, the defaults)",
                    "bench_worker_allocator", ("--rounds", "3"), "worker_allocator.txt",
                    "about 5 min on 1 core, quiet machine",
                    quick_argv=("--rows", "256", "--epochs", "1", "--rounds", "1")),
        ScriptStudy("speed_default_fit_main_job_2threads", "the main job's whole default "
                    "fit with and without the periodic numeric embedding, 2 threads; "
                    "docs/user_guide/defaults.md; argv: the result's # run: line (and the "
                    "guide)", "bench_default_fit", ("--threads", "2", "--rounds", "3"),
                    "default_fit_main_job_2threads.txt", "about 6 min on 2 cores"),
    ]


SPEED_STUDIES: list[ScriptStudy] = [*_training_studies(), *_other_studies()]
"""Every speed study, in the order ``list`` shows them."""

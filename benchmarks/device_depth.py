"""The depth runs of ``oqmd_depth.py`` on a borrowed GPU machine, inside one short lease.

A GPU machine is lent for minutes, with no access to the data folder
(``_settings.shared_data()``) and a 64 MiB limit on what travels with the working tree.
This driver has two halves:

``pack`` (here, where the feature cache exists) writes the 341,614 x 145 Magpie matrix of the
OQMD runs, the targets and the file's split labels into one compact file (about 35 MB): each
float32 column with fewer than 65,536 distinct values is stored as its distinct values plus
uint16 codes, the others as raw float32, and the whole is xz-compressed. Decoding is exact
for float32 (the networks train in float32; the CPU runs standardize the float64 cache, so
inputs can differ in the 7th significant digit).

``run`` (there) decodes the file into the cache ``oqmd_depth.py`` reads, runs the CUDA tests
first (one of them fills the GPU's memory on purpose, so nothing else may run beside it),
then starts one ``oqmd_depth.py --device cuda`` process per (model, seed) at once, all with
the same epoch budget. Once every run has logged two epochs past its first (which may
include compiling), the driver projects the finish time from their wall seconds per epoch;
if ``--epochs`` does not fit before ``--deadline`` seconds, it stops them all and starts
again with the largest budget projected to fit, but never fewer than ``--min-epochs`` (the
projection errs on the slow side), so the runs keep equal budgets and a complete cosine
schedule; runs that have exited are left out of the projection. If a run fails under
``--compile`` before that, all restart without it. At the deadline it stops what is left
and packs the JSON results into ``<out>/results.tar.gz``; the per-run logs (test MAE every
epoch) are written to ``<out>`` as the runs go. Example::

    python benchmarks/device_depth.py pack --to .devdata/oqmd_features.npz.xz
    # on the GPU machine (the device tool's command line):
    python3 benchmarks/device_depth.py run --packed .devdata/oqmd_features.npz.xz \\
        --out "$OUT" --deadline 500
"""

from __future__ import annotations

import argparse
import io
import lzma
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _settings import add_options  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RUNS = ("irnet48:0", "irnet17:0", "plain48:0", "plain17:0", "irnet48:1", "irnet17:1")
_EPOCH_LINE = re.compile(r"epoch (\d+): .*\(([\d.]+) s\)")
_SPLITS = ("train", "val", "test")


def pack(cache: Path, target: Path) -> None:
    """Write the feature cache ``cache`` as the compact file ``target``."""
    with np.load(cache, allow_pickle=False) as data:
        X, y, labels = data["X"].astype(np.float32), data["y"], data["split"]
        if not np.isin(labels, _SPLITS).all():
            raise ValueError(f"split labels other than {_SPLITS} in {cache}")
        codes = np.zeros(len(labels), dtype=np.uint8)
        for code, name in enumerate(_SPLITS):
            codes[labels == name] = code
        parts = {"y": y, "split": codes}
    for j in range(X.shape[1]):
        values, codes = np.unique(X[:, j], return_inverse=True)
        if len(values) < 2**16:
            parts[f"values_{j}"], parts[f"codes_{j}"] = values, codes.astype(np.uint16)
        else:
            parts[f"raw_{j}"] = X[:, j]
    buffer = io.BytesIO()
    np.savez(buffer, n_columns=np.array(X.shape[1]), **parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(lzma.compress(buffer.getvalue(), preset=6))
    decoded = unpack(target)
    if not (np.array_equal(decoded["X"], X) and np.array_equal(decoded["y"], y)
            and np.array_equal(decoded["split"], labels)):
        raise AssertionError("the packed file does not decode to the cache")
    print(f"{target}: {target.stat().st_size / 1e6:.1f} MB for X {X.shape}")


def unpack(packed: Path) -> dict[str, np.ndarray]:
    """The arrays of ``load_features`` (X as float32) from a file written by ``pack``."""
    with np.load(io.BytesIO(lzma.decompress(packed.read_bytes())),
                 allow_pickle=False) as parts:
        columns = []
        for j in range(int(parts["n_columns"])):
            if f"raw_{j}" in parts.files:
                columns.append(parts[f"raw_{j}"])
            else:
                columns.append(parts[f"values_{j}"][parts[f"codes_{j}"]])
        return {"X": np.stack(columns, axis=1), "y": parts["y"],
                "split": np.asarray(_SPLITS)[parts["split"]]}


def _say(log, message: str) -> None:
    line = f"[{time.strftime('%H:%M:%S')}] {message}"
    print(line, flush=True)
    log.write(line + "\n")
    log.flush()


def _launch(runs: list[tuple[str, int]], epochs: int, cache: Path, work: Path, out: Path,
            device: str, extra: list[str]
            ) -> dict[tuple[str, int], tuple[subprocess.Popen, Path, float]]:
    started = {}
    for model, seed in runs:
        log_path = out / f"{model}_s{seed}.log"
        command = [sys.executable, str(ROOT / "benchmarks" / "oqmd_depth.py"),
                   "--models", model, "--seed", str(seed), "--epochs", str(epochs),
                   "--device", device, "--threads", "1", "--cache", str(cache),
                   "--out", str(work / f"seed{seed}"), *extra]
        with open(log_path, "w") as handle:
            process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT,
                                       start_new_session=True,
                                       env={**os.environ, "PYTHONUNBUFFERED": "1",
                                            "OMP_NUM_THREADS": "1"})
        started[(model, seed)] = (process, log_path, time.monotonic())
    return started


def _epoch_seconds(log_path: Path) -> list[float]:
    return [float(m.group(2)) for m in _EPOCH_LINE.finditer(log_path.read_text())]


def _compiles(extra: list[str]) -> bool:
    return any(arg == "--compile" or arg.startswith("--compile=") for arg in extra)


def _without_compile(extra: list[str]) -> list[str]:
    kept, skip = [], False
    for arg in extra:
        if skip:
            skip = False
        elif arg == "--compile":
            skip = True
        elif not arg.startswith("--compile="):
            kept.append(arg)
    return kept


def _stop(started) -> None:
    for process, _, _ in started.values():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process, _, _ in started.values():
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _wipe(work: Path, runs: list[tuple[str, int]]) -> None:
    """Remove the runs' outputs and checkpoints, so that a restart does not resume."""
    for seed in {seed for _, seed in runs}:
        shutil.rmtree(work / f"seed{seed}", ignore_errors=True)


def run(args: argparse.Namespace) -> int:
    began = time.monotonic()
    args.out.mkdir(parents=True, exist_ok=True)
    log = open(args.out / "run.log", "w")  # noqa: SIM115 - open for the whole run
    cache = args.work / "oqmd_magpie_split.npz"
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, **unpack(args.packed))
    _say(log, f"decoded {args.packed} into {cache} in {time.monotonic() - began:.0f} s")
    try:
        smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total",
                              "--format=csv,noheader"], capture_output=True, text=True)
        _say(log, f"GPU: {smi.stdout.strip() or smi.stderr.strip()}")
    except FileNotFoundError:
        _say(log, "GPU: none (no nvidia-smi)")
    if args.tests:
        try:
            tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p",
                                    "no:cacheprovider", *args.tests.split(",")],
                                   capture_output=True, text=True, cwd=ROOT, timeout=120)
            _say(log, f"CUDA tests (rc {tests.returncode}):\n{tests.stdout[-4000:]}"
                      f"{tests.stderr[-2000:]}")
        except subprocess.TimeoutExpired as stopped:
            _say(log, f"CUDA tests stopped after 120 s:\n{str(stopped.stdout)[-4000:]}")
    extra = args.extra.split()
    runs = [(spec.split(":")[0], int(spec.split(":")[1])) for spec in args.runs.split(",")]
    epochs = args.epochs
    started = _launch(runs, epochs, cache, args.work, args.out, args.device, extra)
    _say(log, f"started {len(runs)} runs with {epochs} epochs each")
    checked, first_seen = False, {}
    while any(p.poll() is None for p, _, _ in started.values()):
        time.sleep(2)
        now = time.monotonic()
        if now - began > args.deadline:
            _say(log, "deadline reached: stopping the runs still going")
            _stop(started)
            break
        if checked:
            continue
        progress = {key: _epoch_seconds(path) for key, (_, path, _) in started.items()}
        failed = [key for key, (p, _, _) in started.items()
                  if p.poll() not in (None, 0) and len(progress[key]) < 2]
        if failed and _compiles(extra):
            _stop(started)
            extra = _without_compile(extra)
            _wipe(args.work, runs)
            started = _launch(runs, epochs, cache, args.work, args.out, args.device, extra)
            first_seen = {}
            _say(log, f"{failed} failed with torch.compile: restarted all {len(runs)} runs "
                      f"without it, {epochs} epochs each")
            continue
        for key, seconds in progress.items():
            if seconds and key not in first_seen:
                first_seen[key] = (now, len(seconds))
        # runs that exited (failed, or done already) say nothing about the others' pace
        going = [key for key, (p, _, _) in started.items() if p.poll() is None]
        if not going or any(key not in first_seen for key in going) \
                or now - max(first_seen[key][0] for key in going) < 20 \
                or any(len(progress[key]) - first_seen[key][1] < 2 for key in going):
            continue
        checked = True
        # wall seconds per epoch (checkpoints and test evaluation included) since each run's
        # first epoch was seen, so that compiling in epoch 1 does not count
        rates = {key: (now - first_seen[key][0]) / (len(progress[key]) - first_seen[key][1])
                 for key in going}
        slowest = max(rates.values())
        behind = min(len(progress[key]) for key in going)
        projected = now - began + (epochs - behind) * slowest * 1.1 + 30
        _say(log, f"seconds per epoch: {rates}; projected finish {projected:.0f} s of "
                  f"{args.deadline:.0f} s")
        if projected <= args.deadline:
            continue
        # what a restart costs before its epochs run: start-up (and compiling) of the runs
        overhead = max(first_seen[key][0] - started[key][2] - rates[key] for key in going)
        remaining = args.deadline - (now - began) - overhead - 30
        fitting = max(args.min_epochs, int(remaining / (slowest * 1.1)))
        if fitting >= epochs:  # a restart would not finish sooner: let them run
            _say(log, f"{epochs} epochs will not fit; the runs go on until the deadline")
            continue
        _stop(started)
        epochs = fitting
        _wipe(args.work, runs)
        started = _launch(runs, epochs, cache, args.work, args.out, args.device, extra)
        _say(log, f"restarted {len(runs)} runs with {epochs} epochs each")
    for (model, seed), (process, _, _) in started.items():
        _say(log, f"{model} seed {seed}: exit code {process.poll()}")
    with tarfile.open(args.out / "results.tar.gz", "w:gz") as archive:
        for path in sorted(args.work.glob("seed*/*/*.json")):
            archive.add(path, arcname=str(path.relative_to(args.work)))
    _say(log, f"done in {time.monotonic() - began:.0f} s; epochs per run: {epochs}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    packing = verbs.add_parser("pack", help="write the compact feature file (here)")
    packing.add_argument("--cache", type=Path, default=ROOT / "runs" / "oqmd_magpie_split.npz")
    packing.add_argument("--to", type=Path, default=ROOT / ".devdata" / "oqmd_features.npz.xz")
    running = verbs.add_parser("run", help="run the depth networks on the GPU (there)")
    running.add_argument("--packed", type=Path,
                         default=ROOT / ".devdata" / "oqmd_features.npz.xz")
    add_options(running, "out", out_required=True)
    running.add_argument("--work", type=Path, default=Path("/tmp/device_depth"))
    running.add_argument("--runs", default=",".join(RUNS), help="model:seed, comma-separated")
    running.add_argument("--epochs", type=int, default=60)
    running.add_argument("--min-epochs", type=int, default=20)
    running.add_argument("--deadline", type=float, default=500,
                         help="seconds after the start by which every run must be done")
    running.add_argument("--device", default="cuda")
    running.add_argument("--extra", default="",
                         help="more oqmd_depth.py options, e.g. '--max-train-rows 2000'")
    running.add_argument("--tests", default="tests/test_cuda.py",
                         help="test files to run first on the GPU ('' for none)")
    args = parser.parse_args(argv)
    if args.verb == "pack":
        pack(args.cache, args.to)
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())

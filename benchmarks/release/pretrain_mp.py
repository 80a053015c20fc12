"""Pre-train IRNet-17 on a Materials Project task of Matbench, as a transfer source.

The shipped ``oqmd-irnet17`` learned OQMD formation enthalpies. This script trains the
same network with the same recipe (batch 256, AdamW, cosine schedule from 1e-3, absolute
error) on one of the large Materials Project tasks in the Matbench folder of the benchmark
data (``--data-home``; by default ``matbench/`` in ``$SKLEARN_IRNET_BENCHMARK_DATA``, else in
``../shared/data``):

- ``matbench_mp_gap``: 106,113 PBE band gaps (eV), a source for metal/gap tasks;
- ``matbench_mp_e_form``: 132,752 formation energies (eV/atom), a second DFT database
  for formation enthalpies.

Composition is the only input, so polymorphs of one formula are merged first: one row per
reduced formula, with the lowest formation energy (the ground state) or the median of the
polymorphs' gaps. A fixed 10 % of the formulas (seed 0) are test rows that training never
sees; of the rest, 10 % are validation rows for the learning curve. Prints the
configuration, the curve and the test MAE, and writes the model file (``--save-model``)
and a JSON record beside the results.

Experimental datasets share many formulas with the Materials Project; their
*experimental* values are never used here, only the DFT ones.

Example::

    python benchmarks/release/pretrain_mp.py --task matbench_mp_gap --epochs 60 \\
        --threads 1 --save-model runs/mp_gap_irnet17.safetensors
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/
sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/release/
from _oqmd_common import ROOT, log, machine  # noqa: E402
from _settings import RESULTS, add_options, shared_data  # noqa: E402

# target column and how the polymorphs of one formula are merged
TASKS = {"matbench_mp_gap": ("gap pbe", "median"), "matbench_mp_e_form": ("e_form", "min")}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=sorted(TASKS), default="matbench_mp_gap")
    add_options(parser, "data_home")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    add_options(parser, "threads")
    parser.add_argument("--test-share", type=float, default=0.1)
    parser.add_argument("--validation-share", type=float, default=0.1)
    parser.add_argument("--save-model", type=Path, default=None)
    add_options(parser, "out")  # default: benchmarks/results/<task>_pretrain
    args = parser.parse_args(argv)
    short = args.task.removeprefix("matbench_")
    args.data = args.data_home / f"{args.task}.csv.gz"
    args.cache = ROOT / "runs" / f"{short}_magpie.npz"
    args.checkpoint_dir = ROOT / "runs" / f"{short}_ckpt"
    if args.out is None:
        args.out = RESULTS / f"{short}_pretrain"
    return args


def merged_formulas(path: Path, target: str, how: str) -> pd.DataFrame:
    """One row per reduced formula, its polymorphs' targets merged by ``how``."""
    from pymatgen.core import Composition

    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    frame["formula"] = [Composition(c).reduced_formula for c in frame["composition"]]
    merged = frame.groupby("formula", sort=True)[target].agg(how).reset_index()
    log(f"{len(frame)} rows, {len(merged)} reduced formulas after merging polymorphs")
    return merged


def load_features(args: argparse.Namespace) -> dict[str, np.ndarray]:
    """Magpie attributes, gaps and formulas, cached in ``args.cache``."""
    if args.cache.is_file():
        cached = np.load(args.cache, allow_pickle=False)
        return {key: cached[key] for key in cached.files}
    from sklearn_irnet.featurize import MagpieFeaturizer

    target, how = TASKS[args.task]
    merged = merged_formulas(args.data, target, how)
    started = time.perf_counter()
    X = MagpieFeaturizer(column=None).fit_transform(merged["formula"].tolist())
    log(f"featurized {len(merged)} formulas in {time.perf_counter() - started:.0f} s")
    data = {"X": np.asarray(X, dtype=np.float32),
            "y": merged[target].to_numpy(np.float32),
            "formula": merged["formula"].to_numpy(str)}
    args.cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.cache, **data)
    return data


def test_rows(n_rows: int, share: float) -> np.ndarray:
    """A fixed random ``share`` of the rows (seed 0), as a boolean mask."""
    mask = np.zeros(n_rows, dtype=bool)
    mask[np.random.default_rng(0).permutation(n_rows)[: round(share * n_rows)]] = True
    return mask


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.data.is_file() and not args.cache.is_file():
        print(f"{args.data} not found (see {shared_data() / 'README.md'})", file=sys.stderr)
        return 1
    import torch

    from sklearn_irnet import IRNetRegressor

    torch.set_num_threads(args.threads)
    at_start = machine(args.threads)  # the load before training, as the record says
    log(f"configuration: {vars(args)}")
    log(f"machine: {at_start}")
    data = load_features(args)
    test = test_rows(len(data["y"]), args.test_share)
    X_train, y_train = data["X"][~test], data["y"][~test]
    X_test, y_test = data["X"][test], data["y"][test]
    log(f"train+validation {len(y_train)} formulas, test {len(y_test)}; "
        f"share of zero targets {np.mean(data['y'] == 0):.3f}")
    model = IRNetRegressor(
        architecture="irnet17", batch_size=args.batch_size,
        learning_rate_init=args.learning_rate, learning_rate="cosine", solver="adamw",
        max_iter=args.epochs, early_stopping=True, validation_fraction=args.validation_share,
        n_iter_no_change=args.epochs, tol=0.0, random_state=0, n_threads=args.threads,
        checkpoint_dir=args.checkpoint_dir, verbose=1,
    )
    started = time.perf_counter()
    model.fit(X_train, y_train)
    minutes = (time.perf_counter() - started) / 60
    errors = np.abs(model.predict(X_test) - y_test)
    mae = float(errors.mean())
    metal = y_test == 0
    log(f"test MAE {mae:.4f} ({len(y_test)} formulas; zero targets "
        f"{errors[metal].mean() if metal.any() else float('nan'):.4f}, others "
        f"{errors[~metal].mean():.4f}); train {minutes:.1f} min")
    record = {
        "command": "python benchmarks/release/pretrain_mp.py " + " ".join(sys.argv[1:]),
        "data": str(args.data.name), "merge_polymorphs": TASKS[args.task][1],
        "n_train": int(len(y_train)), "n_test": int(len(y_test)),
        "epochs": args.epochs, "test_mae": mae, "train_minutes": round(minutes, 2),
        "best_validation_r2": model.best_validation_score_,
        "machine": at_start,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "irnet17.json").write_text(json.dumps(record, indent=1) + "\n")
    if args.save_model is not None:
        model.save(args.save_model)
        log(f"model written to {args.save_model}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

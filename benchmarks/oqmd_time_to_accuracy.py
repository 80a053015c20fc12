"""Test MAE against wall time on the OQMD formation enthalpies: networks and tree models.

Data: ``oqmd/oqmd_formation_enthalpy.csv.gz`` in the benchmark data folder
(``$SKLEARN_IRNET_BENCHMARK_DATA``, else ``../shared/data``; 341,700 formulas; the 86
unphysical rows with |dH| > 5 eV/atom are dropped), the 145 Magpie attributes.

Splits (``--split``):

* ``file`` (default): the data file's own ``split`` column, whose 51,255 test rows are
  the ones on which CrabNet (0.0311), Roost (0.0315), ElemNet (0.0489) and a Magpie random
  forest (0.0834 eV/atom) were reported. Models train on the ``train`` and ``val`` rows;
  networks hold out a random share of those rows of the size of ``val`` to pick the best
  epoch, tree models use all of them (LightGBM stops early on the ``val`` rows).
* ``paper``: a 90/10 train/test split with ``random_state=1234567`` as in the IRNet
  authors' preprocessing (the split of ``reproduce_oqmd.py``).

For every model the script records test MAE against training wall time: networks after
every epoch (the time is the sum of the epoch times; evaluating the test rows is not
counted; the process's CPU seconds per epoch are recorded too, a time axis that other work
on the machine does not inflate), random forest and extra trees after 10, 25, 50, 100 and
200 trees (grown with ``warm_start``; ``--max-trees`` stops the curve earlier),
LightGBM every 50 boosting rounds. Each model writes ``<out>/<split>/<model>.json``
with its curve, the full estimator parameters, the command and the machine; ``--report``
prints the table and draws ``mae_vs_time.png``.

Networks train with a checkpoint in ``<out>/<split>/checkpoints/<model>/`` after every
epoch, so a run stopped by the end of a session resumes where it stopped when the same
command is run again (the result is identical to an uninterrupted run on a CPU).

Examples::

    python benchmarks/oqmd_time_to_accuracy.py --models irnet17 --epochs 60 --threads 1
    python benchmarks/oqmd_time_to_accuracy.py --models random_forest,extra_trees,lightgbm
    python benchmarks/oqmd_time_to_accuracy.py --report
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _oqmd_common import DEFAULT_DATA, ROOT, log, machine, start_run  # noqa: E402
from _settings import RESULTS, add_options  # noqa: E402

TREE_MODELS = ("random_forest", "extra_trees", "lightgbm")
REFERENCE_MAE = {  # on the data file's 51,255 test rows (see ../shared/IRNET.md)
    "CrabNet": 0.0311, "Roost": 0.0315, "ElemNet": 0.0489, "RF (Magpie)": 0.0834,
}
PAPER_MAE = {"irnet17": 0.054, "irnet48": 0.048, "plain17": 0.072}
PAPER_MAE_TARGET = PAPER_MAE["irnet17"]


def build_parser(description: str = __doc__.splitlines()[0]) -> argparse.ArgumentParser:
    """The command line of the OQMD network and tree runs (other scripts add to it)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", choices=("file", "paper"), default="file")
    parser.add_argument("--models", default="irnet17")
    parser.add_argument("--epochs", type=int, default=60, help="max_iter of the networks")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--schedule", default="cosine", help="IRNetRegressor learning_rate")
    parser.add_argument("--solver", default="adamw")
    parser.add_argument("--alpha", type=float, default=0.0)
    parser.add_argument("--warmup", type=float, default=None)
    parser.add_argument("--output-init", default="auto")
    parser.add_argument("--threads", type=int, default=1, help="torch threads / tree jobs")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    add_options(parser, "out")
    parser.set_defaults(out=RESULTS / "oqmd_time_to_accuracy")
    parser.add_argument("--cache", type=Path, default=ROOT / "runs" / "oqmd_magpie_split.npz")
    parser.add_argument("--save-model", type=Path, default=None,
                        help="write the fitted network to this safetensors file")
    parser.add_argument("--max-train-rows", type=int, default=None,
                        help="train on a random subset of this size (for smoke tests)")
    parser.add_argument("--max-trees", type=int, default=200,
                        help="grow the forests' curves up to this many trees (10, 25, 50, "
                             "100, 200: the steps up to it)")
    parser.add_argument("--report", action="store_true")
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def load_features(args: argparse.Namespace) -> dict[str, np.ndarray]:
    """Magpie features, targets and the file's split labels (cached in ``--cache``)."""
    if args.cache.is_file():
        with np.load(args.cache, allow_pickle=False) as cached:
            return {key: cached[key] for key in cached.files}
    from sklearn_irnet.datasets import load_oqmd_formation_enthalpy
    from sklearn_irnet.featurize import MagpieFeaturizer

    bunch = load_oqmd_formation_enthalpy(args.data)
    X = MagpieFeaturizer(column=None).fit_transform(bunch.data)
    data = {"X": np.asarray(X, dtype=np.float64), "y": np.asarray(bunch.target, float),
            "split": np.asarray(bunch.split, dtype=str)}
    args.cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.cache, **data)
    return data


def split_rows(data: dict[str, np.ndarray], kind: str) -> dict[str, np.ndarray]:
    """Row indices of ``train`` (incl. validation rows), ``val`` and ``test``."""
    if kind == "file":
        labels = data["split"]
        return {"train": np.flatnonzero(labels != "test"),
                "val": np.flatnonzero(labels == "val"),
                "test": np.flatnonzero(labels == "test")}
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(np.arange(len(data["y"])), test_size=0.1,
                                   random_state=1234567)
    return {"train": np.sort(train), "val": np.array([], int), "test": np.sort(test)}


def run_rows(data: dict[str, np.ndarray], args: argparse.Namespace) -> dict[str, np.ndarray]:
    """The rows of ``args.split``, the training rows cut to ``args.max_train_rows``."""
    rows = split_rows(data, args.split)
    if args.max_train_rows is not None:
        rng = np.random.RandomState(args.seed)
        for part in ("train", "val"):
            size = min(len(rows[part]), args.max_train_rows)
            rows[part] = np.sort(rng.choice(rows[part], size, replace=False))
        rows["val"] = np.intersect1d(rows["val"], rows["train"])
    return rows


def network(name: str, args: argparse.Namespace, validation_fraction: float):
    from sklearn_irnet import IRNetRegressor

    return IRNetRegressor(
        architecture=name, batch_size=args.batch_size, learning_rate_init=args.learning_rate,
        learning_rate=args.schedule, solver=args.solver, alpha=args.alpha,
        warmup_fraction=args.warmup, output_init=args.output_init, max_iter=args.epochs,
        early_stopping=True, validation_fraction=validation_fraction,
        n_iter_no_change=args.epochs, tol=0.0, random_state=args.seed, n_threads=args.threads,
        device=args.device,
    )


def test_curve_callback(X_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray):
    """A skorch callback that records the test MAE (eV/atom) after every epoch."""
    import torch
    from skorch.callbacks import Callback

    from sklearn_irnet._data_checks import standardization

    mean, scale = standardization(X_train, True)
    clipped = np.clip(X_test, X_train.min(axis=0), X_train.max(axis=0))
    X_scaled = torch.from_numpy(((clipped - mean) / scale).astype(np.float32))

    class TestCurve(Callback):
        def __init__(self, y_mean: float, y_scale: float) -> None:
            self.y_mean, self.y_scale = y_mean, y_scale

        def on_epoch_begin(self, net, **kwargs):
            self.cpu_started_ = time.process_time()

        def on_epoch_end(self, net, **kwargs):
            # CPU seconds of this process for the epoch (training and validation, not this
            # evaluation): unlike wall time, not inflated when other work shares the cores
            net.history.record("cpu_s", time.process_time() - self.cpu_started_)
            module = net.module_
            module.eval()
            with torch.inference_mode():
                out = torch.cat([module(X_scaled[i:i + 8192].to(net.device)).float().cpu()
                                 for i in range(0, len(X_scaled), 8192)])
            pred = out.numpy()[:, 0] * self.y_scale + self.y_mean
            mae = float(np.mean(np.abs(pred - y_test)))
            net.history.record("test_mae", mae)
            row = net.history[-1]
            log(f"  epoch {row['epoch']}: train {row['train_loss']:.4f} valid "
                f"{row.get('valid_loss', float('nan')):.4f} test MAE {mae:.4f} lr "
                f"{row.get('lr', float('nan')):.2e} ({row['dur']:.1f} s)")

    return TestCurve


def run_network(name: str, data, rows, args, extra_callbacks=(),
                extra_history=()) -> dict[str, Any]:
    """Fit network ``name`` with the test-curve callback (and ``extra_callbacks``); the
    result's curve holds, per epoch, the history keys of ``extra_history`` too."""
    from sklearn_irnet._data_checks import standardization

    X, y = data["X"], data["y"]
    train, test = rows["train"], rows["test"]
    n_val = len(rows["val"]) or int(round(0.1 * len(train)))
    model = network(name, args, validation_fraction=n_val / len(train))
    target_mean, target_scale = standardization(y[train, None], True)
    TestCurve = test_curve_callback(X[train], X[test], y[test])
    model.set_params(
        callbacks=[TestCurve(float(target_mean[0]), float(target_scale[0])),
                   *extra_callbacks],
        checkpoint_dir=str(args.out / args.split / "checkpoints" / name),
    )
    started = time.perf_counter()
    model.fit(X[train], y[train])
    elapsed = time.perf_counter() - started
    pred = model.predict(X[test])
    history = model.net_.history
    seconds = np.cumsum([row["dur"] for row in history])
    # an epoch whose CPU seconds were lost (a run killed before its next checkpoint) counts
    # its wall time instead
    cpu_seconds = np.cumsum([row.get("cpu_s") or row["dur"] for row in history])
    curve = [{"epoch": row["epoch"], "minutes": round(float(s) / 60, 3),
              "cpu_minutes": round(float(c) / 60, 3),
              "test_mae": row.get("test_mae"), "train_loss": row["train_loss"],
              "valid_loss": row.get("valid_loss"), "lr": row.get("lr"),
              **{key: row.get(key) for key in extra_history}}
             for row, s, c in zip(history, seconds, cpu_seconds, strict=True)]
    if args.save_model is not None:
        model.save(args.save_model)
    params = {k: (v if isinstance(v, int | float | str | bool | type(None)) else repr(v))
              for k, v in model.get_params().items()}
    return {"model": name, "kind": "network", "test_mae": float(np.mean(np.abs(pred - y[test]))),
            "train_minutes": round(float(seconds[-1]) / 60, 2),
            "this_process_minutes": round(elapsed / 60, 2), "epochs": model.n_iter_,
            "best_validation_r2": model.best_validation_score_, "curve": curve,
            "estimator_params": params, "n_parameters": model.n_parameters_}


def run_trees(name: str, data, rows, args) -> dict[str, Any]:
    X, y = data["X"], data["y"]
    train, test = rows["train"], rows["test"]
    curve = []
    if name == "lightgbm":
        import lightgbm

        fit_rows = np.setdiff1d(train, rows["val"]) if len(rows["val"]) else train
        stop_rows = rows["val"] if len(rows["val"]) else train[:0]
        model = lightgbm.LGBMRegressor(
            n_estimators=5000, learning_rate=0.05, num_leaves=255, min_child_samples=10,
            subsample=0.8, subsample_freq=1, colsample_bytree=0.5, objective="l1",
            n_jobs=args.threads, random_state=args.seed, verbose=-1,
        )
        started = time.perf_counter()
        timings: list[tuple[int, float]] = []

        def clock(env):
            if (env.iteration + 1) % 50 == 0:
                timings.append((env.iteration + 1, time.perf_counter() - started))

        callbacks = [clock]
        eval_set = None
        if len(stop_rows):
            callbacks.append(lightgbm.early_stopping(200, verbose=False))
            eval_set = [(X[stop_rows], y[stop_rows])]
        model.fit(X[fit_rows], y[fit_rows], eval_set=eval_set, callbacks=callbacks)
        # the curve's predictions add up the trees of each 50-round segment, so scoring
        # it costs one prediction with every tree, not one per point (which took an hour
        # at 5,000 rounds on 51k test rows)
        X_test, pred, done = X[test], np.zeros(len(test)), 0
        for n_rounds, seconds in timings:
            pred = pred + model.predict(X_test, start_iteration=done,
                                        num_iteration=n_rounds - done)
            done = n_rounds
            curve.append({"rounds": n_rounds, "minutes": round(seconds / 60, 3),
                          "test_mae": float(np.mean(np.abs(pred - y[test])))})
        best = model.best_iteration_ or model.n_estimators
        pred = model.predict(X_test, num_iteration=best)
        params = {**model.get_params(), "best_iteration": best}
    else:
        from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor

        cls = RandomForestRegressor if name == "random_forest" else ExtraTreesRegressor
        model = cls(n_estimators=10, max_features=1 / 3, n_jobs=args.threads,
                    random_state=args.seed, warm_start=True)
        seconds = 0.0
        for n_trees in [n for n in (10, 25, 50, 100, 200) if n <= args.max_trees]:
            model.set_params(n_estimators=n_trees)
            started = time.perf_counter()
            model.fit(X[train], y[train])
            seconds += time.perf_counter() - started
            pred = model.predict(X[test])
            curve.append({"trees": n_trees, "minutes": round(seconds / 60, 3),
                          "test_mae": float(np.mean(np.abs(pred - y[test])))})
            log(f"  {name} {n_trees} trees: test MAE {curve[-1]['test_mae']:.4f} "
                f"({seconds / 60:.1f} min)")
        params = model.get_params()
    return {"model": name, "kind": "trees", "test_mae": float(np.mean(np.abs(pred - y[test]))),
            "train_minutes": curve[-1]["minutes"] if curve else None, "curve": curve,
            "estimator_params": {k: repr(v) if not isinstance(v, int | float | str | bool
                                                           | type(None)) else v
                                 for k, v in params.items()}}


def report(out: Path, target: float = PAPER_MAE_TARGET) -> str:
    """Markdown table of every result in ``out`` (one per split), and the MAE-vs-time plot.

    For each model: the final test MAE, the training wall minutes (and, for networks, the
    CPU minutes of the training process, which other work on the machine does not
    inflate), and the first point of its curve at or below ``target``.
    """
    lines = []
    for split_dir in sorted(p for p in out.iterdir() if p.is_dir()):
        rows = [json.loads(p.read_text()) for p in sorted(split_dir.glob("*.json"))]
        if not rows:
            continue
        lines += [f"### split: {split_dir.name}", "",
                  "| model | test MAE (eV/atom) | training minutes (wall) | CPU minutes "
                  f"| epochs / trees / rounds | first at <= {target} | threads |",
                  "|---|---|---|---|---|---|---|"]
        for r in sorted(rows, key=lambda r: r["test_mae"]):
            size = r.get("epochs") or r["curve"][-1].get("trees") or r["estimator_params"].get(
                "best_iteration")
            cpu = r["curve"][-1].get("cpu_minutes", "") if r["kind"] == "network" else ""
            reached = next((p for p in r["curve"] if p.get("test_mae") is not None
                            and p["test_mae"] <= target), None)
            when = "not reached"
            if reached is not None:
                step = reached.get("epoch") or reached.get("trees") or reached.get("rounds")
                when = f"{reached['minutes']:.0f} min wall" + (
                    f", {reached['cpu_minutes']:.0f} CPU min" if "cpu_minutes" in reached
                    else "") + f" (step {step})"
            lines.append(f"| {r['model']} | {r['test_mae']:.4f} | {r['train_minutes']} | "
                         f"{cpu} | {size} | {when} | {r['machine']['threads']} |")
        lines.append("")
        _plot(rows, split_dir / "mae_vs_time.png", split_dir.name)
    return "\n".join(lines)


def _plot(rows: list[dict[str, Any]], path: Path, split: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for r in rows:
        points = [(p["minutes"], p["test_mae"]) for p in r["curve"]
                  if p.get("test_mae") is not None and p["minutes"] > 0]
        if points:
            minutes, mae = zip(*points, strict=True)
            ax.plot(minutes, mae, marker="o" if r["kind"] == "trees" else None, ms=3,
                    label=f"{r['model']} ({r['test_mae']:.4f})")
    ax.set_xscale("log")  # before the labels, which sit at the left edge of the axis
    if split == "file":
        for label, value in REFERENCE_MAE.items():
            ax.axhline(value, color="grey", lw=0.6, ls=":")
            ax.text(ax.get_xlim()[0], value, f" {label}", fontsize=7, va="bottom")
    ax.axhline(PAPER_MAE["irnet17"], color="C3", lw=0.8, ls="--")
    ax.text(ax.get_xlim()[0], PAPER_MAE["irnet17"], " paper IRNet-17", fontsize=7,
            va="bottom", color="C3")
    ax.set_ylim(0.025, 0.15)
    ax.set_xlabel("training wall time (minutes, log scale)")
    ax.set_ylabel("test MAE (eV/atom)")
    ax.set_title(f"OQMD formation enthalpy, 145 Magpie attributes ({split} split)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report:
        print(report(args.out))
        return 0
    if not start_run(args):
        return 2
    data = load_features(args)
    rows = run_rows(data, args)
    log(f"split {args.split}: {len(rows['train'])} training rows ({len(rows['val'])} of them "
        f"'val'), {len(rows['test'])} test rows")
    for name in args.models.split(","):
        runner = run_trees if name in TREE_MODELS else run_network
        run_and_record(name, lambda name=name, runner=runner: runner(name, data, rows, args),
                       rows, args)
    print(report(args.out))
    return 0


def run_and_record(name: str, fit, rows: dict[str, np.ndarray],
                   args: argparse.Namespace) -> None:
    """``fit()`` model ``name`` unless ``<out>/<split>/<name>.json`` exists, and write its
    result there with the split sizes, machine, configuration and command."""
    target = args.out / args.split / f"{name}.json"
    if target.is_file():
        log(f"{name}: already done ({target})")
        return
    log(f"fitting {name}")
    result = fit()
    result.update(split=args.split, n_train=int(len(rows["train"])),
                  n_test=int(len(rows["test"])), machine=machine(args.threads),
                  configuration={k: str(v) for k, v in vars(args).items()},
                  command=" ".join(sys.argv))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=1) + "\n")
    log(f"{name}: test MAE {result['test_mae']:.4f} eV/atom -> {target}")


if __name__ == "__main__":
    sys.exit(main())

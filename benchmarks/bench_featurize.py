"""Benchmark: matminer's Magpie featurizers vs the vectorized MagpieFeaturizer.

On the same N real formulas (sampled with a fixed seed from the OQMD file) this times

* matminer 0.10.1: ``Stoichiometry()``, ``ElementProperty.from_preset("magpie")``,
  ``ValenceOrbital(props=["avg"])``, ``IonProperty(fast=True)``, each with ``n_jobs=1``
  through ``featurize_many``; the formulas are converted to ``Composition`` objects OUTSIDE
  the timed region (their conversion time is printed separately);
* ``sklearn_irnet.featurize.MagpieFeaturizer`` from the formula strings (parsing included),
  with its element tables loaded beforehand and its per-formula parse cache cleared,

then prints both rates, their ratio and the largest difference per column. With ``--full``
it also featurizes the whole OQMD file (341,700 formulas) and prints the time.

Usage::

    python benchmarks/bench_featurize.py --n 2000 [--full] [--data PATH] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _settings import oqmd_file  # noqa: E402

DEFAULT_DATA = oqmd_file()


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ["numpy", "pandas", "scikit-learn", "joblib", "matminer", "pymatgen", "scipy"]:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def _threads() -> dict[str, object]:
    info: dict[str, object] = {
        name: os.environ.get(name, "unset")
        for name in ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"]
    }
    try:
        from threadpoolctl import threadpool_info

        info["threadpools"] = [f"{p['internal_api']}:{p['num_threads']}" for p in threadpool_info()]
    except ImportError:  # pragma: no cover
        info["threadpools"] = "threadpoolctl not installed"
    return info


def _read_formulas(path: Path) -> pd.Series:
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    column = "formula" if "formula" in frame.columns else "composition"
    return frame[column]


def _matminer_featurizers():
    from matminer.featurizers.composition import (
        ElementProperty,
        IonProperty,
        Stoichiometry,
        ValenceOrbital,
    )

    featurizers = [
        Stoichiometry(),
        ElementProperty.from_preset("magpie"),
        ValenceOrbital(props=["avg"]),
        IonProperty(fast=True),
    ]
    for featurizer in featurizers:
        featurizer.set_n_jobs(1)
    return featurizers


def _clear_memo_caches() -> None:
    from sklearn_irnet.featurize import _parse

    _parse.parse_formula.cache_clear()


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="formulas to compare (default 2000)")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="OQMD csv.gz path")
    parser.add_argument("--full", action="store_true", help="also featurize the whole file")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args(argv)

    if not args.data.is_file():
        sys.exit(f"data file {args.data} not found; pass --data")

    from pymatgen.core import Composition

    from sklearn_irnet.featurize import MagpieFeaturizer

    print("== configuration")
    config = {
        "n": args.n,
        "seed": args.seed,
        "data": str(args.data),
        "full": args.full,
        "sampling": f"pandas Series.sample(n={args.n}, random_state={args.seed})",
        "matminer": "Stoichiometry(), ElementProperty.from_preset('magpie'), "
        "ValenceOrbital(props=['avg']), IonProperty(fast=True); set_n_jobs(1); "
        "featurize_many(compositions, pbar=False); Composition objects built outside timing",
        "vectorized": "MagpieFeaturizer().fit_transform(formula strings); parsing included; "
        "element tables preloaded; per-formula parse cache cleared before timing",
        "cpu_count": os.cpu_count(),
        "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "threads": _threads(),
        "platform": platform.platform(),
        "versions": _versions(),
    }
    for key, value in config.items():
        print(f"{key}: {value}")

    formulas_all = _read_formulas(args.data)
    formulas = formulas_all.sample(n=args.n, random_state=args.seed).tolist()

    # --- matminer ------------------------------------------------------------------------
    featurizers = _matminer_featurizers()
    start = time.perf_counter()
    compositions = [Composition(f) for f in formulas]
    t_convert = time.perf_counter() - start
    blocks = []
    per_featurizer = {}
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for featurizer in featurizers:
            t0 = time.perf_counter()
            rows = featurizer.featurize_many(compositions, pbar=False)
            per_featurizer[type(featurizer).__name__] = time.perf_counter() - t0
            blocks.append(np.asarray(rows, dtype=np.float64))
    t_matminer = time.perf_counter() - start
    reference = np.hstack(blocks)
    labels = [label for f in featurizers for label in f.feature_labels()]

    # --- vectorized ----------------------------------------------------------------------
    warm = MagpieFeaturizer().fit_transform(["NaCl", "Fe2O3"])  # loads the element tables
    assert warm.shape == (2, 145)
    _clear_memo_caches()
    featurizer = MagpieFeaturizer()
    start = time.perf_counter()
    ours = featurizer.fit_transform(formulas)
    t_ours = time.perf_counter() - start
    assert featurizer.get_feature_names_out().tolist() == labels

    rate_matminer = args.n / t_matminer
    rate_ours = args.n / t_ours
    print("\n== throughput")
    print(f"Composition() conversion (not timed for matminer): {t_convert:.3f} s")
    for name, seconds in per_featurizer.items():
        print(f"  matminer {name:<16} {seconds:8.3f} s  {args.n / seconds:10.0f} formulas/s")
    print(f"matminer (4 featurizers, n_jobs=1): {t_matminer:8.3f} s  {rate_matminer:10.0f} /s")
    print(f"vectorized MagpieFeaturizer       : {t_ours:8.3f} s  {rate_ours:10.0f} /s")
    print(f"speed-up: {rate_ours / rate_matminer:.0f}x")

    # --- agreement -----------------------------------------------------------------------
    nan_mismatch = (np.isnan(ours) != np.isnan(reference)).sum(axis=0)
    both = ~np.isnan(ours) & ~np.isnan(reference)
    abs_diff = np.where(both, np.abs(ours - reference), 0.0)
    big = both & (np.abs(reference) > 1e-9)
    rel_diff = np.where(big, abs_diff / np.where(big, np.abs(reference), 1.0), 0.0)
    print("\n== max difference per column (relative where |matminer| > 1e-9, else absolute)")
    print(f"{'column':<44} {'max rel':>10} {'max abs':>10} {'NaN mismatch':>13}")
    for j, label in enumerate(labels):
        print(
            f"{label:<44} {rel_diff[:, j].max():10.2e} {abs_diff[:, j].max():10.2e} "
            f"{int(nan_mismatch[j]):13d}"
        )
    agree = bool(
        np.all(
            np.isclose(ours, reference, rtol=1e-6, atol=1e-9)
            | (np.isnan(ours) & np.isnan(reference))
        )
    )
    print(
        f"overall: max rel {rel_diff.max():.2e}, max abs {abs_diff.max():.2e}, "
        f"NaN mismatches {int(nan_mismatch.sum())}, all within rtol 1e-6/atol 1e-9: {agree}"
    )

    results: dict[str, object] = {
        "config": config,
        "matminer_seconds": t_matminer,
        "matminer_per_featurizer_seconds": per_featurizer,
        "composition_conversion_seconds": t_convert,
        "vectorized_seconds": t_ours,
        "matminer_rate": rate_matminer,
        "vectorized_rate": rate_ours,
        "speedup": rate_ours / rate_matminer,
        "max_rel_diff": float(rel_diff.max()),
        "max_abs_diff": float(abs_diff.max()),
        "nan_mismatches": int(nan_mismatch.sum()),
        "all_close": agree,
    }

    # --- full OQMD -----------------------------------------------------------------------
    if args.full:
        _clear_memo_caches()
        start = time.perf_counter()
        every = _read_formulas(args.data)
        t_read = time.perf_counter() - start
        start = time.perf_counter()
        full = MagpieFeaturizer().fit_transform(every)
        t_full = time.perf_counter() - start
        print("\n== full file")
        print(f"read {len(every)} formulas: {t_read:.1f} s")
        print(
            f"featurized {full.shape[0]} x {full.shape[1]} in {t_full:.1f} s "
            f"({len(every) / t_full:.0f} formulas/s), NaN cells: {int(np.isnan(full).sum())}"
        )
        print(f"matminer at its rate above would take about {len(every) / rate_matminer:.0f} s")
        results.update(full_rows=len(every), full_seconds=t_full, full_read_seconds=t_read)

    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, default=str))
        print(f"\nresults written to {args.json}")
    return results


if __name__ == "__main__":
    main()

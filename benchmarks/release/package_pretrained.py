"""Ship a network trained on a large DFT dataset as a pre-trained model of the package.

Takes a model file written by ``benchmarks/oqmd_time_to_accuracy.py --save-model``
(``--source oqmd``: trained on the train and val rows of the OQMD file's own split only) or
by ``benchmarks/release/pretrain_mp.py --save-model`` (``--source matbench_mp_gap`` or
``matbench_mp_e_form``: trained on the Materials Project formulas outside its fixed test
rows), measures its test MAE on those test rows in float32 and in the storage precision,
and writes it into ``sklearn_irnet/pretrained/`` with its entry in ``models.json``:
SHA-256, size, target, features, how it was trained (command, rows, epochs, test MAE, the
estimator's recipe) and the data's licence and citation.

Refuses a storage precision that moves the test MAE by 1 % or more, and a model whose
training record (the result JSON of the run) does not match the file.

Usage::

    python benchmarks/release/package_pretrained.py \\
        --model runs/oqmd_irnet17_file.safetensors \\
        --record benchmarks/results/oqmd_time_to_accuracy/file/irnet17.json \\
        --name oqmd-irnet17 --weights-dtype float16
    python benchmarks/release/package_pretrained.py --source matbench_mp_gap \\
        --model runs/mp_gap_irnet17.safetensors \\
        --record benchmarks/results/mp_gap_pretrain/irnet17.json --name mp-gap-irnet17
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/
sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/release/
from _oqmd_common import ROOT, log  # noqa: E402
from _settings import oqmd_file  # noqa: E402

DEST = ROOT / "sklearn_irnet" / "pretrained"

OQMD_SOURCE = {
    "name": "Open Quantum Materials Database (OQMD), DFT formation enthalpies",
    "licence": "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)",
    "citation": [
        "J. E. Saal, S. Kirklin, M. Aykol, B. Meredig, C. Wolverton, 'Materials Design and "
        "Discovery with High-Throughput Density Functional Theory: The Open Quantum Materials "
        "Database (OQMD)', JOM 65, 1501-1509 (2013). doi:10.1007/s11837-013-0755-4",
        "S. Kirklin, J. E. Saal, B. Meredig, A. Thompson, J. W. Doak, M. Aykol, S. Ruehl, "
        "C. Wolverton, 'The Open Quantum Materials Database (OQMD): assessing the accuracy "
        "of DFT formation energies', npj Comput. Mater. 1, 15010 (2015). "
        "doi:10.1038/npjcompumats.2015.10",
    ],
    "copy_used": "341,700 unique formulas with a fixed random train/val/test split, as "
                 "redistributed with the Roost/CrabNet benchmarks; 86 rows with |value| > 5 "
                 "eV/atom dropped",
}

MATERIALS_PROJECT_CITATION = [
    "A. Jain, S. P. Ong, G. Hautier, W. Chen, W. D. Richards, S. Dacek, S. Cholia, "
    "D. Gunter, D. Skinner, G. Ceder, K. A. Persson, 'Commentary: The Materials Project: A "
    "materials genome approach to accelerating materials innovation', APL Mater. 1, "
    "011002 (2013). doi:10.1063/1.4812323",
    "A. Dunn, Q. Wang, A. Ganose, D. Dopp, A. Jain, 'Benchmarking materials property "
    "prediction methods: the Matbench test set and Automatminer reference algorithm', "
    "npj Comput. Mater. 6, 138 (2020). doi:10.1038/s41524-020-00406-3",
]


def materials_project_source(task: str, what: str, merge: str) -> dict[str, Any]:
    return {
        "name": f"Materials Project {what} (DFT, PBE), as the Matbench v0.1 task {task}",
        "licence": "Materials Project data: CC BY 4.0 "
                   "(https://creativecommons.org/licenses/by/4.0/); Matbench's copy: MIT",
        "citation": MATERIALS_PROJECT_CITATION,
        "copy_used": f"{task} of Matbench v0.1; polymorphs of one reduced formula merged "
                     f"({merge}); a fixed random 10 % of the formulas (seed 0) held out "
                     f"as test rows",
    }


# per source: what the network predicts, its unit, where the data come from, and the
# model licence that follows from the data
SOURCES: dict[str, dict[str, Any]] = {
    "oqmd": {"target": "formation enthalpy (eV/atom), DFT", "unit": "ev_per_atom",
             "data": OQMD_SOURCE,
             "model_licence": "CC BY 4.0 (derived from OQMD); cite the OQMD papers above "
                              "and sklearn-irnet"},
    "matbench_mp_gap": {
        "target": "band gap (eV), DFT (PBE)", "unit": "ev",
        "data": materials_project_source("matbench_mp_gap", "band gaps",
                                         "median of their gaps"),
        "model_licence": "CC BY 4.0 (derived from Materials Project data); cite the papers "
                         "above and sklearn-irnet"},
    "matbench_mp_e_form": {
        "target": "formation energy (eV/atom), DFT (Materials Project)", "unit": "ev_per_atom",
        "data": materials_project_source("matbench_mp_e_form", "formation energies",
                                         "lowest, the ground state"),
        "model_licence": "CC BY 4.0 (derived from Materials Project data); cite the papers "
                         "above and sklearn-irnet"},
}


# parameters that describe one run (where its checkpoints went, its progress callbacks,
# threads, device, processes, printing), not how the shipped network was trained; their
# values can name paths on the training machine, so the catalogue leaves them out
RUN_ONLY_PARAMS = ("callbacks", "checkpoint_dir", "data_parallel", "device", "n_threads",
                   "verbose")


def recipe_params(params: dict[str, Any]) -> dict[str, Any]:
    """The estimator parameters of a training run without :data:`RUN_ONLY_PARAMS`."""
    return {key: value for key, value in params.items() if key not in RUN_ONLY_PARAMS}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=sorted(SOURCES), default="oqmd")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--record", type=Path, required=True,
                        help="the run's result JSON (oqmd_time_to_accuracy.py or "
                             "pretrain_mp.py output)")
    parser.add_argument("--name", required=True,
                        help="catalogue name; an existing entry and file are replaced")
    parser.add_argument("--weights-dtype", default="float16",
                        choices=("float32", "float16", "bfloat16"))
    parser.add_argument("--data", type=Path, default=oqmd_file(), help="the OQMD file")
    parser.add_argument("--cache", type=Path, default=ROOT / "runs" / "oqmd_magpie_split.npz",
                        help="the OQMD feature cache")
    parser.add_argument("--dest", type=Path, default=DEST)
    parser.add_argument("--max-size-mb", type=float, default=25.0)
    return parser.parse_args(argv)


def test_mae(model: Any, X: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.abs(model.predict(X) - y)))


def test_rows_of(args: argparse.Namespace, record: dict[str, Any]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The test rows the network never saw: the OQMD file's, or pretrain_mp.py's."""
    if args.source == "oqmd":
        from oqmd_time_to_accuracy import load_features, split_rows

        if record.get("split") != "file":
            raise SystemExit(f"{args.record}: the model must be trained on the file's split "
                             f"(train and val rows only), not {record.get('split')!r}")
        data = load_features(args)
        rows = split_rows(data, "file")["test"]
    else:
        import pretrain_mp

        data = pretrain_mp.load_features(pretrain_mp.parse_args(["--task", args.source]))
        rows = pretrain_mp.test_rows(len(data["y"]), 0.1)
    return data["X"][rows], data["y"][rows]


def main(argv: list[str] | None = None) -> int:
    from sklearn_irnet import IRNetRegressor
    from sklearn_irnet.featurize import MagpieFeaturizer

    args = parse_args(argv)
    source = SOURCES[args.source]
    record = json.loads(args.record.read_text())
    model = IRNetRegressor.load(args.model)
    X_test, y_test = test_rows_of(args, record)
    if len(y_test) != record["n_test"]:
        raise SystemExit(f"{args.record} counts {record['n_test']} test rows, the data "
                         f"{len(y_test)}: not the same split")
    exact = test_mae(model, X_test, y_test)
    if not np.isclose(exact, record["test_mae"], rtol=1e-6):
        raise SystemExit(f"{args.model} gives test MAE {exact:.5f}, its record "
                         f"{args.record} says {record['test_mae']:.5f}: not the same model")
    with tempfile.TemporaryDirectory() as scratch:
        stored = model.save(Path(scratch) / "m.safetensors", weights_dtype=args.weights_dtype)
        rounded = test_mae(IRNetRegressor.load(stored), X_test, y_test)
    change = rounded / exact - 1
    log(f"test MAE float32 {exact:.5f}, {args.weights_dtype} {rounded:.5f} "
        f"({100 * change:+.3f} %)")
    if abs(change) >= 0.01:
        raise SystemExit(f"{args.weights_dtype} storage moves the test MAE by "
                         f"{100 * change:+.2f} % (limit 1 %): store float32")
    target = args.dest / f"{args.name}.safetensors"
    model.save(target, weights_dtype=args.weights_dtype)
    size_mb = target.stat().st_size / 2**20
    if size_mb > args.max_size_mb:
        target.unlink()
        raise SystemExit(f"{target} would be {size_mb:.1f} MB > {args.max_size_mb} MB")
    featurizer = MagpieFeaturizer(column=None).fit(["NaCl"])
    entry = {
        "file": target.name,
        "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
        "bytes": target.stat().st_size,
        "weights_dtype": args.weights_dtype,
        "target": source["target"],
        "architecture": model.architecture_,
        "n_parameters": int(model.n_parameters_),
        "features": {
            "featurizer": "sklearn_irnet.featurize.MagpieFeaturizer",
            "n_features": int(model.n_features_in_),
            "names": [str(n) for n in featurizer.get_feature_names_out()],
        },
        "training": {
            "command": record["command"],
            "rows": {"train_and_validation": record["n_train"],
                     "validation_share": model.validation_fraction,
                     "test_never_seen": record["n_test"]},
            "epochs": record["epochs"],
            "best_validation_r2": record["best_validation_r2"],
            "train_minutes": record["train_minutes"],
            "machine": record["machine"],
            "estimator_params": recipe_params(model.get_params()),
        },
        f"test_mae_{source['unit']}": {"float32": round(exact, 5),
                                       args.weights_dtype: round(rounded, 5)},
        "data": source["data"],
        "model_licence": source["model_licence"],
    }
    catalogue_path = args.dest / "models.json"
    catalogue = json.loads(catalogue_path.read_text()) if catalogue_path.is_file() else {}
    catalogue[args.name] = entry
    catalogue_path.write_text(json.dumps(catalogue, indent=1) + "\n")
    log(f"{target} ({size_mb:.1f} MB) and its entry in {catalogue_path} written")
    return 0


if __name__ == "__main__":
    sys.exit(main())

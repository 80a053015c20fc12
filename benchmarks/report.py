"""Make the results tables of the README and the user guide from result files.

A Markdown file marks each generated table with a pair of comments naming the saved
comparison (a folder written by ``ModelComparison.save``, relative to
``benchmarks/results/``)::

    <!-- results: protocol/main_job -->
    ...generated table...
    <!-- end results -->

``python benchmarks/report.py`` rewrites every marked block of ``README.md`` and
``docs/**/*.md`` from its folder and draws the README's figure; ``--check`` only reports
blocks that differ (the test suite runs the same check). Nothing in these tables is typed
by hand.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from sklearn_irnet.compare import ModelComparison  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
BLOCK = re.compile(r"(<!-- results: (?P<folder>[\w./-]+) -->\n)(?P<body>.*?)(<!-- end results -->)",
                   re.S)
FIGURE = ("protocol/main_job", ROOT / "docs" / "images" / "main_job_differences.png")
"""The README's figure: the paired differences of the main job's protocol run."""
FIGURE_LEAVES_OUT = ("dummy", "ridge", "knn")
"""Baselines far behind, left out of the figure so that its scale shows the rest (they
are in the table)."""


def marked_files() -> list[Path]:
    """README.md and the Markdown pages of the docs."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def render(folder: str) -> str:
    """The table of one saved comparison (a development study's paired table, or an
    uncertainty run's ``results.json`` written by ``benchmarks/uncertainty_calibration.py``),
    as the block's body."""
    if folder.endswith(".json"):  # a study of the retired small_data_batch.py
        import json

        from _dev_configs import json_table

        results = json.loads((RESULTS / folder).read_text())
        return json_table(results, list(results))
    if folder.startswith("dev/"):  # a development study of python -m benchmarks
        from _dev_configs import saved_table

        return saved_table(RESULTS / folder)
    if (RESULTS / folder / "provenance.json").exists():
        return ModelComparison.load(RESULTS / folder).to_markdown() + "\n"
    return render_uncertainty(folder)


UNCERTAINTY_COLUMNS = ("mae", "coverage_68", "coverage_95", "width_95", "nll", "crps")


def render_uncertainty(folder: str) -> str:
    """Mean over the folds run of every score of every model of an uncertainty run."""
    import json

    run = json.loads((RESULTS / folder / "results.json").read_text())
    lines = [f"| model ({len(run['folds'])} folds) | MAE | 68 % cover | 95 % cover | "
             "mean 95 % width | NLL | CRPS |", "|---|---|---|---|---|---|---|"]
    for model, row in run["summary"].items():
        cells = [f"{row[key]:.4g}" if key in row else "-" for key in UNCERTAINTY_COLUMNS]
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def refresh(text: str) -> str:
    """``text`` with every marked block regenerated."""
    return BLOCK.sub(lambda m: m.group(1) + render(m.group("folder")) + m.group(4), text)


def stale_blocks() -> list[str]:
    """``path: folder`` for every block that differs from its result files."""
    stale = []
    for path in marked_files():
        text = path.read_text()
        for match in BLOCK.finditer(text):
            if match.group("body") != render(match.group("folder")):
                stale.append(f"{path.relative_to(ROOT)}: {match.group('folder')}")
    return stale


def draw_figure() -> Path:
    folder, path = FIGURE
    path.parent.mkdir(parents=True, exist_ok=True)
    return ModelComparison.load(RESULTS / folder).plot_differences(
        path=path, exclude=FIGURE_LEAVES_OUT)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only list the blocks that differ from their result files")
    args = parser.parse_args()
    if args.check:
        stale = stale_blocks()
        print("\n".join(stale) or "every table matches its result files")
        return 1 if stale else 0
    for path in marked_files():
        text = path.read_text()
        new = refresh(text)
        if new != text:
            path.write_text(new)
            print(f"updated {path.relative_to(ROOT)}")
    print(f"figure {draw_figure().relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

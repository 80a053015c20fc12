"""The results tables of the README and the user guide are generated from result files
(``benchmarks/report.py``), never typed by hand."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import Ridge

from sklearn_irnet.compare import compare_models

# checked in CI's documentation step, after the unit suite: pytest -m docs_check
pytestmark = pytest.mark.docs_check

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def report():
    spec = importlib.util.spec_from_file_location("report", ROOT / "benchmarks" / "report.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_marked_table_matches_its_result_files(report):
    assert report.stale_blocks() == []


def test_the_readme_shows_the_main_job_table_and_figure(report):
    readme = (ROOT / "README.md").read_text()
    assert "<!-- results: protocol/main_job -->" in readme
    body = report.BLOCK.search(readme).group("body")
    assert "| irnet17 |" in body and "distinguishable from best?" in body
    assert "15 splits" in body
    figure = report.FIGURE[1]
    assert figure.is_file() and str(figure.relative_to(ROOT)) in readme


def test_a_block_is_rewritten_from_its_folder(report, tmp_path, monkeypatch):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    y = X[:, 0] + 0.1 * rng.normal(size=60)
    result = compare_models({"ridge": Ridge(), "mean": DummyRegressor()}, X, y, cv=3)
    result.save(tmp_path / "demo")
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    text = "before\n<!-- results: demo -->\nhand-typed 0.01\n<!-- end results -->\nafter\n"
    refreshed = report.refresh(text)
    assert refreshed == ("before\n<!-- results: demo -->\n" + result.to_markdown() +
                         "\n<!-- end results -->\nafter\n")
    assert report.refresh(refreshed) == refreshed

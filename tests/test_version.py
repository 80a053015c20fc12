"""The version has one source, ``sklearn_irnet/_version.py``, read by the package and the build."""

import tomllib
from pathlib import Path

import pytest

import sklearn_irnet
from sklearn_irnet import _version
from sklearn_irnet.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_package_and_build_read_the_version_from_one_file(capsys):
    assert sklearn_irnet.__version__ == _version.__version__ == "0.1.0"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    attr = project["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "sklearn_irnet._version.__version__"
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"sklearn-irnet {_version.__version__}"

"""The documentation site: it builds, its key pages exist, and every local link leads somewhere.

``test_site_builds_and_links`` builds the site without running the gallery (the pages are
made, the code not executed) into a temporary folder. ``.ci/run`` builds the full site with
every example executed and then points ``SKLEARN_IRNET_DOCS_BUILT`` at it, which runs
``test_built_site_has_executed_gallery`` on that build.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import os
import pkgutil
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

import sklearn_irnet

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))
KEY_PAGES = ("index.html", "generated/sklearn_irnet.IRNetRegressor.html",
             "auto_examples/plot_irnet_vs_forest.html")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.images: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        if tag == "img" and values.get("src"):
            self.images.append(values["src"] or "")


@functools.cache
def _parse(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def broken_links(site: Path, page: str) -> list[str]:
    """Local links and images of ``page`` whose file (or #anchor) does not exist."""
    path = site / page
    parsed = _parse(path)
    broken = []
    for link in parsed.links + parsed.images:
        parts = urlsplit(link)
        if parts.scheme or link.startswith("//") or link.startswith("mailto:"):
            continue  # another site: not checked offline
        target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
        if not target.is_file():
            broken.append(link)
        elif parts.fragment and target.suffix == ".html":
            if parts.fragment not in _parse(target).ids:
                broken.append(link)
    return broken


def build(destination: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
               *extra, str(DOCS), str(destination)]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=1500)


def check_site(site: Path) -> None:
    for page in KEY_PAGES:
        assert (site / page).is_file(), f"{page} was not built"
    pages = [path.relative_to(site).as_posix() for path in site.rglob("*.html")]
    broken = {page: links for page in pages if (links := broken_links(site, page))}
    assert broken == {}
    landing = _parse(site / "index.html").links
    for target in ("getting_started.html", "user_guide/index.html", "auto_examples/index.html",
                   "api.html"):
        assert any(urlsplit(link).path == target for link in landing), target
    gallery = (site / "auto_examples" / "index.html").read_text(encoding="utf-8")
    for example in EXAMPLES:
        assert f"{example.stem}.html" in gallery, example.name
    example_page = (site / KEY_PAGES[2]).read_text(encoding="utf-8")
    assert "plot_irnet_vs_forest.ipynb" in example_page  # the notebook download
    api = (site / KEY_PAGES[1]).read_text(encoding="utf-8")
    assert "Parameters" in api and "architecture" in api and "fit" in api


@pytest.mark.slow
def test_site_builds_and_links(tmp_path):
    pytest.importorskip("sphinx_gallery")
    result = build(tmp_path / "html", "-D", "plot_gallery=0")
    assert result.returncode == 0, result.stdout + result.stderr
    check_site(tmp_path / "html")


@pytest.mark.skipif("SKLEARN_IRNET_DOCS_BUILT" not in os.environ,
                    reason="runs on the full build of .ci/run (SKLEARN_IRNET_DOCS_BUILT)")
def test_built_site_has_executed_gallery():
    site = Path(os.environ["SKLEARN_IRNET_DOCS_BUILT"])
    check_site(site)
    page = _parse(site / KEY_PAGES[2])
    figures = [src for src in page.images if "sphx_glr_plot_irnet_vs_forest_" in src]
    assert figures, "the example's figure is missing: was the gallery executed?"
    for example in EXAMPLES:
        notebook = site / "_downloads"
        assert list(notebook.rglob(f"{example.stem}.ipynb")), example.name


def _public_names() -> set[str]:
    """Every public class and function defined in a public module of the package, and the
    constants a module lists in ``__all__``."""
    names = set()
    for info in pkgutil.walk_packages(sklearn_irnet.__path__, "sklearn_irnet."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        exported = set(getattr(module, "__all__", ()))
        for name, value in vars(module).items():
            if name.startswith("_"):
                continue
            defined_here = getattr(value, "__module__", None) == module.__name__
            if (inspect.isclass(value) or inspect.isfunction(value)) and defined_here:
                names.add(name)
            elif name in exported and not inspect.ismodule(value):
                names.add(name)
    return names


def test_api_reference_lists_every_public_name():
    text = (DOCS / "api.rst").read_text()
    listed = set(re.findall(r"^   (?:[a-z_]+\.)?([A-Za-z_][A-Za-z0-9_]*)$", text, re.M))
    assert sorted(_public_names() - listed) == []


def test_every_example_is_a_gallery_script_with_a_figure_and_quick_mode():
    assert len(EXAMPLES) >= 8
    for example in EXAMPLES:
        source = example.read_text()
        docstring = ast.get_docstring(ast.parse(source))
        assert docstring and docstring.splitlines()[1].startswith("==="), example.name
        assert "plt.show()" in source, example.name
        trains = ("IRNetRegressor(", "IRNetClassifier(", "compare_models(", "training_size_curve(")
        if any(call in source for call in trains):  # trains networks: must shrink in the docs build
            assert 'os.environ.get("SKLEARN_IRNET_DOCS_QUICK") == "1"' in source, example.name


def test_intersphinx_uses_only_inventories_on_disk(monkeypatch):
    monkeypatch.syspath_prepend(str(DOCS))
    intersphinx = importlib.import_module("_intersphinx")
    offline = intersphinx.mapping(online=False)
    for _, (_, locations) in offline.items():
        assert locations and all(location and Path(location).is_file() for location in locations)
    assert set(offline) | set(intersphinx.unlinked(offline)) == set(intersphinx.SITES)
    online = intersphinx.mapping(online=True)
    assert set(online) == set(intersphinx.SITES)
    assert all(locations[0] is None for _, locations in online.values())

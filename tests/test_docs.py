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
import io
import os
import pkgutil
import posixpath
import re
import subprocess
import sys
import tarfile
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

import sklearn_irnet

# checked in CI's documentation step, after the unit suite: pytest -m docs_check
pytestmark = pytest.mark.docs_check

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
    for page, link in EXTERNAL_LINKS:  # names of other projects link to their sites
        assert link in _parse(site / page).links, (page, link)


EXTERNAL_LINKS = (
    ("user_guide/defaults.html",
     "https://skorch.readthedocs.io/en/stable/callbacks.html#skorch.callbacks.LRScheduler"),
    ("user_guide/defaults.html", "https://docs.pytorch.org/docs/stable/generated/"
     "torch.optim.lr_scheduler.OneCycleLR.html#torch.optim.lr_scheduler.OneCycleLR"),
    ("user_guide/pitfalls.html",
     "https://numpy.org/doc/stable/reference/generated/numpy.save.html#numpy.save"),
    ("user_guide/reliability.html",
     "https://docs.pytorch.org/docs/stable/random.html#torch.random.fork_rng"),
)


@pytest.mark.slow
@pytest.mark.skipif("SKLEARN_IRNET_DOCS_BUILT" in os.environ,
                    reason="the full build of .ci/run is checked by test_built_site_...")
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


@pytest.fixture(scope="module")
def docs_helpers():
    """The documentation's ``_intersphinx`` and ``_inventories`` modules (``docs/`` is no
    package)."""
    sys.path.insert(0, str(DOCS))
    try:
        yield importlib.import_module("_intersphinx"), importlib.import_module("_inventories")
    finally:
        sys.path.remove(str(DOCS))


@pytest.fixture(scope="module")
def offline_inventories(docs_helpers, tmp_path_factory):
    intersphinx, _ = docs_helpers
    return intersphinx.offline_inventories(tmp_path_factory.mktemp("inventories"),
                                           download=False)


def test_intersphinx_uses_only_inventories_on_disk(docs_helpers, offline_inventories):
    intersphinx, inventories = docs_helpers
    assert set(inventories.GENERATORS) <= set(offline_inventories)
    offline = intersphinx.mapping(online=False, offline=offline_inventories)
    for _, (_, locations) in offline.items():
        assert locations and all(location and Path(location).is_file() for location in locations)
    assert {"numpy", "skorch", "torch"} <= set(offline)
    assert set(offline) | set(intersphinx.unlinked(offline)) == set(intersphinx.SITES)
    online = intersphinx.mapping(online=True, offline=offline_inventories)
    assert set(online) == set(intersphinx.SITES)
    assert all(locations[0] is None for _, locations in online.values())
    assert online["torch"][1][1:] == (str(offline_inventories["torch"]),)  # the fallback


def _load_inventory(path: Path, site: str) -> dict[str, dict[str, str]]:
    """``{role: {name: address}}`` of an inventory file, read by Sphinx."""
    from sphinx.util.inventory import InventoryFile

    with path.open("rb") as stream:
        loaded = InventoryFile.load(stream, site, posixpath.join)
    return {role: {name: item.uri for name, item in items.items()}
            for role, items in loaded.items()}


def _resolves(name: str) -> bool:
    """``name`` is a module, or an attribute reached from the longest importable module."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for part in parts[cut:]:
                obj = getattr(obj, part)
        except AttributeError:
            return False
        return True
    return False


# Addresses checked on the projects' sites (see docs/_inventories.py for the evidence).
CHECKED_ADDRESSES = {
    "numpy": {
        ("py:class", "numpy.ndarray"): "reference/generated/numpy.ndarray.html#numpy.ndarray",
        ("py:function", "numpy.save"): "reference/generated/numpy.save.html#numpy.save",
        ("py:method", "numpy.ndarray.astype"):
            "reference/generated/numpy.ndarray.astype.html#numpy.ndarray.astype",
        ("py:class", "numpy.float32"): "reference/arrays.scalars.html#numpy.float32",
        ("py:function", "numpy.random.default_rng"):
            "reference/random/generator.html#numpy.random.default_rng",
        ("py:class", "numpy.random.RandomState"):
            "reference/random/legacy.html#numpy.random.RandomState",
    },
    "torch": {
        ("py:class", "torch.optim.AdamW"): "generated/torch.optim.AdamW.html#torch.optim.AdamW",
        ("py:class", "torch.optim.lr_scheduler.OneCycleLR"):
            "generated/torch.optim.lr_scheduler.OneCycleLR.html"
            "#torch.optim.lr_scheduler.OneCycleLR",
        ("py:class", "torch.nn.Linear"): "generated/torch.nn.Linear.html#torch.nn.Linear",
        ("py:class", "torch.optim.Optimizer"): "optim.html#torch.optim.Optimizer",
        ("py:function", "torch.random.fork_rng"): "random.html#torch.random.fork_rng",
        ("py:class", "torch.utils.data.DataLoader"): "data.html#torch.utils.data.DataLoader",
        ("py:module", "torch.distributed"): "distributed.html#module-torch.distributed",
    },
    "skorch": {
        ("py:class", "skorch.callbacks.LRScheduler"):
            "callbacks.html#skorch.callbacks.LRScheduler",
        ("py:class", "skorch.callbacks.EarlyStopping"):
            "callbacks.html#skorch.callbacks.EarlyStopping",
        ("py:class", "skorch.net.NeuralNet"): "net.html#skorch.net.NeuralNet",
        ("py:method", "skorch.net.NeuralNet.fit"): "net.html#skorch.net.NeuralNet.fit",
        ("py:class", "skorch.regressor.NeuralNetRegressor"):
            "regressor.html#skorch.regressor.NeuralNetRegressor",
    },
}
# Public names that the projects' sites give no page under that name.
NO_PAGE = {
    "numpy": ("numpy.abs",  # an alias: documented as numpy.absolute
              "numpy.row_stack", "numpy.test"),
    "torch": ("torch.conv1d",  # documented as torch.nn.functional.conv1d only
              "torch.inference_mode",  # documented as torch.autograd.grad_mode.inference_mode
              "torch.nn.NLLLoss2d"),
    "skorch": ("skorch.NeuralNetRegressor",  # re-exported; documented in skorch.regressor
               "skorch.net.NeuralNet.set_fit_request"),
}


@pytest.mark.parametrize("project", sorted(CHECKED_ADDRESSES))
def test_generated_inventory_maps_names_to_checked_pages(docs_helpers, offline_inventories,
                                                         project):
    intersphinx, _ = docs_helpers
    site = intersphinx.SITES[project][0]
    inventory = _load_inventory(offline_inventories[project], site)
    for (role, name), address in CHECKED_ADDRESSES[project].items():
        assert inventory[role][name] == site + address
    names = {name for items in inventory.values() for name in items}
    assert len(names) > 100
    assert not names & set(NO_PAGE[project])
    assert f"{project}.NoSuchName" not in names
    assert [name for name in names if not _resolves(name)] == []  # only installed objects
    addresses = [address for items in inventory.values() for address in items.values()]
    assert all(address.startswith(site) and "#" in address for address in addresses)


def test_inventory_file_roundtrip(docs_helpers, tmp_path):
    _, inventories = docs_helpers
    entries = [inventories.Entry("pkg.func", "py:function", "api.html#pkg.func"),
               inventories.Entry("pkg", "py:module", "api.html#module-pkg")]
    path = inventories.write_inventory(tmp_path / "x.inv", "pkg", "1.0", entries)
    assert _load_inventory(path, "https://example.org/") == {
        "py:function": {"pkg.func": "https://example.org/api.html#pkg.func"},
        "py:module": {"pkg": "https://example.org/api.html#module-pkg"},
    }


def _sdist(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_sdist_inventory_is_taken_from_the_archive(docs_helpers, tmp_path):
    _, inventories = docs_helpers
    real = b"# Sphinx inventory version 2\n..."
    archive = _sdist(tmp_path / "matminer-0.1.tar.gz",
                     {"matminer-0.1/setup.py": b"", "matminer-0.1/docs/objects.inv": real,
                      "matminer-0.1/docs_rst/objects.inv": b"other"})
    found = inventories.extract_sdist_inventory(archive, "docs/objects.inv", tmp_path / "m.inv")
    assert found == tmp_path / "m.inv" and found.read_bytes() == real
    bare = _sdist(tmp_path / "bare-0.1.tar.gz", {"bare-0.1/setup.py": b""})
    assert inventories.extract_sdist_inventory(bare, "docs/objects.inv", tmp_path / "b") is None
    # A cached copy is reused, and without one nothing is downloaded when told not to.
    cache = tmp_path / "cache"
    assert inventories.sdist_inventory("matminer", cache, download=False) is None
    version = metadata.version("matminer")
    cached = inventories.extract_sdist_inventory(archive, "docs/objects.inv",
                                                 cache / f"matminer-{version}.inv")
    assert inventories.sdist_inventory("matminer", cache, download=False) == cached

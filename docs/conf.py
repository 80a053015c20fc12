"""Sphinx configuration of the sklearn-irnet documentation.

Build: ``python -m sphinx -W --keep-going -b html docs docs/_build/html`` from the
repository root (see the README). The gallery executes ``examples/plot_*.py``; the
environment variable ``SKLEARN_IRNET_DOCS_QUICK`` (``1`` unless set) makes the examples run
the same code on fewer rows and epochs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sphinx.util import logging

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS))  # the _intersphinx and _inventories helpers

import _intersphinx  # noqa: E402

import sklearn_irnet  # noqa: E402

logger = logging.getLogger("sklearn_irnet.docs")

project = "sklearn-irnet"
author = "sklearn-irnet developers"
copyright = "sklearn-irnet developers"
version = release = sklearn_irnet.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "matplotlib.sphinxext.plot_directive",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*.zip", "auto_examples/*.json", "auto_examples/*.md5",
                    "auto_examples/*.pickle", "auto_examples/*.codeobj.json"]
templates_path = ["_templates"]

# --- MyST (the user guide is Markdown) -------------------------------------------------
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

# --- API reference ----------------------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": True}
autodoc_typehints = "none"  # numpydoc writes the types from the docstrings
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# --- figures drawn while the docs build (``.. plot::`` in the user guide) ---------------
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 110)]

# --- gallery ----------------------------------------------------------------------------
os.environ.setdefault("SKLEARN_IRNET_DOCS_QUICK", "1")
_GALLERY_NEEDS_DATA = {"plot_matbench_steels.py": "matbench_steels.csv.gz",
                       "plot_classification_metals.py": "matbench_expt_is_metal.csv.gz"}


def _executed_examples() -> str:
    """Regex of the examples to execute: all, less those whose data file is not found.

    The Matbench example reads ``matbench_steels.csv.gz`` from ``SKLEARN_IRNET_DATA``;
    beside a checkout of the project ``../shared/data/matbench`` is used when that variable
    is unset. Without the file the page is still built, with the code but not its output.
    """
    shared = DOCS.parent.parent / "shared" / "data" / "matbench"
    if "SKLEARN_IRNET_DATA" not in os.environ and shared.is_dir():
        os.environ["SKLEARN_IRNET_DATA"] = str(shared)
    from sklearn_irnet.datasets import get_data_home

    skipped = [name for name, data in _GALLERY_NEEDS_DATA.items()
               if not (get_data_home() / data).is_file()]
    for name in skipped:
        logger.info("gallery: %s not executed (its data file %s is not in %s)",
                    name, _GALLERY_NEEDS_DATA[name], get_data_home())
    excluded = "".join(f"(?!{name.replace('.', '[.]')})" for name in skipped)
    return rf"{os.sep}{excluded}plot_"


sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": _executed_examples(),
    "download_all_examples": True,
    "doc_module": ("sklearn_irnet",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"sklearn_irnet": None},
    "within_subsection_order": "FileNameSortKey",
    "remove_config_comments": True,
    "show_memory": False,
    "abort_on_example_error": True,
    "min_reported_time": 5,
}

# --- links to other projects (offline-first; see docs/_intersphinx.py) ------------------
_online = os.environ.get("SKLEARN_IRNET_DOCS_ONLINE") == "1"
_offline = _intersphinx.offline_inventories(DOCS / "_build" / "inventories")
intersphinx_mapping = _intersphinx.mapping(online=_online, offline=_offline)
intersphinx_timeout = 10
_UNLINKED = set(_intersphinx.unlinked(intersphinx_mapping))
for _name in sorted(_UNLINKED):
    logger.info("intersphinx: no inventory for %s in this build; its names stay plain text",
                _name)


_SKLEARN_MACHINERY = ("get_metadata_routing", "set_output")


def _skip_member(app, what, name, obj, skip, options):  # noqa: ARG001 (Sphinx's signature)
    """Leave out scikit-learn's metadata-routing and output-container methods
    (``set_*_request``, ``get_metadata_routing``, ``set_output``): they are inherited
    unchanged and documented by scikit-learn, and their docstrings point at sections of
    scikit-learn's guide that an offline inventory may not hold."""
    if name in _SKLEARN_MACHINERY or (name.startswith("set_") and name.endswith("_request")):
        return True
    return skip


_SKLEARN_GUIDE_LABELS = ("accuracy_score", "r2_score")


def _plain_sklearn_labels(app, env, node, contnode):  # noqa: ARG001 (Sphinx's signature)
    """Without scikit-learn's inventory (no Debian doc package on the build machine), the
    inherited ``score`` docstrings' links into scikit-learn's guide become plain text
    instead of warnings that fail the ``-W`` build; any other missing label still warns."""
    if ("sklearn" in _UNLINKED and node.get("refdomain") == "std"
            and node.get("reftype") == "ref"
            and node.get("reftarget") in _SKLEARN_GUIDE_LABELS):
        return contnode
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_member)
    app.connect("missing-reference", _plain_sklearn_labels)


# --- HTML -------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-irnet {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_show_sourcelink = False
html_static_path: list[str] = []

"""Where the documentation finds the inventories of the projects it links to.

Sphinx links names such as ``sklearn.pipeline.Pipeline`` to another project's site through
that site's ``objects.inv``. The build machines reach no documentation site, so by default
only inventories already on disk are used: Debian's documentation packages install the
real inventories of scikit-learn (``python-sklearn-doc``) and pymatgen
(``python-pymatgen-doc``). With ``SKLEARN_IRNET_DOCS_ONLINE=1`` each site's own inventory is
fetched first (for a published build). A project with no inventory in reach is left out of
the mapping: its names are then printed as plain code, not links, and nothing is invented.
"""

from __future__ import annotations

from pathlib import Path

SITES: dict[str, tuple[str, tuple[str, ...]]] = {
    "python": ("https://docs.python.org/3/", ("/usr/share/doc/python3-doc/html/objects.inv",)),
    "numpy": ("https://numpy.org/doc/stable/", ()),
    "sklearn": ("https://scikit-learn.org/stable/",
                ("/usr/share/doc/python-sklearn-doc/html/objects.inv",)),
    "skorch": ("https://skorch.readthedocs.io/en/stable/", ()),
    "torch": ("https://docs.pytorch.org/docs/stable/", ()),
    "matminer": ("https://hackingmaterials.lbl.gov/matminer/", ()),
    "pymatgen": ("https://pymatgen.org/",
                 ("/usr/share/doc/python-pymatgen-doc/html/objects.inv",)),
}
"""Project name -> (documentation site, inventory files that Debian packages install)."""


def mapping(*, online: bool) -> dict[str, tuple[str, tuple[str | None, ...]]]:
    """``intersphinx_mapping`` with the inventories in reach.

    Parameters
    ----------
    online : bool
        Fetch each site's own inventory first (``None`` means the site's ``objects.inv``),
        falling back to the local files.

    Returns
    -------
    dict
        Only the projects with at least one inventory location.
    """
    result = {}
    for name, (url, files) in SITES.items():
        locations: list[str | None] = [None] if online else []
        locations += [path for path in files if Path(path).is_file()]
        if locations:
            result[name] = (url, tuple(locations))
    return result


def unlinked(mapping: dict[str, object]) -> list[str]:
    """The projects of :data:`SITES` that ``mapping`` leaves out."""
    return [name for name in SITES if name not in mapping]

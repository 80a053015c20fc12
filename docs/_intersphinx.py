"""Where the documentation finds the inventories of the projects it links to.

Sphinx links names such as ``sklearn.pipeline.Pipeline`` to another project's site through
that site's ``objects.inv``. The build machines reach no documentation site, so each project
gets an inventory that is on disk, the real one wherever it can be had:

- scikit-learn and pymatgen: the real inventories that Debian's documentation packages
  install (``python-sklearn-doc``, ``python-pymatgen-doc``);
- matminer: the real inventory inside matminer's PyPI source distribution, which carries
  the built site (:func:`_inventories.sdist_inventory`, fetched once with ``pip download``
  into the cache folder);
- numpy, torch and skorch: no package ships their inventory, so
  :mod:`_inventories` writes one from the installed package, holding only names whose
  page on the project's site was checked (see that module for the evidence).

With ``SKLEARN_IRNET_DOCS_ONLINE=1`` each site's own inventory is fetched first (for a
published build) and these files are the fallback. A project with no inventory at all (the
Python standard library without ``python3-doc``, or matminer when its sdist cannot be
downloaded) is left out of the mapping: its names are then printed as plain code, not links.
"""

from __future__ import annotations

from pathlib import Path

import _inventories

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


def offline_inventories(cache: Path, *, download: bool = True) -> dict[str, Path]:
    """Inventory files made or fetched for the projects that Debian does not cover.

    Parameters
    ----------
    cache : Path
        Folder for the files (the docs build uses ``docs/_build/inventories``). The
        generated inventories are rewritten on every call, so that they describe the
        installed versions; a downloaded one is kept and reused.
    download : bool
        Whether a missing sdist inventory may be fetched from the package index.

    Returns
    -------
    dict
        Project -> inventory file, for the projects whose file could be had.
    """
    found = {project: _inventories.generate(project, cache)
             for project in _inventories.GENERATORS}
    for project in _inventories.SDIST_INVENTORIES:
        path = _inventories.sdist_inventory(project, cache, download=download)
        if path is not None:
            found[project] = path
    return found


def mapping(*, online: bool, offline: dict[str, Path] | None = None
            ) -> dict[str, tuple[str, tuple[str | None, ...]]]:
    """``intersphinx_mapping`` with the inventories in reach.

    Parameters
    ----------
    online : bool
        Fetch each site's own inventory first (``None`` means the site's ``objects.inv``),
        falling back to the local files.
    offline : dict, optional
        Project -> inventory file from :func:`offline_inventories`, tried after the files
        that Debian packages install.

    Returns
    -------
    dict
        Only the projects with at least one inventory location.
    """
    offline = offline or {}
    result = {}
    for name, (url, files) in SITES.items():
        locations: list[str | None] = [None] if online else []
        locations += [path for path in files if Path(path).is_file()]
        if name in offline and Path(offline[name]).is_file():
            locations.append(str(offline[name]))
        if locations:
            result[name] = (url, tuple(locations))
    return result


def unlinked(mapping: dict[str, object]) -> list[str]:
    """The projects of :data:`SITES` that ``mapping`` leaves out."""
    return [name for name in SITES if name not in mapping]

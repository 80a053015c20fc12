"""Inventories (``objects.inv``) for the projects whose own inventory is out of reach.

The build machines reach no documentation site, and no Debian package ships the inventory of
numpy, skorch or torch. This module writes one for each of them from the *installed*
package: it walks the public names of the modules that our pages cite and maps each name to
the page where that project's own site documents it. matminer needs no guessing: its PyPI
source distribution carries the project's built site, ``objects.inv`` included, and
:func:`sdist_inventory` takes that real file.

A generated inventory holds only names whose address follows a layout read in the
project's own documentation sources, so that no link points at a page that does not exist.
The layouts, and the evidence for them (each example address below was found linked from
other sites or read from the project's Sphinx sources):

numpy (https://numpy.org/doc/stable/), from ``doc/source`` of the numpy 2.4.6 sdist
    Routines and classes of the ``numpy`` namespace are listed in ``autosummary`` tables with
    ``:toctree: generated`` under ``reference/``: ``reference/generated/numpy.ndarray.html
    #numpy.ndarray``, ``reference/generated/numpy.save.html#numpy.save``. The class template
    gives every public ``ndarray`` method and attribute a page of its own
    (``reference/generated/numpy.ndarray.astype.html``). Scalar types are documented on
    ``reference/arrays.scalars.html#numpy.float32``. Aliases (``numpy.abs`` for
    ``numpy.absolute``) have no page: only names equal to the object's ``__name__`` are
    kept. ``numpy.linalg`` routines are in ``reference/generated/numpy.linalg.norm.html``.
    ``numpy.random``: ``default_rng`` and ``Generator`` on ``reference/random/generator.html``,
    ``RandomState`` on ``reference/random/legacy.html``, their methods on
    ``reference/random/generated/numpy.random.Generator.normal.html`` and
    ``...numpy.random.RandomState.rand.html``.
torch (https://docs.pytorch.org/docs/stable/), from ``docs/source/*.md`` of pytorch/pytorch
    ``nn.md`` lists every layer of ``torch.nn`` in ``autosummary`` tables with
    ``:toctree: generated`` (``generated/torch.nn.Linear.html#torch.nn.Linear``, also
    ``generated/torch.nn.parallel.DistributedDataParallel.html``); ``optim.md`` does the same
    for the optimizers (``generated/torch.optim.AdamW.html``), the methods of ``Optimizer``
    and the schedulers of ``torch.optim.lr_scheduler``
    (``generated/torch.optim.lr_scheduler.OneCycleLR.html``), while ``Optimizer`` itself is an
    ``autoclass`` on ``optim.html``. ``random.md`` is ``automodule:: torch.random`` with
    ``:members:`` (``random.html#torch.random.fork_rng``), ``data.md`` holds ``autoclass``
    entries for ``torch.utils.data`` (``data.html#torch.utils.data.DataLoader``) and
    ``amp.md`` documents ``torch.autocast`` (``amp.html#torch.autocast``). The ``torch``
    namespace itself follows no rule: of its 488 public functions with a docstring of their
    own, ``torch.md`` lists 415 (``generated/torch.load.html#torch.load``) and 73 have no
    page (``torch.conv1d``), and ``torch.inference_mode`` is documented as
    ``torch.autograd.grad_mode.inference_mode``; so only the functions named in
    :data:`TORCH_FUNCTIONS`, each found in ``torch.md``, are written.
skorch (https://skorch.readthedocs.io/en/stable/), from ``docs/*.rst`` of skorch-dev/skorch
    One page per module, each an ``automodule`` with ``:members:``: ``callbacks.html
    #skorch.callbacks.LRScheduler``, ``net.html#skorch.net.NeuralNet.fit``. As autodoc does,
    a module's ``__all__`` (``skorch.callbacks``) names what it documents; without one, the
    classes and functions defined in the module; members without a docstring are left out
    (no ``:undoc-members:``), and so are inherited ones.

The file format is Sphinx's inventory version 2 (a four-line header, then zlib-compressed
lines ``name domain:role priority uri display-name``), which
:meth:`sphinx.util.inventory.InventoryFile.load` reads. Sphinx's own writer,
``InventoryFile.dump``, takes a build environment and a builder rather than a list of
names, so the few lines are written here.
"""

from __future__ import annotations

import importlib
import inspect
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType


@dataclass(frozen=True, order=True)
class Entry:
    """One object of an inventory: its full name, Sphinx role and address on the site."""

    name: str
    role: str
    uri: str


def write_inventory(path: Path, project: str, version: str, entries: Iterable[Entry]) -> Path:
    """Write ``entries`` to ``path`` as a Sphinx inventory (version 2)."""
    header = (f"# Sphinx inventory version 2\n# Project: {project}\n# Version: {version}\n"
              "# The remainder of this file is compressed using zlib.\n")
    lines = "".join(f"{e.name} {e.role} {0 if e.role == 'py:module' else 1} {e.uri} -\n"
                    for e in sorted(set(entries)))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header.encode() + zlib.compress(lines.encode(), 9))
    return path


def _role(obj: object) -> str:
    """The Python-domain role Sphinx's autodoc gives ``obj``."""
    if inspect.ismodule(obj):
        return "py:module"
    if inspect.isclass(obj):
        return "py:exception" if issubclass(obj, BaseException) else "py:class"
    if isinstance(obj, property):
        return "py:property"
    if callable(obj) and inspect.isroutine(inspect.unwrap(obj)):
        return "py:function"
    return "py:data"


def _member_role(cls: type, name: str) -> str:
    raw = inspect.getattr_static(cls, name)
    if isinstance(raw, property) or type(raw).__name__ == "getset_descriptor":
        return "py:property"
    if callable(raw) or isinstance(raw, (classmethod, staticmethod)):
        return "py:method"
    return "py:attribute"


def _public(module: ModuleType) -> Iterator[tuple[str, object]]:
    """Public names of ``module``: its ``__all__``, else every name without a leading ``_``."""
    names = getattr(module, "__all__", None) or dir(module)
    for name in names:
        if not name.startswith("_") and hasattr(module, name):
            yield name, getattr(module, name)


def _own_name(name: str, obj: object) -> bool:
    """``obj`` is named ``name`` (not an alias of an object named otherwise, nor an instance)."""
    return getattr(obj, "__name__", None) == name


def _class_members(cls: type, full: str, page: Callable[[str], str]) -> Iterator[Entry]:
    """Public members defined on ``cls`` itself, each at ``page(member full name)``."""
    for name in sorted(vars(cls)):
        if name.startswith("_"):
            continue
        yield Entry(f"{full}.{name}", _member_role(cls, name), page(f"{full}.{name}"))


# --- numpy ------------------------------------------------------------------------------

NUMPY_WITHOUT_PAGE = frozenset({"numpy.row_stack", "numpy.random.RandomState.random",
                                "numpy.random.RandomState.tomaxint"})
"""Public names that the rules below would map but that numpy 2.4's ``doc/source`` gives no
page. Checked against a listing of every ``autosummary`` entry and object directive there:
of the other 621 names, 609 are listed at the address the rules give; the 6 sized integer
aliases (``numpy.int32``...) share one multi-name ``.. attribute::`` directive on
``arrays.scalars``, and 6 ``ndarray`` members (``dot``, ``mT``...) get their page from the
class template in numpy's ``_templates/autosummary/class.rst``
(``reference/generated/numpy.ndarray.dot.html`` is linked from other sites)."""


def numpy_entries() -> list[Entry]:
    """numpy's namespace, ``ndarray``'s members, ``numpy.linalg`` and ``numpy.random``."""
    import numpy as np

    def generated(full: str, folder: str = "reference/generated") -> str:
        return f"{folder}/{full}.html#{full}"

    modules = {"numpy": "reference/index.html", "numpy.linalg": "reference/routines.linalg.html",
               "numpy.random": "reference/random/index.html"}
    entries = [Entry(name, "py:module", f"{page}#module-{name}") for name, page in modules.items()]
    for name, obj in _public(np):
        full = f"numpy.{name}"
        if inspect.ismodule(obj) or not _own_name(name, obj) or not callable(obj):
            continue
        if inspect.isclass(obj) and issubclass(obj, np.generic) and obj is not np.record:
            entries.append(Entry(full, "py:class", f"reference/arrays.scalars.html#{full}"))
        elif inspect.isclass(obj) or getattr(obj, "__doc__", None):
            entries.append(Entry(full, _role(obj), generated(full)))
    entries += _class_members(np.ndarray, "numpy.ndarray", generated)
    for name, obj in _public(np.linalg):
        if callable(obj) and not inspect.isclass(obj) and _own_name(name, obj):
            full = f"numpy.linalg.{name}"
            entries.append(Entry(full, "py:function", generated(full)))
    random = "reference/random"
    for cls, page in ((np.random.Generator, "generator"), (np.random.RandomState, "legacy")):
        full = f"numpy.random.{cls.__name__}"
        entries.append(Entry(full, "py:class", f"{random}/{page}.html#{full}"))
        entries += _class_members(cls, full, lambda f: generated(f, f"{random}/generated"))
    entries.append(Entry("numpy.random.default_rng", "py:function",
                         f"{random}/generator.html#numpy.random.default_rng"))
    return [entry for entry in entries if entry.name not in NUMPY_WITHOUT_PAGE]


# --- torch ------------------------------------------------------------------------------

TORCH_FUNCTIONS = ("load", "save", "manual_seed", "seed", "initial_seed", "get_rng_state",
                   "set_rng_state", "tensor", "as_tensor", "from_numpy", "zeros", "ones",
                   "arange", "cat", "stack", "mm", "matmul", "no_grad", "enable_grad",
                   "is_grad_enabled", "set_num_threads", "get_num_threads",
                   "use_deterministic_algorithms", "compile")
"""Functions of the ``torch`` namespace written to the inventory; each is listed in an
``autosummary`` table with ``:toctree: generated`` in pytorch's ``docs/source/torch.md``."""

TORCH_MODULES = {"torch": "torch.html", "torch.nn": "nn.html", "torch.nn.parallel": "nn.html",
                 "torch.optim": "optim.html", "torch.random": "random.html",
                 "torch.amp": "amp.html", "torch.utils.data": "data.html",
                 "torch.distributed": "distributed.html", "torch.cuda": "cuda.html"}
"""Modules and the page whose ``automodule`` directive documents them."""

TORCH_NN_WITHOUT_PAGE = frozenset({"Container", "CrossMapLRN2d", "NLLLoss2d", "RNNCellBase"})
"""Layers of ``torch.nn`` that ``nn.md`` does not list (the other 150 are listed there)."""

OPTIMIZER_METHODS = ("add_param_group", "load_state_dict", "register_load_state_dict_pre_hook",
                     "register_load_state_dict_post_hook", "state_dict",
                     "register_state_dict_pre_hook", "register_state_dict_post_hook", "step",
                     "register_step_pre_hook", "register_step_post_hook", "zero_grad")
"""The methods of ``torch.optim.Optimizer`` in ``optim.md``'s ``autosummary`` table."""


def torch_entries() -> list[Entry]:
    """``torch.nn`` layers, optimizers, schedulers, ``torch.random``, ``torch.utils.data``."""
    import torch
    import torch.optim.lr_scheduler as lr_scheduler
    import torch.random
    import torch.utils.data

    def generated(full: str) -> str:
        return f"generated/{full}.html#{full}"

    entries = [Entry(name, "py:module", f"{page}#module-{name}")
               for name, page in TORCH_MODULES.items()]
    entries += [Entry(f"torch.{name}", _role(getattr(torch, name)), generated(f"torch.{name}"))
                for name in TORCH_FUNCTIONS if hasattr(torch, name)]
    entries.append(Entry("torch.autocast", "py:class", "amp.html#torch.autocast"))
    for name in ("set_grad_enabled", "inference_mode"):  # torch.md: autograd.grad_mode.<name>
        full = f"torch.autograd.grad_mode.{name}"
        entries.append(Entry(full, "py:class", generated(full)))
    for name, obj in _public(torch.nn):
        # nn.md documents the layers under torch.nn, except Flatten/Unflatten (documented as
        # torch.nn.modules.flatten.*) and the Parameter/Buffer classes (torch.nn.parameter).
        if (inspect.isclass(obj) and issubclass(obj, torch.nn.Module) and _own_name(name, obj)
                and obj.__module__.startswith("torch.nn.modules.")
                and obj.__module__ != "torch.nn.modules.flatten"
                and name not in TORCH_NN_WITHOUT_PAGE):
            entries.append(Entry(f"torch.nn.{name}", "py:class", generated(f"torch.nn.{name}")))
    ddp = "torch.nn.parallel.DistributedDataParallel"
    entries.append(Entry(ddp, "py:class", generated(ddp)))
    optimizer = torch.optim.Optimizer
    entries.append(Entry("torch.optim.Optimizer", "py:class", "optim.html#torch.optim.Optimizer"))
    entries += [Entry(f"torch.optim.Optimizer.{name}", "py:method",
                      generated(f"torch.optim.Optimizer.{name}"))
                for name in OPTIMIZER_METHODS if hasattr(optimizer, name)]
    for name, obj in _public(torch.optim):
        if inspect.isclass(obj) and issubclass(obj, optimizer) and obj is not optimizer:
            full = f"torch.optim.{name}"
            entries.append(Entry(full, "py:class", generated(full)))
    for name, obj in _public(lr_scheduler):
        if inspect.isclass(obj):
            full = f"torch.optim.lr_scheduler.{name}"
            entries.append(Entry(full, "py:class", generated(full)))
    for name, obj in _public(torch.random):
        if inspect.isfunction(obj) and obj.__doc__ and obj.__module__ == "torch.random":
            entries.append(Entry(f"torch.random.{name}", "py:function",
                                 f"random.html#torch.random.{name}"))
    for name in ("DataLoader", "Dataset", "IterableDataset", "TensorDataset", "StackDataset",
                 "ConcatDataset", "ChainDataset", "Subset"):  # data.md's autoclass entries
        entries.append(Entry(f"torch.utils.data.{name}", "py:class",
                             f"data.html#torch.utils.data.{name}"))
    return entries


# --- skorch -----------------------------------------------------------------------------

SKORCH_PAGES = ("callbacks", "classifier", "dataset", "exceptions", "helper", "hf", "history",
                "llm", "net", "probabilistic", "regressor", "scoring", "toy", "utils")
"""skorch's API pages: ``docs/<name>.rst`` is ``.. automodule:: skorch.<name>`` with
``:members:``."""


def _documented(obj: object) -> bool:
    """autodoc's test without ``:undoc-members:``: a docstring of its own (one inherited from a
    base class's method counts; the docstring of the object's type does not)."""
    doc = inspect.getdoc(obj)
    type_doc = type(obj).__doc__
    return bool(doc) and not (type_doc and doc == inspect.cleandoc(type_doc))


def _sklearn_routing(name: str) -> bool:
    """scikit-learn adds ``set_<method>_request`` and ``get_metadata_routing`` to estimator
    classes; whether skorch's published pages show them depends on the scikit-learn version
    that built them, so they are left out."""
    return name == "get_metadata_routing" or (name.startswith("set_") and name.endswith("_request"))


def skorch_entries() -> list[Entry]:
    """Every object autodoc documents on skorch's API pages (see :data:`SKORCH_PAGES`)."""
    entries = []
    for page in SKORCH_PAGES:
        module_name = f"skorch.{page}"
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # an optional dependency (transformers for skorch.hf) is missing
            continue
        url = f"{page}.html"
        entries.append(Entry(module_name, "py:module", f"{url}#module-{module_name}"))
        exported = getattr(module, "__all__", None)
        for name, obj in _public(module):
            defined_here = getattr(obj, "__module__", None) == module_name
            if (exported is None and not defined_here) or not _documented(obj):
                continue
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            full = f"{module_name}.{name}"
            entries.append(Entry(full, _role(obj), f"{url}#{full}"))
            if inspect.isclass(obj):
                entries += [e for e in _class_members(obj, full, lambda f, u=url: f"{u}#{f}")
                            if _documented(getattr(obj, e.name.rsplit(".", 1)[1]))
                            and not _sklearn_routing(e.name.rsplit(".", 1)[1])]
    return entries


GENERATORS: dict[str, tuple[str, Callable[[], list[Entry]]]] = {
    "numpy": ("numpy", numpy_entries),
    "torch": ("torch", torch_entries),
    "skorch": ("skorch", skorch_entries),
}
"""Project -> (distribution whose installed version the inventory describes, generator)."""


def generate(project: str, directory: Path) -> Path:
    """Write the generated inventory of ``project`` to ``directory/<project>.inv``."""
    distribution, entries = GENERATORS[project]
    return write_inventory(directory / f"{project}.inv", project,
                           metadata.version(distribution), entries())


# --- inventories shipped in a source distribution ---------------------------------------

SDIST_INVENTORIES = {"matminer": ("matminer", "docs/objects.inv")}
"""Project -> (distribution, path of the site's inventory inside its PyPI sdist).
matminer publishes ``docs/`` of its repository as its site, and its sdist includes that
folder: ``matminer-0.10.1.tar.gz`` holds ``matminer-0.10.1/docs/objects.inv``, whose entries
point at ``matminer.featurizers.composition.html
#matminer.featurizers.composition.composite.ElementProperty`` and the like."""


def extract_sdist_inventory(archive: Path, member: str, destination: Path) -> Path | None:
    """Copy ``<top folder>/<member>`` out of the sdist ``archive`` to ``destination``."""
    with tarfile.open(archive) as tar:
        for info in tar.getmembers():
            if info.isfile() and info.name.split("/", 1)[-1] == member:
                source = tar.extractfile(info)
                if source is None:
                    return None
                destination.parent.mkdir(parents=True, exist_ok=True)
                with source, destination.open("wb") as target:
                    shutil.copyfileobj(source, target)
                return destination
    return None


def sdist_inventory(project: str, directory: Path, *, download: bool = True,
                    timeout: float = 180) -> Path | None:
    """The real inventory of ``project`` from the sdist of its installed version.

    Kept as ``directory/<project>-<version>.inv``; when absent and ``download`` is true, the
    sdist is fetched with ``pip download`` (from the package index, not the documentation
    site). Returns None when the file cannot be had.
    """
    distribution, member = SDIST_INVENTORIES[project]
    try:
        version = metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
    cached = directory / f"{project}-{version}.inv"
    if cached.is_file() or not download:
        return cached if cached.is_file() else None
    with tempfile.TemporaryDirectory(prefix="sdist-") as tmp:
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                   "--no-binary", ":all:", "--retries", "0", "--timeout", "20",
                   "--dest", tmp, f"{distribution}=={version}"]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=timeout)
        except (OSError, subprocess.SubprocessError):
            return None
        archives = sorted(Path(tmp).glob("*.tar.gz"))
        return extract_sdist_inventory(archives[0], member, cached) if archives else None

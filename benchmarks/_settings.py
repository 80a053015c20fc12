"""What every benchmark shares, defined once: where the data and the results are, the
command-line options several scripts take, and the record of the machine and code a run
used.

The data location is one setting: the environment variable ``SKLEARN_IRNET_BENCHMARK_DATA``
(the folder that holds ``matbench/``, ``oqmd/``, ``mp/``, ...), else ``../shared/data``
next to this repository.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
DATA_ENV = "SKLEARN_IRNET_BENCHMARK_DATA"


def shared_data() -> Path:
    """The folder of the real data sets (``$SKLEARN_IRNET_BENCHMARK_DATA`` or
    ``../shared/data``); it may be absent on a fresh machine."""
    return Path(os.environ.get(DATA_ENV) or REPO.parent / "shared" / "data").expanduser()


def matbench_home() -> Path:
    """Where the Matbench task files are (``data_home`` of the library's loaders)."""
    return shared_data() / "matbench"


def oqmd_file() -> Path:
    """The OQMD formation-enthalpy file with its train/test column."""
    return shared_data() / "oqmd" / "oqmd_formation_enthalpy.csv.gz"


def add_options(parser: argparse.ArgumentParser, *names: str,
                out_required: bool = False, threads: int = 1) -> argparse.ArgumentParser:
    """Add the shared options ``names`` (``"out"``, ``"data_home"``, ``"threads"``,
    ``"n_jobs"``) to ``parser``, each with the same meaning in every script."""
    known = {"out", "data_home", "threads", "n_jobs"}
    unknown = set(names) - known
    if unknown:
        raise ValueError(f"unknown shared options {sorted(unknown)}; known: {sorted(known)}")
    if "out" in names:
        parser.add_argument("--out", type=Path, required=out_required, default=None,
                            help="where the results are written")
    if "data_home" in names:
        parser.add_argument("--data-home", type=Path, default=matbench_home(),
                            help=f"folder of the Matbench files (default from ${DATA_ENV})")
    if "threads" in names:
        parser.add_argument("--threads", type=int, default=threads,
                            help="torch threads per process")
    if "n_jobs" in names:
        parser.add_argument("--n-jobs", type=int, default=1,
                            help="processes that fit models side by side")
    return parser


def run_record(threads: int | None = None) -> dict[str, Any]:
    """What a result file records of its run: the command line, this package's commit,
    package versions, the machine, torch threads and the load when it started."""
    from sklearn_irnet.compare._provenance import environment, package_commit

    return {"argv": list(sys.argv), "commit": package_commit(), **environment(),
            "torch_threads": threads, "load_average_at_start": list(os.getloadavg())}


class _Tee(io.TextIOBase):
    """A text stream that writes to two others."""

    def __init__(self, first: Any, second: Any) -> None:
        self.first, self.second = first, second

    def write(self, text: str) -> int:
        self.first.write(text)
        self.second.write(text)
        return len(text)

    def flush(self) -> None:
        self.first.flush()
        self.second.flush()


@contextlib.contextmanager
def recorded_output(out: Path | None, threads: int | None = None) -> Iterator[None]:
    """Print as usual; with ``out``, also write what is printed to that file, after a
    machine-made first line: ``# run: `` and the JSON of :func:`run_record`.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "result.txt"
    >>> with recorded_output(path, threads=1):
    ...     print("| network | samples/s |")
    | network | samples/s |
    >>> lines = path.read_text().splitlines()
    >>> lines[0].startswith("# run: "), json.loads(lines[0][7:])["torch_threads"], lines[1]
    (True, 1, '| network | samples/s |')
    """
    if out is None:
        yield
        return
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w") as file:
        file.write("# run: " + json.dumps(run_record(threads), default=str) + "\n")
        with contextlib.redirect_stdout(_Tee(sys.stdout, file)):
            yield

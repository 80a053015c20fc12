"""What the OQMD benchmark scripts share: the data path, logging, the machine record and
the start of a run."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _settings import oqmd_file, shared_data  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = oqmd_file()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def machine(threads: int | None = None) -> dict[str, Any]:
    """Platform, versions, torch threads and load: what a result file records."""
    import sklearn
    import torch

    return {"platform": platform.platform(), "cpus": os.cpu_count(), "threads": threads,
            "python": platform.python_version(), "torch": torch.__version__,
            "scikit-learn": sklearn.__version__, "load_average_at_start": os.getloadavg(),
            "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None}


def start_run(args: argparse.Namespace) -> bool:
    """Check that the data are there, set torch's threads and log the configuration;
    False (with a message) when neither the OQMD file nor the feature cache exists."""
    if not args.data.is_file() and not args.cache.is_file():
        print(f"OQMD file not found: {args.data} (see {shared_data() / 'README.md'})",
              file=sys.stderr)
        return False
    import torch

    torch.set_num_threads(args.threads)
    log(f"configuration: {vars(args)}")
    log(f"machine: {machine(args.threads)}")
    return True

"""Pre-trained networks shipped with the package, and loading a model by name or path.

Each shipped model is a safetensors file written by
:meth:`~sklearn_irnet.IRNetRegressor.save`, listed in ``models.json`` beside it with its
SHA-256 checksum, how it was trained (command, data, epochs, test error) and the licence
and citation of its training data. :func:`load_pretrained` verifies the checksum before
loading.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from ..persistence import load_model

MODELS_DIR = Path(__file__).parent
CATALOGUE = MODELS_DIR / "models.json"


def available_models() -> dict[str, dict[str, Any]]:
    """The shipped pre-trained models: name -> description (file, checksum, training).

    Examples
    --------
    >>> isinstance(available_models(), dict)
    True
    """
    if not CATALOGUE.is_file():
        return {}
    return json.loads(CATALOGUE.read_text())


def load_pretrained(name_or_path: str | os.PathLike[str], *, device: str = "cpu") -> Any:
    """A fitted model, by the name of a shipped model or the path of a saved one.

    Parameters
    ----------
    name_or_path : str or path-like
        A name from :func:`available_models`, or a file written by
        :meth:`IRNetRegressor.save <sklearn_irnet.IRNetRegressor.save>`.
    device : str, default="cpu"

    Returns
    -------
    IRNetRegressor
        The fitted model.

    Raises
    ------
    ValueError
        If the name is unknown and no such file exists, or a shipped file fails its
        checksum.
    """
    models = available_models()
    if isinstance(name_or_path, str) and name_or_path in models:
        entry = models[name_or_path]
        path = MODELS_DIR / entry["file"]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != entry["sha256"]:
            raise ValueError(
                f"The shipped model file {path} does not match its checksum in {CATALOGUE} "
                "(damaged installation?); reinstall sklearn-irnet."
            )
        return load_model(path, device=device)
    path = Path(name_or_path)
    if not path.is_file():
        raise ValueError(
            f"{str(name_or_path)!r} is neither a shipped pre-trained model (available: "
            f"{sorted(models) or 'none in this installation'}) nor an existing model file."
        )
    return load_model(path, device=device)

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


def load_for_inputs(
    name_or_path: str | os.PathLike[str], n_features: int, feature_names: Any = None
) -> Any:
    """:func:`load_pretrained`, checked against the inputs it will be given.

    Parameters
    ----------
    name_or_path : str or path-like
        As for :func:`load_pretrained`.
    n_features : int
        Number of columns of the inputs.
    feature_names : array-like of str or None, default=None
        The inputs' column names, compared with those the model was trained with when
        both are known.

    Returns
    -------
    IRNetRegressor
        The fitted model.

    Raises
    ------
    ValueError
        If the number of columns differs, or a column name is not the one the model was
        trained with at that position.
    """
    model = load_pretrained(name_or_path)
    if n_features != model.n_features_in_:
        raise ValueError(
            f"The pre-trained model {name_or_path!r} takes {model.n_features_in_} features, "
            f"but X has {n_features}; featurize X the way its training data was featurized "
            "(for the OQMD models: the 145 Magpie attributes, "
            "sklearn_irnet.featurize.MagpieFeaturizer)."
        )
    expected = getattr(model, "feature_names_in_", None)
    if feature_names is not None and expected is not None:
        wrong = next((i for i, (a, b) in enumerate(zip(feature_names, expected, strict=True))
                      if a != b), None)
        if wrong is not None:
            raise ValueError(
                f"X's column {wrong} is {feature_names[wrong]!r}, but the pre-trained model "
                f"{name_or_path!r} was trained with {expected[wrong]!r} there; pass the "
                "columns in the pre-training order."
            )
    return model

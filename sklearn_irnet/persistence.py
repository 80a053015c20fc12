"""Save and load fitted IRNetRegressor and IRNetClassifier models without pickle.

:func:`save_model` writes one `safetensors <https://huggingface.co/docs/safetensors>`_ file:
the network's weights and BatchNorm statistics and the input/target scaling as tensors,
and the estimator's parameters and fitted attributes as JSON in the file's metadata,
together with the package version and a SHA-256 digest of everything. Loading such a file
runs no code from it (unlike pickle or :func:`torch.load` without ``weights_only``), works on a
CPU-only machine whatever device trained the model, and refuses files that are truncated,
altered, written by an incompatible format version, or inconsistent with their network.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from ._version import __version__
from .architecture import resolve_architecture
from .network_config import resolve_output_init

FORMAT_NAME = "sklearn-irnet"
FORMAT_VERSION = 1

_MODEL_CLASSES: dict[str, type] = {}


def register_model_class(cls: type) -> type:
    """Make ``cls`` loadable by :func:`load_model` (a class decorator).

    A registered class provides ``get_params()``, ``fitted_state()`` returning
    ``(tensors, attributes)`` and a classmethod ``from_fitted_state(params, tensors,
    attributes, device=...)``; the file records the class by name.
    """
    _MODEL_CLASSES[cls.__name__] = cls
    return cls


WEIGHT_DTYPES = {"float32": torch.float32, "float16": torch.float16,
                 "bfloat16": torch.bfloat16}
"""Storage precisions :func:`save_model` accepts for the network weights."""


def save_model(
    model: Any, path: str | os.PathLike[str], *, weights_dtype: str = "float32"
) -> Path:
    """Write a fitted :class:`~sklearn_irnet.IRNetRegressor` to a safetensors file.

    Parameters
    ----------
    model : IRNetRegressor
        A fitted model. Extra skorch ``callbacks`` are not saved (they are code); the
        loaded model has ``callbacks=None``.
    path : str or path-like
        Output file, conventionally ending in ``.safetensors``.
    weights_dtype : {"float32", "float16", "bfloat16"}, default="float32"
        Storage precision of the network's floating-point weights and BatchNorm
        statistics. ``"float16"`` halves the file; the loaded network computes in float32
        again, with the weights rounded to float16 (check that the error moves little
        before shipping such a file). The input and target scaling are always stored in
        float64.

    Returns
    -------
    Path
        The written file.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from sklearn_irnet import IRNetRegressor
    >>> X, y = np.random.RandomState(0).normal(size=(50, 3)), np.arange(50.0)
    >>> model = IRNetRegressor(architecture=[(8, 1)], max_iter=2, random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> np.array_equal(load_model(save_model(model, path)).predict(X), model.predict(X))
    True
    """
    if weights_dtype not in WEIGHT_DTYPES:
        raise ValueError(f"weights_dtype must be one of {sorted(WEIGHT_DTYPES)}, got "
                         f"{weights_dtype!r}.")
    tensors, attributes = model.fitted_state()
    tensors = {name: _stored(name, tensor, WEIGHT_DTYPES[weights_dtype])
               for name, tensor in tensors.items()}
    metadata = {
        "format": FORMAT_NAME,
        "format_version": str(FORMAT_VERSION),
        "package_version": __version__,
        "torch_version": torch.__version__,
        "estimator": type(model).__name__,
        "weights_dtype": weights_dtype,
        "params": json.dumps(_json_params(model.get_params())),
        "fitted": json.dumps(attributes),
    }
    metadata["sha256"] = _digest(tensors, metadata)
    path = Path(path)
    save_file(tensors, str(path), metadata=metadata)
    return path


def _stored(name: str, tensor: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """The tensor as stored: network floats in ``dtype``, everything else unchanged."""
    if name.startswith("module.") and tensor.is_floating_point():
        return tensor.to(dtype).contiguous()
    return tensor


def load_model(
    path: str | os.PathLike[str], *, device: str = "cpu", expected_class: type | None = None
) -> Any:
    """Load a model written by :func:`save_model`.

    Parameters
    ----------
    path : str or path-like
        The safetensors file.
    device : str, default="cpu"
        Where to put the network (a model trained on a GPU loads on a CPU-only machine).
    expected_class : type or None, default=None
        Refuse a file that holds another kind of model.

    Returns
    -------
    IRNetRegressor
        A fitted model that predicts exactly like the saved one. Its optimiser state is
        not stored: ``warm_start`` training from it starts a fresh optimiser state.

    Raises
    ------
    ValueError
        If the file is not a readable sklearn-irnet file, was truncated or altered, or
        was written by an incompatible format version.
    """
    path = Path(path)
    tensors, metadata = _read_verified(path)
    name = metadata.get("estimator", "IRNetRegressor")  # files before the field
    if name not in _MODEL_CLASSES:
        raise ValueError(f"{path} holds a {name}, which this sklearn-irnet {__version__} "
                         "does not know.")
    if expected_class is not None and _MODEL_CLASSES[name] is not expected_class:
        raise ValueError(f"{path} holds a {name}, not a {expected_class.__name__}.")
    params = json.loads(metadata["params"])
    fitted = json.loads(metadata["fitted"])
    if isinstance(params["architecture"], list):
        params["architecture"] = tuple(tuple(stack) for stack in params["architecture"])
    _upgrade_old_file(params, fitted)
    try:
        return _MODEL_CLASSES[name].from_fitted_state(params, tensors, fitted, device=device)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None


def _read_verified(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Tensors and metadata of a file that passes the format and integrity checks."""
    if not path.is_file():
        raise FileNotFoundError(f"No model file at {path}.")
    try:
        tensors = load_file(str(path), device="cpu")
        with safe_open(str(path), framework="pt") as handle:
            metadata = dict(handle.metadata() or {})
    except (SafetensorError, OSError, ValueError) as error:
        raise ValueError(
            f"{path} is not a readable safetensors model file (truncated or corrupted?): "
            f"{error}"
        ) from None
    if metadata.get("format") != FORMAT_NAME:
        raise ValueError(f"{path} was not written by sklearn-irnet's save_model.")
    if metadata.get("format_version") != str(FORMAT_VERSION):
        raise ValueError(
            f"{path} uses model format version {metadata.get('format_version')!r} (package "
            f"{metadata.get('package_version')}); this sklearn-irnet {__version__} reads "
            f"version {FORMAT_VERSION}. Load it with the version that wrote it and refit."
        )
    expected = metadata.pop("sha256", None)
    if expected != _digest(tensors, metadata):
        raise ValueError(
            f"{path} failed its integrity check: its content does not match the SHA-256 "
            "digest written by save_model (the file was altered or damaged)."
        )
    return tensors, metadata


def _json_params(params: dict[str, Any]) -> dict[str, Any]:
    params = dict(params, callbacks=None)
    if not isinstance(params["architecture"], str):
        params["architecture"] = [[s.width, s.n_layers] if hasattr(s, "width") else list(s)
                                  for s in params["architecture"]]
    if not isinstance(params["random_state"], int | None):
        params["random_state"] = None
    if isinstance(params.get("class_weight"), dict):
        # JSON would turn label keys into text: IRNetClassifier stores the pairs among its
        # fitted attributes and restores the dict from there
        params["class_weight"] = None
    for name in ("checkpoint_dir", "pretrained"):  # paths are stored as text
        if params.get(name) is not None:
            params[name] = os.fspath(params[name])
    return params


def _upgrade_old_file(params: dict[str, Any], fitted: dict[str, Any]) -> None:
    """Fill in what files of earlier releases lack, with the behaviour they were made with."""
    params.setdefault("output_init", "glorot")
    params.setdefault("solver", "adam")
    params.setdefault("learning_rate", "constant")
    params.setdefault("warmup_fraction", None)
    params.setdefault("checkpoint_dir", None)
    fitted.setdefault("lr_curve_", [params["learning_rate_init"]] * len(fitted["loss_curve_"]))
    if "network" not in fitted:  # the network was described by the parameters
        stacks, _ = resolve_architecture("-".join(fitted["stacks"]))
        fitted["network"] = {
            "n_features": fitted["n_features_in_"], "stacks": fitted["stacks"],
            "n_outputs": fitted["n_outputs"], "activation": params["activation"],
            "dropout": params["dropout"], "batch_norm": params["batch_norm"],
            "output_init": resolve_output_init(params["output_init"], stacks),
        }


def _digest(tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(tensors):
        tensor = tensors[name].contiguous().cpu()
        digest.update(name.encode())
        digest.update(str(tensor.dtype).encode() + str(tuple(tensor.shape)).encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    digest.update(json.dumps(metadata, sort_keys=True).encode())
    return digest.hexdigest()

"""Save and load fitted IRNetRegressor models without pickle.

:func:`save_model` writes one `safetensors <https://huggingface.co/docs/safetensors>`_ file:
the network's weights and BatchNorm statistics and the input/target scaling as tensors,
and the estimator's parameters and fitted attributes as JSON in the file's metadata,
together with the package version and a SHA-256 digest of everything. Loading such a file
runs no code from it (unlike pickle or ``torch.load`` without ``weights_only``), works on a
CPU-only machine whatever device trained the model, and refuses files that are truncated,
altered, written by an incompatible format version, or inconsistent with their network.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file
from sklearn.utils.validation import check_is_fitted

from ._version import __version__
from .architecture import resolve_architecture
from .estimator import IRNetRegressor, resolve_output_init
from .network import DeepRegressionNetwork

FORMAT_NAME = "sklearn-irnet"
FORMAT_VERSION = 1

_FITTED_LISTS = ("loss_curve_", "validation_loss_curve_", "validation_scores_")
_FITTED_SCALARS = ("n_iter_", "best_validation_score_", "best_loss_", "architecture_",
                   "n_parameters_", "n_features_in_")
_SCALING = ("input_mean_", "input_scale_", "input_min_", "input_max_", "target_mean_",
            "target_scale_")


def save_model(model: IRNetRegressor, path: str | os.PathLike[str]) -> Path:
    """Write a fitted :class:`~sklearn_irnet.IRNetRegressor` to a safetensors file.

    Parameters
    ----------
    model : IRNetRegressor
        A fitted model. Extra skorch ``callbacks`` are not saved (they are code); the
        loaded model has ``callbacks=None``.
    path : str or path-like
        Output file, conventionally ending in ``.safetensors``.

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
    check_is_fitted(model, "net_")
    tensors = {f"module.{k}": v.detach().cpu().contiguous()
               for k, v in model.net_.module_.state_dict().items()}
    for name in _SCALING:
        tensors[f"scaling.{name}"] = torch.from_numpy(np.asarray(getattr(model, name), float))
    params = model.get_params()
    params["callbacks"] = None
    if not isinstance(params["architecture"], str):
        params["architecture"] = [[s.width, s.n_layers] if hasattr(s, "width") else list(s)
                                  for s in params["architecture"]]
    if not isinstance(params["random_state"], int | None):
        params["random_state"] = None
    fitted: dict[str, Any] = {name: getattr(model, name) for name in _FITTED_SCALARS}
    fitted.update({name: getattr(model, name) for name in _FITTED_LISTS})
    fitted["y_is_1d"] = bool(model._y_is_1d)
    fitted["constant_target_"] = [bool(v) for v in model.constant_target_]
    fitted["n_outputs"] = int(model._network_config["n_outputs"])
    fitted["stacks"] = [s.to_string() for s in model._network_config["stacks"]]
    if hasattr(model, "feature_names_in_"):
        fitted["feature_names_in_"] = [str(n) for n in model.feature_names_in_]
    metadata = {
        "format": FORMAT_NAME,
        "format_version": str(FORMAT_VERSION),
        "package_version": __version__,
        "torch_version": torch.__version__,
        "params": json.dumps(params),
        "fitted": json.dumps(fitted),
    }
    metadata["sha256"] = _digest(tensors, metadata)
    path = Path(path)
    save_file(tensors, str(path), metadata=metadata)
    return path


def load_model(path: str | os.PathLike[str], *, device: str = "cpu") -> IRNetRegressor:
    """Load a model written by :func:`save_model`.

    Parameters
    ----------
    path : str or path-like
        The safetensors file.
    device : str, default="cpu"
        Where to put the network (a model trained on a GPU loads on a CPU-only machine).

    Returns
    -------
    IRNetRegressor
        A fitted model that predicts exactly like the saved one. Its optimiser state is
        not stored: ``warm_start`` training from it starts a fresh Adam state.

    Raises
    ------
    ValueError
        If the file is not a readable sklearn-irnet file, was truncated or altered, or
        was written by an incompatible format version.
    """
    path = Path(path)
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
    params = json.loads(metadata["params"])
    fitted = json.loads(metadata["fitted"])
    if isinstance(params["architecture"], list):
        params["architecture"] = tuple(tuple(stack) for stack in params["architecture"])
    params["device"] = device
    params.setdefault("output_init", "glorot")  # files written before the option existed
    model = IRNetRegressor(**params)
    stacks, _ = resolve_architecture("-".join(fitted["stacks"]))
    module = DeepRegressionNetwork(
        fitted["n_features_in_"], stacks, fitted["n_outputs"], activation=params["activation"],
        dropout=params["dropout"], batch_norm=params["batch_norm"],
        output_init=resolve_output_init(params["output_init"], stacks),
    )
    state = {k.removeprefix("module."): v for k, v in tensors.items() if k.startswith("module.")}
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise ValueError(
            f"{path}: the stored weights do not fit the stored architecture "
            f"{fitted['architecture_']!r}: {str(error).splitlines()[0]}"
        ) from None
    model.net_ = model._make_net(module, device)
    for name in _SCALING:
        setattr(model, name, tensors[f"scaling.{name}"].numpy())
    for name in (*_FITTED_SCALARS, *_FITTED_LISTS):
        setattr(model, name, fitted[name])
    if "feature_names_in_" in fitted:
        model.feature_names_in_ = np.asarray(fitted["feature_names_in_"], dtype=object)
    model._y_is_1d = fitted["y_is_1d"]
    model.constant_target_ = np.asarray(fitted["constant_target_"], dtype=bool)
    model._device = device
    model._network_config = {
        "stacks": stacks, "n_outputs": fitted["n_outputs"], "activation": params["activation"],
        "dropout": params["dropout"], "batch_norm": params["batch_norm"],
        "loss": params["loss"],
        "standardize": (params["standardize_inputs"], params["standardize_target"]),
    }
    return model


def _digest(tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(tensors):
        tensor = tensors[name].contiguous().cpu()
        digest.update(name.encode())
        digest.update(str(tensor.dtype).encode() + str(tuple(tensor.shape)).encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    digest.update(json.dumps(metadata, sort_keys=True).encode())
    return digest.hexdigest()

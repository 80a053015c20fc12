"""Safe persistence: safetensors + JSON, integrity checks, no pickle needed to load."""

import json

import numpy as np
import pandas as pd
import pytest
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from sklearn_irnet import IRNetRegressor
from sklearn_irnet.persistence import load_model, save_model

from .conftest import FAST_PARAMS

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def fitted(regression_data):
    X, y = regression_data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    Y = np.column_stack([y, 2 * y])
    model = IRNetRegressor(**{**FAST_PARAMS, "early_stopping": True, "dropout": 0.1})
    return model.fit(frame, Y), frame


def test_round_trip_predicts_identically(fitted, tmp_path):
    model, frame = fitted
    path = model.save(tmp_path / "m.safetensors")
    restored = IRNetRegressor.load(path)
    np.testing.assert_array_equal(restored.predict(frame), model.predict(frame))
    assert list(restored.feature_names_in_) == list(frame.columns)
    assert restored.get_params() == {**model.get_params(), "callbacks": None}
    assert restored.loss_curve_ == model.loss_curve_
    assert restored.architecture_ == model.architecture_
    with pytest.raises(ValueError, match="features"):
        restored.predict(frame.iloc[:, :3].to_numpy())
    restored.set_params(warm_start=True, max_iter=2).fit(frame, np.column_stack([frame.f0] * 2))


def test_one_d_target_and_stack_architecture(regression_data, tmp_path):
    X, y = regression_data
    model = IRNetRegressor(**{**FAST_PARAMS, "architecture": "16BARx1-8BAx2R-1"}).fit(X, y)
    restored = load_model(save_model(model, tmp_path / "m.safetensors"))
    assert restored.predict(X).shape == (len(X),)
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))


def test_device_of_training_does_not_matter(fitted, tmp_path):
    model, frame = fitted
    model.set_params(device="cuda")  # as if trained on a GPU: the file stores CPU tensors
    restored = load_model(save_model(model, tmp_path / "gpu.safetensors"))
    assert restored.device == "cpu"
    np.testing.assert_array_equal(restored.predict(frame), model.set_params(device="cpu")
                                  .predict(frame))


def test_truncated_file_is_refused(fitted, tmp_path):
    model, _ = fitted
    path = save_model(model, tmp_path / "m.safetensors")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated or corrupted"):
        load_model(path)


def _saved_contents(model, tmp_path):
    """Save the model; return the path, its tensors and its metadata for tampering."""
    path = save_model(model, tmp_path / "m.safetensors")
    with safe_open(str(path), framework="pt") as handle:
        metadata = dict(handle.metadata())
    return path, load_file(str(path)), metadata


def test_altered_weights_are_refused(fitted, tmp_path):
    path, tensors, metadata = _saved_contents(fitted[0], tmp_path)
    tensors["module.head.weight"] = tensors["module.head.weight"] + 1e-3
    save_file(tensors, str(path), metadata=metadata)
    with pytest.raises(ValueError, match="integrity check"):
        load_model(path)


def test_incompatible_version_and_foreign_files_are_refused(fitted, tmp_path):
    path, tensors, metadata = _saved_contents(fitted[0], tmp_path)
    save_file(tensors, str(path), metadata={**metadata, "format_version": "99"})
    with pytest.raises(ValueError, match="format version '99'"):
        load_model(path)
    save_file(tensors, str(path), metadata={"format": "something-else"})
    with pytest.raises(ValueError, match="not written by sklearn-irnet"):
        load_model(path)
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "absent.safetensors")


def test_metadata_is_plain_json_and_names_versions(fitted, tmp_path):
    _, _, metadata = _saved_contents(fitted[0], tmp_path)
    assert metadata["package_version"] and metadata["torch_version"]
    assert json.loads(metadata["params"])["architecture"] == [[16, 2]]
    assert not any("pickle" in key for key in metadata)


def test_output_init_is_kept_and_older_files_mean_glorot(fitted, tmp_path):
    from sklearn_irnet.persistence import _digest

    model, frame = fitted
    assert load_model(save_model(model, tmp_path / "a.safetensors")).output_init == "auto"
    # a file written before output_init existed (its networks had a Glorot output layer):
    # no such parameter, a valid digest; it must not load as the newer default "auto"
    path, tensors, metadata = _saved_contents(model, tmp_path)
    params = json.loads(metadata["params"])
    del params["output_init"]
    metadata["params"] = json.dumps(params)
    metadata.pop("sha256")
    metadata["sha256"] = _digest(tensors, metadata)
    save_file(tensors, str(path), metadata=metadata)
    old = load_model(path)
    assert old.output_init == "glorot"
    np.testing.assert_array_equal(old.predict(frame), model.predict(frame))
    glorot = load_model(save_model(model.set_params(output_init="glorot"),
                                   tmp_path / "b.safetensors"))
    assert glorot.output_init == "glorot"


def test_half_precision_storage_halves_the_weights_and_predicts_closely(fitted, tmp_path):
    model, frame = fitted
    full = model.save(tmp_path / "full.safetensors")
    half = model.save(tmp_path / "half.safetensors", weights_dtype="float16")
    with safe_open(str(half), framework="pt") as handle:
        assert handle.metadata()["weights_dtype"] == "float16"
        tensors = {name: handle.get_tensor(name) for name in handle.keys()}
    import torch

    dtypes = {name: tensor.dtype for name, tensor in tensors.items()}
    full_tensors = load_file(str(full))

    assert all(dtypes[name] == torch.float16 for name in dtypes
               if name.startswith("module.") and "num_batches" not in name)
    assert all(dtypes[name] == torch.float64 for name in dtypes if name.startswith("scaling."))
    def weight_bytes(stored):
        return sum(t.numel() * t.element_size() for n, t in stored.items()
                   if n.startswith("module.") and t.is_floating_point())

    assert weight_bytes(tensors) * 2 == weight_bytes(full_tensors)
    restored = IRNetRegressor.load(half)
    assert next(restored.net_.module_.parameters()).dtype == torch.float32
    exact, rounded = model.predict(frame), restored.predict(frame)
    assert not np.array_equal(exact, rounded)  # the weights really were rounded
    np.testing.assert_allclose(rounded, exact, atol=1e-2 * np.abs(exact).max())
    with pytest.raises(ValueError, match="weights_dtype must be one of"):
        model.save(tmp_path / "x.safetensors", weights_dtype="int8")

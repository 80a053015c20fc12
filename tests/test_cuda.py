"""GPU behaviour: data moved once, CPU/GPU agreement, autocast, persistence, out-of-memory.

Every test here needs a CUDA device and is skipped, with that reason, on CPU-only machines
(CI has none); they were run on a lent GPU machine (see docs/user_guide/reliability.md).
"""

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sklearn_irnet import IRNetRegressor
from sklearn_irnet.persistence import load_model, save_model

from .conftest import FAST_PARAMS, fitted_callback

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA device (none on this machine)"
)


class BatchStorageRecorder(Callback):
    """Records, per training batch, the device and the storage the batch tensor views."""

    def initialize(self):
        self.batches_ = []
        return self

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training:
            X = batch[0]
            self.batches_.append((len(net.history), X.device.type,
                                  X.untyped_storage().data_ptr()))


def test_batches_are_slices_of_one_device_tensor_per_epoch(regression_data):
    X, y = regression_data
    model = IRNetRegressor(**{**FAST_PARAMS, "device": "cuda", "max_iter": 3},
                           callbacks=[BatchStorageRecorder()]).fit(X, y)
    recorder = fitted_callback(model, BatchStorageRecorder)
    assert next(model.net_.module_.parameters()).is_cuda
    assert {device for _, device, _ in recorder.batches_} == {"cuda"}
    for epoch in (1, 2, 3):
        storages = {ptr for e, _, ptr in recorder.batches_ if e == epoch}
        # every batch of an epoch views the same shuffled tensor: no per-batch copy
        assert len(storages) == 1
    assert sum(1 for e, _, _ in recorder.batches_ if e == 1) == -(-len(X) // 16)


def test_gpu_and_cpu_training_agree(regression_data):
    X, y = regression_data
    # batch 32: 8 steps an epoch, enough for 40 epochs to fit these 240 rows (R2 0.97 on
    # CPU); the default batch 128 gives 2 steps an epoch and R2 0.89 on either device
    params = {"architecture": [(32, 2)], "max_iter": 40, "batch_size": 32, "random_state": 0}
    on_gpu = IRNetRegressor(**params, device="cuda").fit(X, y)
    on_cpu = IRNetRegressor(**params, device="cpu").fit(X, y)
    assert on_gpu.score(X, y) > 0.9
    # same seed, same batches: float32 kernels differ only in rounding
    np.testing.assert_allclose(on_gpu.predict(X), on_cpu.predict(X), atol=0.1)
    assert abs(on_gpu.score(X, y) - on_cpu.score(X, y)) < 0.02


def test_gpu_fit_is_repeatable(regression_data):
    X, y = regression_data
    params = {**FAST_PARAMS, "device": "cuda"}
    first = IRNetRegressor(**params).fit(X, y).predict(X)
    second = IRNetRegressor(**params).fit(X, y).predict(X)
    np.testing.assert_allclose(first, second, rtol=1e-5, atol=1e-5)


def test_global_cuda_rng_untouched(regression_data):
    X, y = regression_data
    state = torch.cuda.get_rng_state()
    IRNetRegressor(**{**FAST_PARAMS, "device": "cuda", "dropout": 0.1}).fit(X, y)
    assert torch.equal(torch.cuda.get_rng_state(), state)


@pytest.mark.parametrize("autocast", ["bfloat16", "float16"])
def test_autocast_on_gpu(regression_data, autocast):
    X, y = regression_data
    model = IRNetRegressor(architecture=[(64, 3)], max_iter=60, random_state=0,
                           device="cuda", autocast=autocast).fit(X, y)
    pred = model.predict(X)
    assert pred.dtype == np.float64 and np.isfinite(pred).all()
    assert model.score(X, y) > 0.85


def test_gpu_model_loads_on_cpu_only(regression_data, tmp_path):
    X, y = regression_data
    model = IRNetRegressor(**{**FAST_PARAMS, "device": "cuda"}).fit(X, y)
    path = save_model(model, tmp_path / "gpu.safetensors")
    restored = load_model(path)  # device="cpu" by default
    assert restored.device == "cpu"
    assert not next(restored.net_.module_.parameters()).is_cuda
    np.testing.assert_allclose(restored.predict(X), model.predict(X), rtol=1e-4, atol=1e-4)
    on_gpu = load_model(path, device="cuda")
    assert next(on_gpu.net_.module_.parameters()).is_cuda
    np.testing.assert_array_equal(on_gpu.predict(X), model.predict(X))


def test_out_of_memory_gives_remedies_and_keeps_fitted_state(regression_data):
    X, y = regression_data
    model = IRNetRegressor(**{**FAST_PARAMS, "device": "cuda"}).fit(X, y)
    before = model.predict(X)
    torch.cuda.empty_cache()
    free, _ = torch.cuda.mem_get_info()
    filler = torch.empty(free - 64 * 2**20, dtype=torch.uint8, device="cuda")
    try:  # 64 MB left: the 4096-wide layers (64 MB of weights each) cannot fit
        with pytest.raises(torch.OutOfMemoryError, match="ran out of memory.*Lower batch_size"):
            model.set_params(architecture=[(4096, 4)]).fit(X, y)
    finally:
        del filler
        torch.cuda.empty_cache()
    np.testing.assert_array_equal(model.predict(X), before)

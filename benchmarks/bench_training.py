"""Training and prediction throughput of IRNetRegressor against hand-written PyTorch.

For each network and batch size, one run interleaves (rounds of) four measurements on the
same synthetic data (145 features, like the Magpie attributes):

(a) ``IRNetRegressor.fit`` — samples/s from skorch's per-epoch durations, first epoch of
    every fit dropped as warm-up;
(b) a minimal hand-written loop over the same torch module and optimiser (AdamW with the
    fused step where torch has it, as the estimator): per epoch one seeded permutation,
    then slices of in-memory tensors, ``zero_grad``/``backward``/``step``;
(c) the bare arithmetic: forward, backward and Adam step on one fixed batch, repeated as
    many times as an epoch has batches (the practical ceiling on this machine);
(d) "before": skorch's stock ``NeuralNetRegressor`` with its default ``DataLoader``
    iterator over the same module (per-row indexing and collation);
(e) with ``--autocast``: the estimator with bfloat16 autocast, plus the test MAE of float32
    and bfloat16 training on the same data and seed;
(f) with ``--compile``: the hand-written loop (b) over ``torch.compile(module)``, to see
    whether compiling would pay (the first, compiling epoch is dropped as warm-up).

(g) with ``--unfused``: the hand-written loop (b) with torch's default (per-parameter loop)
    Adam step, the optimiser the estimator used before it took the fused step.

It prints samples/s (median over rounds) and the ratios a/b and b/c, the predict
throughput, and the process's peak resident memory, with the torch version, thread count
and load average, so that a noisy machine can be recognised.

Share of the machine's matmul rate: every round also times a float32 ``torch.mm`` of two
2048x2048 matrices on the same threads (median of 10 products, 2*2048**3 FLOPs each). A
training sample costs about three times its forward pass, that is 6 FLOPs per weight of
the network's linear layers (BatchNorm, activations and the optimiser step are not
counted), so ``share = samples/s * 6 * weights / matmul FLOP/s``; it is printed for (a)
and (b).

``--out`` also writes what is printed to a file, after a machine-made header. Example::

    python benchmarks/bench_training.py --threads 1 --rows 4096 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _settings import add_options, recorded_output  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--architectures", default="irnet17,irnet48",
                        help="presets or authors' strings such as 256BARx4-1")
    parser.add_argument("--batch-sizes", default="32,256")
    parser.add_argument("--rows", type=int, default=4096, help="training rows")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="'cpu' or 'cuda'")
    parser.add_argument("--skip-skorch-default", action="store_true",
                        help="skip (d), the stock skorch DataLoader iterator")
    parser.add_argument("--autocast", action="store_true",
                        help="add (e): the estimator with bfloat16 autocast, and its accuracy")
    parser.add_argument("--compile", action="store_true",
                        help="add (f): the hand-written loop over torch.compile(module)")
    parser.add_argument("--unfused", action="store_true",
                        help="add (g): the hand-written loop with the unfused Adam step")
    add_options(parser, "out")
    return parser.parse_args(argv)


def make_data(rows: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(rows, 145)).astype(np.float32)
    y = (X[:, :10].sum(axis=1) + np.sin(X[:, 10])).astype(np.float32)
    return X, y


DEVICE = "cpu"  # set from --device in main()


def _sync() -> None:
    """Wait for queued GPU work so that wall-clock timings cover it."""
    if DEVICE.startswith("cuda"):
        torch.cuda.synchronize()


def estimator_rate(arch: str, batch: int, X, y, epochs: int, autocast=None) -> float:
    from sklearn_irnet import IRNetRegressor

    model = IRNetRegressor(architecture=arch, batch_size=batch, max_iter=epochs + 1,
                           early_stopping=False, n_iter_no_change=10**6, tol=0.0,
                           random_state=0, autocast=autocast, device=DEVICE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    durations = list(model.net_.history[1:, "dur"])  # drop the warm-up epoch
    return len(X) / statistics.median(durations)


def _module_and_optimizer(arch: str, fused: bool = True):
    from sklearn_irnet._schedule import fused_step_available
    from sklearn_irnet.architecture import resolve_architecture
    from sklearn_irnet.network import DeepRegressionNetwork

    stacks, _ = resolve_architecture(arch)  # a preset or an authors' string
    torch.manual_seed(0)
    module = DeepRegressionNetwork(145, stacks).to(DEVICE).train()
    if not fused:
        return module, torch.optim.Adam(module.parameters(), lr=1e-3)
    fused_step = fused_step_available(torch.device(DEVICE).type) or None
    return module, torch.optim.AdamW(module.parameters(), lr=1e-3, weight_decay=0.0,
                                     fused=fused_step)


def linear_weights(arch: str) -> int:
    """Number of weights in the linear layers (projections and output included)."""
    module, _ = _module_and_optimizer(arch)
    return sum(m.weight.numel() for m in module.modules() if isinstance(m, torch.nn.Linear))


def matmul_flops() -> float:
    """float32 FLOP/s of a 2048x2048 ``torch.mm`` on the current threads (median of 10)."""
    a = torch.randn(2048, 2048, device=DEVICE)
    b = torch.randn(2048, 2048, device=DEVICE)
    torch.mm(a, b)
    times = []
    for _ in range(10):
        _sync()
        started = time.perf_counter()
        torch.mm(a, b)
        _sync()
        times.append(time.perf_counter() - started)
    return 2 * 2048**3 / statistics.median(times)


def handwritten_rate(arch: str, batch: int, X, y, epochs: int, compile: bool = False,
                     fused: bool = True) -> float:
    module, optimizer = _module_and_optimizer(arch, fused=fused)
    if compile:  # compilation happens in the first epoch, which is dropped as warm-up
        module = torch.compile(module, dynamic=False)
    criterion = torch.nn.L1Loss()
    Xt, yt = torch.from_numpy(X).to(DEVICE), torch.from_numpy(y)[:, None].to(DEVICE)
    generator = torch.Generator().manual_seed(0)
    durations = []
    for _ in range(epochs + 1):
        _sync()
        started = time.perf_counter()
        order = torch.randperm(len(Xt), generator=generator).to(DEVICE)
        Xs, ys = Xt[order], yt[order]
        for start in range(0, len(Xs), batch):
            optimizer.zero_grad()
            loss = criterion(module(Xs[start:start + batch]), ys[start:start + batch])
            loss.backward()
            optimizer.step()
        _sync()
        durations.append(time.perf_counter() - started)
    return len(X) / statistics.median(durations[1:])


def arithmetic_rate(arch: str, batch: int, X, y, epochs: int) -> float:
    module, optimizer = _module_and_optimizer(arch)
    criterion = torch.nn.L1Loss()
    xb = torch.from_numpy(X[:batch]).contiguous().to(DEVICE)
    yb = torch.from_numpy(y[:batch])[:, None].contiguous().to(DEVICE)
    steps = -(-len(X) // batch)
    durations = []
    for _ in range(epochs + 1):
        _sync()
        started = time.perf_counter()
        for _ in range(steps):
            optimizer.zero_grad()
            criterion(module(xb), yb).backward()
            optimizer.step()
        _sync()
        durations.append(time.perf_counter() - started)
    return steps * batch / statistics.median(durations[1:])


def skorch_default_rate(arch: str, batch: int, X, y, epochs: int) -> float:
    from skorch import NeuralNetRegressor

    module, _ = _module_and_optimizer(arch)
    net = NeuralNetRegressor(module, criterion=torch.nn.L1Loss, optimizer=torch.optim.Adam,
                             lr=1e-3, batch_size=batch, max_epochs=epochs + 1,
                             train_split=None, iterator_train__shuffle=True, verbose=0,
                             device=DEVICE)
    net.fit(X, y[:, None])
    return len(X) / statistics.median(net.history[1:, "dur"])


def unfused_rate(arch: str, batch: int, X, y, epochs: int) -> float:
    return handwritten_rate(arch, batch, X, y, epochs, fused=False)


def compiled_rate(arch: str, batch: int, X, y, epochs: int) -> float:
    return handwritten_rate(arch, batch, X, y, epochs, compile=True)


def bf16_rate(arch: str, batch: int, X, y, epochs: int) -> float:
    return estimator_rate(arch, batch, X, y, epochs, autocast="bfloat16")


def autocast_accuracy(arch: str, rows: int) -> str:
    """Test MAE of float32 and bfloat16-autocast training on the same split and seed."""
    from sklearn_irnet import IRNetRegressor

    X, y = make_data(rows + 2000, seed=1)
    results = []
    for autocast in (None, "bfloat16"):
        model = IRNetRegressor(architecture=arch, max_iter=20, random_state=0,
                               autocast=autocast, device=DEVICE)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X[:rows], y[:rows])
        mae = np.mean(np.abs(model.predict(X[rows:]) - y[rows:]))
        results.append(f"{autocast or 'float32'} test MAE {mae:.4f}")
    return f"accuracy {arch}, {rows} training rows, 20 epochs: " + ", ".join(results)


def predict_rate(arch: str, X, y) -> float:
    from sklearn_irnet import IRNetRegressor

    model = IRNetRegressor(architecture=arch, max_iter=1, early_stopping=False,
                           random_state=0, device=DEVICE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X[:512], y[:512])
    model.predict(X)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        model.predict(X)
        times.append(time.perf_counter() - started)
    return len(X) / statistics.median(times)


def main(argv=None) -> None:
    global DEVICE
    args = parse_args(argv)
    DEVICE = args.device
    torch.set_num_threads(args.threads)
    with recorded_output(args.out, args.threads):
        measure(args)


def measure(args: argparse.Namespace) -> None:
    """Run every measurement and print the tables."""
    import skorch

    import sklearn_irnet

    print(f"device {DEVICE}, torch {torch.__version__}, threads {torch.get_num_threads()}, skorch "
          f"{skorch.__version__}, sklearn-irnet {sklearn_irnet.__version__}, "
          f"python {platform.python_version()}, cpus {os.cpu_count()}")
    print(f"load average before: {os.getloadavg()} (above ~0.5 the machine is not quiet)")
    print(f"config: {vars(args)}")
    X, y = make_data(args.rows)
    methods = {"a_estimator": estimator_rate, "b_handwritten": handwritten_rate,
               "c_arithmetic": arithmetic_rate}
    if not args.skip_skorch_default:
        methods["d_skorch_default"] = skorch_default_rate
    if args.autocast:
        methods["e_estimator_bf16"] = bf16_rate
    if args.compile:
        methods["f_handwritten_compiled"] = compiled_rate
    if args.unfused:
        methods["g_unfused_adam"] = unfused_rate
    header = (f"{'network':8} {'batch':>5} " + " ".join(f"{m:>16}" for m in methods)
              + f" {'a/b':>6} {'b/c':>6} {'mm GF/s':>8} {'share a':>7} {'share b':>7}")
    lines = [header]
    for arch in args.architectures.split(","):
        flops_per_sample = 6 * linear_weights(arch)
        for batch in (int(b) for b in args.batch_sizes.split(",")):
            rates: dict[str, list[float]] = {m: [] for m in methods}
            matmul: list[float] = []
            for _ in range(args.rounds):
                matmul.append(matmul_flops())
                for name, measure in methods.items():
                    rates[name].append(measure(arch, batch, X, y, args.epochs))
            med = {m: statistics.median(v) for m, v in rates.items()}
            peak = statistics.median(matmul)
            line = (f"{arch:8} {batch:>5} " + " ".join(f"{med[m]:>16.0f}" for m in methods)
                    + f" {med['a_estimator'] / med['b_handwritten']:>6.3f}"
                    + f" {med['b_handwritten'] / med['c_arithmetic']:>6.3f}"
                    + f" {peak / 1e9:>8.1f}"
                    + f" {med['a_estimator'] * flops_per_sample / peak:>7.3f}"
                    + f" {med['b_handwritten'] * flops_per_sample / peak:>7.3f}")
            print(line, flush=True)
            lines.append(line)
    print("\nsamples/s, median of", args.rounds, "interleaved rounds; mm GF/s: float32 "
          "torch.mm 2048x2048; share: samples/s * 6 * linear weights / mm FLOP/s")
    print("\n".join(lines))
    for arch in args.architectures.split(","):
        print(f"predict {arch}: {predict_rate(arch, X, y):.0f} rows/s ({args.rows} rows)")
    if args.autocast:
        print(autocast_accuracy(args.architectures.split(",")[0], args.rows))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process: {peak_mb:.0f} MB")
    if DEVICE.startswith("cuda"):
        print(f"GPU: {torch.cuda.get_device_name()}, peak GPU memory allocated: "
              f"{torch.cuda.max_memory_allocated() / 2**20:.0f} MB")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()

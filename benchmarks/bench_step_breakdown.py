"""Where the time of one training step goes, as shares of the machine's matmul rate.

The speed goal of a training step is stated as a share of this machine's float32 matmul
rate (a ``torch.mm`` of two 2048x2048 matrices on the same threads):
``share = samples/s * 6 * linear weights / matmul FLOP/s``. This script splits one step
of the network (AdamW with the fused step, as the estimator) into parts and prints, for
each, milliseconds per step and the share the step would reach if that part were all
there was:

- ``gemm``: only the matrix products of the linear layers at the step's own shapes, run
  one after the other on matrices of their own: per layer the forward ``addmm``
  (batch x in) @ (in x out), the gradient of the weight (out x batch) @ (batch x in) and,
  unless the layer reads the network's input, the gradient of its input
  (batch x out) @ (out x in). A step can hardly be faster than this on this machine, so
  its share is the practical ceiling of the whole step;
- ``forward_backward``: forward pass, L1 loss and backward pass of the module (gradients
  set to None before each), so ``forward_backward - gemm`` is what BatchNorm, ReLU, the
  shortcut additions, the loss and autograd's bookkeeping cost;
- ``optimizer``: one fused AdamW step alone, on gradients already there;
- ``step``: all of it, as a training loop runs it (``zero_grad``, forward, backward,
  step), on one fixed batch.

Each part is the median of ``--repeats`` timings after a warm-up, measured part by part
in interleaved rounds, with the matmul rate measured in every round. The thread count,
torch version and load average are printed; above a load of about 0.5 besides this
process the machine is not quiet and the figures are low.

Example::

    python benchmarks/bench_step_breakdown.py --threads 2 --batch-sizes 32,256
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_training import _module_and_optimizer, linear_weights, matmul_flops  # noqa: E402

PARTS = ("gemm", "forward_backward", "optimizer", "step")


def _median_seconds(function: Callable[[], object], repeats: int) -> float:
    function()  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _gemm_shapes(module: torch.nn.Module, xb: torch.Tensor) -> list[tuple[int, int, int]]:
    """``(m, k, n)`` of every matrix product one step of ``module`` on ``xb`` makes: per
    linear layer the forward product, the weight's gradient and, unless the layer reads
    the network's input (which needs no gradient), the gradient of its input."""
    calls: list[tuple[torch.nn.Linear, bool]] = []
    hooks = [layer.register_forward_hook(
        lambda layer, inputs, _: calls.append((layer, inputs[0] is xb)))
        for layer in module.modules() if isinstance(layer, torch.nn.Linear)]
    with torch.no_grad():
        module(xb)
    for hook in hooks:
        hook.remove()
    batch, shapes = len(xb), []
    for layer, reads_input in calls:
        out_features, in_features = layer.weight.shape
        shapes += [(batch, in_features, out_features), (out_features, batch, in_features)]
        if not reads_input:
            shapes.append((batch, out_features, in_features))
    return shapes


def gemm_seconds(module: torch.nn.Module, xb: torch.Tensor, repeats: int) -> float:
    """Seconds of the step's matrix products alone: all of them in the order of the step,
    each on matrices of its own (as each layer has its own weights, which do not all stay
    in cache), timed together."""
    operands = [(torch.randn(m, k), torch.randn(k, n), torch.randn(n))
                for m, k, n in _gemm_shapes(module, xb)]

    def products() -> None:
        for a, b, bias in operands:
            torch.addmm(bias, a, b)

    return _median_seconds(products, repeats)


def measure(arch: str, batch: int, repeats: int) -> dict[str, float]:
    """Seconds per step of each part of :data:`PARTS` for one network and batch size."""
    module, optimizer = _module_and_optimizer(arch)
    criterion = torch.nn.L1Loss()
    generator = torch.Generator().manual_seed(0)
    xb = torch.randn(batch, 145, generator=generator)
    yb = torch.randn(batch, 1, generator=generator)

    def forward_backward() -> None:
        optimizer.zero_grad(set_to_none=True)
        criterion(module(xb), yb).backward()

    def step() -> None:
        forward_backward()
        optimizer.step()

    forward_backward()  # gradients in place for the optimizer-only timing
    return {"gemm": gemm_seconds(module, xb, repeats),
            "forward_backward": _median_seconds(forward_backward, repeats),
            "optimizer": _median_seconds(optimizer.step, repeats),
            "step": _median_seconds(step, repeats)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--architectures", default="irnet17")
    parser.add_argument("--batch-sizes", default="32,256")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=30, help="timings per part")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, cpus "
          f"{os.cpu_count()}, load average before {os.getloadavg()[0]:.2f}")
    print(f"config: {vars(args)}")
    header = (f"{'network':9} {'batch':>5} {'part':17} {'ms/step':>9} {'share':>6} "
              f"{'of step':>7}")
    rows = []
    for arch in args.architectures.split(","):
        weights = linear_weights(arch)
        for batch in (int(b) for b in args.batch_sizes.split(",")):
            rounds, rates = [], []
            for _ in range(args.rounds):
                rates.append(matmul_flops())
                rounds.append(measure(arch, batch, args.repeats))
            rate = statistics.median(rates)
            parts = {p: statistics.median(r[p] for r in rounds) for p in PARTS}
            flops = 6 * weights * batch
            for part in PARTS:
                rows.append(f"{arch:9} {batch:5d} {part:17} {parts[part] * 1e3:9.2f} "
                            f"{flops / parts[part] / rate:6.3f} "
                            f"{parts[part] / parts['step']:7.2f}")
            other = parts["forward_backward"] - parts["gemm"]
            rows.append(f"{arch:9} {batch:5d} {'non-gemm fwd/bwd':17} {other * 1e3:9.2f} "
                        f"{'':>6} {other / parts['step']:7.2f}")
            rows.append(f"{arch:9} {batch:5d} matmul 2048x2048 {rate / 1e9:8.1f} GF/s; "
                        f"{weights:,} linear weights; {flops / 1e9:.3f} GFLOP per step")
    print(header)
    print("\n".join(rows))
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

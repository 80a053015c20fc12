"""Where the time of one training step goes, against this machine's roofline.

A training step of IRNet-17 (AdamW with the fused step, as the estimator) cannot be faster
than either of two bounds measured in the same run on the same threads:

- compute: ``6 x linear weights x batch`` FLOP at the float32 rate of a ``torch.mm`` of two
  2048x2048 matrices;
- memory: the optimizer's traffic, 8 float32 words per parameter (read weight, gradient,
  two moments; write weight and two moments; the gradient written by backward) at the
  rate of a streaming ``torch.add`` of three 128 MB arrays.

``roofline = max(compute, memory)`` and the step's *share* of it is ``roofline / step
time`` (1.0 would run at the bound). The step is split into parts, each timed alone:

- ``gemm_forward`` and ``gemm_backward``: only the matrix products of the linear layers at
  the step's own shapes, on matrices of their own: per layer the forward ``addmm``
  (batch x in) @ (in x out); the weight's gradient (out x batch) @ (batch x in) and, unless
  the layer reads the network's input, the gradient of its input (batch x out) @ (out x in);
- ``forward_backward``: forward pass, L1 loss and backward pass of the module (gradients
  set to None before each); ``elementwise`` is ``forward_backward`` minus both GEMM parts:
  BatchNorm, ReLU, the shortcut additions, the bias terms, the loss and autograd;
- ``optimizer``: one fused AdamW step alone, on gradients already there;
- ``step``: all of it, as a training loop runs it (``zero_grad``, forward, backward,
  step), on one fixed batch.

Each part is the median of ``--repeats`` timings after a warm-up, measured part by part
in interleaved rounds, with both rates measured in every round. The thread count, torch
version and load average are printed; above a load of about 0.5 besides this process the
machine is not quiet and the figures are low. ``--out FILE.json`` also writes every
figure.

Example::

    python benchmarks/bench_step_breakdown.py --threads 2 --batch-sizes 32,128,256
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_training import _module_and_optimizer, linear_weights, matmul_flops  # noqa: E402

PARTS = ("gemm_forward", "gemm_backward", "forward_backward", "optimizer", "step")

#: float32 words of memory traffic per parameter in one AdamW step (see the docstring)
WORDS_PER_PARAMETER = 8


def _median_seconds(function: Callable[[], object], repeats: int) -> float:
    function()  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _gemm_shapes(module: torch.nn.Module, xb: torch.Tensor
                 ) -> dict[str, list[tuple[int, int, int]]]:
    """``(m, k, n)`` of every matrix product one step of ``module`` on ``xb`` makes, by
    pass: per linear layer the forward product; the weight's gradient and, unless the
    layer reads the network's input (which needs no gradient), the gradient of its input."""
    calls: list[tuple[torch.nn.Linear, bool]] = []
    hooks = [layer.register_forward_hook(
        lambda layer, inputs, _: calls.append((layer, inputs[0] is xb)))
        for layer in module.modules() if isinstance(layer, torch.nn.Linear)]
    with torch.no_grad():
        module(xb)
    for hook in hooks:
        hook.remove()
    batch = len(xb)
    shapes: dict[str, list[tuple[int, int, int]]] = {"gemm_forward": [], "gemm_backward": []}
    for layer, reads_input in calls:
        out_features, in_features = layer.weight.shape
        shapes["gemm_forward"].append((batch, in_features, out_features))
        shapes["gemm_backward"].append((out_features, batch, in_features))
        if not reads_input:
            shapes["gemm_backward"].append((batch, out_features, in_features))
    return shapes


def gemm_seconds(shapes: list[tuple[int, int, int]], repeats: int) -> float:
    """Seconds of these matrix products alone, in order, each on matrices of its own (as
    each layer has its own weights, which do not all stay in cache), timed together."""
    operands = [(torch.randn(m, k), torch.randn(k, n), torch.randn(n)) for m, k, n in shapes]

    def products() -> None:
        for a, b, bias in operands:
            torch.addmm(bias, a, b)

    return _median_seconds(products, repeats)


def stream_bytes_per_second(n_floats: int = 2**25, repeats: int = 10) -> float:
    """Streaming memory rate: ``torch.add(a, b, out=c)`` over three arrays of
    ``n_floats`` float32 (128 MB each), counting 3 x 4 bytes per element."""
    a, b, c = torch.rand(n_floats), torch.rand(n_floats), torch.empty(n_floats)
    seconds = _median_seconds(lambda: torch.add(a, b, out=c), repeats)
    return 3 * 4 * n_floats / seconds


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
    shapes = _gemm_shapes(module, xb)
    return {"gemm_forward": gemm_seconds(shapes["gemm_forward"], repeats),
            "gemm_backward": gemm_seconds(shapes["gemm_backward"], repeats),
            "forward_backward": _median_seconds(forward_backward, repeats),
            "optimizer": _median_seconds(optimizer.step, repeats),
            "step": _median_seconds(step, repeats)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--architectures", default="irnet17")
    parser.add_argument("--batch-sizes", default="32,128,256")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=30, help="timings per part")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--out", type=Path, default=None, help="also write JSON here")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, cpus "
          f"{os.cpu_count()}, load average before {os.getloadavg()[0]:.2f}")
    print(f"config: {vars(args)}")
    header = (f"{'network':9} {'batch':>5} {'part':17} {'ms/step':>9} {'of step':>7}")
    rows, records = [], []
    for arch in args.architectures.split(","):
        weights = linear_weights(arch)
        n_parameters = sum(p.numel() for p in _module_and_optimizer(arch)[0].parameters())
        for batch in (int(b) for b in args.batch_sizes.split(",")):
            rounds, rates, streams = [], [], []
            for _ in range(args.rounds):
                rates.append(matmul_flops())
                streams.append(stream_bytes_per_second())
                rounds.append(measure(arch, batch, args.repeats))
            rate, stream = statistics.median(rates), statistics.median(streams)
            parts = {p: statistics.median(r[p] for r in rounds) for p in PARTS}
            parts["elementwise"] = (parts["forward_backward"] - parts["gemm_forward"]
                                    - parts["gemm_backward"])
            compute = 6 * weights * batch / rate
            memory = WORDS_PER_PARAMETER * 4 * n_parameters / stream
            roofline = max(compute, memory)
            for part in (*PARTS[:2], "elementwise", *PARTS[2:]):
                rows.append(f"{arch:9} {batch:5d} {part:17} {parts[part] * 1e3:9.2f} "
                            f"{parts[part] / parts['step']:7.2f}")
            bound = "compute" if compute >= memory else "memory"
            rows.append(f"{arch:9} {batch:5d} roofline {roofline * 1e3:.2f} ms ({bound}-bound: "
                        f"compute {compute * 1e3:.2f} ms at {rate / 1e9:.1f} GF/s, memory "
                        f"{memory * 1e3:.2f} ms at {stream / 1e9:.1f} GB/s); step share of "
                        f"roofline {roofline / parts['step']:.3f}")
            records.append({"network": arch, "batch": batch, "threads": args.threads,
                            "ms": {k: v * 1e3 for k, v in parts.items()},
                            "matmul_gflops": rate / 1e9, "stream_gbs": stream / 1e9,
                            "compute_ms": compute * 1e3, "memory_ms": memory * 1e3,
                            "roofline_ms": roofline * 1e3,
                            "share_of_roofline": roofline / parts["step"]})
    print(header)
    print("\n".join(rows))
    print(f"load average after {os.getloadavg()[0]:.2f}")
    if args.out is not None:
        args.out.write_text(json.dumps({"config": {k: str(v) for k, v in vars(args).items()},
                                        "torch": torch.__version__, "results": records},
                                       indent=1))


if __name__ == "__main__":
    main()

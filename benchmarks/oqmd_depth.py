"""The paper's depth claim on OQMD: IRNet-48 against plain-48 and IRNet-17, equal budget.

Jha et al. report that individual shortcuts let a 48-layer network beat its 17-layer
version on big data (OQMD formation enthalpy: IRNet-48 0.048, IRNet-17 0.054 eV/atom),
while a plain network without shortcuts gets worse with depth. This script trains the
networks named by ``--models`` (default ``irnet48,plain48,irnet17,plain17``) with one and
the same recipe and epoch budget on the data file's split (the rows and 145 Magpie
attributes of ``oqmd_time_to_accuracy.py``, whose functions it reuses), and records per
epoch: test MAE, training loss, CPU and wall time, and the gradient norm of every hidden
layer's weight matrix (the mean over every ``--grad-every``-th training batch of the
epoch). ``--report`` prints the table and draws ``depth.png``: test MAE per epoch, and the
gradient norms per layer in the first and the last epoch.

The recipe is ``oqmd_time_to_accuracy.py``'s (AdamW, peak learning rate 1e-3, cosine
schedule over ``--epochs``, batch 256, best-validation weights), with 20 epochs by default
so that the four networks fit in a day of one CPU core. Every epoch is checkpointed under
``<out>/<split>/checkpoints/<model>/``: running the same command again resumes a stopped
run. Example::

    OMP_NUM_THREADS=1 python benchmarks/oqmd_depth.py --models irnet48 --threads 1
    python benchmarks/oqmd_depth.py --report
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import oqmd_time_to_accuracy as tta  # noqa: E402
from _oqmd_common import ROOT, log, start_run  # noqa: E402

DEPTH_MODELS = ("irnet48", "plain48", "irnet17", "plain17")
_LAYER_WEIGHT = re.compile(r"^body\.(\d+)\..*linear\.weight$")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = tta.build_parser(__doc__.splitlines()[0])
    parser.set_defaults(models=",".join(DEPTH_MODELS), epochs=20,
                        out=ROOT / "benchmarks" / "results" / "oqmd_depth")
    parser.add_argument("--grad-every", type=int, default=50,
                        help="sample the gradient norms on every n-th training batch")
    parser.add_argument("--compile", default=None, metavar="MODE",
                        help="run the network through torch.compile with this mode "
                             "(e.g. 'max-autotune-no-cudagraphs', 'reduce-overhead'): "
                             "same recipe, fewer kernel launches; for GPU runs")
    return parser.parse_args(argv)


def gradient_norm_callback(every: int):
    """A skorch callback that records, per epoch, the mean L2 norm of the gradient of each
    hidden block's weight matrices (``grad_norms``, one value per block, input side
    first), sampled on every ``every``-th training batch."""
    import torch
    from skorch.callbacks import Callback

    class GradientNorms(Callback):
        def on_epoch_begin(self, net, **kwargs):
            self.sums_: dict[int, float] = {}
            self.samples_, self.batch_ = 0, 0

        def on_grad_computed(self, net, named_parameters, **kwargs):
            self.batch_ += 1
            if (self.batch_ - 1) % every:
                return
            squares: dict[int, float] = {}
            for name, param in named_parameters:
                match = _LAYER_WEIGHT.match(name)
                if match and param.grad is not None:
                    block = int(match.group(1))
                    squares[block] = squares.get(block, 0.0) + float(
                        torch.sum(param.grad.detach().float() ** 2))
            for block, value in squares.items():
                self.sums_[block] = self.sums_.get(block, 0.0) + value ** 0.5
            self.samples_ += 1

        def on_epoch_end(self, net, **kwargs):
            norms = [self.sums_[b] / self.samples_ for b in sorted(self.sums_)]
            net.history.record("grad_norms", [round(v, 8) for v in norms])

    return GradientNorms()


def compile_callback(mode: str):
    """A skorch callback that compiles the network in place (``nn.Module.compile``) when
    training begins: parameter names, checkpoints and the recipe stay as they are."""
    from skorch.callbacks import Callback

    class CompileNetwork(Callback):
        def on_train_begin(self, net, **kwargs):
            if getattr(net.module_, "_compiled_call_impl", None) is None:
                net.module_.compile(mode=mode)
                log(f"network compiled with torch.compile(mode={mode!r})")

    return CompileNetwork()


def report(out: Path) -> str:
    """Table of the depth runs in ``out`` and their plot (``depth.png`` per split)."""
    lines = []
    for split_dir in sorted(p for p in out.iterdir() if p.is_dir()):
        rows = [json.loads(p.read_text()) for p in sorted(split_dir.glob("*.json"))]
        if not rows:
            continue
        lines += [f"### split: {split_dir.name}", "",
                  "| model | parameters | test MAE (eV/atom) | best epoch's test MAE | "
                  "final train loss | epochs | CPU minutes | wall minutes |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in sorted(rows, key=lambda r: r["test_mae"]):
            curve = r["curve"]
            best = min(p["test_mae"] for p in curve if p.get("test_mae") is not None)
            lines.append(
                f"| {r['model']} | {r['n_parameters'] / 1e6:.2f}M | {r['test_mae']:.4f} | "
                f"{best:.4f} | {curve[-1]['train_loss']:.4f} | {r['epochs']} | "
                f"{curve[-1]['cpu_minutes']:.0f} | {r['train_minutes']:.0f} |")
        lines.append("")
        _plot(rows, split_dir / "depth.png")
    return "\n".join(lines)


def _plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_mae, ax_grad) = plt.subplots(1, 2, figsize=(11, 4.3))
    for i, r in enumerate(sorted(rows, key=lambda r: r["model"])):
        color, style = f"C{i}", "-" if r["model"].startswith("irnet") else "--"
        epochs = [p["epoch"] for p in r["curve"]]
        ax_mae.plot(epochs, [p["test_mae"] for p in r["curve"]], style, color=color,
                    label=f"{r['model']} ({r['test_mae']:.4f})")
        norms = [p.get("grad_norms") for p in r["curve"]]
        first = next((n for n in norms if n), None)
        last = next((n for n in reversed(norms) if n), None)
        if first:
            ax_grad.plot(range(1, len(first) + 1), first, style, color=color,
                         label=f"{r['model']}, epoch {norms.index(first) + 1}")
        if last and last is not first:
            ax_grad.plot(range(1, len(last) + 1), last, style, color=color, alpha=0.4,
                         label=f"{r['model']}, last epoch")
    ax_mae.axhline(tta.PAPER_MAE["irnet48"], color="grey", lw=0.7, ls=":")
    ax_mae.text(1, tta.PAPER_MAE["irnet48"], " paper IRNet-48", fontsize=7, va="bottom")
    ax_mae.set(xlabel="epoch", ylabel="test MAE (eV/atom)", yscale="log",
               title="test MAE per epoch (same recipe and budget)")
    ax_mae.legend(fontsize=8)
    ax_grad.set(xlabel="hidden layer (1 = input side)", ylabel="gradient norm of weights",
                yscale="log", title="gradient norm per layer")
    ax_grad.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report:
        print(report(args.out))
        return 0
    if not start_run(args):
        return 2
    data = tta.load_features(args)
    rows = tta.run_rows(data, args)
    log(f"split {args.split}: {len(rows['train'])} training rows, {len(rows['test'])} test "
        f"rows; {args.epochs} epochs per network")
    for name in args.models.split(","):
        callbacks = [gradient_norm_callback(args.grad_every)]
        if args.compile:
            callbacks.append(compile_callback(args.compile))
        tta.run_and_record(name, lambda name=name, callbacks=callbacks: tta.run_network(
            name, data, rows, args, extra_callbacks=callbacks,
            extra_history=("grad_norms",)), rows, args)
    print(report(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

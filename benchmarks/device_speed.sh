#!/usr/bin/env bash
# Issue 30, item 3: training speed of IRNet-17 and IRNet-48 on one GPU at batch 256 to
# 4096, eager and compiled, against the device's own float32 matmul rate (a 2048x2048
# torch.mm measured in the same rounds by bench_training.py). Prepared to run once inside
# a short GPU lease (the device tool's command line), with everything written to $OUT:
#
#     bash benchmarks/device_speed.sh
#
# Synthetic rows (bench_training.py draws them), so no data travels. Each batch size trains
# 65,536 rows for 3 epochs per measurement (the first, with any compiling, is dropped),
# 2 interleaved rounds; columns b (eager, fused AdamW) and f (torch.compile) of
# bench_training.py, with their share of the matmul rate. Budget: about 6 minutes on an
# H100; SMOKE=1 runs the same commands on the CPU at a toy size to check the script.
set -euo pipefail
OUT="${OUT:-benchmarks/results/gpu}"
mkdir -p "$OUT"
if [[ "${SMOKE:-0}" == 1 ]]; then
    device=cpu rows=512 batches=64,128 epochs=2 rounds=1
else
    device=cuda rows=65536 batches=256,1024,4096 epochs=3 rounds=2
fi
{ nvidia-smi --query-gpu=name,memory.total,clocks.max.sm --format=csv || true
  python -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)"
} > "$OUT/environment_speed.txt" 2>&1
for architecture in irnet17 irnet48; do
    timeout 280 python benchmarks/bench_training.py --device "$device" --threads 4 \
        --architectures "$architecture" --batch-sizes "$batches" --rows "$rows" \
        --epochs "$epochs" --rounds "$rounds" --compile --skip-skorch-default \
        > "$OUT/training_batches_${architecture}.txt" 2>&1 || echo "exit $? for $architecture" \
        >> "$OUT/training_batches_${architecture}.txt"
done
cat "$OUT"/environment_speed.txt "$OUT"/training_batches_*.txt

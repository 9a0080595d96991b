#!/usr/bin/env bash
# Everything to measure on a lent GPU, in one command of at most 9 minutes: the machine's software and card, then
# bench_speed.py (training step alone, the multi-crop alone, end to end: the dataset on the GPU, loader workers feeding
# the batched multi-crop, PIL workers), then gpu_proof.py (ResNet-18 on Imagenette-112 for a time budget, kNN against
# both random baselines), then vit_figure.py (a ViT-S/8 trained for what is left, its attention maps and patch PCA
# beside the same ViT before training: the book's own figure). Each script has a hard stop, writes its JSON after every
# row or evaluation into OUT_DIR with a full log, and a failure in one does not stop the next. Imports the project from
# this checkout: no install needed.
#
#   bash bench/device_run.sh path/to/imagenette-112.tar.gz OUT_DIR     # on the GPU machine
#   bash bench/device_run.sh --smoke OUT_DIR                           # CPU, tiny: what the test suite runs
set -u
cd "$(dirname "$0")/.."
smoke=0; if [ "${1:-}" = "--smoke" ]; then smoke=1; fi
tarball=${1:-}; out=${2:-bench/results/device}
mkdir -p "$out"
exec > >(tee -a "$out/log.txt") 2>&1
start=$(date +%s)
budget=${DEVICE_RUN_SECONDS:-540}
left() { echo $(( budget - ($(date +%s) - start) )); }
echo "== $(date -u +%FT%TZ) device_run.sh (budget ${budget} s)"
python - <<'PY' || true
import platform, sys
from importlib.metadata import version, PackageNotFoundError
print('python', sys.version.split()[0], platform.platform())
for name in ('torch', 'torchvision', 'transformers', 'safetensors'):     # the installed versions, without importing them all
    try: print(name, version(name))
    except PackageNotFoundError: print(name, 'not installed')
import torch
print('cuda', torch.cuda.is_available(), torch.version.cuda, torch.cuda.get_device_name() if torch.cuda.is_available() else '')
PY
nvidia-smi || true
df -h /dev/shm /tmp || true
nproc || true
if [ $smoke = 1 ]; then
  timeout --kill-after=10 $(left) python bench/bench_speed.py --smoke --out "$out" || echo "bench_speed.py --smoke ended with $?"
  timeout --kill-after=10 $(left) python bench/gpu_proof.py --smoke --out "$out" || echo "gpu_proof.py --smoke ended with $?"
  timeout --kill-after=10 $(left) python bench/vit_figure.py --smoke --out "$out/vit_figure" || echo "vit_figure.py --smoke ended with $?"
  exit 0
fi
data=/tmp/imagenette-112
if [ ! -d $data/train ]; then tar xzf "$tarball" -C /tmp || echo "could not unpack $tarball"; fi
ls $data || true
# the speed rows: about 2.5 minutes at most
timeout --signal=TERM --kill-after=15 $(( $(left) < 150 ? $(left) : 150 )) python bench/bench_speed.py --data $data --out "$out" \
  || echo "bench_speed.py ended with $?"
# the proof: training for 40 % of what is left, minus its preparation and evaluations (about 100 s)
share=$(( $(left) * 2 / 5 ))
minutes=$(python -c "print(max(0.5, round(($share - 100) / 60, 1)))")
timeout --signal=TERM --kill-after=15 $share python bench/gpu_proof.py --data $data --minutes $minutes --eval-every 1.5 --out "$out" \
  || echo "gpu_proof.py ended with $?"
# the figure: a ViT-S/8 trained for what is left, minus its preparation, evaluation, export and drawing (about 100 s)
minutes=$(python -c "print(max(0.5, round(($(left) - 100) / 60, 1)))")
timeout --signal=TERM --kill-after=15 $(( $(left) - 5 )) python bench/vit_figure.py --data $data --minutes $minutes --out "$out/vit_figure" \
  || echo "vit_figure.py ended with $?"
echo "== done in $(( $(date +%s) - start )) s; results in $out"

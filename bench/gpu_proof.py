"""The end-to-end proof on one GPU: a ResNet-18 trained on Imagenette-112 for a time budget, the dataset decoded once
onto the GPU and the multi-crop made there (the gpu_imagenette preset), with the teacher's kNN top-1 on the full val
split against both random baselines. A hard stop ends training at the budget and the final evaluation still runs;
the JSON is rewritten after every evaluation, so a run cut short by a time limit keeps what it measured.

  python bench/gpu_proof.py --data /tmp/imagenette-112 --minutes 6      # one GPU
  python bench/gpu_proof.py --smoke                                     # tiny, on the CPU, in seconds
"""
from __future__ import annotations
import argparse, tempfile
from pathlib import Path
import bench_train
from common import skip_last_collection
from dino_nb.data import tiny_image_folder

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', type=Path, default=Path('/tmp/imagenette-112'), help='Imagenette tree with train/ and val/')
    p.add_argument('--minutes', type=float, default=6., help='training budget (evaluations excluded)')
    p.add_argument('--eval-every', type=float, default=1.5, help='minutes of training between two kNN evaluations')
    p.add_argument('--config', default='gpu_imagenette')
    p.add_argument('--smoke', action='store_true', help='tiny sizes on the CPU: checks that the script works')
    p.add_argument('--out', type=Path, default=Path('bench/results'))
    p.add_argument('overrides', nargs='*')
    a = p.parse_args()
    if a.smoke:
        data = tiny_image_folder(Path(tempfile.mkdtemp())/'tiny', classes=4, train=8, val=4, size=32)
        results = bench_train.run(a.config, data, 0.05, 0.02, 0, 0, 'gpu_proof_smoke', a.out, bench_train.SMOKE + a.overrides)
    else:
        if not (a.data/'train').is_dir(): raise SystemExit(f'--data: no train/ folder in {a.data}')
        results = bench_train.run(a.config, a.data, a.minutes, a.eval_every, 0, 0, 'gpu_proof', a.out, a.overrides)
    print(bench_train.table(results))

if __name__ == '__main__':
    skip_last_collection()
    main()

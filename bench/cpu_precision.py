"""float32 against bfloat16 autocast on the CPU, same machine, same run: the median seconds per training step of the CPU
presets' network (the quickstart's, and cpu_imagenette's with its views) through the trainer's own loop, each
precision measured twice in alternation so that a slow stretch of the machine shows as a spread rather than a verdict.
`train.precision=auto` picks bfloat16 where the CPU multiplies in it natively (`native_bf16_cpu`, chapter 05).

  python bench/cpu_precision.py                 # both presets, 30 steps per measurement
  python bench/cpu_precision.py --smoke         # tiny, in seconds
"""
from __future__ import annotations
import argparse, json, time
from pathlib import Path
import torch
from common import Results, cpu_model, seconds_per_step, skip_last_collection
from dino_nb.config import get_config
from dino_nb.data import tiny_image_folder
from dino_nb.trainer import DinoTrainer, native_bf16_cpu

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--steps', type=int, default=30)
    p.add_argument('--out', type=Path, default=Path('bench/results'))
    p.add_argument('--smoke', action='store_true')
    a = p.parse_args()
    extra, steps = [], a.steps
    if a.smoke:
        import tempfile
        root = tiny_image_folder(Path(tempfile.mkdtemp())/'tiny', classes=2, train=16, val=2, size=64)
        extra, steps = ['data.dataset=imagefolder', f'data.root={root}/train', 'data.batch_size=8', 'data.num_workers=0'], 3
    results = Results(a.out/f"cpu_precision{'_smoke' if a.smoke else ''}_{time.strftime('%Y%m%d-%H%M%S')}.json",
                      machine=f'{cpu_model()}, {torch.get_num_threads()} threads', native_bf16=native_bf16_cpu(), torch=torch.__version__)
    for preset in ('quickstart', 'cpu_imagenette'):
        base = ['data.dataset=sample'] if preset == 'cpu_imagenette' and not a.smoke else []      # the same network and views, on the sample
        times = {'fp32': [], 'bf16': []}
        for _ in range(2):
            for precision in ('fp32', 'bf16'):
                trainer = DinoTrainer.from_config(get_config(preset, base + extra + [f'train.precision={precision}', 'train.device=cpu']), progress=False)
                times[precision].append(round(seconds_per_step(trainer, steps), 4))
        batch = trainer.cfg.data.batch_size
        row = dict(preset=preset, batch=batch, seconds_per_step=times,
                   images_per_second={k: round(batch / min(v), 1) for k, v in times.items()}, speedup=round(min(times['fp32']) / min(times['bf16']), 2))
        results.append('rows', row)
        print(json.dumps(row), flush=True)

if __name__ == '__main__':
    skip_last_collection()
    main()

"""Images per second of the whole training loop (batches, views, step) for each input pipeline, on the same network
and batch, in one run: the PIL multi-crop in the main process or in loader workers, the loader's workers decoding for
the batched augmentation, and the dataset decoded once into memory (data.cache=memory). Also the batched multi-crop
alone, today's against an earlier version's (`--before REV`, a git revision of dino_nb/device_augment.py).

  python bench/bench_pipeline.py --data /tmp/imagenette-112 --config cpu_imagenette --before ecfa056

Writes bench/results/pipeline_<date>.json and prints a markdown table.
"""
from __future__ import annotations
import argparse, importlib.util, subprocess, tempfile, time
from pathlib import Path
from common import ROOT, Results, device_name, seconds_per_step
import torch
from dino_nb.config import get_config
from dino_nb.device_augment import DeviceMultiCrop
from dino_nb.distributed import resolve_device
from dino_nb.trainer import DinoTrainer

PIPELINES = {'PIL multi-crop, main process': ['data.cache=none', 'data.augment_on=cpu', 'data.num_workers=0'],
             'PIL multi-crop, 1 worker': ['data.cache=none', 'data.augment_on=cpu', 'data.num_workers=1'],
             'PIL multi-crop, 2 workers': ['data.cache=none', 'data.augment_on=cpu', 'data.num_workers=2'],
             'workers decode, batched multi-crop (1 worker)': ['data.cache=none', 'data.augment_on=device', 'data.num_workers=1'],
             'decoded once in memory, batched multi-crop': ['data.cache=memory']}

def earlier_augmentation(rev: str):
    "The DeviceMultiCrop class of dino_nb/device_augment.py at git revision `rev`, imported from a temporary file."
    text = subprocess.run(['git', '-C', str(ROOT), 'show', f'{rev}:dino_nb/device_augment.py'], capture_output=True, text=True, check=True).stdout
    path = Path(tempfile.mkdtemp())/'device_augment_before.py'
    path.write_text(text.replace('from .config', 'from dino_nb.config').replace('from .data', 'from dino_nb.data'))
    spec = importlib.util.spec_from_file_location('device_augment_before', path)
    module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
    return module.DeviceMultiCrop

def augmentation_seconds(aug, images, sizes, call, repeats: int) -> float:
    call(aug, images, sizes)
    start = time.perf_counter()
    for _ in range(repeats): call(aug, images, sizes)
    return (time.perf_counter() - start) / repeats

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', type=Path, default=Path('/tmp/imagenette-112'))
    p.add_argument('--config', default='cpu_imagenette')
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--before', default='', help="git revision whose DeviceMultiCrop to time against today's")
    p.add_argument('--out', type=Path, default=Path('bench/results'))
    p.add_argument('overrides', nargs='*')
    a = p.parse_args()
    base = ['data.dataset=imagefolder', f'data.root={a.data}/train', f'data.val_root={a.data}/val', 'train.eval_every=0'] + a.overrides
    cfg = get_config(a.config, base)
    device = resolve_device(cfg.train.device)
    results = Results(a.out/f"pipeline_{time.strftime('%Y%m%d-%H%M%S')}.json", device=device_name(device), torch=torch.__version__,
                      config=a.config, overrides=base, batch_size=cfg.data.batch_size)
    for name, extra in PIPELINES.items():
        trainer = DinoTrainer.from_config(get_config(a.config, base + extra), progress=False)
        s = seconds_per_step(trainer, a.steps)
        results.append('loop', dict(pipeline=name, seconds_per_step=round(s, 3), images_per_second=round(cfg.data.batch_size / s, 1)))
        print(results.data['loop'][-1], flush=True)
        del trainer
    images = torch.randint(0, 256, (cfg.data.batch_size, 3, cfg.data.decode_size, cfg.data.decode_size), dtype=torch.uint8, device=device)
    sizes = torch.full((cfg.data.batch_size, 2), cfg.data.decode_size, device=device)
    today = DeviceMultiCrop.from_config(cfg).to(device)
    rows = [('today', augmentation_seconds(today, images, sizes, lambda m, x, s: m(x, s, torch.arange(len(x), device=device)), 10))]
    if a.before:
        earlier = earlier_augmentation(a.before).from_config(cfg).to(device)
        rows.append((a.before, augmentation_seconds(earlier, images, sizes, lambda m, x, s: m(x, s, torch.Generator(device).manual_seed(0)), 10)))
    for version, s in rows:
        results.append('augmentation', dict(version=version, seconds_per_batch=round(s, 4), images_per_second=round(cfg.data.batch_size / s, 1)))
    d = results.data
    print(f"{d['device']}, torch {d['torch']}, {a.config}, batch {cfg.data.batch_size}\n\n| pipeline | s/step | images/s |\n|---|---:|---:|")
    for r in d['loop']: print(f"| {r['pipeline']} | {r['seconds_per_step']} | {r['images_per_second']} |")
    print('\n| batched multi-crop | s/batch | images/s |\n|---|---:|---:|')
    for r in d['augmentation']: print(f"| {r['version']} | {r['seconds_per_batch']} | {r['images_per_second']} |")
    print(f'\n{results.path}')

if __name__ == '__main__': main()

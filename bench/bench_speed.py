"""Training speed of dino_nb on one accelerator: the training step alone (synthetic crops already on the device),
the multi-crop augmentation alone, and end to end on a folder of images (Imagenette), with images/s, ms/step and
peak memory, as a markdown table and JSON.

  python bench/bench_speed.py --data /path/to/imagenette-112          # a GPU: every row
  python bench/bench_speed.py --smoke                                  # tiny sizes on the CPU, under a minute

The rows match the reference measurements of the original DINO code (shared/data/README.md, one H200):
ViT-S/16 2x224+10x96 batch 128 (714 img/s, 23.4 GiB), ResNet-18 2x224+6x96 batch 256 (1,696 img/s, 12.6 GiB),
ResNet-18 end to end on Imagenette-112 with 15 loader workers (~395 img/s).
"""
from __future__ import annotations
import argparse, contextlib, tempfile, time, warnings
from pathlib import Path
from common import seconds_per_step, Results, device_name, skip_last_collection, sync
import torch
from dino_nb.config import DinoConfig, apply_overrides, get_config
from dino_nb.data import tiny_image_folder
from dino_nb.device_augment import DeviceMultiCrop, ImageCache
from dino_nb.distributed import resolve_device
from dino_nb.trainer import DinoTrainer

FULL = dict(
    step=[dict(name='ViT-S/16 train step', batch=128, views=(224, 96, 10), overrides=['model.backbone=vit_small', 'model.patch_size=16']),
          dict(name='ResNet-18 train step', batch=256, views=(224, 96, 6),
               overrides=['model.backbone=resnet18', 'optim.optimizer=sgd', 'optim.lr=0.03', 'model.drop_path_rate=0'])],
    augment=[dict(name='device augmentation', batch=256, views=(224, 96, 10), image=112),
             dict(name='device augmentation', batch=256, views=(224, 96, 6), image=112)],
    end_to_end=[dict(name='ResNet-18 end to end, dataset on the GPU', batch=256, views=(224, 96, 6), workers=8, augment_on='device',
                     overrides=['data.cache=memory', 'data.decode_size=112'])] +
               [dict(name='ResNet-18 end to end', batch=256, views=(224, 96, 6), workers=15, augment_on=a) for a in ('device', 'cpu')],
    warmup=5, steps=20)
SMOKE = dict(
    step=[dict(name='ViT-tiny/16 train step', batch=4, views=(32, 16, 2), overrides=['model.backbone=vit_tiny', 'model.patch_size=16', 'model.out_dim=256']),
          dict(name='ResNet-18 train step', batch=4, views=(32, 16, 2), overrides=['model.backbone=resnet18', 'model.resnet_width=16', 'optim.optimizer=sgd', 'model.out_dim=256'])],
    augment=[dict(name='device augmentation', batch=8, views=(32, 16, 2), image=48)],
    end_to_end=[dict(name='ResNet-18 end to end, dataset in memory', batch=4, views=(32, 16, 2), workers=0, augment_on='device',
                     overrides=['model.out_dim=256', 'model.resnet_width=16', 'data.cache=memory', 'data.decode_size=48'])] +
               [dict(name='ResNet-18 end to end', batch=4, views=(32, 16, 2), workers=0, augment_on=a, overrides=['model.out_dim=256', 'model.resnet_width=16', 'data.decode_size=48'])
                for a in ('device', 'cpu')],
    warmup=1, steps=2)

def crop_overrides(views: tuple[int, int, int]) -> list[str]:
    g, l, n = views
    return [f'data.global_crop_size={g}', f'data.local_crop_size={l}', f'data.num_local_crops={n}']

@contextlib.contextmanager
def peak_memory(device: torch.device, row: dict):
    "Record the peak memory allocated on a CUDA device while the block runs, in GiB."
    if device.type == 'cuda': torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats(device)
    yield
    if device.type == 'cuda': row['peak_GiB'] = round(torch.cuda.max_memory_allocated(device) / 2**30, 1)

def timed(fn, n: int, device: torch.device) -> float:
    "Seconds per call of `fn`, over `n` calls, waiting for the device at the end only."
    sync(device); start = time.perf_counter()
    for _ in range(n): fn()
    sync(device)
    return (time.perf_counter() - start) / n

@contextlib.contextmanager
def count_host_syncs(device: torch.device, row: dict):
    "On CUDA, count the operations in the block that made the host wait for the device (PyTorch's sync debug mode)."
    if device.type != 'cuda': yield; return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        torch.cuda.set_sync_debug_mode('warn')
        try: yield
        finally: torch.cuda.set_sync_debug_mode(0)
    row['host_syncs'] = sum('synchroniz' in str(w.message) for w in caught)

def step_row(spec: dict, device: torch.device, warmup: int, steps: int, compile: bool=False) -> dict:
    "The training step alone, on synthetic views already on the device; the paper's settings (DinoConfig's defaults) otherwise."
    cfg = apply_overrides(DinoConfig(), spec['overrides'] + crop_overrides(spec['views']) +
                     [f"data.batch_size={spec['batch']}", 'data.num_workers=0', 'train.eval_every=0',
                      f'train.compile={compile}', 'optim.warmup_epochs=0'])
    g, l, n = spec['views']
    dataset = ImageCache(torch.randint(0, 256, (spec['batch'] * 2, 3, g, g), dtype=torch.uint8), torch.full((spec['batch'] * 2, 2), g),
                         torch.zeros(spec['batch'] * 2, dtype=torch.int64), [])   # never read: the views below are synthetic
    row = dict(name=spec['name'] + (' (compiled)' if compile else ''), batch=spec['batch'], views=f'2x{g}+{n}x{l}')
    with peak_memory(device, row):
        trainer = DinoTrainer.from_config(cfg, dataset=dataset, progress=False)
        dtype = trainer.autocast_dtype or torch.float32
        views = [torch.randn(spec['batch'], 3, g, g, device=device, dtype=dtype) for _ in range(2)]
        views += [torch.randn(spec['batch'], 3, l, l, device=device, dtype=dtype) for _ in range(n)]
        views = trainer.to_device(views)
        step = lambda: trainer.pending.append(trainer.train_step(views))
        timed(step, warmup, device)
        with count_host_syncs(device, row): seconds = timed(step, steps, device)
        trainer.log_pending()
    row.update(ms_per_step=round(seconds * 1000, 1), images_per_s=round(spec['batch'] / seconds, 1), precision=trainer.precision)
    return row

def augment_row(spec: dict, device: torch.device, warmup: int, steps: int) -> dict:
    "The device augmentation alone, from a batch of uint8 images on the device."
    g, l, n = spec['views']
    work_dtype = torch.float16 if device.type == 'cuda' else torch.float32          # as the trainer makes them
    aug = DeviceMultiCrop(g, l, n, (0.4, 1.0), (0.05, 0.4), (0.1, 2.0), torch.bfloat16 if device.type == 'cuda' else torch.float32, work_dtype).to(device)
    images = torch.randint(0, 256, (spec['batch'], 3, spec['image'], spec['image']), dtype=torch.uint8, device=device)
    sizes = torch.full((spec['batch'], 2), spec['image'], device=device)
    seeds = torch.arange(spec['batch'], device=device)
    row = dict(name=spec['name'], batch=spec['batch'], views=f'2x{g}+{n}x{l}')
    with peak_memory(device, row):
        if device.type == 'cuda': torch.cuda.set_sync_debug_mode('error')    # any wait for the host is an error
        try:
            timed(lambda: aug(images, sizes, seeds), warmup, device)
            seconds = timed(lambda: aug(images, sizes, seeds), steps, device)
        finally:
            if device.type == 'cuda': torch.cuda.set_sync_debug_mode(0)
    row.update(ms_per_step=round(seconds * 1000, 1), images_per_s=round(spec['batch'] / seconds, 1))
    return row

def end_to_end_row(spec: dict, data: Path|None, device: torch.device, warmup: int, steps: int) -> dict:
    "Training from image files: the loader, the augmentation (on the device or in the workers) and the step."
    source = ([f'data.dataset=imagefolder', f'data.root={data}/train', f'data.val_root={data}/val'] if data else ['data.dataset=sample'])
    cfg = get_config('resnet18_imagenette', source + crop_overrides(spec['views']) + spec.get('overrides', []) +
                     [f"data.batch_size={spec['batch']}", f"data.num_workers={spec['workers']}", f"data.augment_on={spec['augment_on']}",
                      'train.eval_every=0', 'optim.warmup_epochs=0'])
    g, l, n = spec['views']
    row = dict(name=f"{spec['name']}, augmentation on {spec['augment_on']}", batch=spec['batch'], views=f'2x{g}+{n}x{l}',
               workers=spec['workers'])
    with peak_memory(device, row):
        trainer = DinoTrainer.from_config(cfg, progress=False)
        seconds = seconds_per_step(trainer, steps, warmup)
    row.update(ms_per_step=round(seconds * 1000, 1), images_per_s=round(spec['batch'] / seconds, 1), precision=trainer.precision)
    return row

def guarded(fn, *args, **kwargs) -> dict:
    "Run one measurement; an out-of-memory or other failure becomes a row that says so instead of ending the script."
    try: return fn(*args, **kwargs)
    except Exception as e:
        if torch.cuda.is_available(): torch.cuda.empty_cache()
        return dict(name=f'{fn.__name__}: {args[0].get("name")}', error=f'{type(e).__name__}: {str(e).splitlines()[0][:200]}')

def markdown(rows: list[dict]) -> str:
    keys = ['name', 'views', 'batch', 'workers', 'precision', 'images_per_s', 'ms_per_step', 'peak_GiB', 'host_syncs', 'error']
    keys = [k for k in keys if any(k in r for r in rows)]
    lines = ['| ' + ' | '.join(keys) + ' |', '|' + '---|' * len(keys)]
    return '\n'.join(lines + ['| ' + ' | '.join(str(r.get(k, '')) for k in keys) + ' |' for r in rows])

def run(smoke: bool=False, data: Path|None=None, compile: bool=False, device: str='auto', out: Path=Path('bench/results')) -> Results:
    "Every measurement of the plan (FULL, or SMOKE for a quick check on the CPU), each row saved as soon as it is measured."
    plan, dev = SMOKE if smoke else FULL, resolve_device('cpu' if smoke else device)
    if dev.type == 'cuda': torch.backends.cudnn.benchmark = True
    results = Results(out/f"speed_{'smoke' if smoke else 'full'}_{time.strftime('%Y%m%d-%H%M%S')}.json",
                      device=device_name(dev), torch=torch.__version__, smoke=smoke, rows=[])
    jobs = [(step_row, s, {}) for s in plan['step']] + ([(step_row, s, dict(compile=True)) for s in plan['step']] if compile else [])
    jobs += [(augment_row, s, {}) for s in plan['augment']]
    if smoke and data is None: data = tiny_image_folder(Path(tempfile.mkdtemp())/'tiny', classes=4, train=8, val=4, size=48)   # seconds, not the sample
    if data: jobs += [(end_to_end_row, s, dict(data=data)) for s in plan['end_to_end']]
    for fn, spec, kw in jobs:
        args = (spec, kw.pop('data'), dev) if fn is end_to_end_row else (spec, dev)
        row = guarded(fn, *args, plan['warmup'], plan['steps'], **kw)
        results.append('rows', row); print(row, flush=True)
    return results

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--smoke', action='store_true', help='tiny sizes on the CPU: checks that the script works')
    p.add_argument('--data', type=Path, help='Imagenette tree with train/ and val/ for the end-to-end rows')
    p.add_argument('--compile', action='store_true', help='also measure the step with train.compile=true')
    p.add_argument('--out', type=Path, default=Path('bench/results'), help='folder for the JSON result')
    a = p.parse_args()
    results = run(a.smoke, a.data, a.compile, out=a.out)
    print(f"{results.data['device']}, torch {results.data['torch']}\n\n{markdown(results.data['rows'])}\n\nwritten to {results.path}")

if __name__ == '__main__':
    skip_last_collection()
    main()

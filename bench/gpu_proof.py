"""One command that shows dino_nb working on a GPU, in at most about 9 minutes: training-step throughput and peak
memory with synthetic crops (ViT-S/16 2x224+10x96 batch 128; ResNet-18 2x224+6x96 batch 256), then a ResNet-18
trained on Imagenette for a fixed time budget with the teacher's kNN top-1 on the full val split at several points,
against the random-init network. Prints a markdown table and writes JSON.

  python bench/gpu_proof.py --data /path/to/imagenette-112               # one GPU
  python bench/gpu_proof.py --smoke                                      # tiny, on the CPU, under a minute
"""
from __future__ import annotations
import argparse, json, math, shutil, sys, tempfile, time
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).parent))
from bench_speed import FULL, SMOKE, device_name, guarded, markdown, step_row
from dino_nb.config import get_config
from dino_nb.data import SAMPLE_DIR
from dino_nb.evaluate import KNNEvaluator
from dino_nb.trainer import DinoTrainer, resolve_device

def smoke_data(train_per_class: int=8, val_per_class: int=2) -> Path:
    "A tiny ImageFolder of links into the shipped sample, so that --smoke trains and evaluates in seconds."
    root = Path(tempfile.mkdtemp(prefix='gpu_proof_smoke_'))
    for split, n in (('train', train_per_class), ('val', val_per_class)):
        for cls in sorted(p for p in (SAMPLE_DIR/split).iterdir() if p.is_dir()):
            (root/split/cls.name).mkdir(parents=True)
            for f in sorted(cls.iterdir())[:n]: (root/split/cls.name/f.name).symlink_to(f)
    return root

def budget_run(data: Path|None, minutes: float, evals: int, device: torch.device, smoke: bool) -> dict:
    "Train the resnet18_imagenette preset for `minutes`, the schedules fitted to the budget; kNN `evals` times and at init."
    source = [f'data.dataset=imagefolder', f'data.root={data}/train', f'data.val_root={data}/val'] if data else ['data.dataset=sample']
    tiny = ['data.global_crop_size=32', 'data.local_crop_size=16', 'data.num_local_crops=2', 'data.batch_size=16',
            'data.num_workers=0', 'model.out_dim=256', 'eval.resize_size=36', 'eval.crop_size=32'] if smoke else []
    overrides = source + tiny + ['train.eval_every=0', 'train.out_dir=/tmp/gpu_proof', f"train.device={device.type}"]
    cfg = get_config('resnet18_imagenette', overrides)
    probe = DinoTrainer.from_config(cfg, progress=False)            # measure the step time to fit the schedules to the budget
    batches, n = iter(probe.loader), 0
    for batch in batches:
        probe.pending.append(probe.train_step(probe.batch_views(batch))); probe.batch += 1; n += 1
        if n == 3: probe.log_pending(); start = time.perf_counter()
        if n >= 3 + (2 if smoke else 20): break
    probe.log_pending()
    step_s = (time.perf_counter() - start) / (n - 3)
    cfg.train.epochs = max(1, round(minutes * 60 / (step_s * probe.iters_per_epoch)))
    cfg.optim.warmup_epochs = min(cfg.optim.warmup_epochs, cfg.train.epochs // 10)
    cfg.train.eval_every = max(1, cfg.train.epochs // evals)
    del probe, batches
    evaluator = KNNEvaluator.from_config(cfg, device, progress=False)
    rows, clock = [], dict(train=0., since=time.perf_counter())
    def evaluate(backbone):
        clock['train'] += time.perf_counter() - clock['since']
        t = time.perf_counter()
        r = evaluator(backbone)
        rows.append(dict(train_minutes=round(clock['train'] / 60, 2), eval_seconds=round(time.perf_counter() - t, 1),
                         **{k: round(v, 1) for k, v in r.items()}))
        print(f"  {rows[-1]}", flush=True)
        clock['since'] = time.perf_counter()
        return r
    torch.manual_seed(cfg.train.seed)
    trainer = DinoTrainer.from_config(cfg, evaluate=evaluate, progress=False)
    clock['since'] = time.perf_counter()
    trainer.fit()
    for r, e in zip(rows, trainer.history.series('knn_top1', 'epochs')[0]): r['epoch'] = e
    return dict(config='resnet18_imagenette', overrides=overrides, epochs=cfg.train.epochs, augment=trainer.augment is not None,
                precision=trainer.precision, images_per_s=round(trainer.step * cfg.data.batch_size / clock['train'], 1),
                train_minutes=round(clock['train'] / 60, 2), knn=rows,
                teacher_entropy_last=trainer.history.steps[-1]['teacher_entropy'], log_k=math.log(cfg.model.out_dim))

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', type=Path, help='Imagenette tree with train/ and val/ (e.g. the shared imagenette-112)')
    p.add_argument('--minutes', type=float, default=6., help='training budget of the end-to-end run')
    p.add_argument('--evals', type=int, default=5, help='kNN evaluations during the run, besides the one at init')
    p.add_argument('--smoke', action='store_true', help='tiny sizes on the CPU: checks that the script works')
    p.add_argument('--out', type=Path, default=Path('bench/results'))
    a = p.parse_args()
    if not a.smoke and not (a.data and (a.data/'train').is_dir()): sys.exit(f'--data: no train/ folder in {a.data}')
    device = resolve_device('cpu' if a.smoke else 'auto')
    if device.type == 'cuda': torch.backends.cudnn.benchmark = True
    plan = SMOKE if a.smoke else FULL
    start = time.perf_counter()
    print(f'{device_name(device)}, torch {torch.__version__}', flush=True)
    rows = [guarded(step_row, s, device, plan['warmup'], plan['steps']) for s in plan['step']]
    print(markdown(rows), flush=True)
    data = smoke_data() if a.smoke else a.data
    try: run = budget_run(data, 0.1 if a.smoke else a.minutes, 2 if a.smoke else a.evals, device, a.smoke)
    finally:
        if a.smoke: shutil.rmtree(data)
    result = dict(device=device_name(device), torch=torch.__version__, smoke=a.smoke, steps=rows, end_to_end=run,
                  total_minutes=round((time.perf_counter() - start) / 60, 2))
    print(f"\nResNet-18 on {'80 images of the sample' if a.smoke else 'Imagenette'}, {run['epochs']} epoch{'s' * (run['epochs'] != 1)} in {run['train_minutes']} min "
          f"({run['images_per_s']} img/s, {run['precision']}, augmentation on the {'device' if run['augment'] else 'CPU'}):\n")
    print('| training minutes | epoch | kNN top-1 (%) | kNN top-5 (%) |\n|---:|---:|---:|---:|')
    for r in run['knn']: print(f"| {r['train_minutes']} | {r.get('epoch', '')} | {r['knn_top1']} | {r['knn_top5']} |")
    a.out.mkdir(parents=True, exist_ok=True)
    path = a.out/f"gpu_proof_{'smoke' if a.smoke else device.type}_{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=1))
    print(f"\ntotal {result['total_minutes']} min; written to {path}")

if __name__ == '__main__': main()

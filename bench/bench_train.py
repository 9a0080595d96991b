"""Train DINO on the shared Imagenette copy for a fixed time budget; report images/s and the
teacher's kNN top-1 on the full val split against the random-init network, over time.

  python bench/bench_train.py --data /tmp/imagenette-112 --minutes 60              # CPU, small crops
  python bench/bench_train.py --data /tmp/imagenette-112 --minutes 5 --gpu-recipe  # a GPU, 2x128+6x64 crops

Extra arguments are config overrides (section.key=value). The number of epochs is chosen from a
measured first stretch of steps so that the schedules end when the budget does.
"""
import argparse, json, math, os, platform, time
from pathlib import Path
import torch
from dino_nb.config import get_config
from dino_nb.evaluate import KNNEvaluator
from dino_nb.trainer import DinoTrainer, resolve_device

CPU = ['data.global_crop_size=64', 'data.local_crop_size=32', 'data.num_local_crops=4', 'data.batch_size=64',
       'data.num_workers=2', 'eval.resize_size=72', 'eval.crop_size=64', 'model.out_dim=4096', 'model.hidden_dim=1024']
GPU = ['data.global_crop_size=128', 'data.local_crop_size=64', 'data.num_local_crops=6', 'data.batch_size=256',
       'data.num_workers=15', 'eval.resize_size=146', 'eval.crop_size=128', 'eval.batch_size=512']

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', default='/tmp/imagenette-112', help='Imagenette tree with train/ and val/')
    p.add_argument('--minutes', type=float, default=60, help='training time budget')
    p.add_argument('--config', default='resnet18_imagenette')
    p.add_argument('--gpu-recipe', action='store_true', help='larger crops and batch, for an accelerator')
    p.add_argument('--evals', type=int, default=5, help='kNN evaluations during training')
    p.add_argument('--out', default='bench/results', help='where to write the JSON result')
    p.add_argument('overrides', nargs='*')
    a = p.parse_args()
    root = Path(a.data)
    if not (root/'train').is_dir(): raise SystemExit(f'{root}/train not found: tar xf imagenette-112.tar -C /tmp first')
    base = ['data.dataset=imagefolder', f'data.root={root}/train', f'data.val_root={root}/val', 'train.eval_every=0',
            'train.out_dir=/tmp/bench_train']
    cfg = get_config(a.config, base + (GPU if a.gpu_recipe else CPU) + a.overrides)
    device = resolve_device(cfg.train.device)
    evaluator = KNNEvaluator.from_config(cfg, device, progress=False)

    probe = DinoTrainer.from_config(cfg, progress=False)
    t0, n = time.time(), 0
    for views, _ in probe.loader:
        probe.train_step(views); n += 1
        if n == 3: t0 = time.time()                 # warm-up steps excluded
        if n >= 3 and time.time() - t0 > min(60, a.minutes * 6): break
    step_s = (time.time() - t0) / max(n - 3, 1)
    epoch_s = step_s * probe.iters_per_epoch
    cfg.train.epochs = max(1, int(a.minutes * 60 / epoch_s))
    cfg.optim.warmup_epochs = min(cfg.optim.warmup_epochs, max(cfg.train.epochs // 10, 0))
    del probe
    print(f'{device}: {step_s:.2f} s/step, {epoch_s:.0f} s/epoch -> {cfg.train.epochs} epochs in {a.minutes} min')

    rows, start = [], [time.time()]
    def evaluate(backbone):
        t = time.time()
        r = evaluator(backbone)
        rows.append(dict(train_minutes=round((t - start[0]) / 60, 2), eval_seconds=round(time.time() - t, 1), **r))
        print(rows[-1], flush=True)
        start[0] += time.time() - t                 # evaluation time is not training time
        return r
    cfg.train.eval_every = max(1, cfg.train.epochs // a.evals)
    torch.manual_seed(cfg.train.seed)
    trainer = DinoTrainer.from_config(cfg, evaluate=evaluate, progress=False)
    train_start = start[0] = time.time()
    trainer.fit()
    wall = time.time() - train_start - sum(r['eval_seconds'] for r in rows)
    images = trainer.step * cfg.data.batch_size
    result = dict(device=torch.cuda.get_device_name() if device.type == 'cuda' else platform.processor() or 'cpu',
                  cpus=os.cpu_count(), torch=torch.__version__, config=a.config, overrides=base + (GPU if a.gpu_recipe else CPU) + a.overrides,
                  epochs=cfg.train.epochs, train_seconds=round(wall, 1), images_per_second=round(images / wall, 1),
                  knn=rows, random_init_top1=rows[0]['knn_top1'], final_top1=rows[-1]['knn_top1'],
                  loss_first=trainer.history.steps[0]['loss'], loss_last=trainer.history.steps[-1]['loss'],
                  teacher_entropy_last=trainer.history.steps[-1].get('teacher_entropy'))
    Path(a.out).mkdir(parents=True, exist_ok=True)
    out = Path(a.out)/f"train_{device.type}_{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=1))
    print('| train min | kNN top-1 | kNN top-5 |\n|---|---|---|')
    for r in rows: print(f"| {r['train_minutes']} | {r['knn_top1']:.1f} | {r['knn_top5']:.1f} |")
    print(f"{result['images_per_second']} img/s; random init {result['random_init_top1']:.1f}% -> {result['final_top1']:.1f}%; {out}")

if __name__ == '__main__': main()

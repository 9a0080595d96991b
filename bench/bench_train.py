"""Train DINO on the shared Imagenette copy for a fixed time budget; report images/s and the teacher's (and the
student's) kNN top-1 on the full val split over time, against two baselines: the random-init network as the
trainer evaluates it, and the same network with its BatchNorm statistics estimated on the training images.

  python bench/bench_train.py --data /tmp/imagenette-112 --minutes 30                     # CPU, small crops
  python bench/bench_train.py --data /tmp/imagenette-112 --minutes 5 --gpu-recipe         # a GPU, 2x128+6x64

Extra arguments are config overrides (section.key=value). The number of epochs is chosen from a measured first
stretch of steps so that the schedules end when the budget does. Results go to bench/results/train_*.json.
"""
import argparse, json, math, os, platform, time
from pathlib import Path
import torch
from dino_nb.config import get_config
from dino_nb.evaluate import KNNEvaluator, with_batchnorm_statistics
from dino_nb.trainer import DinoTrainer, resolve_device

CPU = ['data.global_crop_size=64', 'data.local_crop_size=32', 'data.num_local_crops=4', 'data.batch_size=32',
       'data.num_workers=1', 'eval.resize_size=72', 'eval.crop_size=64', 'eval.batch_size=256']
GPU = ['data.global_crop_size=128', 'data.local_crop_size=64', 'data.num_local_crops=6', 'data.batch_size=256',
       'data.num_workers=15', 'eval.resize_size=146', 'eval.crop_size=128', 'eval.batch_size=512']

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', default='/tmp/imagenette-112', help='Imagenette tree with train/ and val/')
    p.add_argument('--minutes', type=float, default=30, help='training time budget')
    p.add_argument('--config', default='resnet18_imagenette')
    p.add_argument('--gpu-recipe', action='store_true', help='larger crops and batch, for an accelerator')
    p.add_argument('--evals', type=int, default=5, help='kNN evaluations during training')
    p.add_argument('--name', default='', help='a name for the result file')
    p.add_argument('--out', default='bench/results', help='where to write the JSON result')
    p.add_argument('overrides', nargs='*')
    a = p.parse_args()
    root = Path(a.data)
    if not (root/'train').is_dir(): raise SystemExit(f'{root}/train not found: tar xzf imagenette-112.tar.gz -C /tmp first')
    base = ['data.dataset=imagefolder', f'data.root={root}/train', f'data.val_root={root}/val', 'train.eval_every=0',
            'train.out_dir=/tmp/bench_train']
    overrides = base + (GPU if a.gpu_recipe else CPU) + a.overrides
    cfg = get_config(a.config, overrides)
    device = resolve_device(cfg.train.device)
    evaluator = KNNEvaluator.from_config(cfg, device, progress=False)

    probe = DinoTrainer.from_config(cfg, progress=False)          # the step time, to fit the schedules to the budget
    batches, n = iter(probe.loader), 0
    for batch in batches:
        probe.pending.append(probe.train_step(probe.batch_views(batch))); probe.batch += 1; n += 1
        if n == 3: probe.log_pending(); t0 = time.time()
        if n >= 3 and time.time() - t0 > min(60, a.minutes * 6): break
    probe.log_pending()
    step_s = (time.time() - t0) / max(n - 3, 1)
    epoch_s = step_s * probe.iters_per_epoch
    cfg.train.epochs = max(1, int(a.minutes * 60 / epoch_s))
    cfg.optim.warmup_epochs = min(cfg.optim.warmup_epochs, cfg.train.epochs // 10)
    cfg.optim.freeze_last_layer = min(cfg.optim.freeze_last_layer, cfg.train.epochs // 10)
    del probe, batches
    print(f'{device}: {step_s:.2f} s/step, {epoch_s:.0f} s/epoch -> {cfg.train.epochs} epochs in {a.minutes} min', flush=True)

    rows, clock = [], dict(train=0., since=0.)
    def evaluate(backbone):
        clock['train'] += time.time() - clock['since']
        t = time.time()
        r = dict(train_minutes=round(clock['train'] / 60, 2), **{f'teacher_{k}': v for k, v in evaluator(backbone).items()})
        r |= {f'student_{k}': v for k, v in evaluator(trainer.student_without_ddp.backbone).items()}
        if not rows: r |= {f'bn_recalibrated_{k}': v for k, v in evaluator(with_batchnorm_statistics(backbone, evaluator.train_set)).items()}
        r['eval_seconds'] = round(time.time() - t, 1)
        rows.append(r); print(r, flush=True)
        clock['since'] = time.time()
        return {k.removeprefix('teacher_'): v for k, v in r.items() if k.startswith('teacher_')}
    cfg.train.eval_every = max(1, cfg.train.epochs // a.evals)
    trainer = DinoTrainer.from_config(cfg, evaluate=evaluate, progress=False)
    clock['since'] = time.time()
    trainer.fit()
    images = trainer.step * cfg.data.batch_size
    result = dict(device=torch.cuda.get_device_name() if device.type == 'cuda' else f'{platform.machine()} CPU, {os.cpu_count()} cores',
                  torch=torch.__version__, config=a.config, overrides=overrides, seed=cfg.train.seed, epochs=cfg.train.epochs,
                  steps=trainer.step, train_minutes=round(clock['train'] / 60, 2), images_per_second=round(images / clock['train'], 1),
                  knn=rows, random_init_top1=rows[0]['teacher_knn_top1'], bn_recalibrated_top1=rows[0]['bn_recalibrated_knn_top1'],
                  final_top1=rows[-1]['teacher_knn_top1'], log_k=math.log(cfg.model.out_dim), history=trainer.history.state_dict())
    Path(a.out).mkdir(parents=True, exist_ok=True)
    out = Path(a.out)/f"train_{device.type}{'_' + a.name if a.name else ''}_{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result))
    print('| train min | teacher kNN top-1 | student kNN top-1 |\n|---|---|---|')
    for r in rows: print(f"| {r['train_minutes']} | {r['teacher_knn_top1']:.1f} | {r['student_knn_top1']:.1f} |")
    print(f"{result['images_per_second']} img/s; random init {result['random_init_top1']:.1f}% (BatchNorm statistics re-estimated: "
          f"{result['bn_recalibrated_top1']:.1f}%) -> {result['final_top1']:.1f}%; {out}")

if __name__ == '__main__': main()

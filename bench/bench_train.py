"""Train DINO on the shared Imagenette copy for a time budget; report images/s and the teacher's (and the student's) kNN
top-1 on the full val split at set minutes of training, against two baselines: the random network as built, and the
same network with its BatchNorm statistics estimated on the training images.

  python bench/bench_train.py --config cpu_imagenette --data /tmp/imagenette-112 --minutes 30 --out bench/results  # CPU
  python bench/bench_train.py --config gpu_imagenette --data /tmp/imagenette-112 --minutes 6 --eval-every 2          # a GPU
  python bench/bench_train.py --smoke                                                   # tiny, on the CPU, in seconds

Extra arguments are config overrides (section.key=value). The number of epochs is fitted to the budget from the median
of a measured stretch of steps, so that the schedules end with it; a hard stop at the budget ends training in any case,
and the final evaluation still runs. During training the kNN can use a fixed subsample of the training images
(--eval-subset; the end always uses all of them). The trained teacher is evaluated twice: with its own BatchNorm
statistics (running averages over its augmented training views) and with statistics re-estimated on the clean training
crops, as the random network's are. The JSON result is rewritten after every evaluation.
"""
from __future__ import annotations
import argparse, math, tempfile, time
from pathlib import Path
from common import Results, device_name, fit_epochs, seconds_per_step, skip_last_collection, subset, train_for
import torch
from dino_nb.checkpoint import export_backbone
from dino_nb.config import config_to_dict, get_config
from dino_nb.data import tiny_image_folder
from dino_nb.evaluate import KNNEvaluator
from dino_nb.distributed import resolve_device
from dino_nb.trainer import DinoTrainer, resolve_augment_on, train_images

SMOKE = ['train.device=cpu', 'model.resnet_width=16', 'data.batch_size=8', 'data.decode_size=32', 'data.global_crop_size=32', 'data.local_crop_size=16',
         'data.num_local_crops=2', 'data.num_workers=0', 'model.out_dim=64', 'model.hidden_dim=32', 'model.bottleneck_dim=16',
         'eval.resize_size=36', 'eval.crop_size=32', 'eval.batch_size=64']

def run(config: str, data: Path, minutes: float, eval_every: float, eval_subset: int=0, seed: int=0, name: str='',
        out: Path=Path('bench/results'), overrides: list[str]=(), export: Path|None=None) -> Results:
    "Train `config` on the Imagenette tree `data` for `minutes`, evaluating every `eval_every` minutes; the results, saved as they come."
    overrides = ['data.dataset=imagefolder', f'data.root={data}/train', f'data.val_root={data}/val', 'train.eval_every=0',
                 f'train.out_dir={tempfile.gettempdir()}/bench_train', f'train.seed={seed}', *overrides]
    cfg = get_config(config, overrides)
    device = resolve_device(cfg.train.device)
    stem = f"train_{Path(config).stem}{'_' + name if name else ''}_seed{seed}_{time.strftime('%Y%m%d-%H%M%S')}"
    results = Results(out/f'{stem}.json', device=device_name(device), torch=torch.__version__, config=config, overrides=overrides,
                      seed=seed, budget_minutes=minutes, eval_every_minutes=eval_every, eval_subset=eval_subset, resolved_config=config_to_dict(cfg))
    prepare = time.perf_counter()
    images = train_images(cfg, device, resolve_augment_on(cfg.data.augment_on, device, cfg.data.cache), progress=False)
    evaluator = KNNEvaluator.from_config(cfg, device, progress=False)
    during = KNNEvaluator(subset(evaluator.train_set, eval_subset, seed), evaluator.val_set, evaluator.k, evaluator.temperature,
                          evaluator.batch_size, device, evaluator.num_workers, progress=False)
    probe = DinoTrainer.from_config(cfg, dataset=images, progress=False)        # the step time, to fit the schedules to the budget
    step_s = seconds_per_step(probe, steps=max(3, min(30, probe.iters_per_epoch - 4)))
    cfg.train.epochs = fit_epochs(minutes * 60, step_s, probe.iters_per_epoch)
    cfg.optim.warmup_epochs = min(cfg.optim.warmup_epochs, max(cfg.train.epochs // 10, 1 if cfg.train.epochs > 2 else 0))
    cfg.optim.freeze_last_layer = min(cfg.optim.freeze_last_layer, cfg.train.epochs // 10)
    results.update(seconds_per_step=round(step_s, 4), epochs=cfg.train.epochs, iters_per_epoch=probe.iters_per_epoch,
                   prepare_seconds=round(time.perf_counter() - prepare, 1))
    del probe
    print(f'{device_name(device)}: {step_s:.3f} s/step -> {cfg.train.epochs} epochs in {minutes} min', flush=True)

    trainer = DinoTrainer.from_config(cfg, dataset=images, progress=False)
    def knn(backbone, ev) -> float: return ev(backbone)['knn_top1']
    def recalibrated(backbone, ev) -> float: return ev.with_estimated_batchnorm(backbone)['knn_top1']
    def evaluate(tr, minutes, final=False):
        t, ev = time.time(), evaluator if final else during
        teacher = tr.teacher.backbone
        row = dict(train_minutes=round(minutes, 2), step=tr.step, images_seen=tr.step * cfg.data.batch_size * tr.world_size,
                   epoch=round(tr.epoch + tr.batch / tr.iters_per_epoch, 2), full_train_split=len(ev.train_set) == len(evaluator.train_set),
                   teacher_knn_top1=knn(teacher, ev), student_knn_top1=knn(tr.student_without_ddp.backbone, ev),
                   teacher_bn_recalibrated_knn_top1=recalibrated(teacher, ev))
        last = tr.history.steps[-1] if tr.history.steps else {}
        row |= {k: last[k] for k in ('teacher_entropy', 'teacher_batch_entropy', 'student_entropy', 'kl') if k in last}
        row['eval_seconds'] = round(time.time() - t, 1)
        results.append('knn', row)
        print({k: (round(v, 2) if isinstance(v, float) else v) for k, v in row.items()}, flush=True)
    teacher = trainer.teacher.backbone
    results.update(random_init_top1=knn(teacher, evaluator), bn_recalibrated_top1=recalibrated(teacher, evaluator))
    print({k: results.data[k] for k in ('random_init_top1', 'bn_recalibrated_top1')}, flush=True)
    marks = [60 * m for m in torch.arange(eval_every, minutes, eval_every).tolist()] if eval_every else []
    done = train_for(trainer, minutes * 60, marks, evaluate)
    evaluate(trainer, done['train_seconds'] / 60, final=True)
    seen = trainer.step * cfg.data.batch_size * trainer.world_size
    final = results.data['knn'][-1]
    results.update(train_minutes=round(done['train_seconds'] / 60, 2), steps=trainer.step, images_seen=seen,
                   epochs_done=round(done['epochs_done'], 2), images_per_second=round(seen / done['train_seconds'], 1),
                   final_top1=final['teacher_knn_top1'], final_bn_recalibrated_top1=final['teacher_bn_recalibrated_knn_top1'],
                   final_student_top1=final['student_knn_top1'], log_k=math.log(cfg.model.out_dim), history=trainer.history.state_dict())
    if export: results.update(exported=str(export_backbone(trainer.teacher, export, cfg.data.global_crop_size, force=True)))
    return results

def table(results: Results) -> str:
    "The run as a markdown table."
    d = results.data
    lines = ['| train min | images seen | teacher kNN (own BN) | teacher kNN (BN re-estimated) | student kNN |', '|---:|---:|---:|---:|---:|',
             f"| 0 | 0 | {d['random_init_top1']:.1f} (random, as built) | {d['bn_recalibrated_top1']:.1f} (random) | |"]
    lines += [f"| {r['train_minutes']} | {r['images_seen']:,} | {r['teacher_knn_top1']:.1f} | {r['teacher_bn_recalibrated_knn_top1']:.1f} | "
              f"{r['student_knn_top1']:.1f} |" for r in d['knn']]
    return '\n'.join(lines + [f"\n{d['images_per_second']} img/s on {d['device']}; {results.path}"])

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--config', default='cpu_imagenette', help='preset or YAML file')
    p.add_argument('--data', type=Path, default=Path('/tmp/imagenette-112'), help='Imagenette tree with train/ and val/')
    p.add_argument('--minutes', type=float, default=30, help='training budget (evaluations excluded)')
    p.add_argument('--eval-every', type=float, default=10, help='minutes of training between two kNN evaluations (0: only at the end)')
    p.add_argument('--eval-subset', type=int, default=0, help='training images for the kNN during training (0: all); the end uses all')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--name', default='', help='a name for the result file')
    p.add_argument('--out', type=Path, default=Path('bench/results'), help='folder for the JSON result')
    p.add_argument('--export', type=Path, help="also write the trained teacher's backbone to this directory (dino-nb export's format)")
    p.add_argument('--smoke', action='store_true', help='tiny sizes on a tiny folder, on the CPU: checks that the script works')
    p.add_argument('overrides', nargs='*')
    a = p.parse_args()
    if a.smoke:
        data = tiny_image_folder(Path(tempfile.mkdtemp())/'tiny', classes=4, train=8, val=4, size=32)
        results = run(a.config, data, 0.05, 0.02, 0, a.seed, a.name or 'smoke', a.out, SMOKE + a.overrides, a.export)
    else:
        if not (a.data/'train').is_dir(): raise SystemExit(f'{a.data}/train not found: tar xzf imagenette-112.tar.gz -C /tmp first')
        results = run(a.config, a.data, a.minutes, a.eval_every, a.eval_subset, a.seed, a.name, a.out, a.overrides, a.export)
    print(table(results))

if __name__ == '__main__':
    skip_last_collection()
    main()

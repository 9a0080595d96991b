"""Train DINO on the shared Imagenette copy for a time budget; report images/s and the teacher's (and the student's) kNN
top-1 on the full val split at set minutes of training, against two baselines: the random network as built, and the
same network with its BatchNorm statistics estimated on the training images.

  python bench/bench_train.py --config cpu_imagenette --data /tmp/imagenette-112 --minutes 30 --out bench/results   # CPU
  python bench/bench_train.py --config resnet18_imagenette --data /tmp/imagenette-112 --minutes 8 --eval-every 2 \\
         data.cache=memory data.decode_size=112                                                                     # a GPU

Extra arguments are config overrides (section.key=value). The number of epochs is fitted to the budget from a measured
stretch of steps, so that the schedules end with it; a hard stop at the budget ends training in any case. The trained
teacher is evaluated twice: with its own BatchNorm statistics (running averages over its augmented training views) and
with statistics re-estimated on the clean training crops, as the random network's are. The JSON result is rewritten
after every evaluation.
"""
from __future__ import annotations
import argparse, math, time
from pathlib import Path
from common import Results, device_name, fit_epochs, seconds_per_step, subset, train_for
import torch
from dino_nb.config import config_to_dict, get_config
from dino_nb.evaluate import KNNEvaluator, with_batchnorm_statistics
from dino_nb.trainer import DinoTrainer, resolve_device, train_images

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--config', default='cpu_imagenette', help='preset or YAML file')
    p.add_argument('--data', type=Path, default=Path('/tmp/imagenette-112'), help='Imagenette tree with train/ and val/')
    p.add_argument('--minutes', type=float, default=30, help='training budget (evaluations excluded)')
    p.add_argument('--eval-every', type=float, default=10, help='minutes of training between two kNN evaluations')
    p.add_argument('--eval-subset', type=int, default=0, help='training images for the kNN during training (0: all); the end uses all')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--name', default='', help='a name for the result file')
    p.add_argument('--out', type=Path, default=Path('bench/results'), help='folder for the JSON result')
    p.add_argument('overrides', nargs='*')
    a = p.parse_args()
    if not (a.data/'train').is_dir(): raise SystemExit(f'{a.data}/train not found: tar xzf imagenette-112.tar.gz -C /tmp first')
    overrides = ['data.dataset=imagefolder', f'data.root={a.data}/train', f'data.val_root={a.data}/val', 'train.eval_every=0',
                 'train.out_dir=/tmp/bench_train', f'train.seed={a.seed}'] + a.overrides
    cfg = get_config(a.config, overrides)
    device = resolve_device(cfg.train.device)
    name = f"train_{Path(a.config).stem}{'_' + a.name if a.name else ''}_seed{a.seed}_{time.strftime('%Y%m%d-%H%M%S')}"
    results = Results(a.out/f'{name}.json', device=device_name(device), torch=torch.__version__, config=a.config, overrides=overrides,
                      seed=a.seed, budget_minutes=a.minutes, resolved_config=config_to_dict(cfg))
    prepare = time.perf_counter()
    images = train_images(cfg, device, progress=False)
    evaluator = KNNEvaluator.from_config(cfg, device, progress=False)
    during = KNNEvaluator(subset(evaluator.train_set, a.eval_subset, a.seed), evaluator.val_set, evaluator.k, evaluator.temperature,
                          evaluator.batch_size, device, evaluator.num_workers, progress=False)
    probe = DinoTrainer.from_config(cfg, dataset=images, progress=False)        # the step time, to fit the schedules to the budget
    step_s = seconds_per_step(probe, steps=max(5, min(30, probe.iters_per_epoch - 4)))
    cfg.train.epochs = fit_epochs(a.minutes * 60, step_s, probe.iters_per_epoch)
    cfg.optim.warmup_epochs = min(cfg.optim.warmup_epochs, max(cfg.train.epochs // 10, 1 if cfg.train.epochs > 2 else 0))
    cfg.optim.freeze_last_layer = min(cfg.optim.freeze_last_layer, cfg.train.epochs // 10)
    del probe
    results.update(seconds_per_step=round(step_s, 4), epochs=cfg.train.epochs, iters_per_epoch=math.ceil(len(images) / cfg.data.batch_size),
                   prepare_seconds=round(time.perf_counter() - prepare, 1))
    print(f'{device_name(device)}: {step_s:.3f} s/step -> {cfg.train.epochs} epochs in {a.minutes} min', flush=True)

    trainer = DinoTrainer.from_config(cfg, dataset=images, progress=False)
    def knn(backbone, evaluator): return evaluator(backbone)['knn_top1']
    def evaluate(tr, minutes, final=False):
        t = time.time()
        ev = evaluator if final else during
        teacher = tr.teacher.backbone
        row = dict(train_minutes=round(minutes, 2), step=tr.step, images_seen=tr.step * cfg.data.batch_size * tr.world_size,
                   epoch=round(tr.epoch + tr.batch / tr.iters_per_epoch, 2), full_train_split=len(ev.train_set) == len(evaluator.train_set),
                   teacher_knn_top1=knn(teacher, ev), student_knn_top1=knn(tr.student_without_ddp.backbone, ev),
                   teacher_bn_recalibrated_knn_top1=knn(with_batchnorm_statistics(teacher, ev.train_set, cfg.eval.batch_size, device), ev))
        last = tr.history.steps[-1] if tr.history.steps else {}
        row |= {k: last[k] for k in ('teacher_entropy', 'teacher_batch_entropy', 'student_entropy', 'kl') if k in last}
        row['eval_seconds'] = round(time.time() - t, 1)
        results.append('knn', row)
        print({k: (round(v, 2) if isinstance(v, float) else v) for k, v in row.items()}, flush=True)
    teacher = trainer.teacher.backbone
    random_init = dict(random_init_top1=knn(teacher, evaluator),
                       bn_recalibrated_top1=knn(with_batchnorm_statistics(teacher, evaluator.train_set, cfg.eval.batch_size, device), evaluator))
    results.update(**random_init)
    print(random_init, flush=True)
    marks = [60 * m for m in torch.arange(a.eval_every, a.minutes, a.eval_every).tolist()]
    done = train_for(trainer, a.minutes * 60, marks, evaluate)
    evaluate(trainer, done['train_seconds'] / 60, final=True)
    images_seen = trainer.step * cfg.data.batch_size * trainer.world_size
    final = results.data['knn'][-1]
    results.update(train_minutes=round(done['train_seconds'] / 60, 2), steps=trainer.step, images_seen=images_seen,
                   epochs_done=round(done['epochs_done'], 2), images_per_second=round(images_seen / done['train_seconds'], 1),
                   final_top1=final['teacher_knn_top1'], final_bn_recalibrated_top1=final['teacher_bn_recalibrated_knn_top1'],
                   final_student_top1=final['student_knn_top1'], log_k=math.log(cfg.model.out_dim), history=trainer.history.state_dict())
    d = results.data
    print('| train min | images seen | teacher kNN (own BN) | teacher kNN (BN re-estimated) | student kNN |\n|---:|---:|---:|---:|---:|')
    print(f"| 0 | 0 | {d['random_init_top1']:.1f} (random, as built) | {d['bn_recalibrated_top1']:.1f} (random) | |")
    for r in d['knn']: print(f"| {r['train_minutes']} | {r['images_seen']:,} | {r['teacher_knn_top1']:.1f} | {r['teacher_bn_recalibrated_knn_top1']:.1f} | {r['student_knn_top1']:.1f} |")
    print(f"{d['images_per_second']} img/s; {results.path}")

if __name__ == '__main__': main()

"""Does a DINO run learn? Train with config overrides and record, at several points, the teacher's (and optionally
the student's) kNN top-1 against the random-init network, with every step's collapse diagnostics.

  python bench/probe_learning.py --name base --epochs 10 --evals 5                       # the quickstart preset
  python bench/probe_learning.py --name tt02 --epochs 30 loss.teacher_temp=0.02 loss.warmup_teacher_temp=0.02

Writes bench/results/probe_<name>_seed<seed>.json: the settings, minutes of training, images/s, the kNN curve and
the per-step history (loss, teacher and student entropy, KL, entropy of the batch-mean teacher distribution), plus,
every 5 steps, the mean cosine similarity and the per-dimension spread of the teacher's backbone features within a
batch (does the backbone collapse, or the head?). `--bn-baseline` also evaluates the random network with its
BatchNorm statistics estimated on the training images, without changing a weight.
"""
import argparse, json, math, time
from pathlib import Path
import torch
import torch.nn.functional as F
from dino_nb.config import get_config
from dino_nb.evaluate import KNNEvaluator
from dino_nb.distributed import resolve_device
from dino_nb.trainer import DinoTrainer, Hook


def backbone_probe(trainer, every: int=5) -> dict:
    "A hook recording how similar the teacher's backbone features are within a batch, every `every` steps."
    found = {}
    def hook(module, args, out):
        if trainer.step % every or not module.training: return
        with torch.no_grad():
            n = len(out) // 2
            f = F.normalize(out[:n].float(), dim=-1)
            sim = f @ f.T
            found[trainer.step + 1] = dict(backbone_cosine=float((sim.sum() - sim.diagonal().sum()) / (n * (n - 1))),
                                           backbone_std=float(out[:n].float().std(0).mean()))
    trainer.teacher.backbone.register_forward_hook(hook)
    return found


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--name', required=True)
    p.add_argument('--config', default='quickstart')
    p.add_argument('--epochs', type=int, required=True)
    p.add_argument('--evals', type=int, default=5, help='kNN evaluations after the random-init one')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--student', action='store_true', help="also evaluate the student's backbone")
    p.add_argument('--bn-baseline', action='store_true', help='also evaluate the random network with re-estimated BatchNorm statistics')
    p.add_argument('--out', default='bench/results')
    p.add_argument('overrides', nargs='*')
    a = p.parse_args()
    overrides = [f'train.epochs={a.epochs}', f'train.seed={a.seed}', 'train.eval_every=0', f'train.out_dir=/tmp/probe_{a.name}'] + a.overrides
    cfg = get_config(a.config, overrides)
    device = resolve_device(cfg.train.device)
    evaluator = KNNEvaluator.from_config(cfg, device, progress=False)
    trainer = DinoTrainer.from_config(cfg, progress=False)
    found = backbone_probe(trainer)
    eval_epochs = sorted({round(a.epochs * (i + 1) / a.evals) for i in range(a.evals)})
    rows, train_s = [], 0.0

    def evaluate():
        t = time.time()
        r = {'epoch': trainer.epoch, 'step': trainer.step, 'train_minutes': round(train_s / 60, 2)}
        r.update({f'teacher_{k}': v for k, v in evaluator(trainer.teacher.backbone).items()})
        if a.student: r.update({f'student_{k}': v for k, v in evaluator(trainer.student_without_ddp.backbone).items()})
        if a.bn_baseline and trainer.step == 0:
            r.update({f'bn_recalibrated_{k}': v for k, v in evaluator.with_estimated_batchnorm(trainer.teacher.backbone).items()})
        r['eval_seconds'] = round(time.time() - t, 1)
        rows.append(r); print(json.dumps(r), flush=True)

    def after_epoch(tr):
        nonlocal train_s, started
        train_s += time.time() - started
        last = tr.history.steps[-1]
        print(f"epoch {tr.epoch} step {tr.step} {train_s/60:.2f} min loss {last['loss']:.3f} H_t {last['teacher_entropy']:.2f} "
              f"H_batch {last['teacher_batch_entropy']:.2f} H_s {last['student_entropy']:.2f} kl {last['kl']:.3f}", flush=True)
        if tr.epoch in eval_epochs: evaluate()
        started = time.time()

    evaluate()
    started = time.time()
    trainer.fit([Hook(on_epoch=after_epoch)])
    steps = [r | found.get(r['step'], {}) for r in trainer.history.steps]
    result = dict(name=a.name, config=a.config, overrides=overrides, seed=a.seed, log_k=math.log(cfg.model.out_dim),
                  train_minutes=round(train_s / 60, 2), images_per_second=round(trainer.step * cfg.data.batch_size / train_s, 1),
                  knn=rows, steps=steps)
    Path(a.out).mkdir(parents=True, exist_ok=True)
    out = Path(a.out)/f'probe_{a.name}_seed{a.seed}.json'
    out.write_text(json.dumps(result))
    k0, k1 = rows[0]['teacher_knn_top1'], rows[-1]['teacher_knn_top1']
    best = max(r['teacher_knn_top1'] for r in rows)
    print(f'RESULT {a.name} seed {a.seed}: {train_s/60:.1f} min, {trainer.step} steps, kNN {k0:.1f} -> {k1:.1f} (best {best:.1f}); {out}')

if __name__ == '__main__': main()

"""Learning per image seen: train a config for a number of images, and evaluate the teacher and the student at image
marks with the paper's kNN (k=20, T=0.07) on the full Imagenette-112 validation split, the bank being the full training
split, against both random baselines of the same seed (the network as built, and with its BatchNorm statistics
estimated; cached per seed and architecture in OUT/baselines.json). The trainer's own loop runs; a hook evaluates at
the marks, and the time of the evaluations is not counted as training time. One JSON per run in OUT, rewritten after
every mark, with the collapse diagnostics averaged over the last 20 steps.

  python bench/learning_curve.py --name base --images 60000 --marks 8000,30000 [--config cpu_imagenette] [--seed 0]
         [--train-on full|sample] [--momentum config|fraction:0.1|const:0.99|cos:0.995:0.98] [key=value ...]
  python bench/learning_curve.py --smoke          # tiny, on the CPU, in seconds

--train-on sample trains on the 2,000 images shipped with the package (what `dino-nb train` uses) and still evaluates
on Imagenette. --momentum replaces the teacher's momentum schedule: `fraction:f` makes the teacher average about the
last fraction f of the run so far (momentum 1 - 1/(1 + f*t) at step t), `const:m` keeps m, `cos:a:b` is a cosine from
a to b (DINO's goes from 0.996 to 1).
"""
from __future__ import annotations
import argparse, json, tempfile, time
from pathlib import Path
import numpy as np
import torch
from common import Results, device_name, skip_last_collection
from dino_nb.config import config_to_dict, get_config
from dino_nb.data import SAMPLE_DIR, tiny_image_folder
from dino_nb.distributed import resolve_device
from dino_nb.evaluate import KNNEvaluator
from dino_nb.trainer import DinoTrainer, Hook, resolve_augment_on, train_images

DIAGNOSTICS = ('loss', 'teacher_entropy', 'teacher_batch_entropy', 'student_entropy', 'kl', 'koleo', 'ibot')

def momentum_schedule(kind: str, base: np.ndarray) -> np.ndarray:
    "The teacher momentum per step: the config's cosine (`config`), `fraction:f` (averages the last f of the run so far) or `const:m`."
    if kind == 'config': return base
    name, _, value = kind.partition(':')
    t = np.arange(len(base))
    if name == 'fraction': return 1 - 1 / (1 + float(value) * t + 1e-9)
    if name == 'const': return np.full(len(base), float(value))
    if name == 'cos':                # cos:START:END, a cosine from START to END over the run (DINO's is START to 1)
        start, end = (float(v) for v in value.split(':'))
        return end + (start - end) * (1 + np.cos(np.pi * t / len(base))) / 2
    raise SystemExit(f'--momentum: unknown schedule {kind!r} (config, fraction:F, const:M, cos:START:END)')

class Marks(Hook):
    "Evaluate at the first step past each mark (images seen), pausing the training clock meanwhile."
    def __init__(self, marks: list[int], evaluate):
        self.marks, self.evaluate, self.start, self.paused = list(marks), evaluate, time.perf_counter(), 0.
    def train_seconds(self) -> float: return time.perf_counter() - self.start - self.paused
    def on_step(self, trainer, records: list[dict]) -> None:
        seen = trainer.step * trainer.cfg.data.batch_size
        if not (self.marks and seen >= self.marks[0]) or trainer.step == trainer.iters_per_epoch * trainer.cfg.train.epochs: return
        while self.marks and seen >= self.marks[0]: self.marks.pop(0)
        t = time.perf_counter()
        self.evaluate(trainer, self.train_seconds())
        trainer.student.train(); trainer.teacher.train()
        self.paused += time.perf_counter() - t

def run(a) -> Results:
    torch.set_num_threads(a.threads)
    train_root = a.data/'train' if a.train_on == 'full' else SAMPLE_DIR/'train'
    base = ['data.dataset=imagefolder', f'data.root={train_root}', f'data.val_root={a.data}/val', 'train.eval_every=0', 'train.log_every=1',
            f'train.out_dir={tempfile.gettempdir()}/learning_curve', f'train.seed={a.seed}', 'train.device=cpu']
    cfg = get_config(a.config, base + a.overrides)
    device = resolve_device(cfg.train.device)
    started = time.time()
    images = train_images(cfg, device, resolve_augment_on(cfg.data.augment_on, device, cfg.data.cache), progress=False)
    bank = get_config(a.config, base + a.overrides + [f'data.root={a.data}/train'])    # the kNN bank: all training images
    evaluator = KNNEvaluator.from_config(bank, device, progress=False)
    batch = cfg.data.batch_size
    cfg.train.epochs = max(1, round(a.images / (len(images) // batch * batch)))
    trainer = DinoTrainer.from_config(cfg, dataset=images, progress=False)
    total = trainer.iters_per_epoch * cfg.train.epochs
    trainer.schedules.momentum = momentum_schedule(a.momentum, trainer.schedules.momentum)
    m = cfg.model
    key = f'seed{a.seed}_{m.backbone}_{m.resnet_width}_{m.resnet_stem}_{m.patch_size}_{cfg.eval.resize_size}_{cfg.eval.crop_size}'
    cache = a.out/'baselines.json'
    known = json.loads(cache.read_text()) if cache.exists() else {}
    if key not in known:
        random_net = trainer.teacher.backbone
        known[key] = dict(built=evaluator(random_net)['knn_top1'], bn=evaluator.with_estimated_batchnorm(random_net)['knn_top1'])
        a.out.mkdir(parents=True, exist_ok=True); cache.write_text(json.dumps(known, indent=1))
    planned = total * batch
    marks = sorted(int(x) for x in a.marks.split(',') if x and int(x) < planned)
    results = Results(a.out/f'{a.name}_seed{a.seed}.json', name=a.name, seed=a.seed, config=a.config, overrides=a.overrides,
                      momentum=a.momentum, train_on=a.train_on, machine=device_name(device), torch=torch.__version__, threads=a.threads,
                      epochs=cfg.train.epochs, steps=total, images_planned=planned, baselines=known[key], resolved=config_to_dict(cfg), curve=[])
    print(a.name, 'seed', a.seed, 'random', known[key], 'planned', planned, 'images in', cfg.train.epochs, 'epochs', flush=True)

    def evaluate(tr, train_seconds: float, final: bool=False) -> None:
        tr.log_pending()
        last = tr.history.steps[-20:]
        row = dict(images=tr.step * batch, step=tr.step, train_minutes=round(train_seconds / 60, 2),
                   teacher=evaluator(tr.teacher.backbone)['knn_top1'], student=evaluator(tr.student_without_ddp.backbone)['knn_top1'])
        if final and m.backbone.startswith('resnet'): row['teacher_bn'] = evaluator.with_estimated_batchnorm(tr.teacher.backbone)['knn_top1']
        row |= {k: round(float(np.mean([s[k] for s in last])), 4) for k in DIAGNOSTICS if last and k in last[-1]}
        row['momentum'] = float(tr.schedules.momentum[min(tr.step, total - 1)])
        results.append('curve', row)
        print(json.dumps(row), flush=True)

    hook = Marks(marks, evaluate)
    trainer.fit([hook])
    seconds = hook.train_seconds()
    evaluate(trainer, seconds, final=True)
    results.update(train_minutes=round(seconds / 60, 2), images_per_second=round(planned / seconds, 1),
                   wall_minutes=round((time.time() - started) / 60, 2), history=trainer.history.state_dict())
    return results

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--name', default='curve'); p.add_argument('--seed', type=int, default=0)
    p.add_argument('--config', default='cpu_imagenette'); p.add_argument('--images', type=int, default=60000)
    p.add_argument('--marks', default='', help='images seen at which to evaluate, comma-separated')
    p.add_argument('--train-on', default='full', choices=('full', 'sample'))
    p.add_argument('--momentum', default='config'); p.add_argument('--threads', type=int, default=torch.get_num_threads())
    p.add_argument('--data', type=Path, default=Path('/tmp/imagenette-112'), help='Imagenette tree with train/ and val/')
    p.add_argument('--out', type=Path, default=Path('bench/results/learning_curve'))
    p.add_argument('--smoke', action='store_true', help='tiny sizes on the CPU: checks that the script works')
    p.add_argument('overrides', nargs='*')
    a = p.parse_args()
    if a.smoke:
        a.data = tiny_image_folder(Path(tempfile.mkdtemp())/'tiny', classes=4, train=8, val=4, size=32)
        a.out, a.images, a.marks, a.train_on = Path(tempfile.mkdtemp()), 64, '16', 'full'
        a.overrides = ['model.resnet_width=8', 'data.batch_size=8', 'data.decode_size=32', 'data.global_crop_size=32', 'data.local_crop_size=16',
                       'data.num_local_crops=2', 'model.out_dim=64', 'eval.resize_size=36', 'eval.crop_size=32', *a.overrides]
    elif not (a.data/'train').is_dir(): raise SystemExit(f'--data: no train/ folder in {a.data} (tar xzf imagenette-112.tar.gz -C /tmp)')
    results = run(a)
    print(json.dumps({k: results.data[k] for k in ('name', 'seed', 'train_minutes', 'images_per_second', 'baselines')}), flush=True)

if __name__ == '__main__':
    skip_last_collection()
    main()

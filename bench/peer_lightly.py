"""A peer, side by side: lightly's DINO (its DINOLoss, DINOProjectionHead, DINOTransform and the training loop of its own
example) trained on the same network, views, batch, optimizer and data as the `cpu_imagenette` preset, for the same
minutes, evaluated with the same kNN (k=20, T=0.07, full Imagenette-112 val, bank the full training split). lightly is
not a dependency of dino_nb: `pip install lightly` first. The dino_nb side of the comparison is the preset itself:
`python bench/learning_curve.py` or `bench/bench_train.py --config cpu_imagenette --minutes M` on the same machine.

What is the same: the quarter-width small-stem ResNet-18 (dino_nb.backbones.resnet, the same seed), 2 global views of
64 px and 4 local views of 32 px with the preset's crop scales and blur, batch 64, SGD with momentum 0.9 at the preset's
learning rate (0.3 per 256 images, cosine to 0 after one warm-up epoch) and weight decay 5e-4, the preset's head (2,048
hidden units, a 256-dim bottleneck, 2,048 outputs, BatchNorm), teacher temperature 0.02, teacher momentum from 0.99 to 1,
the last layer frozen during the first epoch. What is lightly's: the views made by its PIL transform in DataLoader
workers, its loss and head, and its loop (the momentum updated before each step on a per-epoch cosine, as its example does),
in float32 (lightly's example uses no autocast; dino_nb's `train.precision=auto` is bfloat16 on CPUs that multiply in it).

  python bench/peer_lightly.py --data /tmp/imagenette-112 --minutes 30       # one run, one machine
  python bench/peer_lightly.py --smoke                                      # tiny, in seconds
"""
from __future__ import annotations
import argparse, copy, math, tempfile, time
from pathlib import Path
import torch
from torch import nn
from torch.utils.data import DataLoader
from common import Results, cpu_model, skip_last_collection
from dino_nb.backbones import resnet
from dino_nb.config import get_config
from dino_nb.data import ImageDataset, tiny_image_folder
from dino_nb.evaluate import KNNEvaluator
from dino_nb.optim import cosine_schedule

def build(cfg, out_dim: int):
    "lightly's student and teacher around dino_nb's narrow ResNet, seeded as dino_nb seeds its own."
    from lightly.models.modules import DINOProjectionHead
    from lightly.models.utils import deactivate_requires_grad
    torch.manual_seed(cfg.train.seed)
    m = cfg.model
    backbone = resnet(m.backbone, m.resnet_width, m.resnet_stem)
    head = lambda **kw: DINOProjectionHead(backbone.embed_dim, m.hidden_dim, m.bottleneck_dim, out_dim, batch_norm=m.use_bn_in_head, **kw)
    student = nn.ModuleDict(dict(backbone=backbone, head=head(freeze_last_layer=cfg.optim.freeze_last_layer)))
    teacher = nn.ModuleDict(dict(backbone=copy.deepcopy(backbone), head=head()))   # as lightly's example: a head of its own
    deactivate_requires_grad(teacher)
    return student, teacher

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', type=Path, default=Path('/tmp/imagenette-112'))
    p.add_argument('--minutes', type=float, default=30.)
    p.add_argument('--workers', type=int, default=2, help='DataLoader workers making the views (lightly: PIL in workers)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', type=Path, default=Path('bench/results'))
    p.add_argument('--smoke', action='store_true')
    a = p.parse_args()
    from lightly.loss import DINOLoss
    from lightly.models.utils import update_momentum
    from lightly.transforms.dino_transform import DINOTransform
    from lightly.utils.scheduler import cosine_schedule as lightly_cosine
    extra = ['model.resnet_width=8', 'data.batch_size=8', 'model.out_dim=64', 'eval.resize_size=36', 'eval.crop_size=32'] if a.smoke else []
    if a.smoke: a.data, a.minutes, a.workers = tiny_image_folder(Path(tempfile.mkdtemp())/'tiny', classes=4, train=8, val=4, size=48), 0.05, 0
    cfg = get_config('cpu_imagenette', ['data.dataset=imagefolder', f'data.root={a.data}/train', f'data.val_root={a.data}/val',
                                        f'train.seed={a.seed}', 'train.device=cpu', *extra])
    d, o, l = cfg.data, cfg.optim, cfg.loss
    transform = DINOTransform(global_crop_size=d.global_crop_size, global_crop_scale=d.global_crops_scale, local_crop_size=d.local_crop_size,
                              local_crop_scale=d.local_crops_scale, n_local_views=d.num_local_crops, sigmas=d.blur_sigma)
    dataset = ImageDataset.from_folder(a.data/'train', transform=transform)
    loader = DataLoader(dataset, batch_size=d.batch_size, shuffle=True, drop_last=True, num_workers=a.workers,
                        persistent_workers=a.workers > 0, generator=torch.Generator().manual_seed(a.seed))
    student, teacher = build(cfg, cfg.model.out_dim)
    criterion = DINOLoss(output_dim=cfg.model.out_dim, warmup_teacher_temp=l.warmup_teacher_temp, teacher_temp=l.teacher_temp,
                         warmup_teacher_temp_epochs=l.warmup_teacher_temp_epochs, student_temp=l.student_temp, center_momentum=l.center_momentum)
    optimizer = torch.optim.SGD(student.parameters(), lr=0., momentum=0.9, weight_decay=o.weight_decay)
    evaluator = KNNEvaluator.from_config(cfg, progress=False)
    results = Results(a.out/f"peer_lightly{'_smoke' if a.smoke else ''}_seed{a.seed}_{time.strftime('%Y%m%d-%H%M%S')}.json",
                      machine=f'{cpu_model()}, {torch.get_num_threads()} threads', budget_minutes=a.minutes, workers=a.workers, seed=a.seed,
                      random_init_top1=evaluator(teacher['backbone'])['knn_top1'], bn_recalibrated_top1=evaluator.with_estimated_batchnorm(teacher['backbone'])['knn_top1'])
    print('random network:', results.data['random_init_top1'], results.data['bn_recalibrated_top1'], flush=True)

    def step(views, epoch, lr):
        for group in optimizer.param_groups: group['lr'] = lr
        views = list(views)
        teacher_out = [teacher['head'](teacher['backbone'](v)) for v in views[:2]]
        student_out = [student['head'](student['backbone'](v)) for v in views]
        loss = criterion(teacher_out, student_out, epoch=epoch)
        loss.backward()
        student['head'].cancel_last_layer_gradients(current_epoch=epoch)
        optimizer.step(); optimizer.zero_grad()
        return loss
    # the schedules need the number of epochs: measure the first steps, then fit the epochs to the budget, as bench_train.py does
    iters, seconds, steps, start = len(loader), a.minutes * 60, 0, time.perf_counter()
    epochs, lr_schedule = None, None
    lr_peak = o.lr * d.batch_size / 256
    epoch = 0
    while epochs is None or epoch < epochs:
        momentum = lightly_cosine(epoch, epochs or 1, o.momentum_teacher, 1.0) if epochs else o.momentum_teacher
        for views, _ in loader:
            if epochs is None and steps == min(20, iters - 1):
                per_step = (time.perf_counter() - start) / steps
                epochs = max(1, round(seconds / (per_step * iters)))
                lr_schedule = cosine_schedule(lr_peak, o.min_lr, epochs, iters, warmup_epochs=min(o.warmup_epochs, max(epochs // 10, 1 if epochs > 2 else 0)))
                print(f'{per_step:.3f} s/step: {epochs} epochs of {iters} steps', flush=True)
            update_momentum(student['backbone'], teacher['backbone'], m=momentum)
            update_momentum(student['head'], teacher['head'], m=momentum)
            lr = lr_schedule[min(steps, len(lr_schedule) - 1)] if lr_schedule is not None else lr_peak * steps / (iters * max(o.warmup_epochs, 1))
            step(views, epoch, float(lr))
            steps += 1
            if time.perf_counter() - start > seconds * 1.05: break            # a hard stop at the budget
        epoch += 1
        if time.perf_counter() - start > seconds * 1.05: break
    train_seconds = time.perf_counter() - start
    seen = steps * d.batch_size
    results.update(train_minutes=round(train_seconds / 60, 2), steps=steps, epochs=epochs, images_seen=seen, images_per_second=round(seen / train_seconds, 1),
                   teacher_knn_top1=evaluator(teacher['backbone'])['knn_top1'], student_knn_top1=evaluator(student['backbone'])['knn_top1'],
                   teacher_bn_recalibrated_knn_top1=evaluator.with_estimated_batchnorm(teacher['backbone'])['knn_top1'])
    print({k: results.data[k] for k in ('train_minutes', 'images_seen', 'images_per_second', 'teacher_knn_top1', 'student_knn_top1',
                                        'teacher_bn_recalibrated_knn_top1', 'random_init_top1', 'bn_recalibrated_top1')}, flush=True)

if __name__ == '__main__':
    skip_last_collection()
    main()

"""Part III's ViT ingredients against DINO on this book's budget: a ViT-Tiny/8 trained on the shipped sample (2,000 images)
with chapter 07's CPU recipe (32 px global views, 16 px local views, AdamW), once as DINO and once with each of
registers (4), iBOT's masked patch loss (weight 1), and DINOv2's whole objective (Sinkhorn-Knopp, KoLeo 0.1, iBOT 1,
4 registers), the same seed and the same images seen. For each: the teacher's and the student's kNN top-1 on the sample's
500 validation images at 32 px (the random network's too), how peaked the [CLS] attention is (normalized entropy, share
of the patches in the 60 % mask), and the largest patch-token norm over the median one (the artifacts registers are
for); and one figure of the attention maps and one of the patch-feature PCA of every variant beside the random network.

  python bench/vit_ingredients.py --epochs 6 --out bench/results/vit_ingredients    # about 5 minutes a variant on 2 cores
  python bench/vit_ingredients.py --smoke                                           # tiny, in seconds
"""
from __future__ import annotations
import argparse, json, tempfile, time
from pathlib import Path
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
import numpy as np
import torch
from common import cpu_model, skip_last_collection
from dino_nb.attention import _run_vit, _vit_of, attention_maps, plot_attention, plot_patch_pca, prepare_image, threshold_masks
from dino_nb.backbones import patch_offset
from dino_nb.config import get_config
from dino_nb.data import SAMPLE_DIR, tiny_image_folder
from dino_nb.evaluate import KNNEvaluator
from dino_nb.head import DinoModel
from dino_nb.trainer import DinoTrainer

RECIPE = ['model.backbone=vit_tiny', 'model.patch_size=8', 'model.use_bn_in_head=false', 'model.out_dim=1024', 'model.hidden_dim=512',
          'model.bottleneck_dim=128', 'data.global_crop_size=32', 'data.local_crop_size=16', 'data.num_local_crops=4', 'optim.optimizer=adamw',
          'optim.lr=0.004', 'optim.weight_decay=0.04', 'optim.weight_decay_end=0.4', 'optim.clip_grad=3.0', 'optim.warmup_epochs=1',
          'train.eval_every=0', 'train.checkpoint_every=0', 'eval.resize_size=36', 'eval.crop_size=32', 'train.precision=fp32']
VARIANTS = {'DINO': [], 'registers': ['model.num_register_tokens=4'], 'iBOT': ['loss.ibot_weight=1.0'],
            'DINOv2 objective': ['loss.centering=sinkhorn_knopp', 'loss.koleo_weight=0.1', 'loss.ibot_weight=1.0', 'model.num_register_tokens=4']}
IMAGES = [SAMPLE_DIR/'val'/c/f'{c}_{i:03d}.jpg' for c, i in [('english_springer', 5), ('golf_ball', 3), ('parachute', 2)]]

def attention_numbers(model, images: list, size: int) -> dict:
    """Mean normalized entropy of the [CLS] maps, share of the patches in the 60 % masks, and the largest over the median norm of the
    patch tokens leaving the last layer (before the final LayerNorm, where the high-norm artifacts of large ViTs show)."""
    entropies, shares, outliers = [], [], []
    for path in images:
        x = prepare_image(path, 8, size=size)
        maps = attention_maps(model, x).flatten(1)
        p = maps / maps.sum(1, keepdim=True)
        entropies.append((-(p * p.clamp_min(1e-12).log()).sum(1) / np.log(p.shape[1])).mean().item())
        shares.append(threshold_masks(maps, 0.6).float().mean().item())
        out, _ = _run_vit(model, x, 8, output_hidden_states=True)            # the last layer's tokens before the final LayerNorm
        norms = out.hidden_states[-1][0, patch_offset(_vit_of(model)):].norm(dim=-1)
        outliers.append((norms.max() / norms.median()).item())
    return dict(attention_entropy=round(float(np.mean(entropies)), 4), mask_share=round(float(np.mean(shares)), 4),
                max_over_median_token_norm=round(float(np.mean(outliers)), 3))

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--epochs', type=int, default=6)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', type=Path, default=Path('bench/results/vit_ingredients'))
    p.add_argument('--smoke', action='store_true')
    a = p.parse_args()
    extra = []
    if a.smoke:
        root = tiny_image_folder(Path(tempfile.mkdtemp())/'tiny', classes=4, train=8, val=4, size=32)
        extra, a.epochs, a.out = ['data.dataset=imagefolder', f'data.root={root}/train', f'data.val_root={root}/val', 'data.batch_size=8'], 1, Path(tempfile.mkdtemp())
    a.out.mkdir(parents=True, exist_ok=True)
    measured = sorted(SAMPLE_DIR.glob('val/*/*_00[01].jpg'))                   # 20 validation images, two per class
    results = dict(machine=f'{cpu_model()}, {torch.get_num_threads()} threads', epochs=a.epochs, seed=a.seed, recipe=RECIPE, variants={})
    models, random_net = {}, None
    for name, options in VARIANTS.items():
        cfg = get_config('quickstart', RECIPE + options + extra + [f'train.epochs={a.epochs}', f'train.seed={a.seed}',
                                                                    f"train.out_dir={tempfile.mkdtemp()}"])
        trainer = DinoTrainer.from_config(cfg, progress=False)
        if random_net is None:
            torch.manual_seed(cfg.train.seed)
            random_net = DinoModel.from_config(cfg, drop_path_rate=0.).eval()    # DINO's start, which the seed rebuilds
            knn = KNNEvaluator.from_config(cfg, progress=False)
            results['random'] = dict(knn_top1=knn(random_net.backbone)['knn_top1'], **attention_numbers(random_net, measured, 32))
        start = time.perf_counter(); trainer.fit(); minutes = (time.perf_counter() - start) / 60
        last = trainer.history.steps[-20:]
        results['variants'][name] = dict(options=options, minutes=round(minutes, 2), images_seen=trainer.step * cfg.data.batch_size,
                                         teacher_knn_top1=knn(trainer.teacher.backbone)['knn_top1'],
                                         student_knn_top1=knn(trainer.student_without_ddp.backbone)['knn_top1'],
                                         teacher_entropy=round(float(np.mean([s['teacher_entropy'] for s in last])), 3),
                                         **attention_numbers(trainer.teacher, measured, 32))
        models[name] = trainer.teacher.eval()
        print(name, results['variants'][name], flush=True)
        (a.out/'results.json').write_text(json.dumps(results, indent=1))
    every = {'before training': random_net} | {f'{k}, teacher': m for k, m in models.items()}
    heads = _vit_of(random_net).config.num_attention_heads
    fig, axes = plt.subplots(len(every) * len(IMAGES), heads + 2, figsize=(1.3 * (heads + 2) + 0.5, 1.3 * len(every) * len(IMAGES)), squeeze=False)
    rows = [(prepare_image(path, 8, size=32), model, name) for path in IMAGES for name, model in every.items()]
    maps = [attention_maps(model, x) for x, model, _ in rows]
    vmax = max(float(m.max()) for m in maps)
    for row, (x, model, name), m in zip(axes, rows, maps):
        plot_attention(x, m, threshold_masks(m, 0.6), axes=row, vmax=vmax); row[0].set_title(name, fontsize=7)
    fig.tight_layout(); fig.savefig(a.out/'attention.png', dpi=90); plt.close(fig)
    plot_patch_pca(every, IMAGES, 32, 8).savefig(a.out/'patch_pca.png', dpi=90); plt.close('all')
    print('wrote', a.out/'results.json', a.out/'attention.png', a.out/'patch_pca.png', flush=True)

if __name__ == '__main__':
    skip_last_collection()
    main()

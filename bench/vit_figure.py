"""The book's own attention figure, on one GPU: a ViT-S/8 trained with DINO on Imagenette-112 for a few minutes (the
dataset decoded once onto the GPU, the multi-crop made there: the gpu_imagenette preset with a ViT), its teacher
exported, then its [CLS] attention maps with 60 % masks and its patch-feature PCA drawn beside those of the same ViT
before training (rebuilt from the run's seed), on validation images of the shipped sample at the training size and
upsampled to twice it. Writes attention_trained.png, attention_random.png, patch_pca.png, the JSON of the run and
both backbones (dino-nb export's format) into --out.

  python bench/vit_figure.py --data /tmp/imagenette-112 --minutes 3 --out bench/results/device   # one GPU
  python bench/vit_figure.py --smoke                                                             # tiny, on the CPU, in seconds
"""
from __future__ import annotations
import argparse, tempfile
from pathlib import Path
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
import torch
import bench_train
from common import skip_last_collection
from dino_nb.attention import load_attention_model, paper_figures, plot_patch_pca
from dino_nb.checkpoint import export_backbone
from dino_nb.config import get_config
from dino_nb.data import SAMPLE_DIR, tiny_image_folder
from dino_nb.head import DinoModel

# ViT-S/8 on 112 px views (14 x 14 patches): DINO's ViT recipe (AdamW, weight decay 0.04 -> 0.4, clipping at 3, stochastic
# depth 0.1, teacher momentum from 0.996, no BatchNorm in the head), a smaller head and a short warm-up for a run of minutes
VIT = ['model.backbone=vit_small', 'model.patch_size=8', 'model.use_bn_in_head=false', 'model.out_dim=16384', 'model.norm_last_layer=false',
       'model.drop_path_rate=0.1', 'optim.optimizer=adamw', 'optim.lr=0.001', 'optim.min_lr=1e-6', 'optim.weight_decay=0.04',
       'optim.weight_decay_end=0.4', 'optim.clip_grad=3.0', 'optim.momentum_teacher=0.996', 'optim.warmup_epochs=2',
       'loss.teacher_temp=0.04', 'loss.warmup_teacher_temp=0.04', 'loss.warmup_teacher_temp_epochs=0', 'data.batch_size=128']
SMOKE = ['train.device=cpu', 'model.backbone=vit_tiny', 'data.batch_size=8', 'data.decode_size=32', 'data.global_crop_size=32',
         'data.local_crop_size=16', 'data.num_local_crops=2', 'data.num_workers=0', 'model.out_dim=64', 'model.hidden_dim=32',
         'model.bottleneck_dim=16', 'eval.resize_size=36', 'eval.crop_size=32', 'eval.batch_size=64']
IMAGES = [SAMPLE_DIR/'val'/c/f'{c}_{i:03d}.jpg' for c, i in [('chain_saw', 1), ('english_springer', 5), ('golf_ball', 3), ('parachute', 2),
                                                              ('church', 4), ('french_horn', 7)]]

def draw(out: Path, trained_dir: Path, random_dir: Path, size: int, minutes: float) -> list[Path]:
    "The attention figures of both networks and their patch PCA side by side, at the training size and at twice it."
    written = []
    for name, source in (('trained', trained_dir), ('random', random_dir)):
        attention, pca = paper_figures(source, IMAGES, size=size)
        attention.savefig(out/f'attention_{name}.png', dpi=110); written.append(out/f'attention_{name}.png')
        plt.close('all')
    models = {'before training': load_attention_model(random_dir)[0], f'DINO, {minutes:g} min': load_attention_model(trained_dir)[0]}
    patch = load_attention_model(trained_dir)[1]
    for k, s in ((1, size), (2, 2 * size)):
        fig = plot_patch_pca(models, IMAGES, s, patch)
        fig.savefig(out/f'patch_pca_{s}px.png', dpi=110); written.append(out/f'patch_pca_{s}px.png')
        plt.close('all')
    return written

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', type=Path, default=Path('/tmp/imagenette-112'), help='Imagenette tree with train/ and val/')
    p.add_argument('--minutes', type=float, default=3., help='training budget (evaluations excluded)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', type=Path, default=Path('bench/results/vit_figure'))
    p.add_argument('--smoke', action='store_true', help='tiny sizes on the CPU: checks that the script works')
    p.add_argument('overrides', nargs='*')
    a = p.parse_args()
    overrides = VIT + (SMOKE if a.smoke else []) + a.overrides
    if a.smoke: a.data, minutes = tiny_image_folder(Path(tempfile.mkdtemp())/'tiny', classes=4, train=8, val=4, size=32), 0.05
    else:
        if not (a.data/'train').is_dir(): raise SystemExit(f'--data: no train/ folder in {a.data}')
        minutes = a.minutes
    a.out.mkdir(parents=True, exist_ok=True)
    results = bench_train.run('gpu_imagenette', a.data, minutes, 0, 0, a.seed, 'vit_figure' + ('_smoke' if a.smoke else ''), a.out,
                              overrides, export=a.out/'vit_trained')
    print(bench_train.table(results), flush=True)
    cfg = get_config('gpu_imagenette', overrides + [f'train.seed={a.seed}', 'data.dataset=imagefolder', f'data.root={a.data}/train'])
    torch.manual_seed(cfg.train.seed)                       # the trainer seeds just before building the networks: the same start
    random_net = DinoModel.from_config(cfg, drop_path_rate=0.).eval()
    export_backbone(random_net, a.out/'vit_random', cfg.data.global_crop_size, force=True)
    for path in draw(a.out, a.out/'vit_trained', a.out/'vit_random', cfg.data.global_crop_size, round(results.data['train_minutes'], 1)):
        print('wrote', path, flush=True)

if __name__ == '__main__':
    skip_last_collection()
    main()

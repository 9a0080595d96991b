"""Continued pretraining, measured: a network pretrained by dino_nb on the shipped sample is trained on for a few more
epochs in two ways, and the teacher's kNN top-1 is followed epoch by epoch:

- naive: the backbone alone (an exported backbone as model.pretrained), a new random head, a zero center, the learning
  rate the run was trained with;
- the recipe: the whole checkpoint as model.pretrained (backbone, head and center of both networks), a tenth of the
  learning rate, no warm-up, and the backbone frozen for the first epoch while the head adapts.

  python bench/continue_pretraining.py --epochs 4            # pretrains with the quickstart preset first
  python bench/continue_pretraining.py --from runs/quickstart --epochs 4

Writes bench/results/continue_pretraining_<date>.json and prints a table.
"""
from __future__ import annotations
import argparse, tempfile, time
from pathlib import Path
from common import Results, device_name
import torch
from dino_nb.checkpoint import export_backbone
from dino_nb.run import train
from dino_nb.config import get_config

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--from', dest='source', type=Path, help='a run directory to continue from (default: train the quickstart first)')
    p.add_argument('--config', default='quickstart')
    p.add_argument('--epochs', type=int, default=4, help='epochs of continued training')
    p.add_argument('--out', type=Path, default=Path('bench/results'))
    p.add_argument('overrides', nargs='*')
    a = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix='continue_'))
    results = Results(a.out/f"continue_pretraining_{time.strftime('%Y%m%d-%H%M%S')}.json", device=device_name(torch.device('cpu')),
                      torch=torch.__version__, config=a.config, epochs=a.epochs, overrides=a.overrides)
    source = a.source
    if source is None:
        source = work/'pretrained'
        pre = train(get_config(a.config, [f'train.out_dir={source}', *a.overrides]), progress=False, log=lambda *_: None)
        results.update(pretraining=pre.history.epochs)
    export_backbone(source, work/'backbone')
    base = get_config(source/'config.yaml')
    lr = base.optim.lr
    ways = {'naive: backbone only, same learning rate': [f'model.pretrained={work/"backbone"}'],
            'recipe: whole checkpoint, lr / 10, backbone frozen for 1 epoch': [f'model.pretrained={source}', f'optim.lr={lr / 10}', 'optim.warmup_epochs=0',
                                                                               'optim.freeze_backbone_epochs=1', 'optim.freeze_last_layer=0']}
    for name, extra in ways.items():
        cfg = get_config(source/'config.yaml', [f'train.epochs={a.epochs}', 'train.eval_every=1', f'train.out_dir={work/name.split(":")[0]}',
                                               'train.checkpoint_every=0', *extra, *a.overrides])
        trainer = train(cfg, fresh=True, progress=False, log=lambda *_: None)
        curve = trainer.history.series('knn_top1', 'epochs')
        results.append('continued', dict(way=name, overrides=extra, epochs=curve[0], knn_top1=curve[1]))
        print(name, [round(v, 1) for v in curve[1]], flush=True)
    print(f'written to {results.path}')

if __name__ == '__main__': main()

"""Wall-clock seconds of short `dino-nb` commands, from the shell's point of view: start, work, and exit.

A tiny run is trained first (one epoch on a generated folder of 32 images at 48 px); then each command runs
`--repeats` times and the median is reported: `--help` (no PyTorch), `export` and `eval` of the tiny run
(PyTorch and torchvision imported, little work), and the tiny training itself.

Usage: python bench/bench_cli.py [--repeats 3]
"""
import argparse, subprocess, sys, tempfile, time
from pathlib import Path
from common import Results, device_name
import torch
from dino_nb.data import tiny_image_folder

def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode: raise SystemExit(f'{cmd} failed: {done.stderr[-2000:]}')
    return time.perf_counter() - start

def run(repeats: int, out: Path) -> Results:
    tmp = Path(tempfile.mkdtemp())
    folder = tiny_image_folder(tmp/'images', classes=4, train=8, val=4, size=48)
    cli = [sys.executable, '-m', 'dino_nb.cli']
    train = [*cli, 'train', 'data.dataset=imagefolder', f'data.root={folder}/train', f'data.val_root={folder}/val',
             'data.global_crop_size=32', 'data.local_crop_size=16', 'data.num_local_crops=2', 'data.batch_size=16', 'model.out_dim=256',
             'eval.resize_size=36', 'eval.crop_size=32', 'train.epochs=1', 'train.eval_every=0', f'train.out_dir={tmp}/run']
    train.insert(len(cli) + 1, '--fresh')
    commands = {'train (1 epoch of 32 images)': train,
                '--help': [*cli, '--help'],
                'export': [*cli, 'export', '--checkpoint', f'{tmp}/run', '--out', f'{tmp}/exported', '--force'],
                'eval': [*cli, 'eval', '--checkpoint', f'{tmp}/run']}
    results = Results(out/f"cli_{time.strftime('%Y%m%d-%H%M%S')}.json", device=device_name(torch.device('cpu')),
                      torch=torch.__version__, rows=[])
    for name, cmd in commands.items():
        times = sorted(timed(cmd) for _ in range(repeats))
        results.append('rows', {'command': name, 'seconds': times[len(times) // 2], 'all': times})
        print(f'dino-nb {name:32s} {times[len(times) // 2]:6.2f} s (median of {repeats})', flush=True)
    print(f'{results.data["device"]}; written to {results.path}')
    return results

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--out', type=Path, default=Path('bench/results'))
    a = p.parse_args()
    run(a.repeats, a.out)

"""Seconds to compute evaluation features (`extract_features`) with the images in the default (contiguous) memory layout
and in channels-last, the layout `extract_features` chooses for a ResNet.

Each row: one network, one layout, one number of threads; the median of `--repeats` passes over the same
`--images` crops (random pixels: the time does not depend on them), after one pass of warm-up.

Usage: python bench/bench_eval.py [--images 1000] [--size 64] [--threads 1 2] [--smoke]
"""
import argparse, time
from pathlib import Path
from common import Results, device_name
import torch
from dino_nb.backbones import resnet
from dino_nb.device_augment import ImageCache
from dino_nb.evaluate import extract_features

NETWORKS = {'resnet18, quarter width, small stem': lambda: resnet('resnet18', 16, 'small'),
            "torchvision's resnet18": lambda: resnet('resnet18')}

def run(images: int, size: int, threads: list[int], repeats: int, out: Path, smoke: bool=False) -> Results:
    crops = ImageCache(torch.randint(0, 256, (images, 3, size, size), dtype=torch.uint8,
                                     generator=torch.Generator().manual_seed(0)),
                       torch.full((images, 2), size), torch.zeros(images, dtype=torch.int64), ['x'])
    results = Results(out/f"eval_features_{'smoke_' if smoke else ''}{time.strftime('%Y%m%d-%H%M%S')}.json",
                      device=device_name(torch.device('cpu')), torch=torch.__version__, images=images, size=size, rows=[])
    for name, build in NETWORKS.items():
        torch.manual_seed(0); net = build().eval()
        for n in threads:
            torch.set_num_threads(n)
            row, feats = {'network': name, 'threads': n}, {}
            for channels_last in (False, True):
                extract_features(net, crops, 100, progress=False, channels_last=channels_last)        # warm-up
                times = []
                for _ in range(repeats):
                    start = time.perf_counter()
                    feats[channels_last] = extract_features(net, crops, 100, progress=False, channels_last=channels_last)[0]
                    times.append(time.perf_counter() - start)
                row['channels_last' if channels_last else 'contiguous'] = sorted(times)[len(times) // 2]
            row['max_difference'] = (feats[True] - feats[False]).abs().max().item()
            row['speedup'] = row['contiguous'] / row['channels_last']
            results.append('rows', row)
            print(f"{name:38s} {n} thread(s): {row['contiguous']:.2f} s contiguous, {row['channels_last']:.2f} s channels-last "
                  f"({row['speedup']:.2f}x), features differ by {row['max_difference']:.1e}", flush=True)
    print(f'{results.data["device"]}; written to {results.path}')
    return results

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--images', type=int, default=1000)
    p.add_argument('--size', type=int, default=64)
    p.add_argument('--threads', type=int, nargs='+', default=[1, 2])
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--out', type=Path, default=Path('bench/results'))
    p.add_argument('--smoke', action='store_true', help='a few images, one pass: checks that the script works')
    a = p.parse_args()
    if a.smoke: a.images, a.size, a.threads, a.repeats = 8, 32, [1], 1
    run(a.images, a.size, a.threads, a.repeats, a.out, a.smoke)

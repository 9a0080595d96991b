"""Throughput of the DINO multi-crop data pipeline, in images per second per CPU core.

Each image is read, cut into 2 global + N local views by `DINOTransform` and batched with
`collate_multi_crop`, through a `DataLoader` with `num_workers` worker processes, as in training.
For comparison the same loop runs DINO's original `DataAugmentationDINO` (torchvision v1 transforms,
`ToTensor` + `Normalize`) on the same images.

Usage: python bench/bench_data.py [--root /tmp/imagenette-112/train] [--workers 1 2] [--batches 20]
Images/s per core is images/s divided by the number of workers (by 1 with --workers 0).
The images: Imagenette at 112 px (`tar xf imagenette-112.tar -C /tmp`).
"""
import argparse, datetime, os, platform, random, sys, time
from pathlib import Path

import torch, torchvision
from PIL import Image, ImageFilter, ImageOps
from torch.utils.data import DataLoader
from torchvision import transforms as T

from dino_nb.data import IMAGENET_MEAN, IMAGENET_STD, DINOTransform, ImageDataset, collate_multi_crop

SETTINGS = [(224, 96, 10), (224, 96, 6)]  # (global size, local size, number of local views)
GLOBAL_SCALE, LOCAL_SCALE = (0.4, 1.0), (0.05, 0.4)


class ReferenceDINOAugmentation:
    "DINO's DataAugmentationDINO (main_dino.py) with its GaussianBlur and Solarization (utils.py), as published."
    def __init__(self, global_size, local_size, num_local_crops):
        flip_and_color_jitter = T.Compose([
            T.RandomHorizontalFlip(p=0.5),
            T.RandomApply([T.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.2, hue=0.1)], p=0.8),
            T.RandomGrayscale(p=0.2)])
        normalize = T.Compose([T.ToTensor(), T.Normalize(IMAGENET_MEAN, IMAGENET_STD)])
        crop = lambda size, scale: T.RandomResizedCrop(size, scale=scale, interpolation=T.InterpolationMode.BICUBIC)
        self.global_transfo1 = T.Compose([crop(global_size, GLOBAL_SCALE), flip_and_color_jitter, _blur(1.0), normalize])
        self.global_transfo2 = T.Compose([crop(global_size, GLOBAL_SCALE), flip_and_color_jitter, _blur(0.1),
                                          _solarize(0.2), normalize])
        self.local_transfo = T.Compose([crop(local_size, LOCAL_SCALE), flip_and_color_jitter, _blur(0.5), normalize])
        self.num_local_crops = num_local_crops

    def __call__(self, image):
        return ([self.global_transfo1(image), self.global_transfo2(image)]
                + [self.local_transfo(image) for _ in range(self.num_local_crops)])


def _blur(p):
    def blur(img):
        if random.random() > p: return img
        return img.filter(ImageFilter.GaussianBlur(radius=random.uniform(0.1, 2.0)))
    return blur

def _solarize(p):
    return lambda img: ImageOps.solarize(img) if random.random() < p else img


def images_per_second(dataset, num_workers, batch_size, batches, warmup):
    "Images per second over `batches` batches, after `warmup` batches."
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=num_workers,
                        collate_fn=collate_multi_crop, generator=torch.Generator().manual_seed(0))
    it = iter(loader)
    for _ in range(warmup): next(it)
    start, n = time.perf_counter(), 0
    for _ in range(batches):
        views, labels = next(it)
        n += len(labels)
    rate = n/(time.perf_counter() - start)
    del it
    return rate


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--root', type=Path, default=Path('/tmp/imagenette-112/train'))
    p.add_argument('--workers', type=int, nargs='+', default=[1, 2],
                   help='DataLoader worker counts to measure; 0: everything in the main process')
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--batches', type=int, default=20, help='batches timed, after the warm-up')
    p.add_argument('--warmup', type=int, default=4, help='batches before timing starts (worker start-up, first batches)')
    p.add_argument('--no-reference', action='store_true', help="skip DINO's original pipeline")
    a = p.parse_args()
    if not a.root.is_dir():
        sys.exit(f"benchmark images not found: '{a.root}' does not exist. It is Imagenette at 112 px "
                 f"(ImageFolder layout); unpack it with `tar xf imagenette-112.tar -C /tmp`, or pass --root.")
    if any(w < 0 for w in a.workers): sys.exit('--workers: worker counts must be >= 0')
    torch.set_num_threads(1)  # one core per process: the main process only collates

    print(f'{datetime.date.today()} | {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs | '
          f'torch {torch.__version__}, torchvision {torchvision.__version__}, Pillow {Image.__version__}')
    print(f'{a.root}: batch {a.batch_size}, {a.warmup} warm-up + {a.batches} timed batches\n')
    pipelines = [('dino_nb DINOTransform', lambda g, l, n: DINOTransform(g, l, n, GLOBAL_SCALE, LOCAL_SCALE, (0.1, 2.0)))]
    if not a.no_reference: pipelines.append(('DINO original (DataAugmentationDINO)', ReferenceDINOAugmentation))
    print('| pipeline | views | workers | images/s | images/s per core |')
    print('|---|---|---:|---:|---:|')
    for g, l, n in SETTINGS:
        for name, make in pipelines:
            dataset = ImageDataset.from_folder(a.root, transform=make(g, l, n))
            for w in a.workers:
                rate = images_per_second(dataset, w, a.batch_size, a.batches, a.warmup)
                print(f'| {name} | 2x{g} + {n}x{l} | {w} | {rate:.1f} | {rate/max(w, 1):.1f} |', flush=True)


if __name__ == '__main__': main()

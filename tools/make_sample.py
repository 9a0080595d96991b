"""Cut the small Imagenette sample that ships inside the package (dino_nb/sample).

Usage: python tools/make_sample.py /tmp/imagenette-112 [--train 40] [--val 50]
The source is the Imagenette tree at 112 px (train/val ImageFolder layout).
"""
import argparse, random, shutil
from pathlib import Path

CLASSES = {'n01440764': 'tench', 'n02102040': 'english_springer', 'n02979186': 'cassette_player',
           'n03000684': 'chain_saw', 'n03028079': 'church', 'n03394916': 'french_horn',
           'n03417042': 'garbage_truck', 'n03425413': 'gas_pump', 'n03445777': 'golf_ball',
           'n03888257': 'parachute'}

def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('src', type=Path)
    p.add_argument('--dest', type=Path, default=Path(__file__).parents[1]/'dino_nb'/'sample')
    p.add_argument('--train', type=int, default=40)
    p.add_argument('--val', type=int, default=50)
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    rng = random.Random(a.seed)
    shutil.rmtree(a.dest, ignore_errors=True)
    for split, n in (('train', a.train), ('val', a.val)):
        for wnid, name in CLASSES.items():
            files = sorted((a.src/split/wnid).glob('*.JPEG'))
            out = a.dest/split/name
            out.mkdir(parents=True)
            for i, f in enumerate(rng.sample(files, n)): shutil.copy(f, out/f'{name}_{i:03d}.jpg')

if __name__ == '__main__': main()

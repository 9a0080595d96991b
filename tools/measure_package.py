"""Measure the shape of the package: modules, import levels and arrows, exported names, the longest function, and the walk of
the configuration through one `train` (which modules the calls that receive it are in, in order, and how often the walk climbs
back to a module of a higher chapter than the one it was just in, as happens when a function returns and its caller passes the
configuration on again).

  python tools/measure_package.py              # this checkout
  python tools/measure_package.py --repo DIR   # another copy of the repository (e.g. an older commit, `git archive` into DIR)
"""
import argparse, ast, json, os, re, subprocess, sys, tempfile, textwrap
from pathlib import Path

def modules(pkg: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted(pkg.glob('*.py')) if p.stem not in ('__init__', '_modidx')}

def imports(path: Path) -> set[str]:
    "The dino_nb modules `path` imports, at module level or inside functions."
    tree, found = ast.parse(path.read_text()), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            name = node.module.removeprefix('dino_nb.').lstrip('.')
            if node.level or node.module.startswith('dino_nb'): found.add(name.split('.')[0])
    return found - {'', path.stem}

def levels(graph: dict[str, set[str]]) -> dict[str, int]:
    "Import level of each module: 0 for a module that imports none of the others, else 1 + the highest level it imports."
    out = {}
    def level(m, seen=()):
        if m in out: return out[m]
        if m in seen: raise SystemExit(f'import cycle through {m}')
        out[m] = 1 + max((level(d, seen + (m,)) for d in graph.get(m, ()) if d in graph), default=-1)
        return out[m]
    for m in graph: level(m)
    return out

def longest_function(paths) -> tuple[int, str]:
    best = (0, '')
    for p in paths:
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                best = max(best, (node.end_lineno - node.lineno + 1, f'{p.stem}.{node.name}'))
    return best

def exported(paths) -> int:
    n = 0
    for p in paths:
        m = re.search(r'^__all__ = \[(.*?)\]', p.read_text(), re.M | re.S)
        if m: n += len([x for x in m.group(1).split(',') if x.strip()])
    return n

WALK = textwrap.dedent('''
    import json, sys, tempfile
    sys.path.insert(0, sys.argv[1])
    from dino_nb.config import DinoConfig, get_config
    from dino_nb.data import tiny_image_folder
    try: from dino_nb.run import train
    except ImportError: from dino_nb.cli import train
    d = tempfile.mkdtemp()
    folder = tiny_image_folder(f'{d}/images', classes=2, train=8, val=2, size=32)
    cfg = get_config('quickstart', ['data.dataset=imagefolder', f'data.root={folder}/train', f'data.val_root={folder}/val', 'data.batch_size=8',
                                    'data.global_crop_size=32', 'data.local_crop_size=16', 'data.num_local_crops=2', 'model.out_dim=64',
                                    'train.epochs=1', 'train.eval_every=1', f'train.out_dir={d}/run', 'eval.resize_size=36', 'eval.crop_size=32'])
    walk, started = [], []
    def carries(frame):
        return any(v is cfg or any(v is getattr(cfg, s) for s in ('data', 'model', 'loss', 'optim', 'train', 'eval'))
                   for v in frame.f_locals.values() if not isinstance(v, (int, float, str)))
    def profile(frame, event, arg):
        if event != 'call' or started: return
        mod = frame.f_globals.get('__name__', '')
        if mod.startswith('dino_nb.') and frame.f_code.co_name == 'train_step': started.append(1); return
        if mod.startswith('dino_nb.') and carries(frame): walk.append([mod.removeprefix('dino_nb.'), frame.f_code.co_name])
    sys.setprofile(profile)
    try: train(cfg, progress=False, log=None)
    except TypeError: train(cfg, progress=False, log=lambda *a: None)
    sys.setprofile(None)
    print(json.dumps(walk))
''')

def walk_of_config(repo: Path, level: dict[str, int]) -> dict:
    "The calls that receive the configuration during a tiny `train`, up to its first step: modules entered and climbs back up."
    with tempfile.NamedTemporaryFile('w', suffix='.py', delete=False) as f: f.write(WALK)
    out = subprocess.run([sys.executable, f.name, str(repo)], capture_output=True, text=True, env=os.environ | {'OMP_NUM_THREADS': '1'})
    if out.returncode: raise SystemExit(out.stderr[-2000:])
    walk = json.loads(out.stdout.strip().splitlines()[-1])
    mods = [m for m, _ in walk]
    climbs = sum(level.get(b, 0) > level.get(a, 0) for a, b in zip(mods, mods[1:]))
    entered = sum(1 for i, m in enumerate(mods) if i == 0 or mods[i - 1] != m)
    return dict(calls=len(walk), modules=len(set(mods)), entered=entered, climbs=climbs,
                trainer_entered=sum(1 for i, m in enumerate(mods) if m == 'trainer' and (i == 0 or mods[i - 1] != 'trainer')),
                walk=' > '.join(f'{m}.{f}' for m, f in walk))

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--repo', type=Path, default=Path(__file__).resolve().parents[1])
    p.add_argument('--json', action='store_true')
    a = p.parse_args()
    mods = modules(a.repo/'dino_nb')
    graph = {m: imports(path) & set(mods) for m, path in mods.items()}
    level = levels(graph)
    fn = longest_function(mods.values())
    result = dict(modules=len(mods), lines=sum(len(p.read_text().splitlines()) for p in mods.values()),
                  arrows=sum(len(v) for v in graph.values()), levels=max(level.values()) + 1,
                  exported_names=exported(mods.values()), longest_function=f'{fn[1]} ({fn[0]} lines)',
                  type_only_imports=[m for m, path in mods.items() if re.search(r'^from dino_nb\.trainer import DinoTrainer$', path.read_text(), re.M)
                                     and 'TYPE_CHECKING' not in path.read_text()],
                  imports={m: sorted(v) for m, v in graph.items()}, level=level)
    result['config_walk'] = walk_of_config(a.repo, level)
    print(json.dumps(result, indent=1) if a.json else '\n'.join(f'{k}: {v}' for k, v in result.items()))

if __name__ == '__main__':
    main()

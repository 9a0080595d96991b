"""Print bench/README.md's tables of the CPU-learning runs from their JSON files in bench/results/.

  python bench/results_table.py            # cpu_imagenette runs (bench_train.py) and quickstart runs (run_quickstart.py)

Every number comes from a file: the table cannot drift from the runs it describes.
"""
import json, re, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dino_nb.config import config_to_dict, get_config

RESULTS = Path(__file__).resolve().parent/'results'
BOOKKEEPING = ('data.dataset=', 'data.root=', 'data.val_root=', 'train.eval_every=', 'train.out_dir=', 'train.seed=')

def changes(overrides: list) -> str:
    "The overrides a run adds to its preset, without the bookkeeping ones."
    return ', '.join(o for o in overrides if not o.startswith(BOOKKEEPING)) or '(the preset)'

FITTED = {'train.epochs', 'optim.warmup_epochs', 'optim.freeze_last_layer'}     # chosen by bench_train.py to fit the budget

def differences(resolved: dict, preset: str='cpu_imagenette') -> str:
    "The settings of a run's resolved config that differ from the preset as it is now (bookkeeping and fitted keys left out)."
    now = config_to_dict(get_config(preset))
    found = [f'{section}.{key}={value}'.replace(' ', '') for section, values in resolved.items() for key, value in values.items()
             if now.get(section, {}).get(key) != value and f'{section}.{key}' not in FITTED
             and not f'{section}.{key}='.startswith(BOOKKEEPING)]
    return ', '.join(found) or '(the preset)'

def at(run: dict, minutes: float, key: str='teacher_knn_top1') -> str:
    "The evaluation closest to `minutes` of training (within 1.5 minutes), as text."
    near = [r for r in run['knn'] if abs(r['train_minutes'] - minutes) <= 1.5]
    return f"{min(near, key=lambda r: abs(r['train_minutes'] - minutes))[key]:.1f}" if near else ''

def train_rows(pattern: str='train_cpu_imagenette_*.json') -> list[str]:
    rows = ['| run | changes | budget (min) | trained (min) | images seen | img/s | CPU | random: built / BN est. | teacher @5 | @10 | end (own BN / re-est.) | student end | seed |',
            '|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|']
    for path in sorted(RESULTS.glob(pattern)):
        r = json.loads(path.read_text())
        if 'final_top1' not in r: continue                        # a run that did not finish
        name = re.sub(r'^train_cpu_imagenette_|_seed\d+_\d{8}-\d{6}\.json$', '', path.name)
        rows.append(f"| {name} | {differences(r['resolved_config'])} | {r['budget_minutes']:g} | {r['train_minutes']:.1f} | {r['images_seen']:,} | "
                    f"{r['images_per_second']:.0f} | {r['device']} | {r['random_init_top1']:.1f} / {r['bn_recalibrated_top1']:.1f} | "
                    f"{at(r, 5)} | {at(r, 10)} | {r['final_top1']:.1f} / {r['final_bn_recalibrated_top1']:.1f} | "
                    f"{r['final_student_top1']:.1f} | {r['seed']} |")
    return rows

def quickstart_rows(pattern: str='quickstart_*.json') -> list[str]:
    rows = ['| run | changes | minutes (whole command) | machine | kNN top-1 (epoch, %) | BN-estimated random | seed |', '|---|---|---:|---|---|---:|---:|']
    for path in sorted(RESULTS.glob(pattern)):
        r = json.loads(path.read_text())
        first = r['history']['epochs'][0]
        name = re.sub(r'^quickstart_|_seed\d+\.json$', '', path.name)
        rows.append(f"| {name} | {changes(r['overrides'])} | {r['wall_minutes']:.2f} | {r['machine']} | "
                    f"{', '.join(f'{e}: {t:.1f}' for e, t in r['knn_top1'])} | {first.get('knn_top1_bn_estimated', float('nan')):.1f} | {r['seed']} |")
    return rows

if __name__ == '__main__':
    print('\n'.join(train_rows()), '\n')
    print('\n'.join(quickstart_rows()))

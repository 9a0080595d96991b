"""Print bench/README.md's tables of the CPU-learning runs from their JSON files in bench/results/.

  python bench/results_table.py            # cpu_imagenette runs (bench_train.py), quickstart runs (run_quickstart.py),
                                           # and learning per image seen (learning_curve.py)

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
    rows = ['| run | changes | minutes (whole command) | machine | teacher kNN top-1 (epoch, %) | student at the end | BN-estimated random | seed |',
            '|---|---|---:|---|---|---:|---:|---:|']
    for path in sorted(RESULTS.glob(pattern)):
        r = json.loads(path.read_text())
        first = r['history']['epochs'][0]
        name = re.sub(r'^quickstart_|_seed\d+\.json$', '', path.name)
        rows.append(f"| {name} | {changes(r['overrides'])} | {r['wall_minutes']:.2f} | {r['machine']} | "
                    f"{', '.join(f'{e}: {t:.1f}' for e, t in r['knn_top1'])} | {r['student_knn_top1'][-1][1] if r.get('student_knn_top1') else ''} | "
                    f"{first.get('knn_top1_bn_estimated', float('nan')):.1f} | {r['seed']} |")
    return rows

def curve_rows(pattern: str='learning_curve/*_seed*.json') -> list[str]:
    "One row per learning_curve.py run: what differs from its preset as it is now, teacher / student kNN at each mark of images seen, the teacher's entropy (share of log K) at the end."
    import math
    rows = ['| run | preset, data | changes | CPU, threads | random: built / BN est. | teacher / student kNN at images seen (k) | end: teacher BN re-est. | H_t / log K, end | train min | seed |',
            '|---|---|---|---|---:|---|---:|---:|---:|---:|']
    runs = [json.loads(p.read_text()) for p in RESULTS.glob(pattern)]
    for r in sorted(runs, key=lambda r: (r['config'], r['train_on'], r['name'], r['seed'])):
        if not r.get('curve') or 'train_minutes' not in r: continue
        end, b, k = r['curve'][-1], r['baselines'], r['resolved']['model']['out_dim']
        momentum = '' if r.get('momentum', 'config') == 'config' else f"momentum {r['momentum']}"
        points = ', '.join(f"{c['images'] / 1000:.0f}: {c['teacher']:.1f} / {c['student']:.1f}" for c in r['curve'])
        changed = differences(r['resolved'], r['config']).replace('train.device=cpu', '').replace('train.log_every=1', '').replace(', ,', ',').strip(', ')
        rows.append(f"| {r['name']} | {r['config']}, {'sample' if r['train_on'] == 'sample' else 'Imagenette'} | {', '.join([changed or '(the preset)'] + ([momentum] if momentum else []))} | "
                    f"{r.get('machine', 'AMD EPYC')}, {r['threads']} | {b['built']:.1f} / {b['bn']:.1f} | {points} | "
                    f"{end.get('teacher_bn', float('nan')):.1f} | {end['teacher_entropy'] / math.log(k):.2f} | {r['train_minutes']:.1f} | {r['seed']} |")
    return rows

if __name__ == '__main__':
    print('\n'.join(train_rows()), '\n')
    print('\n'.join(quickstart_rows()), '\n')
    print('\n'.join(curve_rows()))

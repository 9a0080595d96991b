"""The quickstart as a user runs it (`dino-nb train`, no arguments but the ones given here), timed from the shell's
point of view, with its kNN evaluations (the random network, the end; the student's too where the preset measures it) and its
per-step diagnostics kept.

  python bench/run_quickstart.py --name preset --seed 0
  python bench/run_quickstart.py --name tt04 --seed 0 loss.teacher_temp=0.04 loss.warmup_teacher_temp=0.04

Writes bench/results/quickstart_<name>_seed<seed>.json: the overrides, the wall-clock minutes of the whole command
(start-up, data, training, the three kNN evaluations, writing the run), the machine, and the run's history.json.
"""
import argparse, json, os, subprocess, sys, time
from pathlib import Path


def cpu_model() -> str:
    "The CPU's model name (without importing torch, which the timed command imports itself)."
    try: return next(l.split(':', 1)[1].strip() for l in Path('/proc/cpuinfo').read_text().splitlines() if l.startswith('model name'))
    except (OSError, StopIteration): return 'unknown CPU'


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--name', required=True)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', type=Path, default=Path('bench/results'))
    p.add_argument('overrides', nargs='*')
    a = p.parse_args()
    run_dir = Path(f'/tmp/quickstart_{a.name}_seed{a.seed}')
    cmd = [sys.executable, '-m', 'dino_nb.cli', 'train', '--fresh', f'train.seed={a.seed}', f'train.out_dir={run_dir}', *a.overrides]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    minutes = (time.perf_counter() - start) / 60
    if done.returncode: sys.exit(f'dino-nb train failed ({done.returncode}):\n{done.stderr[-2000:]}')
    history = json.loads((run_dir/'history.json').read_text())
    knn = [(e['epoch'], round(e['knn_top1'], 1)) for e in history['epochs'] if 'knn_top1' in e]
    student = [(e['epoch'], round(e['student_knn_top1'], 1)) for e in history['epochs'] if 'student_knn_top1' in e]
    result = dict(name=a.name, seed=a.seed, overrides=a.overrides, wall_minutes=round(minutes, 2),
                  machine=f'{cpu_model()}, {os.cpu_count()} cores', knn_top1=knn, student_knn_top1=student, history=history,
                  output=done.stdout.splitlines()[-4:])
    a.out.mkdir(parents=True, exist_ok=True)
    path = a.out/f'quickstart_{a.name}_seed{a.seed}.json'
    path.write_text(json.dumps(result))
    print(f'{a.name} seed {a.seed}: {minutes:.2f} min, teacher kNN top-1 (epoch, %): {knn} -> {path}')


if __name__ == '__main__': main()

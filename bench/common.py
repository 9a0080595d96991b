"""What the benchmark scripts share: the repository on the import path (no install needed), the machine's name, a
results file rewritten after every measurement, and training for a time budget with evaluations at set minutes."""
from __future__ import annotations
import atexit, gc, json, math, os, platform, sys, time
from pathlib import Path
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path: sys.path.insert(0, str(ROOT))   # import dino_nb from this checkout, installed or not
import torch
from torch.utils.data import Subset
from dino_nb.device_augment import ImageCache

def skip_last_collection() -> None:
    "At exit, skip the garbage collector's last pass over every object, as `dino-nb` does (1.5 s with PyTorch loaded)."
    atexit.register(gc.freeze)

def cpu_model() -> str:
    "The CPU's model name, as /proc/cpuinfo (or the platform module) gives it."
    try: return next(l.split(':', 1)[1].strip() for l in Path('/proc/cpuinfo').read_text().splitlines() if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()

def device_name(device: torch.device) -> str:
    "The accelerator's name, or the CPU's with its number of cores."
    if device.type == 'cuda': return torch.cuda.get_device_name(device)
    return f'{cpu_model()}, {os.cpu_count()} cores'

def sync(device: torch.device) -> None:
    if device.type == 'cuda': torch.cuda.synchronize(device)

class Results:
    "A JSON file rewritten (atomically) after every addition, so that a run stopped by a time limit keeps what it measured."
    def __init__(self, path: str|Path, **info):
        self.path, self.data = Path(path), dict(info)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.write()
    def update(self, **values) -> None: self.data.update(values); self.write()
    def append(self, key: str, row: dict) -> None: self.data.setdefault(key, []).append(row); self.write()
    def write(self) -> None:
        tmp = self.path.with_name(self.path.name + '.tmp')
        tmp.write_text(json.dumps(self.data, indent=1, default=str))
        os.replace(tmp, self.path)

def seconds_per_step(trainer, steps: int, warmup: int=3) -> float:
    "Median seconds per training step of `trainer` on its own data, after `warmup` steps (the trainer is left mid-epoch: throw it away)."
    trainer.student.train(); trainer.teacher.train()
    def endless():
        while True: yield from trainer.loader           # a dataset smaller than warmup + steps batches starts over
    batches = endless()
    for _ in range(warmup): trainer.train_batch(next(batches))
    trainer.log_pending(); sync(trainer.device)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        trainer.train_batch(next(batches)); sync(trainer.device)
        times.append(time.perf_counter() - start)
    trainer.log_pending()
    return sorted(times)[len(times) // 2]      # the median: a few steps slowed by something else on the machine do not count

def fit_epochs(seconds: float, step_seconds: float, iters_per_epoch: int) -> int:
    "The number of epochs whose steps take about `seconds`: the schedules then end with the budget."
    return max(1, round(seconds / (step_seconds * iters_per_epoch)))

def subset(dataset, n: int, seed: int=0):
    "A fixed random subset of `n` items of a dataset or an `ImageCache` (all of it if n is 0 or larger), keeping its classes."
    if not n or n >= len(dataset): return dataset
    index = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(seed))[:n].sort().values
    if isinstance(dataset, ImageCache):
        on = dataset.device
        return ImageCache(dataset.images[index.to(on)], dataset.sizes[index.to(on)], dataset.labels[index.to(on)], dataset.classes)
    part = Subset(dataset, index.tolist())
    part.classes = getattr(dataset, 'classes', [])
    return part

def refit(trainer, seconds: float, epoch_seconds: float) -> None:
    "Fit `train.epochs`, and the schedules with it, to a budget of `seconds` from the measured time of a whole epoch."
    from dino_nb.optim import Schedules
    epochs = max(trainer.epoch + 1, round(seconds / epoch_seconds))
    if epochs == trainer.cfg.train.epochs: return
    trainer.cfg.train.epochs = epochs
    trainer.schedules = Schedules.from_config(trainer.cfg, trainer.iters_per_epoch, trainer.world_size)

def train_for(trainer, seconds: float, evaluate_at: list[float], evaluate) -> dict:
    """Train until `seconds` of training (evaluations excluded) or `train.epochs`; `evaluate(trainer, minutes)` at each of `evaluate_at` (s).

    After the first whole epoch, `train.epochs` is fitted again from that epoch's measured time, epoch-boundary costs
    included, so that the schedules end with the budget."""
    marks, clock, evaluated = sorted(s for s in evaluate_at if s < seconds), 0., 0.
    start = time.perf_counter()
    def elapsed(): return time.perf_counter() - start - evaluated
    while trainer.epoch < trainer.cfg.train.epochs and clock < seconds:
        for batch in trainer.epoch_batches():
            trainer.train_batch(batch)
            clock = elapsed()
            if marks and clock >= marks[0]:
                trainer.log_pending(); sync(trainer.device); clock = elapsed()
                t = time.perf_counter()
                while marks and clock >= marks[0]: marks.pop(0)
                evaluate(trainer, clock / 60)
                evaluated += time.perf_counter() - t
                trainer.student.train(); trainer.teacher.train()
            if clock >= seconds: break
        else:
            trainer.end_epoch()
            if trainer.epoch == 1: refit(trainer, seconds, elapsed())
    trainer.log_pending(); sync(trainer.device)
    return dict(train_seconds=elapsed(), steps=trainer.step, epochs_done=trainer.epoch + trainer.batch / trainer.iters_per_epoch)

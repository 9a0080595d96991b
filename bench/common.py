"""What the benchmark scripts share: the repository on the import path (no install needed), the machine's name, a
results file rewritten after every measurement, and the hooks that time the steps of a run and train it for a time budget with
evaluations at set minutes (the trainer's own loop runs; nothing here copies it)."""
from __future__ import annotations
import atexit, contextlib, copy, gc, json, math, os, platform, sys, time
from pathlib import Path
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path: sys.path.insert(0, str(ROOT))   # import dino_nb from this checkout, installed or not
import torch
from torch.utils.data import Subset
from dino_nb.device_augment import ImageCache
from dino_nb.trainer import Hook, TrainingInterrupted

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

class StepTimer(Hook):
    "Times the steps of a run that reads its numbers after every step, and stops it after `warmup + steps` of them."
    def __init__(self, steps: int, warmup: int=3): self.steps, self.warmup, self.times, self.last = steps, warmup, [], None
    def on_step(self, trainer, records: list[dict]) -> None:
        now = time.perf_counter()                        # reading the records waited for the device: the steps are done
        if self.last is not None and trainer.step > self.warmup: self.times.append((now - self.last) / len(records))
        self.last = now
    def should_stop(self, trainer) -> bool: return len(self.times) >= self.steps

def seconds_per_step(trainer, steps: int, warmup: int=3) -> float:
    "Median seconds per training step of `trainer` on its own data, through its own loop (the trainer is used up: throw it away)."
    trainer.cfg = copy.deepcopy(trainer.cfg)
    trainer.cfg.train.log_every, trainer.evaluate = 1, None
    trainer.set_epochs(trainer.epoch + math.ceil((warmup + steps + 2) / trainer.iters_per_epoch))   # enough batches, however few images
    timer = StepTimer(steps, warmup)
    with contextlib.suppress(TrainingInterrupted): trainer.fit([timer])
    times = sorted(timer.times)
    return times[len(times) // 2]      # the median: a few steps slowed by something else on the machine do not count

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
    epochs = max(trainer.epoch + 1, round(seconds / epoch_seconds))
    if epochs != trainer.cfg.train.epochs: trainer.set_epochs(epochs)

class Budget(Hook):
    """A budget of training time (evaluations excluded): `evaluate(trainer, minutes)` at the minutes `evaluate_at` (in s), the epochs
    fitted again to the budget from the measured time of the first epoch (epoch-boundary costs included), a stop at its end."""
    def __init__(self, seconds: float, evaluate_at: list[float]=(), evaluate=None):
        self.seconds, self.marks, self.evaluate = seconds, sorted(s for s in evaluate_at if s < seconds), evaluate
        self.start, self.paused = time.perf_counter(), 0.
    def clock(self) -> float: return time.perf_counter() - self.start - self.paused
    def on_step(self, trainer, records: list[dict]) -> None:
        if not (self.marks and self.clock() >= self.marks[0]): return
        while self.marks and self.clock() >= self.marks[0]: self.marks.pop(0)
        t = time.perf_counter()
        self.evaluate(trainer, self.clock() / 60)
        trainer.student.train(); trainer.teacher.train()
        self.paused += time.perf_counter() - t
    def on_epoch(self, trainer) -> None:
        if trainer.epoch == 1: refit(trainer, self.seconds, self.clock())
    def should_stop(self, trainer) -> bool: return self.clock() >= self.seconds

def train_for(trainer, seconds: float, evaluate_at: list[float], evaluate) -> dict:
    "Train until `seconds` of training (evaluations excluded) or `train.epochs`, with `evaluate(trainer, minutes)` at each of `evaluate_at` (s)."
    budget = Budget(seconds, evaluate_at, evaluate)
    with contextlib.suppress(TrainingInterrupted): trainer.fit([budget])
    sync(trainer.device)
    return dict(train_seconds=budget.clock(), steps=trainer.step, epochs_done=trainer.epoch + trainer.batch / trainer.iters_per_epoch)

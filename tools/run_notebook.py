"""Execute notebooks in place so their saved outputs match the code, keeping the outputs of skipped cells.

Cells flagged `#| slow` or `#| hub` keep the outputs they already have unless asked for with --flags;
`#| eval: false` cells never run. Run from anywhere; each notebook runs with its own folder as the
working directory, as nbdev-test does. Then run `nbdev-clean`.
  python tools/run_notebook.py nbs/04_loss.ipynb nbs/05_trainer.ipynb
  python tools/run_notebook.py nbs/07_attention.ipynb --flags slow       # also rerun the slow cells
"""
import argparse, os, re, sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient

FLAGS = ('slow', 'hub')
# tqdm warns in every kernel that imports transformers when ipywidgets is absent; that line is not part of the book
os.environ.setdefault('PYTHONWARNINGS', 'ignore:IProgress not found')
# figures are saved with the notebook only when the kernel draws them inline: a non-interactive MPLBACKEND would lose them
os.environ['MPLBACKEND'] = 'module://matplotlib_inline.backend_inline'

def cell_flags(source: str) -> set[str]:
    "The test flags and `eval: false` of a cell's `#|` directives."
    found = set()
    for line in source.splitlines():
        m = re.match(r'\s*#\|\s*(.*)', line)
        if not m: break
        words = m.group(1).replace(':', ' ').split()
        found |= {w for w in words if w in FLAGS}
        if words[:2] == ['eval', 'false']: found.add('no-eval')
    return found

def run(path: Path, flags: set[str], timeout: int) -> float:
    "Execute the notebook at `path` in place; return the seconds it took."
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}})
    start = time.time()
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != 'code': continue
            f = cell_flags(cell.source)
            if 'no-eval' in f or (f & set(FLAGS)) - flags: continue
            client.execute_cell(cell, i)
    nbformat.write(nb, path)
    return time.time() - start

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('notebooks', nargs='+', type=Path)
    p.add_argument('--flags', nargs='*', default=[], help='flagged cells to run too (slow, hub)')
    p.add_argument('--timeout', type=int, default=3600, help='seconds per cell')
    a = p.parse_args()
    for nb in a.notebooks:
        print(f'{nb}: {run(nb.resolve(), set(a.flags), a.timeout):.0f} s', flush=True)
    sys.exit(0)

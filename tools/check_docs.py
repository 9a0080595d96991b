"""Check the documentation site as far as it can be checked without Quarto (which `nbdev-docs` needs to render it).

The pages are the notebooks of nbs/, in the book's reading order: index, dino_in_one_page, then the chapters by
number. The check fails, listing every problem, unless
- the site's configuration names every page: nbs/sidebar.yml lists each notebook once, in reading order;
  nbs/_quarto.yml reads the sidebar and nbs/nbdev.yml; nbs/nbdev.yml is what nbdev-docs writes from
  pyproject.toml; custom_sidebar is on, so that nbdev-docs keeps the sidebar;
- nbdev's own processing of the notebooks for the site (what nbdev-docs runs before Quarto: show_doc cells
  added after exported functions and classes, then executed with the exported code) succeeds;
- each processed notebook converts to HTML with nbconvert, and its page holds every figure the notebook
  shows, the show_doc documentation (signature and docstring) of every exported function and class of its
  module, and the name of every other exported name; every show_doc cell renders;
- every link between pages resolves (the notebook exists, an #anchor is one of its headings), local images
  exist, and the landing page links every chapter;
- no saved output that a page shows holds a traceback or a progress bar;
- with --out, every image a page refers to is copied next to it, so the preview shows what the site will.

  python tools/check_docs.py             # check; exit 1 with the list of problems
  python tools/check_docs.py --out _html # also write the HTML pages to _html/, readable without Quarto
"""
import argparse, ast, os, re, shutil, sys, time, tomllib, warnings
from pathlib import Path
import nbformat, yaml
from concurrent.futures import ProcessPoolExecutor

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
FIRST_PAGES = ('index', 'dino_in_one_page')   # then the chapters in the order of their numbers
IMAGE_TYPES = ('image/png', 'image/jpeg', 'image/gif')
DIRECTIVE = re.compile(r'^\s*#\|\s*(.*)$')

def page_order(stem: str) -> tuple:
    "Sort key of a page in the book: the first pages in their order, then the chapters by name (00_, 01_, 01b_, ...)."
    return (FIRST_PAGES.index(stem),) if stem in FIRST_PAGES else (len(FIRST_PAGES), stem)

def pages() -> list[str]:
    "Stems of the notebooks of nbs/ that become pages, in reading order."
    return sorted((p.stem for p in NBS.glob('*.ipynb') if not p.name.startswith(('_', '.'))), key=page_order)

def directives(source: str) -> dict:
    "The `#|` directives at the top of a cell: {'hide': '', 'echo': 'false', ...}."
    found = {}
    for line in source.splitlines():
        m = DIRECTIVE.match(line)
        if not m: break
        words = m.group(1).replace(':', ' ').split()
        if words: found[words[0]] = ' '.join(words[1:]).lower()
    return found

def shown(cell) -> bool:
    "Whether the site shows this cell's outputs."
    d = directives(cell.source)
    return 'hide' not in d and d.get('include') != 'false' and d.get('output') != 'false'

# --- the site's configuration -----------------------------------------------------------------------------

def sidebar_entries(node) -> list[str]:
    "The pages a Quarto sidebar `contents` names, in order."
    if isinstance(node, str): return [node]
    if isinstance(node, list): return [e for item in node for e in sidebar_entries(item)]
    if isinstance(node, dict): return sidebar_entries(node.get('href', [])) + sidebar_entries(node.get('contents', []))
    return []

def check_config(stems: list[str]) -> list[str]:
    "Problems with pyproject.toml's [tool.nbdev], _quarto.yml, nbdev.yml and sidebar.yml."
    problems = []
    nbdev_cfg = tomllib.loads((ROOT/'pyproject.toml').read_text()).get('tool', {}).get('nbdev', {})
    if nbdev_cfg.get('custom_sidebar') is not True:
        problems.append('pyproject.toml: [tool.nbdev] custom_sidebar must be true, or nbdev-docs rewrites nbs/sidebar.yml')
    quarto = yaml.safe_load((NBS/'_quarto.yml').read_text())
    for f in ('nbdev.yml', 'sidebar.yml'):
        if f not in (quarto.get('metadata-files') or []): problems.append(f'nbs/_quarto.yml: metadata-files does not name {f}')
    before = (NBS/'nbdev.yml').read_text()
    from nbdev.quarto import refresh_quarto_yml
    refresh_quarto_yml()   # what nbdev-docs does first
    if (NBS/'nbdev.yml').read_text() != before:
        problems.append('nbs/nbdev.yml is not what nbdev-docs writes from pyproject.toml: commit the regenerated file')
    sidebar = sidebar_entries(yaml.safe_load((NBS/'sidebar.yml').read_text())['website']['sidebar']['contents'])
    listed = [Path(e).stem for e in sidebar]
    for stem in stems:
        if stem not in listed: problems.append(f'nbs/sidebar.yml does not list {stem}.ipynb')
    for e in sidebar:
        if not (NBS/e).is_file(): problems.append(f'nbs/sidebar.yml lists {e}, which is not in nbs/')
    for stem in {s for s in listed if listed.count(s) > 1}: problems.append(f'nbs/sidebar.yml lists {stem} more than once')
    if listed[:1] != ['index']: problems.append('nbs/sidebar.yml must start with index.ipynb, the landing page')
    parts = [item.get('section') for item in yaml.safe_load((NBS/'sidebar.yml').read_text())['website']['sidebar']['contents'] if isinstance(item, dict)]
    if not any(str(p).startswith('Part I ') for p in parts) or not any(str(p).startswith('Part II ') for p in parts):
        problems.append('nbs/sidebar.yml must have the sections "Part I · ..." (the method) and "Part II · ..." (the engineering)')
    return problems

# --- links --------------------------------------------------------------------------------------------------

LINK = re.compile(r'(!?)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)')

def markdown_text(nb) -> str:
    "The markdown of the notebook's cells without code blocks and inline code, where links are not links."
    text = '\n\n'.join(c.source for c in nb.cells if c.cell_type == 'markdown')
    text = re.sub(r'```.*?```', '', text, flags=re.S)
    return re.sub(r'`[^`\n]*`', '', text)

def anchor(text: str) -> str:
    "The identifier pandoc (and so Quarto) gives a heading."
    text = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', text)                 # a link keeps its text
    text = re.sub(r'[`*]', '', text).strip().lower()
    text = re.sub(r'\s+', '-', re.sub(r'[^\w\s.-]', '', text))
    return re.sub(r'^[^a-z]+', '', text) or 'section'

def anchors(nb, api_names) -> set[str]:
    "Identifiers of the headings of a page: markdown headings (or their {#id}) and the show_doc headings."
    found = set()
    for line in markdown_text(nb).splitlines():
        m = re.match(r'#{1,6}\s+(.*?)\s*(\{#([\w.-]+)[^}]*\})?\s*$', line)
        if m: found.add(m.group(3) or anchor(m.group(1)))
    return found | {anchor(n) for n in api_names}

def check_links(books: dict, api: dict) -> list[str]:
    "Problems with the links and local images of every page; the landing page must link every chapter."
    problems, linked_from_index = [], set()
    for stem, nb in books.items():
        for bang, target in LINK.findall(markdown_text(nb)):
            if re.match(r'[a-z][a-z0-9+.-]*:', target, re.I): continue          # http:, https:, mailto:
            path, _, frag = target.partition('#')
            where = f'{stem}.ipynb: link ({target})'
            if not path:
                if frag not in anchors(nb, api.get(stem, ())): problems.append(f'{where}: no heading #{frag} on this page')
                continue
            dest = (NBS/path).resolve()
            if NBS.resolve() not in dest.parents: problems.append(f'{where} points outside nbs/, outside the site'); continue
            page = dest.stem if dest.suffix in ('.ipynb', '.html', '.qmd', '.md') and not bang else None
            if page is not None and dest.parent == NBS.resolve() and page in books:
                if frag and frag not in anchors(books[page], api.get(page, ())):
                    problems.append(f'{where}: {page} has no heading #{frag}')
                if stem == 'index': linked_from_index.add(page)
            elif not dest.is_file(): problems.append(f'{where}: no such {"image" if bang else "page or file"} in nbs/')
    for stem in books:
        if stem != 'index' and stem not in linked_from_index: problems.append(f'index.ipynb does not link {stem}.ipynb')
    return problems

# --- nbdev's processing and the rendered pages ----------------------------------------------------------------

def module_api(nb) -> tuple[list[str], list[str]]:
    "The exported functions and classes of the module a notebook exports to, and its other exported names."
    m = next((re.search(r'#\|\s*default_exp\s+(\S+)', c.source) for c in nb.cells
              if c.cell_type == 'code' and re.search(r'#\|\s*default_exp', c.source)), None)
    if not m: return [], []
    tree = ast.parse((ROOT/'dino_nb'/f"{m.group(1).replace('.', '/')}.py").read_text())
    names = next((ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
                  and any(getattr(t, 'id', '') == '__all__' for t in n.targets)), [])
    defs = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    return [n for n in names if n in defs], [n for n in names if n not in defs]

def process(workers: int) -> tuple[Path, list[str]]:
    "Run nbdev's processing of the notebooks for the docs into _proc/, as nbdev-docs does."
    from nbdev.serve import proc_nbs
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            return proc_nbs(str(NBS), n_workers=workers), []
    except Exception as e:
        return ROOT/'_proc', [f'nbdev could not process the notebooks for the docs: {str(e).strip()}']

def frontmatter(nb) -> dict:
    "The YAML front matter nbdev's processing puts in the first raw cell (title, description, output-file)."
    raw = next((c.source for c in nb.cells if c.cell_type == 'raw' and c.source.startswith('---')), '')
    return yaml.safe_load(raw.strip().strip('-')) or {} if raw else {}

def for_html(nb):
    "The processed notebook as the site shows it: the title on top, hidden cells and `#|` lines gone, `echo: false` inputs removed."
    fm = frontmatter(nb)
    title = [nbformat.v4.new_markdown_cell(f"# {fm['title']}" + (f"\n\n> {fm['description']}" if fm.get('description') else ''))] if fm.get('title') else []
    nb.cells = title + [c for c in nb.cells if c.cell_type != 'raw' and 'hide' not in directives(c.source)
                        and directives(c.source).get('include') != 'false']
    for c in nb.cells:
        c.pop('has_sd', None)                  # marks nbdev's processing leaves, outside the notebook format
        c.metadata.pop('execution', None)
        d = directives(c.source)
        if c.cell_type == 'code':
            c.source = '\n'.join(l for l in c.source.splitlines() if not DIRECTIVE.match(l))
            if d.get('echo') == 'false': c.metadata.setdefault('tags', []).append('remove_input')
            if d.get('output') == 'false': c.outputs = []
    return nb

def to_html(nb, page_files: dict) -> str:
    "The page nbconvert makes of a notebook, with links to other notebooks pointing at their pages (`page_files`)."
    from nbconvert import HTMLExporter
    from traitlets.config import Config
    c = Config()
    c.TagRemovePreprocessor.remove_input_tags = {'remove_input'}
    c.TagRemovePreprocessor.enabled = True
    c.HTMLExporter.exclude_input_prompt = c.HTMLExporter.exclude_output_prompt = True
    html, _ = HTMLExporter(config=c, template_name='lab').from_notebook_node(nb)
    return re.sub(r'href="((?![a-z]+:)[^"#]+)\.ipynb', lambda m: f'href="{page_files.get(m.group(1), m.group(1) + ".html")}', html)

def page_html(job: tuple) -> tuple[str, str]:
    "(HTML, '') of one processed notebook, or ('', why nbconvert cannot convert it): a page, in a worker process."
    proc, page_files = job
    try: return to_html(for_html(nbformat.read(proc, as_version=4)), page_files), ''
    except Exception as e: return '', str(e)

def images(nb) -> list[str]:
    "The base64 data of every image the site shows in the notebook's outputs."
    return [o['data'][t].strip() if isinstance(o['data'][t], str) else ''.join(o['data'][t]).strip()
            for c in nb.cells if c.cell_type == 'code' and shown(c)
            for o in c.get('outputs', []) if 'data' in o for t in IMAGE_TYPES if t in o['data']]

def show_doc_cells(nb) -> list:
    "The code cells that call show_doc."
    return [c for c in nb.cells if c.cell_type == 'code' and re.search(r'^show_doc\(', c.source, re.M)]

PROGRESS_BAR = re.compile(r'\d+%\|[^|]*\||█|\d+it/s\]|\ds/it\]')

def saved_output_problems(stem: str, nb) -> list[str]:
    "A saved output that the page would show and no reader should see: a traceback, a progress bar, a progress widget."
    problems = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != 'code' or not shown(c): continue
        for o in c.get('outputs', []):
            text = ''.join(o.get('text', '')) if o.get('output_type') == 'stream' else ''.join(o.get('data', {}).get('text/plain', ''))
            if o.get('output_type') == 'error' or 'Traceback (most recent call last)' in text:
                problems.append(f'{stem}: cell {i} has a saved traceback')
            elif PROGRESS_BAR.search(text) or 'application/vnd.jupyter.widget-view+json' in o.get('data', {}):
                problems.append(f'{stem}: cell {i} has a saved progress bar')
    return problems

LOCAL_IMG = re.compile(r'<img[^>]*\ssrc="(?![a-z][a-z0-9+.-]*:)([^"]+)"', re.I)

def page_images(html: str) -> list[str]:
    "The local images a page's HTML refers to (relative paths, as in nbs/)."
    return sorted(set(LOCAL_IMG.findall(html)))

def check_page(stem: str, source_nb, proc_nb, html: str, funcs: list[str], others: list[str]) -> list[str]:
    "Problems of one rendered page: missing figures, API without documentation, show_doc cells that did not render."
    problems = saved_output_problems(stem, source_nb)
    for i, data in enumerate(images(source_nb)):
        if data[:80] not in html or data[-80:] not in html: problems.append(f'{stem}: figure {i + 1} of the notebook is not on its page')
    for src in page_images(html):
        if not (NBS/src).is_file(): problems.append(f'{stem}: the page shows {src}, which is not in nbs/')
    documented = {}
    for c in show_doc_cells(proc_nb):
        name = re.search(r'^show_doc\(\s*([\w.]+)', c.source, re.M).group(1)
        md = ''.join(''.join(o.get('data', {}).get('text/markdown', '')) for o in c.get('outputs', []))
        documented[name] = md
        if not md.strip(): problems.append(f'{stem}: show_doc({name}) renders nothing')
        elif not re.search(rf'<h[1-6][^>]*>\s*{re.escape(name)}\b', html): problems.append(f'{stem}: the documentation of {name} is not on the page')
    for name in funcs:
        if name not in documented: problems.append(f'{stem}: exported {name} has no show_doc on its page')
    text = re.sub(r'<[^>]+>', '', html)
    for name in others:
        if name not in text: problems.append(f'{stem}: exported {name} does not appear on its page')
    return problems

def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', type=Path, help='also write the HTML pages to this directory')
    p.add_argument('--workers', type=int, default=0, help="processes for nbdev's processing (0: this one)")
    a = p.parse_args()
    out = a.out.resolve() if a.out else None
    os.chdir(ROOT)   # nbdev finds its configuration from the working directory
    start, stems = time.time(), pages()
    books = {s: nbformat.read(NBS/f'{s}.ipynb', as_version=4) for s in stems}
    api = {s: module_api(nb) for s, nb in books.items()}
    problems = check_config(stems)
    problems += check_links(books, {s: f + o for s, (f, o) in api.items()})
    this = sys.modules['__main__']
    cache, errors = process(a.workers)
    sys.modules['__main__'] = this       # nbdev's processing runs an IPython shell, which puts its own __main__ there: the workers need ours
    problems += errors
    if out: out.mkdir(parents=True, exist_ok=True)
    procs = {s: nbformat.read(cache/f'{s}.ipynb', as_version=4) for s in stems if (cache/f'{s}.ipynb').exists()}
    page_files = {s: frontmatter(nb).get('output-file', f'{s}.html') for s, nb in procs.items()}
    fresh = [s for s in stems if (cache/f'{s}.ipynb').exists() and (cache/f'{s}.ipynb').stat().st_mtime >= (NBS/f'{s}.ipynb').stat().st_mtime]
    with ProcessPoolExecutor(max(1, min(len(fresh), os.cpu_count() or 1))) as pool:     # the pages are independent: one per core
        converted = dict(zip(fresh, pool.map(page_html, [(cache/f'{s}.ipynb', page_files) for s in fresh])))
    for stem in stems:
        if stem not in converted:
            if not errors: problems.append(f'{stem}: nbdev did not process it')
            continue
        html, error = converted[stem]
        if error: problems.append(f'{stem}: nbconvert cannot convert it to HTML: {error}'); continue
        problems += check_page(stem, books[stem], procs[stem], html, *api[stem])
        if out:
            (out/page_files[stem]).write_text(html)
            for src in page_images(html):                  # what the page shows, where the page looks for it
                if (NBS/src).is_file(): (out/src).parent.mkdir(parents=True, exist_ok=True); shutil.copy(NBS/src, out/src)
    if out:
        for f in NBS.iterdir():
            if f.suffix.lower() in ('.png', '.jpg', '.jpeg', '.gif', '.svg', '.css'): shutil.copy(f, out/f.name)
        for page in out.glob('*.html'):                    # the preview shows every figure its pages refer to
            for src in page_images(page.read_text()):
                if not (out/src).is_file(): problems.append(f'{page.name}: refers to {src}, which the preview in {out} lacks')
    print(f'{len(stems)} pages ({", ".join(stems)}) checked in {time.time() - start:.0f} s')
    for problem in problems: print(f'  {problem}')
    if problems:
        print(f'{len(problems)} problem(s) with the documentation site', file=sys.stderr)
        return 1
    print('documentation site: every page renders with its figures, API documentation and links')
    return 0

if __name__ == '__main__':
    status = main()
    sys.stdout.flush(); sys.stderr.flush()
    os._exit(status)     # nbdev's processing leaves an IPython shell per notebook, whose exit handlers take many seconds: nothing is left to do

"""Write README.md from nbs/index.ipynb (the landing page of the book), or check that it is current.

Quarto is not needed: markdown cells are copied, visible code cells become ```python blocks,
and relative links and images (chapters, figures) are made relative to the repository root.
  python tools/make_readme.py          # write README.md
  python tools/make_readme.py --check  # exit 1 if README.md differs from what index.ipynb gives
"""
import re, sys, json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCAL_LINK = re.compile(r'(!?\[[^\]]*\]\()(?![a-z][a-z0-9+.-]*:|#)([^)]+\))', re.I)

def rebase_links(markdown: str) -> str:
    "Relative links and images of nbs/index.ipynb, made relative to the repository root (outside code blocks)."
    parts = re.split(r'(```.*?```)', markdown, flags=re.S)
    return ''.join(p if p.startswith('```') else LOCAL_LINK.sub(r'\1nbs/\2', p) for p in parts)

def render(nb_path: Path=ROOT/'nbs'/'index.ipynb') -> str:
    cells = json.loads(nb_path.read_text())['cells']
    out = []
    for c in cells:
        src = ''.join(c['source']).strip()
        if not src: continue
        if c['cell_type'] == 'markdown':
            out.append(rebase_links(src))
        elif c['cell_type'] == 'code' and not re.match(r'#\|\s*(hide|export|default_exp)', src):
            out.append(f'```python\n{src}\n```')
    return '<!-- generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook -->\n\n' + '\n\n'.join(out) + '\n'

if __name__ == '__main__':
    text, readme = render(), ROOT/'README.md'
    if '--check' in sys.argv:
        if not readme.exists() or readme.read_text() != text:
            sys.exit('README.md is out of date with nbs/index.ipynb: run python tools/make_readme.py')
        print('README.md matches nbs/index.ipynb')
    else: readme.write_text(text)

"""How long each chapter takes to read: words of prose at 200 a minute, plus a minute per figure and per code cell a reader
sees (hidden cells, directives-only cells and the closing "Engineering notes" of a Part I chapter excepted for the method path).

  python tools/reading_time.py            # a table of every chapter: full, and the method path (up to its engineering notes)
  python tools/reading_time.py --total    # the method path's total, for the index
"""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTES = '## Engineering notes'
WORDS_PER_MINUTE = 200

def part_one() -> list[str]:
    "The notebooks of Part I, in reading order, from the sidebar."
    text = (ROOT/'nbs'/'sidebar.yml').read_text()
    part = text.split('Part I ·')[1].split('- section:')[0]
    return re.findall(r'href: (\S+\.ipynb)', part)

def minutes(cells: list[dict]) -> float:
    "Reading minutes of `cells`: prose words at 200 a minute, one minute per visible code cell and per figure."
    words = figures = code = 0
    for c in cells:
        src = ''.join(c['source']).strip()
        if c['cell_type'] == 'markdown':
            words += len(re.sub(r'\$[^$]*\$|`[^`]*`|\(http[^)]*\)', ' x ', src).split())
            figures += src.count('![')
        elif src and not re.match(r'#\|\s*(hide|default_exp)\b', src):
            code += 1
            figures += sum(o.get('output_type') in ('display_data', 'execute_result') and 'image/png' in o.get('data', {}) or
                           'image/jpeg' in o.get('data', {}) for o in c.get('outputs', []))
    return words / WORDS_PER_MINUTE + figures + code

def chapter(name: str) -> tuple[float, float]:
    "(minutes for the whole chapter, minutes up to its engineering notes)."
    cells = json.loads((ROOT/'nbs'/name).read_text())['cells']
    cut = next((i for i, c in enumerate(cells) if c['cell_type'] == 'markdown' and ''.join(c['source']).startswith(NOTES)), len(cells))
    return minutes(cells), minutes(cells[:cut])

if __name__ == '__main__':
    rows = [(name, *chapter(name)) for name in part_one()]
    if '--total' in sys.argv: print(round(sum(r[2] for r in rows))); sys.exit()
    print('| chapter | minutes, whole | minutes, method path |\n|---|---:|---:|')
    for name, whole, path in rows: print(f'| {name} | {whole:.0f} | {path:.0f} |')
    print(f'| **Part I** | {sum(r[1] for r in rows):.0f} | {sum(r[2] for r in rows):.0f} |')

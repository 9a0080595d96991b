"""Draw nbs/images/dino.png, the figure of the book's landing page: DINO's two networks and what flows between them.

  python tools/draw_dino.py
"""
from pathlib import Path
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

OUT = Path(__file__).resolve().parents[1]/'nbs'/'images'/'dino.png'

def box(ax, x, y, w, h, text, colour):
    ax.add_patch(FancyBboxPatch((x - w/2, y - h/2), w, h, boxstyle='round,pad=0.02,rounding_size=0.08', fc=colour, ec='#333', lw=1))
    ax.text(x, y, text, ha='center', va='center', fontsize=9.5)

def arrow(ax, a, b, text='', style='-|>', dashed=False, offset=(0, 0.13)):
    ax.add_patch(FancyArrowPatch(a, b, arrowstyle=style, mutation_scale=12, lw=1.2, color='#333', ls='--' if dashed else '-'))
    if text: ax.text((a[0] + b[0])/2 + offset[0], (a[1] + b[1])/2 + offset[1], text, ha='center', va='center', fontsize=8.5, color='#333')

def main():
    fig, ax = plt.subplots(figsize=(10, 3.6))
    ax.set(xlim=(0, 10), ylim=(0, 3.6)); ax.axis('off')
    box(ax, 0.8, 1.8, 1.2, 0.7, 'image $x$', '#eeeeee')
    box(ax, 2.75, 2.8, 1.9, 0.7, '2 global views\n(large crops)', '#dbe9f6')
    box(ax, 2.75, 0.8, 1.9, 0.7, 'local views\n(small crops)', '#dbe9f6')
    box(ax, 5.2, 2.8, 1.9, 0.7, 'teacher $g_{\\theta_t}$\n(no gradient)', '#fde2c8')
    box(ax, 5.2, 0.8, 1.9, 0.7, 'student $g_{\\theta_s}$', '#d5efd5')
    box(ax, 7.45, 2.8, 1.9, 0.7, 'center, sharpen\nsoftmax$((t - c)/\\tau_t)$', '#fde2c8')
    box(ax, 7.45, 0.8, 1.9, 0.7, 'softmax$(s/\\tau_s)$', '#d5efd5')
    box(ax, 9.3, 1.8, 1.1, 0.7, 'loss\n$-p_t \\log p_s$', '#f3d6e4')
    arrow(ax, (1.4, 2.0), (1.8, 2.7)); arrow(ax, (1.4, 1.6), (1.8, 0.9))
    arrow(ax, (3.7, 2.8), (4.25, 2.8), 'global only')
    arrow(ax, (3.7, 0.8), (4.25, 0.8), 'all views')
    arrow(ax, (3.7, 2.6), (4.25, 1.0))
    arrow(ax, (6.15, 2.8), (6.5, 2.8)); arrow(ax, (6.15, 0.8), (6.5, 0.8))
    arrow(ax, (8.4, 2.6), (8.9, 2.05)); arrow(ax, (8.4, 1.0), (8.9, 1.55))
    arrow(ax, (5.2, 1.15), (5.2, 2.45), 'EMA: $\\theta_t \\leftarrow \\lambda\\theta_t + (1-\\lambda)\\theta_s$', dashed=True, offset=(1.05, 0))
    ax.text(9.3, 1.2, 'gradient to\nthe student only', ha='center', va='top', fontsize=8, color='#555')
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT, dpi=110, bbox_inches='tight')
    print(OUT)

if __name__ == '__main__': main()

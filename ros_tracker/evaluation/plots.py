"""Success and precision plots from results.json documents, like the benchmarks' figures:
one curve per tracker, its score in the legend, best first."""

from __future__ import annotations

from dataclasses import dataclass
import math
from pathlib import Path
from typing import Any, Callable

from matplotlib.figure import Figure  # no pyplot: files only, whatever the display

from ros_tracker.evaluation.results import run_label


@dataclass(frozen=True)
class PlotKind:
    """Which curve of results.json a plot draws and how it is labelled."""

    curve: str
    thresholds: str
    score: str
    x_label: str
    y_label: str
    title: str
    legend_at: str


SUCCESS = PlotKind('success_curve', 'success', 'auc', 'Overlap threshold (IoU)', 'Success rate',
                   'Success plot', 'lower left')
PRECISION = PlotKind('precision_curve', 'precision', 'precision20',
                     'Location error threshold (px)', 'Precision', 'Precision plot',
                     'lower right')


def _draw(axes: Any, results: list[dict[str, Any]],
          scores_of: Callable[[dict[str, Any]], dict[str, Any] | None], kind: PlotKind,
          title: str) -> None:
    entries = [(scores_of(r), r) for r in results]
    entries = [(s, r) for s, r in entries if s is not None]
    for scores, result in sorted(entries, key=lambda e: -_number(e[0][kind.score])):
        axes.plot(result['thresholds'][kind.thresholds], scores[kind.curve], linewidth=1.6,
                  label=f'{run_label(result)} [{_number(scores[kind.score]):.3f}]')
    axes.set(xlabel=kind.x_label, ylabel=kind.y_label, title=title, ylim=(0, 1.02))
    axes.grid(alpha=0.3)
    axes.legend(loc=kind.legend_at, fontsize='small')


def _number(value: Any) -> float:
    return -1.0 if value is None or value != value else float(value)


def overall_plot(results: list[dict[str, Any]], kind: PlotKind, path: str | Path) -> Path:
    """One plot over all sequences (kind is SUCCESS or PRECISION)."""
    figure = Figure(figsize=(6, 4.5), dpi=100)
    axes = figure.subplots()
    sequences = len(results[0]['sequences']) if results else 0
    _draw(axes, results, lambda r: r['overall'], kind, f'{kind.title} ({sequences} sequences)')
    return _save(figure, path)


def attribute_plot(results: list[dict[str, Any]], kind: PlotKind,
                   path: str | Path) -> Path | None:
    """One panel per challenge attribute any result carries; None when none does."""
    names = sorted({a for r in results for a in r.get('attributes', {})})
    if not names:
        return None
    columns = min(4, len(names))
    rows = math.ceil(len(names) / columns)
    figure = Figure(figsize=(4.2 * columns, 3.4 * rows), dpi=90)
    grid = figure.subplots(rows, columns, squeeze=False)
    for axes, name in zip(grid.flat, names):
        count = max(len(r['attributes'][name]['sequences']) for r in results
                    if name in r.get('attributes', {}))
        _draw(axes, results, lambda r, n=name: r.get('attributes', {}).get(n), kind,
              f'{name} ({count} sequences)')
    for axes in list(grid.flat)[len(names):]:
        axes.axis('off')
    return _save(figure, path)


def _save(figure: Figure, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path)
    return path

"""How closely two runs of `ros-tracker eval` agree box by box: the check that a tracker gives
the same boxes on another device or in another precision (scripts/device_check.sh)."""

from __future__ import annotations

from pathlib import Path
import statistics

from ros_tracker.boxes import Box, iou


def read_boxes(path: Path) -> list[Box]:
    """The boxes of one sequence as `ros-tracker eval` writes them (x,y,w,h per line)."""
    return [Box(*(float(v) for v in line.split(','))) for line in
            path.read_text(encoding='utf-8').splitlines() if line.strip()]


def box_agreement(run_a: str | Path, run_b: str | Path) -> dict[str, dict[str, float]]:
    """Per sequence both runs have: frames, and the median and minimum IoU between the two
    runs' boxes frame by frame.

    Raises:
        ValueError: the runs share no sequence, or a sequence's frame counts differ.
    """
    boxes_a, boxes_b = Path(run_a) / 'boxes', Path(run_b) / 'boxes'
    names = sorted(p.name for p in boxes_a.glob('*.txt') if (boxes_b / p.name).is_file())
    if not names:
        raise ValueError(f'{run_a} and {run_b} have no sequence in common')
    agreement = {}
    for name in names:
        a, b = read_boxes(boxes_a / name), read_boxes(boxes_b / name)
        if len(a) != len(b):
            raise ValueError(f'{name}: {len(a)} boxes in {run_a}, {len(b)} in {run_b}')
        overlaps = [iou(x, y) for x, y in zip(a, b)]
        agreement[name.removesuffix('.txt')] = {'frames': len(overlaps),
                                                'median_iou': statistics.median(overlaps),
                                                'min_iou': min(overlaps)}
    return agreement

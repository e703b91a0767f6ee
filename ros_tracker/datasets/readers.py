"""Readers of the common single-object tracking benchmark layouts, all yielding Sequence.

Boxes are x, y, w, h in pixels with None where the target is absent. OTB's annotations are
1-based (MATLAB) and are shifted to 0-based; the other benchmarks' boxes are used as published.
"""

from __future__ import annotations

import math
from pathlib import Path
import re

from ros_tracker.boxes import Box
from ros_tracker.datasets.sequence import parse_box, read_uniform_sequence, Sequence

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def _images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding='utf-8').splitlines() if line.strip()]


def _flags(path: Path) -> list[bool]:
    """A 0/1 flag per frame, written one per line or comma-separated on one line."""
    text = path.read_text(encoding='utf-8').replace(',', ' ').split()
    return [value.strip() == '1' for value in text]


def _absent(boxes: list[Box | None], flags: list[bool]) -> list[Box | None]:
    return [None if flag else box for box, flag in zip(boxes, flags)]


def read_otb(folder: str | Path) -> Sequence:
    """OTB: <seq>/img/0001.jpg ... and <seq>/groundtruth_rect.txt (comma, tab or space)."""
    folder = Path(folder)
    boxes = []
    for line in _lines(folder / 'groundtruth_rect.txt'):
        box = parse_box(line)
        boxes.append(None if box is None else Box(box.x - 1, box.y - 1, box.w, box.h))
    frames = _images(folder / 'img')[:len(boxes)]
    return Sequence(f'OTB/{folder.name}', frames, boxes)


_UAV123_FIELDS = {name: re.compile(rf"'{name}'\s*,\s*{value}") for name, value in (
    ('name', r"'([^']+)'"), ('path', r"'([^']*)'"), ('startFrame', r'(\d+)'),
    ('endFrame', r'(\d+)'))}


def uav123_frame_ranges(config: Path) -> dict[str, tuple[str, int, int]]:
    """The sub-sequences of the benchmark's configSeqs.m: name -> (image folder, first frame,
    last frame), frames numbered from 1. Several sub-sequences (bird1_1, bird1_2, ...) share
    one folder of images."""
    ranges = {}
    for entry in config.read_text(encoding='utf-8', errors='replace').split('struct(')[1:]:
        found = {k: pattern.search(entry) for k, pattern in _UAV123_FIELDS.items()}
        if all(found.values()):
            folder = [p for p in re.split(r'[\\/]', found['path'].group(1)) if p][-1]
            ranges[found['name'].group(1)] = (folder, int(found['startFrame'].group(1)),
                                              int(found['endFrame'].group(1)))
    return ranges


def read_uav123(root: str | Path, name: str, subset: str = 'UAV123') -> Sequence:
    """UAV123: <root>/data_seq/<subset>/<folder>/000001.jpg and <root>/anno/<subset>/<name>.txt,
    where NaN rows mark frames without the target. A sub-sequence's folder and frame range come
    from the benchmark's <root>/configSeqs.m; a name without an entry there is a whole folder."""
    root = Path(root)
    boxes = [parse_box(line) for line in _lines(root / 'anno' / subset / f'{name}.txt')]
    config = root / 'configSeqs.m'
    ranges = uav123_frame_ranges(config) if config.is_file() else {}
    folder, start, end = ranges.get(name, (name, 1, len(boxes)))
    if not (root / 'data_seq' / subset / folder).is_dir():
        raise ValueError(f'{subset}/{name}: no folder data_seq/{subset}/{folder}; '
                         f"a sub-sequence needs the benchmark's configSeqs.m in {root}")
    frames = _images(root / 'data_seq' / subset / folder)[start - 1:end]
    return Sequence(f'{subset}/{name}', frames, boxes)


def read_got10k(folder: str | Path) -> Sequence:
    """GOT-10k: <seq>/00000001.jpg, groundtruth.txt and absence.label (1 = target absent)."""
    folder = Path(folder)
    boxes = [parse_box(line) for line in _lines(folder / 'groundtruth.txt')]
    if (folder / 'absence.label').exists():
        boxes = _absent(boxes, _flags(folder / 'absence.label'))
    return Sequence(f'GOT-10k/{folder.name}', _images(folder)[:len(boxes)], boxes)


def read_lasot(folder: str | Path) -> Sequence:
    """LaSOT: <class>/<class-N>/img/00000001.jpg, groundtruth.txt, full_occlusion.txt and
    out_of_view.txt (the target is absent where either flag is 1)."""
    folder = Path(folder)
    boxes = [parse_box(line) for line in _lines(folder / 'groundtruth.txt')]
    for flags in ('full_occlusion.txt', 'out_of_view.txt'):
        if (folder / flags).exists():
            boxes = _absent(boxes, _flags(folder / flags))
    return Sequence(f'LaSOT/{folder.name}', _images(folder / 'img')[:len(boxes)], boxes)


def read_trackingnet(root: str | Path, name: str) -> Sequence:
    """TrackingNet: <root>/<chunk>/frames/<seq>/0.jpg, 1.jpg, ... (numbered from 0, sorted by
    number) and <root>/<chunk>/anno/<seq>.txt; name is ``<chunk>/<seq>``."""
    parts = Path(name).parts
    if len(parts) != 2:
        raise ValueError(f'TrackingNet sequence names are CHUNK/SEQUENCE (TRAIN_0/abc), '
                         f'got {name!r}')
    chunk, sequence = parts
    folder = Path(root) / chunk
    boxes = [parse_box(line) for line in _lines(folder / 'anno' / f'{sequence}.txt')]
    frames = sorted(_images(folder / 'frames' / sequence), key=lambda p: int(p.stem))
    return Sequence(f'TrackingNet/{sequence}', frames[:len(boxes)], boxes)


def polygon_to_box(values: list[float]) -> Box | None:
    """A VOT annotation (x, y, w, h or a polygon x1, y1, ..., xn, yn) as its axis-aligned
    bounding box; None for NaN rows."""
    if any(math.isnan(v) for v in values):
        return None
    if len(values) == 4:
        return Box(*values)
    if len(values) < 6 or len(values) % 2:
        raise ValueError(f'expected 4 numbers or a polygon, got {values}')
    xs, ys = values[0::2], values[1::2]
    return Box.from_xyxy(min(xs), min(ys), max(xs), max(ys))


def read_vot(folder: str | Path) -> Sequence:
    """VOT: <seq>/color/00000001.jpg (or images directly in <seq>) and groundtruth.txt."""
    folder = Path(folder)
    boxes = [polygon_to_box([float(v) for v in line.replace('\t', ',').split(',')])
             for line in _lines(folder / 'groundtruth.txt')]
    images = folder / 'color' if (folder / 'color').is_dir() else folder
    return Sequence(f'VOT/{folder.name}', _images(images)[:len(boxes)], boxes)


LAYOUTS = ('uniform', 'otb', 'uav123', 'got10k', 'lasot', 'vot', 'trackingnet')


def read_sequence(layout: str, root: str | Path, name: str) -> Sequence:
    """Sequence name (a path below root; for UAV123 the annotation's name) in a layout."""
    if layout == 'uav123':
        return read_uav123(root, name)
    if layout == 'trackingnet':
        return read_trackingnet(root, name)
    readers = {'uniform': read_uniform_sequence, 'otb': read_otb, 'got10k': read_got10k,
               'lasot': read_lasot, 'vot': read_vot}
    if layout not in readers:
        raise ValueError(f'unknown layout {layout!r}; accepted: {list(LAYOUTS)}')
    return readers[layout](Path(root) / name)

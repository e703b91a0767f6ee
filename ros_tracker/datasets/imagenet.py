"""ImageNet VID and DET (ILSVRC layout) with a label cache, so the XML is parsed once.

Layout: ``<root>/Annotations/{VID,DET}/<split>/.../<name>.xml`` beside
``<root>/Data/{VID,DET}/<split>/.../<name>.JPEG``. VID 2015 and 2017 share it.

The VID cache (``labels/vid_<split>/labels.npy`` + ``image_names.txt``) has one row per (frame,
object): ``xmin, ymin, xmax, ymax, video_id, track_id, im_id, class_idx, occluded``, sorted so that
every track is contiguous; ``im_id`` is a running frame index over all frames (one line of
``image_names.txt`` each, with or without objects), consecutive within a snippet. The DET cache
has rows ``xmin, ymin, xmax, ymax, image_index, image_width, image_height`` for every box, so
the area filter is applied at read time.
"""

from __future__ import annotations

from pathlib import Path
import xml.etree.ElementTree as ElementTree

import numpy as np

from ros_tracker.boxes import Box
from ros_tracker.datasets.sequence import Sequence, StillImage

#: The 30 VID classes (WordNet synsets) in the official order; class_idx is 1-based.
VID_CLASSES = (
    'n01674464', 'n01662784', 'n02342885', 'n04468005', 'n02509815', 'n02084071', 'n01503061',
    'n02324045', 'n02402425', 'n02834778', 'n02419796', 'n02374451', 'n04530566', 'n02118333',
    'n02958343', 'n02510455', 'n03790512', 'n02391049', 'n02121808', 'n01726692', 'n02062744',
    'n02503517', 'n02691156', 'n02129165', 'n02129604', 'n02355227', 'n02484322', 'n02411705',
    'n02924116', 'n02131653')


def _objects(xml_path: Path) -> tuple[tuple[int, int], list[dict]]:
    """(width, height) and the objects of one annotation file."""
    root = ElementTree.parse(xml_path).getroot()
    size = root.find('size')
    shape = ((int(size.findtext('width', '0')), int(size.findtext('height', '0')))
             if size is not None else (0, 0))
    objects = []
    for element in root.iter('object'):
        box = element.find('bndbox')
        objects.append({
            'name': element.findtext('name', ''),
            'trackid': int(element.findtext('trackid', '0')),
            'occluded': int(element.findtext('occluded', '0')),
            'box': [float(box.findtext(k)) for k in ('xmin', 'ymin', 'xmax', 'ymax')]})
    return shape, objects


def _image_path(root: Path, xml_path: Path) -> str:
    """The image of an annotation file, relative to root."""
    relative = xml_path.relative_to(root / 'Annotations')
    return str(Path('Data') / relative.with_suffix('.JPEG'))


def _cache_folder(root: Path, name: str, cache_dir: str | Path | None) -> Path:
    return Path(cache_dir) if cache_dir is not None else root / 'labels' / name


def _load_cache(folder: Path) -> tuple[np.ndarray, list[str]] | None:
    labels, names = folder / 'labels.npy', folder / 'image_names.txt'
    if not (labels.is_file() and names.is_file()):
        return None
    return np.load(labels), names.read_text(encoding='utf-8').splitlines()


def _save_cache(folder: Path, labels: np.ndarray, names: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / 'labels.npy', labels)
    (folder / 'image_names.txt').write_text(''.join(n + '\n' for n in names), encoding='utf-8')


def vid_labels(root: str | Path, split: str = 'train',
               cache_dir: str | Path | None = None) -> tuple[np.ndarray, list[str]]:
    """The VID label rows and image names of a split, from the cache or parsed (and cached)."""
    root = Path(root)
    folder = _cache_folder(root, f'vid_{split}', cache_dir)
    cached = _load_cache(folder)
    if cached is not None:
        return cached
    annotations = root / 'Annotations' / 'VID' / split
    if not annotations.is_dir():
        raise ValueError(f'{annotations}: no such folder (ImageNet VID layout expected)')
    snippets = sorted({p.parent for p in annotations.rglob('*.xml')})
    rows, names = [], []
    for video_id, snippet in enumerate(snippets):
        for xml_path in sorted(snippet.glob('*.xml')):
            im_id = len(names)
            names.append(_image_path(root, xml_path))
            for obj in _objects(xml_path)[1]:
                if obj['name'] in VID_CLASSES:
                    rows.append(obj['box'] + [video_id, obj['trackid'], im_id,
                                              VID_CLASSES.index(obj['name']) + 1,
                                              obj['occluded']])
    labels = np.array(rows, dtype=np.int64).reshape(-1, 9)
    labels = labels[np.lexsort((labels[:, 6], labels[:, 5], labels[:, 4]))]
    _save_cache(folder, labels, names)
    return labels, names


def read_vid(root: str | Path, split: str = 'train',
             cache_dir: str | Path | None = None) -> list[Sequence]:
    """One Sequence per VID track, from its first to its last annotated frame (None where the
    object is not annotated in between)."""
    root = Path(root)
    labels, names = vid_labels(root, split, cache_dir)
    sequences = []
    keys = labels[:, 4:6]
    starts = np.flatnonzero(np.r_[True, np.any(keys[1:] != keys[:-1], axis=1)])
    for start, end in zip(starts, np.r_[starts[1:], len(labels)]):
        track = labels[start:end]
        first, last = int(track[0, 6]), int(track[-1, 6])
        boxes: list[Box | None] = [None] * (last - first + 1)
        for x1, y1, x2, y2, *_, im_id, _, _ in track.tolist():
            boxes[im_id - first] = Box.from_xyxy(x1, y1, x2, y2)
        frames = [root / names[i] for i in range(first, last + 1)]
        snippet = Path(names[first]).parent.name
        sequences.append(Sequence(f'VID/{snippet}/{int(track[0, 5])}', frames, boxes))
    return sequences


def read_det(root: str | Path, split: str = 'train', min_area_fraction: float = 0.01,
             cache_dir: str | Path | None = None) -> list[StillImage]:
    """DET images with their boxes; boxes under min_area_fraction of the image are dropped, as
    in Re3's synthetic data. Every folder below the split is read (the official glob skipped the
    flat ILSVRC2014 folders)."""
    root = Path(root)
    folder = _cache_folder(root, f'det_{split}', cache_dir)
    cached = _load_cache(folder)
    if cached is None:
        annotations = root / 'Annotations' / 'DET' / split
        if not annotations.is_dir():
            raise ValueError(f'{annotations}: no such folder (ImageNet DET layout expected)')
        rows, names = [], []
        for xml_path in sorted(annotations.rglob('*.xml')):
            (width, height), objects = _objects(xml_path)
            rows += [obj['box'] + [len(names), width, height] for obj in objects]
            names.append(_image_path(root, xml_path))
        cached = (np.array(rows, dtype=np.int64).reshape(-1, 7), names)
        _save_cache(folder, *cached)
    labels, names = cached
    grouped: dict[int, list[Box]] = {}
    for x1, y1, x2, y2, index, width, height in labels.tolist():
        if (x2 - x1) * (y2 - y1) >= min_area_fraction * width * height:
            grouped.setdefault(index, []).append(Box.from_xyxy(x1, y1, x2, y2))
    return [StillImage(root / names[i], boxes) for i, boxes in sorted(grouped.items())]

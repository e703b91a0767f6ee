"""COCO object annotations (instances JSON) as still images with boxes."""

from __future__ import annotations

import json
from pathlib import Path

from ros_tracker.boxes import Box
from ros_tracker.datasets.sequence import StillImage


def read_coco(root: str | Path, subset: str = 'train2014',
              min_area_fraction: float = 0.01) -> list[StillImage]:
    """Images of ``<root>/<subset>/`` with the boxes of ``<root>/annotations/instances_<subset>
    .json``; crowd regions and boxes under min_area_fraction of the image are left out."""
    root = Path(root)
    annotations = root / 'annotations' / f'instances_{subset}.json'
    if not annotations.is_file():
        raise ValueError(f'{annotations}: no such file (COCO layout expected)')
    content = json.loads(annotations.read_text(encoding='utf-8'))
    images = {image['id']: image for image in content['images']}
    boxes: dict[int, list[Box]] = {}
    for annotation in content['annotations']:
        image = images[annotation['image_id']]
        x, y, w, h = annotation['bbox']
        if (not annotation.get('iscrowd', 0)
                and w * h >= min_area_fraction * image['width'] * image['height']):
            boxes.setdefault(annotation['image_id'], []).append(Box(x, y, w, h))
    return [StillImage(root / subset / images[i]['file_name'], b)
            for i, b in sorted(boxes.items())]

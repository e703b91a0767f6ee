"""Training data from several datasets, named on the command line as ``kind:root[:option]``.

==============  ==========================================  =====================================
kind            root                                        option
==============  ==========================================  =====================================
uniform         the project's uniform layout                split (train, eval, all) or names
got10k          GOT-10k split folder (train/)               -
lasot           LaSOT root (<class>/<class-N>/)              comma-separated classes
trackingnet     TrackingNet root (TRAIN_0/ ...)              comma-separated chunks
vid             ImageNet VID root (ILSVRC2015/)              split (default train)
det             ImageNet DET root (ILSVRC/)                  split (default train); still images
coco            COCO root (annotations/, train2014/)         subset (default train2014); stills
images          any folder of image files (searched deeply)  -; stills without boxes
cutouts         a folder of PNG objects with alpha masks    part: train (default), held_out, all
==============  ==========================================  =====================================

Unannotated images (``images``) are stills whose targets are random regions: what a tracker
must follow is whatever it was given, so any patch of a photograph is a valid training target.
Cut-outs (``cutouts``) are objects pasted over the other sources' frames
(ros_tracker.datasets.cutouts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ros_tracker.datasets.coco import read_coco
from ros_tracker.datasets.cutouts import find_cutouts
from ros_tracker.datasets.imagenet import read_det, read_vid
from ros_tracker.datasets.readers import (IMAGE_SUFFIXES, read_got10k, read_lasot,
                                          read_trackingnet)
from ros_tracker.datasets.sequence import read_uniform_sequence, Sequence, StillImage
from ros_tracker.datasets.splits import split_names

SOURCE_KINDS = ('uniform', 'got10k', 'lasot', 'trackingnet', 'vid', 'det', 'coco', 'images',
                'cutouts')


@dataclass
class TrainingData:
    """Annotated sequences (for pairs and unrolled tracks), still images (for synthetic
    sequences and image pairs) and object cut-outs (PNG files with alpha, pasted over frames).
    sequence_sources numbers the source each sequence came from: samplers weigh sources
    equally, as the official ATOM training weighs its datasets."""

    sequences: list[Sequence] = field(default_factory=list)
    stills: list[StillImage] = field(default_factory=list)
    sequence_sources: list[int] = field(default_factory=list)
    cutouts: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.sequence_sources:
            self.sequence_sources = [0] * len(self.sequences)

    def __iadd__(self, other: 'TrainingData') -> 'TrainingData':
        offset = max(self.sequence_sources, default=-1) + 1
        self.sequences += other.sequences
        self.sequence_sources += [offset + source for source in other.sequence_sources]
        self.stills += other.stills
        self.cutouts += other.cutouts
        return self

    def describe(self) -> str:
        text = f'{len(self.sequences)} sequences, {len(self.stills)} still images'
        return text + (f', {len(self.cutouts)} cut-outs' if self.cutouts else '')


def _option_list(option: str) -> list[str]:
    return [item for item in option.split(',') if item]


def _sequence_folders(root: Path, pattern: str) -> list[Path]:
    return sorted(p.parent for p in root.glob(pattern))


def _uniform(root: Path, option: str) -> TrainingData:
    if option in ('train', 'eval', 'all'):
        names = split_names(option)
    elif option:
        names = _option_list(option)
    else:
        names = [str(p.relative_to(root)) for p in _sequence_folders(root, '*/*/groundtruth.txt')]
    return TrainingData([read_uniform_sequence(root / name) for name in names])


def _got10k(root: Path, option: str) -> TrainingData:
    listing = root / 'list.txt'
    if listing.is_file():
        folders = [root / name for name in listing.read_text(encoding='utf-8').split()]
    else:
        folders = _sequence_folders(root, '*/groundtruth.txt')
    return TrainingData([read_got10k(folder) for folder in folders])


def _lasot(root: Path, option: str) -> TrainingData:
    folders = _sequence_folders(root, '*/*/groundtruth.txt')
    if option:
        classes = set(_option_list(option))
        folders = [f for f in folders if f.parent.name in classes]
    return TrainingData([read_lasot(folder) for folder in folders])


def _trackingnet(root: Path, option: str) -> TrainingData:
    chunks = _option_list(option) or sorted(p.name for p in root.glob('TRAIN_*') if p.is_dir())
    return TrainingData([read_trackingnet(root, f'{chunk}/{anno.stem}') for chunk in chunks
                         for anno in sorted((root / chunk / 'anno').glob('*.txt'))])


def _images(root: Path, option: str) -> TrainingData:
    paths = sorted(p for p in root.rglob('*') if p.suffix.lower() in IMAGE_SUFFIXES)
    return TrainingData(stills=[StillImage(path, []) for path in paths])


_READERS = {
    'uniform': _uniform, 'got10k': _got10k, 'lasot': _lasot, 'trackingnet': _trackingnet,
    'vid': lambda root, option: TrainingData(read_vid(root, option or 'train')),
    'det': lambda root, option: TrainingData(stills=read_det(root, option or 'train')),
    'coco': lambda root, option: TrainingData(stills=read_coco(root, option or 'train2014')),
    'images': _images,
    'cutouts': lambda root, option: TrainingData(cutouts=find_cutouts(root, option or 'train')),
}


def read_source(spec: str) -> TrainingData:
    """The data of one ``kind:root[:option]`` specification."""
    kind, _, rest = spec.partition(':')
    if kind not in _READERS or not rest:
        raise ValueError(f'{spec!r}: expected kind:root[:option] with kind one of '
                         f'{", ".join(SOURCE_KINDS)}')
    root, _, option = rest.partition(':')
    if not Path(root).is_dir():
        raise ValueError(f'{spec!r}: no such folder {root}')
    data = _READERS[kind](Path(root), option)
    if not data.sequences and not data.stills and not data.cutouts:
        raise ValueError(f'{spec!r}: no annotated sequences or images found')
    return data


def read_sources(specs: list[str]) -> TrainingData:
    """All data of several specifications together."""
    data = TrainingData()
    for spec in specs:
        data += read_source(spec)
    return data

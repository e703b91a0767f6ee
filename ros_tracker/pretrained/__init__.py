"""Weights files that ship inside the package, so that a fresh install tracks out of the box.

Each file is registered with its SHA-256; the digest is checked every time the file is used, so
a truncated or altered file is refused instead of silently tracking badly. docs/weights.md says
how every file was trained and what it scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ros_tracker.weights import CheckpointError, file_sha256

#: The folder holding the shipped files.
FOLDER = Path(__file__).resolve().parent
#: The weights value that asks for untrained (seeded random) weights instead of the default.
RANDOM = 'random'


@dataclass(frozen=True)
class ShippedWeights:
    """One shipped weights file: its name in FOLDER, its SHA-256 and the tracker mode it is
    made for (what a configured mode of 'auto' becomes; '' for trackers without modes)."""

    file_name: str
    sha256: str
    mode: str = ''

    @property
    def path(self) -> Path:
        return FOLDER / self.file_name


#: The default weights of each tracker that has some.
SHIPPED: dict[str, ShippedWeights] = {
    # Its IoU-Net estimates boxes worse than the scale filter (docs/weights.md).
    'atom': ShippedWeights(
        'atom_distilled.pt', 'd56444fe324b5dccf1e37397e5a2d58c5878758d92f7aa526979b0114ce805bf',
        mode='scale_filter'),
}


def verified_path(weights: ShippedWeights) -> Path:
    """The path of a shipped file after checking its SHA-256; CheckpointError when the file is
    missing or differs from the registered one."""
    if not weights.path.is_file():
        raise CheckpointError(f'{weights.path}: the shipped weights file is missing; reinstall '
                              'the package or give a weights file')
    digest = file_sha256(weights.path)
    if digest != weights.sha256:
        raise CheckpointError(f'{weights.path}: SHA-256 {digest} differs from the shipped '
                              f'file of SHA-256 {weights.sha256}; the file is damaged or was '
                              'replaced')
    return weights.path


def shipped_weights_at(path: str) -> ShippedWeights | None:
    """The shipped file that path names, or None for any other path (or none)."""
    if not path:
        return None
    resolved = Path(path).resolve()
    return next((weights for weights in SHIPPED.values() if weights.path == resolved), None)


def resolve_weights(tracker: str, weights: str) -> str:
    """The weights file a tracker uses: the given path, the shipped default when weights is
    empty (checked against its SHA-256), or '' for random weights (RANDOM, or a tracker
    without shipped weights)."""
    if weights == RANDOM:
        return ''
    if weights or tracker not in SHIPPED:
        return weights
    return str(verified_path(SHIPPED[tracker]))

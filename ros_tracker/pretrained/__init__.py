"""Weights files that ship inside the package, so that a fresh install tracks out of the box.

Each file is registered with its SHA-256; the digest is checked when the file is resolved, so
a truncated or altered file is refused instead of silently tracking badly. docs/weights.md says
how every file was trained and what it scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ros_tracker.weights import CheckpointError, file_sha256, Weights

#: The folder holding the shipped files.
FOLDER = Path(__file__).resolve().parent


@dataclass(frozen=True)
class ShippedWeights:
    """One shipped weights file: its name in FOLDER and its SHA-256."""

    file_name: str
    sha256: str

    @property
    def path(self) -> Path:
        return FOLDER / self.file_name


#: The default weights of each tracker that has some.
SHIPPED: dict[str, ShippedWeights] = {
    # Made for the scale_filter mode, which its metadata records (docs/weights.md).
    'atom': ShippedWeights(
        'atom_distilled.pt', 'b3486034483293c505beb75df6fe889b355162a0196cb32b68974094cf317a2b'),
}


def verified(shipped: ShippedWeights) -> Weights:
    """A shipped file as Weights after checking its SHA-256; CheckpointError when the file is
    missing or differs from the registered one."""
    if not shipped.path.is_file():
        raise CheckpointError(f'{shipped.path}: the shipped weights file is missing; reinstall '
                              'the package or give a weights file')
    digest = file_sha256(shipped.path)
    if digest != shipped.sha256:
        raise CheckpointError(f'{shipped.path}: SHA-256 {digest} differs from the shipped '
                              f'file of SHA-256 {shipped.sha256}; the file is damaged or was '
                              'replaced')
    return Weights(shipped.path, digest, shipped.file_name)

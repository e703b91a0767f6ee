"""Fixtures shared by all tests."""

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parent.parent.parent / 'shared'


@pytest.fixture
def shared_sequences() -> Path:
    """../shared/data/sequences, or a skip where the shared data is absent (a user's clone)."""
    sequences = SHARED / 'data' / 'sequences'
    if not sequences.is_dir():
        pytest.skip(f'{sequences} is absent: real-video tests need the shared data beside the '
                    'repository')
    return sequences


@pytest.fixture
def nanotrack_backbone() -> Path:
    """NanoTrack v2's backbone ONNX from ../shared/peers, or a skip where it is absent."""
    model = SHARED / 'peers' / 'nanotrack' / 'nanotrack_v2_backbone.onnx'
    if not model.is_file():
        pytest.skip(f'{model} is absent: distillation tests need the shared peer models beside '
                    'the repository')
    return model

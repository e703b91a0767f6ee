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

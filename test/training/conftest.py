import pytest

from ros_tracker.datasets.training_sets import read_sources
from scenes import write_sequence


@pytest.fixture(scope='session')
def tiny_data(tmp_path_factory):
    """Two short sequences of a textured square moving right (uniform layout)."""
    root = tmp_path_factory.mktemp('tiny_data')
    write_sequence(root / 'Synthetic' / 'a', frames=12)
    write_sequence(root / 'Synthetic' / 'b', frames=10)
    return root


@pytest.fixture(scope='session')
def tiny_training_data(tiny_data):
    return read_sources([f'uniform:{tiny_data}'])

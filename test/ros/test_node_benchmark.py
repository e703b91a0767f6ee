"""`ros-tracker bench-node` over real DDS: the node in its own process, frames on the wire."""

import json
from pathlib import Path

import pytest

from ros_tracker.boxes import Box
from ros_tracker.cli import main
from ros_tracker.ros.node_benchmark import BenchSettings, load_frames
from scenes import write_sequence

CONFIG = Path(__file__).resolve().parents[2] / 'config' / 'fastdds_local_large_images.xml'


def test_frames_and_init_box_are_resized_together(tmp_path):
    write_sequence(tmp_path / 'Synthetic' / 'square', frames=4)
    settings = BenchSettings('csrt', tmp_path, 'Synthetic/square', tmp_path / 'out',
                             frames=3, size=(640, 480))
    frames, box = load_frames(settings)
    assert len(frames) == 3 and frames[0].shape == (480, 640, 3)
    assert box == Box(80.0, 200.0, 80.0, 80.0)  # (40, 100, 40, 40) in 320x240, doubled


@pytest.mark.parametrize('profile', ['default', 'shared memory'])
def test_bench_node_plays_frames_through_the_node(tmp_path, monkeypatch, profile):
    if profile == 'shared memory':
        monkeypatch.setenv('FASTRTPS_DEFAULT_PROFILES_FILE', str(CONFIG))
    write_sequence(tmp_path / 'data' / 'Synthetic' / 'square', frames=12)
    out = tmp_path / 'bench'
    assert main(['bench-node', '--tracker', 'csrt', '--dataset', str(tmp_path / 'data'),
                 '--sequence', 'Synthetic/square', '--size', '320x240', '--rate', '15',
                 '--out', str(out)]) == 0
    document = json.loads((out / 'node_benchmark.json').read_text())
    assert document['tracker'] == 'csrt' and document['frame_size'] == '320x240'
    assert document['dds_profile'] == ('default' if profile == 'default' else CONFIG.name)
    assert document['bare']['frames'] == 11
    assert [mode['camera'] for mode in document['modes']] == ['15 Hz', 'full speed']
    for mode in document['modes']:
        assert mode['sent'] == 11 and mode['processed'] + mode['dropped'] == 11
        assert mode['processed'] >= 1 and mode['latency_median_ms'] > 0
    log = (out / 'node.log').read_text()
    assert log.count('initialized track_') == 2  # one init per pass, after a reset each


def test_bench_node_rejects_a_bad_size(capsys):
    with pytest.raises(SystemExit):
        main(['bench-node', '--tracker', 'csrt', '--size', '640by480', '--out', 'x'])
    assert 'expected WIDTHxHEIGHT' in capsys.readouterr().err

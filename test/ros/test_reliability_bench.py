"""`ros-tracker bench-reliability` over real DDS, shortened: malformed input, load and soak."""

import json

from ros_tracker.cli import main
from ros_tracker.ros.reliability import BAD_BOXES, BAD_COMPRESSED_IMAGES, BAD_RAW_IMAGES
from scenes import write_sequence


def test_bench_reliability_sends_every_bad_input_and_measures_memory(tmp_path):
    write_sequence(tmp_path / 'data' / 'Synthetic' / 'square', frames=10)
    out = tmp_path / 'reliability'
    assert main(['bench-reliability', '--tracker', 'csrt', '--dataset', str(tmp_path / 'data'),
                 '--sequence', 'Synthetic/square', '--rate', '50', '--load-seconds', '1',
                 '--soak-frames', '20', '--out', str(out)]) == 0
    document = json.loads((out / 'reliability.json').read_text())
    assert len(document['hostile_raw']['inputs']) == len(BAD_RAW_IMAGES) + len(BAD_BOXES)
    assert len(document['hostile_compressed']['inputs']) == len(BAD_COMPRESSED_IMAGES)
    assert document['hostile_raw']['target_kept'] and document['hostile_compressed'][
        'still_answering']
    assert document['load']['frames_sent'] >= 45 and document['load']['still_tracking']
    assert document['soak']['frames'] == 20 and document['soak']['still_tracking']
    for phase in ('load', 'soak'):  # a node with rclpy and OpenCV holds over 50 MiB
        start, end = document[phase]['rss_start_mb'], document[phase]['rss_end_mb']
        assert start > 50 and end - start < 200, (phase, start, end)

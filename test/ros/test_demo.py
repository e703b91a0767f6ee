"""`ros-tracker demo` end to end: video_player, the node and tracking_recorder, three processes
over DDS, on a clip of a real annotated sequence."""

import csv

import cv2

from ros_tracker.boxes import Box, iou
from ros_tracker.cli import main
from ros_tracker.datasets.sequence import read_uniform_sequence

FRAMES = 40


def test_demo_tracks_a_real_clip_and_records_it(shared_sequences, tmp_path):
    sequence = read_uniform_sequence(shared_sequences / 'OTB' / 'Crossing')
    video = tmp_path / 'crossing.avi'
    height, width = sequence.frame(0).shape[:2]
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'MJPG'), 15, (width, height))
    for index in range(FRAMES):
        writer.write(sequence.frame(index))
    writer.release()
    box = sequence.boxes[5]
    out = tmp_path / 'out'
    assert main(['demo', '--tracker', 'csrt', '--video', str(video), '--output', str(out),
                 '--rate', '15', '--init-box', str(box.x), str(box.y), str(box.w), str(box.h),
                 '--init-frame', '5']) == 0
    with open(out / 'boxes.csv', encoding='utf-8') as stream:
        rows = list(csv.DictReader(stream))
    tracked = [row for row in rows if row['lost'] == '0']
    assert tracked, 'the init box reached the node (video_player publishes where it listens)'
    first = Box(*(float(tracked[0][key]) for key in ('x', 'y', 'w', 'h')))
    assert iou(first, box) > 0.99 and tracked[0]['track_id'] == 'track_1'
    assert len(tracked) >= 10, 'it tracked the frames after the init'
    assert (out / 'tracking.avi').is_file() and (out / 'overview.jpg').is_file()

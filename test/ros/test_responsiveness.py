"""The node answers requests within milliseconds while ATOM initializes and tracks real frames
(the callbacks never wait for the tracker): measured over DDS with bench-callbacks' code."""

import json

from ros_tracker.ros.node_benchmark import BenchSettings
from ros_tracker.ros.responsiveness import PHASES, REQUESTS, run_responsiveness

LIMIT_MS = 50.0


def test_reset_and_parameter_gets_answer_within_50_ms_while_atom_works(shared_sequences,
                                                                       tmp_path):
    settings = BenchSettings('atom', shared_sequences, 'VOT2015/ball1', tmp_path, frames=45,
                             device='cpu')
    document = json.loads(run_responsiveness(settings, cycles=2).read_text())
    for phase in PHASES:
        for request in REQUESTS:
            summary = document['requests'][phase][request]
            least = 5 if request == 'get_parameters' else 1
            assert summary['count'] >= least, (phase, request, summary)
            assert summary['p99_ms'] < LIMIT_MS, (phase, request, summary)

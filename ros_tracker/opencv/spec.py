"""How the registry builds OpenCV's trackers (no weights, CPU only)."""

from __future__ import annotations

from ros_tracker.opencv.params import CsrtParams, KcfParams, NanoParams
from ros_tracker.opencv.tracker import CsrtTracker, KcfTracker, NanoTracker
from ros_tracker.tracker import TrackerSpec

SPECS: dict[str, TrackerSpec] = {
    'csrt': TrackerSpec(
        description='OpenCV CSRT correlation filter: CPU only, no weights',
        params_type=CsrtParams,
        build=lambda params, options: CsrtTracker(params),
        signals=(),
    ),
    'kcf': TrackerSpec(
        description='OpenCV KCF correlation filter: CPU only, no weights (a peer)',
        params_type=KcfParams,
        build=lambda params, options: KcfTracker(params),
        signals=(),
    ),
    'nano': TrackerSpec(
        description='OpenCV TrackerNano (NanoTrack v2): CPU, needs its two ONNX models (a peer)',
        params_type=NanoParams,
        build=lambda params, options: NanoTracker(params),
        signals=(),
    ),
}

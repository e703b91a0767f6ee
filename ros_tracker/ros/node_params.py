"""The tracker node's parameters: defaults, types, ranges, descriptions and validation."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
import re
from typing import Any, Callable

from rcl_interfaces.msg import (FloatingPointRange, IntegerRange, ParameterDescriptor,
                                ParameterType)

from ros_tracker.registry import spec, tracker_names

DEVICE_PATTERN = re.compile(r'auto|cpu|cuda(:\d+)?')
#: How a detection array chooses the detection that starts a track.
DETECTOR_SELECTIONS = ('best_class', 'id', 'nearest')


@dataclass(frozen=True)
class NodeParams:
    """Every node parameter with its default (docs/node.md has the full table)."""

    tracker: str = 'csrt'
    weights: str = ''
    device: str = 'auto'
    half: bool = False
    autostart: bool = False
    class_id: str = 'target'
    lost_after_frames: int = 3
    found_after_frames: int = 2
    min_score: float = 0.0
    frame_buffer_size: int = 30
    frame_buffer_mb: float = 256.0
    max_image_pixels: int = 4096 * 4096
    max_image_mb: float = 64.0
    init_stamp_tolerance_ms: float = 5.0
    init_frame_wait_ms: float = 200.0
    detector_select: str = 'best_class'
    detector_class_id: str = ''
    detector_id: str = ''
    detector_point: list[float] = field(default_factory=lambda: [0.5, 0.5])
    detector_min_score: float = 0.0
    image_transport: str = 'raw'
    image_reliability: str = 'best_effort'
    image_depth: int = 1
    debug_image: bool = True
    stale_input_s: float = 2.0
    diagnostics_period_s: float = 1.0
    warning_period_s: float = 2.0


@dataclass(frozen=True)
class Rule:
    """How one parameter is described and checked.

    Attributes:
        description: what the parameter does.
        accepted: the accepted values, in words (used in error messages and descriptors).
        check: True when a value is acceptable.
        read_only: fixed after start-up (the model, the device and the subscriptions).
        bounds: the closed range of a number, also published in its descriptor.
    """

    description: str
    accepted: str
    check: Callable[[Any], bool]
    read_only: bool = False
    bounds: tuple[float, float] | None = None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _integer(description: str, low: int, high: int, read_only: bool = False) -> Rule:
    return Rule(description, f'an integer in [{low}, {high}]',
                lambda v: _is_int(v) and low <= v <= high, read_only, (low, high))


def _number(description: str, low: float, high: float, read_only: bool = False) -> Rule:
    return Rule(description, f'a number in [{low:g}, {high:g}]',
                lambda v: _is_number(v) and low <= v <= high, read_only, (low, high))


def _choice(description: str, choices: tuple[str, ...], read_only: bool = False) -> Rule:
    return Rule(description, ' or '.join(repr(c) for c in choices), lambda v: v in choices,
                read_only)


def _flag(description: str, read_only: bool = False) -> Rule:
    return Rule(description, 'true or false', lambda v: isinstance(v, bool), read_only)


def _text(description: str, read_only: bool = False) -> Rule:
    return Rule(description, 'a string', lambda v: isinstance(v, str), read_only)


def _is_point(value: Any) -> bool:
    return (isinstance(value, (list, tuple)) and len(value) == 2
            and all(_is_number(v) and 0.0 <= v <= 1.0 for v in value))


RULES: dict[str, Rule] = {
    'tracker': Rule('tracker to run', f'one of {tracker_names()}',
                    lambda v: v in tracker_names(), read_only=True),
    'weights': _text('path of the tracker weights file; empty for the shipped default (ATOM), '
                     "'random' for untrained weights", read_only=True),
    'device': Rule('device the network runs on', "'auto', 'cpu', 'cuda' or 'cuda:N'",
                   lambda v: isinstance(v, str) and DEVICE_PATTERN.fullmatch(v) is not None,
                   read_only=True),
    'half': _flag('run the network in half precision (CUDA only)', read_only=True),
    'autostart': _flag('configure and activate the managed node at start-up', read_only=True),
    'class_id': _text('class label published with the box when the init box carries none'),
    'lost_after_frames': _integer('consecutive not-found frames before the target is lost',
                                  1, 10000),
    'found_after_frames': _integer(
        'consecutive found frames before a lost target is found again', 1, 10000),
    'min_score': _number('confidence under which a frame counts as not found', 0.0, 1.0),
    'frame_buffer_size': _integer('recent frames kept to match init boxes to their frame',
                                  1, 1000, read_only=True),
    'frame_buffer_mb': _number('most memory the recent frames take (the newest is always kept)',
                               1.0, 65536.0, read_only=True),
    'max_image_pixels': _integer('largest image (width times height) accepted; larger ones are '
                                 'rejected before decoding', 1, 2 ** 28, read_only=True),
    'max_image_mb': _number('largest image message accepted (raw or compressed data)',
                            0.001, 4096.0, read_only=True),
    'init_stamp_tolerance_ms': _number(
        'largest stamp difference between an init box and its frame', 0.0, 10000.0),
    'init_frame_wait_ms': _number(
        'how long an init box newer than every buffered frame waits for its frame', 0.0, 5000.0),
    'detector_select': _choice(
        'which detection of ~/init_detections starts a track: the best-scoring one of '
        "detector_class_id ('best_class'), the one whose id is detector_id ('id'), or the one "
        "nearest detector_point ('nearest')", DETECTOR_SELECTIONS),
    'detector_class_id': _text("class of the detections 'best_class' picks from ('' = any)"),
    'detector_id': _text("id of the detection 'id' picks"),
    'detector_point': Rule("point 'nearest' picks by, as [x, y] fractions of the image size",
                           'two numbers in [0, 1]', _is_point),
    'detector_min_score': _number('score under which a detection never starts a track',
                                  0.0, 1.0),
    'image_transport': _choice("'raw' subscribes image, 'compressed' subscribes "
                               'image/compressed', ('raw', 'compressed'), read_only=True),
    'image_reliability': _choice('reliability QoS of the image subscription',
                                 ('best_effort', 'reliable'), read_only=True),
    'image_depth': _integer('history depth of the image subscription', 1, 100, read_only=True),
    'debug_image': _flag('publish ~/debug_image (rendered only while someone subscribes)'),
    'stale_input_s': _number('time without images after which diagnostics warn and lost is '
                             'published while a target is tracked', 0.1, 3600.0),
    'diagnostics_period_s': _number('period of the /diagnostics status', 0.01, 3600.0,
                                    read_only=True),
    'warning_period_s': _number('shortest time between two warnings of one kind (the ones held '
                                'back are counted in the next)', 0.0, 3600.0, read_only=True),
}


def validation_error(name: str, value: Any) -> str | None:
    """The message rejecting value for parameter name, or None when it is acceptable."""
    rule = RULES[name]
    if rule.check(value):
        return None
    return f'invalid value {value!r} for parameter {name!r}: accepted values are {rule.accepted}'


def parameter_type(value: Any) -> int:
    """The ROS parameter type of a default value."""
    if isinstance(value, bool):
        return ParameterType.PARAMETER_BOOL
    if isinstance(value, int):
        return ParameterType.PARAMETER_INTEGER
    if isinstance(value, float):
        return ParameterType.PARAMETER_DOUBLE
    if isinstance(value, (list, tuple)):
        return ParameterType.PARAMETER_DOUBLE_ARRAY
    return ParameterType.PARAMETER_STRING


def descriptor(name: str) -> ParameterDescriptor:
    """The typed descriptor of a node parameter, with its range where it has one."""
    rule = RULES[name]
    default = getattr(NodeParams(), name)
    result = ParameterDescriptor(name=name, type=parameter_type(default),
                                 description=rule.description,
                                 additional_constraints=rule.accepted, read_only=rule.read_only)
    if rule.bounds is not None:
        low, high = rule.bounds
        if isinstance(default, int):
            result.integer_range = [IntegerRange(from_value=int(low), to_value=int(high))]
        else:
            result.floating_point_range = [FloatingPointRange(from_value=float(low),
                                                              to_value=float(high))]
    return result


def node_params_from(values: dict[str, Any]) -> NodeParams:
    """NodeParams from raw values, raising ValueError naming the first invalid parameter."""
    for name, value in values.items():
        error = validation_error(name, value)
        if error:
            raise ValueError(error)
    defaults = NodeParams()
    typed = {}
    for name, value in values.items():
        default = getattr(defaults, name)
        if isinstance(default, float):
            value = float(value)
        elif isinstance(default, list):
            value = [float(v) for v in value]
        typed[name] = value
    return replace(defaults, **typed)


def parameter_names() -> list[str]:
    return [f.name for f in fields(NodeParams)]


def tracker_descriptor(tracker: str, key: str, default: Any) -> ParameterDescriptor:
    """Descriptor of a tracker's own parameter (``<tracker>.<key>``): typed like its default,
    fixed once the tracker is built."""
    params_type = spec(tracker).params_type.__name__
    return ParameterDescriptor(name=f'{tracker}.{key}', type=parameter_type(default),
                               read_only=True,
                               description=f'{tracker} tracker parameter (see {params_type})')

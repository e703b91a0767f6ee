"""The tracker node's parameters: defaults, descriptions, accepted values and validation."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
import re
from typing import Any, Callable

from rcl_interfaces.msg import ParameterDescriptor

from ros_tracker.registry import spec, tracker_names

DEVICE_PATTERN = re.compile(r'auto|cpu|cuda(:\d+)?')


@dataclass(frozen=True)
class NodeParams:
    """Every node parameter with its default (see README for the full table)."""

    tracker: str = 'csrt'
    weights: str = ''
    device: str = 'auto'
    half: bool = False
    class_id: str = 'target'
    lost_after_frames: int = 3
    found_after_frames: int = 2
    min_score: float = 0.0
    frame_buffer_size: int = 30
    init_stamp_tolerance_ms: float = 5.0
    image_transport: str = 'raw'
    image_reliability: str = 'best_effort'
    image_depth: int = 1
    debug_image: bool = True
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
    """

    description: str
    accepted: str
    check: Callable[[Any], bool]
    read_only: bool = False


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


RULES: dict[str, Rule] = {
    'tracker': Rule('tracker to run', f'one of {tracker_names()}',
                    lambda v: v in tracker_names(), read_only=True),
    'weights': Rule('path of the tracker weights file; empty for the shipped default '
                    "(ATOM), 'random' for untrained weights",
                    'a string path', lambda v: isinstance(v, str), read_only=True),
    'device': Rule('device the network runs on', "'auto', 'cpu', 'cuda' or 'cuda:N'",
                   lambda v: isinstance(v, str) and DEVICE_PATTERN.fullmatch(v) is not None,
                   read_only=True),
    'half': Rule('run the network in half precision (CUDA only)', 'true or false',
                 lambda v: isinstance(v, bool), read_only=True),
    'class_id': Rule('class label published with the box when the init box carries none',
                     'a string', lambda v: isinstance(v, str)),
    'lost_after_frames': Rule('consecutive not-found frames before the target is lost',
                              'an integer >= 1', lambda v: _is_int(v) and v >= 1),
    'found_after_frames': Rule('consecutive found frames before a lost target is found again',
                               'an integer >= 1', lambda v: _is_int(v) and v >= 1),
    'min_score': Rule('confidence under which a frame counts as not found',
                      'a number in [0, 1]', lambda v: _is_number(v) and 0.0 <= v <= 1.0),
    'frame_buffer_size': Rule('recent frames kept to match init boxes to their frame',
                              'an integer in [1, 1000]',
                              lambda v: _is_int(v) and 1 <= v <= 1000, read_only=True),
    'init_stamp_tolerance_ms': Rule('largest stamp difference between an init box and its frame',
                                    'a number >= 0', lambda v: _is_number(v) and v >= 0.0),
    'image_transport': Rule("'raw' subscribes image, 'compressed' subscribes image/compressed",
                            "'raw' or 'compressed'", lambda v: v in ('raw', 'compressed'),
                            read_only=True),
    'image_reliability': Rule('reliability QoS of the image subscription',
                              "'best_effort' or 'reliable'",
                              lambda v: v in ('best_effort', 'reliable'), read_only=True),
    'image_depth': Rule('history depth of the image subscription', 'an integer in [1, 100]',
                        lambda v: _is_int(v) and 1 <= v <= 100, read_only=True),
    'debug_image': Rule('publish ~/debug_image (rendered only while someone subscribes)',
                        'true or false', lambda v: isinstance(v, bool)),
    'diagnostics_period_s': Rule('period of the /diagnostics status', 'a number > 0',
                                 lambda v: _is_number(v) and v > 0.0, read_only=True),
    'warning_period_s': Rule('shortest time between two warnings of one kind (the ones held back '
                             'are counted in the next)', 'a number >= 0',
                             lambda v: _is_number(v) and v >= 0.0, read_only=True),
}


def validation_error(name: str, value: Any) -> str | None:
    """The message rejecting value for parameter name, or None when it is acceptable."""
    rule = RULES[name]
    if rule.check(value):
        return None
    return f'invalid value {value!r} for parameter {name!r}: accepted values are {rule.accepted}'


def descriptor(name: str) -> ParameterDescriptor:
    rule = RULES[name]
    return ParameterDescriptor(name=name, description=rule.description,
                               additional_constraints=rule.accepted,
                               read_only=rule.read_only, dynamic_typing=True)


def node_params_from(values: dict[str, Any]) -> NodeParams:
    """NodeParams from raw values, raising ValueError naming the first invalid parameter."""
    for name, value in values.items():
        error = validation_error(name, value)
        if error:
            raise ValueError(error)
    defaults = NodeParams()
    typed = {name: float(value) if isinstance(getattr(defaults, name), float) else value
             for name, value in values.items()}
    return replace(defaults, **typed)


def parameter_names() -> list[str]:
    return [field.name for field in fields(NodeParams)]


def tracker_descriptor(tracker: str, key: str) -> ParameterDescriptor:
    """Descriptor of a tracker's own parameter (``<tracker>.<key>``): fixed once it is built."""
    params_type = spec(tracker).params_type.__name__
    return ParameterDescriptor(name=f'{tracker}.{key}', read_only=True, dynamic_typing=True,
                               description=f'{tracker} tracker parameter (see {params_type})')

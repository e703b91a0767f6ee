import pytest
from rcl_interfaces.msg import ParameterType

from ros_tracker.registry import tracker_names
from ros_tracker.ros.node_params import (descriptor, node_params_from, NodeParams,
                                         parameter_names, RULES, tracker_descriptor,
                                         validation_error)


def test_every_parameter_has_a_rule():
    assert set(parameter_names()) == set(RULES)
    for name in parameter_names():
        assert validation_error(name, getattr(NodeParams(), name)) is None, name


@pytest.mark.parametrize('name, value, accepted', [
    ('tracker', 'kcf2', f'one of {tracker_names()}'),
    ('device', 'gpu', "'auto', 'cpu', 'cuda' or 'cuda:N'"),
    ('device', 'cuda:x', "'auto', 'cpu', 'cuda' or 'cuda:N'"),
    ('lost_after_frames', 0, 'an integer in [1, 10000]'),
    ('found_after_frames', 1.5, 'an integer in [1, 10000]'),
    ('min_score', 1.5, 'a number in [0, 1]'),
    ('image_transport', 'theora', "'raw' or 'compressed'"),
    ('image_reliability', 'sometimes', "'best_effort' or 'reliable'"),
    ('half', 'yes', 'true or false'),
    ('frame_buffer_size', 0, 'an integer in [1, 1000]'),
    ('detector_select', 'first', "'best_class' or 'id' or 'nearest'"),
    ('detector_point', [0.5, 1.5], 'two numbers in [0, 1]'),
    ('detector_point', [0.5], 'two numbers in [0, 1]'),
])
def test_invalid_values_name_the_parameter_and_the_accepted_values(name, value, accepted):
    message = validation_error(name, value)
    assert message.startswith(f'invalid value {value!r} for parameter {name!r}')
    assert message.endswith(f'accepted values are {accepted}')
    with pytest.raises(ValueError, match=name):
        node_params_from({name: value})


def test_accepted_values():
    params = node_params_from({'device': 'cuda:1', 'min_score': 0, 'lost_after_frames': 5,
                               'detector_point': [0, 1]})
    assert params.device == 'cuda:1' and params.lost_after_frames == 5
    assert isinstance(params.min_score, float) and params.detector_point == [0.0, 1.0]


def test_descriptors_are_typed_with_their_ranges():
    assert descriptor('tracker').read_only and descriptor('device').read_only
    assert not descriptor('min_score').read_only and not descriptor('min_score').dynamic_typing
    assert descriptor('min_score').type == ParameterType.PARAMETER_DOUBLE
    (score_range,) = descriptor('min_score').floating_point_range
    assert (score_range.from_value, score_range.to_value) == (0.0, 1.0)
    assert descriptor('lost_after_frames').type == ParameterType.PARAMETER_INTEGER
    (frames_range,) = descriptor('lost_after_frames').integer_range
    assert (frames_range.from_value, frames_range.to_value) == (1, 10000)
    assert descriptor('debug_image').type == ParameterType.PARAMETER_BOOL
    assert descriptor('detector_point').type == ParameterType.PARAMETER_DOUBLE_ARRAY
    assert descriptor('class_id').type == ParameterType.PARAMETER_STRING
    assert 'integer in [1, 10000]' in descriptor('lost_after_frames').additional_constraints


def test_tracker_parameters_are_typed_like_their_defaults():
    backbone = tracker_descriptor('nano', 'backbone', '')
    assert backbone.name == 'nano.backbone' and backbone.read_only
    assert backbone.type == ParameterType.PARAMETER_STRING
    assert tracker_descriptor('csrt', 'padding', 3.0).type == ParameterType.PARAMETER_DOUBLE

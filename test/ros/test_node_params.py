import pytest

from ros_tracker.registry import tracker_names
from ros_tracker.ros.node_params import (descriptor, node_params_from, NodeParams,
                                         parameter_names, RULES, validation_error)


def test_every_parameter_has_a_rule():
    assert set(parameter_names()) == set(RULES)
    for name in parameter_names():
        assert validation_error(name, getattr(NodeParams(), name)) is None, name


@pytest.mark.parametrize('name, value, accepted', [
    ('tracker', 'kcf2', f'one of {tracker_names()}'),
    ('device', 'gpu', "'auto', 'cpu', 'cuda' or 'cuda:N'"),
    ('device', 'cuda:x', "'auto', 'cpu', 'cuda' or 'cuda:N'"),
    ('lost_after_frames', 0, 'an integer >= 1'),
    ('found_after_frames', 1.5, 'an integer >= 1'),
    ('min_score', 1.5, 'a number in [0, 1]'),
    ('image_transport', 'theora', "'raw' or 'compressed'"),
    ('image_reliability', 'sometimes', "'best_effort' or 'reliable'"),
    ('half', 'yes', 'true or false'),
    ('frame_buffer_size', 0, 'an integer in [1, 1000]'),
])
def test_invalid_values_name_the_parameter_and_the_accepted_values(name, value, accepted):
    message = validation_error(name, value)
    assert message.startswith(f'invalid value {value!r} for parameter {name!r}')
    assert message.endswith(f'accepted values are {accepted}')
    with pytest.raises(ValueError, match=name):
        node_params_from({name: value})


def test_accepted_values():
    params = node_params_from({'device': 'cuda:1', 'min_score': 0, 'lost_after_frames': 5})
    assert params.device == 'cuda:1' and params.lost_after_frames == 5
    assert isinstance(params.min_score, float)


def test_model_and_subscription_parameters_are_read_only():
    assert descriptor('tracker').read_only and descriptor('device').read_only
    assert not descriptor('min_score').read_only
    assert 'integer >= 1' in descriptor('lost_after_frames').additional_constraints

from pathlib import Path

import pytest

from ros_tracker.params import params_from_dict
from ros_tracker.registry import build_tracker, load_tracker_config, spec, tracker_names
from ros_tracker.tracker import Tracker, warm_up

CONFIG = Path(__file__).resolve().parent.parent / 'config'


def test_unknown_tracker_lists_the_accepted_names():
    with pytest.raises(ValueError, match=r"unknown tracker 'nope'; accepted: \['atom', 'csrt', "):
        build_tracker('nope')


@pytest.mark.parametrize('name', [n for n in tracker_names() if n != 'nano'])
def test_every_tracker_has_a_config_that_builds_it(name):
    path = CONFIG / f'{name}.yaml'
    config = load_tracker_config(path, name)
    assert set(config) == set(spec(name).params_type.__dataclass_fields__)
    tracker = build_tracker(name, config)
    assert isinstance(tracker, Tracker)
    warm_up(tracker, 160, 120)


@pytest.mark.parametrize('name', [n for n in tracker_names() if spec(n).signals is not None])
def test_config_files_hold_the_fitted_calibration(name):
    params_type = spec(name).params_type
    params = params_from_dict(params_type, load_tracker_config(CONFIG / f'{name}.yaml', name))
    assert params.confidence_model == params_type().confidence_model
    assert params.min_probability == params_type().min_probability


def test_load_tracker_config_reads_plain_and_ros_parameter_files(tmp_path):
    plain = tmp_path / 'plain.yaml'
    plain.write_text('csrt:\n  padding: 2.5\n')
    assert load_tracker_config(plain, 'csrt') == {'padding': 2.5}
    ros = tmp_path / 'ros.yaml'
    ros.write_text('tracker:\n  ros__parameters:\n    csrt:\n      padding: 4.0\n')
    assert load_tracker_config(ros, 'csrt') == {'padding': 4.0}
    assert load_tracker_config(ros, 'other') == {}


def test_nano_needs_its_models(tmp_path):
    config = load_tracker_config(CONFIG / 'nano.yaml', 'nano')
    assert set(config) == set(spec('nano').params_type.__dataclass_fields__)
    message = ("nano needs the backbone ONNX model: parameter 'nano.backbone' is '', which is "
               'not a file')
    with pytest.raises(ValueError, match=message):
        build_tracker('nano', config)


def test_nano_builds_with_the_shared_models(shared_sequences):
    models = shared_sequences.parent.parent / 'peers' / 'nanotrack'
    tracker = build_tracker('nano', {'backbone': str(models / 'nanotrack_v2_backbone.onnx'),
                                     'neckhead': str(models / 'nanotrack_v2_head.onnx')})
    warm_up(tracker, 160, 120)

import torch

from official_layout import official_state_dict
from ros_tracker.cli import main
from ros_tracker.registry import tracker_names


def test_trackers_lists_every_registered_tracker(capsys):
    assert main(['trackers']) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == tracker_names()


def test_convert_writes_weights_and_reports_bad_files(tmp_path, capsys):
    source = tmp_path / 'atom_default.pth'
    torch.save({'net': official_state_dict(), 'epoch': 50}, source)
    assert main(['convert', str(source), str(tmp_path / 'atom.pt')]) == 0
    assert 'sha256' in capsys.readouterr().out
    assert (tmp_path / 'atom.pt').is_file()
    assert main(['convert', '--compact', str(tmp_path / 'atom.pt'),
                 str(tmp_path / 'atom_compact.pt')]) == 0
    compact = torch.load(tmp_path / 'atom_compact.pt', weights_only=True)['net']
    assert compact['bb_regressor.iou_predictor.weight'].dtype == torch.float16
    assert 'feature_extractor.layer4.0.conv1.weight' not in compact
    wrong = tmp_path / 'wrong.pth'
    torch.save({'net': {'fc.weight': torch.zeros(2)}}, wrong)
    assert main(['convert', str(wrong), str(tmp_path / 'out.pt')]) == 1
    error = capsys.readouterr().err
    assert 'does not match the AtomNet network' in error and 'unexpected keys: fc.weight' in error


def test_info_prints_the_parameter_count(capsys):
    assert main(['info', 'dense_re3']) == 0
    output = capsys.readouterr().out
    assert output.rstrip().endswith('parameters: 87031408')
    assert 'PeepholeLSTMCell' in output
    assert main(['info', 'csrt']) == 0
    assert 'no network' in capsys.readouterr().out

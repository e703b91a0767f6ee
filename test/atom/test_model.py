import torch

from official_layout import official_shapes, official_state_dict
from ros_tracker.atom.model import atom_net, resnet18


def test_state_dict_names_and_shapes_are_the_official_ones():
    state = atom_net().state_dict()
    assert {k: tuple(v.shape) for k, v in state.items()} == official_shapes()
    assert len(state) == 201
    assert sum(k.startswith('feature_extractor.') for k in state) == 122


def test_parameter_counts():
    net = atom_net()
    assert sum(p.numel() for p in net.bb_regressor.parameters()) == 5_595_521
    assert sum(p.numel() for p in resnet18().parameters()) == 11_689_512


def test_official_layout_loads_strictly_and_is_used():
    net = atom_net()
    state = official_state_dict()
    net.load_state_dict(state, strict=True)
    weight = state['bb_regressor.fc3_rt.linear.weight']
    assert torch.equal(net.bb_regressor.fc3_rt.linear.weight, weight)


def test_feature_and_iou_shapes_on_a_288_patch():
    torch.manual_seed(0)
    net = atom_net().eval()
    with torch.no_grad():
        features = net.extract_features(torch.randn(2, 3, 288, 288))
    assert features['layer2'].shape == (2, 128, 36, 36)
    assert features['layer3'].shape == (2, 256, 18, 18)
    layers = [features['layer2'], features['layer3']]
    iou_net = net.bb_regressor
    modulation = iou_net.get_modulation(layers, torch.tensor([[100.0, 100, 60, 80]] * 2))
    assert modulation[0].shape == modulation[1].shape == (2, 256, 1, 1)
    iou_features = iou_net.get_iou_feat(layers)
    assert iou_features[0].shape == (2, 256, 36, 36) and iou_features[1].shape == (2, 256, 18, 18)
    proposals = torch.tensor([[[90.0, 95, 70, 85]] * 10] * 2, requires_grad=True)
    iou = iou_net.predict_iou(modulation, iou_features, proposals)
    assert iou.shape == (2, 10)
    iou.sum().backward()  # box refinement ascends this gradient
    assert proposals.grad.abs().sum() > 0

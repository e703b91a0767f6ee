import pytest
import torch

from ros_tracker.re3.model import (ConvTower, dense_re3, PeepholeLSTMCell, re3, residual_re3,
                                   VARIANTS)


@pytest.mark.parametrize('builder, count', [
    (re3, 85_699_684), (residual_re3, 87_716_712), (dense_re3, 87_031_408)])
def test_parameter_counts_reproduce_table_1(builder, count):
    assert sum(p.numel() for p in builder().parameters()) == count


def test_conv_tower_parameters_and_feature_size():
    tower = ConvTower()
    assert sum(p.numel() for p in tower.parameters()) == 2_360_416
    with torch.no_grad():
        features = tower(torch.rand(2, 3, 227, 227) * 255)
    assert features.shape == (2, 37104)


def test_conv_tower_maps_have_strides_8_16_16_at_any_crop_size():
    with torch.no_grad():
        maps = ConvTower().feature_maps(torch.rand(1, 3, 224, 224) * 255)
    # conv1 (11, stride 4): 54; each 3x3 stride-2 pool: 26, then 12.
    assert [tuple(m.shape[1:]) for m in maps] == [(96, 26, 26), (256, 12, 12), (256, 12, 12)]


def test_dense_and_residual_wiring():
    dense = dense_re3().recurrent
    assert [cell.weight.shape[1] for cell in dense.lstms] == [900 + 512, 1412 + 512,
                                                              1924 + 512, 2436 + 512]
    assert dense.fc_output.in_features == 2048
    residual = residual_re3().recurrent
    assert len(residual.cells()) == 6
    assert all(cell.weight.shape == (4 * 768, 1536) for cell in residual.cells())


def test_peephole_cell_matches_the_tensorflow_equations():
    torch.manual_seed(0)
    cell = PeepholeLSTMCell(3, 2)
    with torch.no_grad():
        for parameter in cell.parameters():
            parameter.normal_()
    x, c_prev, h_prev = torch.randn(1, 3), torch.randn(1, 2), torch.randn(1, 2)
    h, (c, h_state) = cell(x, (c_prev, h_prev))
    z = torch.cat([x, h_prev], dim=1) @ cell.weight.T + cell.bias
    i, j, f, o = z[:, 0:2], z[:, 2:4], z[:, 4:6], z[:, 6:8]
    expected_c = (torch.sigmoid(f + 1.0 + cell.w_f_diag * c_prev) * c_prev
                  + torch.sigmoid(i + cell.w_i_diag * c_prev) * torch.tanh(j))
    expected_h = torch.sigmoid(o + cell.w_o_diag * expected_c) * torch.tanh(expected_c)
    assert torch.allclose(c, expected_c) and torch.allclose(h, expected_h)
    assert torch.equal(h, h_state)


@pytest.mark.parametrize('name', sorted(VARIANTS))
def test_one_step_shapes(name):
    net = VARIANTS[name]().eval()
    with torch.no_grad():
        output, states = net(torch.rand(1, 2, 3, 227, 227) * 255,
                             net.zero_state(1, torch.device('cpu')))
    assert output.shape == (1, 4)
    assert len(states) == len(net.recurrent.cells())

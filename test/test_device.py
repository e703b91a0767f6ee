import pytest
import torch

from ros_tracker.device import resolve_device


def test_cpu_and_auto():
    assert resolve_device('cpu') == torch.device('cpu')
    expected = 'cuda:0' if torch.cuda.is_available() else 'cpu'
    assert resolve_device('auto') == torch.device(expected)


@pytest.mark.skipif(torch.cuda.is_available(), reason='checks the message on a CPU-only machine')
def test_missing_cuda_is_a_clear_error():
    with pytest.raises(ValueError, match="device 'cuda:1' is not available: this machine has 0"):
        resolve_device('cuda:1')


def test_unknown_names():
    with pytest.raises(ValueError, match="unknown device 'gpu'"):
        resolve_device('gpu')

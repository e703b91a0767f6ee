"""The compute device named by a user setting: 'auto', 'cpu', 'cuda' or 'cuda:N'."""

from __future__ import annotations

import torch


def cpu_has_native_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 matrices in hardware (AMX or AVX512-BF16), where
    bfloat16 convolutions are markedly faster than float32 ones (ATOM's backbone: 2.7 times,
    docs/weights.md); without such units they are converted in software and need not gain."""
    checks = ('_is_amx_tile_supported', '_is_avx512_bf16_supported')
    return any(getattr(torch.cpu, check, lambda: False)() for check in checks)


def resolve_device(name: str) -> torch.device:
    """The torch device for name; 'auto' is the first GPU when CUDA is available, else the CPU.

    Raises:
        ValueError: an unknown name, or a CUDA device that this machine does not have.
    """
    if name == 'auto':
        return torch.device('cuda:0' if torch.cuda.is_available() else 'cpu')
    if name == 'cpu':
        return torch.device('cpu')
    if name == 'cuda' or (name.startswith('cuda:') and name[5:].isdigit()):
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        index = int(name[5:]) if ':' in name else 0
        if index >= count:
            raise ValueError(f'device {name!r} is not available: this machine has {count} CUDA '
                             "device(s); use 'auto' or 'cpu'")
        return torch.device(f'cuda:{index}')
    raise ValueError(f"unknown device {name!r}; accepted: 'auto', 'cpu', 'cuda', 'cuda:N'")


def autocast_to(device: torch.device, dtype: torch.dtype | None) -> torch.autocast:
    """Autocast on device to dtype; None runs in full precision."""
    return torch.autocast(device.type, dtype=dtype, enabled=dtype is not None)

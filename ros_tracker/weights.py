"""Weights files of the project: plain tensors saved with torch.save and read with
``weights_only=True``, so loading never runs code from the file."""

from __future__ import annotations

from dataclasses import dataclass
import functools
import hashlib
from pathlib import Path
from typing import Any, TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported where files are read or written, not to hash one
    from torch import nn, Tensor


#: What the user writes for untrained (seeded random) weights, and how results name them.
RANDOM = 'random'
#: How results name the weights of a tracker without a network.
NO_NETWORK = 'none'


class CheckpointError(ValueError):
    """A weights file that is unreadable, unsafe, or not for this network."""


@dataclass(frozen=True)
class Weights:
    """The weights a tracker runs with, resolved once from what the user gave.

    Attributes:
        path: the weights file; None for untrained (seeded random) weights or no network.
        sha256: the file's SHA-256 ('' without a file), computed once per process.
        label: how results and logs name them: the file name, RANDOM or NO_NETWORK.
    """

    path: Path | None = None
    sha256: str = ''
    label: str = RANDOM

    @classmethod
    def of_file(cls, path: str | Path) -> Weights:
        """The weights of a file the user named; CheckpointError when there is no such file."""
        path = Path(path)
        if not path.is_file():
            raise CheckpointError(f'{path}: no such file')
        return cls(path, file_sha256(path), path.name)


UNTRAINED = Weights()
NONE = Weights(label=NO_NETWORK)


def first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def save_weights(path: str | Path, state: dict[str, Tensor], file_format: str,
                 **metadata: Any) -> str:
    """Write {'format': file_format, 'net': state, **metadata}; returns the file's SHA-256."""
    import torch

    path = Path(path)
    content = {'format': file_format, **metadata,
               'net': {k: v.detach().cpu() for k, v in state.items()}}
    torch.save(content, path)
    return file_sha256(path)


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, hashed once per process for an unchanged file."""
    status = Path(path).resolve().stat()
    return _sha256(Path(path).resolve(), status.st_size, status.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _sha256(path: Path, size: int, modified_ns: int) -> str:
    """The digest of path as it was with that size and modification time."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_weights(path: str | Path, file_format: str) -> dict[str, Any]:
    """The content of a file written by save_weights (or a training checkpoint) with
    file_format."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f'{path}: no such file')
    try:
        content = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as error:  # unpickling errors come in many types; all mean "unusable"
        raise CheckpointError(f'{path}: cannot be read: {first_line(error)}') from None
    if not isinstance(content, dict) or content.get('format') != file_format:
        raise CheckpointError(f'{path}: not a {file_format} file')
    return content


def load_state_dict_strictly(module: nn.Module, state: dict[str, Tensor], source: str) -> None:
    """Load state into module, or raise CheckpointError listing missing, unexpected and
    mis-shaped keys."""
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    mis_shaped = sorted(f'{k} {tuple(state[k].shape)} != {tuple(v.shape)}'
                        for k, v in expected.items() if k in state and state[k].shape != v.shape)
    problems = [f'{label}: {", ".join(keys)}' for label, keys in (
        ('missing keys', missing), ('unexpected keys', unexpected),
        ('shape mismatches', mis_shaped)) if keys]
    if problems:
        raise CheckpointError(f'{source}: does not match the {type(module).__name__} network; '
                              + '; '.join(problems))
    module.load_state_dict(state, strict=True)

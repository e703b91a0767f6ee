"""Typed tracker parameters read from plain mappings (YAML sections, ROS parameters)."""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping, TypeVar

P = TypeVar('P')


def params_from_dict(params_type: type[P], values: Mapping[str, Any]) -> P:
    """Build the frozen parameter dataclass params_type from values.

    Unknown keys raise, so a typo in a YAML file is an error instead of a silently ignored
    setting; missing keys keep the dataclass defaults. Integers are accepted where a float is
    expected, because YAML writes 3.0 as 3.
    """
    fields = {field.name: field for field in dataclasses.fields(params_type)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ValueError(
            f'unknown {params_type.__name__} parameter(s) {unknown}; accepted: {sorted(fields)}')
    converted = {}
    for name, value in values.items():
        default = fields[name].default
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise ValueError(f'parameter {name!r} must be true or false, got {value!r}')
        elif isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        elif isinstance(default, tuple) and isinstance(value, (list, tuple)):
            value = _like(default, value, name)
        elif type(value) is not type(default):
            raise ValueError(
                f'parameter {name!r} must be a {type(default).__name__}, got {value!r}')
        converted[name] = value
    return params_type(**converted)


def _like(default: tuple, values: list | tuple, name: str) -> tuple:
    """values as a tuple with the element type of default (floats accept integers)."""
    kind = type(default[0]) if default else None
    converted = []
    for value in values:
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if kind is not None and type(value) is not kind:
            raise ValueError(
                f'parameter {name!r} must be a list of {kind.__name__}, got {list(values)!r}')
        converted.append(value)
    return tuple(converted)


def params_to_dict(params: Any) -> dict[str, Any]:
    """The parameter dataclass as a plain mapping (for YAML files and ROS parameter defaults)."""
    return dataclasses.asdict(params)

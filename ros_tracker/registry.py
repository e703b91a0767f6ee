"""One place that knows every tracker: builds any of them from a name and a YAML config.

Each family exports the specs of its trackers (``atom/spec.py``, ``re3/spec.py``,
``opencv/spec.py``, ``baselines.py``); this module only lists them, resolves the weights a user
names, and reads configuration files.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

import yaml

from ros_tracker import baselines, pretrained
from ros_tracker.atom import spec as atom_spec
from ros_tracker.confidence import CalibratedTracker, Calibration, COMMON_SIGNALS
from ros_tracker.opencv import spec as opencv_spec
from ros_tracker.params import params_from_dict
from ros_tracker.re3 import spec as re3_spec
from ros_tracker.tracker import BuildOptions, Tracker, TrackerSpec
from ros_tracker.weights import NONE, RANDOM, UNTRAINED, Weights

__all__ = ['BuildOptions', 'build_tracker', 'load_tracker_config', 'resolve_weights', 'spec',
           'tracker_names', 'TrackerSpec', 'TRACKERS']

TRACKERS: dict[str, TrackerSpec] = {
    'atom': atom_spec.SPEC,
    **re3_spec.SPECS,
    **opencv_spec.SPECS,
    'static': baselines.SPEC,
}


def tracker_names() -> list[str]:
    """Registered tracker names, sorted."""
    return sorted(TRACKERS)


def spec(name: str) -> TrackerSpec:
    """The registry entry for name, or a ValueError listing the accepted names."""
    try:
        return TRACKERS[name]
    except KeyError:
        raise ValueError(f'unknown tracker {name!r}; accepted: {tracker_names()}') from None


def resolve_weights(name: str, weights: str | Path = '') -> Weights:
    """The weights tracker name runs with, from what the user gave: '' for its default (the
    shipped file, checked against its SHA-256, or random weights where it has none), RANDOM
    for untrained weights, or a file's path. Trackers without a network get NONE whatever was
    given."""
    if spec(name).network is None:
        return NONE
    if str(weights) == RANDOM:
        return UNTRAINED
    if str(weights):
        return Weights.of_file(weights)
    shipped = pretrained.SHIPPED.get(name)
    return pretrained.verified(shipped) if shipped else UNTRAINED


def build_tracker(name: str, config: Mapping[str, Any] | None = None,
                  options: BuildOptions = BuildOptions()) -> Tracker:
    """Build tracker name from its parameter mapping (unknown keys raise), with options'
    weights, or its default ones where options name none; a tracker whose spec names signals
    comes inside a CalibratedTracker."""
    entry = spec(name)
    params = params_from_dict(entry.params_type, config or {})
    if options.weights is None:
        options = replace(options, weights=resolve_weights(name))
    tracker = entry.build(params, options)
    if entry.signals is None:
        return tracker
    return CalibratedTracker(tracker, calibration(name, params))


def calibration(name: str, params: Any) -> Calibration:
    """The calibration that tracker name's parameters hold (confidence_model and
    min_probability)."""
    return Calibration.from_model(signal_names(name), params.confidence_model,
                                  params.min_probability)


def signal_names(name: str) -> tuple[str, ...]:
    """The signals tracker name's calibrated confidence weighs, in its model's order."""
    extra = spec(name).signals
    if extra is None:
        raise ValueError(f'{name} has no calibrated confidence')
    return COMMON_SIGNALS + extra


def load_tracker_config(path: str | Path, name: str) -> dict[str, Any]:
    """Read tracker name's section from a YAML file.

    Accepts the node's ROS parameter file (``/**: ros__parameters: {<name>: {...}}`` or a
    node-name key instead of ``/**``) as well as a plain ``{<name>: {...}}`` mapping, so the
    files under config/ serve the node, the command line and the benchmarks alike.
    """
    with open(path, encoding='utf-8') as stream:
        document = yaml.safe_load(stream) or {}
    if not isinstance(document, dict):
        raise ValueError(f'{path}: expected a mapping at the top level')
    sections = [document]
    sections += [value['ros__parameters'] for value in document.values()
                 if isinstance(value, dict) and isinstance(value.get('ros__parameters'), dict)]
    for section in reversed(sections):
        if isinstance(section.get(name), dict):
            return dict(section[name])
    return {}

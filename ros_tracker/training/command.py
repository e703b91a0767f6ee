"""``ros-tracker train``: build a training task from command-line choices and run it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
import sys
from typing import Any, Mapping

import torch
import yaml

from ros_tracker.atom.checkpoint import load_atom_net, read_backbone_state
from ros_tracker.atom.model import AtomNet
from ros_tracker.datasets.training_sets import read_sources
from ros_tracker.params import params_from_dict, params_to_dict
from ros_tracker.re3.checkpoint import load_re3_net, read_tower_state
from ros_tracker.training.atom_samples import PairSettings
from ros_tracker.training.atom_trainer import AtomRecipe, AtomTraining
from ros_tracker.training.distill import BackboneDistillation, distill_recipe, STUDENTS, Teacher
from ros_tracker.training.distributed import Distributed
from ros_tracker.training.loop import flush_subnormals, RunSettings, train
from ros_tracker.training.re3_samples import Re3Augmentation
from ros_tracker.training.re3_trainer import paper_recipe, Re3Training
from ros_tracker.training.task import TrainingTask
from ros_tracker.weights import load_state_dict_strictly

MODELS = ('re3', 'residual_re3', 'dense_re3', 'atom', 'atom_backbone', 're3_tower')


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """KEY=VALUE strings (values in YAML syntax, plus numbers such as 1e-4 that YAML 1.1
    reads as text) as a mapping."""
    overrides = {}
    for item in items:
        key, separator, text = item.partition('=')
        if not separator or not key:
            raise ValueError(f'--set expects KEY=VALUE, got {item!r}')
        value = yaml.safe_load(text)
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                pass
        overrides[key.strip()] = value
    return overrides


def apply_overrides(settings: list[Any], overrides: Mapping[str, Any]) -> list[Any]:
    """Each settings dataclass with the overrides that name its fields; unknown keys raise."""
    remaining = dict(overrides)
    updated = []
    for item in settings:
        names = {f.name for f in dataclasses.fields(item)}
        mine = {k: remaining.pop(k) for k in list(remaining) if k in names}
        updated.append(params_from_dict(type(item), {**params_to_dict(item), **mine}))
    if remaining:
        accepted = sorted(f.name for item in settings for f in dataclasses.fields(item))
        raise ValueError(f'unknown training setting(s) {sorted(remaining)}; accepted: {accepted}')
    return updated


def build_task(model: str, data_specs: list[str], val_specs: list[str], run: RunSettings,
               overrides: Mapping[str, Any], dist: Distributed, weights: str | None = None,
               backbone: str | None = None,
               teacher: str | None = None) -> tuple[TrainingTask, dict[str, Any]]:
    """The task and every setting it runs with (for the run's settings.json)."""
    if model not in MODELS:
        raise ValueError(f'unknown model {model!r}; accepted: {", ".join(MODELS)}')
    if (model in STUDENTS) != bool(teacher):
        raise ValueError('--teacher (an ONNX backbone) is for atom_backbone and re3_tower, '
                         'which need it')
    data = read_sources(data_specs)
    validation = read_sources(val_specs) if val_specs else None
    if model in STUDENTS:
        if backbone:
            raise ValueError('--backbone is for atom and the Re3 family')
        (recipe,) = apply_overrides([distill_recipe(model)], overrides)
        task = BackboneDistillation(data, validation, Teacher(teacher), recipe, run, dist, model)
        parts = {'recipe': recipe}
    elif model == 'atom':
        recipe, pairs = apply_overrides([AtomRecipe(), PairSettings()], overrides)
        net = load_atom_net(weights) if weights else AtomNet()
        if backbone:
            load_state_dict_strictly(net.feature_extractor, read_backbone_state(backbone),
                                     backbone)
        task = AtomTraining(data, validation, recipe, pairs, run, dist, net,
                            backbone_pretrained=bool(weights or backbone))
        parts = {'recipe': recipe, 'pairs': pairs}
    else:
        recipe, augmentation = apply_overrides([paper_recipe(model), Re3Augmentation()],
                                               overrides)
        net = load_re3_net(weights, model) if weights else None
        tower = read_tower_state(backbone) if backbone else None
        task = Re3Training(model, data, validation, recipe, augmentation, run, dist, net, tower)
        parts = {'recipe': recipe, 'augmentation': augmentation}
    described = {'model': model, 'data': data_specs, 'val_data': val_specs,
                 'weights': weights, 'backbone': backbone, 'teacher': teacher,
                 'run': params_to_dict(run), 'world_size': dist.world_size,
                 'device': str(dist.device), 'torch': torch.__version__,
                 **{k: params_to_dict(v) for k, v in parts.items()}}
    return task, described


#: Settings a resumed run may change: how long it runs and how it reports, not what it learns.
RESUMABLE_CHANGES = {'run.steps', 'run.progress', 'run.log_every', 'run.val_every',
                     'run.checkpoint_every', 'run.workers', 'torch'}


def _flatten(settings: Mapping[str, Any], prefix: str = '') -> dict[str, Any]:
    flat = {}
    for key, value in settings.items():
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f'{prefix}{key}.'))
        else:
            flat[f'{prefix}{key}'] = value
    return flat


def settings_changes(previous: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """'name: old -> new' for every setting that differs between two settings.json contents,
    except those a resumed run may change and those the previous run's version did not have
    yet."""
    old, new = _flatten(previous), _flatten(current)
    return [f'{name}: {old.get(name)!r} -> {new.get(name)!r}' for name in sorted(old)
            if name not in RESUMABLE_CHANGES and old[name] != new.get(name)]


def run_training(model: str, data_specs: list[str], val_specs: list[str], out: Path,
                 run: RunSettings, overrides: Mapping[str, Any], weights: str | None = None,
                 backbone: str | None = None, fresh: bool = False,
                 teacher: str | None = None) -> Path:
    """Train (resuming from out/last.pt unless fresh) and export the weights to
    out/weights.pt, which it returns."""
    flush_subnormals()
    dist = Distributed(run.device)
    task, described = build_task(model, data_specs, val_specs, run, overrides, dist, weights,
                                 backbone, teacher)
    described = json.loads(json.dumps(described))  # as settings.json holds it
    settings_file = out / 'settings.json'
    if not fresh and (out / 'last.pt').is_file() and settings_file.is_file():
        changes = settings_changes(json.loads(settings_file.read_text(encoding='utf-8')),
                                   described)
        if changes:
            raise ValueError(f'{out / "last.pt"} was trained with other settings ('
                             + '; '.join(changes) + '): resuming would mix two runs; use '
                             '--fresh to start over, or the same settings to resume')
    if dist.is_main:
        print(f'{model}: {task.data.describe()} for training'
              + (f', {task.validation.describe()} held out' if task.validation else '')
              + f'; {dist.world_size} process(es) on {dist.device}', file=sys.stderr)
        out.mkdir(parents=True, exist_ok=True)
        (out / 'settings.json').write_text(json.dumps(described, indent=2) + '\n',
                                           encoding='utf-8')
    weights = train(task, run, out, dist, resume=not fresh)
    if dist.is_main:
        print(f'weights: {weights}')
    return weights

"""The ``ros-tracker train``, ``plot-training`` and ``iou-quality`` subcommands (the training
code is imported only when one runs)."""

from __future__ import annotations

import argparse
from pathlib import Path


def _train(args: argparse.Namespace) -> int:
    from ros_tracker.training.command import parse_overrides, run_training
    from ros_tracker.training.loop import RunSettings
    settings = RunSettings(steps=args.steps, seed=args.seed, device=args.device,
                           amp=not args.no_amp, workers=args.workers, log_every=args.log_every,
                           val_every=args.val_every, checkpoint_every=args.checkpoint_every,
                           progress=not args.no_progress)
    run_training(args.model, args.data, args.val_data or [], Path(args.out), settings,
                 parse_overrides(args.set or []), args.weights, args.backbone, args.fresh,
                 args.teacher)
    return 0


def _plot_training(args: argparse.Namespace) -> int:
    from ros_tracker.training.curves import plot_learning_curves
    folder = Path(args.folder)
    print(plot_learning_curves(folder / 'metrics.csv', args.out or folder / 'learning_curves.png',
                               args.title or folder.name))
    return 0


def _iou_quality(args: argparse.Namespace) -> int:
    import json

    from ros_tracker.atom.checkpoint import load_atom_net
    from ros_tracker.datasets.training_sets import read_sources
    from ros_tracker.device import resolve_device
    from ros_tracker.registry import resolve_weights
    from ros_tracker.training.atom_samples import ImagePairs, PairSettings
    from ros_tracker.training.atom_trainer import iou_quality
    weights = resolve_weights('atom', args.weights)
    if weights.path is None:
        raise SystemExit('iou-quality: needs ATOM weights (a file, or the shipped default)')
    device = resolve_device(args.device)
    pairs = ImagePairs(read_sources(args.data), PairSettings(), args.seed)
    metrics = iou_quality(load_atom_net(weights.path).to(device), pairs, args.samples,
                          args.batch_size, device)
    print(json.dumps({'weights': weights.label, 'data': args.data, 'samples': args.samples,
                      'seed': args.seed, **{k: round(v, 4) for k, v in metrics.items()}}))
    return 0


def add_training_commands(commands: argparse._SubParsersAction) -> None:
    from ros_tracker.training.command import MODELS
    train = commands.add_parser(
        'train', help='train a Re3-family network, the ATOM IoU-Net, or by distillation '
                      "ATOM's backbone or the Re3 conv tower (resumes from OUT/last.pt; run "
                      'under torchrun for several GPUs or machines)')
    train.add_argument('model', choices=MODELS)
    train.add_argument('--data', action='append', required=True, metavar='KIND:ROOT[:OPTION]',
                       help='training data, repeatable: uniform:ROOT[:SPLIT|NAMES], '
                            'got10k:ROOT, lasot:ROOT[:CLASSES], trackingnet:ROOT[:CHUNKS], '
                            'vid:ROOT[:SPLIT], det:ROOT[:SPLIT], coco:ROOT[:SUBSET], '
                            'images:ROOT, cutouts:ROOT[:train|held_out|all]')
    train.add_argument('--val-data', action='append', metavar='KIND:ROOT[:OPTION]',
                       help='held-out data for validation (repeatable)')
    train.add_argument('--out', required=True,
                       help='run folder: last.pt, metrics.csv, settings.json, weights.pt')
    train.add_argument('--steps', type=int, required=True, help='optimizer steps in all')
    train.add_argument('--seed', type=int, default=0)
    train.add_argument('--device', default='auto', help="'auto', 'cpu', 'cuda' or 'cuda:N'")
    train.add_argument('--no-amp', action='store_true', help='float32 on CUDA too')
    train.add_argument('--workers', type=int, default=2, help='data-loading processes')
    train.add_argument('--log-every', type=int, default=10)
    train.add_argument('--val-every', type=int, default=500)
    train.add_argument('--checkpoint-every', type=int, default=500)
    train.add_argument('--weights', help='start from these weights (fine-tuning)')
    train.add_argument('--backbone', help='atom: pretrained ResNet-18 (ATOM weights or a '
                                          'ResNet-18 state dict); it stays frozen. Re3 family: '
                                          'a conv tower from re3_tower to start from')
    train.add_argument('--teacher', help='atom_backbone, re3_tower: the ONNX backbone to '
                                         'distil, e.g. nanotrack_v2_backbone.onnx')
    train.add_argument('--set', action='append', metavar='KEY=VALUE',
                       help='override a recipe setting, e.g. batch_size=8 (repeatable)')
    train.add_argument('--fresh', action='store_true', help='ignore OUT/last.pt')
    train.add_argument('--no-progress', action='store_true', help='no progress bar')
    train.set_defaults(run=_train)
    plot = commands.add_parser('plot-training',
                               help="draw a training run's loss and validation IoU curves")
    plot.add_argument('folder', metavar='RUN', help='run folder written by ros-tracker train')
    plot.add_argument('--out', help='PNG file (default: RUN/learning_curves.png)')
    plot.add_argument('--title', help='figure title (default: the run folder name)')
    plot.set_defaults(run=_plot_training)
    quality = commands.add_parser(
        'iou-quality', help="how well ATOM's IoU-Net ranks box proposals on image pairs: "
                            'Spearman correlation, IoU of the top-ranked proposal (JSON)')
    quality.add_argument('--weights', default='',
                         help='ATOM weights (default: the shipped file)')
    quality.add_argument('--data', action='append', required=True, metavar='KIND:ROOT[:OPTION]',
                         help='pairs drawn from this data, repeatable (as for train)')
    quality.add_argument('--samples', type=int, default=512, help='pairs to score')
    quality.add_argument('--seed', type=int, default=1, help='draws the pairs')
    quality.add_argument('--batch-size', type=int, default=32)
    quality.add_argument('--device', default='auto', help="'auto', 'cpu', 'cuda' or 'cuda:N'")
    quality.set_defaults(run=_iou_quality)

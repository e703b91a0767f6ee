"""The ``ros-tracker`` command line."""

from __future__ import annotations

import argparse
from pathlib import Path
import sys

from ros_tracker.registry import tracker_names, TRACKERS
from ros_tracker.ros.demo import DEMO_VIDEO

#: The parameter files shipped with the package (one per tracker).
CONFIG = Path(__file__).resolve().parent.parent / 'config'


def _trackers(args: argparse.Namespace) -> int:
    for name in tracker_names():
        print(f'{name:14s} {TRACKERS[name].description}')
    return 0


def _demo(args: argparse.Namespace) -> int:
    from ros_tracker.ros.demo import run_demo  # the only subcommand that needs ROS
    return run_demo(args.tracker, args.video, args.output, args.rate, args.device, args.weights,
                    args.init_box, args.init_frame)


def _convert(args: argparse.Namespace) -> int:
    from ros_tracker.atom.checkpoint import CheckpointError, convert
    try:
        digest = convert(args.source, args.destination)
    except CheckpointError as error:
        print(f'ros-tracker convert: {error}', file=sys.stderr)
        return 1
    print(f'wrote {args.destination} (sha256 {digest})')
    return 0


def _benchmark(args: argparse.Namespace) -> int:
    from ros_tracker.evaluation.benchmark import load_split, markdown_report, run_sequence
    from ros_tracker.registry import BuildOptions, build_tracker, load_tracker_config

    sequences = load_split(args.data, args.split)
    weights = dict(item.split('=', 1) for item in args.weights)
    results = {}
    for name in args.trackers:
        config = load_tracker_config(CONFIG / f'{name}.yaml', name)
        options = BuildOptions(device=args.device, weights=weights.get(name, ''))
        runs = []
        for sequence in sequences:
            tracker = build_tracker(name, config, options)
            runs.append(run_sequence(tracker, sequence, args.max_frames))
            print(f'{name} {sequence.name}: AUC {runs[-1].accuracy.auc:.3f}', flush=True)
        results[name] = runs
    settings = {
        'command': 'ros-tracker ' + ' '.join(sys.argv[1:]) if sys.argv[1:] else 'ros-tracker',
        'data': f'{args.split} split of {Path(args.data).name}/ ({len(sequences)} sequences)',
        'device': args.device,
        'weights': ', '.join(f'{k}: {Path(v).name}' for k, v in weights.items())
                   or 'none (trackers that need weights ran with random ones)',
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(markdown_report(results, settings), encoding='utf-8')
    print(f'wrote {args.output}')
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='ros-tracker', description=__doc__)
    commands = parser.add_subparsers(dest='command', required=True)
    trackers = commands.add_parser('trackers', help='list the registered trackers')
    trackers.set_defaults(run=_trackers)
    demo = commands.add_parser(
        'demo', help='track a video through the ROS 2 node and record the result')
    demo.add_argument('--tracker', default='csrt', choices=tracker_names())
    demo.add_argument('--video', default=DEMO_VIDEO, help='video file (default: %(default)s)')
    demo.add_argument('--output', default='demo_output',
                      help='folder for tracking.avi, boxes.csv and overview.jpg')
    demo.add_argument('--rate', type=float, default=24.0, help='camera rate in Hz')
    demo.add_argument('--device', default='', help="'auto', 'cpu', 'cuda' or 'cuda:N'")
    demo.add_argument('--weights', default='', help='weights file for the tracker')
    demo.add_argument('--init-box', type=float, nargs=4, metavar=('X', 'Y', 'W', 'H'),
                      help='init box in pixels (default: the face in the demo video)')
    demo.add_argument('--init-frame', type=int, help='frame the init box is drawn on')
    demo.set_defaults(run=_demo)
    convert = commands.add_parser(
        'convert', help='check an official ATOM checkpoint (atom_default.pth) and save its '
                        'network weights as a plain weights-only file')
    convert.add_argument('source', help='official checkpoint, e.g. atom_default.pth')
    convert.add_argument('destination', help='output file, e.g. atom.pt')
    convert.set_defaults(run=_convert)
    benchmark = commands.add_parser(
        'benchmark', help='run trackers over annotated sequences and write a Markdown report')
    benchmark.add_argument('--trackers', nargs='+', default=['csrt', 'atom'],
                           choices=tracker_names())
    benchmark.add_argument('--data', default='../shared/data/sequences',
                           help='root of the uniform sequence layout (default: %(default)s)')
    benchmark.add_argument('--split', default='eval', choices=['eval', 'train', 'all'])
    benchmark.add_argument('--device', default='auto', help="'auto', 'cpu', 'cuda' or 'cuda:N'")
    benchmark.add_argument('--weights', nargs='*', default=[], metavar='TRACKER=PATH',
                           help='weights file per tracker, e.g. atom=atom.pt')
    benchmark.add_argument('--max-frames', type=int, help='frames per sequence (default: all)')
    benchmark.add_argument('--output', default='docs/benchmarks.md')
    benchmark.set_defaults(run=_benchmark)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == '__main__':
    sys.exit(main())

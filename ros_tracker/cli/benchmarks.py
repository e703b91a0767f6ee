"""The ``ros-tracker bench-*`` subcommands: the node measured over real DDS (their ROS code is
imported only when one runs)."""

from __future__ import annotations

import argparse
from pathlib import Path
import sys
from typing import Any, Callable

from ros_tracker.cli.options import add_tracker_and_data


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected WIDTHxHEIGHT, got {text!r}') from None
    if width <= 0 or height <= 0:
        raise argparse.ArgumentTypeError(f'width and height must be > 0, got {text!r}')
    return width, height


def _bench_settings(args: argparse.Namespace, size: tuple[int, int] | None = None,
                    rate_hz: float = 30.0) -> Any:
    """The node benchmarks' common settings, from their shared command-line options."""
    from ros_tracker.ros.node_benchmark import BenchSettings
    return BenchSettings(args.tracker, Path(args.dataset), args.sequence, Path(args.out),
                         args.layout, args.frames, size, rate_hz, args.device,
                         args.weights or '')


def _written(command: str, measure: Callable[[], Path]) -> int:
    """Run a benchmark and say which file it wrote, or why it failed (status 1)."""
    try:
        path = measure()
    except (RuntimeError, ValueError) as error:
        print(f'ros-tracker {command}: {error}', file=sys.stderr)
        return 1
    print(f'wrote {path}')
    return 0


def _bench_node(args: argparse.Namespace) -> int:
    from ros_tracker.ros.node_benchmark import run_node_benchmark
    settings = _bench_settings(args, args.size, args.rate)
    return _written('bench-node', lambda: run_node_benchmark(settings))


def _bench_callbacks(args: argparse.Namespace) -> int:
    from ros_tracker.ros.responsiveness import run_responsiveness
    settings = _bench_settings(args, rate_hz=args.rate)
    return _written('bench-callbacks', lambda: run_responsiveness(settings, args.cycles))


def _bench_reliability(args: argparse.Namespace) -> int:
    from ros_tracker.ros.reliability import ReliabilitySettings, run_reliability
    settings = ReliabilitySettings(_bench_settings(args), args.rate, args.load_seconds,
                                   args.soak_frames)
    return _written('bench-reliability', lambda: run_reliability(settings))


def _add_node_bench(commands: argparse._SubParsersAction, name: str, description: str,
                    sequence: str, frames: tuple[int | None, str], rate: tuple[float, str],
                    written: str) -> argparse.ArgumentParser:
    """A node benchmark's subcommand with the options all of them take; frames and rate are
    (default, help)."""
    parser = commands.add_parser(name, help=description)
    add_tracker_and_data(parser)
    parser.add_argument('--sequence', default=sequence,
                        help='DATASET/SEQUENCE to play (default: %(default)s)')
    parser.add_argument('--frames', type=int, default=frames[0],
                        help=frames[1] + ('' if frames[0] is None else ' (default: %(default)s)'))
    parser.add_argument('--rate', type=float, default=rate[0],
                        help=rate[1] + ' (default: %(default)s)')
    parser.add_argument('--out', required=True, help=f'folder for {written}')
    return parser


def add_benchmark_commands(commands: argparse._SubParsersAction) -> None:
    """bench-node, bench-callbacks and bench-reliability."""
    bench = _add_node_bench(
        commands, 'bench-node', 'play a sequence through the ROS 2 node over DDS (at a camera '
        'rate and at full speed) and compare with the bare tracker', 'OTB/Couple',
        (None, 'frames to play (default: all)'),
        (30.0, 'camera rate of the paced pass in Hz'), 'node_benchmark.json and node.log')
    bench.add_argument('--size', type=_size, default=(640, 480),
                       help='frame size the frames are resized to (default: 640x480)')
    bench.set_defaults(run=_bench_node)
    callbacks = _add_node_bench(
        commands, 'bench-callbacks', "time the node's answers to ~/reset and parameter gets "
        'while its tracker initializes and tracks (real frames over DDS)', 'VOT2015/ball1',
        (90, 'frames played per track'), (30.0, 'camera rate in Hz'),
        'callbacks.json and node.log')
    callbacks.add_argument('--cycles', type=int, default=4,
                           help='tracks started (default: %(default)s)')
    callbacks.set_defaults(run=_bench_callbacks)
    reliability = _add_node_bench(
        commands, 'bench-reliability', 'malformed input, a sustained load and a soak through '
        "the node over DDS, with the node's memory", 'OTB/Couple',
        (100, 'frames of it played in a loop'), (100.0, 'frames per second of the load'),
        'reliability.json and node.log')
    reliability.add_argument('--load-seconds', type=float, default=60.0,
                             help='duration of the load (default: %(default)s)')
    reliability.add_argument('--soak-frames', type=int, default=10_000,
                             help='frames of the soak (default: %(default)s)')
    reliability.set_defaults(run=_bench_reliability)

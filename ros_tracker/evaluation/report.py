"""docs/benchmarks.md and its plots, regenerated from the files `ros-tracker eval` and
`ros-tracker bench-node` write."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ros_tracker.evaluation.results import RESULTS_FILE, run_label

NODE_BENCHMARK_FILE = 'node_benchmark.json'
CALLBACKS_FILE = 'callbacks.json'
RELIABILITY_FILE = 'reliability.json'
PLOTS = {'success': 'plots/success.png', 'precision': 'plots/precision.png',
         'success_attributes': 'plots/success_attributes.png',
         'precision_attributes': 'plots/precision_attributes.png'}


def _load(directories: list[str | Path], name: str) -> list[dict[str, Any]]:
    paths = [Path(d) / name for d in directories]
    return [json.loads(p.read_text(encoding='utf-8')) for p in paths if p.is_file()]


def load_results(directories: list[str | Path]) -> list[dict[str, Any]]:
    """The results.json of every directory that has one."""
    return _load(directories, RESULTS_FILE)


def load_node_benchmarks(directories: list[str | Path]) -> list[dict[str, Any]]:
    """The node_benchmark.json of every directory that has one."""
    return _load(directories, NODE_BENCHMARK_FILE)


def load_callback_benchmarks(directories: list[str | Path]) -> list[dict[str, Any]]:
    """The callbacks.json of every directory that has one."""
    return _load(directories, CALLBACKS_FILE)


def load_reliability(directories: list[str | Path]) -> list[dict[str, Any]]:
    """The reliability.json of every directory that has one."""
    return _load(directories, RELIABILITY_FILE)


def _f(value: Any, digits: int) -> str:
    return 'n/a' if value is None or value != value else f'{value:.{digits}f}'


def _runs(results: list[dict[str, Any]]) -> list[str]:
    lines = []
    for result in results:
        versions = result['versions']
        bfloat16 = {True: ' (hardware bfloat16)', False: ' (no hardware bfloat16)'}.get(
            result.get('native_bfloat16'), '')
        label = run_label(result) + (' on absences' if 'absences' in result['overall'] else '')
        lines.append(
            f"- **{label}**: {result['date']}, {result['machine']}{bfloat16}, "
            f"device {result['device']}, torch {versions['torch']} "
            f"({versions['torch_threads']} threads), OpenCV {versions['opencv']}, "
            f"weights: {result.get('weights') or 'none'}, "
            f"data: {result.get('data', '')}, worker processes: {result.get('workers', 1)}")
    return lines


def _accuracy_table(results: list[dict[str, Any]]) -> list[str]:
    lines = ['| tracker | AUC | OP50 | OP75 | Prec@20px | norm. prec. | failures | mean IoU '
             '| lost P | lost R | lost F1 | fps | median ms | p90 ms | init ms |',
             '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|']
    for result in results:
        o = result['overall']
        lines.append(
            f"| {run_label(result)} | {_f(o['auc'], 3)} | {_f(o['op50'], 3)} | "
            f"{_f(o['op75'], 3)} | {_f(o['precision20'], 3)} | "
            f"{_f(o.get('norm_precision'), 3)} | {o.get('failures', 'n/a')} | "
            f"{_f(o.get('mean_iou'), 3)} | {_f(o['lost']['precision'], 2)} | "
            f"{_f(o['lost']['recall'], 2)} | {_f(o['lost']['f1'], 2)} | {_f(o['fps'], 1)} | "
            f"{_f(o['median_ms'], 1)} | {_f(o['p90_ms'], 1)} | {_f(o['init_ms'], 0)} |")
    return lines


def _absence_section(results: list[dict[str, Any]]) -> list[str]:
    """The lost flag around absences (results of ros-tracker eval --absences)."""
    if not results:
        return []
    lines = ['', '## Lost flag when the target leaves', '',
             'Sequences made from the same real frames in which the target leaves and returns '
             '(`ros-tracker eval --absences`: a scene cut to another video and back, a full '
             'occlusion by a region of another video, the camera panning away and back, and the '
             "data's own absences). `flagged ≤5`: absences flagged not found within 5 frames; "
             '`re-acquired ≤30`: found again (2 found frames in a row on the target) within 30 '
             'frames of its return; `false re-acq.`: after flagging, 2 found frames in a row '
             'before the target was back; delays are medians in frames.', '',
             '| tracker | absences | lost P | lost R | lost F1 | flagged ≤5 | flag delay '
             '| re-acquired ≤30 | re-acq. delay | false re-acq. | AUC |',
             '|---|---|---|---|---|---|---|---|---|---|---|']
    for result in results:
        o, a = result['overall'], result['overall']['absences']
        lines.append(
            f"| {result['tracker']} | {a['absences']} | {_f(o['lost']['precision'], 2)} | "
            f"{_f(o['lost']['recall'], 2)} | {_f(o['lost']['f1'], 2)} | "
            f"{_f(a['flagged_within_5'], 2)} | {_f(a['median_flag_delay'], 1)} | "
            f"{_f(a['reacquired_within_30'], 2)} | {_f(a['median_reacquire_delay'], 1)} | "
            f"{_f(a['false_reacquisitions'], 2)} | {_f(o['auc'], 3)} |")
    return lines


def _attribute_table(results: list[dict[str, Any]]) -> list[str]:
    names = sorted({a for r in results for a in r.get('attributes', {})})
    if not names:
        return []
    lines = ['', '## Per attribute (AUC)', '',
             'Mean AUC over the sequences carrying each challenge attribute (benchmark '
             'abbreviations; their count in brackets).', '',
             '| attribute | ' + ' | '.join(run_label(r) for r in results) + ' |',
             '|---|' + '---|' * len(results)]
    for name in names:
        count = max(len(r['attributes'][name]['sequences']) for r in results
                    if name in r.get('attributes', {}))
        cells = [_f(r.get('attributes', {}).get(name, {}).get('auc'), 3) for r in results]
        lines.append(f'| {name} ({count}) | ' + ' | '.join(cells) + ' |')
    return lines


def _sequence_table(results: list[dict[str, Any]]) -> list[str]:
    names = list(results[0]['sequences']) if results else []
    lines = ['', '## Per sequence (AUC)', '',
             '| sequence | ' + ' | '.join(run_label(r) for r in results) + ' |',
             '|---|' + '---|' * len(results)]
    for name in names:
        cells = [_f(r['sequences'].get(name, {}).get('auc'), 3) for r in results]
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    return lines


def _node_section(benchmarks: list[dict[str, Any]]) -> list[str]:
    if not benchmarks:
        return []
    lines = ['', '## ROS node overhead', '',
             'Frames played through the tracker node over real DDS by `ros-tracker bench-node` '
             '(image publisher and detection subscriber in one process, the node in another). '
             "Latency: image stamp to the detection's arrival. Added: the median latency minus "
             "the bare tracker's median time on the same frames (at full speed it includes the "
             'wait behind the frame before). At full speed the next frame is sent as soon as '
             'the one before the last is answered, so the node always has a frame waiting. '
             "Throughput: the node's fps relative to the smaller of the bare tracker's fps and "
             'the camera rate.', '',
             '| tracker | DDS profile | frames | camera | processed | dropped '
             '| latency median ms | latency p90 ms | added ms | fps | bare fps | throughput |',
             '|---|---|---|---|---|---|---|---|---|---|---|---|']
    for bench in benchmarks:
        bare = bench['bare']
        for mode in bench['modes']:
            lines.append(
                f"| {bench['tracker']} | {bench.get('dds_profile', 'default')} | "
                f"{bench['sequence']} {bench['frame_size']} | "
                f"{mode['camera']} | {mode['processed']} | {mode['dropped']} | "
                f"{_f(mode['latency_median_ms'], 1)} | {_f(mode['latency_p90_ms'], 1)} | "
                f"{_f(mode['added_latency_ms'], 1)} | {_f(mode['fps'], 1)} | "
                f"{_f(bare['fps'], 1)} | {_f(mode['throughput_ratio'], 3)} |")
    lines += ['']
    for bench in benchmarks:
        lines.append(f"- {bench['tracker']}: {bench['date']}, {bench['machine']}, device "
                     f"{bench['device']}, bare tracker median {_f(bench['bare']['median_ms'], 1)}"
                     f" ms over {bench['bare']['frames']} frames")
    return lines


def _callbacks_section(benchmarks: list[dict[str, Any]]) -> list[str]:
    if not benchmarks:
        return []
    lines = ['', '## Node responsiveness', '',
             'Time from a request to its answer over real DDS while the tracker works, by '
             '`ros-tracker bench-callbacks`: a parameter get every 20 ms, and `~/reset` once '
             'while a track initializes and once while it is tracked, over several tracks on '
             'real frames played at the camera rate. `initializing`: from the init box to its '
             'outcome; `tracking`: while the frames play.', '',
             '| tracker | frames | camera | phase | request | answers | median ms | p99 ms '
             '| max ms |', '|---|---|---|---|---|---|---|---|---|']
    for bench in benchmarks:
        for phase, requests in bench['requests'].items():
            for request, summary in requests.items():
                if not summary['count']:
                    continue
                lines.append(
                    f"| {bench['tracker']} | {bench['sequence']} {bench['frame_size']} | "
                    f"{bench['rate_hz']:g} Hz | {phase} | {request} | {summary['count']} | "
                    f"{_f(summary['median_ms'], 1)} | {_f(summary['p99_ms'], 1)} | "
                    f"{_f(summary['max_ms'], 1)} |")
    lines += ['']
    for bench in benchmarks:
        lines.append(f"- {bench['tracker']} (weights {bench['weights']}): {bench['date']}, "
                     f"{bench['machine']}, device {bench['device']}, {bench['cycles']} tracks")
    return lines


def _yes(value: bool) -> str:
    return 'yes' if value else '**no**'


def _reliability_section(benchmarks: list[dict[str, Any]]) -> list[str]:
    if not benchmarks:
        return []
    lines = ['', '## Reliability', '',
             'By `ros-tracker bench-reliability`, over real DDS with the node in its own '
             'process: every kind of malformed input while a target is tracked, then a '
             "sustained load and a soak on real frames, with the node's resident memory "
             '(RSS) before and after.', '']
    for bench in benchmarks:
        raw, compressed = bench['hostile_raw'], bench['hostile_compressed']
        load, soak = bench['load'], bench['soak']
        lines += [
            f"**{bench['tracker']}**, {bench['sequence']} {bench['frame_size']}; "
            f"{bench['date']}, {bench['machine']}:", '',
            f"- malformed raw images and init boxes ({len(raw['inputs'])}: "
            f"{', '.join(raw['inputs'])}): target kept {_yes(raw['target_kept'])}",
            f"- malformed compressed images ({len(compressed['inputs'])}: "
            f"{', '.join(compressed['inputs'])}): valid frames answered afterwards "
            f"{_yes(compressed['still_answering'])}",
            f"- load: {load['frames_sent']} frames at {load['rate_hz']:g} Hz for "
            f"{load['duration_s']:g} s, RSS {_f(load['rss_start_mb'], 0)} → "
            f"{_f(load['rss_end_mb'], 0)} MiB, a new track started afterwards "
            f"{_yes(load['still_tracking'])}",
            f"- soak: {soak['frames']} frames, each sent once the one before was answered, RSS "
            f"{_f(soak['rss_start_mb'], 0)} → {_f(soak['rss_end_mb'], 0)} MiB, a new track "
            f"started afterwards {_yes(soak['still_tracking'])}", '']
    return lines


def _calibration_section(results: list[dict[str, Any]],
                         absences: list[dict[str, Any]]) -> list[str]:
    """How well each tracker's confidence predicts that its box overlaps the target."""
    plain = {run_label(r): r['overall'].get('calibration', {}) for r in results}
    on_absences = {run_label(r): r['overall'].get('calibration', {}) for r in absences}
    rows = []
    for label in dict.fromkeys([*plain, *on_absences]):
        eval_split, generated = plain.get(label, {}), on_absences.get(label, {})
        if eval_split.get('frames') or generated.get('frames'):
            rows.append(f"| {label} | {_f(eval_split.get('ece'), 3)} | "
                        f"{_f(generated.get('ece'), 3)} |")
    if not rows:
        return []
    return ['', '## Confidence calibration', '',
            "Expected calibration error of each frame's confidence as the probability that "
            'the box overlaps the target (frames in ten bins of confidence; the frame-weighted '
            'gap between mean confidence and the fraction of overlapping frames): 0 for a '
            'confidence that means what it says. ATOM, CSRT, KCF and nano report the calibrated '
            'probability of docs/confidence.md.', '',
            '| tracker | ECE, eval split | ECE, absences |', '|---|---|---|', *rows]


def markdown_report(results: list[dict[str, Any]],
                    node_benchmarks: list[dict[str, Any]] | None = None,
                    plots: dict[str, str] | None = None,
                    callback_benchmarks: list[dict[str, Any]] | None = None,
                    reliability: list[dict[str, Any]] | None = None) -> str:
    """Tables of accuracy, lost-flag quality, speed and node overhead, with what they were
    measured on, and links to the plots given (name -> path relative to the report)."""
    absences = [r for r in results if 'absences' in r['overall']]
    results = [r for r in results if 'absences' not in r['overall']]
    lines = ['# Benchmarks', '', 'Generated by `ros-tracker eval`, `ros-tracker bench-node`, '
             '`bench-callbacks`, `bench-reliability` and `ros-tracker report` (all at once: '
             '`scripts/benchmarks.sh`); do not edit by hand.',
             '', '## Runs', '', *_runs(results + absences),
             '', '## One-pass accuracy and speed', '',
             'Accuracy is averaged over sequences; speed is the tracker alone (frames already '
             'decoded). `norm. prec.`: area under the precision curve of the centre error in '
             "units of the target's size (0 to 0.5). `failures` and `mean IoU`: the reset "
             'protocol (re-initialized 5 frames after each loss of overlap, 10 burn-in frames '
             'not scored). `lost P/R/F1`: the not-found flag as a detector of frames where the '
             'box misses the target (IoU 0) or the target is absent.', '',
             *_accuracy_table(results), *_absence_section(absences),
             *_calibration_section(results, absences)]
    plots = plots or {}
    if 'success' in plots:
        lines += ['', f"![success plot]({plots['success']}) "
                      f"![precision plot]({plots['precision']})"]
    staged = [r for r in results if r['overall'].get('stage_ms')]
    if staged:
        lines += ['', '## Median time per stage (ms per frame)', '']
        for result in staged:
            stages = result['overall']['stage_ms']
            lines.append(f'- {run_label(result)}: '
                         + ', '.join(f'{name} {_f(ms, 1)}' for name, ms in stages.items()))
    lines += _attribute_table(results)
    if 'success_attributes' in plots:
        lines += ['', f"![success per attribute]({plots['success_attributes']})"]
    lines += _sequence_table(results)
    lines += _node_section(node_benchmarks or [])
    lines += _callbacks_section(callback_benchmarks or [])
    lines += _reliability_section(reliability or [])
    return '\n'.join(lines) + '\n'


def write_report(directories: list[str | Path], out: str | Path) -> Path:
    """Write out/benchmarks.md and out/plots/*.png from the given result directories."""
    from ros_tracker.evaluation.plots import attribute_plot, overall_plot, PRECISION, SUCCESS

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results = load_results(directories)
    tracked = [r for r in results if 'absences' not in r['overall']]
    written = {}
    if tracked:
        for name, kind in (('success', SUCCESS), ('precision', PRECISION)):
            overall_plot(tracked, kind, out / PLOTS[name])
            written[name] = PLOTS[name]
            if attribute_plot(tracked, kind, out / PLOTS[f'{name}_attributes']) is not None:
                written[f'{name}_attributes'] = PLOTS[f'{name}_attributes']
    path = out / 'benchmarks.md'
    path.write_text(markdown_report(results, load_node_benchmarks(directories), written,
                                    load_callback_benchmarks(directories),
                                    load_reliability(directories)), encoding='utf-8')
    return path

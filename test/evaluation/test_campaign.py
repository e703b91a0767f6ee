import json

from ros_tracker.datasets.sequence import read_uniform_sequence
from ros_tracker.evaluation.campaign import cache_path, evaluate, Evaluation
from ros_tracker.registry import BuildOptions, load_tracker_config
from ros_tracker.share import config_file
from scenes import write_sequence

CSRT = Evaluation('csrt', load_tracker_config(config_file('csrt'), 'csrt'), BuildOptions())


def sequences(root):
    for name in ('square', 'other'):
        write_sequence(root / 'Synthetic' / name, frames=16)
    return [read_uniform_sequence(root / 'Synthetic' / name) for name in ('square', 'other')]


def boxes(outcomes):
    return [outcome.run.boxes for outcome in outcomes]


def test_outcomes_are_cached_and_reused(tmp_path):
    data = sequences(tmp_path / 'data')
    first = evaluate(CSRT, data, tmp_path / 'cache', show_progress=False)
    assert [o.cached for o in first] == [False, False]
    again = evaluate(CSRT, data, tmp_path / 'cache', show_progress=False)
    assert [o.cached for o in again] == [True, True]
    assert boxes(again) == boxes(first)
    assert [repr(o.run.accuracy) for o in again] == [repr(o.run.accuracy) for o in first]
    assert [o.reset for o in again] == [o.reset for o in first]
    assert again[0].run.signals == first[0].run.signals and len(first[0].run.signals) == 15
    assert first[0].reset.scored_frames == 15 - 10  # 15 tracked frames, 10 of them burn-in
    fresh = evaluate(CSRT, data, tmp_path / 'cache', fresh=True, show_progress=False)
    assert [o.cached for o in fresh] == [False, False]


def test_a_different_setting_or_ground_truth_invalidates_the_cache(tmp_path):
    data = sequences(tmp_path / 'data')
    evaluate(CSRT, data, tmp_path / 'cache', show_progress=False)
    changed = Evaluation('csrt', {**CSRT.config, 'padding': 2.5}, CSRT.options)
    assert [o.cached for o in evaluate(changed, data, tmp_path / 'cache',
                                       show_progress=False)] == [False, False]
    limited = Evaluation('csrt', CSRT.config, CSRT.options, max_frames=4)
    outcomes = evaluate(limited, data, tmp_path / 'cache', show_progress=False)
    assert not outcomes[0].cached and len(outcomes[0].run.boxes) == 4
    truth = tmp_path / 'data' / 'Synthetic' / 'other' / 'groundtruth.txt'
    truth.write_text(truth.read_text().replace('nan,nan,nan,nan', '1,1,5,5'))
    data[1] = read_uniform_sequence(truth.parent)
    assert [o.cached for o in evaluate(limited, data, tmp_path / 'cache',
                                       show_progress=False)] == [True, False]


def test_an_interrupted_evaluation_resumes_with_the_missing_sequences(tmp_path):
    data = sequences(tmp_path / 'data')
    evaluate(CSRT, data[:1], tmp_path / 'cache', show_progress=False)
    record = json.loads(cache_path(tmp_path / 'cache', data[0]).read_text())
    assert record['key']['sequence'] == 'Synthetic/square' and len(record['boxes']) == 16
    reported = []
    outcomes = evaluate(CSRT, data, tmp_path / 'cache', show_progress=False,
                        report=lambda o: reported.append((o.run.sequence, o.cached)))
    assert [o.cached for o in outcomes] == [True, False]
    assert reported == [('Synthetic/square', True), ('Synthetic/other', False)]


def test_a_corrupt_cache_file_is_run_again(tmp_path):
    data = sequences(tmp_path / 'data')[:1]
    evaluate(CSRT, data, tmp_path / 'cache', show_progress=False)
    cache_path(tmp_path / 'cache', data[0]).write_text('{"key": ')
    assert not evaluate(CSRT, data, tmp_path / 'cache', show_progress=False)[0].cached


def test_worker_processes_give_the_serial_results(tmp_path):
    data = sequences(tmp_path / 'data')
    serial = evaluate(CSRT, data, tmp_path / 'serial', show_progress=False)
    parallel = evaluate(CSRT, data, tmp_path / 'parallel', workers=2, show_progress=False)
    assert [o.run.sequence for o in parallel] == ['Synthetic/square', 'Synthetic/other']
    assert boxes(parallel) == boxes(serial)
    assert [o.reset for o in parallel] == [o.reset for o in serial]


def test_a_new_calibration_rescores_the_cached_runs(tmp_path):
    data = sequences(tmp_path / 'data')
    first = evaluate(CSRT, data, tmp_path / 'cache', show_progress=False)
    for threshold, flag in ((1.0, False), (0.0, True)):
        changed = Evaluation('csrt', {**CSRT.config, 'min_probability': threshold},
                             CSRT.options)
        again = evaluate(changed, data, tmp_path / 'cache', show_progress=False)
        assert [o.cached for o in again] == [True, True]
        assert boxes(again) == boxes(first)
        assert again[0].run.found == [True] + [flag] * 15

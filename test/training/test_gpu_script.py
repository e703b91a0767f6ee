"""scripts/train_gpu.sh, the one-GPU training, wired end to end: two steps of each run on the
CPU (SMOKE=1) must leave weights, curves and wall times where the script says."""

import os
from pathlib import Path
import subprocess
import sys

ROOT = Path(__file__).resolve().parents[2]


def test_the_gpu_training_script_runs_every_stage_and_writes_its_outputs(shared_sequences,
                                                                         tmp_path):
    out = tmp_path / 'gpu'
    env = {**os.environ, 'SMOKE': '1', 'PYTHON': sys.executable,
           'SHARED': str(shared_sequences.parent.parent)}
    result = subprocess.run(['bash', 'scripts/train_gpu.sh', str(out), 'atom', 'dense_re3'],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    # atom needs the distilled backbone, so the script trained it first.
    for run in ('atom_backbone', 'atom', 'dense_re3'):
        assert (out / run / 'weights.pt').is_file() and (out / f'{run}.png').is_file()
        assert 'samples_per_s' in (out / run / 'metrics.csv').read_text().splitlines()[0]
    assert (out / 'dense_re3' / 'best.pt').is_file()
    assert [line.split()[0] for line in (out / 'wall_times.txt').read_text().splitlines()] \
        == ['atom_backbone', 'atom', 'dense_re3']

#!/usr/bin/env bash
# The CUDA check of the network trackers, for a machine with a CUDA GPU. Run it from the
# repository root with a Python that has PyTorch with CUDA, OpenCV, PyYAML, tqdm, matplotlib and
# pytest (the ROS 2 wheels are not needed):
#   scripts/device_check.sh OUT [DATA]
# DATA: the annotated sequences (default ../shared/data/sequences; SEQUENCES picks them,
# MAX_FRAMES shortens them).
#   1. every CUDA test (pytest -m cuda): none may skip;
#   2. ATOM and DenseRe3 evaluated on the GPU in float32 and in half precision, and on the CPU;
#      `ros-tracker agree` checks that GPU float32 boxes agree with the CPU's and half with
#      float32 (median IoU per sequence >= MIN_IOU, default 0.5: tracking is chaotic, one
#      different decision early on moves every later box, so frame-exact equality is not
#      expected);
#   3. the GPU speed of every network tracker in both precisions (the eval's speed columns);
#   4. bench-node with --device cuda where rclpy imports; otherwise it says so.
# OUT gets few files (what a device run can send back): cuda_tests.txt, agreement.txt,
# benchmarks.md (ros-tracker report of every run), node_benchmark.json where step 4 ran, and
# results.tar.gz (every run's results.json and boxes). DEVICE=cpu runs the same steps on the
# CPU, to check the script itself (the CUDA tests then skip and the run fails on that).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mkdir -p "${1:?usage: scripts/device_check.sh OUT [DATA]}" && cd "$1" && pwd)
data=${2:-../shared/data/sequences}
python=${PYTHON:-python3}
device=${DEVICE:-cuda}
sequences=${SEQUENCES:-VOT2015/ball1,OTB/Couple,DTB70/Surfing06}
min_iou=${MIN_IOU:-0.5}
frames=(); [ -n "${MAX_FRAMES:-}" ] && frames=(--max-frames "$MAX_FRAMES")
work=$(mktemp -d)
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
cli=("$python" -m ros_tracker.cli)
say() { printf '[device_check] %s\n' "$*"; }

"$python" -c 'import torch; print("torch", torch.__version__, "CUDA", torch.cuda.is_available(),
      torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")'

say "1. CUDA tests"
status=0
"$python" -m pytest -p no:cacheprovider -m cuda -rs test/atom/test_prroi_pool.py \
  test/training/test_atom_training.py test/test_cuda_trackers.py > "$out/cuda_tests.txt" 2>&1 \
  || status=1
tail -3 "$out/cuda_tests.txt"
if grep -q 'SKIPPED' "$out/cuda_tests.txt"; then say "CUDA tests were skipped"; status=1; fi

say "2-3. eval on $device (float32, half) and on the CPU: $sequences"
evaluate() {  # tracker device label [--half]
  "${cli[@]}" eval --tracker "$1" --device "$2" --dataset "$data" --sequences "$sequences" \
    "${frames[@]}" --no-progress --out "$work/$3" "${@:4}" > "$work/$3.log" 2>&1 \
    || { cat "$work/$3.log"; exit 1; }
}
runs=()
for tracker in atom dense_re3 residual_re3 re3; do
  evaluate "$tracker" "$device" "$tracker-$device"
  evaluate "$tracker" "$device" "$tracker-$device-half" --half
  runs+=("$work/$tracker-$device" "$work/$tracker-$device-half")
done
: > "$out/agreement.txt"
for tracker in atom dense_re3; do
  evaluate "$tracker" cpu "$tracker-cpu"
  runs+=("$work/$tracker-cpu")
  for pair in "$tracker-$device $tracker-cpu" "$tracker-$device-half $tracker-$device"; do
    set -- $pair
    echo "== $1 against $2" >> "$out/agreement.txt"
    "${cli[@]}" agree "$work/$1" "$work/$2" --min-median-iou "$min_iou" \
      >> "$out/agreement.txt" 2>&1 || status=1
  done
done
cat "$out/agreement.txt"
"${cli[@]}" report "${runs[@]}" --out "$work/report" > /dev/null
cp "$work/report/benchmarks.md" "$out/benchmarks.md"
tar -czf "$out/results.tar.gz" -C "$work" --exclude cache --exclude report --exclude '*.log' .

say "4. bench-node on $device"
if "$python" -c 'import rclpy, vision_msgs' 2>/dev/null; then
  "${cli[@]}" bench-node --tracker atom --device "$device" --dataset "$data" --frames 60 \
    --out "$work/node-atom" || status=1
  cp "$work/node-atom/node_benchmark.json" "$out/" 2>/dev/null || true
else
  say "rclpy or vision_msgs does not import here: bench-node left out (it needs ROS 2)"
fi
rm -rf "$work"
exit $status

#!/usr/bin/env bash
# Training on one CUDA GPU from ../shared data, each run followed by its learning curves:
#   atom_backbone   ATOM's ResNet-18 distilled from NanoTrack v2's backbone (the teacher runs in
#                   OpenCV on the CPU)
#   atom            ATOM's IoU-Net on that frozen backbone, with random regions of opencv-doc's
#                   images and object cut-outs (tuxpaint-stamps-default) as extra targets, where
#                   those Debian packages are installed
#   re3, residual_re3, dense_re3
#                   the Re3 family, one budget and recipe for all three (the DenseRe3 paper's
#                   Table 1), from the stay-where-you-started tracker, selected by held-out
#                   tracking (best.pt)
# Train split only (the eval split is never used), validated on two train-split sequences.
# Usage: scripts/train_gpu.sh OUT [RUN ...]   (default: every run above, in that order)
# OUT/<run>/ holds weights.pt, best.pt (Re3 family), metrics.csv (samples_per_s is the
# throughput), settings.json; OUT/<run>.png the curves; OUT/wall_times.txt each run's wall time.
# STEPS_SCALE=0.5 halves every run's steps. SMOKE=1 runs two steps of each on the CPU with tiny
# batches: it checks the wiring (the test suite runs it), it trains nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/train_gpu.sh OUT [RUN ...]}
shift
runs=("${@:-atom_backbone atom re3 residual_re3 dense_re3}")
cli=(${PYTHON:-.venv/bin/python} -m ros_tracker.cli)
shared=${SHARED:-../shared}
data=$shared/data/sequences
teacher=$shared/peers/nanotrack/nanotrack_v2_backbone.onnx
images=${OPENCV_SAMPLES:-/usr/share/doc/opencv-doc/examples}
cutouts=${CUTOUTS:-/usr/share/tuxpaint/stamps}
train=DTB70/MountainBike6,UAVDT/S0601,UAVDT/S0310,UAVDT/S1301,UAV123_10fps/wakeboard7
train+=,UAV123_10fps/building5,UAV123_10fps/wakeboard10,UAV123_10fps/truck2
train+=,UAV123_10fps/wakeboard3,UAV123_10fps/person12_1
held_out=DTB70/Gull2,UAV123_10fps/boat1
mkdir -p "$out"

if [ "${SMOKE:-0}" = 1 ]; then
  device=cpu workers=0
  steps() { echo 2; }
  sizes=(--set batch_size=2 --set val_samples=2)
  re3_sizes=(--set batch_size=2 --set val_samples=2 --set val_frames=4)
  distill_sizes=(--set batch_size=2 --set val_samples=2 --set statistics_samples=2)
else
  device=cuda workers=${WORKERS:-8}
  steps() { awk -v s="$1" -v k="${STEPS_SCALE:-1}" 'BEGIN { printf "%d", s * k }'; }
  sizes=(--set batch_size=64 --set val_samples=256)
  re3_sizes=(--set batch_size=32 --set min_batch_size=8 --set val_samples=64
             --set min_stage_steps=400 --set val_sequences=2)
  distill_sizes=(--set batch_size=64)
fi

train_run() {  # run name, model, step count, title, then ros-tracker train options
  local name=$1 model=$2 count started
  count=$(steps "$3")
  shift 3
  local title=$1
  shift
  started=$(date +%s)
  "${cli[@]}" train "$model" --device "$device" --workers "$workers" --no-progress \
    --data "uniform:$data:$train" --val-data "uniform:$data:$held_out" --out "$out/$name" \
    --steps "$count" --log-every 10 --val-every "$(( count / 5 > 0 ? count / 5 : 1 ))" \
    --checkpoint-every 200 "$@"
  echo "$name $(( $(date +%s) - started )) s" >> "$out/wall_times.txt"
  "${cli[@]}" plot-training "$out/$name" --out "$out/$name.png" --title "$title"
}

for run in ${runs[*]}; do
  case $run in
    atom_backbone)
      train_run atom_backbone atom_backbone 3000 'ResNet-18 distilled from NanoTrack v2, GPU' \
        --teacher "$teacher" "${distill_sizes[@]}" ;;
    atom)
      [ -f "$out/atom_backbone/weights.pt" ] || "$0" "$out" atom_backbone
      extra=(); [ -d "$images" ] && extra=(--data "images:$images" --set still_probability=0.5)
      [ -d "$cutouts" ] && extra+=(--data "cutouts:$cutouts:train")
      train_run atom atom 3000 'ATOM IoU-Net on the distilled backbone, GPU' \
        --backbone "$out/atom_backbone/weights.pt" "${extra[@]}" "${sizes[@]}" \
        --set steps_per_epoch=500 --set lr_decay_epochs=3 --set weight_decay=1e-4 ;;
    re3|residual_re3|dense_re3)
      train_run "$run" "$run" 2000 "$run, GPU, the shared recipe" "${re3_sizes[@]}" \
        --set lr=1e-4 --set patience=2 --set start_at_previous_box=true ;;
    *) echo "unknown run $run (atom_backbone, atom, re3, residual_re3 or dense_re3)" >&2
       exit 2 ;;
  esac
done

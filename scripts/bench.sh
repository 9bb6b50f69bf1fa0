#!/usr/bin/env bash
# Reproduces the figures in BENCHMARKS.md on this machine (release build; run on an idle box).
# Usage: scripts/bench.sh [all|train|speed|reference|latency]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
shared=${SHARED:-../shared/isaac}
bin=target/release/isaac-lens
export ISAAC_LENS_DATA=${ISAAC_LENS_DATA:-$PWD/out/bench-data}
mkdir -p out
"$bin" catalog list >/dev/null 2>&1 || "$bin" catalog import --huiji "$shared/huiji" --eid "$shared/eid"

if [ "$what" = all ] || [ "$what" = train ]; then
  echo "== default recipe: wall time, validation, real captures"
  start=$(date +%s.%N)
  "$bin" train --out out/bench-model
  end=$(date +%s.%N)
  echo "wall: $(echo "$end - $start" | bc) s (process start to checkpoint saved)"
  "$bin" eval --model out/bench-model --labels "$shared/real-examples/labels.csv"
fi

if [ "$what" = all ] || [ "$what" = speed ]; then
  cargo build --release --example bench_engine >/dev/null
  for t in 1 2; do
    for p in f32 bf16; do
      echo "== Rust engine, compact, torch threads $t, training in $p"
      target/release/examples/bench_engine all --threads "$t" --batch 128 --precision "$p"
    done
  done
  for t in 1 2; do
    for p in f32 bf16; do
      echo "== Rust engine, vgg16 (the notebook's), torch threads $t, training in $p"
      target/release/examples/bench_engine all --arch vgg16 --threads "$t" --batch 64 --precision "$p"
    done
  done
  echo "== training loop with live synthesis, vgg16, 1 minute"
  "$bin" train --arch vgg16 --minutes 1 --validation-per-class 1 --out out/bench-vgg16 2>&1 | grep -E "images/s|validation"
fi

if [ "$what" = all ] || [ "$what" = reference ]; then
  # Python torch needs the full CUDA wheel set to import, even on a CPU.
  if [ ! -d .deps/torch-py/torch ]; then
    python3 -m pip install -q --disable-pip-version-check --no-compile --target .deps/torch-py torch==2.13.0
  fi
  # f32 as written, f32 with the Rust engine's NHWC input layout, and bf16 under autocast.
  for t in 1 2; do
    for mode in "" "--channels-last" "--channels-last --bf16"; do
      echo "== PyTorch reference, compact, threads $t $mode"
      PYTHONPATH=.deps/torch-py python3 training/reference.py --arch compact --threads "$t" --batch 128 $mode
      echo "== PyTorch reference, vgg16, threads $t $mode"
      PYTHONPATH=.deps/torch-py python3 training/reference.py --arch vgg16 --threads "$t" --batch 64 $mode
    done
  done
fi

if [ "$what" = all ] || [ "$what" = latency ]; then
  echo "== process start to first prediction (5 runs)"
  for i in 1 2 3 4 5; do
    s=$(date +%s.%N)
    "$bin" predict --model out/bench-model --json --top 1 "$shared/real-examples/test_00013.png" >/dev/null
    e=$(date +%s.%N)
    echo "run $i: $(echo "$e - $s" | bc) s"
  done
fi

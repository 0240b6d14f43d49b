#!/usr/bin/env bash
# Benchmark P1: Argus vs the Python onnxruntime pipeline on the same models, inputs and thread count.
# Usage: bench/pipeline/run.sh [ROUNDS] [THREADS]   (defaults 5 and 1)
# THREADS bounds ONNX Runtime on both sides and numpy's BLAS on the Python side.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}
threads=${2:-1}
python=${ARGUS_VENV:-$HOME/.cache/argus/venv}/bin/python
photos=${ARGUS_PHOTOS_DIR:-$HOME/.cache/argus/photos}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release -q -p argus-bench-pipeline --bin p1-argus
"$python" bench/pipeline/make_inputs.py "$photos" "$work/inputs"
"${CARGO_TARGET_DIR:-target}/release/p1-argus" "$work/inputs" "$work/argus.json" "$rounds" "$threads"
OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads "$python" bench/pipeline/python_pipeline.py "$work/inputs" "$work/python.json" "$rounds" "$threads"
mkdir -p bench/results
"$python" bench/pipeline/compare.py "$work/argus.json" "$work/python.json" "bench/results/p1-$(date +%F).md" \
    "bench/pipeline/run.sh $rounds $threads"

#!/usr/bin/env bash
# Benchmark E1: Argus's attribute estimators vs the same networks in Python onnxruntime, same samples and threads.
# Usage: bench/pipeline/estimators.sh [ROUNDS] [THREADS]   (defaults 5 and 1)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}
threads=${2:-1}
python=${ARGUS_VENV:-$HOME/.cache/argus/venv}/bin/python
photos=${ARGUS_PHOTOS_DIR:-$HOME/.cache/argus/photos}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release -q -p argus-bench-pipeline --bin e1-argus
"${CARGO_TARGET_DIR:-target}/release/e1-argus" "$photos" "$work" "$rounds" "$threads"
OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads "$python" bench/pipeline/python_estimators.py "$work" "$rounds" "$threads"
mkdir -p bench/results
"$python" bench/pipeline/compare_estimators.py "$work/argus.json" "$work/python.json" \
    "bench/results/e1-$(date +%F).md" "bench/pipeline/estimators.sh $rounds $threads"

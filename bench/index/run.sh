#!/usr/bin/env bash
# Benchmark M1: Argus index vs FAISS IndexFlatIP, same data, same thread count, side by side in one run.
# Usage: bench/index/run.sh [THREADS] [SIZES]   (defaults: all cores; "100000:128 100000:512 1000000:128 1000000:512")
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=${1:-$(nproc)}
sizes=${2:-"100000:128 100000:512 1000000:128 1000000:512"}
python=${ARGUS_VENV:-$HOME/.cache/argus/venv}/bin/python
"$python" -c "import faiss" 2>/dev/null || "$python" -m pip install -q faiss-cpu==1.15.1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release -q -p argus-bench-index --bin m1-index
reports=()
for size in $sizes; do
    n=${size%%:*}
    dim=${size##*:}
    dir="$work/$n-$dim"
    storages="f32"
    [ "$n" -ge 1000000 ] && storages="f32 f16 i8"
    for storage in $storages; do
        echo "m1: argus n=$n d=$dim $storage" >&2
        "${CARGO_TARGET_DIR:-target}/release/m1-index" "$dir" "$n" "$dim" "$threads" "$storage" "$dir/argus-$storage.json"
        reports+=("$dir/argus-$storage.json")
    done
    echo "m1: faiss n=$n d=$dim" >&2
    "$python" bench/index/faiss_anchor.py "$dir" "$n" "$dim" "$threads" "$dir/faiss.json"
    reports+=("$dir/faiss.json")
    rm -f "$dir/data.f32"
done
mkdir -p bench/results
"$python" bench/index/report.py "bench/results/m1-$(date +%F).md" "bench/index/run.sh $threads \"$sizes\"" "${reports[@]}"

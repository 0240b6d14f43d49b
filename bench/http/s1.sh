#!/usr/bin/env bash
# Benchmark S1(a): durable event ingest through POST /6/events, one row per batch size.
# Usage: bench/http/s1.sh [PROFILE] [CONCURRENCY] [SECONDS]   (defaults release, 8, 20; PROFILE release or debug)
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=${1:-release}
concurrency=${2:-8}
seconds=${3:-20}
flag=$([ "$profile" = release ] && echo --release || true)
cargo build $flag -q -p argus-server --bin argus -p argus-bench-http --bin s1-events
dir=target/$profile
mkdir -p bench/results
out="bench/results/s1-$(date +%F).md"
{
    echo "# S1(a) — POST /6/events over HTTP, $(date +%F), git $(git rev-parse --short HEAD), $profile build"
    echo
    echo "Command: \`bench/http/s1.sh $profile $concurrency $seconds\` (server and load generator on the same $(nproc)-core machine)."
    echo
    for batch in 1 10 100; do
        "$dir/s1-events" "$dir/argus" "$concurrency" "$seconds" "$batch" | { [ "$batch" = 1 ] && cat || tail -n 1; }
    done
} | tee "$out"

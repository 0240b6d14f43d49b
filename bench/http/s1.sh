#!/usr/bin/env bash
# Benchmark S1: (a) durable event ingest through POST /6/events, one row per batch size, and through a handler
# that extracts a descriptor from warps; (b) filtered GET /6/events (time range + tag + meta) over EVENTS stored
# events. The handler row reads obama.jpg from ARGUS_PHOTOS_DIR (`make models` fetches it).
# Usage: bench/http/s1.sh [PROFILE] [CONCURRENCY] [SECONDS] [EVENTS]   (defaults release, 8, 20, 1000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=${1:-release}
concurrency=${2:-8}
seconds=${3:-20}
events=${4:-1000000}
photos=${ARGUS_PHOTOS_DIR:-$HOME/.cache/argus/photos}
flag=$([ "$profile" = release ] && echo --release || true)
cargo build $flag -q -p argus-server --bin argus -p argus-bench-http --bin s1-events --bin s1-handler --bin s1-search
dir=${CARGO_TARGET_DIR:-target}/$profile
mkdir -p bench/results
out="bench/results/s1-$(date +%F).md"
{
    echo "# S1 — events over HTTP, $(date +%F), git $(git rev-parse --short HEAD), $profile build"
    echo
    echo "Command: \`bench/http/s1.sh $profile $concurrency $seconds $events\` (server and load generator on the same $(nproc)-core machine)."
    echo
    echo "## (a) POST /6/events"
    echo
    for batch in 1 10 100 1000; do
        "$dir/s1-events" "$dir/argus" "$concurrency" "$seconds" "$batch" | { [ "$batch" = 1 ] && cat || tail -n 1; }
    done
    echo
    echo "## (a) POST /6/handlers/{id}/events, 8 warps per request, descriptor extraction"
    echo
    "$dir/s1-handler" "$dir/argus" "$photos/obama.jpg" "$concurrency" "$seconds" 8
    echo
    echo "## (b) GET /6/events with a one-day range, a tag and a meta filter"
    echo
    "$dir/s1-search" "$dir/argus" "$events" "$concurrency" "$seconds"
} | tee "$out"

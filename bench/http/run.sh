#!/usr/bin/env bash
# Benchmark H1: matcher throughput and latency over HTTP against N enrolled faces in one list.
# Usage: bench/http/run.sh [N] [CONCURRENCY] [SECONDS]   (defaults 100000, 16, 30)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-100000}
concurrency=${2:-16}
seconds=${3:-30}
cargo build --release -q -p argus-server --bin argus -p argus-bench-http --bin h1-matcher
mkdir -p bench/results
out="bench/results/h1-$(date +%F).md"
{
    echo "# H1 — POST /6/matcher/faces over HTTP, $(date +%F), git $(git rev-parse --short HEAD)"
    echo
    echo "Command: \`bench/http/run.sh $n $concurrency $seconds\` (server and load generator on the same $(nproc)-core machine)."
    echo
    "${CARGO_TARGET_DIR:-target}/release/h1-matcher" "${CARGO_TARGET_DIR:-target}/release/argus" "$n" "$concurrency" "$seconds"
} | tee "$out"

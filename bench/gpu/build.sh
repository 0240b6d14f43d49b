#!/usr/bin/env bash
# Builds what bench/gpu/run.sh runs into bench/gpu/bin/ (ignored by git): the M2 benchmark and the
# kernel test binary built for CUDA (`--features cuda-tests`), both release and stripped, so a
# GPU machine without a Rust toolchain can run them (`run.sh` uses them when they are there).
# Usage: bash bench/gpu/build.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=bench/gpu/bin
mkdir -p "$BIN"
cargo build --release -p argus-kernels --example m2_bench
cp "${CARGO_TARGET_DIR:-target}/release/examples/m2_bench" "$BIN/m2_bench"
TESTS=$(cargo test --release -p argus-kernels --features cuda-tests --no-run --message-format=json \
    | python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "main":
        print(m["executable"])')
cp "$TESTS" "$BIN/kernel_tests_cuda"
strip "$BIN/m2_bench" "$BIN/kernel_tests_cuda"
ls -l "$BIN"

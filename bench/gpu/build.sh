#!/usr/bin/env bash
# Builds what bench/gpu/run.sh runs into bench/gpu/bin/ (ignored by git): the M2 benchmark, the
# kernel test binary built for CUDA (`--features cuda-tests`) and the engine test binary (its
# Burn tests compare the networks on CUDA with ONNX Runtime on the CPU), all release and stripped,
# so a GPU machine without a Rust toolchain can run them (`run.sh` uses them when they are there); and P2's
# `p2-argus` (bench/pipeline/src/p2.rs), with facenet-pytorch unpacked into bench/gpu/pylib/ (ignored by git) for
# P2's PyTorch side on a machine that has torch but not that package (the wheel from ~/.cache/argus/dl when
# `make setup` left it there, else from PyPI; `--no-deps`: torch, torchvision and onnx must be there already).
# The engine's Burn networks are generated from the ONNX files of `make models`: run it first,
# and give the GPU machine the same models directory (ARGUS_MODELS_DIR), `.bpk` files included.
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
ENGINE_TESTS=$(cargo test --release -p argus-engine --test engine --no-run --message-format=json \
    | python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "engine":
        print(m["executable"])')
cp "$ENGINE_TESTS" "$BIN/engine_tests"
cargo build --release -p argus-bench-pipeline --bin p2-argus
cp "${CARGO_TARGET_DIR:-target}/release/p2-argus" "$BIN/p2-argus"
strip "$BIN/m2_bench" "$BIN/kernel_tests_cuda" "$BIN/engine_tests" "$BIN/p2-argus"
FACENET_WHEEL="$HOME/.cache/argus/dl/facenet_pytorch-2.6.0-py3-none-any.whl"
[[ -f "$FACENET_WHEEL" ]] || FACENET_WHEEL="facenet-pytorch==2.6.0"
rm -rf bench/gpu/pylib
python3 -m pip install -q --no-deps --target bench/gpu/pylib "$FACENET_WHEEL"
ls -l "$BIN"

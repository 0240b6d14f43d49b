#!/usr/bin/env bash
# Stages the Docker build context of the CPU image: the release binary, the converted models (checked against
# their pinned checksums by `make models`) and the ONNX Runtime library from the project venv.
#   bash docker/stage.sh [--build] [CONTEXT_DIR]
# Without --build it only fills CONTEXT_DIR (default target/docker), which is also a runnable layout:
#   ORT_DYLIB_PATH=CONTEXT_DIR/ort/libonnxruntime.so CONTEXT_DIR/argus serve --models-dir CONTEXT_DIR/models
set -euo pipefail
cd "$(dirname "$0")/.."
build=0
if [ "${1:-}" = "--build" ]; then
    build=1
    shift
fi
context="${1:-target/docker}"
cache="${ARGUS_CACHE:-$HOME/.cache/argus}"
models="${ARGUS_MODELS_DIR:-$cache/models}"
venv="${VENV:-$cache/venv}"

make models build-release
ort_lib=$(ls "$venv"/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so.* | sort | tail -n 1)
[ -f "$ort_lib" ] || { echo "stage: no libonnxruntime.so in $venv (run make setup)" >&2; exit 1; }

rm -rf "$context"
mkdir -p "$context/models" "$context/ort"
cp docker/Dockerfile "$context/"
cp "${CARGO_TARGET_DIR:-target}/release/argus" "$context/"
cp "$models"/*.onnx "$models"/manifest.json "$context/models/"
cp "$ort_lib" "$context/ort/libonnxruntime.so"
echo "stage: context in $context ($(du -sh "$context" | cut -f1))"

if [ "$build" -eq 1 ]; then
    docker build -t argus:cpu "$context"
fi

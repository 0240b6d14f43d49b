#!/usr/bin/env bash
# Benchmark P2: decode + detect + align + extract from JPEG bytes, side by side in one run: Argus on Burn/CubeCL CUDA,
# on ONNX Runtime's TensorRT and CUDA providers (when the loaded library has them), on ONNX Runtime's CPU provider,
# and the PyTorch pipeline (facenet-pytorch MTCNN + our torch port of the dlib ResNet, bench/gpu/torch_pipeline.py)
# on CUDA. Inputs: 640x480 one-face JPEGs (bench/pipeline/make_inputs.py) and 1920x1080 group collages
# (bench/gpu/make_group_inputs.py). Writes OUT_DIR/p2.md (table, agreement with Argus on the CPU, the goals) and the
# raw reports SET__LABEL.json. Without an NVIDIA GPU it runs Argus ort-cpu and burn-wgpu in fp32 and fp16 (on lavapipe: correctness
# only, its times mean nothing) and torch on the CPU, fewer rounds, as a check that everything runs and agrees.
#
# Usage: bash bench/gpu/p2.sh [--quick] [OUT_DIR]   (default OUT_DIR: bench/results/p2-<date>-<host>)
# Settings (environment): P2_BACKENDS (Argus backends, space-separated; BACKEND+fp16 runs the descriptor network in
# fp16 on a Burn backend), P2_ROUNDS / P2_GROUP_ROUNDS (timed passes),
# P2_WARMUP, P2_CLIENTS (Argus client threads, 0: no throughput run), P2_BATCH (torch images per batch, 0: none),
# P2_THREADS, P2_ARGUS_BIN (default bench/gpu/bin/p2-argus, else built with cargo), P2_RUN_TIMEOUT (seconds for
# each pipeline run, default 600), P2_TORCH=0 (no torch row),
# TORCH_PYTHON (a python with torch, torchvision and onnx; facenet-pytorch from it or from bench/gpu/pylib, which
# build.sh fills), PYTHON (numpy + Pillow for inputs and comparison), ARGUS_MODELS_DIR, ARGUS_PHOTOS_DIR.
# Exit: 0 all ran and agree; 1 a pipeline disagrees; 4 the torch row could not run on a GPU machine (torch,
# torchvision, facenet-pytorch or CUDA missing: the message says which); 5 an Argus run failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
COMMAND="bash bench/gpu/p2.sh $*"
QUICK=0
if [[ "${1:-}" == "--quick" ]]; then
    QUICK=1
    shift
fi
OUT_DIR="${1:-bench/results/p2-$(date -u +%Y-%m-%d)-$(hostname -s)}"
VENV="${VENV:-$HOME/.cache/argus/venv}"
if [[ -z "${PYTHON:-}" ]]; then
    PYTHON=python3
    [[ -x "$VENV/bin/python" ]] && PYTHON="$VENV/bin/python"
fi
if [[ -z "${TORCH_PYTHON:-}" ]]; then
    TORCH_PYTHON="$PYTHON"
    [[ -x "$HOME/.cache/argus/torch-venv/bin/python" ]] && TORCH_PYTHON="$HOME/.cache/argus/torch-venv/bin/python"
fi
PYLIB="$(pwd)/bench/gpu/pylib"
PHOTOS="${ARGUS_PHOTOS_DIR:-$HOME/.cache/argus/photos}"
BIN="${P2_ARGUS_BIN:-bench/gpu/bin/p2-argus}"
if [[ ! -x "$BIN" ]]; then
    if ! command -v cargo > /dev/null; then
        echo "p2: $BIN is missing and there is no cargo here: run bash bench/gpu/build.sh where Rust is" >&2
        exit 5
    fi
    cargo build --release -q -p argus-bench-pipeline --bin p2-argus
    BIN="${CARGO_TARGET_DIR:-target}/release/p2-argus"
fi

if nvidia-smi > /dev/null 2>&1; then
    GPU=1
    source bench/gpu/cuda_env.sh
    BACKENDS="${P2_BACKENDS:-burn-cuda burn-cuda+fp16 ort-tensorrt ort-cuda ort-cpu}"
    TORCH_DEVICE=cuda
    ROUNDS="${P2_ROUNDS:-50}" GROUP_ROUNDS="${P2_GROUP_ROUNDS:-10}" WARMUP="${P2_WARMUP:-5}"
    CLIENTS="${P2_CLIENTS:-16}" BATCH="${P2_BATCH:-32}"
else
    GPU=0
    echo "p2: no NVIDIA GPU here (nvidia-smi failed): CPU and lavapipe rows only, for correctness" >&2
    BACKENDS="${P2_BACKENDS:-ort-cpu burn-wgpu burn-wgpu+fp16}"
    TORCH_DEVICE=cpu
    ROUNDS="${P2_ROUNDS:-2}" GROUP_ROUNDS="${P2_GROUP_ROUNDS:-1}" WARMUP="${P2_WARMUP:-1}"
    CLIENTS="${P2_CLIENTS:-2}" BATCH="${P2_BATCH:-6}"
fi
if [[ "$QUICK" == 1 ]]; then
    ROUNDS=$(( ROUNDS / 5 > 0 ? ROUNDS / 5 : 1 )) GROUP_ROUNDS=1
fi
THREADS="${P2_THREADS:-$(nproc)}"
RUN_TIMEOUT="${P2_RUN_TIMEOUT:-600}"

mkdir -p "$OUT_DIR"
WORK="$(mktemp -d)"
SAMPLER=""
cleanup() {
    if [[ -n "$SAMPLER" ]]; then
        kill "$SAMPLER" 2> /dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
"$PYTHON" bench/pipeline/make_inputs.py "$PHOTOS" "$WORK/one-face"
"$PYTHON" bench/gpu/make_group_inputs.py "$PHOTOS" "$WORK/group" 3

# GPU memory of one run: nvidia-smi sampled every 100 ms; the peak over the figure before the run, in MiB.
gpu_used() { nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -i 0 | head -n 1; }
start_memory() {
    [[ "$GPU" == 1 ]] || return 0
    BASE_MIB="$(gpu_used)"
    nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -i 0 -lms 100 > "$WORK/memory.log" &
    SAMPLER=$!
}
stop_memory() {
    [[ "$GPU" == 1 ]] || return 0
    kill "$SAMPLER" 2> /dev/null || true
    wait "$SAMPLER" 2> /dev/null || true
    SAMPLER=""
    local peak
    peak="$( (cat "$WORK/memory.log"; gpu_used) | sort -n | tail -n 1)"
    echo $(( peak - BASE_MIB )) > "$1"
}

TORCH_RC=0
TORCH_OK=1
if [[ "${P2_TORCH:-1}" == 0 ]]; then
    TORCH_OK=0
    TORCH_WHY="not asked for (P2_TORCH=0)"
elif ! TORCH_WHY="$(PYTHONPATH="$PYLIB${PYTHONPATH:+:$PYTHONPATH}" "$TORCH_PYTHON" -c "
import torch, torchvision, onnx, facenet_pytorch
if '$TORCH_DEVICE' == 'cuda' and not torch.cuda.is_available():
    raise SystemExit('torch ' + torch.__version__ + ' sees no CUDA device')
" 2>&1 | tail -n 1)"; then
    TORCH_OK=0
    echo "p2: the PyTorch pipeline cannot run with $TORCH_PYTHON: $TORCH_WHY" >&2
    echo "p2: it needs torch (with CUDA on a GPU machine), torchvision, onnx and facenet-pytorch; facenet-pytorch" \
        "can come from bench/gpu/pylib (bash bench/gpu/build.sh puts it there); TORCH_PYTHON names another python" >&2
    if [[ "$GPU" == 1 ]]; then
        TORCH_RC=4
    fi
fi

ARGUS_RC=0
run_set() {
    local set="$1" dir="$2" rounds="$3"
    local entry backend precision label jpeg rc
    for entry in $BACKENDS; do
        # An entry is a backend, with "+fp16" for the descriptor network in fp16.
        backend="${entry%+fp16}"
        precision=fp32
        if [[ "$entry" != "$backend" ]]; then
            precision=fp16
        fi
        label="argus-$entry"
        jpeg=auto
        if [[ "$backend" == ort-cpu || "$backend" == burn-wgpu ]]; then
            jpeg=cpu
        fi
        echo "== P2 $set: $label" >&2
        start_memory
        set +e
        timeout "$RUN_TIMEOUT" "$BIN" --backend "$backend" --precision "$precision" --jpeg "$jpeg" --inputs "$dir" \
            --out "$OUT_DIR/${set}__$label.json" --rounds "$rounds" --warmup "$WARMUP" --threads "$THREADS" \
            --clients "$CLIENTS" 2> "$WORK/stderr.log"
        rc=$?
        set -e
        stop_memory "$OUT_DIR/${set}__$label.gpumem"
        cat "$WORK/stderr.log" >&2
        if [[ "$rc" == 3 ]]; then
            tail -n 1 "$WORK/stderr.log" > "$OUT_DIR/${set}__$label.skipped"
            rm -f "$OUT_DIR/${set}__$label.gpumem"
        elif [[ "$rc" != 0 ]]; then
            echo "failed (exit $rc$([[ "$rc" == 124 ]] && echo ", over P2_RUN_TIMEOUT=$RUN_TIMEOUT s")): $(tail -n 1 "$WORK/stderr.log")" \
                > "$OUT_DIR/${set}__$label.skipped"
            rm -f "$OUT_DIR/${set}__$label.json" "$OUT_DIR/${set}__$label.gpumem"
            ARGUS_RC=5
        fi
    done
    label="torch-$TORCH_DEVICE"
    if [[ "$TORCH_OK" == 0 ]]; then
        echo "$TORCH_WHY" > "$OUT_DIR/${set}__$label.skipped"
        return 0
    fi
    echo "== P2 $set: $label" >&2
    start_memory
    set +e
    PYTHONPATH="$PYLIB${PYTHONPATH:+:$PYTHONPATH}" timeout "$RUN_TIMEOUT" "$TORCH_PYTHON" bench/gpu/torch_pipeline.py \
        --device "$TORCH_DEVICE" --inputs "$dir" --out "$OUT_DIR/${set}__$label.json" --rounds "$rounds" \
        --warmup "$WARMUP" --threads "$THREADS" --batch "$BATCH" 2> "$WORK/stderr.log"
    rc=$?
    set -e
    stop_memory "$OUT_DIR/${set}__$label.gpumem"
    cat "$WORK/stderr.log" >&2
    if [[ "$rc" != 0 ]]; then
        echo "failed (exit $rc): $(tail -n 1 "$WORK/stderr.log")" > "$OUT_DIR/${set}__$label.skipped"
        rm -f "$OUT_DIR/${set}__$label.json" "$OUT_DIR/${set}__$label.gpumem"
        if [[ "$GPU" == 1 ]]; then
            TORCH_RC=4
        fi
    fi
}

run_set one-face "$WORK/one-face" "$ROUNDS"
run_set group "$WORK/group" "$GROUP_ROUNDS"

{
    echo "# P2: Argus backends vs the PyTorch pipeline"
    echo
    echo "- git: ${P2_GIT:-$(git rev-parse HEAD 2> /dev/null || echo unknown)}"
    echo "- date: $(date -u +%FT%TZ)"
    if [[ "$GPU" == 1 ]]; then
        echo "- GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -n 1)"
    else
        echo "- GPU: none (CPU and lavapipe rows: correctness only; burn-wgpu's times on lavapipe mean nothing)"
    fi
    echo "- CPU: $(grep -m 1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; threads $THREADS"
    echo "- rounds: one-face $ROUNDS, group $GROUP_ROUNDS; warm-up $WARMUP; Argus clients $CLIENTS; torch batch $BATCH"
    echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
} > "$OUT_DIR/p2.md"
set +e
"$PYTHON" bench/gpu/p2_compare.py "$OUT_DIR" "$OUT_DIR/p2-table.md" "$COMMAND" > /dev/null
COMPARE_RC=$?
set -e
cat "$OUT_DIR/p2-table.md" >> "$OUT_DIR/p2.md" 2> /dev/null || true
rm -f "$OUT_DIR/p2-table.md"
cat "$OUT_DIR/p2.md"
for rc in "$COMPARE_RC" "$TORCH_RC" "$ARGUS_RC"; do
    if [[ "$rc" != 0 ]]; then
        exit "$rc"
    fi
done

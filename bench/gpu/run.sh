#!/usr/bin/env bash
# M2 on a GPU machine: the kernel test suite on CUDA, the detection and descriptor networks on
# Burn's CUDA backend against ONNX Runtime on the CPU (the engine's Burn tests), then Argus (CUDA)
# vs PyTorch torch.mm + torch.topk (fp16) on the same GPU. Writes bench/results/m2-<date>-<host>/
# with README.md (command, git revision, GPU, driver, versions, measured copy bandwidth), raw.csv,
# the test logs and the summary table. Then P2 (bench/gpu/p2.sh: the face pipeline on Argus's GPU
# and CPU backends beside the PyTorch pipeline) into p2/ of the same folder, its table appended to
# README.md; P2_TOTAL_TIMEOUT (seconds, default 1800) bounds it, P2=0 skips it.
# Usage: bash bench/gpu/run.sh [--quick]   (--quick: N = 1M only, Q = 1 and 100)
# The binaries come from bench/gpu/bin/ (bench/gpu/build.sh) when present, else they are built
# here with cargo.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV="${VENV:-$HOME/.cache/argus/venv}"
if [[ -z "${PYTHON:-}" ]]; then
    PYTHON=python3
    [[ -x "$VENV/bin/python" ]] && PYTHON="$VENV/bin/python"
fi
BIN=bench/gpu/bin

if ! nvidia-smi > /dev/null 2>&1; then
    echo "bench/gpu: no NVIDIA GPU here (nvidia-smi failed); M2 needs one" >&2
    exit 2
fi

# CUDA headers and NVRTC for CubeCL (CUDA_PATH, LD_LIBRARY_PATH).
source bench/gpu/cuda_env.sh

if [[ ! -x "$BIN/m2_bench" || ! -x "$BIN/kernel_tests_cuda" || ! -x "$BIN/engine_tests" || ! -x "$BIN/p2-argus" ]]; then
    bash bench/gpu/build.sh
fi

OUT_DIR="${M2_OUT:-bench/results/m2-$(date -u +%Y-%m-%d)-$(hostname -s)}"
mkdir -p "$OUT_DIR"
SIZES=(--n 1000000 10000000 --d 128 512 --q 1 100 1000)
if [[ "${1:-}" == "--quick" ]]; then
    SIZES=(--n 1000000 --d 128 512 --q 1 100)
fi

GPU_NAME="$(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1)"
# Datasheet HBM bandwidth, the floor's denominator.
case "$GPU_NAME" in
    *H200*) BANDWIDTH=4.8e12 ;;
    *H100*) BANDWIDTH=3.35e12 ;;
    *) BANDWIDTH="${BANDWIDTH:-3.35e12}" ;;
esac
COPY="$("$PYTHON" - <<'PY' 2>&1
import torch
x = torch.empty(2 * 1024**3, dtype=torch.uint8, device="cuda")
y = torch.empty_like(x)
for _ in range(3):
    y.copy_(x)
start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
start.record()
for _ in range(10):
    y.copy_(x)
end.record()
torch.cuda.synchronize()
seconds = start.elapsed_time(end) / 1e3 / 10
print(f"{2 * x.numel() / seconds / 1e12:.2f} TB/s (2 GiB device-to-device copy, read + write bytes)")
PY
)"

{
    echo "# M2: Argus GPU matcher vs torch.mm + torch.topk (fp16)"
    echo
    echo "- command: bash bench/gpu/run.sh $*"
    echo "- git: ${M2_GIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}"
    echo "- date: $(date -u +%FT%TZ)"
    echo "- GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader)"
    echo "- floor bandwidth (datasheet): $BANDWIDTH B/s; measured copy: $COPY"
    echo "- torch: $("$PYTHON" -c 'import torch; print(torch.__version__, torch.version.cuda)' 2>&1)"
    echo "- CUDA_PATH: $CUDA_PATH; NVRTC: ${NVRTC_DIR:-not found}"
} > "$OUT_DIR/README.md"
cat "$OUT_DIR/README.md"

echo "== kernel tests on CUDA" >&2
set +e
ARGUS_REQUIRE_GPU_TESTS=1 timeout "${M2_TEST_TIMEOUT:-300}" "$BIN/kernel_tests_cuda" --include-ignored --test-threads=1 2>&1 \
    | tee "$OUT_DIR/kernel-tests.log"
TESTS_RC=${PIPESTATUS[0]}
set -e
echo "- kernel tests on CUDA: exit $TESTS_RC ($(grep -E '^test result' "$OUT_DIR/kernel-tests.log" || echo 'no result line'))" \
    >> "$OUT_DIR/README.md"

echo "== Burn networks on CUDA vs ONNX Runtime on the CPU" >&2
# The engine tests read the models (ONNX and .bpk) and photos of `make models` (ARGUS_MODELS_DIR,
# ARGUS_PHOTOS_DIR) and ONNX Runtime from the venv (or ORT_DYLIB_PATH).
set +e
ARGUS_REQUIRE_CUDA_TESTS=1 timeout "${M2_BURN_TIMEOUT:-600}" "$BIN/engine_tests" burn_cuda --nocapture --test-threads=1 2>&1 \
    | tee "$OUT_DIR/burn-cuda.log"
BURN_RC=${PIPESTATUS[0]}
set -e
echo "- Burn networks on CUDA vs ONNX Runtime on the CPU: exit $BURN_RC ($(grep -E 'vs ort-cpu|^test result' "$OUT_DIR/burn-cuda.log" | tr '\n' ' ' || echo 'no result line'))" \
    >> "$OUT_DIR/README.md"

echo "== Argus" >&2
timeout "${M2_ARGUS_TIMEOUT:-900}" "$BIN/m2_bench" "${SIZES[@]}" | tee "$OUT_DIR/raw.csv" \
    || echo "- Argus M2 stopped early (exit ${PIPESTATUS[0]}): rows after the last one in raw.csv are missing" | tee -a "$OUT_DIR/README.md"
# The batches of 100 and 1000 again with the GEMM path's FMA tile product (m2_bench --gemm fma),
# to set against the default run, which takes the tensor cores where the GPU has them. A file of
# its own, so that summary.py pairs the default run with torch.
echo "== Argus, GEMM path on FMAs" >&2
GEMM_SIZES=(--n 1000000 10000000 --d 128 512 --q 100 1000)
if [[ "${1:-}" == "--quick" ]]; then
    GEMM_SIZES=(--n 1000000 --d 128 512 --q 100)
fi
timeout "${M2_ARGUS_TIMEOUT:-900}" "$BIN/m2_bench" --gemm fma "${GEMM_SIZES[@]}" | grep -v after-upsert | tee "$OUT_DIR/raw-gemm-fma.csv" \
    || echo "- Argus M2 on the FMA GEMM stopped early: rows after the last one in raw-gemm-fma.csv are missing" | tee -a "$OUT_DIR/README.md"
echo "== torch anchor" >&2
timeout "${M2_TORCH_TIMEOUT:-600}" "$PYTHON" bench/gpu/torch_anchor.py "${SIZES[@]}" | tail -n +2 | tee -a "$OUT_DIR/raw.csv" \
    || echo "- torch M2 stopped early (exit ${PIPESTATUS[0]})" | tee -a "$OUT_DIR/README.md"

"$PYTHON" bench/gpu/summary.py "$OUT_DIR/raw.csv" "$BANDWIDTH" >> "$OUT_DIR/README.md"

P2_RC=0
if [[ "${P2:-1}" != 0 ]]; then
    echo "== P2: face pipeline, Argus backends vs PyTorch" >&2
    set +e
    PYTHON="$PYTHON" P2_GIT="${M2_GIT:-}" timeout "${P2_TOTAL_TIMEOUT:-1800}" bash bench/gpu/p2.sh "$OUT_DIR/p2"
    P2_RC=$?
    set -e
    {
        echo
        echo "- P2 (bench/gpu/p2.sh): exit $P2_RC$([[ "$P2_RC" == 124 ]] && echo ", stopped by P2_TOTAL_TIMEOUT")"
        echo
        sed '1,2d' "$OUT_DIR/p2/p2.md" 2> /dev/null || echo "(no P2 table)"
    } >> "$OUT_DIR/README.md"
fi
cat "$OUT_DIR/README.md"
for rc in "$TESTS_RC" "$BURN_RC" "$P2_RC"; do
    if [[ "$rc" != 0 ]]; then
        exit "$rc"
    fi
done

#!/usr/bin/env bash
# M2 on a GPU machine: the kernel test suite on CUDA, then Argus (CUDA) vs PyTorch torch.mm +
# torch.topk (fp16) on the same GPU. Writes bench/results/m2-<date>-<host>/ with README.md
# (command, git revision, GPU, driver, versions), raw.csv and the test log.
# Usage: bash bench/gpu/run.sh [--quick]   (--quick: N = 1M only, Q = 1 and 100)
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV="${VENV:-$HOME/.cache/argus/venv}"
PYTHON="${PYTHON:-$VENV/bin/python}"
export CUDARC_CUDA_VERSION=13000
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
# CubeCL's CUDA runtime compiles kernels with NVRTC at first use and needs the CUDA headers:
# both come from the PyPI wheels (nvidia-cuda-nvrtc, nvidia-cuda-nvcc 13.0.x) in the venv.
CU13="$(ls -d "$VENV"/lib/python3*/site-packages/nvidia/cu13 2>/dev/null | head -n 1)"
if [[ -n "$CU13" ]]; then
    export CUDA_PATH="${CUDA_PATH:-$CU13}"
    export LD_LIBRARY_PATH="$CU13/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

if ! nvidia-smi > /dev/null 2>&1; then
    echo "bench/gpu: no NVIDIA GPU here (nvidia-smi failed); M2 needs one" >&2
    exit 2
fi

OUT="bench/results/m2-$(date -u +%Y-%m-%d)-$(hostname -s)"
mkdir -p "$OUT"
SIZES=(--n 1000000 10000000 --d 128 512 --q 1 100 1000)
if [[ "${1:-}" == "--quick" ]]; then
    SIZES=(--n 1000000 --d 128 512 --q 1 100)
fi

{
    echo "# M2: Argus GPU matcher vs torch.mm + torch.topk (fp16)"
    echo
    echo "- command: bash bench/gpu/run.sh $*"
    echo "- git: $(git rev-parse HEAD)"
    echo "- date: $(date -u +%FT%TZ)"
    echo "- GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader)"
    echo "- torch: $("$PYTHON" -c 'import torch; print(torch.__version__, torch.version.cuda)' 2>&1)"
    echo "- rustc: $(rustc --version)"
} > "$OUT/README.md"

echo "== kernel tests on CUDA (and wgpu if a Vulkan driver is present)" >&2
(cd kernels && cargo test --release 2>&1) | tee "$OUT/kernel-tests.log"

echo "== Argus" >&2
(cd kernels && cargo run --release --example m2_bench -- "${SIZES[@]}") | tee "$OUT/raw.csv"
echo "== torch anchor" >&2
"$PYTHON" bench/gpu/torch_anchor.py "${SIZES[@]}" | tail -n +2 | tee -a "$OUT/raw.csv"

"$PYTHON" bench/gpu/summary.py "$OUT/raw.csv" >> "$OUT/README.md"
cat "$OUT/README.md"

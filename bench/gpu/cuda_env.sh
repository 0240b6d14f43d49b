# Sourced by bench/gpu/run.sh and bench/gpu/p2.sh (expects VENV and PYTHON): sets CUDA_PATH, LD_LIBRARY_PATH and
# CUDARC_CUDA_VERSION for CubeCL's CUDA runtime, which compiles kernels with NVRTC at first use.
# CubeCL's CUDA runtime compiles kernels with NVRTC at first use and needs the CUDA headers:
# the nvidia-cuda-nvrtc / nvidia-cuda-nvcc 13.0.x wheels in the venv, else a CUDA toolkit.
CU13="$(ls -d "$VENV"/lib/python3*/site-packages/nvidia/cu13 2>/dev/null | head -n 1 || true)"
if [[ -z "${CUDA_PATH:-}" ]]; then
    if [[ -n "$CU13" ]]; then
        CUDA_PATH="$CU13"
    elif [[ -f /usr/local/cuda/include/cuda.h ]]; then
        CUDA_PATH=/usr/local/cuda
    fi
fi
export CUDA_PATH="${CUDA_PATH:-}"
NVRTC_DIR="$(dirname "$(find "$CUDA_PATH" /usr/local/cuda/ $("$PYTHON" -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null) \
    -name 'libnvrtc.so*' 2>/dev/null | head -n 1)" 2>/dev/null || true)"
export LD_LIBRARY_PATH="${NVRTC_DIR:+$NVRTC_DIR:}$CUDA_PATH/lib64:$CUDA_PATH/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export CUDARC_CUDA_VERSION=13000

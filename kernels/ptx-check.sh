#!/usr/bin/env bash
# Emits the CUDA C of every kernel (CubeCL's CUDA compiler, no GPU needed), compiles it with
# NVRTC to sm_90 PTX, assembles the PTX with `ptxas -arch=sm_90 -v`, fails on any compile error,
# and rewrites the "ptxas figures" table in kernels/README.md (registers, spills, shared memory).
# Needs the PyPI wheels nvidia-cuda-nvrtc and nvidia-cuda-nvcc (13.0.x) in the Argus venv.
# Usage: bash kernels/ptx-check.sh            (writes into target/ptx-check/)
set -euo pipefail
cd "$(dirname "$0")"
VENV="${VENV:-$HOME/.cache/argus/venv}"
CU13="$(ls -d "$VENV"/lib/python3*/site-packages/nvidia/cu13 2>/dev/null | head -n 1)"
if [[ -z "$CU13" || ! -x "$CU13/bin/ptxas" || ! -e "$CU13/lib/libnvrtc.so.13" ]]; then
    echo "ptx-check: NVRTC/ptxas wheels missing; run: $VENV/bin/pip install nvidia-cuda-nvrtc==13.0.88 nvidia-cuda-nvcc==13.0.88" >&2
    exit 2
fi
export CUDARC_CUDA_VERSION=13000
export LD_LIBRARY_PATH="$CU13/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
OUT="${CARGO_TARGET_DIR:-$PWD/../target}/ptx-check"
rm -rf "$OUT"
mkdir -p "$OUT"

cargo run --quiet --example emit_cuda -- "$OUT" "$CU13/include"

# The first number in the first match of pattern $1 in text $2 (empty when absent).
figure() {
    { grep -o "$1" <<< "$2" || true; } | head -n 1 | grep -o '[0-9][0-9]*' | head -n 1 || true
}

TABLE="$OUT/table.md"
{
    echo "| kernel | variant | registers | spill stores (B) | spill loads (B) | static shared (B) | dynamic shared (B) | stack (B) |"
    echo "|---|---|---|---|---|---|---|---|"
} > "$TABLE"
for ptx in "$OUT"/*.ptx; do
    name="$(basename "$ptx" .ptx)"
    "$CU13/bin/ptxas" -arch=sm_90 -v "$ptx" -o "$OUT/$name.cubin" > "$OUT/$name.ptxas.txt" 2>&1 || {
        cat "$OUT/$name.ptxas.txt" >&2
        echo "ptx-check: ptxas failed on $name" >&2
        exit 1
    }
    info="$(cat "$OUT/$name.ptxas.txt")"
    regs="$(figure 'Used [0-9]* registers' "$info")"
    spill_st="$(figure '[0-9]* bytes spill stores' "$info")"
    spill_ld="$(figure '[0-9]* bytes spill loads' "$info")"
    smem="$(figure '[0-9]* bytes smem' "$info")"
    stack="$(figure '[0-9]* bytes stack frame' "$info")"
    # CubeCL declares shared memory as one dynamic block; its arrays are listed in comments.
    dynamic="$({ grep -o 'Shared array size: [0-9]*, [0-9]* bytes' "$OUT/$name.cu" || true; } | awk '{ sum += $5 } END { print sum + 0 }')"
    kernel="${name%%.*}"
    variant="${name#*.}"
    echo "| $kernel | $variant | ${regs:-?} | ${spill_st:-0} | ${spill_ld:-0} | ${smem:-0} | $dynamic | ${stack:-0} |" >> "$TABLE"
done
cat "$TABLE"

# Replace the table between the markers in README.md.
python3 - "$TABLE" README.md <<'PY'
import sys
table = open(sys.argv[1]).read()
path = sys.argv[2]
text = open(path).read()
start, end = "<!-- ptxas-table:start -->", "<!-- ptxas-table:end -->"
head, rest = text.split(start, 1)
_, tail = rest.split(end, 1)
open(path, "w").write(head + start + "\n" + table + end + tail)
PY
echo "ptx-check: all kernels compiled for sm_90; table written to kernels/README.md" >&2

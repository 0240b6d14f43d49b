#!/usr/bin/env bash
# Installs the Debian packages the build and tests need, when they are missing.
set -euo pipefail
# mesa-vulkan-drivers + libvulkan1: Mesa's software Vulkan (lavapipe), where the GPU kernels run in the tests.
needed=(build-essential pkg-config cmake nasm python3-venv mesa-vulkan-drivers libvulkan1)
missing=()
for pkg in "${needed[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
# Node.js and npm: `make models` fetches the attribute models with npm, and their reference test runs TensorFlow.js
# on node. A node already on the PATH (from any source) is kept.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
    echo "system-deps: all present"
    exit 0
fi
echo "system-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"

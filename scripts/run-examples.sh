#!/usr/bin/env bash
# The main job (`npm start`): run the standard benchmark networks through the CLI on this
# machine's GPU (or software Vulkan), run the same networks in Brian2 (C++ standalone) and
# write a side-by-side comparison of rates and CV ISI plus raster figures into out/.
# Usage: bash scripts/run-examples.sh [DURATION_MS (default 1000)]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-1000}
mkdir -p out
for net in brunel2000 coba; do
  echo "== $net: cortexgpu (${duration} ms)"
  node bin/cortexgpu.js run "examples/$net.json" --duration "$duration" --out "out/$net"
  node scripts/plot_run.mjs "out/$net" "out/$net/raster.svg"
  if /usr/bin/python3 -c 'import brian2' 2>/dev/null; then
    echo "== $net: Brian2"
    /usr/bin/python3 scripts/brian2_compare.py "examples/$net.json" --duration "$duration" \
      --out "out/brian2/$net" --cortexgpu "out/$net/summary.json"
    cat "out/brian2/$net/comparison.md"
  else
    echo "Brian2 is not installed (bash scripts/setup.sh --with-brian); skipping the comparison."
  fi
done
echo "Results: out/*/summary.json, out/*/raster.svg, out/brian2/*/comparison.md"

#!/usr/bin/env bash
# The main job (`npm start`): run the standard benchmark networks through the CLI on this
# machine's GPU (or software Vulkan), run the same networks in Brian2 (C++ standalone) into
# run folders of the same layout, compare them (rates and CV ISI with verdicts, loop and total
# wall-clock times) and plot both side by side with `cortexgpu plot`; everything goes into out/.
# Usage: bash scripts/run-examples.sh [DURATION_MS (default 1000)]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-1000}
warmup=200
mkdir -p out
have_brian=0
if /usr/bin/python3 -c 'import brian2' 2>/dev/null; then have_brian=1; fi
for net in brunel2000 coba; do
  echo "== $net: cortexgpu (${duration} ms)"
  node bin/cortexgpu.js run "examples/$net.json" --duration "$duration" --warmup "$warmup" --out "out/$net"
  node bin/cortexgpu.js plot "out/$net" --quiet
  if [ "$have_brian" = 1 ]; then
    echo "== $net: Brian2"
    /usr/bin/python3 scripts/brian2_compare.py "examples/$net.json" --duration "$duration" \
      --warmup "$warmup" --out "out/brian2/$net" --cortexgpu "out/$net"
    node bin/cortexgpu.js plot "out/$net" "out/brian2/$net" --labels cortexgpu,Brian2 --out "out/compare/$net"
    cat "out/brian2/$net/comparison.md"
  else
    echo "Brian2 is not installed (bash scripts/setup.sh --with-brian); skipping the comparison."
  fi
done
if [ "$have_brian" = 1 ]; then
  echo "Results: out/*/summary.json, out/*/plots/ (figures of each cortexgpu run),"
  echo "         out/brian2/*/ (Brian2 run folders, comparison.md), out/compare/*/ (side-by-side figures)"
else
  echo "Results: out/*/summary.json, out/*/plots/ (raster, rates, ISI and CV ISI figures)"
fi

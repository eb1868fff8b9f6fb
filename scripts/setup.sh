#!/usr/bin/env bash
# One-time (and idempotent) set-up of a fresh Debian 12 machine for cortexgpu:
#   - Debian's Chromium: headless browser tests, and its SwiftShader Vulkan driver;
#   - Mesa 25 lavapipe from bookworm-backports: the faster software Vulkan driver for Node
#     (Debian 12's own Mesa 22 is refused by Dawn);
#   - h5py (python3-h5py): the NWB tests read files h5py writes;
#   - optionally Brian2 (python3-brian) for the comparison scripts (--with-brian);
#   - npm dependencies (no browser download: puppeteer uses /usr/bin/chromium) and the build.
# Quick when everything is already there. Machines with a GPU need only Node and npm.
set -euo pipefail
cd "$(dirname "$0")/.."

with_brian=0
for arg in "$@"; do
  case "$arg" in
    --with-brian) with_brian=1 ;;
    *) echo "setup.sh: unknown option $arg (known: --with-brian)" >&2; exit 2 ;;
  esac
done

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "setup.sh: need root (or sudo) to run: $*" >&2; return 1; fi
}
export DEBIAN_FRONTEND=noninteractive

apt_updated=0
apt_update() {
  if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -q >/dev/null; apt_updated=1; fi
}

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -e /usr/lib/x86_64-linux-gnu/libvulkan.so.1 ] || [ -e /usr/lib/aarch64-linux-gnu/libvulkan.so.1 ] || missing+=(libvulkan1)
/usr/bin/python3 -c 'import h5py' 2>/dev/null || missing+=(python3-h5py)
if [ "$with_brian" -eq 1 ] && ! /usr/bin/python3 -c 'import brian2' 2>/dev/null; then missing+=(python3-brian); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing Debian packages: ${missing[*]}"
  apt_update
  as_root apt-get install -y -q "${missing[@]}" >/dev/null
fi

# lavapipe from Mesa >= 25 (bookworm-backports). Optional: SwiftShader works without it.
mesa_version=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
if [ "${mesa_version%%.*}" != "" ] && [ "${mesa_version%%.*}" -ge 25 ] 2>/dev/null; then :; else
  if grep -qs bookworm /etc/os-release; then
    echo "setup.sh: installing Mesa lavapipe from bookworm-backports (found: ${mesa_version:-none})"
    backports=/etc/apt/sources.list.d/cortexgpu-backports.sources
    if [ ! -f "$backports" ] && ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
      # Same mirror as the machine's own Debian source, suite bookworm-backports.
      uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
      [ -n "$uri" ] || uri=$(awk '/^deb / && $3 ~ /^bookworm$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
      if [ -n "$uri" ]; then
        printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" | as_root tee "$backports" >/dev/null
      fi
    fi
    apt_updated=0
    apt_update || true
    as_root apt-get install -y -q -t bookworm-backports mesa-vulkan-drivers >/dev/null ||
      echo "setup.sh: lavapipe not installed; software GPU tests will use SwiftShader (slower)" >&2
  fi
fi

# npm dependencies: reinstall when package-lock.json changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup.sh: npm ci"
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi

# Build the Node library and CLI when sources are newer than the build.
if [ ! -f dist/cli/main.js ] || [ -n "$(find src shaders tsconfig.json -newer dist/cli/main.js -print -quit 2>/dev/null)" ]; then
  echo "setup.sh: building (tsc)"
  npx tsc -p tsconfig.json
fi

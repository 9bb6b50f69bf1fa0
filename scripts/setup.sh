#!/usr/bin/env bash
# One-time, idempotent setup: system packages, libtorch, .cargo/config.toml.
# Usage: scripts/setup.sh [--cuda] [--test]   (--test: also what only the tests, benchmarks and
# screenshots use: Chromium for the overlay page, feh as a capture-card window)
set -euo pipefail
cd "$(dirname "$0")/.."

want_cuda=0
want_test=0
for arg in "$@"; do
  case "$arg" in
    --cuda) want_cuda=1 ;;
    --test) want_test=1 ;;
    *) echo "[setup] unknown option: $arg (use --cuda, --test)"; exit 2 ;;
  esac
done
[ "${ISAAC_LENS_CUDA:-0}" = "1" ] && want_cuda=1

say() { printf '[setup] %s\n' "$*"; }

# --- system packages ----------------------------------------------------------
apt_pkgs=(build-essential pkg-config python3-venv python3-pip libclang-dev clang
          libpipewire-0.3-dev libgbm-dev libegl-dev libxcb1-dev libxrandr-dev
          libdbus-1-dev libxkbcommon-dev libxkbcommon-x11-0 libwayland-dev libssl-dev
          libgl1 libgl1-mesa-dri
          xvfb openbox xdotool x11-utils fonts-noto-cjk)
[ "$want_test" = 1 ] && apt_pkgs+=(chromium feh)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing apt packages: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo_cmd=(); elif command -v sudo >/dev/null; then sudo_cmd=(sudo); else
    say "not root and no sudo; run: apt-get install -y ${missing[*]}"; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq >/dev/null
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "apt packages: all present"
fi

# --- libtorch from the PyPI wheel -------------------------------------------------
deps=.deps/torch
if [ -f "$deps/torch/lib/libtorch_cpu.so" ] && [ "$want_cuda" = 0 -o -f "$deps/torch/lib/libtorch_cuda.so" ]; then
  say "libtorch: present in $deps"
else
  py=python3
  command -v "$py" >/dev/null || { say "python3 not found"; exit 1; }
  mkdir -p .deps
  rm -rf "$deps.tmp"
  if [ "$want_cuda" = 1 ]; then
    say "libtorch: installing torch==2.13.0 with CUDA (about 4.7 GB)"
    "$py" -m pip install -q --disable-pip-version-check --no-compile --target "$deps.tmp" torch==2.13.0
  else
    say "libtorch: installing torch==2.13.0 CPU libraries (about 1.2 GB)"
    "$py" -m pip install -q --disable-pip-version-check --no-compile --no-deps --target "$deps.tmp" \
      torch==2.13.0 nvidia-cuda-runtime==13.0.96 nvidia-cuda-cupti==13.0.85
  fi
  rm -rf "$deps"
  mv "$deps.tmp" "$deps"
fi

# --- Rust components the test command uses (static checks) ------------------------
for tool in rustfmt clippy-driver; do
  if ! command -v "$tool" >/dev/null 2>&1 && ! rustup which "$tool" >/dev/null 2>&1; then
    say "missing $tool; install it with: rustup component add ${tool%-driver}"
    exit 1
  fi
done

say "done"

#!/usr/bin/env bash
# Installs every Debian 12 package Kestrel needs to build, test and run — including what the
# later modules (ml, rl, live trading) use — and points BLAS/LAPACK at OpenBLAS's OpenMP
# build, because LibTorch on the reference BLAS is 3-5x slower and on OpenBLAS's pthread
# build 3-5x slower again (see below). Idempotent and non-interactive: when
# everything is already installed it only checks and returns.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  zlib1g-dev libdeflate-dev
  libsqlite3-dev sqlite3
  libtorch-dev libopenblas0-openmp libjemalloc2 libjemalloc-dev
  libxgboost-dev
  libeigen3-dev libtbb-dev
  libpqxx-dev postgresql
  prometheus  # promtool checks /metrics in the tests
  slurm-wlm munge  # kestrel tune --slurm; the tests start a single-node cluster (tests/support/slurm_cluster.sh)
  libcpp-httplib-dev libssl-dev libboost1.81-dev libcurl4-openssl-dev
  nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-numpy python3-pandas python3-torch
  nodejs chromium fonts-dejavu-core poppler-utils
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all ${#packages[@]} packages present"
fi

# LibTorch links libblas.so.3/liblapack.so.3 (and kestrel libopenblas.so.0) through Debian's
# alternatives; without an explicit choice a --no-install-recommends install can leave the
# reference BLAS active. The OpenMP build shares LibTorch's OpenMP thread pool; the pthread
# build starts its own threads, which fight LibTorch's spinning OpenMP workers for the cores
# (LSTM training step 1.1-1.9 s instead of 0.23 s on 2 cores: docs/benchmarks.md, "Models").
arch_triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
for lib in libblas.so.3 liblapack.so.3 libopenblas.so.0; do
  target=/usr/lib/$arch_triplet/openblas-openmp/$lib
  if [ -e "$target" ]; then
    "${sudo_cmd[@]}" update-alternatives --quiet --set "$lib-$arch_triplet" "$target" || true
  fi
done

# The HTML report's charting library (uPlot) comes from npm at the version pinned in
# web/package-lock.json; CMake embeds it into the binary. `npm ls` fails when anything is
# missing or differs from the lock file, and only then is it reinstalled.
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if ! command -v npm >/dev/null; then
  # Debian's nodejs ships npm separately (NodeSource's nodejs includes it).
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm
fi
if npm ls --prefix "$repo_root/web" --depth=0 >/dev/null 2>&1; then
  echo "install-deps: web/node_modules matches web/package-lock.json"
else
  echo "install-deps: npm ci --prefix web"
  npm ci --prefix "$repo_root/web" --no-audit --no-fund
fi

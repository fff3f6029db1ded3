#!/usr/bin/env bash
# Installs only what a built kestrel needs to run (the container image's runtime stage, or a
# server that runs a kestrel built elsewhere): the shared libraries of the executable and of
# its modules (kestrel-models.so: LibTorch, XGBoost, OpenBLAS; kestrel-postgres.so: libpqxx;
# kestrel-smtp.so: libcurl), and points BLAS at OpenBLAS's OpenMP build as install-deps.sh does.
# Keep this list in step with `ldd build/release/kestrel build/release/*.so` (docs/operations.md).
set -euo pipefail

packages=(
  ca-certificates tzdata
  libsqlite3-0 libdeflate0 zlib1g libssl3
  libfmt9 libspdlog1.10 libtomlplusplus3 libcpp-httplib0.11 libtbb12 libjemalloc2
  libtorch1.13 libxgboost0 libopenblas0-openmp
  libpqxx-6.4 postgresql-client
  libcurl4
  chromium   # the PDF reports (kestrel report, the scheduled reports of kestrel serve)
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"

arch_triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
for lib in libblas.so.3 liblapack.so.3 libopenblas.so.0; do
  target=/usr/lib/$arch_triplet/openblas-openmp/$lib
  if [ -e "$target" ]; then
    "${sudo_cmd[@]}" update-alternatives --quiet --set "$lib-$arch_triplet" "$target" || true
  fi
done
